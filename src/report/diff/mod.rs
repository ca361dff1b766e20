//! `netpolgen diff`: a [`Diff`] or the pairwise [`Table`] as text, JSON or
//! markdown, and the picture of a diff ([`write_graph`]).

pub mod md;
pub mod text;

use std::io::{self, Write};

use super::{Format, Options, unsupported};
use crate::analyze::Analysis;
use crate::analyze::graph::{Graph, View};
use crate::diff::Diff;
use crate::diff::all::Table;
use crate::diff::conn::{ExternalChange, FlowChange};
use crate::diff::graph::Sides;

/// The formats `diff` writes (`--all`: text, json and md only).
pub const FORMATS: [Format; 6] = [
    Format::Text,
    Format::Json,
    Format::Md,
    Format::Dot,
    Format::Mermaid,
    Format::Html,
];

/// Draws the two sides of a diff in `format` (dot, mermaid, html), added
/// edges green, removed red, unchanged grey. A focus that names nothing on
/// either side is an `InvalidInput` error, before anything is written;
/// `layout` chooses the HTML report's picture.
pub fn write_graph(
    sides: &Sides,
    format: Format,
    options: &Options,
    layout: &mut super::graph::Layouter<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let [ca, cb] = &sides.clusters;
    let (aa, ab) = (Analysis::new(ca), Analysis::new(cb));
    let views = [
        View {
            analysis: &aa,
            names: sides.names[0].clone(),
        },
        View {
            analysis: &ab,
            names: sides.names[1].clone(),
        },
    ];
    let labels = [sides.labels[0].as_str(), sides.labels[1].as_str()];
    let graph = Graph::build(&views, &labels, &options.graph)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    super::graph::write(&views, &graph, format, layout, out)
}

/// Writes a diff; colour applies to text only.
pub fn write(d: &Diff, format: Format, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::diff(d, options.color, out),
        Format::Json => super::json(d, out),
        Format::Md => md::diff(d, out),
        other => Err(unsupported("a diff", other)),
    }
}

/// Writes the pairwise table of `diff --all`.
pub fn write_table(
    t: &Table,
    format: Format,
    options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::table(t, options.color, out),
        Format::Json => super::json(t, out),
        Format::Md => md::table(t, out),
        other => Err(unsupported("a diff table", other)),
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
pub fn counts(c: &crate::diff::conn::ConnDiff) -> String {
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
    } else {
        let mut why = Vec::new();
        if !c.denied_by.is_empty() {
            why.push(format!("now denied by {}", c.denied_by.join(", ")));
        }
        if !c.isolated_by.is_empty() {
            why.push(format!(
                "now isolated by {} with no rule admitting it",
                c.isolated_by.join(", ")
            ));
        }
        match why.is_empty() {
            true => "now denied".to_string(),
            false => why.join(" and "),
        }
    };
    format!("{was}; {now}")
}

/// `placeholder: a-value / b-value` lines of a normalised diff.
pub fn placeholders(d: &Diff) -> Vec<(&'static str, String, String)> {
    use crate::diff::normalize::{ENVIRONMENT, NAMESPACE, SUFFIX};
    let Some([a, b]) = &d.normalized else {
        return Vec::new();
    };
    vec![
        (NAMESPACE, a.namespace.clone(), b.namespace.clone()),
        (SUFFIX, a.suffix.clone(), b.suffix.clone()),
        (ENVIRONMENT, a.environment.clone(), b.environment.clone()),
    ]
}
