//! The plugin modes run by the real tools: `kubectl kustomize
//! --enable-alpha-plugins` with netpolgen installed as a legacy exec
//! plugin, and kpt (`fn eval --exec`, `fn render --allow-exec`) for the KRM
//! function protocol.

mod common;

use std::path::Path;
use std::process::Command as Process;

use common::*;

/// Installs the plugin into a fresh plugin home and returns it.
fn plugin_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = netpolgen();
    cmd.args(["install-plugin", "--plugin-home"])
        .arg(home.path());
    let printed = ok(cmd);
    let link = home
        .path()
        .join("netpolgen.io/v1alpha1/networkpolicyset/NetworkPolicySet");
    assert_eq!(printed.trim(), link.display().to_string());
    assert_eq!(
        std::fs::canonicalize(&link).unwrap(),
        std::fs::canonicalize(bin_path()).unwrap()
    );
    home
}

fn kustomize(home: &Path, dir: &Path) -> std::process::Output {
    require_tool("kubectl");
    Process::new("kubectl")
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env("KUSTOMIZE_PLUGIN_HOME", home)
        .output()
        .unwrap()
}

#[test]
fn kubectl_kustomize_builds_every_overlay_with_the_policies() {
    if common::missing(&["kubectl", "kpt"]) {
        return;
    }
    let home = plugin_home();
    for env in ENVS {
        let out = kustomize(home.path(), &repo().join(format!("overlays/{env}")));
        assert_success(&out);
        let built = docs(&String::from_utf8(out.stdout).unwrap());
        let deployments = of_kind(&built, "Deployment");
        assert_eq!(deployments.len(), 5, "{env}");
        for d in &deployments {
            assert_eq!(d["metadata"]["namespace"], format!("alt-las-{env}"));
        }
        // The policies are exactly netpolgen's own render.
        let policies = of_kind(&built, "NetworkPolicy");
        assert_eq!(policies, docs(&render_overlay(env)), "{env}");
        // Every flow's destination has the port the policy names.
        let gateway = deployments
            .iter()
            .find(|d| d["metadata"]["name"] == "api-gateway")
            .unwrap();
        assert_eq!(
            gateway["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
            3000
        );
    }
}

#[test]
fn kubectl_kustomize_fails_with_the_plugin_error_and_no_output() {
    if common::missing(&["kubectl", "kpt"]) {
        return;
    }
    let home = plugin_home();
    let tree = tempfile::tempdir().unwrap();
    copy_tree(tree.path());
    let overlay = tree.path().join("overlays/prod");
    let config = std::fs::read_to_string(overlay.join("netpolset.yaml")).unwrap();
    let broken = format!(
        "{config}  flows:\n    typo:\n      from: api-gatway\n      to: runner-service\n      ports: [http]\n"
    );
    std::fs::write(overlay.join("netpolset.yaml"), broken).unwrap();
    let out = kustomize(home.path(), &overlay);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("spec.flows.typo.from"), "{stderr}");
    assert!(
        stderr.contains("\"api-gatway\" is not a service, group or peer"),
        "{stderr}"
    );
    // The message names the real file, not kustomize's temporary copy.
    assert!(stderr.contains("overlays/prod/netpolset.yaml:"), "{stderr}");
}

fn kpt() -> Process {
    require_tool("kpt");
    Process::new("kpt")
}

/// A package with one ConfigMap whose values a YAML 1.1 reader would
/// retype if they lost their quotes, with a comment and flow style that a
/// re-serialization would lose.
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings # read by the app at start\ndata:\n  flag: \"on\"\n  mode: '0644'\n  answer: \"no\"\n  short: \"y\"\n  count: \"1_000\"\n  list: {a: 1, b: [x, y]}\n";

fn package(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("configmap.yaml"), CONFIGMAP).unwrap();
}

