//! Where a field of a merged configuration was written.
//!
//! A NetworkPolicySet is the deep merge of a chain of files (the file given,
//! then its `base`, then that file's `base`, ...). An error about a field of
//! the merged result belongs to the layer that wrote the deepest part of the
//! field's path (the top layer on a tie), at the line of that part.

use std::sync::OnceLock;

use serde_json::Value;

use super::{Diagnostic, Errors, FieldPath};

/// One file of a configuration chain, top (the file given) first.
#[derive(Debug, Clone)]
pub struct Layer {
    /// How messages name it: a path relative to the repository root, or
    /// `functionConfig`.
    pub display: String,
    pub text: String,
    /// The parsed document; once [`SourceMap::forget_parsed`] dropped it,
    /// parsed again from `text` the first time an error needs it.
    raw: OnceLock<Value>,
    parse: fn(&str) -> Value,
}

impl Layer {
    /// A layer, its text parsed as `raw`; `parse` parses `text` again.
    pub fn new(display: String, text: String, raw: Value, parse: fn(&str) -> Value) -> Layer {
        Layer {
            display,
            text,
            raw: OnceLock::from(raw),
            parse,
        }
    }

    /// The parsed document.
    pub fn raw(&self) -> &Value {
        self.raw.get_or_init(|| (self.parse)(&self.text))
    }
}

/// The layers of one configuration, for placing errors.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    pub layers: Vec<Layer>,
}

impl SourceMap {
    pub fn new(layers: Vec<Layer>) -> SourceMap {
        SourceMap { layers }
    }

    /// Drops every layer's parsed document: only errors need it after the
    /// chain is merged, and the text is enough to parse it again.
    pub fn forget_parsed(&mut self) {
        for layer in &mut self.layers {
            layer.raw = OnceLock::new();
        }
    }

    /// How the top layer is named (the file the user gave).
    pub fn top(&self) -> &str {
        self.layers.first().map_or("", |l| l.display.as_str())
    }

    /// The layer that wrote `field`: the one holding the deepest part of
    /// the path, the top one on a tie.
    pub fn layer_of(&self, field: &FieldPath) -> Option<&Layer> {
        let mut best: Option<(&Layer, usize)> = None;
        for layer in &self.layers {
            let depth = field.depth_in(layer.raw());
            if best.is_none_or(|(_, d)| depth > d) {
                best = Some((layer, depth));
            }
        }
        best.map(|(l, _)| l)
    }

    /// The file and line where `field` was written.
    pub fn locate(&self, field: &FieldPath) -> (String, Option<usize>) {
        match self.layer_of(field) {
            Some(layer) => (
                layer.display.clone(),
                super::locate(&layer.text, 0, &field.0),
            ),
            None => (String::new(), None),
        }
    }

    /// An error about `field`, placed in the right file and line.
    pub fn error(&self, field: FieldPath, message: impl Into<String>) -> Diagnostic {
        self.place(Diagnostic::error(message).at_field(field))
    }

    /// Gives a diagnostic that names a field but no file its file, line and
    /// source line. Others are returned as they are.
    pub fn place(&self, d: Diagnostic) -> Diagnostic {
        if d.file.is_some() {
            return d;
        }
        let Some(field) = d.field.clone() else {
            return d.in_file(self.top().to_string());
        };
        let Some(layer) = self.layer_of(&field) else {
            return d;
        };
        let line = super::locate(&layer.text, 0, &field.0);
        d.in_file(layer.display.clone())
            .at_line(line)
            .with_source_from(&layer.text)
    }

    /// [`SourceMap::place`] for every error.
    pub fn place_all(&self, errors: Errors) -> Errors {
        Errors(errors.0.into_iter().map(|d| self.place(d)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(display: &str, text: &str) -> Layer {
        let parse = |text: &str| crate::k8s::yaml::parse(text).unwrap();
        Layer::new(display.into(), text.into(), parse(text), parse)
    }

    #[test]
    fn a_field_belongs_to_the_layer_that_wrote_its_deepest_part() {
        let map = SourceMap::new(vec![
            layer("top.yaml", "spec:\n  flows:\n    a: {from: x}\n"),
            layer(
                "base.yaml",
                "spec:\n  namespace: n\n  flows:\n    b:\n      from: y\n",
            ),
        ]);
        let at = |p: &str| map.locate(&FieldPath::parse(p));
        assert_eq!(at("spec.flows.a.from"), ("top.yaml".into(), Some(3)));
        assert_eq!(at("spec.flows.b.from"), ("base.yaml".into(), Some(5)));
        assert_eq!(at("spec.namespace"), ("base.yaml".into(), Some(2)));
        // Nobody wrote it: the top layer, at the deepest existing ancestor.
        assert_eq!(at("spec.environment"), ("top.yaml".into(), Some(1)));
        let d = map.place(Diagnostic::error("bad").at_field(FieldPath::parse("spec.flows.b")));
        assert_eq!(d.to_string(), "base.yaml:4: spec.flows.b: bad");
        assert_eq!(d.source.as_deref(), Some("    b:"));
        // Without a field the error names the top file.
        assert_eq!(
            map.place(Diagnostic::error("x")).file.as_deref(),
            Some("top.yaml")
        );
    }
}
