//! The engine's input model: namespaces, workloads and policies.

use std::collections::BTreeMap;

pub use crate::k8s::Workload;
use crate::k8s::manifest::{DEFAULT_NAMESPACE, Manifests};
use crate::k8s::{Labels, NetworkPolicy, NetworkPolicySpec};

use super::cilium::CiliumPolicy;
use super::tiers::TierPolicy;
pub use crate::k8s::NAMESPACE_NAME_LABEL;

/// Everything the engine evaluates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cluster {
    /// Every namespace with its labels, including the implicit
    /// `kubernetes.io/metadata.name` label (see [`Cluster::new`]).
    pub namespaces: BTreeMap<String, Labels>,
    /// Workloads in the caller's order; a workload's id is its index.
    pub workloads: Vec<Workload>,
    /// Policies in the caller's order.
    pub policies: Vec<Policy>,
    /// Cluster-wide policies of the Admin and Baseline tiers, in the
    /// caller's order (the engine orders them by tier and priority).
    pub tiers: Vec<TierPolicy>,
    /// CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies, part of
    /// the NetworkPolicy answer (see `super::cilium`).
    pub cilium: Vec<CiliumPolicy>,
}

/// A NetworkPolicy with its namespace resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// The policy's namespace (selects only pods of this namespace).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// The spec, as written.
    pub spec: NetworkPolicySpec,
}

impl Policy {
    /// A policy from its parts.
    pub fn new(
        namespace: impl Into<String>,
        name: impl Into<String>,
        spec: NetworkPolicySpec,
    ) -> Policy {
        Policy {
            namespace: namespace.into(),
            name: name.into(),
            spec,
        }
    }

    /// A policy from a parsed object; `fallback_namespace` is used when
    /// `metadata.namespace` is absent or empty.
    pub fn from_k8s(np: &NetworkPolicy, fallback_namespace: &str) -> Policy {
        let namespace = match np.metadata.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => ns,
            _ => fallback_namespace,
        };
        Policy::new(namespace, np.metadata.name.clone(), np.spec.clone())
    }
}

impl Cluster {
    /// Builds a cluster and normalizes its namespaces: each declared
    /// namespace gets `kubernetes.io/metadata.name=<name>` (overriding any
    /// other value, as the control plane does), and every namespace that a
    /// workload or policy lives in but that is not declared exists with only
    /// that label.
    pub fn new(
        namespaces: BTreeMap<String, Labels>,
        workloads: Vec<Workload>,
        policies: Vec<Policy>,
    ) -> Cluster {
        let namespaces = normalize_namespaces(&namespaces, &workloads, &policies);
        Cluster {
            namespaces,
            workloads,
            policies,
            tiers: Vec::new(),
            cilium: Vec::new(),
        }
    }

    /// This cluster with cluster-wide tier policies (cluster-scoped: they
    /// add no namespace).
    pub fn with_tiers(mut self, tiers: Vec<TierPolicy>) -> Cluster {
        self.tiers = tiers;
        self
    }

    /// This cluster with Cilium policies. The namespace of each
    /// CiliumNetworkPolicy exists afterwards (with only its name label
    /// when not declared), as for NetworkPolicies.
    pub fn with_cilium(mut self, cilium: Vec<CiliumPolicy>) -> Cluster {
        for ns in cilium.iter().filter_map(|p| p.namespace.as_ref()) {
            self.namespaces.entry(ns.clone()).or_insert_with(|| {
                Labels::from_iter([(NAMESPACE_NAME_LABEL.to_string(), ns.clone())])
            });
        }
        self.cilium = cilium;
        self
    }
}

impl Cluster {
    /// The cluster of a set of manifests (policies that name no namespace
    /// are in `default`).
    pub fn from_manifests(m: &Manifests) -> Cluster {
        let policies = m
            .policies
            .iter()
            .map(|p| Policy::from_k8s(p, DEFAULT_NAMESPACE))
            .collect();
        Cluster::new(m.namespaces.clone(), m.workloads.clone(), policies)
            .with_tiers(m.tiers.clone())
            .with_cilium(m.cilium.clone())
    }
}

/// The normalization of [`Cluster::new`], usable on a hand-built cluster.
pub fn normalize_namespaces(
    declared: &BTreeMap<String, Labels>,
    workloads: &[Workload],
    policies: &[Policy],
) -> BTreeMap<String, Labels> {
    let mut out = declared.clone();
    let used = workloads
        .iter()
        .map(|w| &w.namespace)
        .chain(policies.iter().map(|p| &p.namespace));
    for ns in used {
        out.entry(ns.clone()).or_default();
    }
    for (name, labels) in &mut out {
        labels.insert(NAMESPACE_NAME_LABEL.to_string(), name.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::ObjectMeta;

    fn wl(ns: &str, name: &str) -> Workload {
        Workload {
            namespace: ns.to_string(),
            name: name.to_string(),
            ..Workload::default()
        }
    }

    #[test]
    fn namespaces_get_name_label_and_undeclared_ones_exist() {
        let mut declared = BTreeMap::new();
        declared.insert(
            "prod".to_string(),
            Labels::from_iter([
                ("env".to_string(), "prod".to_string()),
                (NAMESPACE_NAME_LABEL.to_string(), "wrong".to_string()),
            ]),
        );
        let c = Cluster::new(
            declared,
            vec![wl("prod", "a"), wl("dev", "b")],
            vec![Policy::new("ops", "p", NetworkPolicySpec::default())],
        );
        let names: Vec<&str> = c.namespaces.keys().map(String::as_str).collect();
        assert_eq!(names, ["dev", "ops", "prod"]);
        assert_eq!(c.namespaces["prod"].get("env").unwrap(), "prod");
        assert_eq!(
            c.namespaces["prod"].get(NAMESPACE_NAME_LABEL).unwrap(),
            "prod"
        );
        assert_eq!(
            c.namespaces["dev"],
            Labels::from_iter([(NAMESPACE_NAME_LABEL.to_string(), "dev".to_string())])
        );
    }

    #[test]
    fn policy_from_k8s_uses_fallback_namespace() {
        let mut np = NetworkPolicy {
            api_version: "networking.k8s.io/v1".to_string(),
            kind: "NetworkPolicy".to_string(),
            metadata: ObjectMeta {
                name: "deny".to_string(),
                ..ObjectMeta::default()
            },
            spec: NetworkPolicySpec::default(),
        };
        assert_eq!(Policy::from_k8s(&np, "default").namespace, "default");
        np.metadata.namespace = Some("prod".to_string());
        let p = Policy::from_k8s(&np, "default");
        assert_eq!((p.namespace.as_str(), p.name.as_str()), ("prod", "deny"));
    }
}
