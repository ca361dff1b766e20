//! Formatters: an [`Analysis`] (or a `check` answer) in, bytes out.
//!
//! One file per format. Every formatter writes to any `io::Write`, streams
//! connections instead of building the whole text in memory, and writes the
//! same bytes for the same input (workloads in `namespace/name` order,
//! ports sorted, no time stamps).

pub mod check;
pub mod describe;
pub mod dot;
pub mod json;
pub mod md;
pub mod mermaid;
pub mod summary;
pub mod table;

use std::io::{self, Write};

use crate::analyze::{Analysis, ExternalAddresses, ExternalRow};
use crate::engine::PortSet;
use crate::k8s::{PolicyType, Protocol};

/// The output formats of `netpolgen analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Table,
    Dot,
    Mermaid,
    Md,
    Summary,
}

/// Options every format honours where it applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Leave denied connections out (json, table, md; the graphs only ever
    /// show allowed flows, the summary only counts).
    pub allowed_only: bool,
}

/// Writes `analysis` in `format`.
pub fn write(
    format: Format,
    analysis: &Analysis<'_>,
    options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => json::write_json(analysis, options, out),
        Format::Table => table::write_table(analysis, options, out),
        Format::Dot => dot::write_dot(analysis, out),
        Format::Mermaid => mermaid::write_mermaid(analysis, out),
        Format::Md => md::write_md(analysis, options, out),
        Format::Summary => summary::write_summary(&analysis.summary(), analysis, out),
    }
}

/// `any` for every port of every protocol, else the set (`none` if empty).
pub fn ports_text(ports: &PortSet) -> String {
    if ports.is_full() {
        "any".to_string()
    } else {
        ports.to_string()
    }
}

/// `80/TCP, 81/UDP`.
pub fn port_list(ports: &[(u16, Protocol)]) -> String {
    let items: Vec<String> = ports
        .iter()
        .map(|(p, proto)| format!("{p}/{proto}"))
        .collect();
    items.join(", ")
}

/// The external end of a row: `external`, `external:10.0.0.0/8 except
/// 10.1.0.0/16`, or `external (other)` for the final denied row.
pub fn external_label(addresses: &ExternalAddresses) -> String {
    match addresses {
        ExternalAddresses::Any => "external".to_string(),
        ExternalAddresses::Block(b) => format!("external:{b}"),
        ExternalAddresses::Other => "external (other)".to_string(),
    }
}

/// `(from, to)` of an external row as display labels.
pub fn external_ends(analysis: &Analysis<'_>, row: &ExternalRow) -> (String, String) {
    let ext = external_label(&row.addresses);
    let w = analysis.id(row.workload);
    match row.direction {
        PolicyType::Ingress => (ext, w),
        PolicyType::Egress => (w, ext),
    }
}

/// `allowed` / `denied`.
pub fn verdict(allowed: bool) -> &'static str {
    if allowed { "allowed" } else { "denied" }
}
