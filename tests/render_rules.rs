//! Rules of the render that need a file tree of their own: base chains,
//! symlinks, injection into metadata only, overlay deletion.

mod common;

use std::path::Path;

use common::*;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const BASE: &str = "apiVersion: netpolgen.io/v1alpha1\nkind: NetworkPolicySet\nmetadata: {name: shop}\nspec:\n  labels: {team: shop}\n  services:\n    web: {labels: {app: web, team: shop}, selector: {app: web}, ports: {http: 8080}}\n    db: {labels: {app: db}, ports: {sql: 5432}}\n  peers:\n    lb: {namespace: ingress, selector: {app: lb}}\n  flows:\n    lb-to-web: {from: lb, to: web, ports: [http]}\n    web-to-db: {from: web, to: db, ports: [sql]}\n";

fn overlay(extra: &str) -> String {
    format!(
        "apiVersion: netpolgen.io/v1alpha1\nkind: NetworkPolicySet\nmetadata: {{name: shop}}\nspec:\n  base: ../base/netpolset.yaml\n  environment: prod\n  namespace: shop-prod\n  labels: {{environment: prod}}\n{extra}"
    )
}

fn tree(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(dir.path(), "base/netpolset.yaml", BASE);
    write(dir.path(), "prod/netpolset.yaml", &overlay(extra));
    dir
}

