//! What every rule reads: the manifests as a cluster, where each object came
//! from, which workloads each policy selects, and small lookups.
//!
//! Documents are extracted one at a time, so a malformed object becomes an
//! `NP001` finding and the rest of the input is still linted.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::diag::ResourceRef;
use crate::diag::field::FieldPath;
use crate::engine::{Cluster, Selector, TierPolicy, Workload};
use crate::k8s::expiry::{self, Stale};
use crate::k8s::manifest::{self, Doc, Manifests};
use crate::k8s::{LabelSelector, Labels, NetworkPolicy, Peer, PolicyPort, PolicyType};

use super::origin::{labels_field, note_renames, resource_of};
use super::{Code, Finding, Intent};

/// Adds an intent's namespaces, workloads and policies. Its workloads'
/// findings point at the service's `labels` or the peer's `selector`; its
/// policies' at their document in the render.
fn add_intent(
    intent: &Intent,
    m: &mut Manifests,
    workloads: &mut Vec<WorkloadCtx>,
    policy_src: &mut Vec<(String, usize)>,
) {
    for (ns, labels) in &intent.namespaces {
        m.namespaces
            .entry(ns.clone())
            .or_default()
            .extend(labels.clone());
    }
    for (w, kind) in &intent.workloads {
        let taken = m
            .workloads
            .iter()
            .any(|x: &Workload| x.namespace == w.namespace && x.name == w.name);
        if taken {
            continue;
        }
        let (list, field) = match *kind {
            "service" => ("services", "labels"),
            _ => ("peers", "selector"),
        };
        workloads.push(WorkloadCtx {
            file: intent.file.clone(),
            index: 0,
            resource: ResourceRef {
                api_version: crate::spec::API_VERSION.to_string(),
                kind: crate::spec::KIND.to_string(),
                name: intent.name.clone(),
                namespace: Some(w.namespace.clone()),
            },
            labels_field: FieldPath::keys(&["spec", list, &w.name, field]),
            stand_in: *kind != "service",
        });
        m.workloads.push(w.clone());
    }
    for (i, p) in intent.policies.iter().enumerate() {
        policy_src.push((intent.file.clone(), i));
        m.policies.push(p.clone());
    }
}

/// A NetworkPolicy and what the rules need to know about it.
pub(super) struct PolicyCtx {
    pub np: NetworkPolicy,
    pub namespace: String,
    pub file: String,
    pub index: usize,
    pub resource: ResourceRef,
    /// False when the spec has problems Kubernetes would reject (`NP001`);
    /// such policies get no other findings.
    pub valid: bool,
    /// Workloads `spec.podSelector` selects, by index.
    pub selected: Vec<usize>,
}

/// Where a workload came from.
pub(super) struct WorkloadCtx {
    pub file: String,
    pub index: usize,
    pub resource: ResourceRef,
    /// Field path of the pod labels (`spec.template.metadata.labels`).
    pub labels_field: FieldPath,
    /// An intent's peer: a stand-in for pods the intent does not own, so
    /// nothing is said about its own isolation.
    pub stand_in: bool,
}

/// A cluster-wide policy and where it came from.
pub(super) struct TierCtx {
    pub policy: TierPolicy,
    pub file: String,
    pub index: usize,
    pub resource: ResourceRef,
}

/// A window policy past its expiry (or with an unreadable one) at the
/// moment linted, and where it came from.
pub(super) struct StaleCtx {
    pub stale: Stale,
    pub file: String,
    pub index: usize,
    pub resource: ResourceRef,
}

/// The linted input.
pub(super) struct Ctx {
    pub cluster: Cluster,
    pub policies: Vec<PolicyCtx>,
    /// ClusterNetworkPolicies, AdminNetworkPolicies and the
    /// BaselineAdminNetworkPolicy, in input order (as in `cluster.tiers`).
    pub tiers: Vec<TierCtx>,
    pub workloads: Vec<WorkloadCtx>,
    /// Per workload: the policies whose podSelector selects it, in order.
    pub selected_by: Vec<Vec<usize>>,
    /// Namespaces with at least one workload in the input: only there can a
    /// selector be said to match nothing.
    pub observed: BTreeSet<String>,
    /// Namespaces declared by a Namespace object, with their labels.
    pub declared: BTreeMap<String, Labels>,
    /// Namespace names kustomize reported as renamed: old name -> new names.
    pub renamed: BTreeMap<String, BTreeSet<String>>,
    /// `NP001` findings for documents that could not be read.
    pub parse_findings: Vec<Finding>,
    /// Window policies past their expiry at the moment linted.
    pub stale: Vec<StaleCtx>,
}

/// One rule of a policy in a direction the policy isolates.
pub(super) struct RuleView<'p> {
    pub dir: PolicyType,
    pub index: usize,
    pub peers: Option<&'p [Peer]>,
    pub ports: Option<&'p [PolicyPort]>,
}