#[test]
fn kpt_fn_eval_runs_the_krm_function() {
    if common::missing(&["kubectl", "kpt"]) {
        return;
    }
    let pkg = tempfile::tempdir().unwrap();
    package(pkg.path());
    let out = kpt()
        .args(["fn", "eval"])
        .arg(pkg.path())
        .arg("--exec")
        .arg(bin_path())
        .args(["--fn-config", "netpolset.yaml", "-o", "unwrap"])
        .current_dir(repo().join("overlays/prod"))
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let items = docs(&stdout);
    let cm = &of_kind(&items, "ConfigMap")[0];
    assert_eq!(cm["data"]["flag"], "on");
    assert_eq!(cm["data"]["mode"], "0644");
    assert!(
        stdout.contains("flag: \"on\"")
            && (stdout.contains("mode: '0644'") || stdout.contains("mode: \"0644\"")),
        "{stdout}"
    );
    let policies: Vec<_> = of_kind(&items, "NetworkPolicy")
        .into_iter()
        .map(|mut p| {
            // kpt records where it will write new items.
            if let Some(ann) = p["metadata"]["annotations"].as_object_mut() {
                ann.retain(|k, _| {
                    !k.contains("config.kubernetes.io/") && !k.starts_with("config.k8s.io/")
                });
            }
            let meta = p["metadata"].as_object_mut().unwrap();
            if meta
                .get("annotations")
                .is_some_and(|a| a.is_null() || a.as_object().is_some_and(|m| m.is_empty()))
            {
                meta.remove("annotations");
            }
            p
        })
        .collect();
    assert_eq!(policies, docs(&render_overlay("prod")));
}

#[test]
fn kpt_fn_render_writes_the_policies_and_is_idempotent() {
    if common::missing(&["kubectl", "kpt"]) {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join(".git")).unwrap();
    let pkg = root.path().join("pkg");
    package(&pkg);
    std::fs::write(
        pkg.join("Kptfile"),
        format!(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\npipeline:\n  mutators:\n  - exec: {}\n    configPath: netpolset.yaml\n",
            bin_path().display()
        ),
    )
    .unwrap();
    std::fs::write(
        pkg.join("netpolset.yaml"),
        "apiVersion: netpolgen.io/v1alpha1\nkind: NetworkPolicySet\nmetadata:\n  name: shop\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\nspec:\n  environment: dev\n  namespace: shop-dev\n  services:\n    web: {labels: {app: web}, ports: {http: 8080}}\n    db: {labels: {app: db}, ports: {sql: 5432}}\n  flows:\n    web-to-db: {from: web, to: db, ports: [sql]}\n",
    )
    .unwrap();
    let run = || {
        let out = kpt()
            .args(["fn", "render", "pkg", "--allow-exec"])
            .current_dir(root.path())
            .output()
            .unwrap();
        assert_success(&out);
        let mut files: Vec<String> = walk(&pkg);
        files.sort();
        files
    };
    let first = run();
    let written: Vec<&String> = first
        .iter()
        .filter(|f| f.contains("networkpolicy_"))
        .collect();
    assert_eq!(written.len(), 2, "{first:?}");
    let policy = std::fs::read_to_string(pkg.join(written[0])).unwrap();
    assert!(
        policy.contains("kind: NetworkPolicy") && policy.contains("namespace: shop-dev"),
        "{policy}"
    );
    let snapshot: Vec<String> = first
        .iter()
        .map(|f| std::fs::read_to_string(pkg.join(f)).unwrap())
        .collect();
    assert_eq!(run(), first, "a second render added or removed files");
    let again: Vec<String> = first
        .iter()
        .map(|f| std::fs::read_to_string(pkg.join(f)).unwrap())
        .collect();
    assert_eq!(again, snapshot, "a second render changed files");
    let cm = std::fs::read_to_string(pkg.join("configmap.yaml")).unwrap();
    assert_eq!(cm, CONFIGMAP, "kpt fn render rewrote an input file");
}

fn walk(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect()
}
