//! `--output dot`: the picture as a Graphviz digraph. Namespaces are
//! `cluster_*` subgraphs; an edge of a whole namespace leaves (or enters)
//! its cluster's border (`ltail`/`lhead` on its first node).

use std::io::{self, Write};

use super::html::change_class;
use super::{Legend, edge_color, edge_label, legend, node_color};
use crate::analyze::graph::{Change, Graph, Node, NodeKind};

/// A DOT double-quoted string; a line break becomes `\n`.
pub fn q(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// The DOT name of a cluster.
fn cluster(ns: &str) -> String {
    q(&format!("cluster_{ns}"))
}

/// Streams the graph.
pub fn write(g: &Graph, out: &mut dyn Write) -> io::Result<()> {
    write_with(g, false, out)
}

/// The source the HTML report lays out with `dot -Tsvg`: the graph
/// without its legend (the page has its own), every node, cluster and
/// edge with an `id` (`n<index>`, `e<index>`) and the `class` the page's
/// script and style use, so the SVG can be matched back to the graph.
pub fn for_layout(g: &Graph) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_with(g, true, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `, id=..., class=...` for node `i` in the layout source, else nothing.
fn ids(g: &Graph, i: usize, layout: bool) -> String {
    if !layout {
        return String::new();
    }
    let n = &g.nodes[i];
    let kind = match n.kind {
        NodeKind::Namespace => "",
        NodeKind::Class(_) => "class",
        NodeKind::Open => "open",
        NodeKind::External => "external",
    };
    let class = format!("{kind}{}", change_class(n.change));
    format!(", id=\"n{i}\", class={}", q(class.trim()))
}

fn write_with(g: &Graph, layout: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph connectivity {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  compound=true;")?;
    writeln!(out, "  fontname=\"Helvetica\";")?;
    writeln!(
        out,
        "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];"
    )?;
    writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
    let classes = g.classes_by_namespace();
    let index: std::collections::BTreeMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    for (i, n) in g.nodes.iter().enumerate() {
        match n.kind {
            NodeKind::Namespace => {
                writeln!(out, "  subgraph {} {{", cluster(n.ns()))?;
                if layout {
                    writeln!(
                        out,
                        "    id=\"n{i}\"; class={};",
                        q(change_class(n.change).trim())
                    )?;
                }
                writeln!(out, "    label={};", q(&n.lines.join("\n")))?;
                writeln!(out, "    style=rounded;")?;
                if let Some(c) = node_color(n) {
                    writeln!(out, "    color={}; fontcolor={};", q(c), q(c))?;
                }
                for m in classes.get(n.ns()).into_iter().flatten() {
                    writeln!(
                        out,
                        "    {} [label={}{}{}];",
                        q(&m.id),
                        q(&m.lines.join("\n")),
                        colored(m),
                        ids(g, index[m.id.as_str()], layout)
                    )?;
                }
                writeln!(out, "  }}")?;
            }
            NodeKind::Class(_) => {}
            NodeKind::Open => writeln!(
                out,
                "  {} [label={}, style=\"rounded,dashed\"{}{}];",
                q(&n.id),
                q(&n.lines.join("\n")),
                colored(n),
                ids(g, i, layout)
            )?,
            NodeKind::External => writeln!(
                out,
                "  {} [label={}, shape=ellipse{}{}];",
                q(&n.id),
                q(&n.lines.join("\n")),
                colored(n),
                ids(g, i, layout)
            )?,
        }
    }
    for (k, e) in g.edges.iter().enumerate() {
        let mut attrs = vec![format!("label={}", q(&edge_label(e)))];
        if layout {
            let kind = if e.declared { "declared" } else { "open" };
            attrs.push(format!(
                "id=\"e{k}\", class={}",
                q(&format!("{kind}{}", change_class(e.change)))
            ));
        }
        let tail = end(g, e.from, "ltail", &mut attrs);
        let head = end(g, e.to, "lhead", &mut attrs);
        if !e.declared {
            attrs.push("style=dashed".into());
        }
        let color = edge_color(g, e);
        if g.is_diff() || !e.declared {
            attrs.push(format!("color={}, fontcolor={}", q(color), q(color)));
        }
        if g.is_diff() && e.change != Change::Same {
            attrs.push("penwidth=2".into());
        }
        writeln!(
            out,
            "  {} -> {} [{}];",
            q(&tail),
            q(&head),
            attrs.join(", ")
        )?;
    }
    if !layout {
        write_legend(g, out)?;
    }
    writeln!(out, "}}")
}

/// `, color=..., fontcolor=...` for a node only one side has.
fn colored(n: &Node) -> String {
    node_color(n).map_or_else(String::new, |c| {
        format!(", color={}, fontcolor={}", q(c), q(c))
    })
}

/// The DOT node an edge end is drawn at: a cluster's first class, with
/// `ltail`/`lhead` set to the cluster.
fn end(g: &Graph, i: usize, attr: &str, attrs: &mut Vec<String>) -> String {
    let n = &g.nodes[i];
    if n.kind != NodeKind::Namespace {
        return n.id.clone();
    }
    attrs.push(format!("{attr}={}", cluster(n.ns())));
    g.nodes
        .iter()
        .find(|m| matches!(m.kind, NodeKind::Class(_)) && m.namespace == n.namespace)
        .map_or_else(|| n.id.clone(), |m| m.id.clone())
}

fn write_legend(g: &Graph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "  subgraph cluster_legend {{")?;
    writeln!(out, "    label=\"legend\";")?;
    writeln!(out, "    style=dashed; color=\"#bbbbbb\"; fontsize=10;")?;
    writeln!(out, "    node [fontsize=9];")?;
    for (i, item) in legend(g).iter().enumerate() {
        match item {
            Legend::Edge {
                color,
                declared,
                text,
            } => {
                let (a, b) = (format!("legend:{i}:a"), format!("legend:{i}:b"));
                for n in [&a, &b] {
                    writeln!(out, "    {} [label=\"\", shape=point, width=0.05];", q(n))?;
                }
                let style = if *declared { "solid" } else { "dashed" };
                writeln!(
                    out,
                    "    {} -> {} [label={}, style={style}, color={}, fontcolor={}];",
                    q(&a),
                    q(&b),
                    q(text),
                    q(color),
                    q(color)
                )?;
            }
            Legend::Open(text) => writeln!(
                out,
                "    {} [label={}, style=\"rounded,dashed\"];",
                q(&format!("legend:{i}")),
                q(text)
            )?,
            Legend::External(text) => writeln!(
                out,
                "    {} [label={}, shape=ellipse];",
                q(&format!("legend:{i}")),
                q(text)
            )?,
        }
    }
    writeln!(out, "  }}")
}
