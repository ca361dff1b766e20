//! The KRM function protocol: a ResourceList in, the same items plus the
//! rendered policies out, with `results`. On error the input items are
//! written back unchanged with error results, and the exit code is 1.

pub mod passthrough;

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::diag::{Diagnostic, Errors, ResourceRef, Severity};
use crate::k8s::NetworkPolicy;
use crate::load::{self, Input};
use crate::render;
use crate::spec::{API_VERSION, KIND};
use crate::k8s::yaml;

/// What the function writes and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    pub stdout: String,
    pub exit_code: i32,
    /// The findings also written as `results`, for stderr.
    pub diagnostics: Errors,
}

/// Annotations through which kpt and kustomize track where an item lives.
const TRACKING_PREFIXES: [&str; 3] = [
    "config.kubernetes.io/",
    "internal.config.kubernetes.io/",
    "config.k8s.io/",
];

/// Runs the function over one ResourceList text. `dir` is where relative
/// paths of the functionConfig resolve (the working directory); `root`
/// overrides the repository root.
pub fn process(input: &str, dir: &Path, root: Option<&Path>) -> Processed {
    let mut list = match parse_list(input) {
        Ok(list) => list,
        Err(d) => return finish(&[], &[], None, &Errors::one(*d), 1),
    };
    let result = run(&list, dir, root);
    let original = match list.remove("items") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let lines = passthrough::item_lines(input);
    match result {
        Ok(policies) => {
            let count = policies.len();
            let mut items = original.clone();
            for p in policies {
                upsert(&mut items, p);
            }
            let done = Diagnostic {
                severity: Severity::Info,
                ..Diagnostic::error(format!("rendered {count} NetworkPolicies"))
            };
            finish(&items, &original, lines.as_ref(), &Errors::one(done), 0)
        }
        Err(errors) => finish(&original, &original, lines.as_ref(), &errors, 1),
    }
}

fn run(
    list: &Map<String, Value>,
    dir: &Path,
    root: Option<&Path>,
) -> Result<Vec<NetworkPolicy>, Errors> {
    let config = list
        .get("functionConfig")
        .filter(|c| !c.is_null())
        .ok_or_else(|| {
            Diagnostic::error(format!(
                "no functionConfig: give a {KIND} ({API_VERSION}) as the function's config"
            ))
        })?;
    let kind = config
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("nothing");
    if kind != KIND {
        return Err(Diagnostic::error(format!(
            "functionConfig must be a {KIND} ({API_VERSION}), found {kind:?}"
        ))
        .at_field(crate::diag::field::FieldPath::keys(&["functionConfig", "kind"]))
        .into());
    }
    let display = annotation(config, "internal.config.kubernetes.io/path")
        .or_else(|| annotation(config, "config.kubernetes.io/path"))
        .unwrap_or("functionConfig")
        .to_string();
    let root = match root {
        Some(r) => r
            .canonicalize()
            .map_err(|e| Diagnostic::error(format!("--root {}: {e}", r.display())))?,
        None => load::find_root(dir).ok_or_else(|| {
            Diagnostic::error(format!(
                "no repository root (a directory holding .git) at or above {}; pass --root",
                dir.display()
            ))
        })?,
    };
    let dir = dir
        .canonicalize()
        .map_err(|e| Diagnostic::error(format!("{}: {e}", dir.display())))?;
    let reference = ResourceRef {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        name: config
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
        namespace: None,
    };
    let attach = |e: Errors| {
        Errors(
            e.0.into_iter()
                .map(|d| {
                    if d.resource.is_some() {
                        d
                    } else {
                        d.about(reference.clone())
                    }
                })
                .collect(),
        )
    };
    let loaded = load::load(
        Input {
            text: yaml::to_string(config),
            display,
            dir,
        },
        &root,
    )
    .map_err(attach)?;
    let templates = load::template_set(&loaded).map_err(attach)?;
    render::render(&loaded, &templates).map_err(attach)
}

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

