//! `netpolgen windows`: each window, whether it is open, its next
//! openings in its own zone and in UTC, and what it opens.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Format, unsupported};
use crate::model::Window;

/// The formats `windows` writes.
pub const FORMATS: [Format; 2] = [Format::Text, Format::Json];

/// One window as reported.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row<'a> {
    name: &'a str,
    schedule: &'a str,
    close_schedule: &'a str,
    time_zone: &'a str,
    duration: &'a str,
    /// Open at the reported moment: until when.
    open_until: Option<String>,
    openings: Vec<Span>,
    flows: &'a [String],
    policies: &'a [String],
}

#[derive(Debug, Serialize)]
struct Span {
    opens: String,
    closes: String,
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Writes `windows` as of `at`, with `count` next openings each.
pub fn write(
    windows: &[&Window],
    at: DateTime<Utc>,
    count: usize,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rows: Vec<Row> = windows
        .iter()
        .map(|w| Row {
            name: &w.name,
            schedule: &w.schedule,
            close_schedule: &w.close_schedule,
            time_zone: &w.time_zone,
            duration: &w.duration,
            open_until: w.cron.open_at(at).map(|o| utc(o.closes)),
            openings: w
                .cron
                .openings(at, count)
                .into_iter()
                .map(|o| Span {
                    opens: utc(o.opens),
                    closes: utc(o.closes),
                })
                .collect(),
            flows: &w.flows,
            policies: &w.policies,
        })
        .collect();
    match format {
        Format::Json => super::json(&serde_json::json!({"at": utc(at), "windows": rows}), out),
        Format::Text => {
            for (w, row) in windows.iter().zip(&rows) {
                text(w, row, at, out)?;
            }
            Ok(())
        }
        other => Err(unsupported("windows", other)),
    }
}

fn text(w: &Window, row: &Row, at: DateTime<Utc>, out: &mut dyn Write) -> io::Result<()> {
    let local = |t: &str| {
        let t: DateTime<Utc> = t.parse().expect("written above");
        t.with_timezone(&w.cron.zone)
            .format("%a %Y-%m-%d %H:%M %Z")
            .to_string()
    };
    writeln!(
        out,
        "{}: {:?} in {} for {} (closing {:?})",
        w.name, w.schedule, w.time_zone, w.duration, w.close_schedule
    )?;
    match &row.open_until {
        Some(until) => writeln!(out, "  at {}: open until {}", utc(at), local(until))?,
        None => writeln!(out, "  at {}: closed", utc(at))?,
    }
    for s in &row.openings {
        writeln!(
            out,
            "  next: {} - {}  ({} - {})",
            local(&s.opens),
            local(&s.closes),
            s.opens,
            s.closes
        )?;
    }
    writeln!(out, "  flows: {}", w.flows.join(", "))?;
    writeln!(out, "  policies: {}", w.policies.join(", "))
}
