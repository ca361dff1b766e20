//! Template expansion: every `*.yaml.j2` is rendered once with the whole
//! model in context and yields a YAML stream. Undefined variables are
//! errors, loops are bounded by fuel, and templates can reach neither files
//! nor the environment: only the sources handed in here exist.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use super::context::{Part, context};
use crate::diag::{Diagnostic, Errors};
use crate::k8s::yaml;
use crate::model::Model;
use crate::spec::files::Files;
use crate::spec::{Backend, TemplateDir};

/// The templates compiled into the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "default-deny.yaml.j2",
        include_str!("../../templates/default-deny.yaml.j2"),
    ),
    (
        "flows-egress.yaml.j2",
        include_str!("../../templates/flows-egress.yaml.j2"),
    ),
    (
        "flows-ingress.yaml.j2",
        include_str!("../../templates/flows-ingress.yaml.j2"),
    ),
];

/// The templates compiled into the binary for the Cilium backend.
pub const CILIUM_BUILTIN: &[(&str, &str)] = &[
    (
        "cilium-default-deny.yaml.j2",
        include_str!("../../templates/cilium-default-deny.yaml.j2"),
    ),
    (
        "cilium-flows-egress.yaml.j2",
        include_str!("../../templates/cilium-flows-egress.yaml.j2"),
    ),
    (
        "cilium-flows-ingress.yaml.j2",
        include_str!("../../templates/cilium-flows-ingress.yaml.j2"),
    ),
];

/// Enough for tens of thousands of flows; stops runaway loops.
const FUEL: u64 = 200_000_000;

/// The most one template may write (64 MiB), and all of them together
/// (256 MiB): far above any real intent (40,000 flows render about 15 MB),
/// low enough that a runaway template fails with its name instead of
/// exhausting memory.
pub const MAX_TEMPLATE_OUTPUT: usize = 64 << 20;
pub const MAX_TOTAL_OUTPUT: usize = 256 << 20;

/// A template's output, refused past its limit.
struct Bounded {
    text: Vec<u8>,
    limit: usize,
    over: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.text.len() + buf.len() > self.limit {
            self.over = true;
            return Err(std::io::Error::other("template output limit"));
        }
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One template source and where it came from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub text: String,
    /// `built-in` or the file's path.
    pub origin: String,
}

/// The set of templates to render, by file name.
#[derive(Debug, Clone, Default)]
pub struct TemplateSet(pub BTreeMap<String, Source>);

impl TemplateSet {
    /// The built-in templates of the kubernetes backend.
    pub fn builtin() -> TemplateSet {
        TemplateSet::builtin_for(Backend::Kubernetes)
    }

    /// The built-in templates of a backend.
    pub fn builtin_for(backend: Backend) -> TemplateSet {
        let list = match backend {
            Backend::Kubernetes => BUILTIN,
            Backend::Cilium => CILIUM_BUILTIN,
        };
        TemplateSet(
            list.iter()
                .map(|(name, text)| {
                    (
                        name.to_string(),
                        Source {
                            text: text.to_string(),
                            origin: "built-in".into(),
                        },
                    )
                })
                .collect(),
        )
    }

    /// Adds or replaces a template of the same name.
    pub fn insert(&mut self, name: String, source: Source) {
        self.0.insert(name, source);
    }
}

/// The built-in templates, overridden and extended by the `*.yaml.j2`
/// files of each template directory, later directories winning. Every
/// file is read through `files`, so it must lie inside the repository root
/// and be a regular file.
pub fn load(dirs: &[TemplateDir], files: &dyn Files) -> Result<TemplateSet, Errors> {
    load_for(dirs, files, Backend::Kubernetes)
}

/// [`load`] over the built-in templates of `backend`.
pub fn load_for(
    dirs: &[TemplateDir],
    files: &dyn Files,
    backend: Backend,
) -> Result<TemplateSet, Errors> {
    let mut set = TemplateSet::builtin_for(backend);
    for dir in dirs {
        let entries = files.list(&dir.path).map_err(|e| {
            Diagnostic::error(format!("cannot read template directory: {e}"))
                .in_file(dir.display.clone())
        })?;
        for entry in entries {
            let Some(name) = entry
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .filter(|n| n.ends_with(".yaml.j2"))
            else {
                continue;
            };
            let origin = files.display(&entry.path);
            let text = files.read(&entry.path).map_err(|e| {
                Diagnostic::error(format!("cannot read template: {e}")).in_file(origin.clone())
            })?;
            set.insert(name.to_string(), Source { text, origin });
        }
    }
    Ok(set)
}

