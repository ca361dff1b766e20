//! Conformance of the cluster-wide tiers towards addresses outside the
//! cluster (`networks` peers), the manifest reader's hook and `check`
//! answers, on the upstream e2e model (see `tiers/model.rs`).

#[path = "tiers/model.rs"]
mod model;

use model::*;
use netpolgen::analyze::Analysis;
use netpolgen::analyze::addresses::parse_net;
use netpolgen::analyze::explain::{Party, Question, answer};
use netpolgen::engine::{Cluster, DecidingTier, Engine};
use netpolgen::k8s::Protocol::TCP;
use netpolgen::k8s::manifest::{from_docs, parse_text};

fn external(cluster: &Cluster, from: &str, to: &str, port: u16) -> bool {
    let engine = Engine::new(cluster);
    let party = |s: &str| match s.strip_prefix("external:") {
        Some(ip) => Party::External(parse_net(ip).unwrap()),
        None => Party::Workload(id(s)),
    };
    let q = Question {
        from: party(from),
        to: party(to),
        port,
        protocol: TCP,
    };
    answer(&engine, &q).unwrap().allowed
}

#[test]
fn networks_egress_to_external_addresses() {
    let np = format!(
        "{NP}metadata: {{name: xa-out, namespace: x}}\nspec:\n  podSelector: {{matchLabels: {{pod: a}}}}\n  policyTypes: [Egress]\n  egress: [{{to: [{{ipBlock: {{cidr: 192.168.0.0/16}}}}, {{ipBlock: {{cidr: 10.0.0.0/8}}}}]}}]\n"
    );
    let cnp = format!(
        "{CNP}metadata: {{name: egress}}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  egress:\n  - {{action: Accept, to: [{{networks: [10.1.2.0/24]}}]}}\n  - {{action: Deny, to: [{{networks: [10.0.0.0/8]}}], protocols: [{{tcp: {{}}}}]}}\n---\n\
         {CNP}metadata: {{name: no-internet}}\nspec:\n  tier: Baseline\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{networks: [0.0.0.0/0]}}]}}]\n"
    );
    let anp = format!(
        "{ANP}metadata: {{name: egress}}\nspec:\n  priority: 1\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  egress:\n  - {{action: Allow, to: [{{networks: [10.1.2.0/24]}}]}}\n  - {{action: Deny, to: [{{networks: [10.0.0.0/8]}}], ports: [{{portRange: {{protocol: TCP, start: 1, end: 65535}}}}]}}\n---\n\
         {BANP}metadata: {{name: default}}\nspec:\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{networks: [0.0.0.0/0]}}]}}]\n"
    );
    for tiers in [cnp, anp] {
        let c = model(&format!("{np}---\n{tiers}"));
        let cases = [
            ("xa", "external:10.1.2.3", true), // Admin Accept beats the NP isolation
            ("xa", "external:10.9.9.9", false), // Admin Deny beats the NP ipBlock allow
            ("xa", "external:192.168.1.1", true), // NetworkPolicy; Baseline not consulted
            ("xa", "external:8.8.8.8", false), // NetworkPolicy isolation
            ("xb", "external:10.1.2.3", true), // Admin Accept
            ("xb", "external:10.9.9.9", false), // Admin Deny
            ("xb", "external:8.8.8.8", false), // Baseline Deny (no NP on x/b)
            ("ya", "external:10.9.9.9", false), // Baseline Deny
            ("xa", "external:10.1.2.0/24", true),
            ("xa", "external:10.0.0.0/8", false),
            ("external:8.8.8.8", "xa", true), // ingress: no tier rule, no NP
        ];
        for (from, to, want) in cases {
            assert_eq!(external(&c, from, to, 443), want, "{from} -> {to}");
        }
        // networks never match pods: pod-to-pod traffic is what the
        // NetworkPolicy says (x/a may reach only its ipBlocks).
        let xa_isolated = want(
            "
            #  xa xb xc ya yb yc za zb zc
            xa X X X X X X X X X
            xb . . . . . . . . .
            xc . . . . . . . . .
            ya . . . . . . . . .
            yb . . . . . . . . .
            yc . . . . . . . . .
            za . . . . . . . . .
            zb . . . . . . . . .
            zc . . . . . . . . .
            ",
        );
        assert_eq!(table(&c, 80, TCP), xa_isolated);
        // The analysis' external rows carry the deciding tier.
        let a = Analysis::new(&c);
        let rows: Vec<String> = a
            .external()
            .iter()
            .filter(|r| a.id(r.workload) == "x/a" && r.allowed && r.direction.as_str() == "Egress")
            .map(|r| format!("{} {}", r.addresses, r.decision.as_ref().unwrap().tier))
            .collect();
        assert_eq!(
            rows,
            [
                "10.1.2.0/24 Admin",
                "192.168.0.0/16 NetworkPolicy",
                "10.0.0.0/8 except 10.1.2.0/24 NetworkPolicy",
            ]
        );
        // The tier policies say what they leave unevaluated.
        assert!(
            c.tiers
                .iter()
                .all(|t| t.unevaluated.iter().all(|u| u.path.ends_with(".networks")))
        );
    }
}

