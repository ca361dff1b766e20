//! What `probe run` saw: a table of every check with its verdict, the
//! counts, and each surprise in words; or the same as JSON. And the
//! commands that delete what `probe manifests` created.

use std::io::{self, Write};

use serde_json::json;

use super::{Format, Options, unsupported};
use crate::probe::{PROBE_LABEL, Report, Row, Verdict};

/// The formats `probe run` writes.
pub const FORMATS: [Format; 2] = [Format::Table, Format::Json];

/// Writes a run's report in `format`.
pub fn write(
    report: &Report,
    format: Format,
    _options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table(report, out),
        Format::Json => super::json(&json_report(report), out),
        other => Err(unsupported("a probe report", other)),
    }
}

/// The report as data: every check in matrix order, then the counts.
pub fn json_report(report: &Report) -> serde_json::Value {
    let checks: Vec<serde_json::Value> = report
        .rows
        .iter()
        .map(|r| {
            let c = &r.check;
            let o = &r.observation;
            json!({
                "from": c.from,
                "to": c.to,
                "port": c.port,
                "protocol": c.protocol.as_str(),
                "expect": c.expect.as_str(),
                "observed": o.observed.as_str(),
                "verdict": r.verdict.as_str(),
                "attempts": o.attempts,
                "address": o.address,
                "detail": o.detail,
            })
        })
        .collect();
    json!({"source": report.source, "checks": checks, "counts": report.counts})
}

fn table(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let port = |r: &Row| format!("{}/{}", r.check.port, r.check.protocol);
    let width =
        |f: &dyn Fn(&Row) -> usize, min: usize| report.rows.iter().map(f).fold(min, usize::max);
    let wf = width(&|r| r.check.from.len(), 4);
    let wt = width(&|r| r.check.to.len(), 2);
    let wp = width(&|r| port(r).len(), 4);
    writeln!(
        out,
        "{:wf$}  {:wt$}  {:wp$}  EXPECT   OBSERVED     ATTEMPTS  RESULT",
        "FROM", "TO", "PORT"
    )?;
    for r in &report.rows {
        writeln!(
            out,
            "{:wf$}  {:wt$}  {:wp$}  {:7}  {:11}  {:<8}  {}",
            r.check.from,
            r.check.to,
            port(r),
            r.check.expect.as_str(),
            r.observation.observed.as_str(),
            r.observation.attempts,
            r.verdict.as_str()
        )?;
    }
    let c = &report.counts;
    writeln!(
        out,
        "\n{} check(s): {} agree, {} surprise(s), {} inconclusive, {} skipped.",
        c.checks, c.agree, c.surprises, c.inconclusive, c.skipped
    )?;
    for (verdict, title) in [
        (Verdict::Surprise, "surprises"),
        (Verdict::Inconclusive, "inconclusive"),
        (Verdict::Skipped, "skipped"),
    ] {
        let rows: Vec<&Row> = report
            .rows
            .iter()
            .filter(|r| r.verdict == verdict)
            .collect();
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "{title}:")?;
        for r in rows {
            writeln!(out, "  {}", sentence(r))?;
        }
    }
    Ok(())
}

/// `a -> b on 80/TCP: expected allowed, observed timeout at 10.0.0.7 after 3 attempts (detail)`.
fn sentence(r: &Row) -> String {
    let c = &r.check;
    let o = &r.observation;
    let mut s = format!(
        "{} -> {} on {}/{}: expected {}, observed {}",
        c.from,
        c.to,
        c.port,
        c.protocol,
        c.expect.as_str(),
        o.observed.as_str()
    );
    if let Some(a) = &o.address {
        s.push_str(&format!(" at {a}"));
    }
    s.push_str(&format!(" after {} attempt(s)", o.attempts));
    if let Some(d) = &o.detail {
        s.push_str(&format!(" ({d})"));
    }
    s
}

/// `kubectl` commands deleting the probe objects: in `namespaces` (all
/// namespaces when empty), then the namespaces the probe created.
pub fn cleanup_commands(namespaces: &[String], created: &[String]) -> String {
    let kinds = "job,deployment,service,configmap";
    let mut out = String::new();
    if namespaces.is_empty() {
        out.push_str(&format!(
            "kubectl delete {kinds} --all-namespaces --selector {PROBE_LABEL}=true\n\
             kubectl delete namespace --selector {PROBE_LABEL}=true\n"
        ));
        return out;
    }
    for ns in namespaces {
        out.push_str(&format!(
            "kubectl delete {kinds} --namespace {ns} --selector {PROBE_LABEL}=true\n"
        ));
    }
    for ns in created {
        out.push_str(&format!("kubectl delete namespace {ns}\n"));
    }
    out
}
