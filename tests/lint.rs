//! `netpolgen lint` end to end: golden reports in every format, exit codes,
//! the KRM validator, and the ALT_LAS overlays.
//! Rule-by-rule tables live next to each rule in `src/lint/rules/`.
//! `UPDATE_GOLDEN=1 cargo test --test lint` rewrites the golden files;
//! read the diff before committing it.

mod common;

use common::*;
use serde_json::{Value, json};

const MIXED: &str = "tests/testdata/lint/mixed";
/// Runs the binary from the repository root: (stdout, stderr, exit code).
fn run(args: &[&str], stdin: Option<&str>) -> (String, String, i32) {
    let mut cmd = netpolgen();
    cmd.args(args).current_dir(repo());
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_string());
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn mixed_fixture_reports_the_same_bytes_in_every_format() {
    for format in ["text", "json", "sarif"] {
        let (stdout, stderr, code) = run(&["lint", MIXED, "--output", format], None);
        assert_eq!(code, 1, "{format}: error findings exit 1\n{stderr}");
        let again = run(&["lint", MIXED, "--output", format], None).0;
        assert_eq!(stdout, again, "{format}: same input, same bytes");
    }
}

#[test]
fn every_rule_fires_on_the_mixed_fixture() {
    let (stdout, _, _) = run(&["lint", MIXED, "-o", "json"], None);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let mut codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    codes.sort();
    codes.dedup();
    let all: Vec<&str> = netpolgen::lint::Code::ALL.iter().map(|c| c.id()).collect();
    assert_eq!(codes, all);
}

#[test]
fn sarif_log_is_well_formed() {
    let (stdout, _, _) = run(&["lint", MIXED, "-o", "sarif"], None);
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "netpolgen");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), netpolgen::lint::Code::ALL.len());
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "{r}");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0];
        let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with(MIXED), "{uri}");
        assert!(
            loc["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                > 0
        );
        assert_eq!(loc["logicalLocations"][0]["kind"], "resource");
    }
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let warn = dir.path().join("warn.yaml");
    std::fs::write(
        &warn,
        "kind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c}]}\n---\nkind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {matchLabels: {app: b}}}\n",
    )
    .unwrap();
    let bad_yaml = dir.path().join("bad.yaml");
    std::fs::write(&bad_yaml, "kind: [unclosed\n").unwrap();
    let warn = warn.to_str().unwrap();
    let (stdout, _, code) = run(&["lint", warn], None);
    assert_eq!(code, 0, "warnings only exit 0: {stdout}");
    assert!(
        stdout.contains("warning NP003 NetworkPolicy/x/p spec.podSelector"),
        "{stdout}"
    );
    assert_eq!(run(&["lint", MIXED], None).2, 1, "errors exit 1");
    let (_, stderr, code) = run(&["lint", "no/such/file.yaml"], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no/such/file.yaml"), "{stderr}");
    // Input that is not YAML is invalid input.
    let (_, stderr, code) = run(&["lint", bad_yaml.to_str().unwrap()], None);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("bad.yaml") && stderr.contains("invalid YAML"),
        "{stderr}"
    );
    assert_eq!(run(&["lint", MIXED, "-o", "xml"], None).2, 2);
    assert_eq!(run(&["lint"], None).2, 2);
    let text = std::fs::read_to_string(warn).unwrap();
    let (stdout, _, code) = run(&["lint", "-"], Some(&text));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("stdin:8: warning NP003"), "{stdout}");
}

/// The mixed fixture as a ResourceList, with kpt's path/index annotations.
fn resource_list() -> Value {
    let mut items = Vec::new();
    for file in ["namespaces.yaml", "policies.yaml", "workloads.yaml"] {
        let text = std::fs::read_to_string(repo().join(MIXED).join(file)).unwrap();
        for (i, mut doc) in docs(&text).into_iter().enumerate() {
            let ann = doc["metadata"]
                .as_object_mut()
                .unwrap()
                .entry("annotations")
                .or_insert_with(|| json!({}));
            ann["internal.config.kubernetes.io/path"] = json!(file);
            ann["internal.config.kubernetes.io/index"] = json!(i.to_string());
            items.push(doc);
        }
    }
    json!({
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
        "functionConfig": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
    })
}

