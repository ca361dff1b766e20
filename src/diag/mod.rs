//! Findings about the user's input: what is wrong, and exactly where.
//!
//! Every problem netpolgen reports is a [`Diagnostic`]: it names the file,
//! the field path and, where known, the line. The same values become KRM
//! `results` in function mode (`crate::krm`) and `error:` blocks on stderr
//! (`crate::report::diagnostics`). [`SourceMap`] places a field path of a
//! merged configuration on the file and line that wrote it; [`Status`] is
//! the one exit-code contract.

pub mod field;
mod locate;
mod source_map;

use std::collections::BTreeMap;
use std::fmt;

pub use field::{FieldPath, Seg};
pub use locate::locate;
pub use source_map::{Layer, SourceMap};

/// How bad a finding is; KRM spells these `error`, `warning`, `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// The 0-based document index in `file`, where that matters.
    pub index: Option<usize>,
    pub line: Option<usize>,
    pub field: Option<FieldPath>,
    pub resource: Option<ResourceRef>,
    /// The text of `line`, shown under the message on a terminal.
    pub source: Option<String>,
    /// Machine-readable extras (a lint code and rule), sorted.
    pub tags: BTreeMap<String, String>,
}

impl Diagnostic {
    /// A finding of `severity` with only a message.
    pub fn new(severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            message: message.into(),
            file: None,
            index: None,
            line: None,
            field: None,
            resource: None,
            source: None,
            tags: BTreeMap::new(),
        }
    }

    /// An error with only a message.
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, message)
    }

    /// A warning with only a message.
    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message)
    }

    /// An informational result with only a message.
    pub fn info(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Info, message)
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    pub fn at_index(mut self, index: usize) -> Diagnostic {
        self.index = Some(index);
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

    pub fn tagged(mut self, key: &str, value: impl Into<String>) -> Diagnostic {
        self.tags.insert(key.to_string(), value.into());
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
        if let Some(i) = self.index {
            write!(f, "document {}: ", i + 1)?;
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

    /// `Ok` when nothing was collected, else the collected errors.
    pub fn check(found: Vec<Diagnostic>) -> Result<(), Errors> {
        if found.is_empty() {
            Ok(())
        } else {
            Err(Errors(found))
        }
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
            write!(f, "{}: {d}", d.severity.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// How a run ends: the one exit-code contract of every command, the KRM
/// function and the validator.
///
/// - 0: success, no difference, allowed, or no findings at the failing level;
/// - 1: a difference, a denial, findings at the failing level, or invalid
///   input (with the error);
/// - 2: usage errors and I/O failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Findings,
    Usage,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::Findings => 1,
            Status::Usage => 2,
        }
    }

    /// `Findings` when `found`, else `Ok`.
    pub fn findings_if(found: bool) -> Status {
        if found { Status::Findings } else { Status::Ok }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn status_codes_are_the_contract() {
        assert_eq!(
            [Status::Ok, Status::Findings, Status::Usage].map(Status::code),
            [0, 1, 2]
        );
        assert_eq!(Status::findings_if(true), Status::Findings);
        assert_eq!(Status::findings_if(false), Status::Ok);
    }
}
