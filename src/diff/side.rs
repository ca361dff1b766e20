//! One side of a diff, built from what its units rendered. Pure: documents
//! and models in, a [`Side`] out.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::normalize::{self, Norm};
use crate::diag::{Diagnostic, Errors};
use crate::engine::{CiliumPolicy, Cluster, Policy, TierPolicy, Workload};
use crate::k8s::manifest::{self, DEFAULT_NAMESPACE, Doc};
use crate::k8s::{Labels, NetworkPolicy};
use crate::model::{Model, cluster};

/// How a unit was rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A NetworkPolicySet rendered in-process: policies only; workloads
    /// come from its model.
    Set,
    /// A kustomize build: real workloads, plus the model's peers when the
    /// directory holds a NetworkPolicySet.
    Kustomize,
    /// Manifests read as they are.
    Manifests,
}

/// One render: an environment's policies, a kustomize build, or files.
#[derive(Debug, Clone)]
pub struct Unit {
    pub kind: UnitKind,
    pub docs: Vec<Doc>,
    /// The NetworkPolicySet's model, where there is one.
    pub model: Option<Model>,
    /// Policies already typed, not among `docs`: a render read for its
    /// flows only ([`Side::for_flows`]).
    pub policies: Vec<NetworkPolicy>,
}

/// An object of a render in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub value: Value,
}

/// Everything one side of a diff rendered.
#[derive(Debug, Clone)]
pub struct Side {
    /// The side as the user named it.
    pub label: String,
    /// Every object, canonical, in (kind, namespace, name) order.
    pub objects: Vec<Object>,
    /// Workloads: those in the manifests plus those a model stands for.
    pub workloads: Vec<Workload>,
    /// The peers a model stands for (also in `workloads`): pods outside
    /// the intent's namespace that exist whatever the policies say, so the
    /// other side is evaluated on them too.
    pub synthetic: Vec<Workload>,
    pub namespaces: BTreeMap<String, Labels>,
    pub policies: Vec<NetworkPolicy>,
    /// Cluster-wide policies of the Admin and Baseline tiers.
    pub tiers: Vec<TierPolicy>,
    /// CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies.
    pub cilium: Vec<CiliumPolicy>,
    /// Set when the side is exactly one NetworkPolicySet environment.
    pub norm: Option<Norm>,
    /// What this side cannot show, said once in the output.
    pub notes: Vec<String>,
}

impl Side {
    /// Builds a side. Two objects of the same kind, namespace and name are
    /// an error naming both documents.
    pub fn build(label: &str, units: &[Unit]) -> Result<Side, Errors> {
        Side::from_units(label, units.to_vec())
    }

    /// [`Side::build`], taking the units: their documents become the
    /// side's objects without a copy.
    pub fn from_units(label: &str, units: Vec<Unit>) -> Result<Side, Errors> {
        Side::assemble(label, units, true)
    }

    /// A side for comparing allowed flows only (`diff --all`): its
    /// objects are not kept.
    pub fn for_flows(label: &str, units: Vec<Unit>) -> Result<Side, Errors> {
        Side::assemble(label, units, false)
    }

