use super::*;
use crate::k8s::yaml::parse_documents_slow;

fn read(text: &str) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    documents(text, |v| {
        out.push(v);
        Some(())
    })?;
    Some(out)
}

#[test]
fn plain_yaml_reads_as_serde_saphyr_reads_it() {
    for text in [
        "a: 1\nb: [x, 'y', \"z\"]\nc: {d: null, e: ~}\ng: true\nh: on\ni: yes\nj: -5\nk: 0\n",
        "---\n---\nkind: A\nspec:\n  podSelector: {}\n  ports:\n  - port: 8080\n    protocol: TCP\n---\nkind: B\n",
        "n: 'it''s'\no: \"tab\\there\"\np: \"a \\\"q\\\" \\\\ b\"\n",
        "labels:\n  app.kubernetes.io/name: ingress-nginx\n  v: prod-1.2\n  w: a b c\n",
        "list:\n- {}\n- []\n- [a, {b: c}]\n-   x: 1\n    y: [2]\n",
        "---\n~\n---\na: 1\n---\nplain text\n",
        "# lead\na: # c\n  b: x # y\n  # inside\n  c: [1, 2] # z\n\n\nd:\n- 1\n",
        "a:\n  - x\n  - y\nb:\n- k: 1\n  l:\n  - m\n  n:\n    o: p\n- q\n",
        "'quoted key': 1\n\"dq\": {\"k\": 'v'}\nurl: http://x:80/y\ncomma: a,b\n",
        "s0: {labels: {app: s0, tier: t0}, ports: {http: 8000, metrics: 9090}}\nf: {from: p1, to: s2, ports: [http, 8080]}\n",
        "  indented: 1\n  top: 2\n",
        "- a\n- b\n",
        "{a: 1}\n",
        "a:\nb: ~\n",
        "é: ü\n",
    ] {
        assert_eq!(
            read(text),
            Some(parse_documents_slow(text).unwrap()),
            "{text}"
        );
    }
}

#[test]
fn anything_else_takes_another_path() {
    for text in [
        "a: 0644\n",
        "a: 1.5\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "<<: {a: 1}\n",
        "? [a]\n: 1\n",
        "a: 1\na: 2\n",
        "a: {b: 1, b: 2}\n",
        "a: [1\n",
        "a: |\n  x\n",
        "a: >\n  x\n",
        "a: b\n  c\n",
        "a:\n  b\n",
        "a: b: c\n",
        "- - a\n",
        "-\n  a: 1\n",
        "a:\tb\n",
        "a: 1\r\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n...\n",
        "--- a: 1\n",
        "a: \"x # y\"\n",
        "a: [b, ]\n",
        "a: {b: }\n",
        "a: {b:c}\n",
        "a: 1\n - b\n",
        "- a: 1\n - b\n",
        "a: 1\n- b\n",
        "a: \"\\u00e9\"\n",
        "a: 'open\n",
        "a: [x] y\n",
        "1: a\n",
        "true: a\n",
        "a : b\n",
        "[a]: b\n",
        "a:\n",
    ] {
        let got = read(text);
        if let Some(v) = &got {
            // Whatever it answers must be serde-saphyr's answer.
            assert_eq!(Some(v), parse_documents_slow(text).ok().as_ref(), "{text}");
        }
        if !text.starts_with("a:\n") {
            assert_eq!(got, None, "{text}");
        }
    }
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(read(&format!("a: {deep}\n")), None);
}

/// Flow style as people write it: `{k: v, ...}`, `[a, b]`.
fn flow(v: &Value) -> String {
    match v {
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", scalar_text(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => scalar_text(s),
        other => other.to_string(),
    }
}

fn scalar_text(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "./-".contains(c))
        && !s.is_empty()
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        "[ -~]{0,12}".prop_map(Value::String),
        "[a-z][a-z0-9./-]{0,8}".prop_map(Value::String),
        prop_oneof![
            Just("on"),
            Just("0644"),
            Just("1_000"),
            Just("1e3"),
            Just("~"),
            Just("y"),
            Just("-x"),
            Just("a: b"),
            Just("a #b"),
            Just("'q'")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    scalar.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z./-]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
    /// Whatever this reader answers, serde-saphyr answers the same: on text
    /// serde-saphyr wrote, in flow style, and hand-mangled.
    #[test]
    fn the_plain_reader_agrees_with_serde_saphyr(v in value(), cut in 0usize..64, at in 0usize..64) {
        let text = crate::k8s::yaml::to_string(&v);
        let flowed = format!("k: {}\n", flow(&v));
        let shifted = text.lines().map(|l| format!("  {l}\n")).collect::<String>();
        let mut texts = vec![
            text.clone(),
            text.replace('"', ""),
            text.replace("- ", "-   "),
            text[..cut.min(text.len())].to_string(),
            flowed.clone(),
            flowed[..at.min(flowed.len())].to_string(),
            shifted,
            format!("---\n{text}---\n{text}"),
        ];
        if let Some(i) = text.find('\n') {
            let mut t = text.clone();
            t.insert_str(i, " # note");
            texts.push(t);
        }
        for t in texts {
            if !t.is_char_boundary(t.len()) { continue; }
            if let Some(fast) = read(&t) {
                proptest::prop_assert_eq!(Some(fast), parse_documents_slow(&t).ok(), "{}", t);
            }
        }
    }
}
