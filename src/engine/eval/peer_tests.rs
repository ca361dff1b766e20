//! Peer, port and external-endpoint semantics, modelled on the upstream
//! e2e suite (`test/e2e/network/netpol/network_policy.go`).

use std::collections::BTreeMap;

use super::model::{denied, ext, id, model, pairs_from, pairs_into, w};
use crate::engine::testutil::policy;
use crate::engine::{Cluster, Endpoint, Engine, PolicyRef, RuleRef};
use crate::k8s::{PolicyType, Protocol};

use Protocol::{SCTP, TCP, UDP};

#[test]
fn pod_selector_peer_is_limited_to_policy_namespace() {
    let spec = "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]";
    let c = model(vec![policy("x", "p", spec)]);
    let e = Engine::new(&c);
    assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/a"], &["x/b"]));
}

#[test]
fn namespace_selector_alone_and_empty() {
    let only_y = "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]";
    let c = model(vec![policy("x", "p", only_y)]);
    let e = Engine::new(&c);
    assert_eq!(
        denied(&e, 80, TCP),
        pairs_into(&["x/a"], &["y/a", "y/b", "y/c"])
    );
    let all_ns =
        "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {}}]}]";
    let c = model(vec![policy("x", "p", all_ns)]);
    let e = Engine::new(&c);
    assert!(denied(&e, 80, TCP).is_empty());
    // Selectors never match external addresses.
    assert!(!e.verdict(&ext("1.2.3.4"), &w("x/a"), 80, TCP).allowed);
}

#[test]
fn namespace_by_implicit_name_label() {
    let spec = "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]}]";
    let c = model(vec![policy("x", "p", spec)]);
    let e = Engine::new(&c);
    assert_eq!(
        denied(&e, 80, TCP),
        pairs_into(&["x/a"], &["y/a", "y/b", "y/c"])
    );
}

#[test]
fn both_selectors_in_one_peer_is_and_two_peers_is_or() {
    let and = "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}]}]";
    let or = "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}, {podSelector: {matchLabels: {pod: b}}}]}]";
    let e_and = model(vec![policy("x", "p", and)]);
    let e = Engine::new(&e_and);
    assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/a"], &["y/b"]));
    let e_or = model(vec![policy("x", "p", or)]);
    let e = Engine::new(&e_or);
    assert_eq!(
        denied(&e, 80, TCP),
        pairs_into(&["x/a"], &["y/a", "y/b", "y/c", "x/b"])
    );
    let v = e.verdict(&w("x/b"), &w("x/a"), 80, TCP);
    assert_eq!(
        v.ingress
            .allowed_by
            .iter()
            .map(|r| r.peer)
            .collect::<Vec<_>>(),
        [Some(1)]
    );
}

#[test]
fn match_expressions_in_targets_and_peers() {
    // e2e "Multiple PodSelectors and NamespaceSelectors".
    let spec = r#"
podSelector: {matchExpressions: [{key: pod, operator: In, values: [a]}]}
ingress:
- from:
  - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
    podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}
"#;
    let c = model(vec![policy("x", "p", spec)]);
    let e = Engine::new(&c);
    assert_eq!(
        denied(&e, 80, TCP),
        pairs_into(&["x/a"], &["y/b", "y/c", "z/b", "z/c"])
    );
    // Exists / DoesNotExist on namespaces: ns without `team` label pass.
    let spec = r#"
podSelector: {matchExpressions: [{key: pod, operator: Exists}]}
ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}}]}]
"#;
    let c = model(vec![policy("x", "p", spec)]);
    let e = Engine::new(&c);
    assert!(denied(&e, 80, TCP).is_empty());
}

#[test]
fn ip_block_except_and_overlap() {
    let deny_hole = r#"
podSelector: {matchLabels: {pod: a}}
ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]
"#;
    let c = model(vec![policy("x", "p", deny_hole)]);
    let e = Engine::new(&c);
    assert!(e.verdict(&ext("10.2.0.1"), &w("x/a"), 80, TCP).allowed);
    assert!(!e.verdict(&ext("10.1.0.1"), &w("x/a"), 80, TCP).allowed);
    assert!(!e.verdict(&ext("11.0.0.1"), &w("x/a"), 80, TCP).allowed);
    // ipBlock never matches workloads.
    assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/a"], &[]));
    // Another policy allowing the hole wins (union).
    let hole =
        "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{ipBlock: {cidr: 10.1.2.0/24}}]}]";
    let c = model(vec![policy("x", "p", deny_hole), policy("x", "q", hole)]);
    let e = Engine::new(&c);
    let v = e.verdict(&ext("10.1.2.3"), &w("x/a"), 80, TCP);
    assert!(v.allowed);
    assert_eq!(v.ingress.allowed_by.len(), 1);
    assert_eq!(v.ingress.allowed_by[0].policy.name, "q");
    // Same with a second peer of the same rule.
    let two = r#"
