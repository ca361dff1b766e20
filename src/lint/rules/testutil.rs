//! Helpers for the rule tables: lint inline YAML, keep one code.

use crate::lint::{Code, Finding, lint_stream};

/// The moment the tables are linted at.
pub(super) const NOW: &str = "2026-12-05T05:00:00Z";

/// `(field, message)` of every finding with `code` in `text`.
pub(super) fn findings(text: &str, code: Code) -> Vec<(String, String)> {
    let now = chrono::DateTime::parse_from_rfc3339(NOW)
        .expect("a time")
        .to_utc();
    let all: Vec<Finding> =
        lint_stream(text, "case.yaml", now).unwrap_or_else(|e| panic!("case does not parse: {e}"));
    all.into_iter()
        .filter(|f| f.code == code)
        .map(|f| (f.field.to_string(), f.message))
        .collect()
}

/// Runs a table: each case is (name, YAML, expected field paths of `code`).
pub(super) fn table(code: Code, cases: &[(&str, &str, &[&str])]) {
    for (name, text, want) in cases {
        let got = findings(text, code);
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(&fields, want, "{code} case {name:?}: {got:#?}");
    }
}

/// A Deployment in `ns` with pod labels and `(name, port, protocol)` ports,
/// as one flow-style YAML document.
pub(super) fn deploy(ns: &str, name: &str, labels: &str, ports: &[(&str, u16, &str)]) -> String {
    let ports: Vec<String> = ports
        .iter()
        .map(|(n, p, proto)| format!("{{name: {n}, containerPort: {p}, protocol: {proto}}}"))
        .collect();
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{template: {{metadata: {{labels: {labels}}}, spec: {{containers: [{{name: c, ports: [{}]}}]}}}}}}\n",
        ports.join(", ")
    )
}

/// A NetworkPolicy in `ns` with `spec` written as flow YAML.
pub(super) fn policy(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n"
    )
}

/// A Namespace with labels.
pub(super) fn namespace(name: &str, labels: &str) -> String {
    format!("---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}\n")
}
