//! Conformance: the upstream e2e model with hand-written truth tables
//! (`tests/testdata/analyze/conformance/`, see its README), the
//! ahmetb/kubernetes-network-policy-recipes, and the ipBlock cases of the
//! upstream suite, all evaluated through the class-based analysis.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::repo;
use netpolgen::analyze::Analysis;
use netpolgen::analyze::addresses::parse_net;
use netpolgen::analyze::explain::{Party, Question, answer};
use netpolgen::engine::{Cluster, Engine, Policy, Workload};
use netpolgen::k8s::manifest::{DEFAULT_NAMESPACE, from_docs, parse_text};
use netpolgen::k8s::{ContainerPort, Labels, Protocol};

const PODS: [&str; 9] = ["xa", "xb", "xc", "ya", "yb", "yc", "za", "zb", "zc"];

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn policies(text: &str, file: &str) -> Vec<Policy> {
    let m = from_docs(&parse_text(text, file).unwrap()).unwrap();
    m.policies
        .iter()
        .map(|p| Policy::from_k8s(p, DEFAULT_NAMESPACE))
        .collect()
}

/// The e2e model: x, y, z labelled `ns=<name>`; a, b, c labelled
/// `pod=<name>`, serving 80 and 81 on TCP, UDP and SCTP.
fn model(policies: Vec<Policy>) -> Cluster {
    let mut ports = Vec::new();
    for port in [80, 81] {
        for protocol in Protocol::ALL {
            let name = format!("serve-{port}-{}", protocol.as_str().to_lowercase());
            ports.push(ContainerPort {
                name: Some(name),
                port,
                protocol,
            });
        }
    }
    let namespaces = ["x", "y", "z"]
        .iter()
        .map(|ns| (ns.to_string(), labels(&[("ns", ns)])))
        .collect();
    let workloads = PODS
        .iter()
        .map(|p| Workload {
            namespace: p[..1].to_string(),
            name: p[1..].to_string(),
            labels: labels(&[("pod", &p[1..])]),
            ports: ports.clone(),
        })
        .collect();
    Cluster::new(namespaces, workloads, policies)
}

/// `(probe, from, to) -> allowed` parsed from an expected.txt.
fn truth_table(text: &str, file: &Path) -> BTreeMap<(String, String, String), bool> {
    let mut out = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    for block in lines
        .split(|l| l.trim().is_empty())
        .filter(|b| !b.is_empty())
    {
        let probes: Vec<&str> = block[0].split_whitespace().collect();
        let header: Vec<&str> = block[1].split_whitespace().collect();
        assert_eq!(header, PODS, "{}: header", file.display());
        assert_eq!(block.len(), 11, "{}: a block has 11 lines", file.display());
        for probe in &probes {
            assert!(
                seen.insert(probe.to_string()),
                "{}: {probe} twice",
                file.display()
            );
            for row in &block[2..] {
                let cells: Vec<&str> = row.split_whitespace().collect();
                assert_eq!(cells.len(), 10, "{}: row {row:?}", file.display());
                for (to, cell) in PODS.iter().zip(&cells[1..]) {
                    let allowed = match *cell {
                        "." => true,
                        "X" => false,
                        other => panic!("{}: cell {other:?}", file.display()),
                    };
                    let key = (probe.to_string(), cells[0].to_string(), to.to_string());
                    out.insert(key, allowed);
                }
            }
        }
    }
    let all: BTreeSet<String> = ["80", "81"]
        .iter()
        .flat_map(|p| ["TCP", "UDP", "SCTP"].map(|proto| format!("{p}/{proto}")))
        .collect();
    assert_eq!(seen, all, "{}: every probe exactly once", file.display());
    out
}

