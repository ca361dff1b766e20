//! The Helm post-renderer: the chart's rendered manifests in, the same
//! manifests plus the NetworkPolicies out.
//!
//! The chart's documents are copied through byte for byte, so they mean
//! exactly what they meant to whoever reads them next (a ConfigMap value
//! `"0644"` stays a quoted string, an unquoted `on` stays what the chart
//! author wrote, comments and `# Source:` lines stay). They are parsed only
//! to reject input that is not a stream of Kubernetes objects and to find
//! name collisions. Helm 4 annotates every document with
//! [`FILENAME_ANNOTATION`] and regroups the output by it; when the input
//! carries it, each generated policy gets one of its own
//! (`netpolgen/<policy>.yaml`). Helm 3 neither sets nor strips it, so then
//! none is added.

use serde_json::Value;

use crate::diag::{Diagnostic, Errors, locate};
use crate::k8s::NetworkPolicy;
use crate::k8s::yaml;

/// Set by Helm 4 on each document it hands a post-renderer, read back (and
/// removed) to split the output into files.
pub const FILENAME_ANNOTATION: &str = "postrenderer.helm.sh/postrender-filename";

/// How errors name the chart's stream.
const STDIN: &str = "stdin";

/// What the post-renderer writes: the chart's stream and the policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRendered {
    pub output: String,
    /// Where the chart's bytes are in `output`.
    pub chart: std::ops::Range<usize>,
    /// Where the generated policies are in `output`.
    pub generated: std::ops::Range<usize>,
}

impl PostRendered {
    /// The chart's part of the output: its input, byte for byte.
    pub fn chart(&self) -> &str {
        &self.output[self.chart.clone()]
    }

    /// The generated policies' part of the output.
    pub fn generated(&self) -> &str {
        &self.output[self.generated.clone()]
    }
}

/// The output stream: `input` unchanged, then `policies`. An error when the
/// input is not a stream of objects, when a chart NetworkPolicy has the
/// name of a generated one in the same namespace, or when the result would
/// be empty (Helm 4 rejects empty post-renderer output).
pub fn post_render(
    input: &str,
    policies: &[NetworkPolicy],
    machinery: &[Value],
) -> Result<PostRendered, Errors> {
    let docs = yaml::parse_documents(input).map_err(|e| {
        Diagnostic::error(format!("invalid YAML from the chart: {}", e.message))
            .in_file(STDIN)
            .at_line(e.line)
    })?;
    let mut errors = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let kind = doc.get("kind").and_then(Value::as_str);
        let api_version = doc.get("apiVersion").and_then(Value::as_str);
        if kind.is_none() || api_version.is_none() {
            errors.push(
                Diagnostic::error(format!(
                    "document {} is not a Kubernetes object (it needs apiVersion and kind)",
                    i + 1
                ))
                .in_file(STDIN)
                .at_line(locate(input, i, &[])),
            );
        }
    }
    for policy in policies {
        if let Some(i) = docs.iter().position(|d| collides(d, policy)) {
            errors.push(
                Diagnostic::error(format!(
                    "the chart already renders NetworkPolicy {}{}; netpolgen would render \
                     another of that name: rename one of them",
                    policy.metadata.name,
                    source_of(&docs[i]).map_or(String::new(), |s| format!(" (in {s})")),
                ))
                .in_file(STDIN)
                .at_line(locate(input, i, &[])),
            );
        }
    }
    if !errors.is_empty() {
        return Err(Errors(errors));
    }
    if docs.is_empty() && policies.is_empty() {
        return Err(Diagnostic::error(
            "nothing to output: the chart rendered no objects and the NetworkPolicySet no \
             policies (Helm rejects an empty post-renderer result)",
        )
        .in_file(STDIN)
        .into());
    }
    let helm4 = docs.iter().any(|d| source_of(d).is_some());
    let generated: Vec<NetworkPolicy> = policies
        .iter()
        .map(|p| {
            let mut p = p.clone();
            if helm4 {
                p.metadata.annotations.insert(
                    FILENAME_ANNOTATION.to_string(),
                    format!("netpolgen/{}.yaml", p.metadata.name),
                );
            }
            p
        })
        .collect();
    let mut stream = yaml::to_stream(&generated);
    stream.push_str(&yaml::to_stream(machinery));
    // Appending after a chart that ends without a newline would change
    // its last value (a block scalar `|` would gain a line break): then the
    // policies go first and the chart's bytes follow, untouched.
    if input.is_empty() || input.ends_with('\n') {
        let mut output = input.to_string();
        output.push_str(&stream);
        return Ok(PostRendered {
            chart: 0..input.len(),
            generated: input.len()..output.len(),
            output,
        });
    }
    let mut output = stream;
    let generated = 0..output.len();
    if input.starts_with('%') {
        output.push_str("...\n");
    } else if !starts_with_marker(input) {
        output.push_str("---\n");
    }
    let start = output.len();
    output.push_str(input);
    Ok(PostRendered {
        chart: start..output.len(),
        generated,
        output,
    })
}