#[test]
fn krm_validator_returns_items_unchanged_with_results() {
    let input = resource_list();
    let text = netpolgen::k8s::yaml::to_string(&input);
    let (stdout, stderr, code) = run(&["--lint"], Some(&text));
    assert_eq!(code, 1, "error findings exit 1\n{stderr}");
    let out: Value = netpolgen::k8s::yaml::parse(&stdout).unwrap();
    assert_eq!(out["kind"], "ResourceList");
    // Same items, same order, same keys in the same order.
    assert_eq!(
        serde_json::to_string(&out["items"]).unwrap(),
        serde_json::to_string(&input["items"]).unwrap()
    );
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), stderr.lines().count(), "{stderr}");
    let broken = results
        .iter()
        .find(|r| r["tags"]["code"] == "NP001" && r["resourceRef"]["name"] == "broken")
        .unwrap_or_else(|| panic!("no NP001 for the broken policy: {results:#?}"));
    assert_eq!(broken["severity"], "error");
    assert_eq!(
        broken["field"]["path"],
        "spec.ingress[0].from[0].ipBlock.cidr"
    );
    assert_eq!(broken["file"], json!({"path": "policies.yaml", "index": 6}));
    assert!(broken["message"].as_str().unwrap().starts_with("NP001: "));
}

#[test]
fn krm_validator_rejects_what_is_not_a_resource_list() {
    let (stdout, stderr, code) = run(&["--lint"], Some("kind: Pod\nmetadata: {name: a}\n"));
    assert_eq!(code, 1);
    assert!(stderr.contains("expected kind ResourceList"), "{stderr}");
    let out: Value = netpolgen::k8s::yaml::parse(&stdout).unwrap();
    assert_eq!(out["items"], json!([]));
    assert_eq!(out["results"][0]["severity"], "error");
}

/// The prod overlay's policies with the base workloads as kustomize puts
/// them in alt-las-prod.
fn alt_las_prod(dir: &std::path::Path) -> (String, String) {
    require_tool("kubectl");
    let policies = dir.join("policies.yaml");
    std::fs::write(&policies, render_overlay("prod")).unwrap();
    let out = std::process::Command::new("kubectl")
        .args(["kustomize", "tests/testdata/lint/alt-las-prod"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_success(&out);
    let workloads = dir.join("workloads.yaml");
    std::fs::write(&workloads, &out.stdout).unwrap();
    (
        policies.display().to_string(),
        workloads.display().to_string(),
    )
}

#[test]
fn alt_las_prod_lints_clean() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (policies, workloads) = alt_las_prod(dir.path());
    let (stdout, stderr, code) = run(&["lint", &policies, &workloads], None);
    assert_eq!((stdout.as_str(), code), ("", 0), "{stderr}");
    assert_eq!(stderr, "lint: 0 error(s), 0 warning(s), 0 info\n");
}

#[test]
fn alt_las_prod_with_only_its_own_namespace_declared_flags_the_peers() {
    if common::missing(&["kubectl"]) {
        return;
    }
    // Declaring Namespaces makes NP006 judge metadata.name selectors: the
    // kube-system (DNS), ingress-nginx and monitoring namespaces must be in
    // the input too.
    let dir = tempfile::tempdir().unwrap();
    let (policies, workloads) = alt_las_prod(dir.path());
    let ns = dir.path().join("ns.yaml");
    std::fs::write(
        &ns,
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: alt-las-prod}\n",
    )
    .unwrap();
    let ns = ns.display().to_string();
    let (stdout, _, code) = run(&["lint", &policies, &workloads, &ns], None);
    assert_eq!(code, 0, "warnings only");
    let flagged: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(": selects namespace ").nth(1).unwrap_or(l))
        .collect();
    assert_eq!(flagged.len(), 3, "{stdout}");
    assert!(flagged[0].starts_with("\"kube-system\""), "{stdout}");
    assert!(flagged[1].starts_with("\"ingress-nginx\""), "{stdout}");
    assert!(flagged[2].starts_with("\"monitoring\""), "{stdout}");
    std::fs::write(
        dir.path().join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: alt-las-prod}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ingress-nginx}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n",
    )
    .unwrap();
    assert_eq!(run(&["lint", &policies, &workloads, &ns], None).0, "");
}
