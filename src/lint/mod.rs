//! `netpolgen lint`: mistakes in NetworkPolicies and the workloads they
//! select, as findings with a stable code, a severity, the resource, the
//! field path, the file and the document index.
//!
//! Pure: manifests in, findings out. [`lint_sources`] takes texts (and
//! fills in line numbers), [`lint_docs`] takes parsed documents (the KRM
//! validator's items), [`lint_stream`] one YAML stream (the legacy
//! kustomize `validators:` form). The rules live in [`rules`], one file
//! per concern; `docs/lint.md` describes every code.
//!
//! Findings are sorted by file, document index, code, field and message,
//! so the same input gives the same bytes. The moment window expiries are
//! judged at (`now`) is an argument: the clock is read by the caller.

mod code;
mod context;
mod origin;
mod rules;
mod subset;

use crate::diag::field::FieldPath;
use crate::diag::{Diagnostic, Errors, ResourceRef, Severity};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use crate::engine::Workload;
use crate::k8s::manifest::{self, Doc};
use crate::k8s::{Labels, NetworkPolicy};

pub use code::Code;

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    /// Always `code.severity()`; kept as a field for the report writers.
    pub severity: Severity,
    pub message: String,
    /// The file the resource came from (`stdin` for standard input; in KRM
    /// mode the item's path annotation, or empty when it has none).
    pub file: String,
    /// 0-based document index in the file (items of a List count apart).
    pub index: usize,
    /// 1-based line of `field`, when the text is at hand.
    pub line: Option<usize>,
    /// Field path inside the resource (`spec.ingress[0].from[1]`).
    pub field: FieldPath,
    pub resource: ResourceRef,
}

impl Finding {
    /// The finding as a [`Diagnostic`]; the message starts with the code.
    pub fn diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::new(self.severity, format!("{}: {}", self.code, self.message))
            .at_line(self.line)
            .about(self.resource.clone())
            .tagged("code", self.code.id())
            .tagged("rule", self.code.name());
        if !self.file.is_empty() {
            d = d.in_file(self.file.clone()).at_index(self.index);
        }
        if !self.field.0.is_empty() {
            d = d.at_field(self.field.clone());
        }
        d
    }

    fn sort_key(&self) -> (&str, usize, Code, &FieldPath, &str) {
        (
            &self.file,
            self.index,
            self.code,
            &self.field,
            &self.message,
        )
    }
}

pub use crate::k8s::manifest::Source;

/// A rendered NetworkPolicySet linted beside manifests: its policies, and
/// the workloads and namespaces it stands for (the model's synthetic
/// cluster, as verification uses it).
#[derive(Debug, Clone)]
pub struct Intent {
    /// The NetworkPolicySet file. Findings on its policies name this file
    /// and the policy's document index in the render.
    pub file: String,
    /// Its `metadata.name`.
    pub name: String,
    pub policies: Vec<NetworkPolicy>,
    pub namespaces: BTreeMap<String, Labels>,
    /// Each workload with what it is: `service` or `peer`.
    pub workloads: Vec<(Workload, &'static str)>,
}

/// Lints YAML texts together (one cluster) at `now`. A text that is not
/// YAML is an error naming the file; malformed objects are `NP001`
/// findings.
pub fn lint_sources(sources: &[Source], now: DateTime<Utc>) -> Result<Vec<Finding>, Errors> {
    lint_sources_in(sources, None, now)
}

/// Lints YAML texts and rendered intents together (one cluster) at `now`.
pub fn lint_with_intents(
    sources: &[Source],
    intents: &[Intent],
    now: DateTime<Utc>,
) -> Result<Vec<Finding>, Errors> {
    let docs = parse_sources(sources)?;
    Ok(finish(sources, lint_all(&docs, intents, now)))
}

fn parse_sources(sources: &[Source]) -> Result<Vec<Doc>, Errors> {
    let mut docs = Vec::new();
    for s in sources {
        docs.extend(manifest::parse_text(&s.text, &s.file)?);
    }
    Ok(docs)
}

/// Fills in the line of every finding whose text is at hand.
fn finish(sources: &[Source], mut findings: Vec<Finding>) -> Vec<Finding> {
    for s in sources {
        fill_lines(&s.file, &s.text, &mut findings);
    }
    findings
}

/// Sets `line` on the findings about `file` that have none.
fn fill_lines(file: &str, text: &str, findings: &mut [Finding]) {
    if !findings.iter().any(|f| f.file == file && f.line.is_none()) {
        return;
    }
    let Some(lines) = manifest::Lines::new(text) else {
        return;
    };
    for f in findings
        .iter_mut()
        .filter(|f| f.file == file && f.line.is_none())
    {
        f.line = lines.line(f.index, &f.field);
    }
}

/// [`lint_sources`], with the workloads and policies that name no namespace
/// placed in `namespace` (as Helm places a chart's objects in the release
/// namespace) instead of `default`.
pub fn lint_sources_in(
    sources: &[Source],
    namespace: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<Finding>, Errors> {
    let mut docs = parse_sources(sources)?;
    if let Some(ns) = namespace {
        for doc in &mut docs {
            manifest::default_namespace(&mut doc.value, ns);
        }
    }
    Ok(finish(sources, lint_docs(&docs, now)))
}

/// Lints one YAML stream (e.g. a kustomize build on stdin) at `now`.
pub fn lint_stream(text: &str, file: &str, now: DateTime<Utc>) -> Result<Vec<Finding>, Errors> {
    lint_sources(
        &[Source {
            file: file.to_string(),
            text: text.to_string(),
        }],
        now,
    )
}

/// Lints parsed documents at `now`; findings carry no line numbers.
pub fn lint_docs(docs: &[Doc], now: DateTime<Utc>) -> Vec<Finding> {
    lint_all(docs, &[], now)
}

fn lint_all(docs: &[Doc], intents: &[Intent], now: DateTime<Utc>) -> Vec<Finding> {
    let ctx = context::Ctx::new(docs, intents, now);
    let mut findings = ctx.parse_findings.clone();
    rules::run(&ctx, &mut findings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    findings
}

/// True if any finding has error severity.
pub fn has_errors(findings: &[Finding]) -> bool {
    FailOn::Error.fails(findings)
}

/// The least severe finding that fails a run (`--fail-on`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FailOn {
    /// Errors fail; warnings and info do not.
    #[default]
    Error,
    /// Errors and warnings fail.
    Warning,
}

impl FailOn {
    /// True if some finding is at least as severe as this level.
    pub fn fails(self, findings: &[Finding]) -> bool {
        let worst = match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        };
        findings.iter().any(|f| f.severity <= worst)
    }
}
