//! kpt: the examples/kpt package through the real `kpt fn render
//! --allow-exec` and `kpt fn eval --exec`, and the Dockerfile: its stages
//! read, and its entrypoint run as a containerized KRM function would be.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{bin_path, copy_dir, docs, netpolgen, of_kind, repo, require_tool};
use serde_json::Value;

/// Every file under `dir`, relative path and content, sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap().to_path_buf();
            out.push((rel, std::fs::read_to_string(entry.path()).unwrap()));
        }
    }
    out
}

/// A scratch repository holding the package where it is in this one;
/// kpt runs in its root.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    copy_dir(&repo().join("examples/kpt"), &dir.path().join(PKG));
    dir
}

const PKG: &str = "examples/kpt";

/// The `kpt ...` command lines of README.md, as argv (without `kpt`).
fn documented(subcommand: &str) -> Vec<String> {
    let docs = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let line = docs
        .lines()
        .find(|l| l.starts_with(&format!("kpt fn {subcommand} ")))
        .unwrap_or_else(|| panic!("README.md shows no `kpt fn {subcommand}`"));
    line.split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect()
}

fn run_documented(dir: &Path, subcommand: &str) -> Output {
    let argv = documented(subcommand);
    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
    kpt(dir, &args)
}

/// kpt with netpolgen on PATH (the Kptfile names it bare).
fn kpt(dir: &Path, args: &[&str]) -> Output {
    let tools = bin_path().parent().unwrap().to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![tools];
    paths.extend(std::env::split_paths(&path));
    Command::new(require_tool("kpt"))
        .args(args)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .output()
        .unwrap()
}

/// Drops the annotations kpt and kustomize track items by.
fn without_tracking(policy: &mut Value) {
    let meta = policy["metadata"].as_object_mut().unwrap();
    if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
        a.retain(|k, _| {
            !k.starts_with("config.kubernetes.io/")
                && !k.starts_with("internal.config.kubernetes.io/")
                && !k.starts_with("config.k8s.io/")
        });
        if a.is_empty() {
            meta.remove("annotations");
        }
    }
}

/// What `netpolgen render` gives for the package's functionConfig.
fn expected_policies() -> Vec<Value> {
    let mut cmd = netpolgen();
    cmd.arg("render")
        .arg("--root")
        .arg(repo())
        .arg(repo().join("examples/kpt/netpolset.yaml"));
    docs(&common::ok(cmd))
}

#[test]
fn kptfile_pipeline_renders_the_policies_into_the_package() {
    if common::missing(&["kpt"]) {
        return;
    }
    let kptfile = docs(&std::fs::read_to_string(repo().join("examples/kpt/Kptfile")).unwrap());
    let mutators = &kptfile[0]["pipeline"]["mutators"];
    assert_eq!(mutators[0]["exec"], "netpolgen");
    assert_eq!(mutators[0]["configPath"], "netpolset.yaml");
    let config =
        docs(&std::fs::read_to_string(repo().join("examples/kpt/netpolset.yaml")).unwrap());
    assert_eq!(
        config[0]["metadata"]["annotations"]["config.kubernetes.io/local-config"],
        "true"
    );

    let dir = scratch();
    assert_eq!(documented("render"), ["fn", "render", PKG, "--allow-exec"]);
    let before = snapshot(&dir.path().join(PKG));
    let out = run_documented(dir.path(), "render");
    common::assert_success(&out);
    let after = snapshot(&dir.path().join(PKG));

    // The package's own files are untouched ...
    for (path, text) in &before {
        let now = after.iter().find(|(p, _)| p == path).map(|(_, t)| t);
        assert_eq!(now, Some(text), "{}", path.display());
    }
    // ... and each policy is a new file, where kpt puts items without a path.
    let want = expected_policies();
    let added: Vec<&(PathBuf, String)> = after.iter().filter(|f| !before.contains(f)).collect();
    assert_eq!(added.len(), want.len());
    for policy in &want {
        let name = policy["metadata"]["name"].as_str().unwrap();
        let path = PathBuf::from(format!("alt-las-prod/networkpolicy_{name}.yaml"));
        let (_, text) = added
            .iter()
            .find(|(p, _)| *p == path)
            .unwrap_or_else(|| panic!("no {}", path.display()));
        assert_eq!(docs(text), vec![policy.clone()], "{}", path.display());
    }

    // Idempotent: a second render changes no byte.
    let out = run_documented(dir.path(), "render");
    common::assert_success(&out);
    assert_eq!(snapshot(&dir.path().join(PKG)), after);
}

#[test]
fn kpt_fn_eval_exec_prints_the_package_with_the_policies() {
    if common::missing(&["kpt"]) {
        return;
    }
    let dir = scratch();
    let out = run_documented(dir.path(), "eval");
    common::assert_success(&out);
    let all = docs(&String::from_utf8(out.stdout).unwrap());
    let mut policies = of_kind(&all, "NetworkPolicy");
    policies.iter_mut().for_each(without_tracking);
    assert_eq!(policies, expected_policies());
    assert_eq!(
        of_kind(&all, "NetworkPolicySet").len(),
        1,
        "input items pass through"
    );
    // Nothing was written.
    assert!(!dir.path().join(PKG).join("alt-las-prod").exists());
}

