//! `--output html`: one self-contained page, nothing fetched. The picture
//! as inline SVG, laid out by Graphviz ([`dot_svg`], from the SVG the
//! caller had `dot` make) or, without it, here ([`layout`]); the namespace matrix
//! ([`matrix`]), a filter box, and a panel that shows, for a click on a
//! connection, a node or a cell, what `netpolgen check` would print; those
//! explanations are computed here ([`data`]) and embedded as JSON, and a
//! small inline script only looks them up.
//!
//! For tests and screenshots, loading the page with `#test-click=KEY`
//! clicks the element whose `data-key` is `KEY` (an edge
//! `FROM->TO:CHANGE:KIND`, CHANGE `unchanged`, `added` or `removed`, KIND
//! `declared` or `open`; a node id, or a cell `cell:SRC>DST`) once the
//! page is ready; `#test-filter=TEXT` types TEXT into the filter box.

mod data;
mod dot_svg;
mod explain;
mod external;
mod layout;
mod matrix;
mod svg;

use std::io::{self, Write};

use crate::analyze::graph::{Edge, Graph, View};

pub use dot_svg::{DotSvg, prepare};
pub use svg::change_class;

/// Where the picture's layout comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picture {
    /// netpolgen's own ([`layout`]).
    Builtin,
    /// Graphviz's, prepared by [`prepare`].
    Dot(DotSvg),
}

/// The page's style.
const CSS: &str = include_str!("page.css");
/// The page's script: clicks, filter, the panel.
const JS: &str = include_str!("page.js");

/// The `data-key` of an edge: `FROM->TO:CHANGE:KIND`.
pub fn edge_key(g: &Graph, e: &Edge) -> String {
    format!(
        "{}->{}:{}:{}",
        g.nodes[e.from].id,
        g.nodes[e.to].id,
        e.change.name(),
        if e.declared { "declared" } else { "open" }
    )
}

/// The `data-key` of a matrix cell.
pub fn cell_key(src: &str, dst: &str) -> String {
    format!("cell:{src}>{dst}")
}

/// Text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes the page.
pub fn write(
    views: &[View<'_>],
    g: &Graph,
    picture: &Picture,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (data, cells) = data::build(views, g);
    let mut page = String::with_capacity(1 << 16);
    let title = if g.is_diff() {
        format!("diff {} → {}", g.sides[0], g.sides[1])
    } else {
        "connectivity".to_string()
    };
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str(&format!("<title>netpolgen: {}</title>\n", esc(&title)));
    page.push_str(&format!("<style>\n{CSS}</style>\n</head>\n<body>\n"));
    page.push_str(&format!("<header><h1>netpolgen: {}</h1>\n", esc(&title)));
    page.push_str(&format!(
        "<p id=\"summary\">{}</p>\n",
        esc(&summary(views, g))
    ));
    page.push_str("<input id=\"filter\" type=\"search\" placeholder=\"filter: namespace or workload\" autocomplete=\"off\">\n</header>\n");
    page.push_str("<div id=\"layout\"><main>\n<section id=\"picture\"><h2>Connections</h2>\n");
    legend(g, &mut page);
    page.push_str("<div class=\"scroll\">\n");
    match picture {
        Picture::Builtin => svg::write(g, &layout::layout(g), &mut page),
        Picture::Dot(svg) => page.push_str(svg.as_str()),
    }
    page.push_str("</div></section>\n<section id=\"reachability\"><h2>Namespaces: allowed connections, row to column</h2>\n<div class=\"scroll\">\n");
    matrix::write(g, &cells, &mut page);
    page.push_str("</div></section>\n</main>\n");
    page.push_str("<aside id=\"panel\"><h2 id=\"panel-title\">Click a connection, a node or a cell</h2>\n<div id=\"panel-body\"><p>The explanation is what <code>netpolgen check</code> prints for that connection: the policies that isolate each side, their rules, and the rule or tier that decides.</p></div></aside>\n</div>\n");
    let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".into());
    // No `</script>` or `<!--` can end the data early.
    let json = json.replace('<', "\\u003c");
    page.push_str(&format!(
        "<script type=\"application/json\" id=\"data\">{json}</script>\n<script>\n{JS}</script>\n</body>\n</html>\n"
    ));
    out.write_all(page.as_bytes())
}

/// One line: what was read and what is drawn.
fn summary(views: &[View<'_>], g: &Graph) -> String {
    let sides: Vec<String> = views
        .iter()
        .zip(&g.sides)
        .map(|(v, label)| {
            let n = v.analysis.cluster.workloads.len();
            if g.is_diff() {
                format!("{label}: {n} workloads")
            } else {
                format!("{n} workloads")
            }
        })
        .collect();
    let mut s = format!(
        "{}; {} namespaces, {} classes; drawn: {} nodes, {} edges",
        sides.join(", "),
        g.namespaces.len(),
        g.classes.len(),
        g.nodes.len(),
        g.edges.len()
    );
    if let Some(f) = &g.options.focus {
        s.push_str(&format!("; focus {f}"));
    }
    if let Some(d) = g.options.direction {
        s.push_str(&format!("; {} only", d.as_str().to_lowercase()));
    }
    s
}

/// The legend as a row of small samples.
fn legend(g: &Graph, out: &mut String) {
    use crate::report::graph::Legend;
    out.push_str("<ul class=\"legend\">");
    for item in crate::report::graph::legend(g) {
        let (sample, text) = match item {
            Legend::Edge {
                color,
                declared,
                text,
            } => {
                let dash = if declared {
                    ""
                } else {
                    " stroke-dasharray=\"6 4\""
                };
                (
                    format!(
                        "<svg width=\"36\" height=\"10\"><line x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\" stroke=\"{color}\" stroke-width=\"2\"{dash}/></svg>"
                    ),
                    text,
                )
            }
            Legend::Open(text) => ("<span class=\"swatch open\"></span>".to_string(), text),
            Legend::External(text) => ("<span class=\"swatch external\"></span>".to_string(), text),
        };
        out.push_str(&format!("<li>{sample} {}</li>", esc(&text)));
    }
    out.push_str("</ul>\n");
}
