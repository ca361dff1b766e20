//! The one mapping from a [`Diagnostic`] to a KRM `results` entry.

use serde_json::{Map, Value, json};

use crate::diag::Diagnostic;

/// One `results` entry: `message`, `severity` (always set: the schema's
/// default is `error`), `resourceRef`, `field.path` (with a resource; else
/// the path goes to `tags.field`), `file` with its `index`, and `tags`.
pub fn result(d: &Diagnostic) -> Value {
    let mut r = Map::new();
    let message = match (&d.file, d.line) {
        (Some(file), Some(line)) => format!("{file}:{line}: {}", d.message),
        _ => d.message.clone(),
    };
    r.insert("message".into(), Value::String(message));
    r.insert("severity".into(), Value::String(d.severity.as_str().into()));
    let mut tags: Map<String, Value> = d
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    if let Some(res) = &d.resource {
        let mut rr = json!({"apiVersion": res.api_version, "kind": res.kind, "name": res.name});
        if let Some(ns) = &res.namespace {
            rr["namespace"] = Value::String(ns.clone());
        }
        r.insert("resourceRef".into(), rr);
    }
    if let Some(field) = d.field.as_ref().filter(|f| !f.0.is_empty()) {
        if d.resource.is_some() {
            r.insert("field".into(), json!({"path": field.to_string()}));
        } else {
            tags.insert("field".into(), Value::String(field.to_string()));
        }
    }
    if let Some(file) = &d.file {
        let mut f = json!({"path": file});
        if let Some(index) = d.index {
            f["index"] = json!(index);
        }
        r.insert("file".into(), f);
    }
    if !tags.is_empty() {
        r.insert("tags".into(), Value::Object(tags));
    }
    Value::Object(r)
}

/// Every diagnostic as `results`.
pub fn results(diagnostics: &[Diagnostic]) -> Value {
    Value::Array(diagnostics.iter().map(result).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{FieldPath, ResourceRef};

    #[test]
    fn results_carry_resource_field_file_and_tags() {
        let d = Diagnostic::warning("NP003: selects nothing")
            .in_file("a.yaml")
            .at_index(2)
            .at_field(FieldPath::parse("spec.podSelector"))
            .about(ResourceRef {
                api_version: "networking.k8s.io/v1".into(),
                kind: "NetworkPolicy".into(),
                name: "p".into(),
                namespace: Some("x".into()),
            })
            .tagged("code", "NP003");
        assert_eq!(
            result(&d),
            json!({
                "message": "NP003: selects nothing",
                "severity": "warning",
                "resourceRef": {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "name": "p", "namespace": "x"},
                "field": {"path": "spec.podSelector"},
                "file": {"path": "a.yaml", "index": 2},
                "tags": {"code": "NP003"},
            })
        );
        let plain = Diagnostic::error("bad")
            .in_file("f.yaml")
            .at_line(Some(3))
            .at_field(FieldPath::parse("spec.x"));
        assert_eq!(
            result(&plain),
            json!({"message": "f.yaml:3: bad", "severity": "error", "file": {"path": "f.yaml"}, "tags": {"field": "spec.x"}})
        );
    }
}