impl RuleView<'_> {
    /// `spec.ingress[i]` / `spec.egress[i]`.
    pub fn path(&self) -> FieldPath {
        FieldPath::keys(&["spec", list_key(self.dir)]).index(self.index)
    }

    /// `spec.ingress[i].from[p]` / `spec.egress[i].to[p]`.
    pub fn peer_path(&self, p: usize) -> FieldPath {
        let key = match self.dir {
            PolicyType::Ingress => "from",
            PolicyType::Egress => "to",
        };
        self.path().key(key).index(p)
    }

    /// True for an absent or empty `from`/`to`: any peer.
    pub fn any_peer(&self) -> bool {
        self.peers.is_none_or(<[Peer]>::is_empty)
    }
}

/// `ingress` / `egress`.
pub(super) fn list_key(dir: PolicyType) -> &'static str {
    match dir {
        PolicyType::Ingress => "ingress",
        PolicyType::Egress => "egress",
    }
}

/// The rules of the directions `np` isolates (after policyTypes defaulting).
pub(super) fn effective_rules(np: &NetworkPolicy) -> Vec<RuleView<'_>> {
    let spec = &np.spec;
    let mut out = Vec::new();
    for dir in crate::engine::effective_policy_types(spec) {
        match dir {
            PolicyType::Ingress => {
                for (index, r) in spec.ingress.iter().flatten().enumerate() {
                    out.push(RuleView {
                        dir,
                        index,
                        peers: r.from.as_deref(),
                        ports: r.ports.as_deref(),
                    });
                }
            }
            PolicyType::Egress => {
                for (index, r) in spec.egress.iter().flatten().enumerate() {
                    out.push(RuleView {
                        dir,
                        index,
                        peers: r.to.as_deref(),
                        ports: r.ports.as_deref(),
                    });
                }
            }
        }
    }
    out
}

impl Ctx {
    /// The documents, then each intent's rendered policies and the
    /// workloads it stands for (a workload of the documents with the same
    /// namespace and name replaces the intent's). `now` is the moment
    /// window expiries are judged at.
    pub fn new(docs: &[Doc], intents: &[Intent], now: DateTime<Utc>) -> Ctx {
        let mut m = Manifests::default();
        let mut workloads = Vec::new();
        let mut policy_src = Vec::new();
        let mut tiers = Vec::new();
        let mut parse_findings = Vec::new();
        let mut renamed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stale = Vec::new();
        for doc in docs {
            note_renames(&doc.value, &mut renamed);
            if let Some(s) = expiry::stale(&doc.value, now) {
                stale.push(StaleCtx {
                    stale: s,
                    file: doc.file.clone(),
                    index: doc.index,
                    resource: resource_of(&doc.value),
                });
            }
            match manifest::from_docs(std::slice::from_ref(doc)) {
                Ok(one) => {
                    for (name, labels) in one.namespaces {
                        m.namespaces.entry(name).or_default().extend(labels);
                    }
                    for (w, origin) in one.workloads.into_iter().zip(one.workload_origins) {
                        let mut resource = resource_of(&doc.value);
                        resource.namespace = Some(w.namespace.clone());
                        workloads.push(WorkloadCtx {
                            file: origin.file,
                            index: origin.index,
                            resource,
                            labels_field: labels_field(&origin.kind),
                            stand_in: false,
                        });
                        m.workloads.push(w);
                    }
                    for p in one.policies {
                        policy_src.push((doc.file.clone(), doc.index));
                        m.policies.push(p);
                    }
                    for policy in one.tiers {
                        tiers.push(TierCtx {
                            policy,
                            file: doc.file.clone(),
                            index: doc.index,
                            resource: resource_of(&doc.value),
                        });
                    }
                }
                Err(errors) => {
                    for d in errors.0 {
                        parse_findings.push(Finding {
                            code: Code::InvalidManifest,
                            severity: Code::InvalidManifest.severity(),
                            message: d.message,
                            file: doc.file.clone(),
                            index: doc.index,
                            line: None,
                            field: d.field.unwrap_or_default(),
                            resource: resource_of(&doc.value),
                        });
                    }
                }
            }
        }
        for intent in intents {
            add_intent(intent, &mut m, &mut workloads, &mut policy_src);
        }
        m.tiers = tiers.iter().map(|t| t.policy.clone()).collect();
        let cluster = Cluster::from_manifests(&m);
        let policies = m
            .policies
            .into_iter()
            .zip(policy_src)
            .zip(&cluster.policies)
            .map(|((np, (file, index)), p)| {
                let sel = Selector::new(&np.spec.pod_selector);
                let selected = (0..cluster.workloads.len())
                    .filter(|&w| {
                        let w = &cluster.workloads[w];
                        w.namespace == p.namespace && sel.matches(&w.labels)
                    })
                    .collect();
                let resource = ResourceRef {
                    api_version: np.api_version.clone(),
                    kind: np.kind.clone(),
                    name: np.metadata.name.clone(),
                    namespace: Some(p.namespace.clone()),
                };
                PolicyCtx {
                    valid: crate::engine::validate(&np.spec).is_empty(),
                    np,
                    namespace: p.namespace.clone(),
                    file,
                    index,
                    resource,
                    selected,
                }
            })
            .collect::<Vec<PolicyCtx>>();
        let mut selected_by = vec![Vec::new(); cluster.workloads.len()];
        for (pi, p) in policies.iter().enumerate() {
            for &w in &p.selected {
                selected_by[w].push(pi);
            }
        }
        let observed = cluster
            .workloads
            .iter()
            .map(|w| w.namespace.clone())
            .collect();
        Ctx {
            declared: m.namespaces,
            cluster,
            policies,
            tiers,
            workloads,
            selected_by,
            observed,
            renamed,
            parse_findings,
            stale,
        }
    }

