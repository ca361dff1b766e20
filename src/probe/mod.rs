//! In-cluster checks of what the policies decide: the pure half.
//!
//! [`plan`] turns a set of manifests (or the synthetic workloads of an
//! intent) into probes, one per workload class, and the expected matrix:
//! every allowed connection between classes and a sample of the denied
//! ones. [`objects`] turns a plan into the Kubernetes objects that carry
//! it into a cluster; [`outcome`] says what an observed connection means
//! against its expectation and when to try again. The network code that
//! serves and tries the connections is `crate::io::net`; nothing here
//! opens a socket.

mod names;
pub mod objects;
pub mod outcome;
mod plan;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::k8s::{ContainerPort, Labels, Protocol};

pub use names::{PROBE_LABEL, SERVICE_NAME};
pub use outcome::{Counts, Expect, Next, Observation, Observed, Report, Row, Verdict, next};
pub use plan::{PlanOptions, SYSTEM_NAMESPACE, plan};

/// The `format` of a matrix file.
pub const MATRIX_FORMAT: &str = "netpolgen.io/probe-matrix/v1";

/// One probe: a pod standing for one workload class (same namespace, same
/// pod labels, same container ports), serving the class's ports, and a
/// runner pod with the same labels that tries the class's connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `namespace/base`: how the matrix names the probe.
    pub id: String,
    pub namespace: String,
    /// A DNS label, unique in the namespace, from the class's first workload.
    pub base: String,
    /// The pod labels of the class's workloads.
    pub labels: Labels,
    /// The class's container ports, sorted.
    pub ports: Vec<ContainerPort>,
    /// `namespace/name` of every workload of the class, sorted.
    pub stands_for: Vec<String>,
}

impl Probe {
    /// The server Deployment, and the hostname of its pod.
    pub fn server_name(&self) -> String {
        format!("{}{}", names::SERVER_PREFIX, self.base)
    }

    /// The runner Job.
    pub fn job_name(&self) -> String {
        format!("{}{}", names::JOB_PREFIX, self.base)
    }

    /// The distinct `(port, protocol)` pairs the server listens on.
    pub fn profile(&self) -> Vec<(u16, Protocol)> {
        crate::analyze::classes::profile(&self.ports)
    }

    /// The DNS name of the server pod: its hostname under the headless
    /// Service of its namespace.
    pub fn host(&self, cluster_domain: &str) -> String {
        format!(
            "{}.{}.{}.svc.{}",
            self.server_name(),
            SERVICE_NAME,
            self.namespace,
            cluster_domain
        )
    }
}

/// The probes, the checks and the namespaces they rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Sorted by id.
    pub probes: Vec<Probe>,
    /// Sorted by source, destination, port and protocol.
    pub checks: Vec<Check>,
    /// The namespaces of the probes with the labels the verdicts assume.
    pub namespaces: BTreeMap<String, Labels>,
    /// Namespaces that only the intent names (`netpolgen-peer-*`): the
    /// manifests create them, and cleanup deletes them.
    pub created: Vec<String>,
    /// Expected-denied connections left out by the sample, per source.
    pub unsampled: BTreeMap<String, usize>,
    /// Probes whose runner the policies deny DNS (egress to `kube-system`
    /// pods labelled `k8s-app=kube-dns` on 53/UDP): it cannot find the
    /// servers by name.
    pub dns_denied: Vec<String>,
    /// Workloads in `kube-system`, which get no probe, sorted.
    pub not_probed: Vec<String>,
}

/// One connection to try.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The source probe's id.
    pub from: String,
    /// The destination probe's id.
    pub to: String,
    pub port: u16,
    pub protocol: Protocol,
    pub expect: Expect,
}

/// Where a runner finds a destination probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Destination {
    pub id: String,
    /// A DNS name or an IP address.
    pub host: String,
    /// The workloads the probe stands for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stands_for: Vec<String>,
}

/// What `probe run` reads: where the destinations are and what to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    /// [`MATRIX_FORMAT`].
    pub format: String,
    pub probes: Vec<Destination>,
    pub checks: Vec<Check>,
}

impl Matrix {
    /// The matrix of the checks whose source is in `namespace` (every
    /// namespace when `None`), with the destinations they need.
    pub fn of(plan: &Plan, namespace: Option<&str>, cluster_domain: &str) -> Matrix {
        let from_here = |c: &&Check| {
            namespace.is_none_or(|ns| c.from.split_once('/').is_some_and(|(n, _)| n == ns))
        };
        let checks: Vec<Check> = plan.checks.iter().filter(from_here).cloned().collect();
        let probes = plan
            .probes
            .iter()
            .filter(|p| checks.iter().any(|c| c.to == p.id))
            .map(|p| Destination {
                id: p.id.clone(),
                host: p.host(cluster_domain),
                stands_for: p.stands_for.clone(),
            })
            .collect();
        Matrix {
            format: MATRIX_FORMAT.to_string(),
            probes,
            checks,
        }
    }

    /// Problems a runner cannot work around, as `field: message`: an
    /// unknown format, a check whose destination has no entry.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.format != MATRIX_FORMAT {
            out.push((
                "format".to_string(),
                format!("{:?}: expected {MATRIX_FORMAT:?}", self.format),
            ));
        }
        for (i, c) in self.checks.iter().enumerate() {
            if !self.probes.iter().any(|p| p.id == c.to) {
                out.push((
                    format!("checks[{i}].to"),
                    format!("{:?} is not one of probes[].id", c.to),
                ));
            }
        }
        out
    }

    /// The matrix as JSON with one probe or check per line, as a person
    /// reads it in a ConfigMap.
    pub fn to_text(&self) -> String {
        let list = |items: Vec<String>| {
            if items.is_empty() {
                "[]".to_string()
            } else {
                format!("[\n    {}\n  ]", items.join(",\n    "))
            }
        };
        let probes = self.probes.iter().map(line).collect();
        let checks = self.checks.iter().map(line).collect();
        format!(
            "{{\n  \"format\": {},\n  \"probes\": {},\n  \"checks\": {}\n}}\n",
            serde_json::Value::from(self.format.as_str()),
            list(probes),
            list(checks)
        )
    }

    /// The host of destination `id`.
    pub fn host(&self, id: &str) -> Option<&str> {
        self.probes
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.host.as_str())
    }

    /// The distinct sources, sorted.
    pub fn sources(&self) -> Vec<&str> {
        let mut s: Vec<&str> = self.checks.iter().map(|c| c.from.as_str()).collect();
        s.sort();
        s.dedup();
        s
    }
}

/// A value as one line of JSON.
fn line<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}

/// The greeting a probe server sends on every connection (and before the
/// echo of every datagram): `netpolgen-probe <id> <port>/<protocol>`.
pub fn greeting(id: &str, port: u16, protocol: Protocol) -> String {
    format!("{GREETING_WORD} {id} {port}/{protocol}\n")
}

/// The first word of every greeting.
pub const GREETING_WORD: &str = "netpolgen-probe";

/// `3000/TCP` and friends, as `probe serve --ports` takes them.
pub fn parse_port(text: &str) -> Result<(u16, Protocol), String> {
    let (number, protocol) = match text.split_once('/') {
        Some((n, p)) => (n, p),
        None => (text, "TCP"),
    };
    let port: u16 = number
        .parse()
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| format!("{text:?}: the port must be a number from 1 to 65535"))?;
    let protocol = Protocol::parse(&protocol.to_ascii_uppercase())
        .ok_or_else(|| format!("{text:?}: the protocol must be TCP, UDP or SCTP"))?;
    Ok((port, protocol))
}

#[cfg(test)]
mod tests;