/// The output of one template.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub template: String,
    pub origin: String,
    pub text: String,
}

/// Renders every template with the model as context, in name order.
pub fn expand(set: &TemplateSet, model: &Arc<Model>) -> Result<Vec<Rendered>, Errors> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.add_filter("toyaml", toyaml);
    env.add_filter("nindent", nindent);
    let template_error = |name: &str, source: &Source, err: minijinja::Error| -> Diagnostic {
        let mut message = format!("template error: {}", err.kind());
        if let Some(detail) = err.detail() {
            message.push_str(": ");
            message.push_str(detail);
        }
        Diagnostic::error(message)
            .in_file(display_origin(name, source))
            .at_line(err.line())
    };
    let mut errors = Vec::new();
    for (name, source) in &set.0 {
        if let Err(err) = env.add_template_owned(name.clone(), source.text.clone()) {
            errors.push(template_error(name, source, err));
        }
    }
    if !errors.is_empty() {
        return Err(Errors(errors));
    }
    let ctx = context(model);
    let mut out = Vec::new();
    let mut total = 0;
    for (name, source) in &set.0 {
        let limit = MAX_TEMPLATE_OUTPUT.min(MAX_TOTAL_OUTPUT - total);
        let mut sink = Bounded {
            text: Vec::new(),
            limit,
            over: false,
        };
        let rendered = env
            .get_template(name)
            .and_then(|t| t.render_captured_to(&ctx, &mut sink).map(|_| ()));
        match rendered {
            Ok(()) => {
                total += sink.text.len();
                out.push(Rendered {
                    template: name.clone(),
                    origin: source.origin.clone(),
                    text: String::from_utf8(sink.text).expect("templates write UTF-8"),
                });
            }
            Err(_) if sink.over => {
                let what = if limit < MAX_TEMPLATE_OUTPUT {
                    format!(
                        "all templates together may write at most {} MiB",
                        MAX_TOTAL_OUTPUT >> 20
                    )
                } else {
                    format!(
                        "a template may write at most {} MiB",
                        MAX_TEMPLATE_OUTPUT >> 20
                    )
                };
                errors.push(
                    Diagnostic::error(format!("template output too large: {what}"))
                        .in_file(display_origin(name, source)),
                );
            }
            Err(err) => errors.push(template_error(name, source, err)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Errors(errors))
    }
}

/// How messages name a template: its file, or `NAME (built-in)`.
fn display_origin(name: &str, source: &Source) -> String {
    if source.origin == "built-in" {
        format!("{name} (built-in)")
    } else {
        source.origin.clone()
    }
}

/// `{{ value | toyaml }}`: block YAML without the trailing newline.
fn toyaml(value: minijinja::Value) -> Result<String, minijinja::Error> {
    let part = value.downcast_object_ref::<Part>();
    let fast = match part {
        Some(p) => p.yaml(),
        None => yaml::emit::to_string(&value),
    };
    if let Some(mut text) = fast {
        text.truncate(text.trim_end_matches('\n').len());
        return Ok(text);
    }
    let value = part.map_or(&value, Part::converted);
    let text = serde_saphyr::to_string(value).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
    })?;
    Ok(text.trim_end_matches('\n').to_string())
}

/// `{{ text | nindent(n) }}`: a newline, then every line indented by `n`.
fn nindent(text: String, width: usize) -> String {
    let pad = " ".repeat(width);
    let mut out = String::new();
    for line in text.lines() {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nindent_starts_a_block() {
        assert_eq!(
            nindent("a: 1\nb:\n  c: 2".into(), 2),
            "\n  a: 1\n  b:\n    c: 2"
        );
    }

    #[test]
    fn toyaml_quotes_what_yaml_1_1_would_retype() {
        let v = minijinja::Value::from(minijinja::value::Serde(
            serde_json::json!({"a": "on", "b": 1}),
        ));
        assert_eq!(toyaml(v).unwrap(), "a: \"on\"\nb: 1");
    }
}
