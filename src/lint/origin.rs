//! What a raw document says about itself: the resource it names, where a
//! workload kind keeps its pod labels, and the renames kustomize annotated.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diag::ResourceRef;
use crate::diag::field::FieldPath;
use crate::k8s::manifest::DEFAULT_NAMESPACE;

/// Annotations through which kustomize reports what its transformers renamed.
const PREVIOUS_NAMESPACES: [&str; 2] = [
    "internal.config.kubernetes.io/previousNamespaces",
    "config.kubernetes.io/previousNamespaces",
];
const PREVIOUS_NAMES: [&str; 2] = [
    "internal.config.kubernetes.io/previousNames",
    "config.kubernetes.io/previousNames",
];

/// The resource a document describes, as far as it says.
pub(super) fn resource_of(v: &Value) -> ResourceRef {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let ns = s("/metadata/namespace");
    let kind = s("/kind");
    ResourceRef {
        api_version: s("/apiVersion").to_string(),
        kind: kind.to_string(),
        name: s("/metadata/name").to_string(),
        namespace: match (ns, kind) {
            (_, "Namespace") => None,
            ("", "NetworkPolicy") => Some(DEFAULT_NAMESPACE.to_string()),
            ("", _) => None,
            (ns, _) => Some(ns.to_string()),
        },
    }
}

/// Where a workload kind keeps its pod labels.
pub(super) fn labels_field(kind: &str) -> FieldPath {
    let path = match kind {
        "Pod" => "metadata.labels",
        "CronJob" => "spec.jobTemplate.spec.template.metadata.labels",
        _ => "spec.template.metadata.labels",
    };
    FieldPath::parse(path)
}

/// Records the renames kustomize annotated on an object.
pub(super) fn note_renames(v: &Value, renamed: &mut BTreeMap<String, BTreeSet<String>>) {
    let ann = |keys: &[&str]| {
        let a = v.pointer("/metadata/annotations")?;
        keys.iter().find_map(|k| a.get(*k)?.as_str())
    };
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let mut add = |previous: &str, current: &str| {
        for old in previous.split(',').map(str::trim) {
            if !old.is_empty() && !current.is_empty() && old != current {
                renamed
                    .entry(old.to_string())
                    .or_default()
                    .insert(current.to_string());
            }
        }
    };
    if let Some(prev) = ann(&PREVIOUS_NAMESPACES) {
        add(prev, s("/metadata/namespace"));
    }
    if s("/kind") == "Namespace"
        && let Some(prev) = ann(&PREVIOUS_NAMES)
    {
        add(prev, s("/metadata/name"));
    }
}
