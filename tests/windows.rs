//! Maintenance windows as the cluster runs them: the Role allows exactly
//! the window's policies, the CronJobs open and close on the window's
//! schedule, and the runner's scripts call kubectl as documented (run
//! here against a fake `kubectl` on PATH that records its calls).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn render_example(name: &str) -> String {
    let mut cmd = netpolgen();
    cmd.arg("render")
        .arg(format!("examples/{name}"))
        .current_dir(repo());
    ok(cmd)
}

fn window_render() -> Vec<Value> {
    docs(&render_example("alt-las-maintenance"))
}

fn named<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn names(docs: &[Value]) -> Vec<String> {
    docs.iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_role_names_exactly_the_window_policies() {
    let docs = window_render();
    let config = named(&docs, "ConfigMap", "netpolgen-window-maintenance-prod");
    let inside = common::docs(config["data"]["policies.yaml"].as_str().unwrap());
    let mut window_policies = names(&inside);
    window_policies.sort();
    assert_eq!(
        window_policies,
        [
            "allow-ai-orchestrator-to-archive-service-egress-prod",
            "allow-ai-orchestrator-to-archive-service-prod"
        ]
    );
    // Not rendered as policies in force: only the runner applies them.
    let in_force = names(&of_kind(&docs, "NetworkPolicy"));
    assert!(window_policies.iter().all(|p| !in_force.contains(p)));

    let role = named(&docs, "Role", "netpolgen-window-maintenance-prod");
    let rules = role["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    let rule = &rules[0];
    assert_eq!(rule["apiGroups"], serde_json::json!(["networking.k8s.io"]));
    assert_eq!(rule["resources"], serde_json::json!(["networkpolicies"]));
    assert_eq!(rule["resourceNames"], serde_json::json!(window_policies));
    assert_eq!(
        rule["verbs"],
        serde_json::json!(["get", "create", "patch", "delete"])
    );
    let binding = named(&docs, "RoleBinding", "netpolgen-window-maintenance-prod");
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
    assert_eq!(
        binding["subjects"][0]["name"],
        "netpolgen-window-maintenance-prod"
    );

    // Argo CD and Flux leave the applied policies to the runner.
    for p in &inside {
        let a = &p["metadata"]["annotations"];
        assert_eq!(a["argocd.argoproj.io/compare-options"], "IgnoreExtraneous");
        assert_eq!(a["kustomize.toolkit.fluxcd.io/prune"], "disabled");
        assert_eq!(
            p["metadata"]["labels"]["netpolgen.io/window"],
            "maintenance"
        );
    }
}

#[test]
fn cronjobs_open_and_close_on_the_window_schedule() {
    let docs = window_render();
    let open = named(&docs, "CronJob", "netpolgen-window-maintenance-open-prod");
    let close = named(&docs, "CronJob", "netpolgen-window-maintenance-close-prod");
    assert_eq!(open["spec"]["schedule"], "0 2 * * 6");
    assert_eq!(close["spec"]["schedule"], "0 4 * * 6");
    for job in [open, close] {
        let spec = &job["spec"];
        assert_eq!(spec["timeZone"], "Europe/Berlin");
        assert_eq!(spec["concurrencyPolicy"], "Forbid");
        let active = spec["jobTemplate"]["spec"]["activeDeadlineSeconds"]
            .as_u64()
            .unwrap();
        assert!(active < 2 * 3600, "a job outlasting the window: {active}");
        let pod = &spec["jobTemplate"]["spec"]["template"];
        assert_eq!(
            pod["spec"]["serviceAccountName"],
            "netpolgen-window-maintenance-prod"
        );
        // The runner's pods are the service whose egress to the API
        // server the render allows.
        assert_eq!(
            pod["metadata"]["labels"]["app.kubernetes.io/name"],
            "netpolgen-window-runner"
        );
    }
    // A late opening is skipped rather than opening after its closing; a
    // late closing still runs.
    let deadline = open["spec"]["startingDeadlineSeconds"].as_u64().unwrap();
    assert!(deadline < 2 * 3600);
    assert!(close["spec"].get("startingDeadlineSeconds").is_none());
    let runner = named(
        &docs,
        "NetworkPolicy",
        "allow-netpolgen-window-runner-to-kube-apiserver-prod",
    );
    assert_eq!(
        runner["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"],
        "10.0.0.1/32"
    );
}

/// A `kubectl` that appends its arguments to `$CALLS`, one call a line,
/// and exits with `status`.
fn fake_kubectl(dir: &Path, status: u8) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = bin.join("kubectl");
    let script = format!("#!/bin/sh\necho \"$*\" >> \"$CALLS\"\nexit {status}\n");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `script` with the fake kubectl first on PATH: its output, and the
/// calls kubectl recorded.
fn run_script(dir: &Path, script: &str) -> (std::process::Output, String) {
    let calls = dir.join("calls");
    let _ = std::fs::remove_file(&calls);
    let file = dir.join("script.sh");
    std::fs::write(&file, script).unwrap();
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg(&file)
        .env("PATH", path)
        .env("CALLS", &calls)
        .output()
        .unwrap();
    (out, std::fs::read_to_string(&calls).unwrap_or_default())
}

/// [`run_script`] that must succeed: the calls and stdout.
fn run_ok(dir: &Path, script: &str) -> (String, String) {
    let (out, calls) = run_script(dir, script);
    assert_success(&out);
    (calls, String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_runner_scripts_call_kubectl_as_documented() {
    let docs = window_render();
    let config = named(&docs, "ConfigMap", "netpolgen-window-maintenance-prod");
    let dir = tempfile::tempdir().unwrap();
    fake_kubectl(dir.path(), 0);

    let (calls, out) = run_ok(dir.path(), config["data"]["open.sh"].as_str().unwrap());
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 2, "{calls}");
    assert_eq!(
        lines[0],
        "apply --server-side --field-manager=netpolgen-window --force-conflicts \
         --namespace alt-las-prod --filename /netpolgen/policies.yaml"
    );
    let expires = lines[1]
        .strip_prefix(
            "annotate --overwrite --namespace alt-las-prod --filename \
             /netpolgen/policies.yaml netpolgen.io/window-expires=",
        )
        .unwrap_or_else(|| panic!("{}", lines[1]));
    // Two hours from now, as RFC 3339 in UTC.
    let expires = chrono::DateTime::parse_from_rfc3339(expires).unwrap();
    let left = expires
        .signed_duration_since(chrono::Utc::now())
        .num_seconds();
    assert!((7100..=7200).contains(&left), "{left}");
    assert!(out.starts_with("window maintenance open until "), "{out}");

    let (calls, out) = run_ok(dir.path(), config["data"]["close.sh"].as_str().unwrap());
    assert_eq!(
        calls,
        "delete --ignore-not-found --wait=false --namespace alt-las-prod \
         --filename /netpolgen/policies.yaml\n"
    );
    assert_eq!(out, "window maintenance closed\n");
}

#[test]
fn a_failing_kubectl_fails_the_job() {
    let docs = window_render();
    let config = named(&docs, "ConfigMap", "netpolgen-window-maintenance-prod");
    let dir = tempfile::tempdir().unwrap();
    fake_kubectl(dir.path(), 1);
    let (out, calls) = run_script(dir.path(), config["data"]["open.sh"].as_str().unwrap());
    // The Job fails (and retries), and nothing is annotated open.
    assert!(!out.status.success());
    assert_eq!(calls.lines().count(), 1, "{calls}");
}

fn cilium_window_render() -> Vec<Value> {
    let mut cmd = netpolgen();
    cmd.args(["render", "tests/testdata/render/window-cilium"])
        .current_dir(repo());
    docs(&ok(cmd))
}

#[test]
fn with_cilium_the_window_applies_cilium_network_policies() {
    let docs = cilium_window_render();
    let config = named(&docs, "ConfigMap", "netpolgen-window-maintenance-prod");
    let inside = common::docs(config["data"]["policies.yaml"].as_str().unwrap());
    assert!(inside.iter().all(|d| d["kind"] == "CiliumNetworkPolicy"));
    let window_policies = names(&inside);
    assert_eq!(
        window_policies,
        [
            "allow-ai-orchestrator-to-archive-service-egress-prod",
            "allow-ai-orchestrator-to-archive-service-prod"
        ]
    );
    let in_force = names(&of_kind(&docs, "CiliumNetworkPolicy"));
    assert!(window_policies.iter().all(|p| !in_force.contains(p)));
    assert!(of_kind(&docs, "NetworkPolicy").is_empty());
    for p in &inside {
        let a = &p["metadata"]["annotations"];
        assert_eq!(a["argocd.argoproj.io/compare-options"], "IgnoreExtraneous");
        assert_eq!(a["kustomize.toolkit.fluxcd.io/prune"], "disabled");
        assert_eq!(
            p["metadata"]["labels"]["netpolgen.io/window"],
            "maintenance"
        );
    }

    let role = named(&docs, "Role", "netpolgen-window-maintenance-prod");
    assert_eq!(
        role["rules"],
        serde_json::json!([{
            "apiGroups": ["cilium.io"],
            "resources": ["ciliumnetworkpolicies"],
            "resourceNames": window_policies,
            "verbs": ["get", "create", "patch", "delete"],
        }])
    );

    let dir = tempfile::tempdir().unwrap();
    fake_kubectl(dir.path(), 0);
    let (calls, _) = run_ok(dir.path(), config["data"]["open.sh"].as_str().unwrap());
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 2, "{calls}");
    assert_eq!(
        lines[0],
        "apply --server-side --field-manager=netpolgen-window --force-conflicts \
         --namespace alt-las-prod --filename /netpolgen/policies.yaml"
    );
    assert!(
        lines[1].starts_with(
            "annotate --overwrite --namespace alt-las-prod --filename \
             /netpolgen/policies.yaml netpolgen.io/window-expires="
        ),
        "{}",
        lines[1]
    );
    let (calls, out) = run_ok(dir.path(), config["data"]["close.sh"].as_str().unwrap());
    assert_eq!(
        calls,
        "delete --ignore-not-found --wait=false --namespace alt-las-prod \
         --filename /netpolgen/policies.yaml\n"
    );
    assert_eq!(out, "window maintenance closed\n");
}
