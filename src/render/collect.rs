//! What templates yield, parsed back and made safe: every document must be
//! a valid NetworkPolicy; the namespace and labels are injected (never into
//! peer selectors); a selector that would select everything is refused unless
//! the intent asked for it; names are unique; the result is sorted.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diag::field::FieldPath;
use crate::diag::{Diagnostic, Errors, ResourceRef};
use crate::engine;
use crate::k8s::yaml;
use crate::k8s::{Labels, NetworkPolicy, Peer};
use crate::model::{Model, Target, naming};
use crate::render::templates::Rendered;

const API_VERSION: &str = "networking.k8s.io/v1";
const KIND: &str = "NetworkPolicy";

/// Where a document came from, for messages.
struct Origin<'a> {
    rendered: &'a Rendered,
    doc: usize,
}

impl Origin<'_> {
    fn file(&self) -> String {
        let r = self.rendered;
        let origin = if r.origin == "built-in" {
            format!("{} (built-in)", r.template)
        } else {
            r.origin.clone()
        };
        format!("{origin}, document {}", self.doc + 1)
    }

    fn error(&self, field: FieldPath, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message)
            .in_file(self.file())
            .at_field(field)
    }
}

/// Policies a template may leave wide open, because the intent said so.
struct Wildcards {
    /// Policy names whose podSelector may be `{}`.
    all_pods: BTreeSet<String>,
    /// Policy names with a `from`/`to` peer that may be every pod of the namespace.
    all_peers: BTreeSet<String>,
}

fn wildcards(model: &Model) -> Wildcards {
    let mut all_pods = BTreeSet::new();
    let mut all_peers = BTreeSet::new();
    for direction in &model.default_deny {
        all_pods.insert(naming::default_deny_policy(*direction, &model.suffix));
    }
    for flow in &model.flows {
        if let Some(name) = &flow.ingress_name {
            if flow.to.target == Target::All {
                all_pods.insert(name.clone());
            }
            if flow.from.target == Target::All {
                all_peers.insert(name.clone());
            }
        }
        if let Some(name) = &flow.egress_name {
            if flow.from.target == Target::All {
                all_pods.insert(name.clone());
            }
            if flow.to.target == Target::All {
                all_peers.insert(name.clone());
            }
        }
    }
    Wildcards {
        all_pods,
        all_peers,
    }
}

