//! The tiers in the engine: verdict evidence on the e2e model, and a
//! generated cross-check of verdicts against access sets, external
//! addresses included.

use std::net::IpAddr;

use super::access_tests::{Rng, big_cluster, random_cluster};
use super::model::{denied, ext, model, pairs_into, w};
use crate::engine::testutil::{policy, tier_policy};
use crate::engine::tiers::{DecidingTier, Tier, TierAction, TierPolicy};
use crate::engine::{Access, Endpoint, Engine};
use crate::k8s::{PolicyType, Protocol};

use Protocol::{SCTP, TCP, UDP};

fn cnp(name: &str, tier: &str, priority: u32, body: &str) -> TierPolicy {
    tier_policy(&format!(
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {{name: {name}}}\nspec:\n  tier: {tier}\n  priority: {priority}\n{body}"
    ))
}

const INTO_XA: &str = "  subject: {pods: {namespaceSelector: {matchLabels: {ns: x}}, podSelector: {matchLabels: {pod: a}}}}\n";

#[test]
fn admin_deny_beats_a_network_policy_allow_with_evidence() {
    let allow_all = policy("x", "allow-all", "podSelector: {}\ningress: [{}]");
    let deny_y = cnp(
        "deny-y",
        "Admin",
        10,
        &format!(
            "{INTO_XA}  ingress: [{{action: Deny, from: [{{namespaces: {{matchLabels: {{ns: z}}}}}}, {{namespaces: {{matchLabels: {{ns: y}}}}}}]}}]\n"
        ),
    );
    let c = model(vec![allow_all]).with_tiers(vec![deny_y]);
    let e = Engine::new(&c);
    assert_eq!(
        denied(&e, 80, TCP),
        pairs_into(&["x/a"], &["x/a", "x/b", "x/c"])
    );
    let v = e.verdict(&w("y/b"), &w("x/a"), 80, TCP);
    assert!(!v.allowed && v.egress.allowed && !v.ingress.allowed);
    // The NetworkPolicy view is kept next to the deciding tier.
    assert_eq!(v.ingress.allowed_by.len(), 1);
    let d = &v.ingress.decision;
    assert_eq!(d.tier, DecidingTier::Admin);
    assert_eq!(
        d.rule.as_ref().map(ToString::to_string).as_deref(),
        Some("ClusterNetworkPolicy/deny-y spec.ingress[0].from[1] (Deny)")
    );
    assert_eq!(d.action(), Some(TierAction::Deny));
    let ok = e.verdict(&w("x/b"), &w("x/a"), 80, TCP);
    assert!(ok.allowed && ok.ingress.decision.tier == DecidingTier::NetworkPolicy);
    assert_eq!(ok.egress.decision.tier, DecidingTier::Default);
    assert_eq!(e.tier_policies(0, PolicyType::Ingress)[0].name, "deny-y");
    assert!(e.tier_policies(0, PolicyType::Egress).is_empty());
}

#[test]
fn pass_goes_to_network_policy_then_baseline() {
    let pass_y = cnp(
        "pass-y",
        "Admin",
        1,
        "  subject: {namespaces: {matchLabels: {ns: x}}}\n  ingress: [{action: Pass, from: [{namespaces: {matchLabels: {ns: y}}}]}]\n",
    );
    let deny_all = cnp(
        "deny-all",
        "Admin",
        2,
        "  subject: {namespaces: {matchLabels: {ns: x}}}\n  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n",
    );
    let baseline = cnp(
        "baseline",
        "Baseline",
        1,
        "  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{pods: {podSelector: {matchLabels: {pod: c}}}}]}]\n",
    );
    let np = policy(
        "x",
        "from-yb",
        "podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {pod: b}}}]}]",
    );
    let c = model(vec![np]).with_tiers(vec![baseline, deny_all, pass_y]);
    let e = Engine::new(&c);
    let v = e.verdict(&w("y/b"), &w("x/a"), 80, TCP);
    assert!(v.allowed);
    assert_eq!(v.ingress.decision.tier, DecidingTier::NetworkPolicy);
    assert_eq!(v.ingress.decision.passed[0].policy.name, "pass-y");
    assert!(!e.verdict(&w("y/a"), &w("x/a"), 80, TCP).allowed);
    // x/b: passed, no NetworkPolicy isolates it, the Baseline decides.
    let v = e.verdict(&w("y/c"), &w("x/b"), 80, TCP);
    assert!(!v.allowed && v.ingress.decision.tier == DecidingTier::Baseline);
    let v = e.verdict(&w("y/a"), &w("x/b"), 80, TCP);
    assert!(v.allowed && v.ingress.decision.tier == DecidingTier::Default);
    assert_eq!(v.ingress.decision.passed.len(), 1);
    // z is denied by the second Admin policy before anything else.
    let v = e.verdict(&w("z/b"), &w("x/a"), 80, TCP);
    assert_eq!(
        v.ingress.decision.rule.map(|r| r.policy.name),
        Some("deny-all".into())
    );
}

