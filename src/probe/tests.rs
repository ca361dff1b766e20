//! Plans of small clusters.

use super::*;
use crate::k8s::manifest::{collect, parse_text};

fn manifests(yaml: &str) -> crate::k8s::manifest::Manifests {
    let docs = parse_text(yaml, "test.yaml").unwrap();
    let (m, problems) = collect(&docs);
    assert!(problems.is_empty(), "{problems:?}");
    m
}

const SHOP: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        ports: [{name: http, containerPort: 80}, {containerPort: 53, protocol: UDP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        ports: [{name: http, containerPort: 80}, {containerPort: 53, protocol: UDP}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec:
  containers: [{name: c}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {}}]
    ports: [{port: http}]
"#;

#[test]
fn one_probe_per_class_and_every_connection_between_them() {
    let plan = plan(&manifests(SHOP), &PlanOptions::default()).unwrap();
    let ids: Vec<&str> = plan.probes.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["shop/client", "shop/web"]);
    assert_eq!(plan.probes[1].stands_for, ["shop/web", "shop/web-canary"]);
    let rows: Vec<String> = plan
        .checks
        .iter()
        .map(|c| {
            format!(
                "{} {} {}/{} {}",
                c.from,
                c.to,
                c.port,
                c.protocol,
                c.expect.as_str()
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "shop/client shop/web 53/UDP denied",
            "shop/client shop/web 80/TCP allowed",
            "shop/web shop/web 53/UDP denied",
            "shop/web shop/web 80/TCP allowed",
        ]
    );
    assert!(plan.created.is_empty());
    assert!(plan.unsampled.is_empty());
}

#[test]
fn the_denied_sample_spreads_over_destinations() {
    let mut yaml = String::new();
    for name in ["a", "b", "c"] {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: x, labels: {{app: {name}}}}}\n\
             spec: {{containers: [{{name: c, ports: [{{containerPort: 1}}, {{containerPort: 2}}]}}]}}\n"
        ));
    }
    yaml.push_str(
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\n\
         spec: {podSelector: {matchExpressions: [{key: app, operator: In, values: [a, b, c]}]}}\n",
    );
    let options = PlanOptions {
        denied_sample: Some(4),
    };
    let plan = plan(&manifests(&yaml), &options).unwrap();
    let from_a: Vec<String> = plan
        .checks
        .iter()
        .filter(|c| c.from == "x/a")
        .map(|c| format!("{}:{}", c.to, c.port))
        .collect();
    assert_eq!(from_a, ["x/a:1", "x/a:2", "x/b:1", "x/c:1"]);
    assert_eq!(plan.unsampled["x/a"], 2);
}

#[test]
fn a_policy_on_the_probe_label_is_refused() {
    let yaml = format!(
        "{SHOP}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
         metadata: {{name: odd, namespace: shop}}\n\
         spec:\n  podSelector: {{matchExpressions: [{{key: {PROBE_LABEL}, operator: Exists}}]}}\n  \
         policyTypes: [Egress]\n"
    );
    let e = plan(&manifests(&yaml), &PlanOptions::default()).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("would not stand for the workloads"), "{text}");
    assert!(text.contains("shop/client -> shop/web on 80/TCP"), "{text}");
}

#[test]
fn matrices_per_namespace_name_their_destinations() {
    let plan = plan(&manifests(SHOP), &PlanOptions::default()).unwrap();
    let m = Matrix::of(&plan, Some("shop"), "cluster.local");
    assert!(m.problems().is_empty());
    assert_eq!(m.sources(), ["shop/client", "shop/web"]);
    assert_eq!(
        m.host("shop/web"),
        Some("netpolgen-probe-web.netpolgen-probe.shop.svc.cluster.local")
    );
    assert!(
        Matrix::of(&plan, Some("other"), "cluster.local")
            .checks
            .is_empty()
    );
    let mut bad = m.clone();
    bad.checks[0].to = "shop/nowhere".into();
    bad.format = "v0".into();
    let fields: Vec<String> = bad.problems().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["format", "checks[0].to"]);
}

#[test]
fn ports_parse_as_serve_takes_them() {
    use crate::k8s::Protocol::*;
    assert_eq!(parse_port("3000/TCP"), Ok((3000, TCP)));
    assert_eq!(parse_port("53/udp"), Ok((53, UDP)));
    assert_eq!(parse_port("9"), Ok((9, TCP)));
    assert!(parse_port("0/TCP").is_err());
    assert!(parse_port("80/ICMP").is_err());
}

