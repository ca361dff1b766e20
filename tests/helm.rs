//! Helm: `netpolgen post-render` through emulations of both Helm contracts.
//!
//! Helm 3 (pkg/postrender/exec.go): `--post-renderer <exe>` with repeated
//! `--post-renderer-args`; the rendered stream on stdin, manifests on
//! stdout; a non-zero exit fails the release with stderr.
//! Helm 4 (pkg/action annotateAndMerge/splitAndDeannotate, plugin runtime
//! subprocess): the plugin's platformCommand with the args appended,
//! HELM_PLUGIN_NAME/HELM_PLUGIN_DIR set, every input document annotated
//! with its file; empty output is an error; the output is regrouped by that
//! annotation (documents without one go to generated-by-postrender-N.yaml)
//! and the annotation is removed.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{bin_path, docs, of_kind, repo};
use serde_json::Value;

const ANNOTATION: &str = "postrenderer.helm.sh/postrender-filename";

fn testdata(name: &str) -> PathBuf {
    repo().join("tests/testdata/gitops/helm").join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn pipe(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A run that fails before reading stdin closes it; Go's os/exec (Helm)
    // ignores the EPIPE, and so does this.
    let written = child.stdin.take().unwrap().write_all(input.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

/// `helm template --post-renderer netpolgen --post-renderer-args=post-render
/// --post-renderer-args=--config=<config>`, run in the repository.
fn helm3(config: &str, input: &str) -> Output {
    let mut cmd = Command::new(bin_path());
    cmd.args(["post-render", &format!("--config={config}")])
        .current_dir(repo());
    pipe(cmd, input)
}

/// The policies `netpolgen render` gives for the test config.
fn policies() -> Vec<Value> {
    let mut cmd = common::netpolgen();
    cmd.arg("render").arg(testdata("netpolset.yaml"));
    docs(&common::ok(cmd))
}

const CONFIG: &str = "tests/testdata/gitops/helm/netpolset.yaml";

#[test]
fn helm3_keeps_the_chart_byte_for_byte_and_appends_the_policies() {
    let chart = read(&testdata("chart-helm3.yaml"));
    let out = helm3(CONFIG, &chart);
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let rest = text
        .strip_prefix(chart.as_str())
        .expect("the chart's stream comes first, unchanged");

    // The chart's documents mean what they meant: same values for
    // netpolgen's reader, and the same quoted scalars for a YAML 1.1 one.
    let before = docs(&chart);
    let after = docs(&text);
    assert_eq!(after[..before.len()], before[..]);
    let data = &after[0]["data"];
    for (key, value) in [
        ("feature", "on"),
        ("legacy", "off"),
        ("confirm", "yes"),
        ("mode", "0644"),
        ("ratio", "1e3"),
        ("nothing", "~"),
        ("empty", "null"),
        ("flag", "true"),
        ("big", "12345678901234567890"),
    ] {
        assert_eq!(data[key], value, "{key}");
        let quoted = [
            format!("  {key}: \"{value}\"\n"),
            format!("  {key}: '{value}'\n"),
        ];
        assert!(
            quoted.iter().any(|q| text.contains(q.as_str())),
            "{key} lost its quotes"
        );
    }
    assert!(data["script"].as_str().unwrap().contains("---\necho"));
    assert_eq!(
        after[1]["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "yes"
    );

    // Then the policies, with no Helm 4 annotation on Helm 3 input.
    assert_eq!(docs(rest), policies());
    assert!(!rest.contains(ANNOTATION));
    // The generated side is written for YAML 1.1 readers too.
    assert!(rest.contains("helm-post-rendered: \"on\"\n"), "{rest}");
    assert_eq!(
        policies()[0]["metadata"]["labels"]["helm-post-rendered"],
        "on"
    );
}

#[test]
fn documented_arguments_are_the_ones_tested() {
    let docs = read(&repo().join("README.md"));
    // Helm 3 passes these to the binary; Helm 4 appends the last to the
    // plugin's `post-render`.
    assert!(docs.contains("--post-renderer netpolgen \\\n  --post-renderer-args=post-render --post-renderer-args=--config=overlays/prod/netpolset.yaml"));
    assert!(docs.contains("helm plugin install deploy/helm/netpolgen"));
    assert!(docs.contains(
        "--post-renderer netpolgen \\\n  --post-renderer-args=--config=overlays/prod/netpolset.yaml"
    ));
    let chart = read(&testdata("chart-helm3.yaml"));
    let out = helm3("overlays/prod/netpolset.yaml", &chart);
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(&text[chart.len()..], common::render_overlay("prod"));
    let files = helm4(&BTreeMap::new(), &["--config=overlays/prod/netpolset.yaml"]).unwrap();
    assert_eq!(files.len(), docs_of_prod());
}

fn docs_of_prod() -> usize {
    docs(&common::render_overlay("prod")).len()
}

#[test]
fn config_may_be_a_directory_and_the_chart_may_be_empty() {
    let out = helm3("overlays/prod", "");
    common::assert_success(&out);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        common::render_overlay("prod")
    );
}

/// deploy/helm/netpolgen/plugin.yaml run as Helm 4 runs a postrenderer/v1
/// plugin; returns the release's files, as Helm regroups them.
fn helm4(
    input_files: &BTreeMap<String, String>,
    args: &[&str],
) -> Result<BTreeMap<String, Vec<Value>>, String> {
    let plugin_dir = repo().join("deploy/helm/netpolgen");
    let manifest = docs(&read(&plugin_dir.join("plugin.yaml"))).remove(0);
    assert_eq!(manifest["apiVersion"], "v1");
    assert_eq!(manifest["type"], "postrenderer/v1");
    assert_eq!(manifest["runtime"], "subprocess");
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    let name = manifest["name"].as_str().unwrap();
    let platform = &manifest["runtimeConfig"]["platformCommand"][0];
    let expand = |s: &str| s.replace("${HELM_PLUGIN_DIR}", &plugin_dir.display().to_string());
    let command = expand(platform["command"].as_str().unwrap());
    let mut argv: Vec<String> = platform["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| expand(a.as_str().unwrap()))
        .collect();
    argv.extend(args.iter().map(|a| a.to_string()));

    // annotateAndMerge: sorted file names, each document annotated.
    let mut merged = Vec::new();
    for (file, text) in input_files {
        for mut doc in docs(text) {
            doc["metadata"]["annotations"][ANNOTATION] = Value::String(file.clone());
            merged.push(doc);
        }
    }
    let input = netpolgen::k8s::yaml::to_stream(&merged);

    let tools = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(bin_path(), tools.path().join("netpolgen")).unwrap();
    let path_var = format!("{}:/usr/bin:/bin", tools.path().display());
    // A bare command name is looked up on PATH, as exec.LookPath does.
    let program = if command.contains('/') {
        PathBuf::from(&command)
    } else {
        std::env::split_paths(&path_var)
            .map(|d| d.join(&command))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("{command} is not on PATH"))
    };
    let mut cmd = Command::new(program);
    cmd.args(&argv)
        .current_dir(repo())
        .env_clear()
        .env("PATH", &path_var)
        .env("HELM_PLUGIN_NAME", name)
        .env("HELM_PLUGIN_DIR", &plugin_dir);
    let out = pipe(cmd, &input);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8(out.stdout).unwrap();
    if text.trim().is_empty() {
        return Err("post-renderer produced empty output".into());
    }
    // splitAndDeannotate.
    let mut files: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (i, mut doc) in docs(&text).into_iter().enumerate() {
        let annotations = doc["metadata"]["annotations"].as_object_mut();
        let file = annotations
            .and_then(|a| a.remove(ANNOTATION))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("generated-by-postrender-{i}.yaml"));
        if doc["metadata"]["annotations"]
            .as_object()
            .is_some_and(|a| a.is_empty())
        {
            doc["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("annotations");
        }
        files.entry(file).or_default().push(doc);
    }
    Ok(files)
}

#[test]
fn helm4_plugin_keeps_every_file_name() {
    // The chart's files, as helm template renders them.
    let stream = read(&testdata("chart-helm4.yaml"));
    let mut chart = BTreeMap::new();
    for doc in docs(&stream) {
        let file = doc["metadata"]["annotations"][ANNOTATION]
            .as_str()
            .unwrap()
            .to_string();
        let mut plain = doc.clone();
        plain["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("annotations");
        chart.insert(file, netpolgen::k8s::yaml::to_string(&plain));
    }
    let files = helm4(&chart, &[&format!("--config={CONFIG}")]).unwrap();

    for (file, text) in &chart {
        assert_eq!(files[file], docs(text), "{file} comes back as it went in");
    }
    let want = policies();
    for policy in &want {
        let name = policy["metadata"]["name"].as_str().unwrap();
        assert_eq!(
            files[&format!("netpolgen/{name}.yaml")],
            vec![policy.clone()]
        );
    }
    assert_eq!(files.len(), chart.len() + want.len());
    assert!(
        files
            .keys()
            .all(|f| !f.starts_with("generated-by-postrender"))
    );
    let cm = &files["alt-las/templates/configmap.yaml"][0];
    assert_eq!(cm["data"]["mode"], "0644");
    assert_eq!(cm["data"]["feature"], "on");
}

#[test]
fn bad_config_fails_before_reading_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let config = dir.path().join("netpolset.yaml");
    std::fs::write(
        &config,
        read(&testdata("netpolset.yaml"))
            .replace(
                "base: ../../../../base/netpolset.yaml",
                "services: {x: {labels: {}}}",
            )
            .replace(
                "labels:\n    environment",
                "flows: {a: {from: x, to: y}}\n  labels:\n    environment",
            ),
    )
    .unwrap();
    let mut cmd = Command::new(bin_path());
    cmd.args(["post-render", "--config"])
        .arg(&config)
        .current_dir(dir.path());
    let out = pipe(cmd, &read(&testdata("chart-helm3.yaml")));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("netpolset.yaml:") && stderr.contains("spec.flows.a"),
        "{stderr}"
    );

    let out = helm3("tests/testdata/gitops/helm/missing.yaml", "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("missing.yaml: no such file or directory")
    );
}

#[test]
fn bad_chart_output_fails_and_prints_nothing() {
    let cases = [
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkey: [1\n",
            "stdin:5: invalid YAML from the chart",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\njust: data\n",
            "stdin:5: document 2 is not a Kubernetes object",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress-prod\nspec: {}\n",
            "stdin:1: the chart already renders NetworkPolicy default-deny-ingress-prod",
        ),
    ];
    for (input, message) in cases {
        let out = helm3(CONFIG, input);
        assert_eq!(out.status.code(), Some(1), "{input}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(message), "{stderr}");
    }
    // The same through the Helm 4 plugin: the release fails with the reason.
    let mut chart = BTreeMap::new();
    chart.insert(
        "alt-las/templates/np.yaml".to_string(),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-monitoring-prod\n  namespace: alt-las-prod\nspec: {}\n".to_string(),
    );
    let err = helm4(&chart, &[&format!("--config={CONFIG}")]).unwrap_err();
    assert!(
        err.contains("NetworkPolicy allow-monitoring-prod (in alt-las/templates/np.yaml)"),
        "{err}"
    );
}

#[test]
fn a_chart_policy_in_another_namespace_is_kept() {
    let input = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress-prod\n  namespace: other\nspec: {}\n";
    let out = helm3(CONFIG, input);
    common::assert_success(&out);
    let all = docs(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(of_kind(&all, "NetworkPolicy").len(), policies().len() + 1);
}

fn helm3_lint(input: &str) -> Output {
    let mut cmd = Command::new(bin_path());
    cmd.args(["post-render", "--lint", &format!("--config={CONFIG}")])
        .current_dir(repo());
    pipe(cmd, input)
}

const CHART_POLICY: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: chart-np\n  namespace: alt-las-prod\nspec:\n  podSelector: {matchLabels: {app: api-gateway}}\n";

#[test]
fn lint_fails_on_a_broken_chart_policy_and_prints_nothing() {
    let input = format!("{CHART_POLICY}  policyTypes: [Sideways]\n");
    // Without --lint the chart's policy is the chart's business.
    common::assert_success(&helm3(CONFIG, &input));
    let out = helm3_lint(&input);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "stdin:8: error NP001 NetworkPolicy/alt-las-prod/chart-np spec.policyTypes[0]"
        ),
        "{stderr}"
    );
    // Findings about the generated policies name the config they came from.
    assert!(
        stderr.contains("tests/testdata/gitops/helm/netpolset.yaml (rendered):"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("post-render lint: 1 error(s), 0 warning(s), 1 info\n"),
        "{stderr}"
    );
}

#[test]
fn lint_warnings_keep_the_output() {
    let input = format!("{CHART_POLICY}  policyTypes: [Egress]\n  ingress: [{{}}]\n");
    let out = helm3_lint(&input);
    common::assert_success(&out);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("stdin:9: warning NP002 NetworkPolicy/alt-las-prod/chart-np spec.ingress"),
        "{stderr}"
    );
    let plain = helm3(CONFIG, &input);
    assert_eq!(
        out.stdout, plain.stdout,
        "--lint changes nothing in the output"
    );
}

/// Helm puts a chart's objects in the release namespace; lint places the
/// ones that name no namespace where the set's policies are, not in
/// `default`, so the gateway is judged by the policies that select it.
#[test]
fn lint_places_chart_objects_without_a_namespace_with_the_policies() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-gateway\nspec:\n  selector: {matchLabels: {app: api-gateway}}\n  template:\n    metadata: {labels: {app: api-gateway}}\n    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 3000}, {name: metrics, containerPort: 9090}]}]}\n";
    let out = helm3_lint(deployment);
    common::assert_success(&out);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("Deployment/default/"), "{stderr}");
    assert!(!stderr.contains("NP012"), "{stderr}");
    // The chart's document itself is not changed: still no namespace.
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with(deployment.trim_end()), "{stdout}");
}

