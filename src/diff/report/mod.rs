//! Formatters: a [`Diff`] or a pairwise [`Table`] to text, JSON or
//! markdown. Pure; they only read the data.

pub mod json;
pub mod md;
pub mod text;

use super::Diff;
use super::all::Table;
use super::conn::{ExternalChange, FlowChange};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Unified hunks and connection lines, for a terminal or a log.
    Text,
    /// The data as it is, for tools.
    Json,
    /// A pull-request comment: both parts folded under headings.
    Markdown,
}

/// Writes a diff. `color` applies to text only.
pub fn diff(d: &Diff, format: Format, color: bool) -> String {
    match format {
        Format::Text => text::diff(d, color),
        Format::Json => json::to_string(d),
        Format::Markdown => md::diff(d),
    }
}

/// Writes a pairwise table.
pub fn table(t: &Table, format: Format, color: bool) -> String {
    match format {
        Format::Text => text::table(t, color),
        Format::Json => json::to_string(t),
        Format::Markdown => md::table(t),
    }
}

/// Why external traffic was added (`what` is `added`) or removed, in words.
pub fn external_reason(e: &ExternalChange, what: &str) -> String {
    let by = e.policies.join(", ");
    match (what == "added", by.is_empty()) {
        (true, true) => "open: no policy isolates it".into(),
        (true, false) => format!("admitted by {by}"),
        (false, true) => "was open: no policy isolated it".into(),
        (false, false) => format!("was admitted by {by}"),
    }
}

/// The connection counts, with external traffic when any changed.
pub fn counts(c: &super::conn::ConnDiff) -> String {
    let mut s = format!(
        "{} added, {} removed, {} unchanged",
        c.added.len(),
        c.removed.len(),
        c.unchanged
    );
    if !c.external_added.is_empty() || !c.external_removed.is_empty() {
        s.push_str(&format!(
            "; external traffic: {} added, {} removed",
            c.external_added.len(),
            c.external_removed.len()
        ));
    }
    s
}

/// Why a connection was added or removed, in words.
pub fn reason(c: &FlowChange, added: bool) -> String {
    let by = c.admitted_by.join(", ");
    if added {
        return match by.is_empty() {
            true => "open: no policy isolates it".into(),
            false => format!("admitted by {by}"),
        };
    }
    let was = match by.is_empty() {
        true => "was open: no policy isolated it".to_string(),
        false => format!("was admitted by {by}"),
    };
    let now = if c.gone {
        "the endpoint or port no longer exists".to_string()
    } else if c.isolated_by.is_empty() {
        "now denied".to_string()
    } else {
        format!(
            "now isolated by {} with no rule admitting it",
            c.isolated_by.join(", ")
        )
    };
    format!("{was}; {now}")
}

/// `placeholder: a-value / b-value` lines of a normalised diff.
pub fn placeholders(d: &Diff) -> Vec<(&'static str, String, String)> {
    use super::normalize::{ENVIRONMENT, NAMESPACE, SUFFIX};
    let Some([a, b]) = &d.normalized else {
        return Vec::new();
    };
    vec![
        (NAMESPACE, a.namespace.clone(), b.namespace.clone()),
        (SUFFIX, a.suffix.clone(), b.suffix.clone()),
        (ENVIRONMENT, a.environment.clone(), b.environment.clone()),
    ]
}
