//! Class-based analysis against the pair-by-pair reference, on small
//! hand-made clusters.

use std::collections::BTreeMap;

use super::*;
use crate::engine::{Policy, Workload};
use crate::k8s::{ContainerPort, Labels, NetworkPolicySpec, PolicyType};

fn spec(yaml: &str) -> NetworkPolicySpec {
    serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("bad test spec: {e}"))
}

fn wl(ns: &str, name: &str, app: &str, ports: &[(&str, u16, Protocol)]) -> Workload {
    Workload {
        namespace: ns.into(),
        name: name.into(),
        labels: Labels::from_iter([("app".to_string(), app.to_string())]),
        ports: ports
            .iter()
            .map(|&(n, port, protocol)| ContainerPort {
                name: (!n.is_empty()).then(|| n.to_string()),
                port,
                protocol,
            })
            .collect(),
    }
}

fn cluster() -> Cluster {
    use Protocol::*;
    Cluster::new(
        BTreeMap::new(),
        vec![
            wl("b", "web-2", "web", &[("http", 80, TCP)]),
            wl("b", "web-1", "web", &[("http", 80, TCP)]),
            wl("a", "dns", "dns", &[("dns", 53, UDP), ("dns-tcp", 53, TCP)]),
            wl("b", "db", "db", &[("pg", 5432, TCP)]),
        ],
        vec![
            Policy::new(
                "b",
                "deny",
                spec("podSelector: {}\npolicyTypes: [Ingress, Egress]\n"),
            ),
            Policy::new(
                "b",
                "web-to-db",
                spec(
                    "podSelector: {matchLabels: {app: db}}\ningress:\n- from: [{podSelector: {matchLabels: {app: web}}}]\n  ports: [{port: pg}]\n",
                ),
            ),
            Policy::new(
                "b",
                "egress",
                spec(
                    "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n- to: [{podSelector: {}}]\n- to: [{namespaceSelector: {}}]\n  ports: [{port: dns, protocol: UDP}]\n- to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]\n  ports: [{port: 443}]\n",
                ),
            ),
        ],
    )
}

#[test]
fn classes_merge_replicas_of_the_same_shape() {
    let c = cluster();
    let a = Analysis::new(&c);
    assert_eq!(a.classes.len(), 3);
    assert_eq!(a.classes.of[0], a.classes.of[1]);
}

#[test]
fn class_based_connections_equal_the_pairwise_reference() {
    let c = cluster();
    let a = Analysis::new(&c);
    let want = pairwise::connections(&c, &a.engine);
    assert_eq!(a.connections(), want);
    let allowed: Vec<String> = want
        .iter()
        .filter(|c| c.allowed)
        .map(|x| format!("{}->{}:{}/{}", a.id(x.from), a.id(x.to), x.port, x.protocol))
        .collect();
    assert_eq!(
        allowed,
        [
            "a/dns->a/dns:53/TCP",
            "a/dns->a/dns:53/UDP",
            "b/web-1->a/dns:53/UDP",
            "b/web-1->b/db:5432/TCP",
            "b/web-2->a/dns:53/UDP",
            "b/web-2->b/db:5432/TCP",
        ]
    );
    let counts = a.counts();
    assert_eq!((counts.total, counts.allowed), (4 * 5, 6));
}

#[test]
fn destination_order_and_flows_agree_with_connections() {
    let c = cluster();
    let a = Analysis::new(&c);
    let all = a.connections();
    let mut by_dst = Vec::new();
    let _ = a.try_for_each_destination(|_, rows| {
        by_dst.extend_from_slice(rows);
        Ok::<(), ()>(())
    });
    by_dst.sort_by_key(|c| {
        (
            a.order.iter().position(|&w| w == c.from),
            a.order.iter().position(|&w| w == c.to),
            c.port,
            c.protocol,
        )
    });
    assert_eq!(by_dst, all);
    let mut flows = 0;
    let _ = a.try_for_each_flow(|_, _, ports| {
        flows += ports.len();
        Ok::<(), ()>(())
    });
    assert_eq!(flows, all.iter().filter(|c| c.allowed).count());
}

