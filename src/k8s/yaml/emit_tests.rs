use super::*;
use serde_json::{Value, json};

fn saphyr<T: Serialize>(v: &T) -> String {
    serde_saphyr::to_string(v).unwrap()
}

#[test]
fn common_shapes_are_written_as_serde_saphyr_writes_them() {
    for v in [
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "allow-a-prod", "labels": {"app.kubernetes.io/part-of": "x"}},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"k": "v"}},
                                               "podSelector": {}}],
                                     "ports": [{"protocol": "TCP", "port": 80, "endPort": 90}]},
                                    {}, {"from": []}]}}),
        json!([]),
        json!({}),
        json!([{}, [], {"a": []}, {"a": {}}, "x", 1, -2, true, null]),
        json!({"a": [{"b": [{"c": {"d": [1]}}]}], "e": null, "f": false}),
        json!("word"),
        json!(7),
        json!({"a": {"b": {"c": {}}}}),
        json!([{"a": [[]]}]),
    ] {
        assert_eq!(to_string(&v), Some(saphyr(&v)), "{v}");
    }
}

#[test]
fn anything_else_takes_the_slow_path() {
    for v in [
        json!("on"),
        json!({"a": "yes"}),
        json!({"a": "0644"}),
        json!({"a": ""}),
        json!({"a": "two words"}),
        json!({"a": "x".repeat(81)}),
        json!({"a": 1.5}),
        json!({"a": "line\nbreak"}),
        json!({"N": 1}),
        json!({"-a": 1}),
        json!([[1]]),
        json!({"a": "café"}),
    ] {
        assert_eq!(to_string(&v), None, "{v}");
    }
    // The slow path is not left half-written.
    let mut out = String::from("kept\n");
    assert!(!append(&mut out, &json!({"a": 1, "b": "on"})));
    assert_eq!(out, "kept\n");
}

#[test]
fn typed_policies_match() {
    let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: prod\n  labels: {a: b}\n  uid: x-1\nspec:\n  podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}\n  policyTypes: [Ingress, Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n    ports: [{port: dns, protocol: UDP}]\n";
    let p: crate::k8s::NetworkPolicy = crate::k8s::yaml::parse(text).unwrap();
    // "10.0.0.0/8" starts with a digit: the slow path, byte for byte the same.
    assert_eq!(to_string(&p), None);
    let mut p = p;
    p.spec.egress = None;
    assert_eq!(to_string(&p), Some(saphyr(&p)));
}

fn word() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        "[a-z][a-z0-9./_-]{0,10}",
        "[a-zA-Z0-9 .:/_#'\"-]{0,6}",
        Just("y".to_string()),
        Just("No".to_string()),
        Just("null".to_string()),
        Just("nan".to_string()),
        Just("a".repeat(80)),
        Just("a".repeat(81)),
    ]
}

fn value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        word().prop_map(Value::String),
    ];
    scalar.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
    /// Whatever the fast writer writes, serde-saphyr writes the same.
    #[test]
    fn the_fast_writer_agrees_with_serde_saphyr(v in value()) {
        if let Some(fast) = to_string(&v) {
            proptest::prop_assert_eq!(fast, saphyr(&v));
        }
        let jinja = minijinja::Value::from(minijinja::value::Serde(&v));
        if let Some(fast) = to_string(&jinja) {
            proptest::prop_assert_eq!(fast, saphyr(&jinja));
        }
    }
}
