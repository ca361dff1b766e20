//! The workloads an intent stands for: one per service, in the intent's
//! namespace, with its labels and ports; one per in-cluster peer, in the
//! peer's namespace (named by its namespace selector's name label, or
//! `netpolgen-peer-<peer>`), listening on the numeric ports flows send to
//! it. Verification, `diff` and the analysis of an intent evaluate the
//! rendered policies on these.

use std::collections::BTreeMap;

use super::{Model, Peer, PortRef, Target};
use crate::k8s::{ContainerPort, Labels, NAMESPACE_NAME_LABEL, Workload};

/// Namespaces (with the labels the intent relies on) and workloads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Synthetic {
    pub namespaces: BTreeMap<String, Labels>,
    pub workloads: Vec<Workload>,
}

/// The intent's workloads: services first, then peers, each in name order.
pub fn synthetic(model: &Model) -> Synthetic {
    let mut out = Synthetic {
        namespaces: BTreeMap::from([(model.namespace.clone(), Labels::new())]),
        workloads: model.services.values().map(|s| service(model, s)).collect(),
    };
    for p in model
        .peers
        .values()
        .filter(|p| p.cidr.is_none() && !p.is_fqdn())
    {
        let (ns, labels) = peer_namespace(p);
        out.namespaces.entry(ns.clone()).or_default().extend(labels);
        out.workloads.push(Workload {
            namespace: ns,
            name: p.name.clone(),
            labels: p.selector.clone().unwrap_or_default(),
            ports: peer_ports(model, p),
        });
    }
    out
}

/// The intent's workloads, each with what it is (`service` or `peer`).
pub fn workloads(model: &Model) -> (BTreeMap<String, Labels>, Vec<(Workload, &'static str)>) {
    let s = synthetic(model);
    let services = model.services.len();
    let kinds = s
        .workloads
        .into_iter()
        .enumerate()
        .map(|(i, w)| (w, if i < services { "service" } else { "peer" }))
        .collect();
    (s.namespaces, kinds)
}

/// One service as a workload of the intent's namespace.
pub fn service(model: &Model, s: &super::Service) -> Workload {
    Workload {
        namespace: model.namespace.clone(),
        name: s.name.clone(),
        labels: s.labels.clone(),
        ports: s
            .ports
            .iter()
            .map(|(n, p)| ContainerPort {
                name: Some(n.clone()),
                port: p.port,
                protocol: p.protocol,
            })
            .collect(),
    }
}

/// The prefix of the namespace of a peer whose selector names none.
pub const PEER_NAMESPACE_PREFIX: &str = "netpolgen-peer-";

/// The namespace a peer's pods live in and the labels it must carry.
pub fn peer_namespace(p: &Peer) -> (String, Labels) {
    let labels = p.namespace_selector.clone().unwrap_or_default();
    let name = labels
        .get(NAMESPACE_NAME_LABEL)
        .cloned()
        .unwrap_or_else(|| format!("{PEER_NAMESPACE_PREFIX}{}", p.name));
    (name, labels)
}

/// The numeric ports that flows send to a peer (both ends of a range).
fn peer_ports(model: &Model, p: &Peer) -> Vec<ContainerPort> {
    let mut ports = Vec::new();
    for f in model
        .flows
        .iter()
        .filter(|f| f.to.target == Target::Peer(p.name.clone()))
    {
        for spec in &f.port_specs {
            if let PortRef::Number {
                port,
                end,
                protocol,
            } = spec
            {
                for n in [Some(*port), *end].into_iter().flatten() {
                    ports.push(ContainerPort {
                        name: None,
                        port: n,
                        protocol: *protocol,
                    });
                }
            }
        }
    }
    ports.sort_by_key(|p| (p.port, p.protocol));
    ports.dedup();
    ports
}
