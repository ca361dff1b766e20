//! Every CiliumNetworkPolicy netpolgen renders validates against the
//! CRD's schema (vendored in `tests/cilium/`, the fields netpolgen uses),
//! strictly: the render goldens, and the ALT_LAS Cilium overlay.

mod common;

use common::*;

/// Validates every CiliumNetworkPolicy of `text`, and those a window's
/// ConfigMap holds for its runner to apply.
fn assert_valid(schema: &jsonschema::Validator, text: &str, what: &str) -> usize {
    let all = docs(text);
    let mut policies = of_kind(&all, "CiliumNetworkPolicy");
    for config in of_kind(&all, "ConfigMap") {
        if let Some(inside) = config["data"]["policies.yaml"].as_str() {
            policies.extend(of_kind(&docs(inside), "CiliumNetworkPolicy"));
        }
    }
    let mut n = 0;
    for doc in policies {
        let errors = cilium_schema_errors(schema, &doc);
        assert!(
            errors.is_empty(),
            "{what}: {}: {errors:#?}",
            doc["metadata"]["name"]
        );
        n += 1;
    }
    n
}

#[test]
fn every_cilium_render_golden_validates_against_the_crd_schema() {
    let schema = cilium_schema();
    let mut checked = 0;
    for dir in ["render", "post-render"] {
        let root = repo().join("tests/testdata").join(dir);
        let mut cases: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        cases.sort();
        for case in cases {
            let mut goldens: Vec<_> = std::fs::read_dir(&case)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy();
                    name == "stdout" || name.ends_with(".stdout")
                })
                .collect();
            goldens.sort();
            for stdout in goldens {
                let text = std::fs::read_to_string(&stdout).unwrap();
                if text.contains("apiVersion:") {
                    checked += assert_valid(&schema, &text, &stdout.display().to_string());
                }
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} CiliumNetworkPolicies checked"
    );
}

#[test]
fn the_alt_las_cilium_overlay_validates_against_the_crd_schema() {
    let schema = cilium_schema();
    let n = assert_valid(&schema, &render_overlay("prod-cilium"), "prod-cilium");
    assert_eq!(n, 16);
}

#[test]
fn the_schema_rejects_what_cilium_would() {
    let schema = cilium_schema();
    let good = r#"{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "x"},
        "spec": {"endpointSelector": {}, "egress": [{"toFQDNs": [{"matchName": "a.example.com"}],
                 "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}]}}"#;
    let good: serde_json::Value = serde_json::from_str(good).unwrap();
    assert_eq!(cilium_schema_errors(&schema, &good), Vec::<String>::new());
    let bad = |pointer: &str, value: serde_json::Value| {
        let mut doc = good.clone();
        *doc.pointer_mut(pointer).unwrap() = value;
        assert!(
            !cilium_schema_errors(&schema, &doc).is_empty(),
            "{pointer} accepted"
        );
    };
    // A misspelt field, a number where Cilium wants a string, an unknown
    // protocol, a name with a space, a rule with both names and patterns.
    bad(
        "/spec/egress/0/toPorts/0",
        serde_json::json!({"port": [{"port": "443"}]}),
    );
    bad(
        "/spec/egress/0/toPorts/0/ports/0/port",
        serde_json::json!(443),
    );
    bad(
        "/spec/egress/0/toPorts/0/ports/0/protocol",
        serde_json::json!("ICMP"),
    );
    bad(
        "/spec/egress/0/toFQDNs/0/matchName",
        serde_json::json!("a b"),
    );
    bad(
        "/spec/egress/0/toFQDNs/0",
        serde_json::json!({"matchName": "a.com", "matchPattern": "*.a.com"}),
    );
    bad("/spec", serde_json::json!({"endpointSelector": {}}));
}