#[test]
fn equal_priorities_take_names_in_order_and_report_the_tie() {
    let body = |action: &str| {
        format!("{INTO_XA}  ingress: [{{action: {action}, from: [{{namespaces: {{}}}}]}}]\n")
    };
    let c = model(vec![]).with_tiers(vec![
        cnp("b-accept", "Admin", 5, &body("Accept")),
        cnp("a-deny", "Admin", 5, &body("Deny")),
        cnp("c-deny", "Admin", 5, &body("Deny")),
    ]);
    let e = Engine::new(&c);
    let v = e.verdict(&w("y/a"), &w("x/a"), 80, TCP);
    assert!(!v.allowed);
    let d = v.ingress.decision;
    assert_eq!(d.rule.map(|r| r.policy.name), Some("a-deny".into()));
    let tied: Vec<String> = d.tied.iter().map(|r| r.policy.name.clone()).collect();
    assert_eq!(tied, ["b-accept"]);
}

#[test]
fn networks_deny_at_admin_cuts_an_ip_block_allow() {
    let out = policy(
        "x",
        "out",
        "podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]",
    );
    let deny = cnp(
        "no-ten",
        "Admin",
        1,
        &format!(
            "{INTO_XA}  egress: [{{action: Deny, to: [{{networks: [10.0.0.0/8]}}], protocols: [{{tcp: {{destinationPort: {{number: 443}}}}}}]}}]\n"
        ),
    );
    let c = model(vec![out]).with_tiers(vec![deny]);
    let e = Engine::new(&c);
    let v = e.verdict(&w("x/a"), &ext("10.1.1.1"), 443, TCP);
    assert!(!v.allowed && v.egress.decision.tier == DecidingTier::Admin);
    assert!(e.verdict(&w("x/a"), &ext("10.1.1.1"), 80, TCP).allowed);
    assert!(e.verdict(&w("x/a"), &ext("8.8.8.8"), 443, TCP).allowed);
    let a = e.egress_access(0);
    let Access::Some { external, .. } = &a else {
        panic!("x/a egress is restricted");
    };
    let rows: Vec<String> = external
        .iter()
        .map(|g| {
            let peer = match &g.peer {
                crate::engine::ExternalPeer::Any => "any".to_string(),
                crate::engine::ExternalPeer::IpBlock(b) => b.to_string(),
            };
            format!("{} {} {peer} {}", g.decision.tier, g.rule, g.ports)
        })
        .collect();
    assert_eq!(
        rows,
        [
            "NetworkPolicy x/out spec.egress[0].to[0] 0.0.0.0/0 except 10.0.0.0/8 1-65535/TCP, 1-65535/UDP, 1-65535/SCTP",
            "NetworkPolicy x/out spec.egress[0].to[0] 10.0.0.0/8 1-442/TCP, 444-65535/TCP, 1-65535/UDP, 1-65535/SCTP",
        ]
    );
    assert!(
        !a.external_ports("10.2.3.4".parse().unwrap_or(IpAddr::from([0; 4])))
            .contains(443, TCP)
    );
    // A pod no NetworkPolicy isolates: default grants around the hole.
    let c = model(vec![]).with_tiers(vec![c.tiers[0].clone()]);
    let e = Engine::new(&c);
    let Access::Some { external, .. } = e.egress_access(0) else {
        panic!("x/a egress is restricted");
    };
    assert!(
        external
            .iter()
            .all(|g| g.decision.tier == DecidingTier::Default)
    );
    assert_eq!(e.egress_access(1), Access::All);
}

