//! Placeholders for what differs between environments by design: the
//! namespace, the policy name suffix and the environment name. Applied to
//! both sides of a cross-environment diff so that only real differences
//! remain.
//!
//! Matching is exact: a string value equal to the namespace or the
//! environment becomes a placeholder (labels, namespace selectors and
//! `metadata.namespace` alike), and an object or policy name ending in the
//! suffix has it replaced. A value that merely contains the environment
//! (`alt-las-prod-db`) is left alone, so normalising never hides a change.

use serde::Serialize;
use serde_json::Value;

use crate::model::Model;

/// Stands for the side's namespace.
pub const NAMESPACE: &str = "<namespace>";
/// Stands for the side's environment name.
pub const ENVIRONMENT: &str = "<environment>";
/// Stands for the side's policy name suffix.
pub const SUFFIX: &str = "<suffix>";

/// The values one side's placeholders stand for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Norm {
    pub environment: String,
    pub namespace: String,
    pub suffix: String,
}

impl Norm {
    /// The values of a NetworkPolicySet's model.
    pub fn of(model: &Model) -> Norm {
        Norm {
            environment: model.env.clone(),
            namespace: model.namespace.clone(),
            suffix: model.suffix.clone(),
        }
    }

    /// A string value: the namespace or the environment become placeholders.
    pub fn value(&self, s: &str) -> String {
        if s == self.namespace {
            NAMESPACE.into()
        } else if s == self.environment {
            ENVIRONMENT.into()
        } else {
            s.into()
        }
    }

    /// An object or policy name: the suffix becomes a placeholder.
    pub fn name(&self, s: &str) -> String {
        match s.strip_suffix(self.suffix.as_str()) {
            Some(stem) if !self.suffix.is_empty() => format!("{stem}{SUFFIX}"),
            _ => s.into(),
        }
    }

    /// A whole object: every string value, plus `metadata.name`.
    pub fn object(&self, v: &Value) -> Value {
        let mut out = self.walk(v);
        if let Some(Value::String(name)) = out.pointer_mut("/metadata/name") {
            *name = self.name(name);
        }
        out
    }

    fn walk(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.value(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.walk(i)).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), self.walk(v))).collect())
            }
            other => other.clone(),
        }
    }
}

impl Norm {
    /// Only `metadata.name` normalised: an object without a counterpart.
    pub fn object_name(&self, v: &Value) -> Value {
        let mut out = v.clone();
        if let Some(Value::String(name)) = out.pointer_mut("/metadata/name") {
            *name = self.name(name);
        }
        out
    }
}

/// The same object of two sides, normalised together: a string becomes a
/// placeholder only where the two raw values differ and each stands for
/// that placeholder on its own side; `metadata.name` loses its suffix.
pub fn pair(a: &Value, b: &Value, na: &Norm, nb: &Norm) -> (Value, Value) {
    let (mut x, mut y) = walk_pair(a, b, na, nb);
    for (v, n) in [(&mut x, na), (&mut y, nb)] {
        if let Some(Value::String(name)) = v.pointer_mut("/metadata/name") {
            *name = n.name(name);
        }
    }
    (x, y)
}

fn walk_pair(a: &Value, b: &Value, na: &Norm, nb: &Norm) -> (Value, Value) {
    match (a, b) {
        (Value::String(x), Value::String(y)) if x != y => {
            let (px, py) = (na.value(x), nb.value(y));
            if px == py && px != *x {
                (Value::String(px), Value::String(py))
            } else {
                (a.clone(), b.clone())
            }
        }
        (Value::Array(xs), Value::Array(ys)) => {
            let (mut ox, mut oy) = (Vec::new(), Vec::new());
            for i in 0..xs.len().max(ys.len()) {
                match (xs.get(i), ys.get(i)) {
                    (Some(x), Some(y)) => {
                        let (p, q) = walk_pair(x, y, na, nb);
                        ox.push(p);
                        oy.push(q);
                    }
                    (Some(x), None) => ox.push(x.clone()),
                    (None, Some(y)) => oy.push(y.clone()),
                    (None, None) => {}
                }
            }
            (Value::Array(ox), Value::Array(oy))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            let mut ox = serde_json::Map::new();
            let mut oy = serde_json::Map::new();
            for (k, x) in xs {
                match ys.get(k) {
                    Some(y) => {
                        let (p, q) = walk_pair(x, y, na, nb);
                        ox.insert(k.clone(), p);
                        oy.insert(k.clone(), q);
                    }
                    None => {
                        ox.insert(k.clone(), x.clone());
                    }
                }
            }
            for (k, y) in ys {
                if !xs.contains_key(k) {
                    oy.insert(k.clone(), y.clone());
                }
            }
            (Value::Object(ox), Value::Object(oy))
        }
        _ => (a.clone(), b.clone()),
    }
}

/// Applies an optional normalisation to a name.
pub fn name(norm: Option<&Norm>, s: &str) -> String {
    norm.map_or_else(|| s.to_string(), |n| n.name(s))
}

/// Applies an optional normalisation to a namespace (or other value).
pub fn value(norm: Option<&Norm>, s: &str) -> String {
    norm.map_or_else(|| s.to_string(), |n| n.value(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prod() -> Norm {
        Norm {
            environment: "prod".into(),
            namespace: "alt-las-prod".into(),
            suffix: "-prod".into(),
        }
    }

    #[test]
    fn namespace_environment_and_suffix_become_placeholders() {
        let v = json!({
            "kind": "NetworkPolicy",
            "metadata": {"name": "allow-x-prod", "namespace": "alt-las-prod",
                         "labels": {"environment": "prod", "tier": "production"}},
            "spec": {"ingress": [{"from": [{"namespaceSelector": {"matchLabels":
                {"kubernetes.io/metadata.name": "alt-las-prod"}}}]}]}
        });
        let n = prod().object(&v);
        assert_eq!(n["metadata"]["name"], "allow-x<suffix>");
        assert_eq!(n["metadata"]["namespace"], "<namespace>");
        assert_eq!(n["metadata"]["labels"]["environment"], "<environment>");
        assert_eq!(n["metadata"]["labels"]["tier"], "production");
        assert_eq!(
            n["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
            "<namespace>"
        );
    }

    #[test]
    fn a_value_equal_on_both_sides_is_left_as_written() {
        let staging = Norm {
            environment: "staging".into(),
            namespace: "alt-las-staging".into(),
            suffix: "-staging".into(),
        };
        let a = json!({"metadata": {"name": "x-prod", "labels": {"environment": "prod", "tier": "prod"}}});
        let b = json!({"metadata": {"name": "x-staging", "labels": {"environment": "staging", "tier": "prod"}}});
        let (x, y) = pair(&a, &b, &prod(), &staging);
        assert_eq!(x["metadata"]["labels"]["environment"], "<environment>");
        assert_eq!(y["metadata"]["labels"]["environment"], "<environment>");
        // The same literal text on both sides is the same: no placeholder.
        assert_eq!(x["metadata"]["labels"]["tier"], "prod");
        assert_eq!(y["metadata"]["labels"]["tier"], "prod");
        assert_eq!(x["metadata"]["name"], y["metadata"]["name"]);
    }

    #[test]
    fn values_that_only_contain_the_environment_stay() {
        let n = prod();
        assert_eq!(n.value("alt-las-prod-db"), "alt-las-prod-db");
        assert_eq!(n.name("prod-gateway"), "prod-gateway");
        let no_suffix = Norm {
            suffix: String::new(),
            ..prod()
        };
        assert_eq!(no_suffix.name("allow-x"), "allow-x");
    }
}
