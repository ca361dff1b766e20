//! `--output md`: Markdown for a pull-request comment. Allowed connections
//! (and external traffic) in a table grouped by destination; denied ones
//! in a collapsed table below (left out with `--allowed-only`); then the
//! selection summary.

use std::io::{self, Write};

use crate::analyze::{Analysis, ExternalRow};
use crate::k8s::PolicyType;

use crate::report::{Options, external_ends, ports_text};

/// A table cell: code span, pipes escaped.
fn cell(s: &str) -> String {
    format!("`{}`", s.replace('|', "\\|"))
}

/// Streams the comment.
pub fn write_md(a: &Analysis<'_>, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let s = a.summary();
    let external = a.external();
    writeln!(out, "### Connectivity\n")?;
    writeln!(
        out,
        "{} workloads in {} namespaces; {} connections: **{} allowed**, {} denied.\n",
        s.workloads,
        s.namespaces_with_workloads,
        s.counts.total,
        s.counts.allowed,
        s.counts.total - s.counts.allowed
    )?;
    writeln!(out, "| To | From | Port | Rule |")?;
    writeln!(out, "| --- | --- | --- | --- |")?;
    rows(a, &external, true, out)?;
    let denied_ext = external.iter().filter(|r| !r.allowed).count() as u64;
    let denied = s.counts.total - s.counts.allowed;
    if !options.allowed_only && denied + denied_ext > 0 {
        writeln!(
            out,
            "\n<details><summary>Denied: {denied} connections, {denied_ext} external</summary>\n"
        )?;
        writeln!(out, "| To | From | Port | Rule |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        rows(a, &external, false, out)?;
        writeln!(out, "\n</details>")?;
    }
    writeln!(out)?;
    let unselected: Vec<String> = s.unselected.iter().map(|&w| cell(&a.id(w))).collect();
    let empty: Vec<String> = s
        .empty_policies
        .iter()
        .map(|p| cell(&p.to_string()))
        .collect();
    for (title, items) in [
        ("Workloads no policy selects", unselected),
        ("Policies that select nothing", empty),
    ] {
        let list = if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        };
        writeln!(out, "**{title}:** {list}\n")?;
    }
    Ok(())
}

/// Rows with `allowed == want`, grouped by destination; egress to external
/// addresses last.
fn rows(
    a: &Analysis<'_>,
    external: &[ExternalRow],
    want: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let ext_line = |r: &ExternalRow, out: &mut dyn Write| {
        let (from, to) = external_ends(a, r);
        let rule = r.rule_text().map_or(String::new(), |r| cell(&r) + " ");
        writeln!(
            out,
            "| {} | {} | {} | {rule}|",
            cell(&to),
            cell(&from),
            ports_text(&r.ports)
        )
    };
    let mut into: Vec<Vec<&ExternalRow>> = vec![Vec::new(); a.cluster.workloads.len()];
    for r in external {
        if r.direction == PolicyType::Ingress && r.allowed == want {
            into[r.workload].push(r);
        }
    }
    a.try_for_each_destination(|d, conns| {
        let to = cell(&a.id(d));
        for c in conns.iter().filter(|c| c.allowed == want) {
            writeln!(
                out,
                "| {to} | {} | {}/{} | |",
                cell(&a.id(c.from)),
                c.port,
                c.protocol
            )?;
        }
        for r in &into[d] {
            ext_line(r, out)?;
        }
        Ok::<(), io::Error>(())
    })?;
    for r in external
        .iter()
        .filter(|r| r.direction == PolicyType::Egress && r.allowed == want)
    {
        ext_line(r, out)?;
    }
    Ok(())
}
