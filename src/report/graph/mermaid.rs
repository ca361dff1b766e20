//! `--output mermaid`: the picture as a Mermaid flowchart. Namespaces are
//! subgraphs; an edge of a whole namespace starts or ends at its subgraph.
//! Node ids are the graph's ids, escaped to what Mermaid accepts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Legend, edge_color, edge_label, legend};
use crate::analyze::graph::{Change, Graph, NodeKind};

/// A Mermaid id for a graph id: `n_`, then lowercase letters and digits as
/// they are, `-` as `_`, `/` `.` `:` as `_S` `_D` `_C`, any other byte as
/// `_X` and two hex digits. Distinct ids stay distinct, and no id is a
/// Mermaid keyword.
pub fn id(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push_str("n_");
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => out.push(b as char),
            b'-' => out.push('_'),
            b'/' => out.push_str("_S"),
            b'.' => out.push_str("_D"),
            b':' => out.push_str("_C"),
            _ => {
                let _ = write!(out, "_X{b:02X}");
            }
        }
    }
    out
}

/// Label text inside double quotes: lines joined with `<br>`, the
/// characters Mermaid reads as markup as entities.
pub fn label(lines: &[String]) -> String {
    let escape = |s: &str| {
        s.replace('#', "#35;")
            .replace('"', "#quot;")
            .replace('<', "#lt;")
            .replace('>', "#gt;")
    };
    let parts: Vec<String> = lines.iter().map(|l| escape(l)).collect();
    parts.join("<br>")
}

/// Streams the chart.
pub fn write(g: &Graph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    let classes = g.classes_by_namespace();
    let mut styled: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for n in &g.nodes {
        let class = match (n.change, n.kind == NodeKind::Open) {
            (Change::Added, _) => Some("added"),
            (Change::Removed, _) => Some("removed"),
            (Change::Same, true) => Some("open"),
            (Change::Same, false) => None,
        };
        if let Some(c) = class {
            styled.entry(c).or_default().push(id(&n.id));
        }
        match n.kind {
            NodeKind::Namespace => {
                writeln!(out, "  subgraph {}[\"{}\"]", id(&n.id), label(&n.lines))?;
                for m in classes.get(n.ns()).into_iter().flatten() {
                    let class = match m.change {
                        Change::Added => Some("added"),
                        Change::Removed => Some("removed"),
                        Change::Same => None,
                    };
                    if let Some(c) = class {
                        styled.entry(c).or_default().push(id(&m.id));
                    }
                    writeln!(out, "    {}[\"{}\"]", id(&m.id), label(&m.lines))?;
                }
                writeln!(out, "  end")?;
            }
            NodeKind::Class(_) => {}
            NodeKind::Open => writeln!(out, "  {}[\"{}\"]", id(&n.id), label(&n.lines))?,
            NodeKind::External => writeln!(out, "  {}((\"{}\"))", id(&n.id), label(&n.lines))?,
        }
    }
    let mut links: BTreeMap<(&'static str, bool), Vec<usize>> = BTreeMap::new();
    let mut count = 0;
    for e in &g.edges {
        let arrow = if e.declared { "-->" } else { "-.->" };
        writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            id(&g.nodes[e.from].id),
            label(&[edge_label(e)]),
            id(&g.nodes[e.to].id)
        )?;
        let wide = g.is_diff() && e.change != Change::Same;
        links
            .entry((edge_color(g, e), wide))
            .or_default()
            .push(count);
        count += 1;
    }
    writeln!(out, "  subgraph legend[\"legend\"]")?;
    for (i, item) in legend(g).iter().enumerate() {
        let name = format!("n_legend_{i}");
        match item {
            Legend::Edge {
                color,
                declared,
                text,
            } => {
                let arrow = if *declared { "-->" } else { "-.->" };
                writeln!(
                    out,
                    "    {name}a[\" \"] {arrow}|\"{}\"| {name}b[\" \"]",
                    label(std::slice::from_ref(text))
                )?;
                styled
                    .entry("legend")
                    .or_default()
                    .extend([format!("{name}a"), format!("{name}b")]);
                links.entry((color, false)).or_default().push(count);
                count += 1;
            }
            Legend::Open(text) => {
                writeln!(out, "    {name}[\"{}\"]", label(std::slice::from_ref(text)))?;
                styled.entry("open").or_default().push(name);
            }
            Legend::External(text) => writeln!(
                out,
                "    {name}((\"{}\"))",
                label(std::slice::from_ref(text))
            )?,
        }
    }
    writeln!(out, "  end")?;
    for ((color, wide), list) in &links {
        let list: Vec<String> = list.iter().map(ToString::to_string).collect();
        let width = if *wide { ",stroke-width:3px" } else { "" };
        writeln!(
            out,
            "  linkStyle {} stroke:{color},color:{color}{width}",
            list.join(",")
        )?;
    }
    let defs = [
        ("open", "stroke-dasharray:5 5"),
        ("added", "stroke:#1a7f37,color:#1a7f37,stroke-width:2px"),
        ("removed", "stroke:#cf222e,color:#cf222e,stroke-width:2px"),
        ("legend", "fill:none,stroke:none"),
    ];
    for (name, style) in defs {
        if let Some(ids) = styled.get(name) {
            writeln!(out, "  classDef {name} {style}")?;
            writeln!(out, "  class {} {name}", ids.join(","))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_plain() {
        let ids = ["a-b/c", "a/b-c", "a_b/c", "a.b/c", "a:b", "A/b", "end"];
        let mut seen: Vec<String> = ids.iter().map(|s| id(s)).collect();
        assert_eq!(seen[0], "n_a_b_Sc");
        assert_eq!(seen[2], "n_a_X5Fb_Sc");
        assert_eq!(seen[6], "n_end");
        assert!(
            seen.iter()
                .all(|s| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        );
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), ids.len());
    }

    #[test]
    fn labels_escape_markup() {
        assert_eq!(
            label(&["a \"b\" <c> #1".into(), "d".into()]),
            "a #quot;b#quot; #lt;c#gt; #35;1<br>d"
        );
    }
}
