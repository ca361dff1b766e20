//! What `learn` saw, beside the intent it wrote: plain data for
//! `crate::report::learn`.

use serde::Serialize;

/// Flows per pair, what was denied, what was quiet, what could not be
/// mapped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The namespace the intent is for.
    pub namespace: String,
    /// Allowed connections, per pair and port, in (from, to, port) order.
    pub flows: Vec<FlowRow>,
    /// Dropped connections: what the policies in force deny.
    pub seen_denied: Vec<DeniedRow>,
    /// Services of the existing intent (`--into`) with no traffic seen.
    pub no_traffic: Vec<String>,
    /// Lines and pods that stand for nothing an intent can name.
    pub unmapped: Vec<Unmapped>,
    /// Reply packets skipped.
    pub replies: u64,
    /// DNS lookups, kept working by `spec.dns` rather than flows.
    pub dns: Vec<FlowRow>,
}

/// Connections seen between two ends on one port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FlowRow {
    pub from: String,
    pub to: String,
    pub port: String,
    /// The intent's flow that allows it.
    pub flow: String,
    /// Whether that flow is one `learn` added (with `--into`: what would open).
    pub new: bool,
    pub count: u64,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// Dropped connections between two ends on one port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DeniedRow {
    pub from: String,
    pub to: String,
    pub port: String,
    pub count: u64,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// Something that could not be mapped, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unmapped {
    /// `file:line`, or a pod.
    pub what: String,
    pub reason: String,
}
