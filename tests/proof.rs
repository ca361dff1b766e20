//! The proof on real renders: the ALT_LAS overlays prove clean, and each
//! way a rendered policy can admit more, or less, than the intent is caught
//! with its counterexample. Mutations are made on the rendered policies in
//! Rust, so these tests do not depend on template plumbing.

mod common;

use std::path::Path;

use netpolgen::k8s::{IntOrString, NetworkPolicy, Peer, PolicyPort, PolicyType, Protocol};
use netpolgen::model::Model;
use netpolgen::proof::{self, Kind, Proof};
use serde_json::json;

use PolicyType::{Egress, Ingress};

/// The model and rendered policies of an ALT_LAS overlay.
fn overlay(env: &str) -> (Model, Vec<NetworkPolicy>) {
    let root = common::repo();
    let disk = netpolgen::io::Disk::new(Some(&root), &root).unwrap();
    let loaded = netpolgen::pipeline::load_path(&disk, &root.join("overlays").join(env)).unwrap();
    netpolgen::pipeline::unverified(&disk, &loaded).unwrap()
}

/// The model and policies (built-in templates, not verified) of an intent.
fn intent(text: &str) -> (Model, Vec<NetworkPolicy>) {
    let files = netpolgen::spec::files::Memory::default().with("netpolset.yaml", text);
    let input = netpolgen::spec::Input::read(&files, Path::new("netpolset.yaml")).unwrap();
    let loaded = netpolgen::spec::load(input, &files).unwrap();
    netpolgen::pipeline::unverified(&files, &loaded).unwrap()
}

/// A shop that denies both directions: services, a group reached on a
/// named port, peers in other namespaces and outside the cluster. DNS is
/// written by hand (`dns: false`): the default's policy selects every pod
/// and would hide a dropped default deny.
const SHOP: &str = "apiVersion: netpolgen.io/v1alpha1
kind: NetworkPolicySet
metadata: {name: shop}
spec:
  environment: prod
  namespace: shop
  defaultDeny: [Ingress, Egress]
  dns: false
  services:
    web: {labels: {app: web}, ports: {http: 8080}}
    db: {labels: {app: db, tier: be}, ports: {sql: 5432, metrics: 9100}}
    cache: {labels: {app: cache, tier: be}, ports: {redis: 6379, metrics: 9121}}
  groups:
    backends: {selector: {tier: be}}
  peers:
    lb: {namespace: ingress, selector: {app: lb}}
    dns: {namespace: kube-system, selector: {k8s-app: kube-dns}}
    payments: {cidr: 192.0.2.0/24, except: [192.0.2.128/25]}
  flows:
    lb-to-web: {from: lb, to: web, ports: [http]}
    web-to-db: {from: web, to: db, ports: [sql]}
    web-to-backends: {from: web, to: backends, ports: [metrics]}
    web-to-dns: {from: web, to: dns, ports: [53/UDP, 53/TCP]}
    web-to-payments: {from: web, to: payments, ports: [443]}
";

fn policy<'a>(policies: &'a mut [NetworkPolicy], name: &str) -> &'a mut NetworkPolicy {
    let names: Vec<String> = policies.iter().map(|p| p.metadata.name.clone()).collect();
    policies
        .iter_mut()
        .find(|p| p.metadata.name == name)
        .unwrap_or_else(|| panic!("no policy {name} among {names:?}"))
}

fn peer(v: serde_json::Value) -> Peer {
    serde_json::from_value(v).unwrap()
}

fn port(v: serde_json::Value) -> PolicyPort {
    serde_json::from_value(v).unwrap()
}

/// The first ingress rule's peers of a policy.
fn from(p: &mut NetworkPolicy) -> &mut Vec<Peer> {
    p.spec.ingress.as_mut().unwrap()[0].from.as_mut().unwrap()
}

/// The first egress rule's peers of a policy.
fn to(p: &mut NetworkPolicy) -> &mut Vec<Peer> {
    p.spec.egress.as_mut().unwrap()[0].to.as_mut().unwrap()
}

fn ingress_ports(p: &mut NetworkPolicy) -> &mut Option<Vec<PolicyPort>> {
    &mut p.spec.ingress.as_mut().unwrap()[0].ports
}

fn remove(policies: &mut Vec<NetworkPolicy>, name: &str) {
    let before = policies.len();
    policies.retain(|p| p.metadata.name != name);
    assert_eq!(policies.len(), before - 1, "no policy {name}");
}

