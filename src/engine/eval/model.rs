//! The upstream e2e model (`test/e2e/network/netpol/model.go`): namespaces
//! x, y, z labelled `ns=<name>`, pods a, b, c labelled `pod=<name>`, each
//! serving 80 and 81 on TCP, UDP and SCTP (`serve-80-tcp`, ...).

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::engine::testutil::labels;
use crate::engine::{Cluster, Endpoint, Engine, Policy, Workload};
use crate::k8s::{ContainerPort, Protocol};

use Protocol::{SCTP, TCP, UDP};

pub(super) const PODS: [&str; 9] = [
    "x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c",
];

/// The e2e model: namespaces labelled `ns=<name>`, pods labelled `pod=<name>`.
pub(super) fn model(policies: Vec<Policy>) -> Cluster {
    let mut namespaces = BTreeMap::new();
    for ns in ["x", "y", "z"] {
        namespaces.insert(ns.to_string(), labels(&[("ns", ns)]));
    }
    let mut ports = Vec::new();
    for port in [80, 81] {
        for proto in [TCP, UDP, SCTP] {
            ports.push(ContainerPort {
                name: Some(format!("serve-{port}-{}", proto.as_str().to_lowercase())),
                port,
                protocol: proto,
            });
        }
    }
    let workloads = PODS
        .iter()
        .map(|id| {
            let (ns, pod) = id.split_once('/').unwrap_or_default();
            Workload {
                namespace: ns.to_string(),
                name: pod.to_string(),
                labels: labels(&[("pod", pod)]),
                ports: ports.clone(),
            }
        })
        .collect();
    Cluster::new(namespaces, workloads, policies)
}

pub(super) fn id(name: &str) -> usize {
    PODS.iter().position(|p| *p == name).unwrap_or(usize::MAX)
}

pub(super) fn w(name: &str) -> Endpoint {
    Endpoint::Workload(id(name))
}

pub(super) fn ext(ip: &str) -> Endpoint {
    Endpoint::External(ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])))
}

/// Sorted `src->dst` pairs of model pods that may NOT connect.
pub(super) fn denied(e: &Engine, port: u16, proto: Protocol) -> Vec<String> {
    let mut out = Vec::new();
    for s in PODS {
        for d in PODS {
            if !e.verdict(&w(s), &w(d), port, proto).allowed {
                out.push(format!("{s}->{d}"));
            }
        }
    }
    out
}

/// Every pair with `dst` in `dsts` and `src` not in `except_srcs`.
pub(super) fn pairs_into(dsts: &[&str], except_srcs: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for s in PODS {
        for d in PODS {
            if dsts.contains(&d) && !except_srcs.contains(&s) {
                out.push(format!("{s}->{d}"));
            }
        }
    }
    out
}

/// Every pair with `src` in `srcs` and `dst` not in `except_dsts`.
pub(super) fn pairs_from(srcs: &[&str], except_dsts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for s in PODS {
        for d in PODS {
            if srcs.contains(&s) && !except_dsts.contains(&d) {
                out.push(format!("{s}->{d}"));
            }
        }
    }
    out
}
