//! `netpolgen lint`: the sorted findings as text, JSON or SARIF 2.1.0;
//! none reorders or drops anything.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{Format, Options, unsupported};
use crate::diag::{ResourceRef, Severity};
use crate::lint::{Code, Finding};

/// The formats `lint` writes.
pub const FORMATS: [Format; 3] = [Format::Text, Format::Json, Format::Sarif];

/// Writes the findings in `format`.
pub fn write(
    findings: &[Finding],
    format: Format,
    _options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text(findings, out),
        Format::Json => super::json(&json_doc(findings), out),
        Format::Sarif => super::json(&sarif(findings), out),
        other => Err(unsupported("lint findings", other)),
    }
}

/// `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects.
pub fn resource_name(r: &ResourceRef) -> String {
    match &r.namespace {
        Some(ns) => format!("{}/{ns}/{}", r.kind, r.name),
        None => format!("{}/{}", r.kind, r.name),
    }
}

/// One line per finding:
/// `file:line: severity CODE Kind/ns/name field: message`. Without a line
/// number the location is `file (document N)`, N counting from 0.
pub fn text(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    for f in findings {
        let location = match f.line {
            Some(line) => format!("{}:{line}", f.file),
            None => format!("{} (document {})", f.file, f.index + 1),
        };
        let field = if f.field.0.is_empty() {
            String::new()
        } else {
            format!(" {}", f.field)
        };
        writeln!(
            out,
            "{location}: {} {} {}{field}: {}",
            f.severity.as_str(),
            f.code,
            resource_name(&f.resource),
            f.message
        )?;
    }
    Ok(())
}

/// `N errors, N warnings, N info` (for stderr).
pub fn summary(findings: &[Finding]) -> String {
    let (e, w, i) = counts(findings);
    format!("{e} error(s), {w} warning(s), {i} info")
}

fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let n = |s| findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

fn resource_json(r: &ResourceRef) -> Value {
    let mut m = Map::new();
    m.insert("apiVersion".into(), json!(r.api_version));
    m.insert("kind".into(), json!(r.kind));
    if let Some(ns) = &r.namespace {
        m.insert("namespace".into(), json!(ns));
    }
    m.insert("name".into(), json!(r.name));
    Value::Object(m)
}

/// `{"findings": [...], "summary": {...}}`, keys in a fixed order.
fn json_doc(findings: &[Finding]) -> Value {
    let list: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code.id(),
                "rule": f.code.name(),
                "severity": f.severity.as_str(),
                "file": f.file,
                "document": f.index + 1,
                "line": f.line,
                "resource": resource_json(&f.resource),
                "field": f.field.to_string(),
                "message": f.message,
            })
        })
        .collect();
    let (e, w, i) = counts(findings);
    json!({
        "findings": list,
        "summary": {"errors": e, "warnings": w, "info": i},
    })
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference for a path: `/` kept, other reserved bytes
/// percent-encoded; absolute paths become `file://` URIs.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// A minimal SARIF 2.1.0 log: one run, every rule in `tool.driver.rules`.
fn sarif(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.id(),
                "name": c.name(),
                "shortDescription": {"text": c.summary()},
                "defaultConfiguration": {"level": sarif_level(c.severity())},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut physical = json!({"artifactLocation": {"uri": uri(&f.file)}});
            if let Some(line) = f.line {
                physical["region"] = json!({"startLine": line});
            }
            let name = resource_name(&f.resource);
            let qualified = if f.field.0.is_empty() {
                name.clone()
            } else {
                format!("{name}:{}", f.field)
            };
            json!({
                "ruleId": f.code.id(),
                "ruleIndex": Code::ALL.iter().position(|c| *c == f.code),
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": physical,
                    "logicalLocations": [{
                        "name": f.resource.name,
                        "fullyQualifiedName": qualified,
                        "kind": "resource",
                    }],
                }],
                "properties": {"document": f.index + 1, "field": f.field.to_string()},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "netpolgen",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded() {
        assert_eq!(uri("overlays/prod/a b.yaml"), "overlays/prod/a%20b.yaml");
        assert_eq!(uri("/tmp/x.yaml"), "file:///tmp/x.yaml");
        assert_eq!(uri("stdin"), "stdin");
    }
}
