//! Reading a NetworkPolicySet and its `base` chain through [`Files`]:
//! each layer parsed and checked, the chain merged (maps merge, lists
//! replace, `null` deletes), the result typed with unknown fields refused,
//! and `spec.templates` resolved against the layer that set it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::files::Files;
use super::merge::{NothingDeleted, merge};
use super::{API_VERSION, KIND, NetworkPolicySet};
use crate::diag::{Diagnostic, Errors, FieldPath, Layer, SourceMap, locate};
use crate::k8s::yaml;

/// A configuration text and where it came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub text: String,
    /// How errors name it (a path relative to the root, or `functionConfig`).
    pub display: String,
    /// The directory its relative paths resolve against.
    pub dir: PathBuf,
    /// Its real path when it is a file (cycles through it are refused).
    pub path: Option<PathBuf>,
}

impl Input {
    /// Reads a file the user named.
    pub fn read(files: &dyn Files, path: &Path) -> Result<Input, Errors> {
        let display = files.display(path);
        let text = files.read(path).map_err(|e| {
            Diagnostic::error(format!("cannot read file: {e}")).in_file(display.clone())
        })?;
        Ok(Input {
            text,
            display,
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            path: Some(path.to_path_buf()),
        })
    }
}

/// A template directory named by `spec.templates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDir {
    pub path: PathBuf,
    /// Relative to the repository root.
    pub display: String,
}

/// A configuration with its base chain merged in.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub set: NetworkPolicySet,
    /// Every layer, top first: where each field was written.
    pub map: SourceMap,
    /// `spec.templates`, resolved against the file that set it.
    pub template_dirs: Vec<TemplateDir>,
}

/// Loads a configuration and its `base` chain, merged, typed and checked
/// for unknown fields.
pub fn load(input: Input, files: &dyn Files) -> Result<Loaded, Errors> {
    let mut layers = Vec::new();
    let mut dirs = Vec::new();
    let mut seen = BTreeSet::new();
    let mut next = Some(input);
    while let Some(input) = next.take() {
        let raw = parse_layer(&input)?;
        if let Some(path) = &input.path {
            seen.insert(path.clone());
        }
        if let Some((base, line)) = base_of(&raw, &input) {
            let at_base = |message: String| -> Errors {
                Diagnostic::error(message)
                    .in_file(input.display.clone())
                    .at_line(line)
                    .with_source_from(&input.text)
                    .at_field(FieldPath::keys(&["spec", "base"]))
                    .into()
            };
            let base = base?;
            let resolved = files.resolve(&input.dir, &base).map_err(at_base)?;
            if !seen.insert(resolved.clone()) {
                return Err(at_base(format!(
                    "base cycle: {} is already part of the chain",
                    files.display(&resolved)
                )));
            }
            let text = files
                .read(&resolved)
                .map_err(|e| at_base(format!("cannot read {base}: {e}")))?;
            next = Some(Input {
                text,
                display: files.display(&resolved),
                dir: resolved.parent().map(Path::to_path_buf).unwrap_or_default(),
                path: Some(resolved),
            });
        }
        dirs.push(input.dir);
        layers.push(Layer::new(input.display, input.text, raw, reparse));
    }

    let mut merged = Value::Null;
    let mut errors = Vec::new();
    for (i, layer) in layers.iter().enumerate().rev() {
        let base_exists = i + 1 < layers.len();
        for nothing in merge(&mut merged, layer.raw(), base_exists) {
            errors.push(deletes_nothing(layer, &nothing));
        }
    }
    Errors::check(errors)?;
    let mut map = SourceMap::new(layers);
    // Typed directly; only an error is typed again, tracking its path.
    let set = match NetworkPolicySet::deserialize(&merged) {
        Ok(set) => set,
        Err(_) => serde_path_to_error::deserialize(&merged)
            .map_err(|err| map.error(FieldPath::from(err.path()), err.into_inner().to_string()))?,
    };
    drop(merged);
    let template_dirs = template_dirs(&set, &map, &dirs, files)?;
    map.forget_parsed();
    Ok(Loaded {
        set,
        map,
        template_dirs,
    })
}

