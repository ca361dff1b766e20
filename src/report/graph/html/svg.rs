//! The picture as inline SVG, from the layout: clusters behind, edges as
//! curves with their ports, nodes on top. Every node, cluster and edge
//! carries `data-key` (its stable id) for the page's clicks and filter.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::layout::{Layout, Rect};
use super::{edge_key, esc};
use crate::analyze::graph::{Change, Graph, NodeKind};
use crate::report::graph::{ADDED, DECLARED, OPEN, REMOVED, edge_color, edge_label};

const LINE_H: i32 = 15;

/// The marker id of an arrowhead in `color` (`#rrggbb`).
fn marker(color: &str) -> String {
    format!("arrow-{}", color.trim_start_matches('#'))
}

/// Writes the `<svg>` element.
pub fn write(g: &Graph, l: &Layout, out: &mut String) {
    let _ = writeln!(
        out,
        "<svg id=\"graph\" class=\"builtin\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">",
        w = l.width,
        h = l.height
    );
    out.push_str("<defs>");
    for color in [DECLARED, OPEN, ADDED, REMOVED] {
        let _ = write!(
            out,
            "<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"{color}\"/></marker>",
            marker(color)
        );
    }
    out.push_str("</defs>\n");
    for (i, n) in g.nodes.iter().enumerate() {
        if n.kind == NodeKind::Namespace {
            let r = l.rects[i];
            let _ = write!(
                out,
                "<g{}><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\" fill=\"#f6f8fa\" stroke=\"#8c959f\"/>",
                node_attrs(g, i),
                r.x,
                r.y,
                r.w,
                r.h
            );
            lines(out, &n.lines, r.x + r.w / 2, r.y + 16, "title");
            out.push_str("</g>\n");
        }
    }
    let mut seen: BTreeMap<(usize, usize), i32> = BTreeMap::new();
    for (k, e) in g.edges.iter().enumerate() {
        let nth = seen
            .entry((e.from.min(e.to), e.from.max(e.to)))
            .or_insert(0);
        let offset = *nth * 9;
        *nth += 1;
        let (d, (lx, ly)) = curve(l.rects[e.from], l.rects[e.to], e.from == e.to, offset);
        let color = edge_color(g, e);
        let dash = if e.declared {
            ""
        } else {
            " stroke-dasharray=\"6 4\""
        };
        let wide = if g.is_diff() && e.change != Change::Same {
            "2.5"
        } else {
            "1.4"
        };
        let _ = writeln!(
            out,
            "<g{}>{}<path d=\"{d}\" stroke=\"{color}\" stroke-width=\"{wide}\"{dash} fill=\"none\" marker-end=\"url(#{})\"/><text class=\"lbl\" x=\"{lx}\" y=\"{ly}\" fill=\"{color}\">{}</text></g>",
            edge_attrs(g, k),
            hit(&d),
            marker(color),
            esc(&edge_label(e)),
        );
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let r = l.rects[i];
        let shape = match n.kind {
            NodeKind::Namespace => continue,
            NodeKind::Class(_) | NodeKind::Open => rect(r, 6),
            NodeKind::External => format!(
                "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" fill=\"#fff\" stroke=\"#57606a\"/>",
                r.x + r.w / 2,
                r.y + r.h / 2,
                r.w / 2,
                r.h / 2
            ),
        };
        let _ = write!(out, "<g{}>{shape}", node_attrs(g, i));
        let top = r.y + r.h / 2 - (n.lines.len() as i32 - 1) * LINE_H / 2 + 4;
        lines(out, &n.lines, r.x + r.w / 2, top, "");
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
}

/// The attributes of node `i`'s group (a cluster for a namespace), the
/// same on either layout: its classes, `data-key` and `data-search`.
pub fn node_attrs(g: &Graph, i: usize) -> String {
    let n = &g.nodes[i];
    let kind = match n.kind {
        NodeKind::Namespace => "cluster",
        NodeKind::Class(_) => "node class",
        NodeKind::Open => "node open",
        NodeKind::External => "node external",
    };
    format!(
        " class=\"{kind}{}\" data-key=\"{}\" data-search=\"{}\"",
        change_class(n.change),
        esc(&n.id),
        esc(&search(g, i))
    )
}

/// The attributes of edge `k`'s group, the same on either layout.
pub fn edge_attrs(g: &Graph, k: usize) -> String {
    let e = &g.edges[k];
    format!(
        " class=\"edge {}{}\" data-key=\"{}\" data-i=\"{k}\" data-from=\"{}\" data-to=\"{}\"",
        if e.declared { "declared" } else { "open" },
        change_class(e.change),
        esc(&edge_key(g, e)),
        esc(&g.nodes[e.from].id),
        esc(&g.nodes[e.to].id),
    )
}

/// An invisible wide copy of an edge's path `d`, easier to click.
pub fn hit(d: &str) -> String {
    format!(
        "<path class=\"hit\" d=\"{d}\" stroke=\"transparent\" stroke-width=\"12\" fill=\"none\"/>"
    )
}

/// The class a change adds: ` added`, ` removed` or nothing.
pub fn change_class(c: Change) -> &'static str {
    match c {
        Change::Same => "",
        Change::Added => " added",
        Change::Removed => " removed",
    }
}