#[test]
fn external_rows_list_grants_then_the_rest() {
    let c = cluster();
    let a = Analysis::new(&c);
    let rows: Vec<String> = a
        .external()
        .iter()
        .filter(|r| a.id(r.workload) == "b/web-1" || a.id(r.workload) == "a/dns")
        .map(|r| {
            format!(
                "{} {} {} {} {} {}",
                a.id(r.workload),
                r.direction.as_str(),
                r.addresses,
                r.ports,
                r.allowed,
                r.rule.as_ref().map_or("-".to_string(), |r| r.to_string())
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "a/dns Ingress any 1-65535/TCP, 1-65535/UDP, 1-65535/SCTP true -",
            "a/dns Egress any 1-65535/TCP, 1-65535/UDP, 1-65535/SCTP true -",
            "b/web-1 Ingress any 1-65535/TCP, 1-65535/UDP, 1-65535/SCTP false -",
            "b/web-1 Egress 10.0.0.0/8 except 10.1.0.0/16 443/TCP true b/egress spec.egress[2].to[0]",
            "b/web-1 Egress other 1-65535/TCP, 1-65535/UDP, 1-65535/SCTP false -",
        ]
    );
}

#[test]
fn summary_counts_isolation_and_selection() {
    let mut c = cluster();
    c.policies.push(Policy::new(
        "b",
        "nobody",
        spec("podSelector: {matchLabels: {app: ghost}}\n"),
    ));
    let a = Analysis::new(&c);
    let s = a.summary();
    assert_eq!(
        (s.workloads, s.classes, s.namespaces, s.policies),
        (4, 3, 2, 4)
    );
    assert_eq!(
        (s.ingress.full, s.ingress.open, s.ingress.workloads),
        (1, 1, 3)
    );
    assert_eq!((s.egress.full, s.egress.partial, s.egress.open), (1, 0, 1));
    let unselected: Vec<String> = s.unselected.iter().map(|&w| a.id(w)).collect();
    assert_eq!(unselected, ["a/dns"]);
    assert_eq!(s.empty_policies.len(), 1);
    assert_eq!(s.empty_policies[0].to_string(), "b/nobody");
    assert!(a.matrix.isolated(a.classes.of[3], PolicyType::Egress));
}

#[test]
fn tier_policies_keep_classes_exact() {
    let tier = |yaml: &str| {
        let doc = crate::k8s::yaml::parse_documents(yaml).unwrap_or_default();
        crate::engine::parse_tier_policy(&doc[0]).unwrap_or_else(|e| panic!("{e}"))
    };
    let deny_web = tier(
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: web-no-pg}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {pods: {podSelector: {matchLabels: {app: web}}}}\n  egress:\n  - {action: Deny, to: [{pods: {podSelector: {matchLabels: {app: db}}}}], protocols: [{destinationNamedPort: pg}]}\n  - {action: Deny, to: [{networks: [10.0.0.0/8]}]}\n",
    );
    let baseline = tier(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]\n",
    );
    let c = cluster().with_tiers(vec![deny_web, baseline]);
    let a = Analysis::new(&c);
    assert_eq!(a.classes.len(), 3);
    assert_eq!(a.connections(), pairwise::connections(&c, &a.engine));
    let allowed: Vec<String> = a
        .connections()
        .iter()
        .filter(|c| c.allowed)
        .map(|x| format!("{}->{}:{}/{}", a.id(x.from), a.id(x.to), x.port, x.protocol))
        .collect();
    // web no longer reaches db; dns (not isolated) now refuses b.
    assert_eq!(allowed, ["a/dns->a/dns:53/TCP", "a/dns->a/dns:53/UDP"]);
    let web_out: Vec<String> = a
        .external()
        .iter()
        .filter(|r| a.id(r.workload) == "b/web-1" && r.direction == PolicyType::Egress)
        .map(|r| {
            format!(
                "{} {} {} {:?}",
                r.addresses,
                r.ports,
                r.allowed,
                r.decision.as_ref().map(|d| d.tier)
            )
        })
        .collect();
    // The NetworkPolicy's 10.0.0.0/8 grant is cut away by the Admin Deny.
    assert_eq!(
        web_out,
        ["any 1-65535/TCP, 1-65535/UDP, 1-65535/SCTP false None"]
    );
}
