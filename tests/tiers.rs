//! Conformance of the cluster-wide tiers (ClusterNetworkPolicy v1alpha2,
//! AdminNetworkPolicy / BaselineAdminNetworkPolicy v1alpha1) between
//! pods, on the upstream e2e model (see `tiers/model.rs`). Every case is
//! YAML read by the manifest reader, evaluated by the class-based
//! analysis, and checked against a hand-written truth table (rows: source,
//! columns: destination; `.` allowed, `X` denied); the engine's verdicts
//! must agree. Addresses outside the cluster: `tests/tiers_external.rs`.

#[path = "tiers/model.rs"]
mod model;

use model::*;
use netpolgen::engine::{DecidingTier, Endpoint, Engine};
use netpolgen::k8s::Protocol::{SCTP, TCP, UDP};

#[test]
fn admin_deny_overrides_a_network_policy_allow() {
    let allow = format!(
        "{NP}metadata: {{name: allow-all, namespace: x}}\nspec: {{podSelector: {{}}, ingress: [{{}}]}}\n"
    );
    let cnp = format!(
        "{CNP}metadata: {{name: deny-from-y}}\nspec:\n  tier: Admin\n  priority: 10\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - {{name: no-y, action: Deny, from: [{{namespaces: {{matchLabels: {{ns: 'y'}}}}}}]}}\n"
    );
    let anp = format!(
        "{ANP}metadata: {{name: deny-from-y}}\nspec:\n  priority: 10\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - {{name: no-y, action: Deny, from: [{{namespaces: {{matchLabels: {{ns: 'y'}}}}}}]}}\n"
    );
    let expected = want(
        "
        #  xa xb xc ya yb yc za zb zc
        xa . . . . . . . . .
        xb . . . . . . . . .
        xc . . . . . . . . .
        ya X X X . . . . . .
        yb X X X . . . . . .
        yc X X X . . . . . .
        za . . . . . . . . .
        zb . . . . . . . . .
        zc . . . . . . . . .
        ",
    );
    for tier in [cnp, anp] {
        let c = model(&format!("{allow}---\n{tier}"));
        for (port, proto) in [(80, TCP), (81, UDP), (80, SCTP)] {
            assert_eq!(table(&c, port, proto), expected, "{port}/{proto}");
        }
        let e = Engine::new(&c);
        let v = e.verdict(
            &Endpoint::Workload(id("yb")),
            &Endpoint::Workload(id("xa")),
            80,
            TCP,
        );
        let d = &v.ingress.decision;
        assert_eq!(d.tier, DecidingTier::Admin);
        let rule = d.rule.as_ref().unwrap();
        assert_eq!(
            (rule.policy.name.as_str(), rule.rule, rule.peer),
            ("deny-from-y", 0, Some(0))
        );
        // The NetworkPolicy would have admitted it.
        assert_eq!(v.ingress.allowed_by[0].policy.name, "allow-all");
    }
}

#[test]
fn pass_delegates_to_network_policy() {
    let yaml = format!(
        "{ANP}metadata: {{name: pass-y}}\nspec:\n  priority: 1\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress: [{{action: Pass, from: [{{namespaces: {{matchLabels: {{ns: 'y'}}}}}}]}}]\n---\n\
         {ANP}metadata: {{name: deny-rest}}\nspec:\n  priority: 2\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress: [{{action: Deny, from: [{{namespaces: {{}}}}]}}]\n---\n\
         {NP}metadata: {{name: a-from-yb, namespace: x}}\nspec:\n  podSelector: {{matchLabels: {{pod: a}}}}\n  ingress: [{{from: [{{namespaceSelector: {{matchLabels: {{ns: 'y'}}}}, podSelector: {{matchLabels: {{pod: b}}}}}}]}}]\n"
    );
    let c = model(&yaml);
    // Into x: 'y' is passed (x/a by its NetworkPolicy, x/b and x/c by the
    // default), everyone else is denied by the lower-priority Deny.
    let expected = want(
        "
        #  xa xb xc ya yb yc za zb zc
        xa X X X . . . . . .
        xb X X X . . . . . .
        xc X X X . . . . . .
        ya X . . . . . . . .
        yb . . . . . . . . .
        yc X . . . . . . . .
        za X X X . . . . . .
        zb X X X . . . . . .
        zc X X X . . . . . .
        ",
    );
    assert_eq!(table(&c, 80, TCP), expected);
    let e = Engine::new(&c);
    let v = e.verdict(
        &Endpoint::Workload(id("yb")),
        &Endpoint::Workload(id("xa")),
        80,
        TCP,
    );
    assert_eq!(v.ingress.decision.tier, DecidingTier::NetworkPolicy);
    assert_eq!(v.ingress.decision.passed[0].policy.name, "pass-y");
    let v = e.verdict(
        &Endpoint::Workload(id("ya")),
        &Endpoint::Workload(id("xb")),
        80,
        TCP,
    );
    assert_eq!(v.ingress.decision.tier, DecidingTier::Default);
}