fn parse_list(input: &str) -> Result<Map<String, Value>, Box<Diagnostic>> {
    let mut docs = yaml::parse_documents(input).map_err(|e| {
        Diagnostic::error(format!("input is not valid YAML: {}", e.message))
            .in_file("stdin")
            .at_line(e.line)
    })?;
    if docs.len() != 1 {
        return Err(Box::new(
            Diagnostic::error(format!(
                "expected one ResourceList document on stdin, found {}",
                docs.len()
            ))
            .in_file("stdin"),
        ));
    }
    let Value::Object(mut list) = docs.remove(0) else {
        return Err(Box::new(
            Diagnostic::error("expected a ResourceList mapping on stdin").in_file("stdin"),
        ));
    };
    let kind = list
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("nothing");
    if kind != "ResourceList" && kind != "List" {
        return Err(Box::new(
            Diagnostic::error(format!(
                "expected kind ResourceList on stdin, found {kind:?}"
            ))
            .in_file("stdin"),
        ));
    }
    match list.get("items") {
        None | Some(Value::Null) => {
            list.insert("items".into(), Value::Array(Vec::new()));
        }
        Some(Value::Array(_)) => {}
        Some(_) => {
            return Err(Box::new(
                Diagnostic::error("ResourceList items must be a list").in_file("stdin"),
            ));
        }
    }
    Ok(list)
}

/// Adds a rendered policy, replacing an item with the same identity in
/// place (keeping its tracking annotations, so kpt writes it back to the
/// same file) so that running the function twice changes nothing.
fn upsert(items: &mut Vec<Value>, policy: NetworkPolicy) {
    let mut value = serde_json::to_value(&policy).expect("policies serialize");
    let same = |item: &Value| {
        item.get("kind") == value.get("kind")
            && item.get("apiVersion") == value.get("apiVersion")
            && item.pointer("/metadata/name") == value.pointer("/metadata/name")
            && item.pointer("/metadata/namespace") == value.pointer("/metadata/namespace")
    };
    match items.iter_mut().find(|i| same(i)) {
        Some(existing) => {
            if let Some(Value::Object(old)) = existing.pointer("/metadata/annotations") {
                let keep: Vec<(String, Value)> = old
                    .iter()
                    .filter(|(k, _)| TRACKING_PREFIXES.iter().any(|p| k.starts_with(p)))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if !keep.is_empty() {
                    let meta = value["metadata"]
                        .as_object_mut()
                        .expect("metadata is a map");
                    let ann = meta
                        .entry("annotations")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(ann) = ann {
                        ann.extend(keep);
                    }
                }
            }
            *existing = value;
        }
        None => items.push(value),
    }
}

/// Writes the output ResourceList: unchanged input items as they came in.
fn finish(
    items: &[Value],
    original: &[Value],
    lines: Option<&passthrough::ItemLines>,
    diagnostics: &Errors,
    exit_code: i32,
) -> Processed {
    let results = Value::Array(diagnostics.0.iter().map(result).collect());
    Processed {
        stdout: passthrough::write(items, original, lines, &results),
        exit_code,
        diagnostics: diagnostics.clone(),
    }
}

/// One KRM `results` entry.
fn result(d: &Diagnostic) -> Value {
    let mut r = Map::new();
    let mut message = d.message.clone();
    if let (Some(file), Some(line)) = (&d.file, d.line) {
        message = format!("{file}:{line}: {message}");
    }
    r.insert("message".into(), Value::String(message));
    r.insert("severity".into(), Value::String(d.severity.as_str().into()));
    if let Some(res) = &d.resource {
        let mut rr = json!({"apiVersion": res.api_version, "kind": res.kind, "name": res.name});
        if let Some(ns) = &res.namespace {
            rr["namespace"] = Value::String(ns.clone());
        }
        r.insert("resourceRef".into(), rr);
    }
    if let Some(field) = &d.field {
        if d.resource.is_some() {
            r.insert("field".into(), json!({"path": field.to_string()}));
        } else {
            r.insert("tags".into(), json!({"field": field.to_string()}));
        }
    }
    if let Some(file) = &d.file {
        r.insert("file".into(), json!({"path": file}));
    }
    Value::Object(r)
}