/// True when the stream opens with a `---` document marker (after
/// comments and blank lines).
fn starts_with_marker(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .is_some_and(|l| l == "---" || l.starts_with("--- "))
}

/// The chart file Helm 4 says a document came from.
fn source_of(doc: &Value) -> Option<&str> {
    doc.pointer("/metadata/annotations")?
        .get(FILENAME_ANNOTATION)?
        .as_str()
}

/// A chart NetworkPolicy that `kubectl apply` would treat as the same
/// object as `policy`. A document without a namespace lands in the
/// release's namespace, which may be the policy's.
fn collides(doc: &Value, policy: &NetworkPolicy) -> bool {
    let is_policy = doc.get("kind").and_then(Value::as_str) == Some("NetworkPolicy")
        && doc
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("networking.k8s.io/"));
    let name = doc.pointer("/metadata/name").and_then(Value::as_str);
    let namespace = doc.pointer("/metadata/namespace").and_then(Value::as_str);
    is_policy
        && name == Some(policy.metadata.name.as_str())
        && namespace.is_none_or(|ns| Some(ns) == policy.metadata.namespace.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::ObjectMeta;

    fn policy(name: &str) -> NetworkPolicy {
        NetworkPolicy {
            api_version: "networking.k8s.io/v1".into(),
            kind: "NetworkPolicy".into(),
            metadata: ObjectMeta {
                name: name.into(),
                namespace: Some("app".into()),
                ..Default::default()
            },
            spec: Default::default(),
        }
    }

    const CHART: &str = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  mode: \"0644\"\n  flag: on\n";

    #[test]
    fn chart_documents_pass_through_byte_for_byte() {
        let rendered = post_render(CHART, &[policy("p")], &[]).unwrap();
        assert_eq!(rendered.chart(), CHART);
        assert!(rendered.generated().starts_with("---\n"));
        let out = rendered.output;
        let docs = yaml::parse_documents(&out).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1]["metadata"]["name"], "p");
        // Helm 3 input: no filename annotation is invented.
        assert!(!out[CHART.len()..].contains(FILENAME_ANNOTATION), "{out}");
    }

    #[test]
    fn a_missing_final_newline_keeps_the_last_value() {
        let chart = CHART.trim_end();
        let out = post_render(chart, &[policy("p")], &[]).unwrap();
        assert_eq!(out.chart(), chart);
        assert!(out.output.ends_with(chart));
        let docs = yaml::parse_documents(&out.output).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0]["metadata"]["name"], "p");
        // A block scalar without a final newline stays at the very end, so
        // it keeps its value (tests/helm.rs reads it with PyYAML).
        let block = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  b: |\n    line";
        let out = post_render(block, &[policy("p")], &[]).unwrap();
        assert_eq!(out.chart(), block);
        assert!(
            out.output.ends_with(&format!("---\n{block}")),
            "{}",
            out.output
        );
    }

    #[test]
    fn helm4_input_gets_filenames_for_generated_policies() {
        let input = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    postrenderer.helm.sh/postrender-filename: 'templates/cm.yaml'\n";
        let out = post_render(input, &[policy("p")], &[]).unwrap().output;
        let docs = yaml::parse_documents(&out).unwrap();
        assert_eq!(
            docs[1]["metadata"]["annotations"][FILENAME_ANNOTATION],
            "netpolgen/p.yaml"
        );
        assert!(out.starts_with(input));
    }

    #[test]
    fn a_chart_policy_of_the_same_name_is_an_error() {
        let input = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  annotations: {postrenderer.helm.sh/postrender-filename: templates/np.yaml}\nspec: {}\n";
        let err = post_render(input, &[policy("p")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("stdin:5:"), "{err}");
        assert!(err.contains("(in templates/np.yaml)"), "{err}");
        // Another namespace is another object.
        let other = input.replace("  name: p\n", "  name: p\n  namespace: elsewhere\n");
        assert!(post_render(&other, &[policy("p")], &[]).is_ok());
    }

    #[test]
    fn non_objects_and_empty_results_are_errors() {
        let err = post_render("a: 1\n", &[policy("p")], &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("stdin:1: document 1 is not a Kubernetes object"),
            "{err}"
        );
        let err = post_render("kind: [\n", &[], &[]).unwrap_err().to_string();
        assert!(err.contains("invalid YAML"), "{err}");
        let err = post_render("# nothing\n", &[], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("nothing to output"), "{err}");
        // An empty chart with policies is fine.
        let only = post_render("", &[policy("p")], &[]).unwrap();
        assert_eq!((only.chart(), only.generated.start), ("", 0));
        assert!(only.generated().starts_with("---\n"));
    }
}
