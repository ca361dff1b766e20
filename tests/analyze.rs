//! `netpolgen analyze`: byte-stable output, the pure twin, input handling,
//! and the property that the class-based evaluation equals the plain
//! pair-by-pair one (also with
//! cluster-wide tier policies). The golden output of every format is a case of
//! `tests/cases.rs` (`tests/testdata/analyze/<fixture>/<format>.cmd`).

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::*;
use netpolgen::analyze::{Analysis, pairwise};
use netpolgen::engine::tiers::{
    Subject, Tier, TierAction, TierKind, TierPeer, TierPolicy, TierPort, TierRule,
    UnevaluatedReason,
};
use netpolgen::engine::{Cluster, Endpoint, Policy, Workload};
use netpolgen::io::manifests::read_paths;
use netpolgen::k8s::*;
use netpolgen::report::analyze::docs as analyze_docs;
use netpolgen::report::{Format, Options};
use proptest::prelude::*;

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/testdata/analyze").join(name)
}

fn run_analyze(dir: &str, args: &[&str]) -> String {
    let mut cmd = netpolgen();
    cmd.arg("analyze")
        .arg(format!("tests/testdata/analyze/{dir}"))
        .args(args)
        .current_dir(repo());
    let out = cmd.output().unwrap();
    assert_success(&out);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_alt_las_fixture_holds_the_current_prod_render() {
    let fixture = std::fs::read_to_string(fixture("alt-las-prod/policies.yaml")).unwrap();
    assert_eq!(
        fixture,
        render_overlay("prod"),
        "re-render the fixture (see its README)"
    );
}

#[test]
fn json_is_byte_stable_and_independent_of_document_order() {
    let docs = read_paths(&[fixture("alt-las-prod")]).unwrap();
    let opts = Options::default();
    let once = analyze_docs(&docs, Format::Json, &opts).unwrap();
    assert_eq!(once, analyze_docs(&docs, Format::Json, &opts).unwrap());
    let mut reversed = docs.clone();
    reversed.reverse();
    assert_eq!(once, analyze_docs(&reversed, Format::Json, &opts).unwrap());
    // The pure twin writes what the binary writes.
    assert_eq!(
        String::from_utf8(once).unwrap(),
        run_analyze("alt-las-prod", &["-o", "json"])
    );
}

#[test]
fn json_follows_the_contract() {
    let text = run_analyze("corners", &["--output", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let workloads = v["workloads"].as_array().unwrap();
    let connections = v["connections"].as_array().unwrap();
    assert_eq!(workloads.len(), 6);
    // One entry per ordered pair and containerPort of the destination:
    // coredns 2 ports, cache/db/web one each, report/scanner none.
    assert_eq!(connections.len(), 6 * 5);
    for c in connections {
        let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["from", "to", "port", "protocol", "allowed"]);
    }
    assert!(
        v["external"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["addresses"] == "192.168.0.0/16")
    );
}

#[test]
fn reads_stdin_and_lists() {
    let text = std::fs::read_to_string(fixture("corners/manifests.yaml")).unwrap();
    let mut cmd = netpolgen();
    cmd.args(["analyze", "-", "-o", "summary"])
        .write_stdin(text);
    let got = ok(cmd);
    assert_eq!(got, run_analyze("corners", &["-o", "summary"]));
    let mut cmd = netpolgen();
    let list = "apiVersion: v1\nkind: List\nitems:\n- {kind: Pod, metadata: {name: a, namespace: x}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}\n";
    cmd.args(["analyze", "-o", "json"]).write_stdin(list);
    let got = ok(cmd);
    assert!(
        got.contains(
            r#"{"from": "x/a", "to": "x/a", "port": 80, "protocol": "TCP", "allowed": true}"#
        ),
        "{got}"
    );
}

#[test]
fn bad_input_is_named_and_the_rest_still_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "kind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {}, ingress: [{from: [{podSelecter: {}}]}]}\n---\nkind: Pod\nmetadata: {name: a, namespace: x}\n",
    )
    .unwrap();
    let out = netpolgen().arg("analyze").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("x/a"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml") && err.contains("spec.ingress[0].from[0]"),
        "{err}"
    );
    // Accepting the loss: the same output, exit 0.
    let out = netpolgen()
        .args(["analyze", "--skip-invalid"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Nothing but that policy: no workloads, which is an error.
    let only = dir.path().join("only.yaml");
    std::fs::write(
        &only,
        "kind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {}\n",
    )
    .unwrap();
    let out = netpolgen().arg("analyze").arg(&only).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no workloads found in"), "{err}");
    let out = netpolgen()
        .args(["analyze", "--output", "xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn invalid_policy_parts_are_reported_not_silently_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 90, endPort: 80}]}]}\n---\nkind: Pod\nmetadata: {name: a, namespace: x}\n",
    )
    .unwrap();
    let out = netpolgen()
        .arg("analyze")
        .arg(&file)
        .args(["-o", "summary"])
        .output()
        .unwrap();
    assert_success(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning:") && err.contains("spec.ingress[0].ports[0]"),
        "{err}"
    );
}

// ---- property: classes equal pairs ----

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn arb_labels() -> impl Strategy<Value = Labels> {
    (
        prop::option::of(prop::sample::select(vec!["a", "b", "c"])),
        prop::option::of(prop::sample::select(vec!["x", "y"])),
    )
        .prop_map(|(app, tier)| {
            let mut l = Labels::new();
            if let Some(a) = app {
                l.insert("app".into(), a.into());
            }
            if let Some(t) = tier {
                l.insert("tier".into(), t.into());
            }
            l
        })
}

fn arb_selector() -> impl Strategy<Value = LabelSelector> {
    let expr = (
        prop::sample::select(vec!["app", "tier"]),
        prop::sample::select(vec![
            SelectorOperator::In,
            SelectorOperator::NotIn,
            SelectorOperator::Exists,
            SelectorOperator::DoesNotExist,
        ]),
        prop::sample::subsequence(vec!["a", "b", "x"], 1..=2),
    )
        .prop_map(|(key, op, values)| LabelSelectorRequirement {
            key: key.into(),
            operator: op,
            values: match op {
                SelectorOperator::In | SelectorOperator::NotIn => {
                    values.iter().map(|v| v.to_string()).collect()
                }
                _ => Vec::new(),
            },
        });
    (arb_labels(), prop::collection::vec(expr, 0..2)).prop_map(|(l, e)| LabelSelector {
        match_labels: l.into_iter().take(1).collect(),
        match_expressions: e,
    })
}

fn arb_peer() -> impl Strategy<Value = Peer> {
    prop_oneof![
        arb_selector().prop_map(|s| Peer {
            pod_selector: Some(s),
            ..Peer::default()
        }),
        arb_selector().prop_map(|s| Peer {
            namespace_selector: Some(s),
            ..Peer::default()
        }),
        (arb_selector(), arb_selector()).prop_map(|(p, n)| Peer {
            pod_selector: Some(p),
            namespace_selector: Some(n),
            ..Peer::default()
        }),
        Just(Peer {
            ip_block: Some(IpBlock {
                cidr: "10.0.0.0/8".into(),
                except: vec![]
            }),
            ..Peer::default()
        }),
    ]
}

fn arb_port() -> impl Strategy<Value = PolicyPort> {
    let proto = prop::option::of(prop::sample::select(Protocol::ALL.to_vec()));
    let port = prop_oneof![
        Just((None, None)),
        prop::sample::select(vec![53i64, 80, 81, 8080])
            .prop_map(|p| (Some(IntOrString::Int(p)), None)),
        Just((Some(IntOrString::Int(80)), Some(8080))),
        prop::sample::select(vec!["http", "dns", "metrics"])
            .prop_map(|n| (Some(IntOrString::String(n.into())), None)),
    ];
    (proto, port).prop_map(|(protocol, (port, end_port))| PolicyPort {
        protocol,
        port,
        end_port,
    })
}

type Rule = (Option<Vec<Peer>>, Option<Vec<PolicyPort>>);

fn arb_rules() -> impl Strategy<Value = Option<Vec<Rule>>> {
    let rule = (
        prop::option::of(prop::collection::vec(arb_peer(), 0..3)),
        prop::option::of(prop::collection::vec(arb_port(), 0..3)),
    );
    prop::option::of(prop::collection::vec(rule, 0..3))
}

fn arb_policy() -> impl Strategy<Value = Policy> {
    let types = prop::option::of(prop::sample::subsequence(
        vec![PolicyType::Ingress, PolicyType::Egress],
        0..=2,
    ));
    (
        prop::sample::select(vec!["n1", "n2"]),
        arb_selector(),
        types,
        arb_rules(),
        arb_rules(),
    )
        .prop_map(|(ns, sel, policy_types, ing, eg)| {
            let spec = NetworkPolicySpec {
                pod_selector: sel,
                policy_types,
                ingress: ing.map(|rs| {
                    rs.into_iter()
                        .map(|(from, ports)| IngressRule { from, ports })
                        .collect()
                }),
                egress: eg.map(|rs| {
                    rs.into_iter()
                        .map(|(to, ports)| EgressRule { to, ports })
                        .collect()
                }),
            };
            Policy::new(ns, "p", spec)
        })
}

fn arb_workload() -> impl Strategy<Value = Workload> {
    let port = prop::sample::select(vec![
        (Some("http"), 80u16, Protocol::TCP),
        (Some("http"), 8080, Protocol::TCP),
        (Some("dns"), 53, Protocol::UDP),
        (None, 81, Protocol::UDP),
        (Some("metrics"), 81, Protocol::SCTP),
    ]);
    (
        prop::sample::select(vec!["n1", "n2", "n3"]),
        arb_labels(),
        prop::collection::vec(port, 0..3),
        0u8..3,
    )
        .prop_map(|(ns, labels, ports, name)| Workload {
            namespace: ns.into(),
            name: format!("w{name}"),
            labels,
            ports: ports
                .into_iter()
                .map(|(n, port, protocol)| ContainerPort {
                    name: n.map(Into::into),
                    port,
                    protocol,
                })
                .collect(),
        })
}

fn arb_cluster() -> impl Strategy<Value = Cluster> {
    (
        prop::collection::vec(arb_workload(), 1..7),
        prop::collection::vec(arb_policy(), 0..4),
        arb_labels(),
    )
        .prop_map(|(workloads, policies, n1)| {
            let mut ns = BTreeMap::new();
            ns.insert("n1".to_string(), n1);
            ns.insert("n2".to_string(), labels(&[("app", "a")]));
            Cluster::new(ns, workloads, policies)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn class_based_equals_pairwise(cluster in arb_cluster()) {
        let a = Analysis::new(&cluster);
        let got = a.connections();
        prop_assert_eq!(&got, &pairwise::connections(&cluster, &a.engine));
        for c in &got {
            let v = a.engine.verdict(&Endpoint::Workload(c.from), &Endpoint::Workload(c.to), c.port, c.protocol);
            prop_assert_eq!(v.allowed, c.allowed, "verdict disagrees on {:?}", c);
        }
        let counts = a.counts();
        prop_assert_eq!(counts.total as usize, got.len());
        prop_assert_eq!(counts.allowed as usize, got.iter().filter(|c| c.allowed).count());
    }
}

fn arb_tier_peer() -> impl Strategy<Value = TierPeer> {
    prop_oneof![
        4 => arb_selector().prop_map(TierPeer::Namespaces),
        4 => (arb_selector(), arb_selector())
            .prop_map(|(namespaces, pods)| TierPeer::Pods { namespaces, pods }),
        1 => Just(TierPeer::Networks(vec!["10.0.0.0/8".parse().unwrap()])),
        1 => Just(TierPeer::Empty),
        1 => Just(TierPeer::NotEvaluated(UnevaluatedReason::NodesPeer)),
    ]
}

fn arb_tier_port() -> impl Strategy<Value = TierPort> {
    let proto = prop::sample::select(Protocol::ALL.to_vec());
    prop_oneof![
        proto.clone().prop_map(TierPort::AllOf),
        (proto, prop::sample::select(vec![53u16, 80, 81, 8080])).prop_map(|(protocol, p)| {
            TierPort::Range {
                protocol,
                start: p,
                end: p,
            }
        }),
        Just(TierPort::Range {
            protocol: Protocol::TCP,
            start: 80,
            end: 8080
        }),
        prop::sample::select(vec!["http", "dns", "metrics"])
            .prop_map(|n| TierPort::Named(n.into())),
    ]
}

fn arb_tier_rules() -> impl Strategy<Value = Vec<TierRule>> {
    let rule = (
        prop::sample::select(vec![TierAction::Accept, TierAction::Deny, TierAction::Pass]),
        prop::collection::vec(arb_tier_peer(), 1..3),
        prop::option::of(prop::collection::vec(arb_tier_port(), 1..3)),
    )
        .prop_map(|(action, peers, ports)| TierRule {
            name: None,
            action,
            peers,
            ports,
        });
    prop::collection::vec(rule, 0..3)
}

fn arb_tier() -> impl Strategy<Value = TierPolicy> {
    let subject = prop_oneof![
        arb_selector().prop_map(Subject::Namespaces),
        (arb_selector(), arb_selector())
            .prop_map(|(namespaces, pods)| Subject::Pods { namespaces, pods }),
    ];
    (
        prop::sample::select(vec!["a", "b", "c"]),
        prop::sample::select(vec![Tier::Admin, Tier::Baseline]),
        0u32..3,
        subject,
        arb_tier_rules(),
        arb_tier_rules(),
    )
        .prop_map(
            |(name, tier, priority, subject, ingress, egress)| TierPolicy {
                kind: TierKind::ClusterNetworkPolicy,
                name: name.into(),
                tier,
                priority: Some(priority),
                subject,
                ingress,
                egress,
                unevaluated: Vec::new(),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn class_based_equals_pairwise_with_tiers(
        cluster in arb_cluster(),
        tiers in prop::collection::vec(arb_tier(), 1..4),
    ) {
        let cluster = cluster.with_tiers(tiers);
        let a = Analysis::new(&cluster);
        let got = a.connections();
        prop_assert_eq!(&got, &pairwise::connections(&cluster, &a.engine));
        for c in &got {
            let v = a.engine.verdict(&Endpoint::Workload(c.from), &Endpoint::Workload(c.to), c.port, c.protocol);
            prop_assert_eq!(v.allowed, c.allowed, "verdict disagrees on {:?}", c);
        }
        let counts = a.counts();
        prop_assert_eq!(counts.allowed as usize, got.iter().filter(|c| c.allowed).count());
    }
}

/// Copies of every workload that differ only in a label no selector reads,
/// or in a value of a read key that no selector names, join the class of
/// the original; with NetworkPolicies and with Cilium policies, the
/// class-based connections still equal the pair-by-pair reference.
#[test]
fn labels_no_policy_reads_merge_classes_and_change_no_verdict() {
    for name in ["alt-las-prod", "cilium"] {
        let docs = read_paths(&[fixture(name)]).unwrap();
        let (m, _) = netpolgen::k8s::manifest::collect(&docs);
        let mut cluster = Cluster::from_manifests(&m);
        let n = cluster.workloads.len();
        for w in 0..n {
            for (i, (key, value)) in [("build", "1234"), ("app", "\u{1}unnamed")]
                .into_iter()
                .enumerate()
            {
                let mut copy = cluster.workloads[w].clone();
                copy.name = format!("{}-copy{i}", copy.name);
                copy.labels.insert(key.into(), value.into());
                cluster.workloads.push(copy);
            }
        }
        let a = Analysis::new(&cluster);
        for w in 0..n {
            let of = a.classes.of[w];
            // A build label is read by no selector.
            assert_eq!(a.classes.of[n + 2 * w], of, "{name}: build label");
            // An app value no selector names: the same class as the
            // original only if the original's app value is named by none.
            let copy = a.classes.of[n + 2 * w + 1];
            match cluster.workloads[w].labels.get("app") {
                Some(v) if names_app(&cluster, v) => assert_ne!(copy, of, "{name}: named app"),
                Some(_) => assert_eq!(copy, of, "{name}: app value"),
                None => {}
            }
        }
        assert!(a.classes.len() < cluster.workloads.len());
        assert_eq!(a.connections(), pairwise::connections(&cluster, &a.engine));
    }
}

/// True if some selector of `cluster` names `app=value`.
fn names_app(cluster: &Cluster, value: &str) -> bool {
    netpolgen::engine::selector_keys(cluster)
        .get("app")
        .is_some_and(|v| v.contains(value))
}