fn rect(r: Rect, rx: i32) -> String {
    format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{rx}\" fill=\"#fff\" stroke=\"#57606a\"/>",
        r.x, r.y, r.w, r.h
    )
}

/// Centred text lines from `y` down; the first with `class`.
fn lines(out: &mut String, lines: &[String], x: i32, y: i32, class: &str) {
    for (i, line) in lines.iter().enumerate() {
        let c = if i == 0 && !class.is_empty() {
            format!(" class=\"{class}\"")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\"{c}>{}</text>",
            y + i as i32 * LINE_H,
            esc(line)
        );
    }
}

/// What the filter matches a node by: its id, lines and every member.
fn search(g: &Graph, i: usize) -> String {
    let n = &g.nodes[i];
    let mut words = vec![n.id.clone()];
    words.extend(n.lines.iter().cloned());
    if let NodeKind::Class(c) = n.kind {
        let class = &g.classes[c];
        words.extend(
            class
                .members
                .iter()
                .map(|m| format!("{}/{m}", class.namespace)),
        );
    }
    if matches!(n.kind, NodeKind::Open | NodeKind::Namespace) {
        for c in g
            .classes
            .iter()
            .filter(|c| c.namespace.as_str() == n.namespace.as_deref().unwrap_or_default())
        {
            words.extend(c.members.iter().map(|m| format!("{}/{m}", c.namespace)));
        }
    }
    words.join(" ").to_lowercase()
}

/// The path from box `a` to box `b` and where its label goes. `offset`
/// separates edges between the same two boxes.
fn curve(a: Rect, b: Rect, to_self: bool, offset: i32) -> (String, (i32, i32)) {
    let (ay, by) = (a.y + a.h / 2 + offset, b.y + b.h / 2 + offset);
    let (p0, c1, c2, p3) = if to_self {
        let x = a.x + a.w;
        let p0 = (x, a.y + a.h / 4);
        let p3 = (x, a.y + 3 * a.h / 4);
        (
            p0,
            (x + 45 + offset, a.y - 12),
            (x + 45 + offset, a.y + a.h + 12),
            p3,
        )
    } else if b.x >= a.x + a.w {
        let (s, e) = ((a.x + a.w, ay), (b.x, by));
        let dx = ((e.0 - s.0) / 2).max(30);
        (s, (s.0 + dx, s.1), (e.0 - dx, e.1), e)
    } else if b.x + b.w <= a.x {
        let (s, e) = ((a.x, ay), (b.x + b.w, by));
        let dx = ((s.0 - e.0) / 2).max(30);
        (s, (s.0 - dx, s.1), (e.0 + dx, e.1), e)
    } else {
        // Same column: around the right-hand side.
        let (s, e) = ((a.x + a.w, ay), (b.x + b.w, by));
        let x = s.0.max(e.0) + 40 + (e.1 - s.1).abs() / 6;
        (s, (x, s.1), (x, e.1), e)
    };
    let d = format!(
        "M{},{} C{},{} {},{} {},{}",
        p0.0, p0.1, c1.0, c1.1, c2.0, c2.1, p3.0, p3.1
    );
    let mid = (
        (p0.0 + 3 * c1.0 + 3 * c2.0 + p3.0) / 8,
        (p0.1 + 3 * c1.1 + 3 * c2.1 + p3.1) / 8 - 3,
    );
    (d, mid)
}
