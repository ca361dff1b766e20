//! Reading a `NetworkPolicySet` and its `base` chain from disk.
//!
//! This is the only module that reads configuration files. Paths named in a
//! configuration (`base`, `templates`) are relative to the file that names
//! them and may not leave the repository root, through `..` or symlinks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diag::{Diagnostic, Errors};
use crate::diag::field::FieldPath;
use crate::spec::merge::merge;
use crate::render::{Source, TemplateSet};
use crate::spec::{API_VERSION, KIND, NetworkPolicySet};
use crate::k8s::yaml;

/// A configuration text and where it came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub text: String,
    /// How errors name it (a path relative to the root, or `functionConfig`).
    pub display: String,
    /// The directory its relative paths resolve against.
    pub dir: PathBuf,
}

/// One file of the base chain, top (the file given) first.
#[derive(Debug, Clone)]
pub struct Layer {
    pub display: String,
    pub text: String,
    pub raw: Value,
    pub dir: PathBuf,
}

/// A configuration with its base chain merged in.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub set: NetworkPolicySet,
    pub layers: Vec<Layer>,
    /// `spec.templates`, resolved against the file that set it.
    pub template_dirs: Vec<PathBuf>,
    /// The repository root every path must stay in.
    pub root: PathBuf,
}

impl Loaded {
    /// The file and line where `field` of the merged spec was written: the
    /// layer holding the deepest part of the path, the top one on a tie.
    pub fn locate(&self, field: &FieldPath) -> (String, Option<usize>) {
        let mut best: Option<(&Layer, usize)> = None;
        for layer in &self.layers {
            let depth = field.depth_in(&layer.raw);
            if best.is_none_or(|(_, d)| depth > d) {
                best = Some((layer, depth));
            }
        }
        match best {
            Some((layer, _)) => (
                layer.display.clone(),
                yaml::locate(&layer.text, 0, &field.0),
            ),
            None => (String::new(), None),
        }
    }

    /// An error about `field`, placed in the right file and line.
    pub fn error(&self, field: FieldPath, message: impl Into<String>) -> Diagnostic {
        let (file, line) = self.locate(&field);
        let text = self
            .layers
            .iter()
            .find(|l| l.display == file)
            .map_or("", |l| l.text.as_str());
        Diagnostic::error(message)
            .in_file(file)
            .at_line(line)
            .at_field(field)
            .with_source_from(text)
    }
}

/// The nearest directory at or above `start` that holds `.git`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// `path` relative to `root` for messages, or as given when outside it.
pub fn display_path(path: &Path, root: &Path) -> String {
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    match abs.strip_prefix(root) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => path.to_string_lossy().into_owned(),
    }
}

/// Reads a file into an [`Input`].
pub fn read_input(path: &Path, root: &Path) -> Result<Input, Errors> {
    let display = display_path(path, root);
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(format!("cannot read file: {e}")).in_file(display.clone())
    })?;
    let dir = path
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(Input { text, display, dir })
}