    /// A finding about cluster-wide policy `ti`.
    pub fn tier_finding(&self, ti: usize, code: Code, field: FieldPath, msg: String) -> Finding {
        let t = &self.tiers[ti];
        Finding {
            code,
            severity: code.severity(),
            message: msg,
            file: t.file.clone(),
            index: t.index,
            line: None,
            field,
            resource: t.resource.clone(),
        }
    }

    /// A finding about policy `pi`.
    pub fn policy_finding(&self, pi: usize, code: Code, field: FieldPath, msg: String) -> Finding {
        let p = &self.policies[pi];
        Finding {
            code,
            severity: code.severity(),
            message: msg,
            file: p.file.clone(),
            index: p.index,
            line: None,
            field,
            resource: p.resource.clone(),
        }
    }

    /// A finding about workload `wi`, at its pod labels.
    pub fn workload_finding(&self, wi: usize, code: Code, msg: String) -> Finding {
        let w = &self.workloads[wi];
        Finding {
            code,
            severity: code.severity(),
            message: msg,
            file: w.file.clone(),
            index: w.index,
            line: None,
            field: w.labels_field.clone(),
            resource: w.resource.clone(),
        }
    }

    /// `namespace/name` of workload `wi`.
    pub fn wname(&self, wi: usize) -> String {
        let w = &self.cluster.workloads[wi];
        format!("{}/{}", w.namespace, w.name)
    }

    /// Names of workloads, comma-separated.
    pub fn wnames(&self, ws: &[usize]) -> String {
        ws.iter()
            .map(|&w| self.wname(w))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The namespaces a pod peer of policy `pi` looks in (sorted).
    pub fn peer_namespaces(&self, pi: usize, peer: &Peer) -> Vec<&str> {
        match &peer.namespace_selector {
            None => vec![self.policies[pi].namespace.as_str()],
            Some(sel) => {
                let sel = Selector::new(sel);
                self.cluster
                    .namespaces
                    .iter()
                    .filter(|(_, labels)| sel.matches(labels))
                    .map(|(name, _)| name.as_str())
                    .collect()
            }
        }
    }

    /// Workloads in `namespaces` matching `pods` (absent: every pod).
    pub fn workloads_in(&self, namespaces: &[&str], pods: Option<&LabelSelector>) -> Vec<usize> {
        let sel = pods.map_or_else(Selector::everything, Selector::new);
        (0..self.cluster.workloads.len())
            .filter(|&w| {
                let w = &self.cluster.workloads[w];
                namespaces.contains(&w.namespace.as_str()) && sel.matches(&w.labels)
            })
            .collect()
    }

    /// True if every namespace in `namespaces` has workloads in the input.
    pub fn all_observed(&self, namespaces: &[&str]) -> bool {
        namespaces.iter().all(|ns| self.observed.contains(*ns))
    }

    /// The workloads a rule's traffic goes to, when the input shows all of
    /// them: for ingress the pods the policy selects (if its namespace is
    /// observed); for egress the pods its peers select (if every peer is a
    /// pod peer looking only in observed namespaces). `None` otherwise.
    pub fn destinations(&self, pi: usize, rule: &RuleView<'_>) -> Option<Vec<usize>> {
        let p = &self.policies[pi];
        match rule.dir {
            PolicyType::Ingress => self
                .observed
                .contains(&p.namespace)
                .then(|| p.selected.clone()),
            PolicyType::Egress => {
                let peers = rule.peers.filter(|l| !l.is_empty())?;
                let mut out = BTreeSet::new();
                for peer in peers {
                    if peer.ip_block.is_some() {
                        return None;
                    }
                    let ns = self.peer_namespaces(pi, peer);
                    if ns.is_empty() || !self.all_observed(&ns) {
                        return None;
                    }
                    out.extend(self.workloads_in(&ns, peer.pod_selector.as_ref()));
                }
                Some(out.into_iter().collect())
            }
        }
    }
}
