//! A [`Graph`] (the picture of an analysis or of a diff) as Graphviz, a
//! Mermaid flowchart, or a self-contained HTML report. The colours, line
//! styles and legend are chosen here once, for every writer.

pub mod dot;
pub mod html;
pub mod mermaid;

use std::io::{self, Write};

use super::{Format, unsupported};
use crate::analyze::graph::{Change, Edge, Graph, Node, View};

/// The formats that draw a graph.
pub const FORMATS: [Format; 3] = [Format::Dot, Format::Mermaid, Format::Html];

/// A rule admits it.
pub const DECLARED: &str = "#24292f";
/// Allowed only because nothing isolates it.
pub const OPEN: &str = "#8c959f";
/// Only on side b of a diff.
pub const ADDED: &str = "#1a7f37";
/// Only on side a of a diff.
pub const REMOVED: &str = "#cf222e";

/// Chooses the HTML report's picture for a graph: the caller may lay out
/// [`dot::for_layout`] with Graphviz and hand the SVG to [`html::prepare`].
/// An error stops the report before anything is written.
pub type Layouter<'a> = dyn FnMut(&Graph) -> Result<html::Picture, String> + 'a;

/// The layouter of netpolgen's own layout.
pub fn builtin(_: &Graph) -> Result<html::Picture, String> {
    Ok(html::Picture::Builtin)
}

/// Writes `graph` (built from `views`) in `format`; `layout` chooses the
/// picture of the HTML report.
pub fn write(
    views: &[View<'_>],
    graph: &Graph,
    format: Format,
    layout: &mut Layouter<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Dot => dot::write(graph, out),
        Format::Mermaid => mermaid::write(graph, out),
        Format::Html => {
            let picture = layout(graph).map_err(io::Error::other)?;
            html::write(views, graph, &picture, out)
        }
        other => Err(unsupported("a graph", other)),
    }
}

/// The colour of an edge: by change in a diff, else declared or open.
pub fn edge_color(g: &Graph, e: &Edge) -> &'static str {
    match (g.is_diff(), e.change, e.declared) {
        (true, Change::Added, _) => ADDED,
        (true, Change::Removed, _) => REMOVED,
        (true, Change::Same, _) | (false, _, false) => OPEN,
        (false, _, true) => DECLARED,
    }
}

/// The colour of a node that only one side of a diff has.
pub fn node_color(n: &Node) -> Option<&'static str> {
    match n.change {
        Change::Same => None,
        Change::Added => Some(ADDED),
        Change::Removed => Some(REMOVED),
    }
}

/// One entry of the legend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Legend {
    /// An edge of this colour, solid (declared) or dashed (open).
    Edge {
        color: &'static str,
        declared: bool,
        text: String,
    },
    /// A namespace drawn as one node.
    Open(String),
    /// External addresses.
    External(String),
}

/// The legend of `g`.
pub fn legend(g: &Graph) -> Vec<Legend> {
    let edge = |color, declared, text: &str| Legend::Edge {
        color,
        declared,
        text: text.to_string(),
    };
    let mut out = if g.is_diff() {
        let (a, b) = (&g.sides[0], &g.sides[1]);
        vec![
            edge(ADDED, true, &format!("added: only in b, {b}")),
            edge(REMOVED, true, &format!("removed: only in a, {a}")),
            edge(OPEN, true, "unchanged; solid: a policy rule admits it"),
            edge(OPEN, false, "dashed: open, nothing isolates it"),
        ]
    } else {
        vec![
            edge(DECLARED, true, "declared: a policy rule admits it"),
            edge(OPEN, false, "open: nothing isolates it"),
        ]
    };
    let what = match g.options.direction {
        Some(d) => format!("no {} isolation", d.as_str().to_ascii_lowercase()),
        None => "nothing isolates it".to_string(),
    };
    out.push(Legend::Open(format!("open namespace: {what}")));
    out.push(Legend::External("outside the cluster".to_string()));
    out
}

/// The label of an edge: its ports, `any` for all of them.
pub fn edge_label(e: &Edge) -> String {
    super::ports_text(&e.ports)
}
