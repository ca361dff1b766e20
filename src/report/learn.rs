//! The report of `learn`: flows seen per pair, what was denied, services
//! without traffic, and what could not be mapped.

use std::io;

use super::Format;
use crate::learn::{FlowRow, Report};

/// The formats the report is written in.
pub const FORMATS: [Format; 2] = [Format::Text, Format::Json];

/// Writes `report` as `format` (text unless json).
pub fn write(report: &Report, format: Format, w: &mut dyn io::Write) -> io::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *w, report)?;
        return writeln!(w);
    }
    writeln!(w, "learned the intent of namespace {}", report.namespace)?;
    let when = |r: &FlowRow| match (&r.first, &r.last) {
        (Some(f), Some(l)) => format!("  first {f}  last {l}"),
        _ => String::new(),
    };
    section(w, "flows seen", &report.flows, |r| {
        format!(
            "{} -> {} port {}: {} seen{}  (flow {}{})",
            r.from,
            r.to,
            r.port,
            r.count,
            when(r),
            r.flow,
            if r.new { ", new" } else { "" }
        )
    })?;
    section(
        w,
        "DNS lookups (kept working by spec.dns)",
        &report.dns,
        |r| {
            format!(
                "{} -> {} port {}: {} seen{}",
                r.from,
                r.to,
                r.port,
                r.count,
                when(r)
            )
        },
    )?;
    section(
        w,
        "seen denied (dropped, not learned)",
        &report.seen_denied,
        |r| {
            let when = match (&r.first, &r.last) {
                (Some(f), Some(l)) => format!("  first {f}  last {l}"),
                _ => String::new(),
            };
            format!(
                "{} -> {} port {}: {} dropped{when}",
                r.from, r.to, r.port, r.count
            )
        },
    )?;
    section(
        w,
        "services with no traffic seen",
        &report.no_traffic,
        |s| s.clone(),
    )?;
    section(w, "not mapped", &report.unmapped, |u| {
        format!("{}: {}", u.what, u.reason)
    })?;
    if report.replies > 0 {
        writeln!(w, "\n{} replies skipped", report.replies)?;
    }
    Ok(())
}

fn section<T>(
    w: &mut dyn io::Write,
    title: &str,
    rows: &[T],
    line: impl Fn(&T) -> String,
) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(w, "\n{title}:")?;
    for r in rows {
        writeln!(w, "  {}", line(r))?;
    }
    Ok(())
}

/// The report as a string.
pub fn to_string(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(report, format, &mut out);
    String::from_utf8(out).unwrap_or_default()
}
