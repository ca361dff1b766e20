//! The plain flow format, for any collector: CSV with a header row, or
//! JSON lines with the same keys.
//!
//! | column | meaning |
//! | --- | --- |
//! | `source_namespace`, `source_workload`, `source_labels` | the client pod (labels `key=value;key=value` in CSV, an object in JSON) |
//! | `source_address` | instead, a client outside the cluster |
//! | `destination_namespace`, `destination_workload`, `destination_labels` | the server pod |
//! | `destination_address` | instead, a server outside the cluster |
//! | `port`, `protocol` | the destination port; `TCP` (default), `UDP` or `SCTP` |
//! | `count` | connections seen (default 1) |
//! | `verdict` | `allowed` (default) or `denied` |
//! | `time` | when (RFC 3339), optional |
//!
//! Only requests are listed: a collector leaves replies out.

use serde::Deserialize;

use super::{Endpoint, Observation, Parsed, Verdict, line_error};
use crate::diag::Errors;
use crate::k8s::{Labels, Protocol};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record<L> {
    #[serde(default)]
    source_namespace: Option<String>,
    #[serde(default)]
    source_workload: Option<String>,
    #[serde(default)]
    source_labels: Option<L>,
    #[serde(default)]
    source_address: Option<String>,
    #[serde(default)]
    destination_namespace: Option<String>,
    #[serde(default)]
    destination_workload: Option<String>,
    #[serde(default)]
    destination_labels: Option<L>,
    #[serde(default)]
    destination_address: Option<String>,
    port: u16,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default)]
    time: Option<String>,
}

/// Parses the CSV form; the first row is the header.
pub fn parse_csv(file: &str, text: &str) -> Result<Parsed, Errors> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut parsed = Parsed::default();
    let mut errors = Vec::new();
    for (i, row) in reader.deserialize::<Record<String>>().enumerate() {
        // The header is line 1; without quoted newlines a row is one line.
        let fallback = i + 2;
        let result = row
            .map_err(|e| {
                let line = e
                    .position()
                    .map_or(fallback, |p| usize::try_from(p.line()).unwrap_or(fallback));
                (line, e.to_string())
            })
            .and_then(|r| csv_record(r).map_err(|m| (fallback, m)))
            .and_then(|r| observation(file, fallback, r).map_err(|m| (fallback, m)));
        match result {
            Ok(o) => parsed.observations.push(o),
            Err((line, message)) => errors.push(line_error(file, line, text, message)),
        }
    }
    Errors::check(errors).map(|()| parsed)
}

/// Parses the JSON-lines form.
pub fn parse_json_lines(file: &str, text: &str) -> Result<Parsed, Errors> {
    let mut parsed = Parsed::default();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let result = serde_json::from_str::<Record<Labels>>(line)
            .map_err(|e| e.to_string())
            .and_then(|r| observation(file, i + 1, r));
        match result {
            Ok(o) => parsed.observations.push(o),
            Err(message) => errors.push(line_error(file, i + 1, text, message)),
        }
    }
    Errors::check(errors).map(|()| parsed)
}

/// A CSV row with its label cells (`key=value;key=value`) parsed.
fn csv_record(r: Record<String>) -> Result<Record<Labels>, String> {
    let labels = |side: &str, cell: Option<String>| {
        cell.map(|text| {
            let mut labels = Labels::new();
            for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').ok_or_else(|| {
                    format!("{side}_labels: {pair:?} is not key=value (pairs separated by ;)")
                })?;
                labels.insert(k.trim().to_string(), v.trim().to_string());
            }
            Ok::<Labels, String>(labels)
        })
        .transpose()
    };
    Ok(Record {
        source_labels: labels("source", r.source_labels)?,
        destination_labels: labels("destination", r.destination_labels)?,
        source_namespace: r.source_namespace,
        source_workload: r.source_workload,
        source_address: r.source_address,
        destination_namespace: r.destination_namespace,
        destination_workload: r.destination_workload,
        destination_address: r.destination_address,
        port: r.port,
        protocol: r.protocol,
        count: r.count,
        verdict: r.verdict,
        time: r.time,
    })
}

fn observation(file: &str, line: usize, r: Record<Labels>) -> Result<Observation, String> {
    let from = end(
        "source",
        r.source_namespace,
        r.source_workload,
        r.source_labels,
        r.source_address,
    )?;
    let to = end(
        "destination",
        r.destination_namespace,
        r.destination_workload,
        r.destination_labels,
        r.destination_address,
    )?;
    let protocol = match r
        .protocol
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("") | Some("TCP") => Protocol::TCP,
        Some("UDP") => Protocol::UDP,
        Some("SCTP") => Protocol::SCTP,
        Some(other) => return Err(format!("protocol: {other:?} is not TCP, UDP or SCTP")),
    };
    let verdict = match r.verdict.as_deref() {
        None | Some("") | Some("allowed") => Verdict::Allowed,
        Some("denied") => Verdict::Denied,
        Some(other) => {
            return Err(format!(
                "verdict: unknown verdict {other:?} (expected allowed or denied)"
            ));
        }
    };
    if r.port == 0 {
        return Err("port: 0 is not a port".into());
    }
    let time = r
        .time
        .filter(|t| !t.is_empty())
        .map(|t| chrono::DateTime::parse_from_rfc3339(&t).map_err(|e| format!("time {t:?}: {e}")))
        .transpose()?;
    Ok(Observation {
        origin: format!("{file}:{line}"),
        time,
        from,
        to,
        port: r.port,
        protocol,
        verdict,
        count: r.count.unwrap_or(1),
        http: false,
    })
}

fn end(
    side: &str,
    namespace: Option<String>,
    workload: Option<String>,
    labels: Option<Labels>,
    address: Option<String>,
) -> Result<Endpoint, String> {
    let namespace = namespace.filter(|n| !n.is_empty());
    match (namespace, address.filter(|a| !a.is_empty())) {
        (Some(_), Some(_)) => Err(format!(
            "{side}_namespace and {side}_address: give one, a pod or an address"
        )),
        (None, Some(a)) => a
            .parse()
            .map(Endpoint::Address)
            .map_err(|e| format!("{side}_address {a:?}: {e}")),
        (None, None) => Err(format!(
            "{side}_namespace: missing (or {side}_address for an address outside the cluster)"
        )),
        (Some(namespace), None) => Ok(Endpoint::Pod {
            namespace,
            labels: labels.unwrap_or_default(),
            workload: workload.filter(|w| !w.is_empty()),
            pod: None,
        }),
    }
}
