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
         spec: {podSelector: {}}\n",
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
