//! What templates yield, parsed back and made safe: every document must be
//! a valid NetworkPolicy; the namespace and labels are injected (never into
//! peer selectors); names are unique; the result is sorted. Whether they
//! admit more than the intent (an empty selector a typo left, say) is
//! decided by `crate::proof`, for every pod and address.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::field::FieldPath;
use crate::diag::{Diagnostic, Errors, ResourceRef};
use crate::engine;
use crate::k8s::yaml;
use crate::k8s::{Labels, NetworkPolicy};
use crate::model::Model;
use crate::render::templates::Rendered;

const API_VERSION: &str = "networking.k8s.io/v1";
const KIND: &str = "NetworkPolicy";

/// Where a document came from, for messages.
pub(super) struct Origin<'a> {
    pub(super) rendered: &'a Rendered,
    pub(super) doc: usize,
}

impl Origin<'_> {
    pub(super) fn file(&self) -> String {
        let r = self.rendered;
        let origin = if r.origin == "built-in" {
            format!("{} (built-in)", r.template)
        } else {
            r.origin.clone()
        };
        format!("{origin}, document {}", self.doc + 1)
    }

    pub(super) fn error(&self, field: FieldPath, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message)
            .in_file(self.file())
            .at_field(field)
    }
}

/// Where each policy came from: `template (built-in), document N`, by name.
pub type Origins = BTreeMap<String, String>;

/// Parses, checks, injects and sorts what the templates yielded. Whether
/// the policies admit exactly the intent is the proof's to decide.
pub fn collect(
    rendered: &[Rendered],
    model: &Model,
) -> Result<(Vec<NetworkPolicy>, Origins), Errors> {
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
            match policy.and_then(|p| checked(p, &origin, model)) {
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
        let origins = by_name
            .iter()
            .map(|(name, (_, file))| (name.clone(), file.clone()))
            .collect();
        Ok((by_name.into_values().map(|(p, _)| p).collect(), origins))
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

/// Checks a policy and injects the namespace and labels.
fn checked(
    mut policy: NetworkPolicy,
    origin: &Origin<'_>,
    model: &Model,
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

pub(super) fn merge_map(
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

/// The KRM reference of a rendered policy.
pub fn resource_ref(p: &NetworkPolicy) -> ResourceRef {
    ResourceRef {
        api_version: p.api_version.clone(),
        kind: p.kind.clone(),
        name: p.metadata.name.clone(),
        namespace: p.metadata.namespace.clone(),
    }
}
