//! `learn`: an intent from observed traffic.
//!
//! Flow logs are parsed into [`Observation`]s ([`hubble`] for Hubble's JSON
//! export, [`plain`] for the CSV and JSON-lines format any collector can
//! write); [`infer`] turns them into a NetworkPolicySet that reads as if
//! written by hand, and [`into`] proposes the additions an existing intent
//! needs. Everything here is pure: bytes in, data out; `crate::io::flows`
//! reads the files and `crate::report::learn` formats the [`Report`].

mod cidr;
pub mod hubble;
pub mod infer;
pub mod into;
mod names;
pub mod plain;
mod report;
mod stable;

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};

use crate::diag::{Diagnostic, Errors};
use crate::k8s::{Labels, Protocol};

pub use infer::{Into, Learned, Options, learn};
pub use report::{DeniedRow, FlowRow, Report, Unmapped};
pub use stable::{is_stable, stable_labels};

/// One end of an observed connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    /// A pod: its namespace, stable and unstable labels, and the workload
    /// that owns it (or the pod name when no workload is known).
    Pod {
        namespace: String,
        labels: Labels,
        workload: Option<String>,
        pod: Option<String>,
    },
    /// An address outside the cluster.
    Address(IpAddr),
}

/// Whether the policies in force let the connection through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Allowed,
    Denied,
}

/// One observed connection (or a count of identical ones), as a source
/// line said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// `file:line` it came from.
    pub origin: String,
    pub time: Option<DateTime<FixedOffset>>,
    pub from: Endpoint,
    pub to: Endpoint,
    pub port: u16,
    pub protocol: Protocol,
    pub verdict: Verdict,
    pub count: u64,
    /// An HTTP request was seen on it (names the port `http`).
    pub http: bool,
}

/// What a parser read from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub observations: Vec<Observation>,
    /// Lines that are not connections a policy can express, with the
    /// reason (replies are counted, not listed).
    pub unmapped: Vec<Unmapped>,
    pub replies: u64,
}

/// The format of a flow file, told by its first non-blank character and
/// the keys of its first record.
pub fn parse(file: &str, text: &str) -> Result<Parsed, Errors> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        None => Ok(Parsed::default()),
        Some(line) if line.starts_with('{') => {
            let hubble = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.as_object().map(hubble::is_hubble))
                .unwrap_or(true);
            if hubble {
                hubble::parse(file, text)
            } else {
                plain::parse_json_lines(file, text)
            }
        }
        Some(_) => plain::parse_csv(file, text),
    }
}

/// An error on line `line` (1-based) of `file`.
pub(crate) fn line_error(file: &str, line: usize, text: &str, message: String) -> Diagnostic {
    Diagnostic::error(message)
        .in_file(file)
        .at_line(Some(line))
        .with_source_from(text)
}

/// The pure twin of `netpolgen learn`: flow files as (name, text) in,
/// the intent and the report out.
pub fn from_texts(
    files: &[(String, String)],
    options: &Options,
    into: Option<Into<'_>>,
) -> Result<Learned, Errors> {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in files {
        match parse(name, text) {
            Ok(p) => parsed.push(p),
            Err(e) => errors.extend(e.0),
        }
    }
    Errors::check(errors)?;
    learn(&parsed, options, into)
}

/// The written intent as YAML.
pub fn to_yaml(learned: &Learned) -> String {
    let mut text = crate::k8s::yaml::to_string(&learned.document);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Renders and proves the written intent: its relative `base` resolves
/// against `dir`. A document without a namespace or environment (a base
/// file) is checked as the environment of the learned namespace.
pub fn prove(
    files: &dyn crate::spec::files::Files,
    learned: &Learned,
    dir: &std::path::Path,
) -> Result<crate::pipeline::Rendered, Errors> {
    let mut document = learned.document.clone();
    if let Some(spec) = document.get_mut("spec").and_then(|s| s.as_object_mut()) {
        let ns = learned.report.namespace.clone();
        let env = ns
            .rsplit_once('-')
            .map_or(ns.as_str(), |(_, e)| e)
            .to_string();
        spec.entry("namespace").or_insert(ns.into());
        spec.entry("environment").or_insert(env.into());
    }
    let input = crate::spec::Input {
        text: crate::k8s::yaml::to_string(&document),
        display: "learned intent".into(),
        dir: dir.to_path_buf(),
        path: None,
    };
    crate::pipeline::render_input(files, input)
}
