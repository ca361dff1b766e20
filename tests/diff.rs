//! `netpolgen diff`: golden outputs per format, connectivity changes of
//! one flow, reorder-only changes, normalisation across environments,
//! `--git` against a repository made here, `--all`, `--kustomize`, exit
//! codes.
//!
//! Golden cases live in `tests/testdata/diff/<case>/{before,after}/` with
//! `expected.txt` (and `expected.json`, `expected.md` where present); each
//! is the output of `netpolgen diff --root . before after` run in the case
//! directory. `UPDATE_GOLDEN=1 cargo test --test diff` rewrites them; read
//! the diff by eye before committing it.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = netpolgen();
    cmd.arg("diff").args(args).current_dir(dir);
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
fn json(out: &Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)))
}

fn flows(v: &Value, which: &str) -> Vec<String> {
    v["connectivity"][which]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} -> {}:{}/{}",
                c["from"].as_str().unwrap(),
                c["to"].as_str().unwrap(),
                c["port"],
                c["protocol"].as_str().unwrap()
            )
        })
        .collect()
}

/// A copy of the repository's intent with `overlay`'s netpolset.yaml
/// extended by `extra` (spec fields, indented two spaces).
fn tree_with(overlay: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(dir.path());
    let file = dir
        .path()
        .join(format!("overlays/{overlay}/netpolset.yaml"));
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(extra);
    std::fs::write(&file, text).unwrap();
    dir
}