podSelector: {matchLabels: {pod: a}}
ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}, {ipBlock: {cidr: 10.1.0.0/16}}]}]
"#;
    let c = model(vec![policy("x", "p", two)]);
    let e = Engine::new(&c);
    let v = e.verdict(&ext("10.1.0.1"), &w("x/a"), 80, TCP);
    assert_eq!(
        v.ingress
            .allowed_by
            .iter()
            .map(|r| r.peer)
            .collect::<Vec<_>>(),
        [Some(1)]
    );
}

#[test]
fn named_ports_resolve_at_destination_for_ingress_and_egress() {
    let ingress =
        "podSelector: {matchLabels: {pod: a}}\ningress: [{ports: [{port: serve-81-tcp}]}]";
    let c = model(vec![policy("x", "p", ingress)]);
    let e = Engine::new(&c);
    assert!(denied(&e, 81, TCP).is_empty());
    assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/a"], &[]));
    // e2e "should allow egress access on one named port".
    let egress =
        "podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{port: serve-80-tcp}]}]";
    let c = model(vec![policy("x", "p", egress)]);
    let e = Engine::new(&c);
    assert!(denied(&e, 80, TCP).is_empty());
    assert_eq!(denied(&e, 81, TCP), pairs_from(&["x/a", "x/b", "x/c"], &[]));
    // No container port of that name at an external destination.
    assert!(!e.verdict(&w("x/a"), &ext("1.1.1.1"), 80, TCP).allowed);
    // Named port with mismatched protocol matches nothing.
    let udp = "podSelector: {matchLabels: {pod: a}}\ningress: [{ports: [{port: serve-81-udp}]}]";
    let c = model(vec![policy("x", "p", udp)]);
    let e = Engine::new(&c);
    assert_eq!(denied(&e, 81, UDP), pairs_into(&["x/a"], &[]));
    assert_eq!(denied(&e, 81, TCP), pairs_into(&["x/a"], &[]));
}

#[test]
fn end_port_range_is_inclusive() {
    let spec =
        "podSelector: {matchLabels: {pod: a}}\ningress: [{ports: [{port: 80, endPort: 82}]}]";
    let c = model(vec![policy("x", "p", spec)]);
    let e = Engine::new(&c);
    for port in [80, 81, 82] {
        assert!(denied(&e, port, TCP).is_empty(), "{port}");
    }
    assert_eq!(denied(&e, 83, TCP), pairs_into(&["x/a"], &[]));
    assert_eq!(denied(&e, 79, TCP), pairs_into(&["x/a"], &[]));
}

#[test]
fn udp_or_sctp_only_rule_never_allows_tcp_and_still_isolates() {
    for proto in ["UDP", "SCTP"] {
        let spec = format!(
            "podSelector: {{matchLabels: {{pod: a}}}}\ningress: [{{ports: [{{protocol: {proto}, port: 80}}]}}]"
        );
        let c = model(vec![policy("x", "p", &spec)]);
        let e = Engine::new(&c);
        let p = if proto == "UDP" { UDP } else { SCTP };
        assert!(denied(&e, 80, p).is_empty());
        assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/a"], &[]));
    }
    // e2e "any port traffic on a specific protocol".
    let spec = "podSelector: {matchLabels: {pod: a}}\ningress: [{ports: [{protocol: TCP}]}]";
    let c = model(vec![policy("x", "p", spec)]);
    let e = Engine::new(&c);
    assert!(denied(&e, 81, TCP).is_empty());
    assert_eq!(denied(&e, 81, UDP), pairs_into(&["x/a"], &[]));
}

#[test]
fn self_pair_uses_ordinary_rules() {
    let spec = "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]";
    let c = model(vec![policy("x", "p", spec)]);
    let e = Engine::new(&c);
    assert!(!e.verdict(&w("x/a"), &w("x/a"), 80, TCP).allowed);
    let spec = "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{podSelector: {matchLabels: {pod: a}}}]}]";
    let c = model(vec![policy("x", "p", spec)]);
    let e = Engine::new(&c);
    assert!(e.verdict(&w("x/a"), &w("x/a"), 80, TCP).allowed);
    assert!(e.allowed_ports(id("x/a"), id("x/a")).is_full());
}

