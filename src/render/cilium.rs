//! What the templates of the Cilium backend yield, parsed back and made
//! safe: every document must be a CiliumNetworkPolicy (`cilium.io/v2`)
//! that Cilium accepts, within the subset the proof reasons about (one
//! `spec`, allow rules only, default deny as Cilium's default mode sets
//! it); the namespace and labels are injected; names are unique; the
//! result is sorted. Whether they admit exactly the intent is decided by
//! `crate::proof`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::field::FieldPath;
use crate::diag::{Diagnostic, Errors, ResourceRef};
use crate::k8s::cilium::{CILIUM_API_VERSION, CiliumPolicy, parse_cilium_policy};
use crate::k8s::{Labels, yaml};
use crate::model::Model;

use super::collect::{Origin, Origins, merge_map};
use super::templates::Rendered;

const KIND: &str = "CiliumNetworkPolicy";

/// One rendered CiliumNetworkPolicy: the document as emitted and as read.
#[derive(Debug, Clone, PartialEq)]
pub struct CiliumRendered {
    /// The document, namespace and labels injected.
    pub value: Value,
    /// The same, read by the engine's reader.
    pub policy: CiliumPolicy,
}

impl CiliumRendered {
    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.policy.name
    }

    /// The KRM reference of the policy.
    pub fn resource_ref(&self) -> ResourceRef {
        ResourceRef {
            api_version: CILIUM_API_VERSION.to_string(),
            kind: KIND.to_string(),
            name: self.policy.name.clone(),
            namespace: self.policy.namespace.clone(),
        }
    }
}

/// Parses, checks, injects and sorts what the Cilium templates yielded.
pub fn collect(
    rendered: &[Rendered],
    model: &Model,
) -> Result<(Vec<CiliumRendered>, Origins), Errors> {
    let mut errors = Vec::new();
    let mut by_name: BTreeMap<String, (CiliumRendered, String)> = BTreeMap::new();
    for r in rendered {
        let docs = match yaml::parse_documents(&r.text) {
            Ok(docs) => docs,
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
        };
        for (doc, value) in docs.into_iter().enumerate() {
            let origin = Origin { rendered: r, doc };
            match checked(value, &origin, model) {
                Ok(p) => {
                    let file = origin.file();
                    if let Some((_, first)) = by_name.get(p.name()) {
                        errors.push(origin.error(
                            FieldPath::keys(&["metadata", "name"]),
                            format!(
                                "two policies are named {:?} (the other comes from {first})",
                                p.name()
                            ),
                        ));
                    } else {
                        by_name.insert(p.name().to_string(), (p, file));
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
    }
    if !errors.is_empty() {
        return Err(Errors(errors));
    }
    let origins = by_name
        .iter()
        .map(|(name, (_, file))| (name.clone(), file.clone()))
        .collect();
    Ok((by_name.into_values().map(|(p, _)| p).collect(), origins))
}

/// One document as a checked CiliumNetworkPolicy of the set's namespace.
fn checked(
    mut value: Value,
    origin: &Origin<'_>,
    model: &Model,
) -> Result<CiliumRendered, Vec<Diagnostic>> {
    let text = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("nothing")
            .to_string()
    };
    let (kind, api) = (text("kind"), text("apiVersion"));
    if kind != KIND {
        return Err(vec![origin.error(
            FieldPath::keys(&["kind"]),
            format!(
                "the cilium backend's templates may yield only CiliumNetworkPolicy, found {kind:?}"
            ),
        )]);
    }
    if api != CILIUM_API_VERSION {
        return Err(vec![origin.error(
            FieldPath::keys(&["apiVersion"]),
            format!("must be {CILIUM_API_VERSION}, found {api:?}"),
        )]);
    }
    let mut errors = Vec::new();
    inject(&mut value, model, origin, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let policy = parse_cilium_policy(&value).map_err(|e| vec![origin.error(e.path, e.message)])?;
    if let Err(e) = crate::k8s::names::dns1123_subdomain(&policy.name) {
        errors.push(origin.error(
            FieldPath::keys(&["metadata", "name"]),
            format!("policy name {e}"),
        ));
    }
    errors.extend(
        outside_subset(&policy)
            .into_iter()
            .map(|(path, m)| origin.error(FieldPath::parse(&path), m)),
    );
    if errors.is_empty() {
        Ok(CiliumRendered { value, policy })
    } else {
        Err(errors)
    }
}

/// What the proof does not reason about: refused rather than rendered
/// unproven.
fn outside_subset(p: &CiliumPolicy) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = p
        .unevaluated
        .iter()
        .map(|u| {
            (
                u.path.clone(),
                format!("netpolgen cannot prove this part: {}", u.reason),
            )
        })
        .collect();
    for s in &p.specs {
        let path = s.path();
        if s.index.is_some() {
            out.push((path.clone(), "write one rule under spec, not specs".into()));
        }
        if !s.ingress_deny.is_empty() || !s.egress_deny.is_empty() {
            out.push((
                path.clone(),
                "deny rules are not rendered: the intent lists what is allowed".into(),
            ));
        }
        let disabled = [
            ("ingress", s.default_deny_ingress),
            ("egress", s.default_deny_egress),
        ];
        for (dir, d) in disabled {
            if d == Some(false) {
                out.push((
                    format!("{path}.enableDefaultDeny.{dir}"),
                    "enableDefaultDeny: false adds rules without isolating; netpolgen renders default deny as Cilium's default mode sets it".into(),
                ));
            }
        }
    }
    out
}

/// Sets `metadata.namespace` and adds the set's labels and annotations. A
/// template that set a different value is an error, not silently overridden.
fn inject(value: &mut Value, model: &Model, origin: &Origin<'_>, errors: &mut Vec<Diagnostic>) {
    let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) else {
        errors.push(origin.error(FieldPath::keys(&["metadata"]), "must be an object"));
        return;
    };
    match meta.get("namespace").and_then(Value::as_str) {
        Some(ns) if ns != model.namespace => errors.push(origin.error(
            FieldPath::keys(&["metadata", "namespace"]),
            format!(
                "is {ns:?}, but the set's namespace is {:?}; leave it out, it is injected",
                model.namespace
            ),
        )),
        _ => {
            meta.insert("namespace".into(), Value::String(model.namespace.clone()));
        }
    }
    for (field, add) in [
        ("labels", &model.labels),
        ("annotations", &model.annotations),
    ] {
        let mut map: Labels = match meta.get(field) {
            None | Some(Value::Null) => Labels::new(),
            Some(v) => match serde_json::from_value(v.clone()) {
                Ok(m) => m,
                Err(_) => {
                    errors.push(origin.error(
                        FieldPath::keys(&["metadata", field]),
                        "must map strings to strings",
                    ));
                    continue;
                }
            },
        };
        merge_map(&mut map, add, field, origin, errors);
        if !map.is_empty() {
            meta.insert(
                field.into(),
                serde_json::to_value(map).expect("labels serialize"),
            );
        }
    }
}