#[test]
fn a_broken_config_fails_the_pipeline_and_writes_nothing() {
    if common::missing(&["kpt"]) {
        return;
    }
    let dir = scratch();
    let config = dir.path().join(PKG).join("netpolset.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("to: archive-service", "to: archive")).unwrap();
    let before = snapshot(&dir.path().join(PKG));
    let out = run_documented(dir.path(), "render");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("spec.flows.runner-service-to-archive-service.to: netpolset.yaml:108: \"archive\" is not a service"),
        "{stderr}"
    );
    assert_eq!(snapshot(&dir.path().join(PKG)), before);
}

/// The Dockerfile's instructions: (instruction, arguments), continuation
/// lines joined, comments dropped.
fn dockerfile() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let (word, rest) = current.split_once(' ').unwrap_or((&current, ""));
                out.push((word.to_uppercase(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

const TARGET: &str = "x86_64-unknown-linux-musl";

#[test]
fn dockerfile_builds_a_static_binary_into_a_small_image() {
    if common::missing(&["kpt"]) {
        return;
    }
    let steps = dockerfile();
    let arg = |name: &str| {
        steps
            .iter()
            .find_map(|(w, rest)| {
                (w == "ARG")
                    .then(|| rest.strip_prefix(&format!("{name}=")))
                    .flatten()
            })
            .map(str::to_string)
    };
    assert_eq!(arg("TARGET").as_deref(), Some(TARGET));
    let froms: Vec<&String> = steps
        .iter()
        .filter(|(w, _)| w == "FROM")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(
        froms[0].starts_with("rust:${RUST_VERSION}") && froms[0].ends_with(" AS build"),
        "{}",
        froms[0]
    );
    let final_image = froms[1].as_str();
    assert!(
        final_image.starts_with("busybox:") && final_image.ends_with("-musl"),
        "{final_image}"
    );

    // The build stage: the target added, built with it, copied from its dir.
    let build_stage: Vec<&(String, String)> = steps
        .iter()
        .skip_while(|(w, _)| w != "FROM")
        .skip(1)
        .take_while(|(w, _)| w != "FROM")
        .collect();
    let runs: Vec<&str> = build_stage
        .iter()
        .filter(|(w, _)| w == "RUN")
        .map(|(_, r)| r.as_str())
        .collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("rustup target add ${TARGET}"))
    );
    let build = runs
        .iter()
        .find(|r| r.contains("cargo build"))
        .expect("a cargo build");
    assert!(
        build.contains("--release")
            && build.contains("--locked")
            && build.contains("--target ${TARGET}")
    );
    assert!(build.contains("target/${TARGET}/release/netpolgen"));
    // Everything the build needs is copied (and not ignored).
    let copied: Vec<&str> = build_stage
        .iter()
        .filter(|(w, _)| w == "COPY")
        .flat_map(|(_, r)| {
            r.split_whitespace()
                .filter(|s| !s.starts_with("--"))
                .collect::<Vec<_>>()
        })
        .collect();
    let ignore = std::fs::read_to_string(repo().join(".dockerignore")).unwrap();
    for needed in ["Cargo.toml", "Cargo.lock", "src", "templates", "benches"] {
        assert!(
            copied.iter().any(|c| c.trim_end_matches('/') == needed),
            "{needed} not copied"
        );
        assert!(
            ignore.lines().any(|l| l == format!("!{needed}")),
            "{needed} ignored"
        );
    }

    // The final stage: the binary on PATH, not root, netpolgen as entrypoint.
    let last: Vec<&(String, String)> = steps
        .iter()
        .rev()
        .take_while(|(w, _)| w != "FROM")
        .collect();
    assert!(
        last.iter().any(
            |(w, r)| w == "COPY" && r == "--from=build /out/netpolgen /usr/local/bin/netpolgen"
        )
    );
    assert!(
        last.iter()
            .any(|(w, r)| w == "USER" && !r.starts_with('0') && !r.starts_with("root"))
    );
    let entrypoint = entrypoint();
    assert_eq!(entrypoint[0], "/usr/local/bin/netpolgen");
}

/// ENTRYPOINT in exec form, as argv.
fn entrypoint() -> Vec<String> {
    let steps = dockerfile();
    let (_, json) = steps
        .iter()
        .rev()
        .find(|(w, _)| w == "ENTRYPOINT")
        .expect("an ENTRYPOINT");
    serde_json::from_str(json).expect("ENTRYPOINT in exec (JSON) form")
}

/// The image as a KRM function (`kpt fn eval --image`, kustomize
/// `container:`): the entrypoint's arguments, a working directory with no
/// .git, a ResourceList on stdin.
#[test]
fn image_entrypoint_runs_as_a_krm_function_without_a_repository() {
    if common::missing(&["kpt"]) {
        return;
    }
    let argv = entrypoint();
    let list = Command::new(require_tool("kpt"))
        .args([
            "fn",
            "source",
            "examples/kpt",
            "--fn-config",
            "examples/kpt/netpolset.yaml",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    common::assert_success(&list);
    let workdir = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin_path())
        .args(&argv[1..])
        .current_dir(workdir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&list.stdout).unwrap();
    let out = child.wait_with_output().unwrap();
    common::assert_success(&out);
    let result = docs(&String::from_utf8(out.stdout).unwrap()).remove(0);
    assert_eq!(result["kind"], "ResourceList");
    let items: Vec<Value> = result["items"].as_array().unwrap().clone();
    let mut policies = of_kind(&items, "NetworkPolicy");
    policies.iter_mut().for_each(without_tracking);
    assert_eq!(policies, expected_policies());

    // Without the entrypoint's --root the same run has no repository root.
    let mut child = Command::new(bin_path())
        .current_dir(workdir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&list.stdout).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
}
