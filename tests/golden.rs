//! The ALT_LAS overlays rendered: the reference document's policies,
//! determinism, and byte-identical output from all three entry points.
//! The golden renders are cases of `tests/cases.rs`
//! (`tests/testdata/render/alt-las-*`).

mod common;

use common::*;
#[test]
fn prod_contains_the_reference_policies_exactly() {
    let rendered = docs(&render_overlay("prod"));
    let reference =
        std::fs::read_to_string(repo().join("tests/testdata/reference/alt-las-prod.yaml")).unwrap();
    let reference = docs(&reference);
    assert_eq!(reference.len(), 3);
    for want in reference {
        let name = &want["metadata"]["name"];
        let got = rendered
            .iter()
            .find(|d| &d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no policy {name} in the prod render"));
        assert_eq!(got["apiVersion"], want["apiVersion"], "{name}");
        assert_eq!(
            got["metadata"]["namespace"], want["metadata"]["namespace"],
            "{name}"
        );
        assert_eq!(got["spec"], want["spec"], "{name}");
    }
}

#[test]
fn prod_has_the_service_to_service_monitoring_and_egress_policies() {
    let rendered = docs(&render_overlay("prod"));
    let names: Vec<&str> = rendered
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "allow-ai-orchestrator-to-runner-service-egress-prod",
            "allow-ai-orchestrator-to-runner-service-prod",
            "allow-ai-orchestrator-to-segmentation-service-egress-prod",
            "allow-ai-orchestrator-to-segmentation-service-prod",
            "allow-api-gateway-to-backend-services-egress-prod",
            "allow-api-gateway-to-backend-services-prod",
            "allow-dns-egress-prod",
            "allow-ingress-to-api-gateway-prod",
            "allow-monitoring-prod",
            "allow-runner-service-to-archive-service-egress-prod",
            "allow-runner-service-to-archive-service-prod",
            "default-deny-egress-prod",
            "default-deny-ingress-prod",
        ]
    );
    // Dev and test keep egress open: ingress policies only.
    for env in ["dev", "test"] {
        let rendered = docs(&render_overlay(env));
        assert!(
            rendered
                .iter()
                .all(|d| d["spec"]["policyTypes"] == serde_json::json!(["Ingress"])),
            "{env}"
        );
    }
    let monitoring = rendered
        .iter()
        .find(|d| d["metadata"]["name"] == "allow-monitoring-prod")
        .unwrap();
    // Metrics port only, resolved at each pod by name.
    assert_eq!(
        monitoring["spec"]["ingress"][0]["ports"],
        serde_json::json!([{"protocol": "TCP", "port": "metrics"}])
    );
    for d in &rendered {
        assert_eq!(d["metadata"]["labels"]["environment"], "prod");
        assert_eq!(d["metadata"]["namespace"], "alt-las-prod");
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let first = render_overlay("staging");
    for _ in 0..3 {
        assert_eq!(render_overlay("staging"), first);
    }
}

/// The policies a KRM run appended, as the same YAML stream render prints.
fn krm_policies(env: &str) -> String {
    let config =
        std::fs::read_to_string(repo().join(format!("overlays/{env}/netpolset.yaml"))).unwrap();
    let indented: String = config.lines().map(|l| format!("  {l}\n")).collect();
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {{name: other}}\nfunctionConfig:\n{indented}"
    );
    let mut cmd = netpolgen();
    cmd.current_dir(repo().join(format!("overlays/{env}")))
        .write_stdin(input);
    let out = ok(cmd);
    let list: serde_json::Value = netpolgen::k8s::yaml::parse(&out).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(
        items[0]["kind"], "Namespace",
        "input items come first, unchanged"
    );
    netpolgen::k8s::yaml::to_stream(&items[1..])
}

/// The policies the legacy exec plugin prints, called the way kustomize
/// calls it: a temporary copy of the config, the kustomization as root.
fn plugin_policies(env: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("kust-plugin-config-1");
    std::fs::copy(repo().join(format!("overlays/{env}/netpolset.yaml")), &copy).unwrap();
    let mut cmd = netpolgen();
    cmd.arg(&copy)
        .env(
            "KUSTOMIZE_PLUGIN_CONFIG_ROOT",
            repo().join(format!("overlays/{env}")),
        )
        .current_dir(repo().join(format!("overlays/{env}")));
    ok(cmd)
}

#[test]
fn all_entry_points_give_identical_policies() {
    for env in ENVS {
        let rendered = render_overlay(env);
        assert_eq!(plugin_policies(env), rendered, "legacy plugin, {env}");
        assert_eq!(krm_policies(env), rendered, "KRM function, {env}");
    }
}

#[test]
fn library_and_binary_agree() {
    let root = repo();
    let disk = netpolgen::io::Disk::new(Some(&root), &root).unwrap();
    let rendered = netpolgen::pipeline::render_path(&disk, &root.join("overlays/test")).unwrap();
    assert_eq!(
        netpolgen::report::policies::to_string(&rendered.policies, netpolgen::report::Format::Yaml),
        render_overlay("test")
    );
}
