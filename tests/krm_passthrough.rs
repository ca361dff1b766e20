//! KRM pass-through: every input item comes back with the same scalars,
//! tags and values on every path, read by an independent YAML reader
//! (PyYAML's composer: each node's resolved tag and its scalar text), in
//! render mode and in the validator (`--lint`), whatever the layout.

mod common;

use std::process::Command;

use common::bin_path;

/// The composed items of a ResourceList: `[tag, value]` trees as JSON.
fn composed_items(text: &str) -> Option<serde_json::Value> {
    if common::missing(&["python3"]) {
        return None;
    }
    const SCRIPT: &str = r#"
import sys, json, yaml
def tree(n):
    if isinstance(n, yaml.ScalarNode):
        return [n.tag, n.value]
    if isinstance(n, yaml.SequenceNode):
        return [n.tag, [tree(i) for i in n.value]]
    return [n.tag, [[tree(k), tree(v)] for k, v in n.value]]
root = yaml.compose(sys.stdin.read())
items = dict((k.value, v) for k, v in root.value)["items"]
print(json.dumps([tree(i) for i in items.value]))
"#;
    let mut python = Command::new("python3");
    python.args(["-c", SCRIPT]);
    let out = common::pipe(python, text.as_bytes());
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("No module named 'yaml'")
        && std::env::var_os("NETPOLGEN_REQUIRE_TOOLS").is_none()
    {
        return None;
    }
    assert!(out.status.success(), "{err}");
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn run(args: &[&str], input: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let mut cmd = Command::new(bin_path());
    cmd.args(args).current_dir(dir.path());
    let out = common::pipe(cmd, input.as_bytes());
    String::from_utf8(out.stdout).unwrap()
}

const CONFIG: &str = "{apiVersion: netpolgen.io/v1alpha1, kind: NetworkPolicySet, metadata: {name: s}, spec: {environment: e, namespace: shop, services: {web: {labels: {app: web}, ports: {http: 8080}}}}}";

/// Items whose scalars a lossy round trip would retype.
const ITEMS: [&str; 2] = [
    "{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {n: 1e3, o: 0o17, big: 18446744073709551616, z: 0999, f: 1.50, b: yes}}",
    "{apiVersion: v1, kind: Secret, metadata: {name: b}, data: {raw: !!binary aGVsbG8=, t: !custom x}}",
];

fn layouts() -> Vec<(&'static str, String)> {
    let flow = format!(
        "{{apiVersion: config.kubernetes.io/v1, kind: ResourceList, items: [{}, {}], functionConfig: {CONFIG}}}\n",
        ITEMS[0], ITEMS[1]
    );
    let block = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {}\n- {}\nfunctionConfig: {CONFIG}\n",
        ITEMS[0], ITEMS[1]
    );
    let anchored = block
        .replace("name: a}", "name: &n a}")
        .replace("name: b}", "name: *n}");
    let crlf = block.replace('\n', "\r\n");
    let json = "{\"apiVersion\": \"config.kubernetes.io/v1\", \"kind\": \"ResourceList\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"j\"}, \"data\": {\"n\": 1e3, \"big\": 18446744073709551616, \"s\": \"0644\"}}], \"functionConfig\": CONFIG}\n"
        .replace("CONFIG", CONFIG);
    vec![
        ("flow", flow),
        ("block", block),
        ("anchored", anchored),
        ("crlf", crlf),
        ("json", json),
    ]
}

#[test]
fn items_come_back_with_the_same_scalars_tags_and_values() {
    for (name, input) in layouts() {
        let Some(want) = composed_items(&input) else {
            return;
        };
        let n = want.as_array().unwrap().len();
        for args in [&["--root", "."][..], &["--lint"][..]] {
            let out = run(args, &input);
            let got = composed_items(&out).unwrap();
            assert_eq!(
                &got.as_array().unwrap()[..n],
                want.as_array().unwrap().as_slice(),
                "{name} {args:?}:\n{out}"
            );
        }
    }
}