    fn assemble(label: &str, mut units: Vec<Unit>, keep: bool) -> Result<Side, Errors> {
        let docs: Vec<Doc> = units
            .iter_mut()
            .flat_map(|u| std::mem::take(&mut u.docs))
            .collect();
        let mut m = manifest::from_docs(&docs)?;
        for unit in &mut units {
            m.policies.append(&mut unit.policies);
        }
        let mut seen: BTreeMap<(&str, &str, &str), &Doc> = BTreeMap::new();
        let mut errors = Vec::new();
        for doc in &docs {
            let (kind, namespace, name) = names(&doc.value);
            if let Some(first) = seen.insert((kind, namespace, name), doc) {
                errors.push(
                    Diagnostic::error(format!(
                        "{kind} {namespace}/{name} is also document {} of {}",
                        first.index + 1,
                        first.file
                    ))
                    .in_file(doc.file.clone())
                    .at_index(doc.index),
                );
            }
        }
        drop(seen);
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let mut objects: Vec<Object> = match keep {
            true => docs.into_iter().map(|d| object(d.value)).collect(),
            false => Vec::new(),
        };
        objects.sort_by(|x, y| key(x).cmp(&key(y)));

        let mut namespaces = m.namespaces.clone();
        let mut workloads = m.workloads.clone();
        let mut synthetic = Vec::new();
        for unit in &units {
            let Some(model) = &unit.model else { continue };
            if unit.kind == UnitKind::Manifests {
                continue;
            }
            let s = cluster::synthetic(model);
            for (ns, labels) in s.namespaces {
                namespaces.entry(ns).or_default().extend(labels);
            }
            // Services first, then peers. A kustomize build has the
            // services' real workloads; a Set stands for them.
            let mut all = s.workloads;
            let peers = all.split_off(model.services.len());
            if unit.kind == UnitKind::Set {
                workloads.extend(all);
            }
            synthetic.extend(peers);
        }
        let mut ids: BTreeSet<(String, String)> = workloads
            .iter()
            .map(|w| (w.namespace.clone(), w.name.clone()))
            .collect();
        synthetic.retain(|w| ids.insert((w.namespace.clone(), w.name.clone())));
        workloads.extend(synthetic.iter().cloned());
        let models: Vec<&Model> = units.iter().filter_map(|u| u.model.as_ref()).collect();
        let norm = match models.as_slice() {
            [one] => Some(Norm::of(one)),
            _ => None,
        };
        Ok(Side {
            label: label.to_string(),
            objects,
            workloads,
            synthetic,
            namespaces,
            policies: m.policies,
            tiers: m.tiers,
            cilium: m.cilium,
            norm,
            notes: Vec::new(),
        })
    }

    /// Every object as `(kind, namespace, name)` and YAML text, its key
    /// normalised (the values are not: see [`normalize::pair`]).
    pub fn canonical_objects(
        &self,
        norm: Option<&Norm>,
    ) -> Vec<((String, String, String), String)> {
        let mut out: Vec<_> = self
            .keyed(norm)
            .into_iter()
            .map(|(k, v)| (k, crate::k8s::yaml::to_string(v)))
            .collect();
        out.sort();
        out
    }

    /// Every object by its normalised key, the value as it is.
    pub fn keyed(&self, norm: Option<&Norm>) -> BTreeMap<(String, String, String), &Value> {
        self.objects
            .iter()
            .map(|o| {
                let k = (
                    o.kind.clone(),
                    normalize::value(norm, &o.namespace),
                    normalize::name(norm, &o.name),
                );
                (k, &o.value)
            })
            .collect()
    }

    fn cluster(&self, workloads: &[Workload], namespaces: &BTreeMap<String, Labels>) -> Cluster {
        let mut ns = namespaces.clone();
        for (k, v) in &self.namespaces {
            ns.entry(k.clone()).or_default().extend(v.clone());
        }
        let policies = self
            .policies
            .iter()
            .map(|p| Policy::from_k8s(p, DEFAULT_NAMESPACE))
            .collect();
        Cluster::new(ns, workloads.to_vec(), policies)
            .with_tiers(self.tiers.clone())
            .with_cilium(self.cilium.clone())
    }
}

/// The clusters the two sides are evaluated on; see [`among`].
pub fn clusters(a: &Side, b: &Side) -> (Cluster, Cluster) {
    (with_others(a, &[b]), with_others(b, &[a]))
}

/// The cluster each side is evaluated on: its own workloads plus the peers
/// the others' intents stand for (a peer one side names exists on the
/// others too), or the first other side's workloads when it has policies
/// but no workloads (rendered policies alone). A side with neither (a path
/// that did not exist yet) allows nothing.
pub fn among(sides: &[&Side]) -> Vec<Cluster> {
    (0..sides.len())
        .map(|i| {
            let others: Vec<&Side> = (0..sides.len())
                .filter(|&j| j != i)
                .map(|j| sides[j])
                .collect();
            with_others(sides[i], &others)
        })
        .collect()
}

fn with_others(s: &Side, others: &[&Side]) -> Cluster {
    if s.workloads.is_empty()
        && !(s.policies.is_empty() && s.tiers.is_empty() && s.cilium.is_empty())
        && let Some(other) = others.first()
    {
        return s.cluster(&other.workloads, &other.namespaces);
    }
    let mut workloads = s.workloads.clone();
    let mut ids: BTreeSet<(&str, &str)> = s
        .workloads
        .iter()
        .map(|w| (w.namespace.as_str(), w.name.as_str()))
        .collect();
    let mut namespaces = BTreeMap::new();
    for other in others {
        for w in &other.synthetic {
            if ids.insert((w.namespace.as_str(), w.name.as_str())) {
                workloads.push(w.clone());
                if !s.namespaces.contains_key(&w.namespace) {
                    let labels = other.namespaces.get(&w.namespace).cloned();
                    namespaces.insert(w.namespace.clone(), labels.unwrap_or_default());
                }
            }
        }
    }
    s.cluster(&workloads, &namespaces)
}

