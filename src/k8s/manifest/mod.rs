//! Reading arbitrary Kubernetes manifests for analysis, as kubectl reads
//! them: multi-document streams, JSON, `kind: List`, typed lists (`PodList`,
//! items given the list's item kind) and `kind: ResourceList` are
//! unwrapped; YAML 1.1 booleans are booleans; `null` is absent. A document
//! that does not read is a problem of its own; the others are read. Namespaces,
//! workloads (pod-template labels and containerPorts), NetworkPolicies,
//! the cluster-wide tier policies (`policy.networking.k8s.io`) and Cilium
//! policies (`cilium.io/v2`) are extracted; everything else is counted and
//! skipped.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::{Diagnostic, Errors, FieldPath};
use crate::k8s::cilium::{CiliumKind, CiliumPolicy, cilium_kind, parse_cilium_policy};
use crate::k8s::tiers::{TierPolicy, parse_tier_policy, tier_kind};
use crate::k8s::{Labels, NetworkPolicy, Workload};

pub mod lines;
mod parse;
mod workload;

/// The namespace of namespaced objects that name none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// One YAML document and where it came from.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: String,
    /// Index of the document in its file (items of a List count separately).
    pub index: usize,
    pub value: Value,
}

/// Where an extracted object came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub index: usize,
    pub kind: String,
}

/// What analysis needs from a set of manifests.
#[derive(Debug, Clone, Default)]
pub struct Manifests {
    /// Declared namespaces and their labels.
    pub namespaces: BTreeMap<String, Labels>,
    pub workloads: Vec<Workload>,
    pub workload_origins: Vec<Origin>,
    pub policies: Vec<NetworkPolicy>,
    pub policy_origins: Vec<Origin>,
    /// ClusterNetworkPolicies, AdminNetworkPolicies and the
    /// BaselineAdminNetworkPolicy, each with what it leaves unevaluated.
    pub tiers: Vec<TierPolicy>,
    pub tier_origins: Vec<Origin>,
    /// CiliumNetworkPolicies (namespace filled in) and
    /// CiliumClusterwideNetworkPolicies, each with what it leaves
    /// unevaluated.
    pub cilium: Vec<CiliumPolicy>,
    pub cilium_origins: Vec<Origin>,
    /// Documents of other kinds, not used.
    pub skipped: usize,
    /// Those documents by kind.
    pub unused: BTreeMap<String, usize>,
    /// Documents of kinds that change connectivity but are not evaluated,
    /// with why.
    pub not_evaluated: Vec<(Origin, String)>,
}

