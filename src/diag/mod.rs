//! Findings about the user's input: what is wrong, and exactly where.
//!
//! Every error netpolgen reports is a [`Diagnostic`]: it names the file, the
//! field path and, where known, the line. The same values become KRM
//! `results` in function mode and `file:line: field: message` lines on stderr.

pub mod field;

use std::fmt;

use crate::diag::field::FieldPath;

/// How bad a finding is; KRM spells these `error`, `warning`, `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The object a finding is about, as KRM `resourceRef` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// The file, relative to the repository root where possible.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub field: Option<FieldPath>,
    pub resource: Option<ResourceRef>,
    /// The text of `line`, shown under the message on a terminal.
    pub source: Option<String>,
}

impl Diagnostic {
    /// An error with only a message.
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: None,
            line: None,
            field: None,
            resource: None,
            source: None,
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    pub fn at_line(mut self, line: Option<usize>) -> Diagnostic {
        self.line = line;
        self
    }

    pub fn at_field(mut self, field: FieldPath) -> Diagnostic {
        self.field = Some(field);
        self
    }

    /// Attaches the text of the diagnostic's line, taken from `text`.
    pub fn with_source_from(mut self, text: &str) -> Diagnostic {
        self.source = self
            .line
            .and_then(|l| text.lines().nth(l.checked_sub(1)?))
            .map(str::to_string);
        self
    }

    pub fn about(mut self, resource: ResourceRef) -> Diagnostic {
        self.resource = Some(resource);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        if let Some(field) = self.field.as_ref().filter(|f| !f.0.is_empty()) {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A failed run: one or more error diagnostics, in the order found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Diagnostic>);

impl Errors {
    pub fn one(diagnostic: Diagnostic) -> Errors {
        Errors(vec![diagnostic])
    }
}

impl From<Diagnostic> for Errors {
    fn from(d: Diagnostic) -> Errors {
        Errors(vec![d])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

impl Errors {
    /// The errors for a person: each one headed `error: field: message`,
    /// with the file, line and source line under it where known.
    pub fn report(&self) -> String {
        use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
        let renderer = Renderer::plain();
        let mut out = String::new();
        for d in &self.0 {
            let (Some(file), Some(line), Some(source)) = (&d.file, d.line, &d.source) else {
                out.push_str(&format!("error: {d}\n"));
                continue;
            };
            let title = match d.field.as_ref().filter(|f| !f.0.is_empty()) {
                Some(field) => format!("{field}: {}", d.message),
                None => d.message.clone(),
            };
            let start = source.len() - source.trim_start().len();
            let end = source.trim_end().len().max(start);
            let report = [Level::ERROR.primary_title(title).element(
                Snippet::source(source.as_str())
                    .line_start(line)
                    .path(file.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            )];
            out.push_str(&renderer.render(&report).to_string());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_shows_the_source_line() {
        let text = "a: 1\nspec:\n  flows:\n    x: {from: nope}\n";
        let d = Diagnostic::error("\"nope\" is not a service")
            .in_file("n.yaml")
            .at_line(Some(4))
            .at_field(FieldPath::parse("spec.flows.x.from"))
            .with_source_from(text);
        let report = Errors::one(d).report();
        assert!(
            report.starts_with("error: spec.flows.x.from: \"nope\" is not a service\n"),
            "{report}"
        );
        assert!(report.contains("--> n.yaml:4:5"), "{report}");
        assert!(report.contains("4 |     x: {from: nope}"), "{report}");
        assert!(report.contains("^^^^^^^^^^^^^^^"), "{report}");
        // Without a source line it is the one-line form.
        let plain = Errors::one(Diagnostic::error("boom").in_file("f.yaml")).report();
        assert_eq!(plain, "error: f.yaml: boom\n");
    }

    #[test]
    fn display_names_file_line_and_field() {
        let d = Diagnostic::error("unknown service \"x\"")
            .in_file("overlays/prod/netpolset.yaml")
            .at_line(Some(12))
            .at_field(FieldPath::parse("spec.flows.a.to"));
        assert_eq!(
            d.to_string(),
            "overlays/prod/netpolset.yaml:12: spec.flows.a.to: unknown service \"x\""
        );
        assert_eq!(Errors::one(d).to_string().lines().count(), 1);
    }
}
