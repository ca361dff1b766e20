//! The labels the policies of a cluster read: every key of every label
//! selector of a NetworkPolicy, a cluster-wide tier policy or a Cilium
//! policy (pod and namespace selectors alike), with the values the
//! selectors name for it (`matchLabels`, `In`, `NotIn`). A pod label whose
//! key is not among them cannot change which policy selects a pod, which
//! peer matches it or what a rule admits, and neither can the difference
//! between two values of a key that no selector names (both are present,
//! neither is equal to or in any list); the analyzer's classes rest on
//! that.
//!
//! Collecting too much only makes classes finer; a key or value missing
//! here would merge workloads that policies tell apart, so every selector
//! field the engine matches against labels is walked below.

use std::collections::{BTreeMap, BTreeSet};

use crate::k8s::LabelSelector;
use crate::k8s::cilium::{CiliumPeerKind, CiliumSelector};
use crate::k8s::tiers::{Subject, TierPeer};

use super::Cluster;

/// Every label key some selector of `cluster` reads, with the values
/// selectors name for it.
pub type ReadLabels<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;

/// The labels the selectors of `cluster` read (see the module doc).
pub fn selector_keys(cluster: &Cluster) -> ReadLabels<'_> {
    let mut keys = ReadLabels::new();
    for p in &cluster.policies {
        add(&mut keys, &p.spec.pod_selector);
        let ingress = p.spec.ingress.iter().flatten().flat_map(|r| r.from.iter());
        let egress = p.spec.egress.iter().flatten().flat_map(|r| r.to.iter());
        for peer in ingress.chain(egress).flatten() {
            for sel in [&peer.pod_selector, &peer.namespace_selector]
                .into_iter()
                .flatten()
            {
                add(&mut keys, sel);
            }
        }
    }
    for t in &cluster.tiers {
        match &t.subject {
            Subject::Namespaces(ns) => add(&mut keys, ns),
            Subject::Pods { namespaces, pods } => {
                add(&mut keys, namespaces);
                add(&mut keys, pods);
            }
        }
        for peer in t.ingress.iter().chain(&t.egress).flat_map(|r| &r.peers) {
            match peer {
                TierPeer::Namespaces(ns) => add(&mut keys, ns),
                TierPeer::Pods { namespaces, pods } => {
                    add(&mut keys, namespaces);
                    add(&mut keys, pods);
                }
                TierPeer::Networks(_) | TierPeer::NotEvaluated(_) | TierPeer::Empty => {}
            }
        }
    }
    for c in &cluster.cilium {
        for s in &c.specs {
            if let Some(sel) = &s.endpoints {
                add_cilium(&mut keys, sel);
            }
            let rules = s
                .ingress
                .iter()
                .chain(&s.ingress_deny)
                .chain(&s.egress)
                .chain(&s.egress_deny);
            for peer in rules.flat_map(|r| &r.peers) {
                if let CiliumPeerKind::Endpoints(sel) = &peer.kind {
                    add_cilium(&mut keys, sel);
                }
            }
        }
    }
    keys
}

fn add<'a>(keys: &mut ReadLabels<'a>, sel: &'a LabelSelector) {
    for (k, v) in &sel.match_labels {
        keys.entry(k).or_default().insert(v);
    }
    for e in &sel.match_expressions {
        let values = keys.entry(&e.key).or_default();
        values.extend(e.values.iter().map(String::as_str));
    }
}

fn add_cilium<'a>(keys: &mut ReadLabels<'a>, sel: &'a CiliumSelector) {
    add(keys, &sel.selector);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::Policy;

    #[test]
    fn keys_of_pod_and_namespace_selectors_and_expressions() {
        let spec = serde_saphyr::from_str(
            "podSelector: {matchLabels: {app: db}}\ningress:\n- from:\n  - podSelector: {matchExpressions: [{key: tier, operator: Exists}]}\n    namespaceSelector: {matchLabels: {team: blue}}\negress:\n- to: [{podSelector: {matchLabels: {role: cache}}}]\n",
        )
        .unwrap();
        let cluster = Cluster::new(
            BTreeMap::new(),
            Vec::new(),
            vec![Policy::new("a", "p", spec)],
        );
        let keys = selector_keys(&cluster);
        let read: Vec<(&str, Vec<&str>)> = keys
            .iter()
            .map(|(k, v)| (*k, v.iter().copied().collect()))
            .collect();
        assert_eq!(
            read,
            [
                ("app", vec!["db"]),
                ("role", vec!["cache"]),
                ("team", vec!["blue"]),
                ("tier", vec![]),
            ]
        );
    }
}