/// The error for a `null` that deleted nothing, on the layer that wrote it.
fn deletes_nothing(layer: &Layer, nothing: &NothingDeleted) -> Diagnostic {
    use crate::diag::Seg;
    let (what, name) = match nothing.field.0.as_slice() {
        [_, Seg::Key(map), Seg::Key(name)] => (map.trim_end_matches('s').to_string(), name.clone()),
        _ => ("entry".to_string(), String::new()),
    };
    let mut message = format!(
        "null deletes nothing: the base has no {what} {name:?}, so this is most likely a typo"
    );
    let close = nothing
        .existing
        .iter()
        .map(|e| (strsim::jaro(e, &name), e))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, e)) = close {
        message.push_str(&format!(" (did you mean {e:?}?)"));
    }
    let line = locate(&layer.text, 0, &nothing.field.0);
    Diagnostic::error(message)
        .in_file(layer.display.clone())
        .at_line(line)
        .at_field(nothing.field.clone())
        .with_source_from(&layer.text)
}

/// A layer's text parsed again, for placing an error after load: it
/// parsed as one document before.
fn reparse(text: &str) -> Value {
    match yaml::parse_documents(text) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0),
        _ => Value::Null,
    }
}

/// Parses one file: exactly one document, of our apiVersion and kind.
fn parse_layer(input: &Input) -> Result<Value, Errors> {
    let err = |field: &str, msg: String, line: Option<usize>| -> Errors {
        let mut d = Diagnostic::error(msg)
            .in_file(input.display.clone())
            .at_line(line)
            .with_source_from(&input.text);
        if !field.is_empty() {
            d = d.at_field(FieldPath::parse(field));
        }
        d.into()
    };
    let mut docs = yaml::parse_documents(&input.text)
        .map_err(|e| err("", format!("invalid YAML: {}", e.message), e.line))?;
    if docs.len() != 1 {
        return Err(err(
            "",
            format!("expected one {KIND} document, found {}", docs.len()),
            None,
        ));
    }
    let doc = docs.remove(0);
    if !doc.is_object() {
        return Err(err("", format!("expected a {KIND} mapping"), Some(1)));
    }
    let line = |f: &str| locate(&input.text, 0, &FieldPath::parse(f).0);
    for (field, want) in [("apiVersion", API_VERSION), ("kind", KIND)] {
        let found = doc.get(field).and_then(Value::as_str);
        if found != Some(want) {
            return Err(err(
                field,
                format!(
                    "must be {want}, found {}",
                    found.map_or("nothing".into(), |s| format!("{s:?}"))
                ),
                line(field),
            ));
        }
    }
    Ok(doc)
}

/// `spec.base` of a parsed layer, with its line; an error if not a string.
fn base_of(raw: &Value, input: &Input) -> Option<(Result<String, Errors>, Option<usize>)> {
    let base = raw.get("spec")?.get("base")?;
    let line = locate(&input.text, 0, &FieldPath::keys(&["spec", "base"]).0);
    Some(match base {
        Value::String(s) => (Ok(s.clone()), line),
        Value::Null => return None,
        _ => (
            Err(Diagnostic::error("must be a path (a string)")
                .in_file(input.display.clone())
                .at_line(line)
                .with_source_from(&input.text)
                .at_field(FieldPath::keys(&["spec", "base"]))
                .into()),
            line,
        ),
    })
}

/// `spec.templates` entries, resolved against the layer that set the list.
fn template_dirs(
    set: &NetworkPolicySet,
    map: &SourceMap,
    dirs: &[PathBuf],
    files: &dyn Files,
) -> Result<Vec<TemplateDir>, Errors> {
    let field = FieldPath::keys(&["spec", "templates"]);
    let Some(i) = map.layers.iter().position(|l| field.depth_in(l.raw()) == 2) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (n, rel) in set.spec.templates.iter().enumerate() {
        let path = files
            .resolve(&dirs[i], rel)
            .map_err(|m| map.error(field.index(n), m))?;
        files
            .list(&path)
            .map_err(|_| map.error(field.index(n), format!("{rel} is not a directory")))?;
        out.push(TemplateDir {
            display: files.display(&path),
            path,
        });
    }
    Ok(out)
}