#[test]
fn one_removed_flow_is_exactly_one_removed_connection() {
    let tree = tree_with(
        "prod",
        "  flows:\n    runner-service-to-archive-service: null\n",
    );
    let out = run(
        tree.path(),
        &["overlays/staging", "overlays/prod", "-o", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(flows(&v, "added"), Vec::<String>::new());
    assert_eq!(
        flows(&v, "removed"),
        ["<namespace>/runner-service -> <namespace>/archive-service:8002/TCP"]
    );
    let removed = &v["connectivity"]["removed"][0];
    assert_eq!(
        removed["admittedBy"],
        serde_json::json!([
            "allow-runner-service-to-archive-service-egress<suffix>",
            "allow-runner-service-to-archive-service<suffix>"
        ])
    );
    // Every policy selecting the destination (ingress) or the source
    // (egress) isolates it; none admits it.
    assert_eq!(
        removed["isolatedBy"],
        serde_json::json!([
            "allow-dns-egress<suffix>",
            "allow-monitoring<suffix>",
            "default-deny-egress<suffix>",
            "default-deny-ingress<suffix>"
        ])
    );
    // 10 between the services, 16 lookups of the cluster DNS.
    assert_eq!(v["connectivity"]["unchanged"], 10 + 16);
    let objects: Vec<(&str, &str)> = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        objects,
        [
            (
                "allow-runner-service-to-archive-service-egress<suffix>",
                "removed"
            ),
            ("allow-runner-service-to-archive-service<suffix>", "removed")
        ]
    );
}

#[test]
fn one_added_flow_is_exactly_one_added_connection() {
    let extra = "  flows:\n    segmentation-service-to-archive-service:\n      from: segmentation-service\n      to: archive-service\n      ports: [http]\n";
    let tree = tree_with("prod", extra);
    let out = run(
        tree.path(),
        &["overlays/staging", "overlays/prod", "-o", "json"],
    );
    let v = json(&out);
    assert_eq!(
        flows(&v, "added"),
        ["<namespace>/segmentation-service -> <namespace>/archive-service:8002/TCP"]
    );
    assert_eq!(flows(&v, "removed"), Vec::<String>::new());
    assert_eq!(
        v["connectivity"]["added"][0]["admittedBy"],
        serde_json::json!([
            "allow-segmentation-service-to-archive-service-egress<suffix>",
            "allow-segmentation-service-to-archive-service<suffix>"
        ])
    );
}

#[test]
fn environments_that_differ_only_in_names_print_nothing() {
    for (a, b) in [("staging", "prod"), ("dev", "test")] {
        let out = run(
            &repo(),
            &[&format!("overlays/{a}"), &format!("overlays/{b}")],
        );
        assert_eq!(out.status.code(), Some(0), "{a} {b}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{a} {b}");
    }
    // Dev keeps egress open; prod denies it: the same pod flows (the DNS
    // servers prod allows exist in dev too, and dev reaches them), but no
    // more traffic out of the cluster.
    let out = run(&repo(), &["overlays/dev", "overlays/prod", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(flows(&v, "added"), Vec::<String>::new());
    assert_eq!(flows(&v, "removed"), Vec::<String>::new());
    let out_of_cluster: Vec<&str> = v["connectivity"]["externalRemoved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["from"].as_str().unwrap())
        .collect();
    assert_eq!(out_of_cluster.len(), 5, "{out_of_cluster:?}");
    let added = &v["connectivity"]["externalAdded"];
    assert!(added.as_array().is_none_or(Vec::is_empty), "{added}");
    // Without normalisation every object is renamed, but the connections
    // only move namespace: none is the same.
    let out = run(
        &repo(),
        &[
            "--no-normalize",
            "overlays/staging",
            "overlays/prod",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["objects"].as_array().unwrap().len(), 2 * 13);
    // The 11 between services and peers, and the 10 DNS lookups of the
    // services; the peers' own lookups stay the same.
    assert_eq!(flows(&v, "added").len(), 11 + 10);
    assert_eq!(v["normalized"], Value::Null);
}

#[test]
fn same_environment_is_not_normalized_and_forcing_it_needs_a_set() {
    let out = run(
        &repo(),
        &["overlays/prod", "tests/testdata/render/alt-las-prod/stdout"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(
        &repo(),
        &[
            "--normalize",
            "overlays/prod",
            "tests/testdata/render/alt-las-prod/stdout",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "--normalize: tests/testdata/render/alt-las-prod/stdout is not a single NetworkPolicySet"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rendered_policies_alone_borrow_the_other_sides_workloads() {
    // The golden prod render has no workloads: the overlay's model lends its
    // services and peers, so a policy deleted from the file is a removed
    // connection with the policy that admitted it.
    let dir = tempfile::tempdir().unwrap();
    let golden =
        std::fs::read_to_string(repo().join("tests/testdata/render/alt-las-prod/stdout")).unwrap();
    let kept: Vec<&str> = golden
        .split("---\n")
        .filter(|d| !d.contains("name: allow-ingress-to-api-gateway-prod"))
        .collect();
    std::fs::write(dir.path().join("prod.yaml"), kept.join("---\n")).unwrap();
    let file = dir.path().join("prod.yaml");
    let out = run(
        &repo(),
        &["overlays/prod", file.to_str().unwrap(), "-o", "json"],
    );
    let v = json(&out);
    assert_eq!(
        flows(&v, "removed"),
        ["ingress-nginx/ingress -> alt-las-prod/api-gateway:3000/TCP"]
    );
    assert_eq!(flows(&v, "added"), Vec::<String>::new());
}

/// Reverses the order of every map in a YAML document tree.
fn reversed(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reversed(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

#[test]
fn reordering_the_intent_changes_nothing() {
    let tree = tempfile::tempdir().unwrap();
    copy_tree(tree.path());
    let base = tree.path().join("base/netpolset.yaml");
    let docs = docs(&std::fs::read_to_string(&base).unwrap());
    let text = netpolgen::k8s::yaml::to_string(&reversed(&docs[0]));
    assert_ne!(text, std::fs::read_to_string(&base).unwrap());
    std::fs::write(&base, text).unwrap();
    let before = repo().join("overlays/prod");
    let out = run(tree.path(), &[before.to_str().unwrap(), "overlays/prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    // And across environments, after normalisation.
    let out = run(
        tree.path(),
        &[before.to_str().unwrap(), "overlays/staging", "-o", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["objects"], serde_json::json!([]));
}

#[test]
fn reordering_rendered_manifests_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rendered = render_overlay("prod");
    let mut shuffled: Vec<Value> = docs(&rendered).iter().map(reversed).collect();
    shuffled.reverse();
    std::fs::write(dir.path().join("a.yaml"), &rendered).unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        netpolgen::k8s::yaml::to_stream(&shuffled),
    )
    .unwrap();
    let out = run(dir.path(), &["a.yaml", "b.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn git_revision_against_the_working_tree() {
    if common::missing(&["git"]) {
        return;
    }
    let repo_dir = tempfile::tempdir().unwrap();
    let dir = repo_dir.path();
    for sub in ["base", "overlays", "templates"] {
        copy_dir_all(&repo().join(sub), &dir.join(sub));
    }
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "intent"]);
    // Unchanged: nothing to say.
    let out = run(dir, &["--git", "HEAD", "overlays/"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");

    let prod = dir.join("overlays/prod/netpolset.yaml");
    let mut text = std::fs::read_to_string(&prod).unwrap();
    text.push_str("  flows:\n    segmentation-service-to-archive-service:\n      from: segmentation-service\n      to: archive-service\n      ports: [http]\n");
    std::fs::write(&prod, text).unwrap();
    let status_before = git(dir, &["status", "--porcelain"]);

    let out = run(dir, &["--git", "HEAD", "overlays/", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["a"], "HEAD:overlays");
    assert_eq!(
        flows(&v, "added"),
        ["alt-las-prod/segmentation-service -> alt-las-prod/archive-service:8002/TCP"]
    );
    assert_eq!(flows(&v, "removed"), Vec::<String>::new());
    // 11 in each environment; 10 lookups (5 services, UDP and TCP) of the
    // cluster DNS in each, and 6 more by the peers (ingress, monitoring, the
    // DNS servers themselves) whose egress no policy here isolates.
    assert_eq!(v["connectivity"]["unchanged"], 4 * 11 + 4 * 10 + 6);
    assert_eq!(status_before, git(dir, &["status", "--porcelain"]));
    assert_eq!(status_before, " M overlays/prod/netpolset.yaml\n");
    // From a subdirectory, against the parent commit by name.
    git(dir, &["commit", "-qam", "segmentation to archive"]);
    let out = run(
        &dir.join("overlays"),
        &["--git", "HEAD~1", "prod", "-o", "md"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("### netpolgen diff: `HEAD~1:overlays/prod` → `prod`\n"),
        "{}",
        stdout(&out)
    );
    // A new environment did not exist at the revision: everything is added.
    copy_dir_all(&dir.join("overlays/prod"), &dir.join("overlays/canary"));
    let canary = dir.join("overlays/canary/netpolset.yaml");
    let text = std::fs::read_to_string(&canary)
        .unwrap()
        .replace("prod", "canary");
    std::fs::write(&canary, text).unwrap();
    let out = run(dir, &["--git", "HEAD", "overlays/canary", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    // prod's eleven connections plus the segmentation one committed
    // above, and the services' ten DNS lookups.
    assert_eq!(flows(&v, "added").len(), 12 + 10);
    assert_eq!(flows(&v, "removed").len(), 0);
    assert_eq!(
        v["notes"],
        serde_json::json!(["HEAD:overlays/canary: overlays/canary does not exist at HEAD"])
    );
    // The user's index and working tree are untouched.
    assert_eq!(
        git(dir, &["status", "--porcelain"]),
        "?? overlays/canary/\n"
    );
    // A revision that does not exist is trouble.
    let out = run(dir, &["--git", "no-such-rev", "overlays/prod"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--git no-such-rev: not a revision of this repository"),
        "{}",
        stderr(&out)
    );
}

fn copy_dir_all(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir_all(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn all_compares_every_pair_of_environments() {
    // (has, lacks, pod flows, external flows) of every non-empty cell.
    let cells = |v: &Value| -> Vec<(String, String, usize, usize)> {
        v["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["has"].as_str().unwrap().to_string(),
                    p["lacks"].as_str().unwrap().to_string(),
                    p["flows"].as_array().unwrap().len(),
                    p["external"].as_array().unwrap().len(),
                )
            })
            .filter(|c| c.2 + c.3 > 0)
            .collect()
    };
    // Dev and test keep egress open: each of their five services may send
    // out of the cluster, which staging and prod deny. Pod flows agree at
    // L4; prod-cilium restricts 12 of them above it (two gateway calls by
    // HTTP rules, each service's DNS on TCP and UDP by DNS rules), listed
    // as 26 rules, and reaches one name outside the cluster.
    let out = run(&repo(), &["--all", "overlays", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let cell = |has: &str, lacks: &str, pods: usize, external: usize| {
        (has.to_string(), lacks.to_string(), pods, external)
    };
    let open = |has: &str, lacks: &str| cell(has, lacks, 0, 5);
    let l4 = |has: &str, external: usize| cell(has, "prod-cilium", 12, external);
    let l7 = |lacks: &str| cell("prod-cilium", lacks, 26, 1);
    assert_eq!(
        cells(&json(&out)),
        [
            open("dev", "prod"),
            l4("dev", 5),
            open("dev", "staging"),
            l4("prod", 0),
            l7("dev"),
            l7("prod"),
            l7("staging"),
            l7("test"),
            l4("staging", 0),
            open("test", "prod"),
            l4("test", 5),
            open("test", "staging")
        ]
    );
    let extra = "  flows:\n    segmentation-service-to-archive-service:\n      from: segmentation-service\n      to: archive-service\n      ports: [http]\n";
    let tree = tree_with("staging", extra);
    let out = run(tree.path(), &["--all", "overlays/", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(
        v["environments"],
        serde_json::json!(["dev", "prod", "prod-cilium", "staging", "test"])
    );
    let one = |has: &str, lacks: &str| (has.to_string(), lacks.to_string(), 1, 0);
    assert_eq!(
        cells(&v),
        [
            open("dev", "prod"),
            l4("dev", 5),
            open("dev", "staging"),
            l4("prod", 0),
            l7("dev"),
            l7("prod"),
            l7("staging"),
            l7("test"),
            one("staging", "dev"),
            one("staging", "prod"),
            cell("staging", "prod-cilium", 13, 0),
            one("staging", "test"),
            open("test", "prod"),
            l4("test", 5),
            open("test", "staging")
        ]
    );
    let text = stdout(&run(
        tree.path(),
        &["--all", "overlays/", "--color", "never"],
    ));
    assert!(
        text.contains(
            "\nstaging                1            1           13            -            1\n"
        ),
        "{text}"
    );
    let md = stdout(&run(tree.path(), &["--all", "overlays/", "-o", "md"]));
    assert!(md.contains("| `staging` | 1 | 1 | 13 | - | 1 |\n"), "{md}");
}

#[test]
fn kustomize_builds_both_sides_with_this_binary_as_the_plugin() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let out = run(
        &repo(),
        &["--kustomize", "overlays/staging", "overlays/prod"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let tree = tree_with(
        "prod",
        "  flows:\n    runner-service-to-archive-service: null\n",
    );
    let out = run(
        tree.path(),
        &[
            "--kustomize",
            "overlays/staging",
            "overlays/prod",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    // The Deployments come from the build; the one flow is one connection.
    assert_eq!(
        flows(&v, "removed"),
        ["<namespace>/runner-service -> <namespace>/archive-service:8002/TCP"]
    );
    // 10 between the services, 16 lookups of the cluster DNS.
    assert_eq!(v["connectivity"]["unchanged"], 10 + 16);
}

#[test]
fn color_is_ansi_only_when_asked_or_on_a_terminal() {
    let tree = tree_with(
        "prod",
        "  flows:\n    runner-service-to-archive-service: null\n",
    );
    let always = stdout(&run(
        tree.path(),
        &["overlays/staging", "overlays/prod", "--color", "always"],
    ));
    assert!(
        always.contains("\x1b[31m- <namespace>/runner-service"),
        "{always}"
    );
    assert!(always.contains("\x1b[36m@@ "), "{always}");
    // Not a terminal here, so auto is plain.
    for color in ["auto", "never"] {
        let plain = stdout(&run(
            tree.path(),
            &["overlays/staging", "overlays/prod", "--color", color],
        ));
        assert!(!plain.contains('\x1b'), "{color}");
    }
}

#[test]
fn exit_codes_follow_diff() {
    let root = repo();
    let code = |args: &[&str]| run(&root, args).status.code();
    assert_eq!(code(&["overlays/prod", "overlays/prod"]), Some(0));
    assert_eq!(
        code(&["--no-normalize", "overlays/dev", "overlays/prod"]),
        Some(1)
    );
    assert_eq!(code(&["overlays/prod"]), Some(2));
    assert_eq!(
        code(&["overlays/prod", "overlays/prod", "overlays/dev"]),
        Some(2)
    );
    assert_eq!(code(&["--all", "overlays", "overlays/prod"]), Some(2));
    assert_eq!(code(&["--all", "overlays/prod"]), Some(2));
    assert_eq!(
        code(&["--output", "yaml", "overlays/prod", "overlays/dev"]),
        Some(2)
    );
    let missing = run(&root, &["overlays/prod", "overlays/nope"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        stderr(&missing),
        "error: overlays/nope: no such file or directory\n"
    );
    assert_eq!(stdout(&missing), "");
    // An intent that does not render is invalid input, reported with its file.
    let bad = repo().join("tests/testdata/render/dangling-flow-to");
    let out = run(&root, &["overlays/prod", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("netpolset.yaml"), "{}", stderr(&out));
}

/// Traffic to addresses outside the cluster is part of the connectivity
/// diff: moving a cidr peer's port shows one external flow removed and one
/// added, each with its policy.
#[test]
fn a_cidr_peer_change_shows_in_the_external_traffic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let intent =
        std::fs::read_to_string(repo().join("tests/testdata/render/egress/netpolset.yaml"))
            .unwrap();
    for (side, text) in [("a", intent.clone()), ("b", intent.replace("443", "8443"))] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join("netpolset.yaml"), text).unwrap();
    }
    let out = run(dir.path(), &["a", "b"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("connectivity: 0 added, 0 removed,"), "{text}");
    assert!(
        text.contains("external traffic: 1 added, 1 removed"),
        "{text}"
    );
    assert!(
        text.contains("- shop-prod/web -> external 203.0.113.0/24 except 203.0.113.128/25 on 443/TCP  (was admitted by allow-web-to-payments-prod)"),
        "{text}"
    );
    assert!(
        text.contains("+ shop-prod/web -> external 203.0.113.0/24 except 203.0.113.128/25 on 8443/TCP  (admitted by allow-web-to-payments-prod)"),
        "{text}"
    );
    let v = json(&run(dir.path(), &["a", "b", "--output", "json"]));
    assert_eq!(v["connectivity"]["externalAdded"][0]["ports"], "8443/TCP");
    assert_eq!(v["connectivity"]["externalRemoved"][0]["to"], "external");
    let md = stdout(&run(dir.path(), &["a", "b", "--output", "md"]));
    assert!(md.contains("| added | `shop-prod/web -> external 203.0.113.0/24 except 203.0.113.128/25 on 8443/TCP` | admitted by allow-web-to-payments-prod |"), "{md}");
}
