//! What `analyze`, `check` and `lint` read: manifests as kubectl reads
//! them, and NetworkPolicySets (a file, or a directory holding one), each
//! rendered and standing for its own workloads and peers. Manifests given
//! beside an intent add to its workloads, or replace those of the same
//! namespace and name.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::render::render_one;
use super::{Ctx, Outcome};
use crate::diag::{Diagnostic, Errors, FieldPath};
use crate::io::{self, Disk};
use crate::k8s::expiry;
use crate::k8s::manifest::{Doc, Manifests, collect, lines, parse_lenient};
use crate::model::cluster;
use crate::spec::detect;

/// Everything read, and what could not be.
pub struct Input {
    pub m: Manifests,
    /// Files and documents that could not be read: reported, not fatal.
    pub problems: Vec<Diagnostic>,
    /// Window policies past their expiry (or with an unreadable one) at
    /// `--at`, or now: reported, not fatal.
    pub warnings: Vec<Diagnostic>,
    pub files: usize,
    pub documents: usize,
    /// The paths as given (stdin when none).
    pub paths: Vec<PathBuf>,
}

/// Reads `paths` (stdin when none).
/// Intents stand for the policies in force at `at` (every window closed
/// without it); window expiries are judged at `at`, or now.
pub fn load(
    paths: &[PathBuf],
    at: Option<DateTime<Utc>>,
    root: Option<&Path>,
    ctx: &Ctx<'_>,
) -> Result<Input, Outcome> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        paths.to_vec()
    };
    let (intents, manifests): (Vec<&PathBuf>, Vec<&PathBuf>) =
        paths.iter().partition(|p| is_intent(p, root));
    let read = io::manifests::read(&manifests.into_iter().cloned().collect::<Vec<_>>())
        .map_err(|e| Outcome::io_failed(ctx, &e))?;
    let mut problems = read.problems;
    let mut docs = Vec::new();
    for s in &read.sources {
        let (d, p) = parse_lenient(&s.text, &s.file);
        docs.extend(d);
        problems.extend(p);
    }
    let documents = docs.len() + problems.len();
    let (mut m, p) = collect(&docs);
    problems.extend(p);
    let mut warnings = stale_windows(&docs, at.unwrap_or_else(Utc::now));
    for s in &read.sources {
        lines::fill(&s.file, &s.text, &mut problems);
        lines::fill(&s.file, &s.text, &mut warnings);
    }
    for path in &intents {
        let r = render_one(path, root).map_err(|f| Outcome::failure(ctx, &f))?;
        let (namespaces, workloads) = cluster::workloads(&r.model);
        let policies = match at {
            Some(t) => r.at(t),
            None => r.policies.clone(),
        };
        m.add_intent(r.loaded.map.top(), &policies, &namespaces, &workloads);
        let cilium = match at {
            Some(t) => r.cilium_at(t),
            None => r.cilium.clone(),
        };
        let cilium: Vec<_> = cilium.into_iter().map(|c| c.policy).collect();
        m.add_cilium(r.loaded.map.top(), &cilium);
    }
    Ok(Input {
        m,
        problems,
        warnings,
        files: read.sources.len() + intents.len(),
        documents,
        paths,
    })
}

/// A warning for every window policy past its expiry at `now`.
fn stale_windows(docs: &[Doc], now: DateTime<Utc>) -> Vec<Diagnostic> {
    let field = FieldPath::keys(&["metadata", "annotations", expiry::EXPIRES]);
    docs.iter()
        .filter_map(|d| {
            let s = expiry::stale(&d.value, now)?;
            Some(
                Diagnostic::warning(s.message())
                    .in_file(d.file.clone())
                    .at_index(d.index)
                    .at_field(field.clone()),
            )
        })
        .collect()
}

/// True for a NetworkPolicySet file, or a directory holding one.
pub(super) fn is_intent(path: &Path, root: Option<&Path>) -> bool {
    if path.as_os_str() == "-" {
        return false;
    }
    if path.is_dir() {
        return Disk::new(root, path)
            .is_ok_and(|d| detect::set_files(&d, path).is_ok_and(|f| !f.is_empty()));
    }
    io::read_regular(path).is_ok_and(|t| detect::holds_set(&t))
}

impl Input {
    /// Errors when nothing to analyze was found, saying what was read.
    pub fn require_workloads(&self) -> Result<(), Errors> {
        if !self.m.workloads.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = self
            .paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    "stdin".to_string()
                } else {
                    p.display().to_string()
                }
            })
            .collect();
        let mut why = format!(
            "no workloads found in {} ({} file(s) read, {} document(s), {} skipped",
            shown.join(", "),
            self.files,
            self.documents,
            self.problems.len()
        );
        if let Some(first) = self.problems.first() {
            why.push_str(&format!(": {first}"));
        }
        why.push(')');
        Err(Diagnostic::error(why).into())
    }

    /// What was read and what was not used, for stderr: warnings for kinds
    /// not evaluated and fields of cluster-wide and Cilium policies not
    /// evaluated, and a summary line when anything was left out.
    pub fn notes(&self) -> String {
        let m = &self.m;
        let mut out = String::new();
        for (o, why) in &m.not_evaluated {
            out.push_str(&format!(
                "warning: {}: document {}: {} is not evaluated ({why}); the answer leaves it out\n",
                o.file,
                o.index + 1,
                o.kind
            ));
        }
        for (p, o) in m.tiers.iter().zip(&m.tier_origins) {
            for u in &p.unevaluated {
                out.push_str(&format!(
                    "warning: {}: document {}: {} {}: {} is not evaluated ({:?})\n",
                    o.file,
                    o.index + 1,
                    o.kind,
                    p.name,
                    u.path,
                    u.reason
                ));
            }
        }
        for (p, o) in m.cilium.iter().zip(&m.cilium_origins) {
            let name = match &p.namespace {
                Some(ns) => format!("{ns}/{}", p.name),
                None => p.name.clone(),
            };
            for u in &p.unevaluated {
                out.push_str(&format!(
                    "warning: {}: document {}: {} {name}: {} is not evaluated: {}\n",
                    o.file,
                    o.index + 1,
                    o.kind,
                    u.path,
                    u.reason
                ));
            }
        }
        if m.unused.is_empty() && self.problems.is_empty() && m.not_evaluated.is_empty() {
            return out;
        }
        let unused: Vec<String> = m.unused.iter().map(|(k, n)| format!("{k} ({n})")).collect();
        out.push_str(&format!(
            "read {} file(s), {} document(s): {} workload(s), {} NetworkPolicy(s), {} cluster-wide{}; {} invalid, {} not evaluated, {} not used{}\n",
            self.files,
            self.documents,
            m.workloads.len(),
            m.policies.len(),
            m.tiers.len(),
            if m.cilium.is_empty() {
                String::new()
            } else {
                format!(", {} Cilium", m.cilium.len())
            },
            self.problems.len(),
            m.not_evaluated.len(),
            m.skipped,
            if unused.is_empty() {
                String::new()
            } else {
                format!(": {}", unused.join(", "))
            }
        ));
        out
    }
}
