//! The namespace-by-namespace reachability table: a row per source, a
//! column per destination (external addresses last), each cell the number
//! of allowed connections (workload pairs times destination ports; for
//! external addresses, workloads), shaded by whether a rule admits them.

use std::fmt::Write as _;

use super::data::{Cell, Cells, EXTERNAL};
use super::{cell_key, esc};
use crate::analyze::graph::Graph;

/// Writes the `<table>`.
pub fn write(g: &Graph, cells: &Cells, out: &mut String) {
    let mut labels: Vec<&str> = g.namespaces.iter().map(|(n, _)| n.as_str()).collect();
    if cells.keys().any(|(s, d)| s == EXTERNAL || d == EXTERNAL) {
        labels.push(EXTERNAL);
    }
    out.push_str("<table id=\"matrix\"><thead><tr><th class=\"corner\">from \\ to</th>");
    for d in &labels {
        let _ = write!(
            out,
            "<th class=\"col\" data-ns=\"{}\"><span>{}</span></th>",
            esc(d),
            esc(d)
        );
    }
    out.push_str("</tr></thead><tbody>\n");
    for s in &labels {
        let _ = write!(
            out,
            "<tr data-ns=\"{}\"><th class=\"row\">{}</th>",
            esc(s),
            esc(s)
        );
        for d in &labels {
            if s == d && *s == EXTERNAL {
                out.push_str("<td class=\"cell na\"></td>");
                continue;
            }
            let cell = cells.get(&(s.to_string(), d.to_string()));
            let (class, text, title) = describe(g, s, d, cell);
            let _ = write!(
                out,
                "<td class=\"cell {class}\" data-key=\"{}\" data-ns=\"{}\" title=\"{}\">{}</td>",
                esc(&cell_key(s, d)),
                esc(d),
                esc(&title),
                esc(&text)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// `(css class, text, tooltip)` of a cell.
fn describe(g: &Graph, s: &str, d: &str, cell: Option<&Cell>) -> (String, String, String) {
    let Some(c) = cell.filter(|c| c.counts.iter().any(|&n| n > 0)) else {
        return (
            "none".into(),
            "·".into(),
            format!("{s} → {d}: nothing allowed"),
        );
    };
    let kind = if c.declared { "declared" } else { "open" };
    let [same, added, removed] = c.counts;
    if !g.is_diff() {
        let title = format!("{s} → {d}: {same} allowed, {kind}");
        return (kind.into(), same.to_string(), title);
    }
    let mut parts = Vec::new();
    if added > 0 {
        parts.push(format!("+{added}"));
    }
    if removed > 0 {
        parts.push(format!("−{removed}"));
    }
    let class = match (added > 0, removed > 0) {
        (true, true) => "changed",
        (true, false) => "added",
        (false, true) => "removed",
        (false, false) => kind,
    };
    if parts.is_empty() {
        parts.push(same.to_string());
    }
    let title = format!("{s} → {d}: {added} added, {removed} removed, {same} unchanged");
    (class.into(), parts.join(" "), title)
}