#[test]
fn the_matrix_text_reads_back() {
    let plan = plan(&manifests(SHOP), &PlanOptions::default()).unwrap();
    let m = Matrix::of(&plan, None, "cluster.local");
    let text = m.to_text();
    assert_eq!(serde_json::from_str::<Matrix>(&text).unwrap(), m);
    // `{`, the format, `"probes": [`; the probes; `],` and `"checks": [`;
    // the checks; `]` and `}`.
    assert_eq!(
        text.lines().count(),
        3 + m.probes.len() + 2 + m.checks.len() + 2
    );
    let empty = Matrix {
        checks: Vec::new(),
        probes: Vec::new(),
        ..m
    };
    assert_eq!(
        serde_json::from_str::<Matrix>(&empty.to_text()).unwrap(),
        empty
    );
}

#[test]
fn objects_per_namespace_without_rbac_and_the_sysctl_only_below_1024() {
    use objects::{ObjectOptions, objects, references};
    let plan = plan(&manifests(SHOP), &PlanOptions::default()).unwrap();
    let options = ObjectOptions {
        image: "example/netpolgen:1".into(),
        cluster_domain: "cluster.local".into(),
        run_args: vec!["--timeout".into(), "1s".into()],
        job_deadline_seconds: 60,
    };
    let objs = objects(&plan, &options);
    let kinds: Vec<String> = objs
        .iter()
        .map(|o| format!("{} {}", o["kind"].as_str().unwrap(), o["metadata"]["name"]))
        .collect();
    assert_eq!(
        kinds,
        [
            "ConfigMap \"netpolgen-probe\"",
            "Service \"netpolgen-probe\"",
            "Deployment \"netpolgen-probe-web\"",
            "Job \"netpolgen-probe-run-client\"",
            "Job \"netpolgen-probe-run-web\"",
        ]
    );
    let pod = |i: usize| &objs[i]["spec"]["template"]["spec"];
    // web serves port 80 and 53: below 1024, so the server may bind them.
    assert_eq!(
        pod(2)["securityContext"]["sysctls"][0]["name"],
        "net.ipv4.ip_unprivileged_port_start"
    );
    assert!(pod(3)["securityContext"].get("sysctls").is_none());
    assert_eq!(pod(3)["containers"][0]["image"], "example/netpolgen:1");
    let command = pod(3)["containers"][0]["command"].as_array().unwrap();
    assert_eq!(command.last().unwrap(), "1s");
    assert_eq!(pod(2)["automountServiceAccountToken"], false);
    let refs = references(&plan, &options);
    assert_eq!(refs.len(), objs.len());
    assert_eq!(refs[0]["kind"], "Job");
    assert!(refs[0].get("spec").is_none());
}

#[test]
fn kube_system_gets_no_probe_and_a_runner_denied_dns_is_named() {
    let yaml = format!(
        "{SHOP}---\napiVersion: v1\nkind: Pod\n\
         metadata: {{name: coredns, namespace: kube-system, labels: {{k8s-app: kube-dns}}}}\n\
         spec: {{containers: [{{name: c, ports: [{{containerPort: 53, protocol: UDP}}]}}]}}\n\
         ---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
         metadata: {{name: client-egress, namespace: shop}}\n\
         spec: {{podSelector: {{matchLabels: {{}}}}, policyTypes: [Egress], \
         egress: [{{to: [{{podSelector: {{matchLabels: {{app: web}}}}}}]}}]}}\n"
    );
    let plan = plan(&manifests(&yaml), &PlanOptions::default()).unwrap();
    let ids: Vec<&str> = plan.probes.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["shop/client", "shop/web"]);
    assert_eq!(plan.not_probed, ["kube-system/coredns"]);
    assert!(
        plan.checks
            .iter()
            .all(|c| !c.to.starts_with("kube-system/"))
    );
    assert_eq!(plan.dns_denied, ["shop/client", "shop/web"]);
    // Without that policy both may ask the DNS.
    let plan = super::plan(&manifests(SHOP), &PlanOptions::default()).unwrap();
    assert!(plan.dns_denied.is_empty());
}