#[test]
fn upstream_e2e_cases_match_their_truth_tables() {
    let dir = repo().join("tests/testdata/analyze/conformance");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 30,
        "at least 30 cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let yaml = std::fs::read_to_string(case.join("policies.yaml")).unwrap();
        let expected_file = case.join("expected.txt");
        let expected = truth_table(
            &std::fs::read_to_string(&expected_file).unwrap(),
            &expected_file,
        );
        let cluster = model(policies(&yaml, "policies.yaml"));
        let analysis = Analysis::new(&cluster);
        let short = |w: usize| {
            let wl = &cluster.workloads[w];
            format!("{}{}", wl.namespace, wl.name)
        };
        let mut got = BTreeMap::new();
        for c in analysis.connections() {
            let key = (
                format!("{}/{}", c.port, c.protocol),
                short(c.from),
                short(c.to),
            );
            got.insert(key, c.allowed);
        }
        assert_eq!(got.len(), 9 * 9 * 6);
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        for (key, want) in &expected {
            if got.get(key) != Some(want) {
                failures.push(format!(
                    "{name}: {} -> {} on {}: expected {}",
                    key.1,
                    key.2,
                    key.0,
                    if *want { "allowed" } else { "denied" }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- upstream ipBlock cases, with addresses outside the cluster ----

fn external_answer(yaml: &str, from: &str, to: &str, port: u16) -> bool {
    let cluster = model(policies(yaml, "ipblock.yaml"));
    let engine = Engine::new(&cluster);
    let party = |s: &str| match s.strip_prefix("external:") {
        Some(ip) => Party::External(parse_net(ip).unwrap()),
        None => Party::Workload(PODS.iter().position(|p| *p == s).unwrap()),
    };
    let q = Question {
        from: party(from),
        to: party(to),
        port,
        protocol: Protocol::TCP,
    };
    answer(&engine, &q).unwrap().allowed
}

#[test]
fn ip_overlapping_cidr_and_except_is_allowed_by_another_policy() {
    // upstream: should ensure an IP overlapping both IPBlock.CIDR and
    // IPBlock.Except is allowed.
    let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: cidr-except, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.2.0/24]}}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: the-hole, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.1.2.3/32}}]\n";
    assert!(external_answer(yaml, "xa", "external:10.9.9.9", 80));
    assert!(external_answer(yaml, "xa", "external:10.1.2.3", 80));
    assert!(!external_answer(yaml, "xa", "external:10.1.2.4", 80));
    assert!(!external_answer(yaml, "xa", "external:10.1.2.0/24", 80));
    assert!(!external_answer(yaml, "xa", "external:11.0.0.1", 80));
    // The policies isolate egress only: any address may still come in.
    assert!(external_answer(yaml, "external:10.1.2.4", "xa", 80));
}

#[test]
fn ingress_from_cidr_with_except() {
    // upstream: should enforce except clause while egress access to server
    // in CIDR block (mirrored for ingress from outside).
    let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-cidr, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]\n    ports: [{port: 80}]\n";
    assert!(external_answer(yaml, "external:192.168.0.1", "xa", 80));
    assert!(!external_answer(yaml, "external:192.168.1.1", "xa", 80));
    assert!(!external_answer(yaml, "external:192.168.0.1", "xa", 81));
    assert!(!external_answer(yaml, "xb", "xa", 80));
    assert!(external_answer(yaml, "external:192.168.0.1", "xb", 81));
}

// ---- ahmetb/kubernetes-network-policy-recipes ----

