//! The binary's entry points and their contracts: help, the KRM protocol's
//! edges, YAML 1.1-safe pass-through, plugin installation.

mod common;

use common::*;

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "render",
        "install-plugin",
        "analyze",
        "check",
        "lint",
        "diff",
        "post-render",
    ] {
        let mut cmd = netpolgen();
        cmd.args([sub, "--help"]);
        let out = ok(cmd);
        assert!(out.contains("Usage: netpolgen"), "{sub}: {out}");
    }
    let mut cmd = netpolgen();
    cmd.arg("--help");
    let out = ok(cmd);
    assert!(
        out.contains("KRM function") && out.contains("exec plugin"),
        "{out}"
    );
}

#[test]
fn unknown_flags_are_usage_errors() {
    let out = netpolgen()
        .args(["render", "--nope", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// A ResourceList around the prod overlay's config, with `items` given.
fn resource_list(api_version: &str, items: &str) -> String {
    let config = std::fs::read_to_string(repo().join("overlays/prod/netpolset.yaml")).unwrap();
    let indented: String = config.lines().map(|l| format!("  {l}\n")).collect();
    format!("apiVersion: {api_version}\nkind: ResourceList\n{items}functionConfig:\n{indented}")
}

fn krm(input: String) -> (i32, serde_json::Value, String) {
    let out = netpolgen()
        .current_dir(repo().join("overlays/prod"))
        .write_stdin(input)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let list = netpolgen::k8s::yaml::parse(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (out.status.code().unwrap(), list, stdout)
}

#[test]
fn krm_strings_a_yaml_1_1_reader_would_retype_stay_strings() {
    let values = [
        "on",
        "off",
        "yes",
        "no",
        "y",
        "n",
        "Y",
        "NO",
        "0644",
        "1_000",
        "1e3",
        "~",
        "null",
        "true",
        "12345678901234567890",
    ];
    let data: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("      k{i}: '{v}'\n"))
        .collect();
    let items = format!(
        "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: settings\n    annotations:\n      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: settings.yaml\n  data:\n{}",
        data.replace("      k", "    k")
    );
    let (code, list, stdout) = krm(resource_list("config.kubernetes.io/v1", &items));
    assert_eq!(code, 0, "{stdout}");
    let cm = &list["items"][0];
    for (i, v) in values.iter().enumerate() {
        assert_eq!(cm["data"][format!("k{i}")], *v, "k{i}");
        // Quoted in the text, so YAML 1.1 readers (kubectl) see a string too:
        // the input item comes back exactly as written.
        assert!(
            stdout.contains(&format!("k{i}: '{v}'")),
            "k{i} not as written:\n{stdout}"
        );
    }
    assert_eq!(
        cm["metadata"]["annotations"]["internal.config.kubernetes.io/path"],
        "settings.yaml"
    );
    let keys: Vec<&String> = cm.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["apiVersion", "kind", "metadata", "data"],
        "key order kept"
    );
}

#[test]
fn krm_numbers_keep_their_meaning() {
    let items = "items:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n  spec: {defaultMode: 0644, big: 12345678901234567890, replicas: 3}\n";
    let (code, list, _) = krm(resource_list("config.kubernetes.io/v1", items));
    assert_eq!(code, 0);
    assert_eq!(
        list["items"][0]["spec"]["defaultMode"], 420,
        "0644 is octal, as kubectl reads it"
    );
    assert_eq!(
        list["items"][0]["spec"]["big"].as_u64(),
        Some(12345678901234567890)
    );
}

#[test]
fn krm_accepts_older_api_versions_and_missing_items_and_emits_v1() {
    for api in [
        "config.kubernetes.io/v1alpha1",
        "config.kubernetes.io/v1beta1",
    ] {
        let (code, list, stdout) = krm(resource_list(api, ""));
        assert_eq!(code, 0, "{stdout}");
        assert_eq!(list["apiVersion"], "config.kubernetes.io/v1");
        // The prod overlay renders 13 policies: 2 default denies, 6 flows
        // in, 4 flows out, DNS.
        assert_eq!(list["items"].as_array().unwrap().len(), 13);
        assert_eq!(list["results"][0]["severity"], "info");
    }
}

#[test]
fn krm_without_or_with_a_foreign_function_config_reports_an_error_result() {
    let cases = [
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
            "no functionConfig",
        ),
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: function-input}\n  data: {a: b}\n",
            "functionConfig must be a NetworkPolicySet",
        ),
        (
            "kind: Deployment\nmetadata: {name: x}\n",
            "expected kind ResourceList",
        ),
        ("items: [\n", "not valid YAML"),
    ];
    for (input, needle) in cases {
        let out = netpolgen().write_stdin(input).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{input}");
        let list: serde_json::Value =
            netpolgen::k8s::yaml::parse(&String::from_utf8(out.stdout).unwrap()).unwrap();
        assert_eq!(list["kind"], "ResourceList");
        assert!(list["items"].is_array(), "items always present");
        let message = list["results"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{message}");
        assert_eq!(list["results"][0]["severity"], "error");
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
}

#[test]
fn krm_errors_carry_resource_ref_and_field() {
    let items = "items: []\n";
    let input = resource_list("config.kubernetes.io/v1", items)
        .replace("  environment: prod\n", "  environment: Prod\n");
    let (code, list, stdout) = krm(input);
    assert_eq!(code, 1, "{stdout}");
    let r = &list["results"][0];
    assert_eq!(r["resourceRef"]["kind"], "NetworkPolicySet");
    assert_eq!(r["resourceRef"]["name"], "alt-las");
    assert_eq!(r["field"]["path"], "spec.environment");
}

#[test]
fn install_plugin_picks_the_root_as_kustomize_does() {
    let tmp = tempfile::tempdir().unwrap();
    let xdg = tmp.path().join("xdg");
    let home = tmp.path().join("home");
    // No KUSTOMIZE_PLUGIN_HOME: $XDG_CONFIG_HOME/kustomize/plugin comes first.
    let mut cmd = netpolgen();
    cmd.arg("install-plugin")
        .env_remove("KUSTOMIZE_PLUGIN_HOME")
        .env("XDG_CONFIG_HOME", &xdg)
        .env("HOME", &home);
    let printed = ok(cmd);
    let want = xdg.join("kustomize/plugin/netpolgen.io/v1alpha1/networkpolicyset/NetworkPolicySet");
    assert_eq!(printed.trim(), want.display().to_string());
    assert!(want.exists());
    // An existing KUSTOMIZE_PLUGIN_HOME wins; reinstalling replaces the link.
    let khome = tmp.path().join("k");
    std::fs::create_dir(&khome).unwrap();
    for _ in 0..2 {
        let mut cmd = netpolgen();
        cmd.arg("install-plugin")
            .env("KUSTOMIZE_PLUGIN_HOME", &khome)
            .env("XDG_CONFIG_HOME", &xdg);
        let printed = ok(cmd);
        assert!(
            printed.starts_with(&khome.display().to_string()),
            "{printed}"
        );
    }
}

#[test]
fn render_errors_leave_stdout_empty() {
    let out = netpolgen()
        .args(["render", "does/not/exist.yaml"])
        .current_dir(repo())
        .output()
        .unwrap();
    // A file that cannot be read is an I/O failure.
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does/not/exist.yaml"));
}

#[test]
fn krm_items_come_back_as_written_and_new_ones_are_yaml_1_1_safe() {
    let items = "items:\n- apiVersion: v1   # why this exists\n  kind: ConfigMap\n  metadata: {name: flags}\n  data: {a: 'on', b: \"0644\", c: [1, 2]}\n";
    let (code, list, stdout) = krm(resource_list("config.kubernetes.io/v1", items));
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("items:\n- apiVersion: v1   # why this exists\n  kind: ConfigMap\n  metadata: {name: flags}\n  data: {a: 'on', b: \"0644\", c: [1, 2]}\n"),
        "{stdout}"
    );
    assert_eq!(list["items"][0]["data"]["b"], "0644");
    // The rendered policies follow as ordinary block YAML.
    assert_eq!(list["items"].as_array().unwrap().len(), 1 + 13);
    assert!(
        stdout.contains("- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n"),
        "{stdout}"
    );
}

#[test]
fn version_names_the_commit() {
    let out = ok({
        let mut c = netpolgen();
        c.arg("--version");
        c
    });
    let (version, commit) = out
        .trim()
        .strip_prefix("netpolgen ")
        .and_then(|v| v.split_once(' '))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let commit = commit.trim_start_matches('(').trim_end_matches(')');
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{out}"
    );
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let diff = |args: &[&str], no_color: bool| {
        let mut c = netpolgen();
        c.arg("diff")
            .args(args)
            .args(["--no-normalize", "overlays/dev", "overlays/prod"])
            .current_dir(repo());
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    assert!(diff(&["--color", "always"], true).contains("\u{1b}["));
    assert!(!diff(&["--color", "never"], false).contains('\u{1b}'));
    // Auto: not a terminal here, so no colour; NO_COLOR likewise.
    assert!(!diff(&[], false).contains('\u{1b}'));
    assert!(!diff(&["--color", "auto"], true).contains('\u{1b}'));
}

#[test]
fn a_legacy_plugin_config_path_still_renders() {
    let mut c = netpolgen();
    c.arg("overlays/prod/netpolset.yaml").current_dir(repo());
    assert_eq!(ok(c), render_overlay("prod"));
}