#[test]
fn baseline_deny_applies_only_to_pods_no_network_policy_isolates() {
    let np = format!(
        "{NP}metadata: {{name: allow-ya, namespace: 'y'}}\nspec: {{podSelector: {{matchLabels: {{pod: a}}}}, ingress: [{{}}]}}\n---\n\
         {NP}metadata: {{name: egress-only, namespace: z}}\nspec: {{podSelector: {{}}, policyTypes: [Egress], egress: [{{}}]}}\n"
    );
    let banp = format!(
        "{BANP}metadata: {{name: default}}\nspec:\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Deny, from: [{{namespaces: {{}}}}]}}]\n"
    );
    let cnp = format!(
        "{CNP}metadata: {{name: zero-trust}}\nspec:\n  tier: Baseline\n  priority: 10\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Deny, from: [{{namespaces: {{}}}}]}}]\n"
    );
    // Only y/a (ingress-isolated by a NetworkPolicy that admits all) is
    // reachable; z's egress-only policy leaves its ingress to the Baseline.
    let expected = want(
        "
        #  xa xb xc ya yb yc za zb zc
        xa X X X . X X X X X
        xb X X X . X X X X X
        xc X X X . X X X X X
        ya X X X . X X X X X
        yb X X X . X X X X X
        yc X X X . X X X X X
        za X X X . X X X X X
        zb X X X . X X X X X
        zc X X X . X X X X X
        ",
    );
    for baseline in [banp, cnp] {
        let c = model(&format!("{np}---\n{baseline}"));
        assert_eq!(table(&c, 81, TCP), expected);
        let v = Engine::new(&c).verdict(
            &Endpoint::Workload(id("xa")),
            &Endpoint::Workload(id("zb")),
            81,
            TCP,
        );
        assert_eq!(v.ingress.decision.tier, DecidingTier::Baseline);
    }
}

#[test]
fn admin_priorities_order_policies_not_names() {
    let policies = |accept: u32, deny: u32| {
        format!(
            "{CNP}metadata: {{name: zz-accept-y}}\nspec:\n  tier: Admin\n  priority: {accept}\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress: [{{action: Accept, from: [{{namespaces: {{matchLabels: {{ns: 'y'}}}}}}]}}]\n---\n\
             {CNP}metadata: {{name: aa-deny-all}}\nspec:\n  tier: Admin\n  priority: {deny}\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress: [{{action: Deny, from: [{{namespaces: {{}}}}]}}]\n"
        )
    };
    let accept_first = want(
        "
        #  xa xb xc ya yb yc za zb zc
        xa X X X . . . . . .
        xb X X X . . . . . .
        xc X X X . . . . . .
        ya . . . . . . . . .
        yb . . . . . . . . .
        yc . . . . . . . . .
        za X X X . . . . . .
        zb X X X . . . . . .
        zc X X X . . . . . .
        ",
    );
    let deny_first = want(
        "
        #  xa xb xc ya yb yc za zb zc
        xa X X X . . . . . .
        xb X X X . . . . . .
        xc X X X . . . . . .
        ya X X X . . . . . .
        yb X X X . . . . . .
        yc X X X . . . . . .
        za X X X . . . . . .
        zb X X X . . . . . .
        zc X X X . . . . . .
        ",
    );
    assert_eq!(table(&model(&policies(1, 2)), 80, TCP), accept_first);
    assert_eq!(table(&model(&policies(2, 1)), 80, TCP), deny_first);
    // Equal priorities: names in order (aa-deny-all first), tie reported.
    let c = model(&policies(5, 5));
    assert_eq!(table(&c, 80, TCP), deny_first);
    let v = Engine::new(&c).verdict(
        &Endpoint::Workload(id("ya")),
        &Endpoint::Workload(id("xa")),
        80,
        TCP,
    );
    assert_eq!(v.ingress.decision.tied[0].policy.name, "zz-accept-y");
}