const RECIPE_CLUSTER: &str = r#"
apiVersion: v1
kind: List
items:
- {kind: Namespace, metadata: {name: default}}
- {kind: Namespace, metadata: {name: other, labels: {purpose: production}}}
- {kind: Namespace, metadata: {name: dev, labels: {purpose: testing}}}
- {kind: Namespace, metadata: {name: ops, labels: {team: operations}}}
- {kind: Pod, metadata: {name: web, namespace: default, labels: {app: web}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}
- {kind: Pod, metadata: {name: foo, namespace: default, labels: {app: foo}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}
- {kind: Pod, metadata: {name: api, namespace: default, labels: {app: bookstore, role: api}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}
- {kind: Pod, metadata: {name: db, namespace: default, labels: {app: bookstore, role: db}}, spec: {containers: [{name: c, ports: [{containerPort: 6379}]}]}}
- {kind: Pod, metadata: {name: search, namespace: default, labels: {app: bookstore, role: search}}, spec: {containers: [{name: c}]}}
- {kind: Pod, metadata: {name: inventory, namespace: default, labels: {app: inventory, role: web}}, spec: {containers: [{name: c}]}}
- {kind: Pod, metadata: {name: apiserver, namespace: default, labels: {app: apiserver}}, spec: {containers: [{name: c, ports: [{containerPort: 5000}, {containerPort: 5001}]}]}}
- {kind: Pod, metadata: {name: monitor, namespace: default, labels: {role: monitoring}}, spec: {containers: [{name: c}]}}
- {kind: Pod, metadata: {name: client, namespace: other, labels: {app: client}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}
- {kind: Pod, metadata: {name: tester, namespace: dev, labels: {app: tester}}, spec: {containers: [{name: c}]}}
- {kind: Pod, metadata: {name: prom, namespace: ops, labels: {type: monitoring}}, spec: {containers: [{name: c}]}}
- {kind: Pod, metadata: {name: joe, namespace: ops, labels: {type: user}}, spec: {containers: [{name: c}]}}
- {kind: Pod, metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}, spec: {containers: [{name: c, ports: [{containerPort: 53, protocol: UDP}, {containerPort: 53, protocol: TCP}]}]}}
"#;

/// Checks `from -> to port[/proto] allowed|denied` lines against the
/// recipe cluster plus `policy`.
fn recipe(name: &str, policy: &str, expectations: &[&str]) {
    let text = format!("{RECIPE_CLUSTER}---\n{policy}");
    let m = from_docs(&parse_text(&text, name).unwrap()).unwrap();
    let cluster = netpolgen::engine::Cluster::from_manifests(&m);
    let analysis = Analysis::new(&cluster);
    let mut got = BTreeMap::new();
    for c in analysis.connections() {
        let key = format!(
            "{} -> {} {}/{}",
            analysis.id(c.from),
            analysis.id(c.to),
            c.port,
            c.protocol
        );
        got.insert(key, c.allowed);
    }
    for e in expectations {
        let (probe, verdict) = e.rsplit_once(' ').unwrap();
        let probe = if ["/TCP", "/UDP", "/SCTP"].iter().any(|p| probe.ends_with(p)) {
            probe.to_string()
        } else {
            format!("{probe}/TCP")
        };
        let want = match verdict {
            "allowed" => true,
            "denied" => false,
            v => panic!("{name}: bad verdict {v}"),
        };
        assert_eq!(got.get(&probe), Some(&want), "{name}: {probe}");
    }
}

const NP: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n";

#[test]
fn recipe_01_deny_all_traffic_to_an_application() {
    let p = format!(
        "{NP}metadata: {{name: web-deny-all}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  ingress: []\n"
    );
    recipe(
        "01",
        &p,
        &[
            "default/foo -> default/web 80 denied",
            "other/client -> default/web 80 denied",
            "default/web -> default/web 80 denied",
            "default/web -> default/foo 80 allowed",
        ],
    );
}

#[test]
fn recipe_02_limit_traffic_to_an_application() {
    let p = format!(
        "{NP}metadata: {{name: api-allow}}\nspec:\n  podSelector: {{matchLabels: {{app: bookstore, role: api}}}}\n  ingress:\n  - from: [{{podSelector: {{matchLabels: {{app: bookstore}}}}}}]\n"
    );
    recipe(
        "02",
        &p,
        &[
            "default/search -> default/api 80 allowed",
            "default/db -> default/api 80 allowed",
            "default/foo -> default/api 80 denied",
            "other/client -> default/api 80 denied",
        ],
    );
}

#[test]
fn recipe_02a_allow_all_traffic_to_an_application() {
    let deny = format!(
        "{NP}metadata: {{name: web-deny-all}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  ingress: []\n"
    );
    let allow = format!(
        "{NP}metadata: {{name: web-allow-all}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  ingress: [{{}}]\n"
    );
    recipe(
        "02a",
        &format!("{deny}---\n{allow}"),
        &[
            "default/foo -> default/web 80 allowed",
            "other/client -> default/web 80 allowed",
            "ops/prom -> default/web 80 allowed",
        ],
    );
}

#[test]
fn recipe_03_deny_all_non_whitelisted_traffic_in_the_namespace() {
    let p = format!(
        "{NP}metadata: {{name: default-deny-all, namespace: default}}\nspec:\n  podSelector: {{}}\n  ingress: []\n"
    );
    recipe(
        "03",
        &p,
        &[
            "default/foo -> default/web 80 denied",
            "other/client -> default/api 80 denied",
            "default/web -> other/client 80 allowed",
            "default/web -> kube-system/kube-dns 53/UDP allowed",
        ],
    );
}

#[test]
fn recipe_04_deny_traffic_from_other_namespaces() {
    let p = format!(
        "{NP}metadata: {{name: deny-from-other-namespaces, namespace: other}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from: [{{podSelector: {{}}}}]\n"
    );
    recipe(
        "04",
        &p,
        &[
            "default/web -> other/client 80 denied",
            "other/client -> other/client 80 allowed",
            "ops/prom -> other/client 80 denied",
        ],
    );
}

#[test]
fn recipe_05_allow_traffic_from_all_namespaces() {
    let p = format!(
        "{NP}metadata: {{name: web-allow-all-namespaces}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  ingress:\n  - from: [{{namespaceSelector: {{}}}}]\n"
    );
    recipe(
        "05",
        &p,
        &[
            "other/client -> default/web 80 allowed",
            "ops/prom -> default/web 80 allowed",
            "default/foo -> default/web 80 allowed",
        ],
    );
}

#[test]
fn recipe_06_allow_traffic_from_a_namespace() {
    let p = format!(
        "{NP}metadata: {{name: web-allow-prod}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{purpose: production}}}}}}]\n"
    );
    recipe(
        "06",
        &p,
        &[
            "other/client -> default/web 80 allowed",
            "dev/tester -> default/web 80 denied",
            "default/foo -> default/web 80 denied",
        ],
    );
}

#[test]
fn recipe_07_allow_traffic_from_some_pods_in_another_namespace() {
    let p = format!(
        "{NP}metadata: {{name: web-allow-all-ns-monitoring}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  ingress:\n  - from:\n    - namespaceSelector: {{matchLabels: {{team: operations}}}}\n      podSelector: {{matchLabels: {{type: monitoring}}}}\n"
    );
    recipe(
        "07",
        &p,
        &[
            "ops/prom -> default/web 80 allowed",
            "ops/joe -> default/web 80 denied",
            "default/monitor -> default/web 80 denied",
            "other/client -> default/web 80 denied",
        ],
    );
}

#[test]
fn recipe_08_allow_external_traffic() {
    let p = format!(
        "{NP}metadata: {{name: web-allow-external}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  ingress:\n  - from: []\n"
    );
    recipe(
        "08",
        &p,
        &[
            "other/client -> default/web 80 allowed",
            "default/foo -> default/web 80 allowed",
        ],
    );
}

#[test]
fn recipe_09_allow_traffic_only_to_a_port() {
    let p = format!(
        "{NP}metadata: {{name: api-allow-5000}}\nspec:\n  podSelector: {{matchLabels: {{app: apiserver}}}}\n  ingress:\n  - ports: [{{port: 5000}}]\n    from: [{{podSelector: {{matchLabels: {{role: monitoring}}}}}}]\n"
    );
    recipe(
        "09",
        &p,
        &[
            "default/monitor -> default/apiserver 5000 allowed",
            "default/monitor -> default/apiserver 5001 denied",
            "default/web -> default/apiserver 5000 denied",
        ],
    );
}

#[test]
fn recipe_10_allowing_traffic_with_multiple_selectors() {
    let p = format!(
        "{NP}metadata: {{name: redis-allow-services}}\nspec:\n  podSelector: {{matchLabels: {{app: bookstore, role: db}}}}\n  ingress:\n  - from:\n    - podSelector: {{matchLabels: {{app: bookstore, role: search}}}}\n    - podSelector: {{matchLabels: {{app: bookstore, role: api}}}}\n    - podSelector: {{matchLabels: {{app: inventory, role: web}}}}\n"
    );
    recipe(
        "10",
        &p,
        &[
            "default/search -> default/db 6379 allowed",
            "default/api -> default/db 6379 allowed",
            "default/inventory -> default/db 6379 allowed",
            "default/web -> default/db 6379 denied",
            "default/db -> default/db 6379 denied",
        ],
    );
}

#[test]
fn recipe_11_deny_egress_traffic_from_an_application() {
    let p = format!(
        "{NP}metadata: {{name: foo-deny-egress}}\nspec:\n  podSelector: {{matchLabels: {{app: foo}}}}\n  policyTypes: [Egress]\n  egress: []\n"
    );
    recipe(
        "11",
        &p,
        &[
            "default/foo -> default/web 80 denied",
            "default/foo -> kube-system/kube-dns 53/UDP denied",
            "default/web -> default/foo 80 allowed",
        ],
    );
    let dns = format!(
        "{NP}metadata: {{name: foo-deny-egress}}\nspec:\n  podSelector: {{matchLabels: {{app: foo}}}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]\n"
    );
    recipe(
        "11-dns",
        &dns,
        &[
            "default/foo -> kube-system/kube-dns 53/UDP allowed",
            "default/foo -> kube-system/kube-dns 53/TCP allowed",
            "default/foo -> default/web 80 denied",
        ],
    );
}

#[test]
fn recipe_12_deny_all_non_whitelisted_traffic_from_the_namespace() {
    let p = format!(
        "{NP}metadata: {{name: default-deny-all-egress, namespace: default}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress: []\n"
    );
    recipe(
        "12",
        &p,
        &[
            "default/web -> default/foo 80 denied",
            "default/web -> other/client 80 denied",
            "other/client -> default/web 80 allowed",
        ],
    );
}

#[test]
fn recipe_14_deny_external_egress_traffic() {
    // As in the current recipe: DNS to kube-dns only (the original revision
    // also allowed `to: [namespaceSelector: {}]`, see docs/analyze.md).
    let p = format!(
        "{NP}metadata: {{name: foo-deny-external-egress}}\nspec:\n  podSelector: {{matchLabels: {{app: foo}}}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]\n    to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}]\n"
    );
    recipe(
        "14",
        &p,
        &[
            "default/foo -> kube-system/kube-dns 53/UDP allowed",
            "default/foo -> default/web 80 denied",
        ],
    );
    let original = format!(
        "{NP}metadata: {{name: foo-deny-external-egress}}\nspec:\n  podSelector: {{matchLabels: {{app: foo}}}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]\n  - to: [{{namespaceSelector: {{}}}}]\n"
    );
    recipe(
        "14-original",
        &original,
        &[
            "default/foo -> default/web 80 allowed",
            "default/foo -> other/client 80 allowed",
            "default/foo -> kube-system/kube-dns 53/UDP allowed",
        ],
    );
}