/// Documents as PyYAML (a YAML 1.1 reader, as kubectl's go-yaml) reads
/// them, in JSON; `None` when python3 with PyYAML is not installed.
fn pyyaml(text: &str) -> Option<Value> {
    if common::missing(&["python3"]) {
        return None;
    }
    let mut cmd = Command::new("python3");
    cmd.args([
        "-c",
        "import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin)), default=str))",
    ]);
    let out = pipe(cmd, text);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("No module named 'yaml'")
                && std::env::var_os("NETPOLGEN_REQUIRE_TOOLS").is_none(),
            "{err}"
        );
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn a_chart_without_a_final_newline_means_the_same_after_the_policies() {
    let chart = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  b: |\n    line";
    let out = helm3(CONFIG, chart);
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.ends_with(chart),
        "the chart's bytes come last, unchanged:\n{text}"
    );
    let (Some(before), Some(after)) = (pyyaml(chart), pyyaml(&text)) else {
        return;
    };
    let after = after.as_array().unwrap();
    assert_eq!(after.last().unwrap(), &before[0]);
    assert_eq!(before[0]["data"]["b"], "line");
    // And with a final newline the chart still comes first, byte for byte.
    let out = helm3(CONFIG, &format!("{chart}\n"));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with(&format!("{chart}\n"))
    );
}