/// Parses, checks, injects and sorts what the templates yielded.
pub fn collect(rendered: &[Rendered], model: &Model) -> Result<Vec<NetworkPolicy>, Errors> {
    let wild = wildcards(model);
    let mut errors = Vec::new();
    let mut by_name: BTreeMap<String, (NetworkPolicy, String)> = BTreeMap::new();
    for r in rendered {
        // Fast path: the whole output is well-formed NetworkPolicies. Any
        // problem takes the slow path, which says exactly what is wrong.
        let parsed: Vec<Result<NetworkPolicy, Vec<Diagnostic>>> =
            match yaml::parse_all_parallel::<NetworkPolicy>(&r.text) {
                Ok(typed)
                    if typed
                        .iter()
                        .all(|p| p.kind == KIND && p.api_version == API_VERSION) =>
                {
                    typed.into_iter().map(Ok).collect()
                }
                _ => match yaml::parse_documents(&r.text) {
                    Ok(docs) => docs
                        .into_iter()
                        .enumerate()
                        .map(|(doc, value)| typed(value, &Origin { rendered: r, doc }))
                        .collect(),
                    Err(e) => {
                        let origin = Origin {
                            rendered: r,
                            doc: 0,
                        };
                        let line = e
                            .line
                            .map_or(String::new(), |l| format!(" (line {l} of its output)"));
                        errors.push(
                            Diagnostic::error(format!(
                                "template output is not valid YAML{line}: {}",
                                e.message
                            ))
                            .in_file(origin.file().replace(", document 1", "")),
                        );
                        continue;
                    }
                },
            };
        for (doc, policy) in parsed.into_iter().enumerate() {
            let origin = Origin { rendered: r, doc };
            match policy.and_then(|p| checked(p, &origin, model, &wild)) {
                Ok(p) => {
                    let file = origin.file();
                    if let Some((_, first)) = by_name.get(&p.metadata.name) {
                        errors.push(origin.error(
                            FieldPath::keys(&["metadata", "name"]),
                            format!(
                                "two policies are named {:?} (the other comes from {first})",
                                p.metadata.name
                            ),
                        ));
                    } else {
                        by_name.insert(p.metadata.name.clone(), (p, file));
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
    }
    if errors.is_empty() {
        Ok(by_name.into_values().map(|(p, _)| p).collect())
    } else {
        Err(Errors(errors))
    }
}

/// A document as a NetworkPolicy, or why it is not one.
fn typed(value: Value, origin: &Origin<'_>) -> Result<NetworkPolicy, Vec<Diagnostic>> {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("nothing")
        .to_string();
    let api = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("nothing")
        .to_string();
    if kind != KIND {
        return Err(vec![origin.error(
            FieldPath::keys(&["kind"]),
            format!("templates may yield only NetworkPolicy, found {kind:?}"),
        )]);
    }
    if api != API_VERSION {
        return Err(vec![origin.error(
            FieldPath::keys(&["apiVersion"]),
            format!("must be {API_VERSION}, found {api:?}"),
        )]);
    }
    serde_path_to_error::deserialize(&value)
        .map_err(|e| vec![origin.error(FieldPath::from(e.path()), e.into_inner().to_string())])
}

/// Checks a policy, injects the namespace and labels, refuses widening.
fn checked(
    mut policy: NetworkPolicy,
    origin: &Origin<'_>,
    model: &Model,
    wild: &Wildcards,
) -> Result<NetworkPolicy, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let name = policy.metadata.name.clone();
    if let Err(e) = crate::k8s::names::dns1123_subdomain(&name) {
        errors.push(origin.error(
            FieldPath::keys(&["metadata", "name"]),
            format!("policy name {e}"),
        ));
    }
    for problem in engine::validate(&policy.spec) {
        errors.push(origin.error(FieldPath::parse(&problem.path), problem.message));
    }
    inject(&mut policy, model, origin, &mut errors);
    widening(&policy, wild, origin, &mut errors);
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(errors)
    }
}

/// Sets `metadata.namespace` and adds the set's labels and annotations. A
/// template that set a different value is an error, not silently overridden.
fn inject(
    policy: &mut NetworkPolicy,
    model: &Model,
    origin: &Origin<'_>,
    errors: &mut Vec<Diagnostic>,
) {
    let meta = &mut policy.metadata;
    match &meta.namespace {
        Some(ns) if *ns != model.namespace => errors.push(origin.error(
            FieldPath::keys(&["metadata", "namespace"]),
            format!(
                "is {ns:?}, but the set's namespace is {:?}; leave it out, it is injected",
                model.namespace
            ),
        )),
        _ => meta.namespace = Some(model.namespace.clone()),
    }
    merge_map(&mut meta.labels, &model.labels, "labels", origin, errors);
    merge_map(
        &mut meta.annotations,
        &model.annotations,
        "annotations",
        origin,
        errors,
    );
}

fn merge_map(
    into: &mut Labels,
    add: &Labels,
    field: &str,
    origin: &Origin<'_>,
    errors: &mut Vec<Diagnostic>,
) {
    for (k, v) in add {
        match into.get(k) {
            Some(existing) if existing != v => errors.push(origin.error(
                FieldPath::keys(&["metadata", field]).key(k),
                format!("is {existing:?}, but spec.{field} sets {v:?}"),
            )),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Refuses every selector that reaches further than the intent asked.
fn widening(
    policy: &NetworkPolicy,
    wild: &Wildcards,
    origin: &Origin<'_>,
    errors: &mut Vec<Diagnostic>,
) {
    let name = &policy.metadata.name;
    let spec = &policy.spec;
    if spec.pod_selector.is_empty() && !wild.all_pods.contains(name) {
        errors.push(origin.error(
            FieldPath::keys(&["spec", "podSelector"]),
            "selects every pod of the namespace, but the intent asked for no \"*\" here",
        ));
    }
    let all_peers_ok = wild.all_peers.contains(name);
    let rules: Vec<(String, Option<&Vec<Peer>>, &str)> = spec
        .ingress
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, r)| (format!("spec.ingress[{i}]"), r.from.as_ref(), "from"))
        .chain(
            spec.egress
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, r)| (format!("spec.egress[{i}]"), r.to.as_ref(), "to")),
        )
        .collect();
    for (path, peers, key) in rules {
        let field = FieldPath::parse(&path);
        match peers {
            None => errors.push(origin.error(
                field.key(key),
                format!("is missing, which admits every peer; list the {key} peers"),
            )),
            Some(peers) if peers.is_empty() => errors.push(origin.error(
                field.key(key),
                "is empty, which admits every peer; list the peers",
            )),
            Some(peers) => {
                for (i, peer) in peers.iter().enumerate() {
                    let pf = field.key(key).index(i);
                    if peer
                        .namespace_selector
                        .as_ref()
                        .is_some_and(|s| s.is_empty())
                    {
                        errors.push(origin.error(
                            pf.key("namespaceSelector"),
                            "selects every namespace, which the intent cannot ask for",
                        ));
                    }
                    let whole_ns = peer.namespace_selector.is_none()
                        && peer.ip_block.is_none()
                        && peer.pod_selector.as_ref().is_some_and(|s| s.is_empty());
                    if whole_ns && !all_peers_ok {
                        errors.push(origin.error(pf.key("podSelector"), "selects every pod of the namespace, but the intent asked for no \"*\" here"));
                    }
                }
            }
        }
    }
}

/// The KRM reference of a rendered policy.
pub fn resource_ref(p: &NetworkPolicy) -> ResourceRef {
    ResourceRef {
        api_version: p.api_version.clone(),
        kind: p.kind.clone(),
        name: p.metadata.name.clone(),
        namespace: p.metadata.namespace.clone(),
    }
}