impl Manifests {
    /// Adds what an intent stands for: its rendered policies, its
    /// namespaces and its workloads (services and in-cluster peers, their
    /// origin kind `service` or `peer`, from `file`). A workload of the
    /// manifests with the same namespace and name replaces the intent's.
    pub fn add_intent(
        &mut self,
        file: &str,
        policies: &[NetworkPolicy],
        namespaces: &BTreeMap<String, Labels>,
        workloads: &[(Workload, &'static str)],
    ) {
        for (ns, labels) in namespaces {
            self.namespaces
                .entry(ns.clone())
                .or_default()
                .extend(labels.clone());
        }
        for (i, (w, kind)) in workloads.iter().enumerate() {
            let taken = self
                .workloads
                .iter()
                .any(|m| m.namespace == w.namespace && m.name == w.name);
            if !taken {
                self.workloads.push(w.clone());
                self.workload_origins.push(Origin {
                    file: file.to_string(),
                    index: i,
                    kind: kind.to_string(),
                });
            }
        }
        for (i, p) in policies.iter().enumerate() {
            self.policies.push(p.clone());
            self.policy_origins.push(Origin {
                file: file.to_string(),
                index: i,
                kind: "NetworkPolicy".into(),
            });
        }
    }

    /// Adds Cilium policies rendered from an intent in `file` (a
    /// CiliumNetworkPolicy without a namespace is in `default`).
    pub fn add_cilium(&mut self, file: &str, policies: &[CiliumPolicy]) {
        for (i, p) in policies.iter().enumerate() {
            let mut p = p.clone();
            if p.kind == CiliumKind::CiliumNetworkPolicy && p.namespace.is_none() {
                p.namespace = Some(DEFAULT_NAMESPACE.to_string());
            }
            self.cilium_origins.push(Origin {
                file: file.to_string(),
                index: i,
                kind: p.kind.as_str().into(),
            });
            self.cilium.push(p);
        }
    }
}

/// A manifest text and the name it is known by (a path, or `stdin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub text: String,
}

/// Parses a stream, unwrapping `List` and `ResourceList` documents: every
/// document that reads, or the first error.
pub fn parse_text(text: &str, file: &str) -> Result<Vec<Doc>, Errors> {
    let (docs, problems) = parse::documents(text, file);
    Errors::check(problems).map(|()| docs)
}

pub use lines::Lines;
pub use parse::documents as parse_lenient;

/// Extracts namespaces, workloads and policies, or every problem found.
pub fn from_docs(docs: &[Doc]) -> Result<Manifests, Errors> {
    let (m, problems) = collect(docs);
    Errors::check(problems).map(|()| m)
}

/// Extracts namespaces, workloads and policies; a document that is not a
/// valid object of a kind analysis reads is a problem (file, document,
/// field), and the others are read all the same.
pub fn collect(docs: &[Doc]) -> (Manifests, Vec<Diagnostic>) {
    let mut m = Manifests::default();
    let mut problems = Vec::new();
    for doc in docs {
        if let Err(d) = collect_one(&mut m, doc) {
            problems.push(*d);
        }
    }
    (m, problems)
}

fn collect_one(m: &mut Manifests, doc: &Doc) -> Result<(), Box<Diagnostic>> {
    let v = &doc.value;
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let origin = Origin {
        file: doc.file.clone(),
        index: doc.index,
        kind: kind.clone(),
    };
    let error = |field: &str, msg: String| {
        Box::new(
            Diagnostic::error(msg)
                .in_file(doc.file.clone())
                .at_index(doc.index)
                .at_field(FieldPath::parse(field)),
        )
    };
    if tier_kind(v).is_some() {
        let p = parse_tier_policy(v).map_err(|e| error(&e.path.to_string(), e.message))?;
        m.tiers.push(p);
        m.tier_origins.push(origin);
        return Ok(());
    }
    if let Some(kind) = cilium_kind(v) {
        let mut p = parse_cilium_policy(v).map_err(|e| error(&e.path.to_string(), e.message))?;
        if kind == CiliumKind::CiliumNetworkPolicy && p.namespace.is_none() {
            p.namespace = Some(DEFAULT_NAMESPACE.to_string());
        }
        m.cilium.push(p);
        m.cilium_origins.push(origin);
        return Ok(());
    }
    let reads = matches!(kind.as_str(), "Namespace" | "NetworkPolicy")
        || workload::pod_template_path(&kind).is_some();
    if !reads {
        match not_evaluated(v) {
            Some(why) => m.not_evaluated.push((origin, why.to_string())),
            None => {
                m.skipped += 1;
                let shown = if kind.is_empty() {
                    "(no kind)".to_string()
                } else {
                    kind
                };
                *m.unused.entry(shown).or_default() += 1;
            }
        }
        return Ok(());
    }
    let text = |field: &str| -> Result<Option<String>, Box<Diagnostic>> {
        match v.pointer(&format!("/metadata/{field}")) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Bool(b)) => Err(error(
                &format!("metadata.{field}"),
                format!(
                    "kubectl reads this unquoted value as the boolean {b}, not a name; quote it"
                ),
            )),
            Some(other) => Err(error(
                &format!("metadata.{field}"),
                format!("must be a string, found {other}"),
            )),
        }
    };
    let Some(name) = text("name")? else {
        return Err(error("metadata.name", "is required".into()));
    };
    let namespace = text("namespace")?.unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    match kind.as_str() {
        "Namespace" => {
            let labels = workload::labels_at(v, "/metadata/labels")
                .map_err(|msg| error("metadata.labels", msg))?;
            m.namespaces.entry(name).or_default().extend(labels);
        }
        "NetworkPolicy" => {
            workload::labels_at(v, "/metadata/labels")
                .map_err(|msg| error("metadata.labels", msg))?;
            let mut p = serde_path_to_error::deserialize::<_, NetworkPolicy>(v).map_err(|e| {
                error(
                    &FieldPath::from(e.path()).to_string(),
                    e.into_inner().to_string(),
                )
            })?;
            p.metadata.namespace = Some(namespace);
            m.policies.push(p);
            m.policy_origins.push(origin);
        }
        _ => {
            let template = workload::pod_template_path(&kind).unwrap_or_default();
            let labels_path = if template.is_empty() {
                "/metadata/labels".to_string()
            } else {
                format!("{template}/metadata/labels")
            };
            let labels = workload::labels_at(v, &labels_path).map_err(|msg| {
                error(&labels_path.trim_start_matches('/').replace('/', "."), msg)
            })?;
            let ports = workload::container_ports(v, &format!("{template}/spec"))
                .map_err(|(field, msg)| error(&field, msg))?;
            m.workloads.push(Workload {
                namespace,
                name,
                labels,
                ports,
            });
            m.workload_origins.push(origin);
        }
    }
    Ok(())
}