fn key(o: &Object) -> (&str, &str, &str) {
    (&o.kind, &o.namespace, &o.name)
}

/// `kind`, `metadata.namespace` and `metadata.name`, empty where absent.
fn names(v: &Value) -> (&str, &str, &str) {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default();
    (s("/kind"), s("/metadata/namespace"), s("/metadata/name"))
}

fn object(v: Value) -> Object {
    let (kind, namespace, name) = names(&v);
    let (kind, namespace, name) = (kind.to_string(), namespace.to_string(), name.to_string());
    let mut value = into_canonical(v);
    if crate::k8s::cilium::cilium_kind(&value).is_some() {
        sort_sets(&mut value);
    }
    Object {
        kind,
        namespace,
        name,
        value,
    }
}

/// Lists of a Cilium policy whose order means nothing: a request (or a
/// lookup, or an address) passes if any entry matches; a request must
/// carry every header.
const SETS: [&str; 4] = ["http", "dns", "toFQDNs", "headers"];

/// Sorts the [`SETS`] lists, recursively, so that the same rules written
/// in another order compare equal.
fn sort_sets(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(sort_sets),
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                sort_sets(item);
                if let (true, Value::Array(list)) = (SETS.contains(&k.as_str()), item) {
                    list.sort_by_cached_key(|x| x.to_string());
                }
            }
        }
        _ => {}
    }
}

/// Keys in the order Kubernetes users write them (and netpolgen renders
/// them); every other key follows in name order. So the same object reads
/// the same however its source ordered its keys.
const KEY_ORDER: [&str; 26] = [
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "labels",
    "annotations",
    "spec",
    "namespaceSelector",
    "podSelector",
    "policyTypes",
    "ingress",
    "egress",
    "from",
    "to",
    "ipBlock",
    "cidr",
    "except",
    "protocol",
    "port",
    "endPort",
    "matchLabels",
    "matchExpressions",
    "key",
    "operator",
    "values",
];

/// The value with map keys in [`KEY_ORDER`], recursively.
pub fn canonical(v: &Value) -> Value {
    into_canonical(v.clone())
}

/// [`canonical`], reordering in place: nothing is copied.
pub fn into_canonical(v: Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.into_iter().map(into_canonical).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)));
            let out: Map<String, Value> = entries
                .into_iter()
                .map(|(k, v)| (k, into_canonical(v)))
                .collect();
            Value::Object(out)
        }
        other => other,
    }
}

/// Where a key sorts: its place in [`KEY_ORDER`], else after them by name.
fn rank(k: &str) -> (usize, &str) {
    let rank = KEY_ORDER.iter().position(|o| *o == k);
    (rank.unwrap_or(KEY_ORDER.len()), k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::manifest::parse_text;

    #[test]
    fn canonical_order_ignores_source_key_order() {
        let a = "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nspec: {policyTypes: [Ingress], podSelector: {}}\nmetadata: {namespace: x, name: web}\n";
        let b = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n";
        let side = |t: &str| {
            let unit = Unit {
                kind: UnitKind::Manifests,
                docs: parse_text(t, "f.yaml").unwrap(),
                model: None,
                policies: Vec::new(),
            };
            Side::build("s", &[unit]).unwrap().canonical_objects(None)
        };
        assert_eq!(side(a), side(b));
        let text = &side(a)[0].1;
        assert_eq!(
            text,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: x\nspec:\n  podSelector: {}\n  policyTypes:\n  - Ingress\n"
        );
    }

    #[test]
    fn duplicate_objects_name_both_documents() {
        let t = "kind: ConfigMap\nmetadata: {name: c, namespace: x}\n---\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n";
        let unit = Unit {
            kind: UnitKind::Manifests,
            docs: parse_text(t, "f.yaml").unwrap(),
            model: None,
            policies: Vec::new(),
        };
        let err = Side::build("s", &[unit]).unwrap_err().to_string();
        assert!(
            err.contains("f.yaml: document 2: ConfigMap x/c is also document 1 of f.yaml"),
            "{err}"
        );
    }
}