#[test]
fn accept_at_admin_beats_a_default_deny_and_ports_count() {
    let deny = policy("x", "deny", "podSelector: {}\npolicyTypes: [Ingress]");
    let accept = cnp(
        "web",
        "Admin",
        3,
        &format!(
            "{INTO_XA}  ingress: [{{action: Accept, from: [{{namespaces: {{}}}}], protocols: [{{destinationNamedPort: serve-81-udp}}, {{tcp: {{destinationPort: {{range: {{start: 79, end: 80}}}}}}}}]}}]\n"
        ),
    );
    let c = model(vec![deny]).with_tiers(vec![accept]);
    let e = Engine::new(&c);
    assert_eq!(denied(&e, 80, TCP), pairs_into(&["x/b", "x/c"], &[]));
    assert_eq!(denied(&e, 81, UDP), pairs_into(&["x/b", "x/c"], &[]));
    assert_eq!(denied(&e, 81, TCP), pairs_into(&["x/a", "x/b", "x/c"], &[]));
    assert_eq!(
        denied(&e, 80, SCTP),
        pairs_into(&["x/a", "x/b", "x/c"], &[])
    );
    assert_eq!(e.allowed_ports(3, 0).to_string(), "79-80/TCP, 81/UDP");
}

fn random_tier(r: &mut Rng, i: usize) -> TierPolicy {
    let tier = ["Admin", "Admin", "Baseline"][r.next(3)];
    let subject = match r.next(3) {
        0 => "{namespaces: {}}".to_string(),
        1 => format!(
            "{{namespaces: {{matchLabels: {{tier: {}}}}}}}",
            r.pick(&["n0", "n1"])
        ),
        _ => format!(
            "{{pods: {{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: {}}}}}}}}}",
            r.pick(&["a", "b", "c"])
        ),
    };
    let mut rules = |peers_key: &str, egress: bool| {
        let n = r.next(3);
        (0..n)
            .map(|_| {
                let action = r.pick(&["Accept", "Deny", "Pass"]);
                let peers: Vec<String> = (0..1 + r.next(2))
                    .map(|_| match r.next(if egress { 7 } else { 5 }) {
                        0 => "{namespaces: {}}".to_string(),
                        1 => format!("{{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: {}}}}}}}", r.pick(&["n0", "n1", "n2"])),
                        2 => format!("{{pods: {{podSelector: {{matchLabels: {{app: {}}}}}}}}}", r.pick(&["a", "b", "c"])),
                        3 if r.next(4) == 0 => "{}".to_string(),
                        3 | 4 => "{pods: {namespaceSelector: {matchLabels: {tier: n1}}, podSelector: {}}}".to_string(),
                        5 => "{networks: [10.0.0.0/8, 192.168.0.0/16]}".to_string(),
                        _ => "{networks: [10.1.0.0/16]}".to_string(),
                    })
                    .collect();
                let ports = match r.next(6) {
                    0 | 1 => String::new(),
                    2 => ", protocols: [{tcp: {destinationPort: {number: 80}}}]".to_string(),
                    3 => ", protocols: [{tcp: {destinationPort: {range: {start: 80, end: 90}}}}, {udp: {}}]".to_string(),
                    4 => format!(", protocols: [{{destinationNamedPort: {}}}]", r.pick(&["http", "dns"])),
                    _ => ", protocols: [{udp: {destinationPort: {number: 53}}}]".to_string(),
                };
                format!("{{action: {action}, {peers_key}: [{}]{ports}}}", peers.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ingress = rules("from", false);
    let egress = rules("to", true);
    let priority = r.next(3);
    cnp(
        &format!("t{i}"),
        tier,
        priority as u32,
        &format!("  subject: {subject}\n  ingress: [{ingress}]\n  egress: [{egress}]\n"),
    )
}

#[test]
fn tiered_access_sets_agree_with_verdicts_on_generated_clusters() {
    let probes = [(53, UDP), (80, TCP), (85, TCP), (91, TCP), (8080, SCTP)];
    let ips: Vec<IpAddr> = ["10.2.3.4", "10.1.0.1", "192.168.0.1", "8.8.8.8"]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let mut decided = [0usize; 4];
    for seed in 1..=30u64 {
        let mut r = Rng(seed * 104_729);
        let tiers = (0..4).map(|i| random_tier(&mut r, i)).collect();
        let c = random_cluster(seed * 7919).with_tiers(tiers);
        let e = Engine::new(&c);
        let n = c.workloads.len();
        let ingress: Vec<Access> = (0..n).map(|d| e.ingress_access(d)).collect();
        for s in 0..n {
            let egress = e.egress_access(s);
            for (d, into) in ingress.iter().enumerate() {
                let ports = e.allowed_ports(s, d);
                let both = egress
                    .workload_ports(d)
                    .intersection(&into.workload_ports(s));
                assert_eq!(ports, both, "seed {seed} {s}->{d}");
                for (port, proto) in probes {
                    let v = e.verdict(&Endpoint::Workload(s), &Endpoint::Workload(d), port, proto);
                    assert_eq!(
                        v.allowed,
                        ports.contains(port, proto),
                        "seed {seed} {s}->{d} {port}"
                    );
                    let slot = match v.ingress.decision.tier {
                        DecidingTier::Admin => 0,
                        DecidingTier::NetworkPolicy => 1,
                        DecidingTier::Baseline => 2,
                        DecidingTier::Default => 3,
                    };
                    decided[slot] += 1;
                }
            }
            for &ip in &ips {
                for (port, proto) in probes {
                    let out =
                        e.verdict(&Endpoint::Workload(s), &Endpoint::External(ip), port, proto);
                    let want = egress.external_ports(ip).contains(port, proto);
                    assert_eq!(out.allowed, want, "seed {seed} {s}->{ip} {port}/{proto}");
                    let inn =
                        e.verdict(&Endpoint::External(ip), &Endpoint::Workload(s), port, proto);
                    let want = ingress[s].external_ports(ip).contains(port, proto);
                    assert_eq!(inn.allowed, want, "seed {seed} {ip}->{s} {port}/{proto}");
                }
            }
        }
    }
    assert!(
        decided.iter().all(|&k| k > 100),
        "every tier decides: {decided:?}"
    );
    assert_eq!(Tier::Admin.as_str(), "Admin");
}

/// Run with `cargo test --release --lib engine -- --ignored --nocapture`.
#[test]
#[ignore = "scale test; run in release mode"]
fn scale_2000_workloads_with_tiers() {
    let mut tiers = Vec::new();
    for i in 0..10 {
        tiers.push(cnp(
            &format!("t{i}"),
            if i % 3 == 2 { "Baseline" } else { "Admin" },
            i,
            &format!("  subject: {{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: ns{i}}}}}}}\n  ingress: [{{action: Deny, from: [{{pods: {{podSelector: {{matchLabels: {{team: t{i}}}}}}}}}], protocols: [{{tcp: {{destinationPort: {{number: 8080}}}}}}]}}, {{action: Pass, from: [{{namespaces: {{}}}}]}}]\n  egress: [{{action: Deny, to: [{{networks: [10.0.0.0/8]}}]}}]\n"),
        ));
    }
    let c = big_cluster(2000, 10_000).with_tiers(tiers);
    let start = std::time::Instant::now();
    let e = Engine::new(&c);
    let mut entries = 0;
    for w in 0..c.workloads.len() {
        for a in [e.ingress_access(w), e.egress_access(w)] {
            if let Access::Some { workloads, .. } = a {
                entries += workloads.len();
            }
        }
    }
    let elapsed = start.elapsed();
    println!("build + 4000 tiered access queries {elapsed:?}, {entries} entries");
    assert!(elapsed.as_secs() < 20, "too slow: {elapsed:?}");
}
