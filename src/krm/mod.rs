//! The KRM function protocol: a ResourceList in, the same items plus the
//! rendered policies out, with `results`. On error the input items are
//! written back unchanged with error results, and the status is
//! [`Status::Findings`]. [`validate`] is the validator mode (`--lint`).

mod list;
mod node;
pub mod passthrough;
pub mod results;
mod validate;

use std::path::Path;

use serde_json::{Map, Value};

pub use list::{ResourceList, STDIN, parse};
pub use validate::validate;

use crate::diag::{Diagnostic, Errors, FieldPath, ResourceRef, Status};
use crate::k8s::yaml;
use crate::pipeline;
use crate::spec::files::Files;
use crate::spec::{API_VERSION, Input, KIND, detect};

/// What the function writes and how it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// The output ResourceList.
    pub stdout: String,
    pub status: Status,
    /// The findings also written as `results`, for stderr.
    pub diagnostics: Vec<Diagnostic>,
}

/// Annotations through which kpt and kustomize track where an item lives.
const TRACKING_PREFIXES: [&str; 3] = [
    "config.kubernetes.io/",
    "internal.config.kubernetes.io/",
    "config.k8s.io/",
];

/// Runs the function over one ResourceList text. `dir` is where relative
/// paths of the functionConfig resolve (the working directory).
pub fn process(input: &str, files: &dyn Files, dir: &Path) -> Processed {
    let list = match parse(input) {
        Ok(list) => list,
        Err(d) => return finish(&ResourceList::empty(), Vec::new(), vec![*d]),
    };
    match render(&list, files, dir) {
        Ok(objects) => {
            let networkpolicies = objects
                .iter()
                .filter(|o| o["kind"] == "NetworkPolicy")
                .count();
            let cilium = objects
                .iter()
                .filter(|o| o["kind"] == "CiliumNetworkPolicy")
                .count();
            let (count, kind) = if cilium > 0 {
                (cilium, "CiliumNetworkPolicies")
            } else {
                (networkpolicies, "NetworkPolicies")
            };
            let mut items = list.items.clone();
            for p in objects {
                upsert(&mut items, p);
            }
            let done = Diagnostic::info(format!("rendered {count} {kind}"));
            finish(&list, items, vec![done])
        }
        Err(errors) => {
            let items = list.items.clone();
            finish(&list, items, errors.0)
        }
    }
}

/// The output for a run that could not start (no repository root, say):
/// the input items back with the errors, and [`Status::Usage`].
pub fn fail(input: &str, errors: Errors) -> Processed {
    let mut out = match parse(input) {
        Ok(list) => {
            let items = list.items.clone();
            finish(&list, items, errors.0)
        }
        Err(d) => finish(&ResourceList::empty(), Vec::new(), vec![*d]),
    };
    out.status = Status::Usage;
    out
}

impl ResourceList {
    fn empty() -> ResourceList {
        ResourceList {
            items: Vec::new(),
            function_config: None,
            source: Default::default(),
        }
    }
}

fn render(list: &ResourceList, files: &dyn Files, dir: &Path) -> Result<Vec<Value>, Errors> {
    let config = list.function_config.as_ref().ok_or_else(|| {
        Diagnostic::error(format!(
            "no functionConfig: give a {KIND} ({API_VERSION}) as the function's config"
        ))
    })?;
    if !detect::is_set(config) {
        let kind = config
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("nothing");
        return Err(Diagnostic::error(format!(
            "functionConfig must be a {KIND} ({API_VERSION}), found {kind:?}"
        ))
        .at_field(FieldPath::keys(&["functionConfig", "kind"]))
        .into());
    }
    let display = annotation(config, "internal.config.kubernetes.io/path")
        .or_else(|| annotation(config, "config.kubernetes.io/path"))
        .unwrap_or("functionConfig")
        .to_string();
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
    let input = Input {
        text: yaml::to_string(config),
        display,
        dir: dir.to_path_buf(),
        path: None,
    };
    pipeline::render_input(files, input)
        .map(|r| r.manifests())
        .map_err(attach)
}

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// Adds a rendered policy, replacing an item with the same identity in
/// place (keeping its tracking annotations, so kpt writes it back to the
/// same file) so that running the function twice changes nothing.
fn upsert(items: &mut Vec<Value>, mut value: Value) {
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

/// The output ResourceList: unchanged input items as they came in; the
/// status from the worst result.
fn finish(list: &ResourceList, items: Vec<Value>, diagnostics: Vec<Diagnostic>) -> Processed {
    let failed = diagnostics
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    Processed {
        stdout: passthrough::write(
            &items,
            &list.items,
            &list.source,
            &results::results(&diagnostics),
        ),
        status: Status::findings_if(failed),
        diagnostics,
    }
}