fn render(dir: &Path) -> std::process::Output {
    netpolgen()
        .args(["render", "prod"])
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn labels_go_into_metadata_and_never_into_selectors() {
    let dir = tree("");
    let out = render(dir.path());
    assert_success(&out);
    let policies = docs(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(policies.len(), 3);
    for p in &policies {
        assert_eq!(p["metadata"]["labels"]["environment"], "prod");
        assert_eq!(p["metadata"]["labels"]["team"], "shop");
        assert_eq!(p["metadata"]["namespace"], "shop-prod");
        let spec = serde_json::to_string(&p["spec"]).unwrap();
        assert!(
            !spec.contains("environment"),
            "a label reached a selector: {spec}"
        );
    }
    // The peer keeps matching its namespace by name, untouched by the set's namespace.
    let lb = policies
        .iter()
        .find(|p| p["metadata"]["name"] == "allow-lb-to-web-prod")
        .unwrap();
    assert_eq!(
        lb["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "ingress"
    );
}

#[test]
fn an_overlay_deletes_a_flow_with_null() {
    let dir = tree("  flows:\n    web-to-db: null\n");
    let out = render(dir.path());
    assert_success(&out);
    let names: Vec<String> = docs(&String::from_utf8(out.stdout).unwrap())
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["allow-lb-to-web-prod", "default-deny-ingress-prod"]);
}

#[test]
fn an_overlay_error_names_the_base_file_when_the_field_is_there() {
    let dir = tree("");
    write(
        dir.path(),
        "base/netpolset.yaml",
        &BASE.replace("ports: [sql]", "ports: [sqll]"),
    );
    let out = render(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: spec.flows.web-to-db.ports[0]: port \"sqll\""),
        "{stderr}"
    );
    assert!(stderr.contains("--> base/netpolset.yaml:13:"), "{stderr}");
    assert!(
        stderr.contains("13 |     web-to-db: {from: web, to: db, ports: [sqll]}"),
        "the source line: {stderr}"
    );
}

#[test]
fn a_symlinked_base_may_not_leave_the_root() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "netpolset.yaml", BASE);
    let dir = tree("");
    std::fs::remove_file(dir.path().join("base/netpolset.yaml")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("netpolset.yaml"),
        dir.path().join("base/netpolset.yaml"),
    )
    .unwrap();
    let out = render(dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("spec.base") && stderr.contains("outside the repository root"),
        "{stderr}"
    );
    // --root widens it on purpose.
    let out = netpolgen()
        .args(["render", "prod", "--root", "/"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
}

#[test]
fn a_template_may_not_set_another_namespace_or_contradict_labels() {
    let dir = tree("  templates: [tpl]\n");
    write(
        dir.path(),
        "prod/tpl/extra.yaml.j2",
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: extra\n  namespace: kube-system\n  labels: {environment: dev}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n",
    );
    let out = render(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("prod/tpl/extra.yaml.j2, document 1: metadata.namespace: is \"kube-system\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("metadata.labels.environment: is \"dev\", but spec.labels sets \"prod\""),
        "{stderr}"
    );
}

#[test]
fn a_template_overrides_the_builtin_of_the_same_name() {
    let dir = tree("  templates: [tpl]\n  values: {owner: payments}\n");
    let builtin = std::fs::read_to_string(repo().join("templates/default-deny.yaml.j2")).unwrap();
    let custom = builtin.replace("  name: default-deny-{{ direction | lower }}{{ suffix }}", "  name: default-deny-{{ direction | lower }}{{ suffix }}\n  annotations: {owner: {{ values.owner }}}");
    assert_ne!(custom, builtin);
    write(dir.path(), "prod/tpl/default-deny.yaml.j2", &custom);
    let out = render(dir.path());
    assert_success(&out);
    let policies = docs(&String::from_utf8(out.stdout).unwrap());
    let deny = policies
        .iter()
        .find(|p| p["metadata"]["name"] == "default-deny-ingress-prod")
        .unwrap();
    assert_eq!(deny["metadata"]["annotations"]["owner"], "payments");
}

#[test]
fn a_group_that_also_catches_an_unrelated_service_is_declared_by_its_labels() {
    // The group selects by tier; db carries it too, so web-to-group reaches db:
    // that is what the intent says, and the verifier agrees.
    let dir = tree(
        "  services:\n    db: {labels: {app: db, tier: data}}\n  groups:\n    data: {selector: {tier: data}}\n  flows:\n    web-to-data: {from: web, to: data, ports: [sql]}\n",
    );
    let out = render(dir.path());
    assert_success(&out);
}

/// Cilium: with FQDN peers, the DNS egress carries `rules.dns` naming
/// every declared name plus `matchPattern: "*"`, once for both DNS ports
/// and nothing else: the DNS proxy must see the lookups (to learn the
/// names' addresses) and must not refuse the others (the cluster's own
/// service names); docs/configuration.md says why this does not widen
/// what the pods may reach. Without FQDN peers there is no `rules.dns`.
#[test]
fn cilium_dns_egress_names_the_fqdns_and_every_other_name() {
    let dns_egress = |text: &str| -> serde_json::Value {
        let policies = docs(text);
        let dns = policies
            .iter()
            .find(|p| {
                let name = p["metadata"]["name"].as_str().unwrap_or_default();
                name.starts_with("allow-dns-egress")
            })
            .expect("a DNS egress policy");
        dns["spec"]["egress"].clone()
    };
    let to_dns = serde_json::json!([{"matchLabels": {
        "k8s-app": "kube-dns", "k8s:io.kubernetes.pod.namespace": "kube-system"}}]);
    let ports = serde_json::json!([
        {"port": "53", "protocol": "UDP"}, {"port": "53", "protocol": "TCP"}]);

    let mut cmd = netpolgen();
    cmd.args(["render", "netpolset.yaml", "--root", "."])
        .current_dir(repo().join("tests/testdata/render/cilium"));
    assert_eq!(
        dns_egress(&ok(cmd)),
        serde_json::json!([{"toEndpoints": to_dns, "toPorts": [{"ports": ports, "rules": {"dns": [
            {"matchName": "api.example.com"},
            {"matchPattern": "*.storage.example.com"},
            {"matchPattern": "*"},
        ]}}]}])
    );

    let prod = dns_egress(&render_overlay("prod-cilium"));
    assert_eq!(
        prod[0]["toPorts"][0]["rules"]["dns"],
        serde_json::json!([{"matchPattern": "*.objects.example.com"}, {"matchPattern": "*"}])
    );

    let dir = tree("  backend: cilium\n  defaultDeny: [Ingress, Egress]\n");
    let out = render(dir.path());
    assert_success(&out);
    let plain = dns_egress(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        plain,
        serde_json::json!([{"toEndpoints": to_dns, "toPorts": [{"ports": ports}]}])
    );
}