/// The NetworkPolicySet file of a directory: `netpolset.yaml`, or else the
/// only `*.yaml`/`*.yml` file in it whose kind is NetworkPolicySet.
pub fn config_file_in(dir: &Path) -> Result<PathBuf, Errors> {
    let preferred = dir.join("netpolset.yaml");
    if preferred.is_file() {
        return Ok(preferred);
    }
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(format!("cannot read directory: {e}")).in_file(dir.display().to_string())
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if is_yaml && path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let docs = yaml::parse_documents(&text).unwrap_or_default();
            if docs
                .iter()
                .any(|d| d.get("kind").and_then(Value::as_str) == Some(KIND))
            {
                found.push(path);
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Diagnostic::error(format!(
            "no {KIND} found (looked for netpolset.yaml and *.yaml)"
        ))
        .in_file(dir.display().to_string())
        .into()),
        _ => Err(Diagnostic::error(format!(
            "more than one {KIND} found: {}; name the file",
            found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .in_file(dir.display().to_string())
        .into()),
    }
}

/// Loads a configuration and its `base` chain, merged, typed and checked
/// for unknown fields.
pub fn load(input: Input, root: &Path) -> Result<Loaded, Errors> {
    let mut layers = Vec::new();
    let mut seen = BTreeSet::new();
    let mut next = Some(input);
    while let Some(input) = next.take() {
        let raw = parse_layer(&input)?;
        if let Some((base, line)) = base_of(&raw, &input) {
            let base = base?;
            let resolved = resolve(&input.dir, &base, root).map_err(|m| {
                Diagnostic::error(m)
                    .in_file(input.display.clone())
                    .at_line(line)
                    .with_source_from(&input.text)
                    .at_field(FieldPath::keys(&["spec", "base"]))
            })?;
            if !seen.insert(resolved.clone()) || Some(&resolved) == input_path(&input).as_ref() {
                return Err(Diagnostic::error(format!(
                    "base cycle: {} is already part of the chain",
                    display_path(&resolved, root)
                ))
                .in_file(input.display.clone())
                .at_line(line)
                .with_source_from(&input.text)
                .at_field(FieldPath::keys(&["spec", "base"]))
                .into());
            }
            next = Some(read_input(&resolved, root)?);
        }
        if let Some(path) = input_path(&input) {
            seen.insert(path);
        }
        layers.push(Layer {
            display: input.display,
            text: input.text,
            raw,
            dir: input.dir,
        });
    }

    let mut merged = Value::Null;
    for layer in layers.iter().rev() {
        merge(&mut merged, layer.raw.clone());
    }
    let set: NetworkPolicySet = match serde_path_to_error::deserialize(&merged) {
        Ok(set) => set,
        Err(err) => {
            let field = FieldPath::from(err.path());
            let loaded = Loaded {
                set: empty_set(),
                layers,
                template_dirs: Vec::new(),
                root: root.to_path_buf(),
            };
            return Err(loaded.error(field, err.into_inner().to_string()).into());
        }
    };
    let mut loaded = Loaded {
        set,
        layers,
        template_dirs: Vec::new(),
        root: root.to_path_buf(),
    };
    loaded.template_dirs = template_dirs(&loaded, root)?;
    Ok(loaded)
}

fn empty_set() -> NetworkPolicySet {
    NetworkPolicySet {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        metadata: Default::default(),
        spec: Default::default(),
    }
}

/// The real path of an input that is a file on disk (not a functionConfig).
fn input_path(input: &Input) -> Option<PathBuf> {
    let path = input.dir.join(Path::new(&input.display).file_name()?);
    path.canonicalize().ok()
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
    let line = |f: &str| yaml::locate(&input.text, 0, &FieldPath::parse(f).0);
    match doc.get("apiVersion").and_then(Value::as_str) {
        Some(API_VERSION) => {}
        other => {
            return Err(err(
                "apiVersion",
                format!(
                    "must be {API_VERSION}, found {}",
                    other.map_or("nothing".into(), |s| format!("{s:?}"))
                ),
                line("apiVersion"),
            ));
        }
    }
    match doc.get("kind").and_then(Value::as_str) {
        Some(KIND) => {}
        other => {
            return Err(err(
                "kind",
                format!(
                    "must be {KIND}, found {}",
                    other.map_or("nothing".into(), |s| format!("{s:?}"))
                ),
                line("kind"),
            ));
        }
    }
    Ok(doc)
}

/// `spec.base` of a parsed layer, with its line; an error if not a string.
fn base_of(raw: &Value, input: &Input) -> Option<(Result<String, Errors>, Option<usize>)> {
    let base = raw.get("spec")?.get("base")?;
    let line = yaml::locate(&input.text, 0, &FieldPath::keys(&["spec", "base"]).0);
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

/// Resolves `rel` against `dir` and checks that the real path stays in `root`.
pub fn resolve(dir: &Path, rel: &str, root: &Path) -> Result<PathBuf, String> {
    let joined = dir.join(rel);
    let real = joined
        .canonicalize()
        .map_err(|e| format!("cannot read {rel}: {e}"))?;
    if !real.starts_with(root) {
        return Err(format!(
            "{rel} resolves to {}, outside the repository root {} (use --root to widen it)",
            real.display(),
            root.display()
        ));
    }
    Ok(real)
}

/// `spec.templates` entries, resolved against the layer that set the list.
fn template_dirs(loaded: &Loaded, root: &Path) -> Result<Vec<PathBuf>, Errors> {
    let field = FieldPath::keys(&["spec", "templates"]);
    let Some(layer) = loaded.layers.iter().find(|l| field.depth_in(&l.raw) == 2) else {
        return Ok(Vec::new());
    };
    let mut dirs = Vec::new();
    for (i, rel) in loaded.set.spec.templates.iter().enumerate() {
        let dir = resolve(&layer.dir, rel, root).map_err(|m| loaded.error(field.index(i), m))?;
        if !dir.is_dir() {
            return Err(loaded
                .error(field.index(i), format!("{rel} is not a directory"))
                .into());
        }
        dirs.push(dir);
    }
    Ok(dirs)
}

/// The built-in templates, overridden and extended by the `*.yaml.j2`
/// files of each `spec.templates` directory, later directories winning.
pub fn template_set(loaded: &Loaded) -> Result<TemplateSet, Errors> {
    let mut set = TemplateSet::builtin();
    for dir in &loaded.template_dirs {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Diagnostic::error(format!("cannot read template directory: {e}"))
                .in_file(dir.display().to_string())
        })?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .filter(|n| n.ends_with(".yaml.j2"))
            else {
                continue;
            };
            let origin = display_path(&path, &loaded.root);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Diagnostic::error(format!("cannot read template: {e}")).in_file(origin.clone())
            })?;
            set.insert(name.to_string(), Source { text, origin });
        }
    }
    Ok(set)
}

/// The NetworkPolicySet file in `dir` whose content is `text` as YAML
/// (kustomize hands plugins a re-serialized temporary copy).
pub fn find_config_like(dir: &Path, text: &str) -> Option<PathBuf> {
    let wanted = yaml::parse_documents(text).ok()?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    paths.into_iter().find(|p| {
        matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
            && std::fs::read_to_string(p)
                .ok()
                .and_then(|t| yaml::parse_documents(&t).ok())
                .is_some_and(|d| d == wanted)
    })
}
