//! Test helpers: inline YAML to engine inputs.

use crate::k8s::{ContainerPort, Labels, NetworkPolicySpec, Protocol};

use super::cluster::{Policy, Workload};

/// Parses a `NetworkPolicySpec` from YAML; panics on bad test input.
pub(crate) fn spec(yaml: &str) -> NetworkPolicySpec {
    match serde_saphyr::from_str(yaml) {
        Ok(s) => s,
        Err(e) => panic!("bad test spec: {e}\n{yaml}"),
    }
}

/// A policy from YAML.
pub(crate) fn policy(ns: &str, name: &str, yaml: &str) -> Policy {
    Policy::new(ns, name, spec(yaml))
}

/// Labels from `k=v` pairs.
pub(crate) fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A workload with `app=<name>` and the given container ports.
pub(crate) fn workload(ns: &str, name: &str, ports: &[(&str, u16, Protocol)]) -> Workload {
    Workload {
        namespace: ns.to_string(),
        name: name.to_string(),
        labels: labels(&[("app", name)]),
        ports: ports
            .iter()
            .map(|&(n, port, protocol)| ContainerPort {
                name: (!n.is_empty()).then(|| n.to_string()),
                port,
                protocol,
            })
            .collect(),
    }
}

/// A tier policy from a YAML document; panics on bad test input.
pub(crate) fn tier_policy(yaml: &str) -> super::tiers::TierPolicy {
    let doc = match crate::k8s::yaml::parse_documents(yaml) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0),
        other => panic!("bad test document: {other:?}\n{yaml}"),
    };
    super::tiers::parse_tier_policy(&doc).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// A Cilium policy from a YAML document (a CiliumNetworkPolicy without a
/// namespace is in `default`); panics on bad test input.
pub(crate) fn cilium_policy(yaml: &str) -> super::cilium::CiliumPolicy {
    let doc = match crate::k8s::yaml::parse_documents(yaml) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0),
        other => panic!("bad test document: {other:?}\n{yaml}"),
    };
    let mut p = super::cilium::parse_cilium_policy(&doc).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    if p.kind == super::cilium::CiliumKind::CiliumNetworkPolicy && p.namespace.is_none() {
        p.namespace = Some("default".into());
    }
    p
}