/// Kinds that change connectivity but that the engine does not evaluate,
/// with why: reported, never dropped silently.
fn not_evaluated(v: &Value) -> Option<&'static str> {
    let kind = v.get("kind").and_then(Value::as_str)?;
    let group = v
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|a| a.rsplit_once('/').map(|(g, _)| g))
        .unwrap_or_default();
    Some(match (group, kind) {
        (
            "projectcalico.org" | "crd.projectcalico.org",
            "NetworkPolicy" | "GlobalNetworkPolicy",
        ) => "a Calico policy",
        ("crd.antrea.io", _) if kind.contains("NetworkPolicy") => "an Antrea policy",
        ("k8s.cni.cncf.io", "MultiNetworkPolicy") => "a policy of secondary networks",
        ("security.istio.io", "AuthorizationPolicy") => "an Istio authorization policy (L7)",
        ("extensions", "NetworkPolicy") => "a NetworkPolicy of the removed extensions/v1beta1 API",
        _ => return None,
    })
}

/// Sets `metadata.namespace` of a workload, NetworkPolicy or
/// CiliumNetworkPolicy that names none; other kinds (cluster-scoped ones
/// among them) are left alone.
pub fn default_namespace(value: &mut Value, namespace: &str) {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let policy = matches!(kind, "NetworkPolicy" | "CiliumNetworkPolicy");
    if !policy && workload::pod_template_path(kind).is_none() {
        return;
    }
    let Some(Value::Object(meta)) = value.get_mut("metadata") else {
        return;
    };
    let named = meta
        .get("namespace")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if !named {
        meta.insert("namespace".into(), Value::String(namespace.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::{ContainerPort, Protocol};

    #[test]
    fn lists_and_resource_lists_are_unwrapped() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- {kind: Namespace, metadata: {name: a, labels: {team: x}}}\n---\nkind: ResourceList\nitems:\n- {kind: Pod, metadata: {name: p, namespace: a, labels: {app: p}}, spec: {containers: [{name: c, ports: [{containerPort: 80, name: http}]}]}}\n";
        let docs = parse_text(text, "f.yaml").unwrap();
        assert_eq!(docs.len(), 2);
        let m = from_docs(&docs).unwrap();
        assert_eq!(m.namespaces["a"].get("team").unwrap(), "x");
        assert_eq!(
            m.workloads[0].ports,
            vec![ContainerPort {
                name: Some("http".into()),
                port: 80,
                protocol: Protocol::TCP
            }]
        );
    }

    #[test]
    fn workload_kinds_use_their_pod_template() {
        let text = "kind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: {app: c}}, spec: {containers: [{name: x, ports: [{containerPort: 53, protocol: UDP}]}]}}}}}\n---\nkind: Deployment\nmetadata: {name: d, namespace: ns}\nspec: {template: {metadata: {labels: {app: d}}, spec: {containers: [{name: x}]}}}\n---\nkind: Service\nmetadata: {name: s}\n";
        let m = from_docs(&parse_text(text, "f.yaml").unwrap()).unwrap();
        assert_eq!(m.workloads.len(), 2);
        assert_eq!(m.workloads[0].namespace, DEFAULT_NAMESPACE);
        assert_eq!(m.workloads[0].ports[0].protocol, Protocol::UDP);
        assert_eq!(m.workloads[1].labels.get("app").unwrap(), "d");
        assert_eq!(m.skipped, 1);
    }

    #[test]
    fn default_namespace_fills_only_namespaced_kinds_without_one() {
        let mut docs = parse_text("kind: Deployment\nmetadata: {name: d}\n---\nkind: Pod\nmetadata: {name: p, namespace: x}\n---\nkind: ClusterRole\nmetadata: {name: r}\n", "f").unwrap();
        for d in &mut docs {
            default_namespace(&mut d.value, "shop");
        }
        assert_eq!(docs[0].value["metadata"]["namespace"], "shop");
        assert_eq!(docs[1].value["metadata"]["namespace"], "x");
        assert!(docs[2].value["metadata"].get("namespace").is_none());
    }

    #[test]
    fn malformed_objects_name_file_and_field() {
        let text = "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, ports: [{containerPort: 0}]}]}\n---\nkind: NetworkPolicy\nmetadata: {name: np}\nspec: {podSelecter: {}}\n";
        let err = from_docs(&parse_text(text, "f.yaml").unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.yaml: document 1: spec.containers[0].ports[0].containerPort"),
            "{err}"
        );
        assert!(err.contains("spec.podSelecter"), "{err}");
    }
}
