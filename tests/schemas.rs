//! Everything netpolgen renders validates against the upstream Kubernetes
//! schemas: `kubernetes-validate --strict` (pip install kubernetes-validate)
//! on every render golden, on the four ALT_LAS overlays and on every
//! `probe manifests` golden.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// The stdout goldens of render cases that succeed (no `.exit` file, or 0).
fn render_goldens() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["render", "post-render"] {
        let root = repo().join("tests/testdata").join(dir);
        let Ok(cases) = std::fs::read_dir(&root) else {
            continue;
        };
        for case in cases.flatten() {
            let Ok(files) = std::fs::read_dir(case.path()) else {
                continue;
            };
            for f in files.flatten() {
                let p = f.path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                let Some(stem) = name
                    .strip_suffix(".stdout")
                    .or((name == "stdout").then_some(""))
                else {
                    continue;
                };
                let exit = case.path().join(if stem.is_empty() {
                    "exit".to_string()
                } else {
                    format!("{stem}.exit")
                });
                let ok = std::fs::read_to_string(&exit).map_or(true, |t| t.trim() == "0");
                let yaml = std::fs::read_to_string(&p).unwrap_or_default();
                if ok && yaml.contains("apiVersion:") {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

/// The YAML stdout goldens of `probe manifests` cases that succeed.
fn probe_goldens() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = repo().join("tests/testdata/probe");
    for case in std::fs::read_dir(&root).unwrap().flatten() {
        for f in std::fs::read_dir(case.path()).unwrap().flatten() {
            let p = f.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".cmd") else {
                continue;
            };
            let args = std::fs::read_to_string(&p).unwrap();
            let exit = case.path().join(format!("{stem}.exit"));
            let ok = std::fs::read_to_string(&exit).map_or(true, |t| t.trim() == "0");
            let golden = case.path().join(format!("{stem}.stdout"));
            let yaml = std::fs::read_to_string(&golden).unwrap_or_default();
            if ok && args.lines().nth(1) == Some("manifests") && yaml.contains("apiVersion:") {
                out.push(golden);
            }
        }
    }
    out.sort();
    out
}

fn validate(files: &[PathBuf]) {
    let out = std::process::Command::new("kubernetes-validate")
        .arg("--strict")
        .arg("--quiet")
        .args(files)
        .output()
        .expect("kubernetes-validate runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_render_golden_validates_against_the_kubernetes_schemas() {
    if missing(&["kubernetes-validate"]) {
        return;
    }
    let files = render_goldens();
    assert!(files.len() >= 5, "found only {files:?}");
    // CiliumNetworkPolicies are checked against their CRD in
    // tests/cilium_schema.rs; the other objects of such a golden (a
    // window's Role, ConfigMap and CronJobs) are checked here.
    let dir = tempfile::tempdir().unwrap();
    let mut checked = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let text = std::fs::read_to_string(f).unwrap();
        if !text.contains("kind: CiliumNetworkPolicy") {
            checked.push(f.clone());
            continue;
        }
        let rest: Vec<serde_json::Value> = docs(&text)
            .into_iter()
            .filter(|d| d["kind"] != "CiliumNetworkPolicy")
            .collect();
        if !rest.is_empty() {
            let file = dir.path().join(format!("{i}.yaml"));
            std::fs::write(&file, netpolgen::k8s::yaml::to_stream(&rest)).unwrap();
            checked.push(file);
        }
    }
    validate(&checked);
}

#[test]
fn every_probe_manifests_golden_validates_against_the_kubernetes_schemas() {
    if missing(&["kubernetes-validate"]) {
        return;
    }
    let files = probe_goldens();
    assert!(files.len() >= 4, "found only {files:?}");
    validate(&files);
}

#[test]
fn the_alt_las_overlays_validate_against_the_kubernetes_schemas() {
    if missing(&["kubernetes-validate"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for env in ["dev", "test", "staging", "prod"] {
        let out = netpolgen()
            .args(["render", &format!("overlays/{env}")])
            .current_dir(repo())
            .output()
            .unwrap();
        assert_success(&out);
        let file = dir.path().join(format!("{env}.yaml"));
        std::fs::write(&file, &out.stdout).unwrap();
        files.push(file);
    }
    validate(&files);
}

#[test]
fn a_misspelt_field_fails_validation() {
    if missing(&["kubernetes-validate"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\nspec: {podSelector: {}, polcyTypes: [Egress]}\n",
    )
    .unwrap();
    let out = std::process::Command::new("kubernetes-validate")
        .args(["--strict", "--quiet"])
        .arg(Path::new(&file))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "strict validation rejects polcyTypes"
    );
}
