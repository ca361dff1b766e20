//! Isolation and rule-form semantics, modelled on the upstream e2e suite
//! (`test/e2e/network/netpol/network_policy.go`).

use super::model::{denied, ext, id, model, pairs_from, pairs_into, w};
use crate::engine::testutil::policy;
use crate::engine::{Engine, PolicyRef};
use crate::k8s::{PolicyType, Protocol};

use Protocol::{SCTP, TCP, UDP};

#[test]
fn no_policy_allows_everything() {
    let c = model(vec![]);
    let e = Engine::new(&c);
    for proto in [TCP, UDP, SCTP] {
        assert!(denied(&e, 80, proto).is_empty());
    }
    let v = e.verdict(&w("x/a"), &w("y/b"), 80, TCP);
    assert!(v.allowed && v.egress.isolated_by.is_empty() && v.ingress.allowed_by.is_empty());
}

#[test]
fn default_deny_ingress_isolates_only_its_namespace() {
    let c = model(vec![policy(
        "x",
        "deny",
        "podSelector: {}\npolicyTypes: [Ingress]",
    )]);
    let e = Engine::new(&c);
    assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/a", "x/b", "x/c"], &[]));
    let v = e.verdict(&w("y/a"), &w("x/a"), 80, TCP);
    assert!(v.egress.allowed && !v.ingress.allowed && !v.allowed);
    let deny = PolicyRef {
        namespace: "x".to_string(),
        name: "deny".to_string(),
    };
    assert_eq!(v.ingress.isolated_by, [deny]);
    assert!(e.verdict(&w("x/a"), &w("y/a"), 80, TCP).allowed);
}

#[test]
fn default_deny_all_blocks_both_directions_and_self() {
    let c = model(vec![policy("x", "deny", "policyTypes: [Ingress, Egress]")]);
    let e = Engine::new(&c);
    let mut want = pairs_into(&["x/a", "x/b", "x/c"], &[]);
    want.extend(pairs_from(&["x/a", "x/b", "x/c"], &["x/a", "x/b", "x/c"]));
    want.sort();
    assert_eq!(denied(&e, 80, TCP), want);
    assert!(!e.verdict(&w("x/a"), &w("x/a"), 80, TCP).allowed);
}

#[test]
fn union_of_stacked_policies() {
    let p80 = "podSelector: {matchLabels: {pod: a}}\ningress: [{ports: [{port: 80}]}]";
    let p81 = "podSelector: {matchLabels: {pod: a}}\ningress: [{ports: [{port: 81}]}]";
    let c = model(vec![policy("x", "p80", p80), policy("x", "p81", p81)]);
    let e = Engine::new(&c);
    assert!(denied(&e, 80, TCP).is_empty());
    assert!(denied(&e, 81, TCP).is_empty());
    assert_eq!(denied(&e, 80, UDP), pairs_into(&["x/a"], &[]));
    let v = e.verdict(&w("y/b"), &w("x/a"), 81, TCP);
    assert_eq!(v.ingress.isolated_by.len(), 2);
    assert_eq!(v.ingress.allowed_by.len(), 1);
    assert_eq!(v.ingress.allowed_by[0].policy.name, "p81");
}

#[test]
fn client_side_egress_deny_wins_over_server_allow() {
    let server = "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}]}]";
    let client = "podSelector: {matchLabels: {pod: b}}\npolicyTypes: [Egress]";
    let c = model(vec![
        policy("x", "server", server),
        policy("y", "client", client),
    ]);
    let e = Engine::new(&c);
    let v = e.verdict(&w("y/b"), &w("x/a"), 80, TCP);
    assert!(v.ingress.allowed && !v.egress.allowed && !v.allowed);
    assert_eq!(v.egress.isolated_by[0].name, "client");
}

#[test]
fn policy_types_defaulting() {
    // Egress rules without policyTypes: ingress isolated with no rule too.
    let c = model(vec![policy(
        "x",
        "p",
        "podSelector: {matchLabels: {pod: a}}\negress: [{}]",
    )]);
    let e = Engine::new(&c);
    assert!(e.is_isolated(id("x/a"), PolicyType::Ingress));
    assert!(e.is_isolated(id("x/a"), PolicyType::Egress));
    assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/a"], &[]));
    // `egress: []` without policyTypes: egress not isolated, ingress is.
    let c = model(vec![policy(
        "x",
        "p",
        "podSelector: {matchLabels: {pod: a}}\negress: []",
    )]);
    let e = Engine::new(&c);
    assert!(!e.is_isolated(id("x/a"), PolicyType::Egress));
    assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/a"], &["nobody"]));
    // policyTypes [Egress] with no egress: deny all egress, ingress open,
    // and the ingress rules are ignored.
    let c = model(vec![policy(
        "x",
        "p",
        "podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Egress]\ningress: []",
    )]);
    let e = Engine::new(&c);
    assert!(!e.is_isolated(id("x/a"), PolicyType::Ingress));
    assert_eq!(denied(&e, 80, TCP), pairs_from(&["x/a"], &[]));
}

#[test]
fn ingress_absent_or_empty_denies_but_empty_rule_allows_all() {
    for spec in ["podSelector: {}", "ingress: []", "ingress: null"] {
        let c = model(vec![policy("x", "p", spec)]);
        let e = Engine::new(&c);
        assert_eq!(
            denied(&e, 80, TCP),
            pairs_into(&["x/a", "x/b", "x/c"], &[]),
            "{spec}"
        );
        assert!(!e.verdict(&ext("8.8.8.8"), &w("x/a"), 80, TCP).allowed);
    }
    let c = model(vec![policy("x", "p", "ingress: [{}]")]);
    let e = Engine::new(&c);
    for proto in [TCP, UDP, SCTP] {
        assert!(denied(&e, 4242, proto).is_empty());
    }
    let v = e.verdict(&ext("8.8.8.8"), &w("x/a"), 80, TCP);
    assert!(v.allowed);
    assert_eq!(v.ingress.allowed_by[0].peer, None);
}

#[test]
fn empty_from_means_any_source_but_ports_apply() {
    for rule in [
        "[{from: [], ports: [{port: 80}]}]",
        "[{ports: [{port: 80}]}]",
    ] {
        let c = model(vec![policy("x", "p", &format!("ingress: {rule}"))]);
        let e = Engine::new(&c);
        assert!(denied(&e, 80, TCP).is_empty(), "{rule}");
        assert_eq!(denied(&e, 81, TCP), pairs_into(&["x/a", "x/b", "x/c"], &[]));
        assert!(e.verdict(&ext("1.2.3.4"), &w("x/b"), 80, TCP).allowed);
        assert!(!e.verdict(&ext("1.2.3.4"), &w("x/b"), 81, TCP).allowed);
    }
}

#[test]
fn empty_ports_means_all_ports_and_protocols_but_peers_apply() {
    for rule in [
        "[{from: [{podSelector: {}}], ports: []}]",
        "[{from: [{podSelector: {}}]}]",
    ] {
        let c = model(vec![policy("x", "p", &format!("ingress: {rule}"))]);
        let e = Engine::new(&c);
        for proto in [TCP, UDP, SCTP] {
            let want = pairs_into(&["x/a", "x/b", "x/c"], &["x/a", "x/b", "x/c"]);
            assert_eq!(denied(&e, 9999, proto), want, "{rule}");
        }
    }
}