/// One line per violation, for messages.
fn show(p: &Proof) -> String {
    let refs = |v: Vec<String>| v.join(", ");
    p.violations
        .iter()
        .map(|v| {
            format!(
                "{:?} {:?} {} flow={:?} rules=[{}] isolated_by=[{}]",
                v.kind,
                v.direction,
                v.example,
                v.flow,
                refs(v.rules.iter().map(|r| r.to_string()).collect()),
                refs(v.isolated_by.iter().map(|r| r.to_string()).collect()),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a test expects to find among the violations.
struct Want {
    kind: Kind,
    direction: PolicyType,
    example: &'static str,
    /// A rule (Extra; empty: no policy isolates) or the flow id (Missing).
    by: &'static str,
}

fn extra(direction: PolicyType, example: &'static str, rule: &'static str) -> Want {
    Want {
        kind: Kind::Extra,
        direction,
        example,
        by: rule,
    }
}

fn missing(direction: PolicyType, example: &'static str, flow: &'static str) -> Want {
    Want {
        kind: Kind::Missing,
        direction,
        example,
        by: flow,
    }
}

fn assert_caught(case: &str, model: &Model, policies: &[NetworkPolicy], wants: &[Want]) {
    let p = proof::prove(model, policies);
    for w in wants {
        let found = p.violations.iter().any(|v| {
            v.kind == w.kind
                && v.direction == w.direction
                && v.example.to_string() == w.example
                && match w.kind {
                    Kind::Extra if w.by.is_empty() => v.rules.is_empty(),
                    Kind::Extra => v.rules.iter().any(|r| r.to_string() == w.by),
                    Kind::Missing => v.flow.as_deref() == Some(w.by),
                }
        });
        assert!(
            found,
            "{case}: no {:?} {:?} `{}` by {}; the proof says:\n{}",
            w.kind,
            w.direction,
            w.example,
            w.by,
            show(&p)
        );
    }
}

#[test]
fn the_alt_las_overlays_prove_clean() {
    for env in common::ENVS {
        let (model, policies) = overlay(env);
        let p = proof::prove(&model, &policies);
        assert!(p.is_proven(), "{env}:\n{}", show(&p));
        assert_eq!(p.omitted, 0);
    }
}

#[test]
fn an_intent_denying_both_directions_proves_clean() {
    let (model, policies) = intent(SHOP);
    let p = proof::prove(&model, &policies);
    assert!(p.is_proven(), "{}", show(&p));
    assert!(netpolgen::verify::verify(&model, &policies).is_empty());
}

/// A pod that a service's selector reaches but that does not carry the
/// service's labels is of no declared service: its container ports are
/// unknown, so a group's named port stays a name there, as rendered.
#[test]
fn a_pod_without_a_services_labels_has_unknown_ports() {
    let (model, policies) = intent(
        "apiVersion: netpolgen.io/v1alpha1
kind: NetworkPolicySet
metadata: {name: gen}
spec:
  environment: prod
  namespace: gen
  services:
    s0: {labels: {app: s0, tier: t0}, selector: {app: s0}, ports: {http: \"8000/UDP\"}}
    s1: {labels: {app: s1, tier: t1}, ports: {http: 8001}}
  groups:
    g1: {selector: {tier: t1}}
  flows:
    f0: {from: s0, to: g1, ports: [http]}
",
    );
    let p = proof::prove(&model, &policies);
    assert!(p.is_proven(), "{}", show(&p));
}

type Mutation = fn(&mut Vec<NetworkPolicy>);

const ARCHIVE: &str = "allow-runner-service-to-archive-service-prod";

fn add_from(ps: &mut [NetworkPolicy], v: serde_json::Value) {
    from(policy(ps, ARCHIVE)).push(peer(v));
}

/// Peers a sampled check cannot see: none of its probes wears these labels
/// or holds these addresses.
#[test]
fn added_peers_are_caught_with_a_pod_namespace_or_range() {
    let at = "alt-las-prod/allow-runner-service-to-archive-service-prod spec.ingress[0].from[1]";
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "role=debug pod",
            json!({"podSelector": {"matchLabels": {"role": "debug"}}}),
            "a pod labelled role=debug in namespace alt-las-prod -> archive-service:8002/TCP",
        ),
        (
            "team=anything namespace",
            json!({"namespaceSelector": {"matchLabels": {"team": "anything"}}}),
            "an unlabelled pod in a namespace labelled team=anything -> archive-service:8002/TCP",
        ),
        (
            "kube-system",
            json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}),
            "cluster-dns -> archive-service:8002/TCP",
        ),
        (
            "0.0.0.0/1",
            json!({"ipBlock": {"cidr": "0.0.0.0/1"}}),
            "0.0.0.0-127.255.255.255 -> archive-service:8002/TCP",
        ),
        (
            "10.0.0.0/8",
            json!({"ipBlock": {"cidr": "10.0.0.0/8"}}),
            "10.0.0.0-10.255.255.255 -> archive-service:8002/TCP",
        ),
        (
            "1.0.0.0/8",
            json!({"ipBlock": {"cidr": "1.0.0.0/8"}}),
            "1.0.0.0-1.255.255.255 -> archive-service:8002/TCP",
        ),
        (
            "192.0.2.2/32",
            json!({"ipBlock": {"cidr": "192.0.2.2/32"}}),
            "192.0.2.2 -> archive-service:8002/TCP",
        ),
        (
            "8000::/1",
            json!({"ipBlock": {"cidr": "8000::/1"}}),
            "8000::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff -> archive-service:8002/TCP",
        ),
        (
            "except leaves the rest",
            json!({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/9"]}}),
            "10.128.0.0-10.255.255.255 -> archive-service:8002/TCP",
        ),
    ];
    let (model, clean) = overlay("prod");
    for (case, v, example) in cases {
        let mut policies = clean.clone();
        add_from(&mut policies, v);
        assert_caught(case, &model, &policies, &[extra(Ingress, example, at)]);
    }
}

#[test]
fn widened_and_changed_rules_are_caught() {
    let archive_from0 =
        "alt-las-prod/allow-runner-service-to-archive-service-prod spec.ingress[0].from[0]";
    let gateway = "alt-las-prod/allow-ingress-to-api-gateway-prod spec.ingress[0].from[0]";
    let monitoring = "alt-las-prod/allow-monitoring-prod spec.ingress[0].from[0]";
    let cases: Vec<(&str, Mutation, Vec<Want>)> = vec![
        (
            "a peer's podSelector widened inside the peer namespace",
            |ps| {
                let p = policy(ps, "allow-ingress-to-api-gateway-prod");
                from(p)[0].pod_selector = Some(
                    serde_json::from_value(json!({"matchLabels": {"role": "admin"}})).unwrap(),
                );
            },
            vec![
                extra(
                    Ingress,
                    "a pod labelled role=admin in namespace ingress-nginx -> api-gateway:3000/TCP",
                    gateway,
                ),
                missing(
                    Ingress,
                    "ingress -> api-gateway:3000/TCP",
                    "ingress-to-api-gateway",
                ),
            ],
        ),
        (
            "a dropped podSelector",
            |ps| policy(ps, ARCHIVE).spec.pod_selector = Default::default(),
            vec![extra(
                Ingress,
                "runner-service -> ai-orchestrator:8002/TCP",
                archive_from0,
            )],
        ),
        (
            "ports emptied",
            |ps| *ingress_ports(policy(ps, ARCHIVE)) = None,
            vec![extra(
                Ingress,
                "runner-service -> archive-service:1/TCP",
                archive_from0,
            )],
        ),
        (
            "endPort stretched",
            |ps| ingress_ports(policy(ps, ARCHIVE)).as_mut().unwrap()[0].end_port = Some(8010),
            vec![extra(
                Ingress,
                "runner-service -> archive-service:8003/TCP",
                archive_from0,
            )],
        ),
        (
            "a protocol added",
            |ps| {
                let p = ingress_ports(policy(ps, ARCHIVE)).as_mut().unwrap();
                p.push(port(json!({"protocol": "UDP", "port": 8002})));
            },
            vec![extra(
                Ingress,
                "runner-service -> archive-service:8002/UDP",
                archive_from0,
            )],
        ),
        (
            "a named port moved to another service's name",
            |ps| {
                let p = ingress_ports(policy(ps, "allow-monitoring-prod"))
                    .as_mut()
                    .unwrap();
                p[0].port = Some(IntOrString::String("http".into()));
            },
            vec![
                extra(
                    Ingress,
                    "monitoring -> ai-orchestrator:8000/TCP",
                    monitoring,
                ),
                missing(
                    Ingress,
                    "monitoring -> ai-orchestrator:9090/TCP",
                    "monitoring",
                ),
            ],
        ),
        (
            "a NotIn selector that also matches pods without the key",
            |ps| {
                from(policy(ps, ARCHIVE))[0].pod_selector = Some(
                    serde_json::from_value(json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["api-gateway"]}]})).unwrap(),
                );
            },
            vec![extra(
                Ingress,
                "an unlabelled pod in namespace alt-las-prod -> archive-service:8002/TCP",
                archive_from0,
            )],
        ),
        (
            "a DoesNotExist podSelector that selects unlabelled pods",
            |ps| {
                policy(ps, ARCHIVE).spec.pod_selector = serde_json::from_value(
                    json!({"matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "DoesNotExist"}]}),
                )
                .unwrap();
            },
            vec![
                extra(
                    Ingress,
                    "runner-service -> an unlabelled pod in namespace alt-las-prod:8002/TCP",
                    archive_from0,
                ),
                missing(
                    Ingress,
                    "runner-service -> archive-service:8002/TCP",
                    "runner-service-to-archive-service",
                ),
            ],
        ),
        (
            "namespaceSelector {} where one namespace was declared",
            |ps| {
                from(policy(ps, "allow-monitoring-prod"))[0].namespace_selector =
                    Some(Default::default())
            },
            vec![extra(
                Ingress,
                "a pod labelled app.kubernetes.io/name=prometheus in another namespace -> ai-orchestrator:9090/TCP",
                monitoring,
            )],
        ),
        (
            "a rule without ports from a range",
            |ps| {
                let p = policy(ps, "allow-ingress-to-api-gateway-prod");
                let rule =
                    serde_json::from_value(json!({"from": [{"ipBlock": {"cidr": "0.0.0.0/1"}}]}))
                        .unwrap();
                p.spec.ingress.as_mut().unwrap().push(rule);
            },
            vec![extra(
                Ingress,
                "0.0.0.0-127.255.255.255 -> api-gateway:any",
                "alt-las-prod/allow-ingress-to-api-gateway-prod spec.ingress[1].from[0]",
            )],
        ),
        (
            "a policy removed",
            |ps| remove(ps, ARCHIVE),
            vec![missing(
                Ingress,
                "runner-service -> archive-service:8002/TCP",
                "runner-service-to-archive-service",
            )],
        ),
    ];
    let (model, clean) = overlay("prod");
    for (case, mutate, wants) in cases {
        let mut policies = clean.clone();
        mutate(&mut policies);
        assert_caught(case, &model, &policies, &wants);
    }
}

#[test]
fn egress_and_default_deny_changes_are_caught() {
    let payments = "shop/allow-web-to-payments-prod spec.egress[0].to[1]";
    let backends = "shop/allow-web-to-backends-egress-prod spec.egress[0].to[0]";
    let cases: Vec<(&str, Mutation, Vec<Want>)> = vec![
        (
            "egress opened to 0.0.0.0/0",
            |ps| {
                to(policy(ps, "allow-web-to-payments-prod"))
                    .push(peer(json!({"ipBlock": {"cidr": "0.0.0.0/0"}})))
            },
            vec![extra(
                Egress,
                "web -> 0.0.0.0-192.0.1.255:443/TCP",
                payments,
            )],
        ),
        (
            "policyTypes dropped from the default-deny-egress policy",
            |ps| policy(ps, "default-deny-egress-prod").spec.policy_types = None,
            vec![extra(
                Egress,
                "an unlabelled pod in namespace shop -> cache:any",
                "",
            )],
        ),
        (
            "the default-deny-ingress policy dropped",
            |ps| remove(ps, "default-deny-ingress-prod"),
            vec![extra(
                Ingress,
                "cache -> an unlabelled pod in namespace shop:any",
                "",
            )],
        ),
        (
            "the default-deny-egress policy dropped",
            |ps| remove(ps, "default-deny-egress-prod"),
            vec![extra(
                Egress,
                "an unlabelled pod in namespace shop -> cache:any",
                "",
            )],
        ),
        (
            "an egress policy removed",
            |ps| remove(ps, "allow-web-to-db-egress-prod"),
            vec![missing(Egress, "web -> db:5432/TCP", "web-to-db")],
        ),
        (
            "a named egress port moved to another name",
            |ps| {
                let p = policy(ps, "allow-web-to-backends-egress-prod");
                p.spec.egress.as_mut().unwrap()[0].ports.as_mut().unwrap()[0].port =
                    Some(IntOrString::String("sql".into()));
            },
            vec![
                extra(
                    Egress,
                    "web -> a pod labelled tier=be in namespace shop:sql/TCP",
                    backends,
                ),
                missing(Egress, "web -> cache:9121/TCP", "web-to-backends"),
            ],
        ),
        (
            "a protocol added to egress towards a peer",
            |ps| {
                let p = policy(ps, "allow-web-to-dns-prod");
                p.spec.egress.as_mut().unwrap()[0]
                    .ports
                    .as_mut()
                    .unwrap()
                    .push(PolicyPort {
                        protocol: Some(Protocol::SCTP),
                        port: Some(IntOrString::Int(53)),
                        end_port: None,
                    });
            },
            vec![extra(
                Egress,
                "web -> dns:53/SCTP",
                "shop/allow-web-to-dns-prod spec.egress[0].to[0]",
            )],
        ),
    ];
    let (model, clean) = intent(SHOP);
    for (case, mutate, wants) in cases {
        let mut policies = clean.clone();
        mutate(&mut policies);
        assert_caught(case, &model, &policies, &wants);
    }
}
