//! `--output summary`, and the short footer of `table` and `md`.

use std::io::{self, Write};

use crate::analyze::Analysis;
use crate::analyze::summary::{Isolation, Summary};

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn isolation(i: &Isolation) -> String {
    format!(
        "{} isolated; namespaces: {} fully, {} partly, {} open",
        plural(i.workloads, "workload", "workloads"),
        i.full,
        i.partial,
        i.open
    )
}

/// The whole summary.
pub fn write_summary(s: &Summary, a: &Analysis<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "workloads:    {} in {} ({} classes)",
        s.workloads,
        plural(s.namespaces_with_workloads, "namespace", "namespaces"),
        s.classes
    )?;
    writeln!(out, "namespaces:   {} declared or used", s.namespaces)?;
    writeln!(out, "policies:     {}", s.policies)?;
    writeln!(out, "ingress:      {}", isolation(&s.ingress))?;
    writeln!(out, "egress:       {}", isolation(&s.egress))?;
    writeln!(
        out,
        "connections:  {}: {} allowed, {} denied",
        s.counts.total,
        s.counts.allowed,
        s.counts.total - s.counts.allowed
    )?;
    write_selection(s, a, out)
}

/// The connection counts and the selection lists.
pub fn write_footer(s: &Summary, a: &Analysis<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} between {}: {} allowed, {} denied.",
        plural(s.counts.total as usize, "connection", "connections"),
        plural(s.workloads, "workload", "workloads"),
        s.counts.allowed,
        s.counts.total - s.counts.allowed
    )?;
    write_selection(s, a, out)
}

fn write_selection(s: &Summary, a: &Analysis<'_>, out: &mut dyn Write) -> io::Result<()> {
    let workloads: Vec<String> = s.unselected.iter().map(|&w| a.id(w)).collect();
    list(out, "workloads no policy selects", &workloads)?;
    let policies: Vec<String> = s.empty_policies.iter().map(ToString::to_string).collect();
    list(out, "policies that select nothing", &policies)
}

fn list(out: &mut dyn Write, title: &str, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return writeln!(out, "{title}: none");
    }
    writeln!(out, "{title} ({}):", items.len())?;
    for i in items {
        writeln!(out, "  {i}")?;
    }
    Ok(())
}
