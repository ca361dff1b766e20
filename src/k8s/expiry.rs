//! The expiry the window runner writes on every policy it applies
//! (`netpolgen.io/window-expires`), read back: a window policy still in
//! the cluster after it is the trace of a closing job that did not run.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The annotation the runner sets on opened policies: when they expire.
pub const EXPIRES: &str = "netpolgen.io/window-expires";

/// The kinds a window can open.
const KINDS: [&str; 2] = ["NetworkPolicy", "CiliumNetworkPolicy"];

/// What is wrong with a window policy at a given moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// It expired at this time, before the moment asked about.
    Expired(DateTime<Utc>),
    /// The annotation holds this text, which is not an RFC 3339 time.
    Unreadable(String),
}

/// A policy document whose expiry is past at `now`, or unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub expiry: Expiry,
}

impl Stale {
    /// `window policy NAME expired at T (closing job did not run?)`, or
    /// what is wrong with the annotation.
    pub fn message(&self) -> String {
        match &self.expiry {
            Expiry::Expired(t) => format!(
                "window policy {} expired at {} (closing job did not run?)",
                self.name,
                t.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            Expiry::Unreadable(v) => format!(
                "window policy {} has {EXPIRES}: {v:?}, which is not an RFC 3339 time (2026-12-05T04:00:00Z)",
                self.name
            ),
        }
    }
}

/// The expiry of a NetworkPolicy or CiliumNetworkPolicy document, when
/// it is past at `now` (strictly) or cannot be read; `None` for other
/// kinds, policies without the annotation, and expiries still ahead.
pub fn stale(doc: &Value, now: DateTime<Utc>) -> Option<Stale> {
    let kind = doc.get("kind")?.as_str()?;
    if !KINDS.contains(&kind) {
        return None;
    }
    let meta = doc.get("metadata")?;
    let value = meta.get("annotations")?.get(EXPIRES)?;
    let expiry = match value.as_str().map(DateTime::parse_from_rfc3339) {
        Some(Ok(t)) if t.with_timezone(&Utc) < now => Expiry::Expired(t.with_timezone(&Utc)),
        Some(Ok(_)) => return None,
        Some(Err(_)) => Expiry::Unreadable(value.as_str().unwrap_or_default().to_string()),
        None => Expiry::Unreadable(value.to_string()),
    };
    Some(Stale {
        kind: kind.to_string(),
        namespace: meta
            .get("namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
        name: meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        expiry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-05T05:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn policy(kind: &str, expires: Value) -> Value {
        json!({"kind": kind, "metadata": {"name": "p", "annotations": {EXPIRES: expires}}})
    }

    #[test]
    fn past_future_and_unreadable() {
        let past = stale(
            &policy("NetworkPolicy", json!("2026-12-05T04:00:00Z")),
            now(),
        );
        assert_eq!(
            past.unwrap().message(),
            "window policy p expired at 2026-12-05T04:00:00Z (closing job did not run?)"
        );
        let offset = policy("CiliumNetworkPolicy", json!("2026-12-05T05:30:00+01:00"));
        assert!(matches!(
            stale(&offset, now()).unwrap().expiry,
            Expiry::Expired(_)
        ));
        assert_eq!(
            stale(
                &policy("NetworkPolicy", json!("2026-12-05T05:00:00Z")),
                now()
            ),
            None
        );
        assert_eq!(
            stale(
                &policy("NetworkPolicy", json!("2026-12-06T04:00:00Z")),
                now()
            ),
            None
        );
        let bad = stale(&policy("NetworkPolicy", json!("Saturday")), now()).unwrap();
        assert_eq!(bad.expiry, Expiry::Unreadable("Saturday".into()));
        let number = stale(&policy("NetworkPolicy", json!(5)), now()).unwrap();
        assert_eq!(number.expiry, Expiry::Unreadable("5".into()));
        assert_eq!(stale(&policy("ConfigMap", json!("Saturday")), now()), None);
    }
}
