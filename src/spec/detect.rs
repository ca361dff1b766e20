//! Recognising a NetworkPolicySet: in a parsed document, in a text, and
//! among the files of a directory. The one place that knows what makes a
//! file a NetworkPolicySet.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::files::Files;
use super::{API_VERSION, KIND};
use crate::diag::{Diagnostic, Errors};
use crate::k8s::yaml;

/// The file a directory's NetworkPolicySet is looked for first.
pub const PREFERRED_FILE: &str = "netpolset.yaml";

/// True for a document of kind NetworkPolicySet (any apiVersion: a wrong
/// one is reported when the document is loaded).
pub fn is_set(doc: &Value) -> bool {
    doc.get("kind").and_then(Value::as_str) == Some(KIND)
}

/// True if a YAML text holds a NetworkPolicySet document. A text that is
/// not YAML holds none.
pub fn holds_set(text: &str) -> bool {
    yaml::parse_documents(text).is_ok_and(|docs| docs.iter().any(is_set))
}

/// True for the file names a configuration can have.
pub fn is_yaml_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// The NetworkPolicySet files among a directory's own `*.yaml`/`*.yml`
/// files, `netpolset.yaml` alone if it exists.
pub fn set_files(files: &dyn Files, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = files.list(dir)?;
    if let Some(e) = entries
        .iter()
        .find(|e| !e.is_dir && e.path.file_name().is_some_and(|n| n == PREFERRED_FILE))
    {
        return Ok(vec![e.path.clone()]);
    }
    Ok(entries
        .into_iter()
        .filter(|e| !e.is_dir && is_yaml_name(&e.path))
        .filter(|e| files.read(&e.path).is_ok_and(|t| holds_set(&t)))
        .map(|e| e.path)
        .collect())
}

/// The NetworkPolicySet file of a directory: `netpolset.yaml`, or else the
/// only `*.yaml`/`*.yml` file in it whose kind is NetworkPolicySet.
pub fn config_file_in(files: &dyn Files, dir: &Path) -> Result<PathBuf, Errors> {
    let shown = files.display(dir);
    let mut found = set_files(files, dir).map_err(|e| {
        Diagnostic::error(format!("cannot read directory: {e}")).in_file(shown.clone())
    })?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Diagnostic::error(format!(
            "no {KIND} ({API_VERSION}) found (looked for {PREFERRED_FILE} and *.yaml)"
        ))
        .in_file(shown)
        .into()),
        _ => Err(Diagnostic::error(format!(
            "more than one {KIND} found: {}; name the file",
            found
                .iter()
                .map(|p| files.display(p))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .in_file(shown)
        .into()),
    }
}

/// The NetworkPolicySet file in `dir` whose content means the same as
/// `text` (kustomize hands exec plugins a re-serialized temporary copy).
pub fn file_like(files: &dyn Files, dir: &Path, text: &str) -> Option<PathBuf> {
    let wanted = yaml::parse_documents(text).ok()?;
    let entries = files.list(dir).ok()?;
    entries.into_iter().map(|e| e.path).find(|p| {
        is_yaml_name(p)
            && files
                .read(p)
                .ok()
                .and_then(|t| yaml::parse_documents(&t).ok())
                .is_some_and(|d| d == wanted)
    })
}
