//! The only formatters: data in, bytes out.
//!
//! One tree by subject: [`analyze`] (connectivity of manifests), [`check`]
//! (one question's answer), [`diff`] (a diff or the pairwise table),
//! [`graph`] (the picture of an analysis or a diff), [`lint`] (findings),
//! [`policies`] (the rendered policies) and [`diagnostics`] (errors for a
//! person). Every subject has one writer,
//!
//! ```text
//! write(&subject, Format, &Options, &mut dyn io::Write) -> io::Result<()>
//! ```
//!
//! and every format writes the same bytes for the same input (sorted, no
//! time stamps).

pub mod analyze;
pub mod check;
pub mod cilium;
pub mod describe;
pub mod diagnostics;
pub mod diff;
pub mod graph;
pub mod learn;
pub mod lint;
pub mod policies;
pub mod probe;
pub mod windows;

use std::fmt;
use std::io;

use crate::analyze::{Analysis, ExternalAddresses, ExternalRow};
use crate::engine::PortSet;
use crate::k8s::{PolicyType, Protocol};

/// Every output format of every command; each subject writes a subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// A YAML stream of objects.
    Yaml,
    /// JSON: the subject's data as it is.
    Json,
    /// Plain text for a terminal or a log.
    Text,
    /// Rows grouped for reading.
    Table,
    /// Graphviz.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// Markdown for a pull-request comment.
    Md,
    /// Counts only.
    Summary,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// One self-contained HTML page.
    Html,
}

impl Format {
    pub const ALL: [Format; 10] = [
        Format::Yaml,
        Format::Json,
        Format::Text,
        Format::Table,
        Format::Dot,
        Format::Mermaid,
        Format::Md,
        Format::Summary,
        Format::Sarif,
        Format::Html,
    ];

    /// The name the command line spells.
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Text => "text",
            Format::Table => "table",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
            Format::Md => "md",
            Format::Summary => "summary",
            Format::Sarif => "sarif",
            Format::Html => "html",
        }
    }

    /// The format of that name.
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Options every format honours where it applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Leave denied connections out (analyze json, table, md).
    pub allowed_only: bool,
    /// Colour text output.
    pub color: bool,
    /// What the pictures (dot, mermaid, html) show.
    pub graph: crate::analyze::graph::Options,
}

/// The error a subject's writer returns for a format it does not write
/// (the command line offers only the formats each command writes).
pub fn unsupported(subject: &str, format: Format) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{subject} cannot be written as {format}"),
    )
}

/// Any serializable subject as pretty-printed JSON and one newline.
pub fn json<T: serde::Serialize>(value: &T, out: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
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
