//! The KRM validator: a ResourceList in, the same items out (same order,
//! same content) with lint findings as `results`. Exit 1 on any
//! error-severity finding, as validators do (kpt and kustomize read only
//! the exit code; kpt also shows the results).
//!
//! The result shape follows `crate::krm` (message, severity, resourceRef,
//! field.path, file.path); its private helper is mirrored here, not shared,
//! so the render path stays untouched.

use serde_json::{Map, Value, json};

use crate::diag::Severity;
use crate::k8s::manifest::Doc;
use crate::k8s::yaml;

use super::{Finding, has_errors, lint_docs};

/// What the validator writes and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    /// The output ResourceList.
    pub stdout: String,
    pub findings: Vec<Finding>,
    /// A problem with the input itself (not a ResourceList), if any.
    pub input_error: Option<String>,
    pub exit_code: i32,
}

const PATH_KEYS: [&str; 2] = [
    "internal.config.kubernetes.io/path",
    "config.kubernetes.io/path",
];
const INDEX_KEYS: [&str; 2] = [
    "internal.config.kubernetes.io/index",
    "config.kubernetes.io/index",
];

fn annotation<'a>(item: &'a Value, keys: &[&str]) -> Option<&'a str> {
    let a = item.pointer("/metadata/annotations")?;
    keys.iter().find_map(|k| a.get(*k)?.as_str())
}

/// Reads the items of a ResourceList text.
fn items(input: &str) -> Result<Vec<Value>, String> {
    let mut docs = yaml::parse_documents(input)
        .map_err(|e| format!("stdin is not valid YAML: {}", e.message))?;
    if docs.len() != 1 {
        return Err(format!(
            "expected one ResourceList document on stdin, found {}",
            docs.len()
        ));
    }
    let doc = docs.remove(0);
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("nothing");
    if kind != "ResourceList" && kind != "List" {
        return Err(format!(
            "expected kind ResourceList on stdin, found {kind:?}"
        ));
    }
    match doc.get("items") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(_) => Err("ResourceList items must be a list".to_string()),
    }
}

/// The items as documents: file and index from the kpt path/index
/// annotations when present, else no file and the item's position.
fn docs(items: &[Value]) -> Vec<Doc> {
    items
        .iter()
        .enumerate()
        .map(|(pos, item)| {
            let file = annotation(item, &PATH_KEYS).unwrap_or_default().to_string();
            let index = match annotation(item, &INDEX_KEYS) {
                Some(i) => i.parse().unwrap_or(0),
                None if file.is_empty() => pos,
                None => 0,
            };
            Doc {
                file,
                index,
                value: item.clone(),
            }
        })
        .collect()
}

/// One KRM `results` entry.
fn result(f: &Finding) -> Value {
    let mut r = Map::new();
    r.insert(
        "message".into(),
        json!(format!("{}: {}", f.code, f.message)),
    );
    r.insert("severity".into(), json!(f.severity.as_str()));
    let res = &f.resource;
    let mut rr = json!({"apiVersion": res.api_version, "kind": res.kind, "name": res.name});
    if let Some(ns) = &res.namespace {
        rr["namespace"] = json!(ns);
    }
    r.insert("resourceRef".into(), rr);
    if !f.field.0.is_empty() {
        r.insert("field".into(), json!({"path": f.field.to_string()}));
    }
    if !f.file.is_empty() {
        r.insert("file".into(), json!({"path": f.file, "index": f.index}));
    }
    r.insert(
        "tags".into(),
        json!({"code": f.code.id(), "rule": f.code.name()}),
    );
    Value::Object(r)
}

/// Runs the validator over one ResourceList text.
pub fn validate(input: &str) -> Validated {
    let items = match items(input) {
        Ok(items) => items,
        Err(message) => {
            let out = json!({
                "apiVersion": "config.kubernetes.io/v1",
                "kind": "ResourceList",
                "items": [],
                "results": [{"message": message, "severity": Severity::Error.as_str()}],
            });
            return Validated {
                stdout: yaml::to_string(&out),
                findings: Vec::new(),
                input_error: Some(message),
                exit_code: 1,
            };
        }
    };
    let findings = lint_docs(&docs(&items));
    let results = Value::Array(findings.iter().map(result).collect());
    // A validator changes nothing: the items come back as they were written.
    let lines = crate::krm::passthrough::item_lines(input);
    Validated {
        stdout: crate::krm::passthrough::write(&items, &items, lines.as_ref(), &results),
        exit_code: i32::from(has_errors(&findings)),
        findings,
        input_error: None,
    }
}