#[test]
fn external_endpoints_see_only_the_workload_side() {
    let c = model(vec![policy("x", "deny", "policyTypes: [Ingress, Egress]")]);
    let e = Engine::new(&c);
    // External -> y/a: no ingress policy at y, egress of external n/a.
    let v = e.verdict(&ext("8.8.8.8"), &w("y/a"), 80, TCP);
    assert!(v.allowed && v.egress.isolated_by.is_empty());
    // y/a -> external: only egress at y/a (open).
    assert!(e.verdict(&w("y/a"), &ext("8.8.8.8"), 80, TCP).allowed);
    // x/a is closed both ways.
    assert!(!e.verdict(&ext("8.8.8.8"), &w("x/a"), 80, TCP).allowed);
    assert!(!e.verdict(&w("x/a"), &ext("8.8.8.8"), 80, TCP).allowed);
    // Egress to an ipBlock.
    let spec = "policyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 8.8.8.0/24}}], ports: [{port: 53, protocol: UDP}]}]";
    let c = model(vec![policy("x", "dns", spec)]);
    let e = Engine::new(&c);
    let v = e.verdict(&w("x/a"), &ext("8.8.8.8"), 53, UDP);
    assert!(v.allowed);
    let want = RuleRef {
        policy: PolicyRef {
            namespace: "x".to_string(),
            name: "dns".to_string(),
        },
        direction: PolicyType::Egress,
        rule: 0,
        peer: Some(0),
    };
    assert_eq!(v.egress.allowed_by, [want]);
    assert!(!e.verdict(&w("x/a"), &ext("8.8.4.4"), 53, UDP).allowed);
    assert!(!e.verdict(&w("x/a"), &ext("8.8.8.8"), 53, TCP).allowed);
    assert!(!e.verdict(&w("x/a"), &w("y/a"), 53, UDP).allowed);
}

#[test]
fn invalid_specs_do_not_panic_and_match_nothing() {
    let specs = [
        "ingress: [{from: [{}]}]",
        "ingress: [{from: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]",
        "ingress: [{from: [{ipBlock: {cidr: bogus}}]}]",
        "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [nope]}}]}]",
        "ingress: [{from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}]",
        "ingress: [{ports: [{port: 0}, {port: 70000}, {port: 90, endPort: 80}, {port: http, endPort: 90}, {endPort: 5}]}]",
    ];
    for spec in specs {
        let c = model(vec![policy("x", "p", spec)]);
        let e = Engine::new(&c);
        assert_eq!(
            denied(&e, 80, TCP),
            pairs_into(&["x/a", "x/b", "x/c"], &[]),
            "{spec}"
        );
        assert!(
            !e.verdict(&ext("10.0.0.1"), &w("x/a"), 80, TCP).allowed,
            "{spec}"
        );
        let _ = e.ingress_access(0);
    }
    // An invalid target selector selects nothing.
    let c = model(vec![policy(
        "x",
        "p",
        "podSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}",
    )]);
    let e = Engine::new(&c);
    assert!(denied(&e, 80, TCP).is_empty());
}

#[test]
fn unknown_indices_are_denied_without_panic() {
    let c = model(vec![]);
    let e = Engine::new(&c);
    let v = e.verdict(&Endpoint::Workload(99), &w("x/a"), 80, TCP);
    assert!(!v.allowed);
    assert!(e.allowed_ports(0, 99).is_empty());
    assert_eq!(e.ingress_access(99), crate::engine::Access::none());
    assert_eq!(e.egress_access(99), crate::engine::Access::none());
    assert!(e.isolating_policies(99, PolicyType::Ingress).is_empty());
}

#[test]
fn policies_in_undeclared_namespaces_still_work() {
    let c = Cluster::new(
        BTreeMap::new(),
        vec![crate::engine::testutil::workload(
            "solo",
            "api",
            &[("http", 8080, TCP)],
        )],
        vec![policy("solo", "p", "ingress: [{ports: [{port: http}]}]")],
    );
    let e = Engine::new(&c);
    assert_eq!(e.allowed_ports(0, 0).to_string(), "8080/TCP");
}
