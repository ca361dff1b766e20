//! The e2e model for the tier conformance tests (`tests/tiers.rs`,
//! `tests/tiers_external.rs`): namespaces x, y, z labelled `ns=<name>`,
//! pods a, b, c labelled `pod=<name>`, each serving 80 and 81 on TCP, UDP
//! and SCTP; YAML read by the manifest reader; truth tables from the
//! class-based analysis, checked against `Engine::verdict`.
#![allow(dead_code)]

use std::collections::BTreeMap;

use netpolgen::analyze::Analysis;
use netpolgen::engine::{Cluster, Endpoint, Policy, Workload};
use netpolgen::k8s::manifest::{DEFAULT_NAMESPACE, from_docs, parse_text};
use netpolgen::k8s::{ContainerPort, Labels, Protocol};

pub const PODS: [&str; 9] = ["xa", "xb", "xc", "ya", "yb", "yc", "za", "zb", "zc"];

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The e2e model with the NetworkPolicies and tier policies of `yaml`.
pub fn model(yaml: &str) -> Cluster {
    let m = from_docs(&parse_text(yaml, "tiers.yaml").unwrap()).unwrap();
    let mut ports = Vec::new();
    for port in [80, 81] {
        for protocol in Protocol::ALL {
            let name = format!("serve-{port}-{}", protocol.as_str().to_lowercase());
            ports.push(ContainerPort {
                name: Some(name),
                port,
                protocol,
            });
        }
    }
    let namespaces = ["x", "y", "z"]
        .iter()
        .map(|ns| (ns.to_string(), labels(&[("ns", ns)])))
        .collect();
    let workloads = PODS
        .iter()
        .map(|p| Workload {
            namespace: p[..1].to_string(),
            name: p[1..].to_string(),
            labels: labels(&[("pod", &p[1..])]),
            ports: ports.clone(),
        })
        .collect();
    let policies = m
        .policies
        .iter()
        .map(|p| Policy::from_k8s(p, DEFAULT_NAMESPACE))
        .collect();
    Cluster::new(namespaces, workloads, policies).with_tiers(m.tiers)
}

pub fn id(pod: &str) -> usize {
    PODS.iter().position(|p| *p == pod).unwrap()
}

/// The truth table of one probe, as the class-based analysis answers it,
/// checked cell by cell against `Engine::verdict`.
pub fn table(cluster: &Cluster, port: u16, protocol: Protocol) -> String {
    let a = Analysis::new(cluster);
    let mut cells = BTreeMap::new();
    for c in a.connections() {
        if (c.port, c.protocol) == (port, protocol) {
            cells.insert((c.from, c.to), c.allowed);
        }
    }
    let mut out = String::new();
    for (s, src) in PODS.iter().enumerate() {
        out.push_str(src);
        for d in 0..PODS.len() {
            let allowed = cells[&(s, d)];
            let v = a.engine.verdict(
                &Endpoint::Workload(s),
                &Endpoint::Workload(d),
                port,
                protocol,
            );
            assert_eq!(v.allowed, allowed, "verdict {src} -> {} {port}", PODS[d]);
            out.push_str(if allowed { " ." } else { " X" });
        }
        out.push('\n');
    }
    out
}

/// Strips the leading newline and indentation of a table literal.
pub fn want(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("#"))
        .map(|l| format!("{l}\n"))
        .collect()
}

pub const OPEN: &str = "
    #  xa xb xc ya yb yc za zb zc
    xa . . . . . . . . .
    xb . . . . . . . . .
    xc . . . . . . . . .
    ya . . . . . . . . .
    yb . . . . . . . . .
    yc . . . . . . . . .
    za . . . . . . . . .
    zb . . . . . . . . .
    zc . . . . . . . . .
";

pub const NP: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n";
pub const CNP: &str = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n";
pub const ANP: &str = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n";
pub const BANP: &str =
    "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\n";