#[test]
fn manifests_collect_tier_policies_and_report_bad_ones() {
    let text = format!(
        "{CNP}metadata: {{name: a}}\nspec: {{tier: Admin, priority: 1, subject: {{namespaces: {{}}}}, egress: [{{action: Deny, to: [{{nodes: {{}}}}]}}]}}\n---\n\
         apiVersion: crd.antrea.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {{name: antrea}}\nspec: {{}}\n"
    );
    let m = from_docs(&parse_text(&text, "t.yaml").unwrap()).unwrap();
    assert_eq!((m.tiers.len(), m.tier_origins.len(), m.skipped), (1, 1, 0));
    // Antrea's ClusterNetworkPolicy is not the network-policy-api's: named
    // as not evaluated, never read as one.
    assert_eq!(m.not_evaluated.len(), 1);
    assert_eq!(m.not_evaluated[0].0.kind, "ClusterNetworkPolicy");
    assert_eq!(m.tiers[0].unevaluated[0].path, "spec.egress[0].to[0].nodes");
    assert_eq!(
        netpolgen::engine::Cluster::from_manifests(&m).tiers.len(),
        1
    );
    let bad = format!(
        "{ANP}metadata: {{name: b}}\nspec:\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Accept, from: [{{namespaces: {{}}}}]}}]\n"
    );
    let err = from_docs(&parse_text(&bad, "t.yaml").unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("t.yaml: document 1: spec.ingress[0].action"),
        "{err}"
    );
    assert!(err.contains("unsupported value \"Accept\""), "{err}");
}

#[test]
fn check_answers_carry_the_deciding_tier() {
    let yaml = format!(
        "{NP}metadata: {{name: allow-all, namespace: x}}\nspec: {{podSelector: {{}}, ingress: [{{}}]}}\n---\n\
         {CNP}metadata: {{name: deny-y}}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress: [{{action: Deny, from: [{{namespaces: {{matchLabels: {{ns: 'y'}}}}}}]}}]\n"
    );
    let c = model(&yaml);
    let engine = Engine::new(&c);
    let q = Question {
        from: Party::Workload(id("ya")),
        to: Party::Workload(id("xa")),
        port: 80,
        protocol: TCP,
    };
    let a = answer(&engine, &q).unwrap();
    assert!(!a.allowed && !a.ingress.allows() && a.egress.allows());
    let d = a.ingress_decision.unwrap();
    assert_eq!(
        d.to_string(),
        "Admin: ClusterNetworkPolicy/deny-y spec.ingress[0].from[0] (Deny)"
    );
    assert_eq!(
        a.egress_decision.map(|d| d.tier),
        Some(DecidingTier::Default)
    );
    assert!(external(&c, "ya", "external:1.2.3.4", 80));
}