#[test]
fn rule_order_inside_one_policy() {
    let policy = |first: &str, second: &str| {
        format!(
            "{CNP}metadata: {{name: p}}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - {first}\n  - {second}\n"
        )
    };
    let accept_b = "{action: Accept, from: [{pods: {podSelector: {matchLabels: {pod: b}}}}]}";
    let deny_all = "{action: Deny, from: [{namespaces: {}}]}";
    let b_only = want(
        "
        #  xa xb xc ya yb yc za zb zc
        xa X X X . . . . . .
        xb . . . . . . . . .
        xc X X X . . . . . .
        ya X X X . . . . . .
        yb . . . . . . . . .
        yc X X X . . . . . .
        za X X X . . . . . .
        zb . . . . . . . . .
        zc X X X . . . . . .
        ",
    );
    assert_eq!(table(&model(&policy(accept_b, deny_all)), 80, TCP), b_only);
    let none = table(&model(&policy(deny_all, accept_b)), 80, TCP);
    assert_eq!(none, table(&model(&policy(deny_all, deny_all)), 80, TCP));
    assert!(
        none.lines()
            .all(|l| l.split(' ').skip(1).take(3).all(|c| c == "X"))
    );
}

#[test]
fn admin_accept_overrides_a_network_policy_default_deny() {
    let yaml = format!(
        "{NP}metadata: {{name: default-deny, namespace: x}}\nspec: {{podSelector: {{}}, policyTypes: [Ingress]}}\n---\n\
         {ANP}metadata: {{name: monitoring}}\nspec:\n  priority: 3\n  subject: {{pods: {{namespaceSelector: {{matchLabels: {{ns: x}}}}, podSelector: {{}}}}}}\n  ingress: [{{action: Allow, from: [{{pods: {{namespaceSelector: {{matchLabels: {{ns: z}}}}, podSelector: {{matchExpressions: [{{key: pod, operator: NotIn, values: [c]}}]}}}}}}], ports: [{{portNumber: {{port: 80, protocol: TCP}}}}]}}]\n"
    );
    let c = model(&yaml);
    let on_80 = want(
        "
        #  xa xb xc ya yb yc za zb zc
        xa X X X . . . . . .
        xb X X X . . . . . .
        xc X X X . . . . . .
        ya X X X . . . . . .
        yb X X X . . . . . .
        yc X X X . . . . . .
        za . . . . . . . . .
        zb . . . . . . . . .
        zc X X X . . . . . .
        ",
    );
    assert_eq!(table(&c, 80, TCP), on_80);
    let on_81 = table(&c, 81, TCP);
    assert!(
        on_81
            .lines()
            .all(|l| l.split(' ').skip(1).take(3).all(|c| c == "X"))
    );
    let v = Engine::new(&c).verdict(
        &Endpoint::Workload(id("za")),
        &Endpoint::Workload(id("xb")),
        80,
        TCP,
    );
    assert_eq!(
        v.ingress
            .decision
            .action()
            .map(|a| a.to_string())
            .as_deref(),
        Some("Accept")
    );
    assert!(v.ingress.allowed_by.is_empty() && !v.ingress.isolated_by.is_empty());
}

#[test]
fn named_ports_and_port_ranges_in_tier_rules() {
    let cnp = format!(
        "{CNP}metadata: {{name: ports}}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - action: Deny\n    from: [{{namespaces: {{}}}}]\n    protocols: [{{destinationNamedPort: serve-80-udp}}, {{tcp: {{destinationPort: {{range: {{start: 81, end: 90}}}}}}}}]\n"
    );
    let anp = format!(
        "{ANP}metadata: {{name: ports}}\nspec:\n  priority: 1\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - action: Deny\n    from: [{{namespaces: {{}}}}]\n    ports: [{{namedPort: serve-80-udp}}, {{portRange: {{start: 81, end: 90}}}}]\n"
    );
    let into_x_denied = want(
        "
        #  xa xb xc ya yb yc za zb zc
        xa X X X . . . . . .
        xb X X X . . . . . .
        xc X X X . . . . . .
        ya X X X . . . . . .
        yb X X X . . . . . .
        yc X X X . . . . . .
        za X X X . . . . . .
        zb X X X . . . . . .
        zc X X X . . . . . .
        ",
    );
    for yaml in [cnp, anp] {
        let c = model(&yaml);
        assert_eq!(table(&c, 80, UDP), into_x_denied);
        assert_eq!(table(&c, 81, TCP), into_x_denied);
        for (port, proto) in [(80, TCP), (81, UDP), (80, SCTP), (81, SCTP)] {
            assert_eq!(table(&c, port, proto), want(OPEN), "{port}/{proto}");
        }
    }
}
