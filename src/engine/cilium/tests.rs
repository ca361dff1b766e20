//! Hand-written truth tables for Cilium policies in the engine: isolation
//! by endpointSelector, namespace scoping, entities, CIDR sets, named
//! ports, deny precedence, L4 lifting L7, FQDN grants,
//! `enableDefaultDeny: false`, and a CiliumNetworkPolicy combined with a
//! NetworkPolicy. Every table is also checked against the access sets.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::engine::testutil::{cilium_policy, labels, policy, tier_policy, workload};
use crate::engine::{Cluster, Endpoint, Engine, Policy};
use crate::k8s::cilium::{FqdnSelector, HttpRule};
use crate::k8s::{PolicyType, Protocol};

use Protocol::{TCP, UDP};

const NAMES: [&str; 6] = [
    "shop/web",
    "shop/db",
    "shop/lb",
    "lab/probe",
    "lab/web",
    "kube-system/dns",
];

fn cluster(policies: Vec<Policy>, cnps: &[&str]) -> Cluster {
    let mut ns = BTreeMap::new();
    ns.insert("shop".to_string(), labels(&[("team", "blue")]));
    ns.insert("lab".to_string(), labels(&[("team", "red")]));
    let workloads = vec![
        workload("shop", "web", &[("http", 80, TCP), ("", 8080, TCP)]),
        workload("shop", "db", &[("pg", 5432, TCP)]),
        workload("shop", "lb", &[]),
        workload("lab", "probe", &[]),
        workload("lab", "web", &[("http", 80, TCP)]),
        workload("kube-system", "dns", &[("dns", 53, UDP)]),
    ];
    Cluster::new(ns, workloads, policies)
        .with_cilium(cnps.iter().map(|y| cilium_policy(y)).collect())
}

fn id(name: &str) -> usize {
    NAMES.iter().position(|n| *n == name).unwrap_or(usize::MAX)
}

fn w(name: &str) -> Endpoint {
    Endpoint::Workload(id(name))
}

fn ext(ip: &str) -> Endpoint {
    Endpoint::External(ip.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0])))
}

/// Sorted `src->dst` pairs allowed on `port`/`proto`, checked against
/// `allowed_ports` pair by pair.
fn allowed(e: &Engine, port: u16, proto: Protocol) -> Vec<String> {
    let mut out = Vec::new();
    for s in NAMES {
        for d in NAMES {
            let v = e.verdict(&w(s), &w(d), port, proto).allowed;
            let ports = e.allowed_ports(id(s), id(d));
            assert_eq!(
                v,
                ports.contains(port, proto),
                "{s}->{d} {port}/{proto}: verdict vs ports"
            );
            if v {
                out.push(format!("{s}->{d}"));
            }
        }
    }
    out
}

/// Allowed sources into `dst` on a port.
fn into(e: &Engine, dst: &str, port: u16, proto: Protocol) -> Vec<String> {
    allowed(e, port, proto)
        .into_iter()
        .filter_map(|p| p.strip_suffix(&format!("->{dst}")).map(str::to_string))
        .collect()
}

const CNP: &str = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n";

fn cnp(ns: &str, name: &str, spec: &str) -> String {
    format!("{CNP}metadata: {{name: {name}, namespace: {ns}}}\nspec:\n{spec}")
}

#[test]
fn the_endpoint_selector_isolates_and_peers_stay_in_the_namespace() {
    let db = cnp(
        "shop",
        "db",
        "  endpointSelector: {matchLabels: {app: db}}\n  ingress: [{fromEndpoints: [{matchLabels: {app: web}}]}]\n",
    );
    let c = cluster(vec![], &[&db]);
    let e = Engine::new(&c);
    // Only shop/web: lab/web carries the label but lives elsewhere.
    assert_eq!(into(&e, "shop/db", 5432, TCP), ["shop/web"]);
    // Nothing else is isolated.
    assert_eq!(into(&e, "shop/web", 80, TCP).len(), 6);
    assert!(e.is_isolated(id("shop/db"), PolicyType::Ingress));
    assert!(!e.is_isolated(id("shop/db"), PolicyType::Egress));
    let v = e.verdict(&w("shop/web"), &w("shop/db"), 5432, TCP);
    assert_eq!(
        v.ingress.cilium.allowed_by[0].to_string(),
        "CiliumNetworkPolicy/shop/db spec.ingress[0].fromEndpoints[0]"
    );
    assert_eq!(
        v.ingress.cilium.isolated_by[0].to_string(),
        "CiliumNetworkPolicy/shop/db"
    );
    // An external address is no endpoint.
    assert!(!e.verdict(&ext("1.2.3.4"), &w("shop/db"), 5432, TCP).allowed);
}

#[test]
fn namespace_names_and_namespace_labels_select_other_namespaces() {
    let by_name = cnp(
        "shop",
        "n",
        "  endpointSelector: {matchLabels: {app: db}}\n  ingress: [{fromEndpoints: [{matchLabels: {\"k8s:io.kubernetes.pod.namespace\": lab}}]}]\n",
    );
    let by_label = cnp(
        "shop",
        "l",
        "  endpointSelector: {matchLabels: {app: web}}\n  ingress: [{fromEndpoints: [{matchLabels: {\"k8s:io.cilium.k8s.namespace.labels.team\": red, app: web}}]}]\n",
    );
    let c = cluster(vec![], &[&by_name, &by_label]);
    let e = Engine::new(&c);
    assert_eq!(into(&e, "shop/db", 5432, TCP), ["lab/probe", "lab/web"]);
    assert_eq!(into(&e, "shop/web", 80, TCP), ["lab/web"]);
}

#[test]
fn entities_world_cluster_and_all() {
    let spec = |entity: &str| {
        cnp(
            "shop",
            "e",
            &format!(
                "  endpointSelector: {{matchLabels: {{app: web}}}}\n  ingress: [{{fromEntities: [{entity}]}}]\n"
            ),
        )
    };
    // (entity, workloads admitted, external admitted)
    let table = [
        ("world", 0, true),
        ("cluster", 6, false),
        ("all", 6, true),
        ("none", 0, false),
    ];
    for (entity, n, outside) in table {
        let c = cluster(vec![], &[&spec(entity)]);
        let e = Engine::new(&c);
        assert_eq!(into(&e, "shop/web", 80, TCP).len(), n, "{entity}");
        let v = e.verdict(&ext("203.0.113.9"), &w("shop/web"), 80, TCP);
        assert_eq!(v.allowed, outside, "{entity}");
        assert_eq!(
            e.ingress_access(id("shop/web"))
                .external_ports("203.0.113.9".parse().unwrap_or(IpAddr::from([0; 4])))
                .contains(80, TCP),
            outside,
            "{entity} access"
        );
    }
}

#[test]
fn cidr_sets_with_except_are_external_addresses() {
    let p = cnp(
        "shop",
        "c",
        "  endpointSelector: {matchLabels: {app: web}}\n  egress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}], toPorts: [{ports: [{port: \"443\", protocol: TCP}]}]}]\n",
    );
    let c = cluster(vec![], &[&p]);
    let e = Engine::new(&c);
    let web = w("shop/web");
    // (address, port, allowed)
    for (ip, port, want) in [
        ("10.2.3.4", 443, true),
        ("10.2.3.4", 80, false),
        ("10.1.2.3", 443, false),
        ("11.0.0.1", 443, false),
    ] {
        assert_eq!(
            e.verdict(&web, &ext(ip), port, TCP).allowed,
            want,
            "{ip}:{port}"
        );
    }
    // CIDRs never match workloads.
    assert!(
        allowed(&e, 443, TCP)
            .iter()
            .all(|p| !p.starts_with("shop/web->"))
    );
    let access = e.egress_access(id("shop/web"));
    assert!(
        access
            .external_ports("10.2.3.4".parse().unwrap_or(IpAddr::from([0; 4])))
            .contains(443, TCP)
    );
    assert!(
        access
            .external_ports("10.1.2.3".parse().unwrap_or(IpAddr::from([0; 4])))
            .is_empty()
    );
}

#[test]
fn named_ports_resolve_at_the_destination() {
    let db = cnp(
        "shop",
        "p",
        "  endpointSelector: {matchLabels: {app: db}}\n  ingress: [{toPorts: [{ports: [{port: pg}]}]}]\n",
    );
    let dns = cnp(
        "shop",
        "d",
        "  endpointSelector: {}\n  egress: [{toEndpoints: [{matchLabels: {\"k8s:io.kubernetes.pod.namespace\": kube-system}}], toPorts: [{ports: [{port: dns, protocol: UDP}]}]}]\n",
    );
    let c = cluster(vec![], &[&db, &dns]);
    let e = Engine::new(&c);
    // Port named pg on db is 5432; any peer (no L3 field), but shop
    // workloads may only send DNS now.
    assert_eq!(
        into(&e, "shop/db", 5432, TCP),
        ["lab/probe", "lab/web", "kube-system/dns"]
    );
    assert_eq!(into(&e, "kube-system/dns", 53, UDP).len(), 6);
    assert!(
        !e.verdict(&w("shop/web"), &w("kube-system/dns"), 53, TCP)
            .allowed
    );
}

#[test]
fn deny_wins_over_every_allow() {
    let np = policy(
        "shop",
        "open",
        "podSelector: {matchLabels: {app: web}}\ningress: [{}]\n",
    );
    let deny_lb = |default_deny: &str| {
        cnp(
            "shop",
            "deny",
            &format!(
                "  endpointSelector: {{matchLabels: {{app: web}}}}\n{default_deny}  ingressDeny: [{{fromEndpoints: [{{matchLabels: {{app: lb}}}}], toPorts: [{{ports: [{{port: \"80\"}}]}}]}}]\n"
            ),
        )
    };
    // A NetworkPolicy admits everything; the deny still drops lb on 80.
    let c = cluster(vec![np], &[&deny_lb("")]);
    let e = Engine::new(&c);
    assert_eq!(into(&e, "shop/web", 80, TCP).len(), 5);
    assert_eq!(into(&e, "shop/web", 8080, TCP).len(), 6);
    let v = e.verdict(&w("shop/lb"), &w("shop/web"), 80, TCP);
    assert_eq!(
        v.ingress.cilium.denied_by[0].path(),
        "spec.ingressDeny[0].fromEndpoints[0]"
    );
    // Alone, a deny rule isolates (default deny): nothing is admitted.
    let c = cluster(vec![], &[&deny_lb("")]);
    assert!(into(&Engine::new(&c), "shop/web", 8080, TCP).is_empty());
    // With enableDefaultDeny false it only denies.
    let c = cluster(
        vec![],
        &[&deny_lb("  enableDefaultDeny: {ingress: false}\n")],
    );
    let e = Engine::new(&c);
    assert_eq!(into(&e, "shop/web", 80, TCP).len(), 5);
    assert_eq!(into(&e, "shop/web", 8080, TCP).len(), 6);
}

#[test]
fn an_l4_rule_on_the_port_lifts_the_l7_rules() {
    let l7 = cnp(
        "shop",
        "l7",
        "  endpointSelector: {matchLabels: {app: web}}\n  ingress: [{fromEndpoints: [{matchLabels: {app: lb}}], toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{method: GET, path: /api/.*}]}}]}]\n",
    );
    let l4 = cnp(
        "shop",
        "l4",
        "  endpointSelector: {matchLabels: {app: web}}\n  ingress: [{fromEndpoints: [{}], toPorts: [{ports: [{port: \"80\"}]}]}]\n",
    );
    let get = HttpRule {
        method: Some("GET".into()),
        path: Some("/api/.*".into()),
        ..HttpRule::default()
    };
    let from_lb = |cnps: &[&str], nps: Vec<Policy>| {
        let c = cluster(nps, cnps);
        let v = Engine::new(&c).verdict(&w("shop/lb"), &w("shop/web"), 80, TCP);
        assert!(v.allowed);
        // Every case here has L7 rules: lifted exactly when none remain.
        assert_eq!(v.ingress.cilium.l7_lifted, v.ingress.cilium.l7.is_none());
        v.ingress
            .cilium
            .l7
            .map(|l| l.http.into_iter().map(|(_, h)| h).collect::<Vec<_>>())
    };
    assert_eq!(from_lb(&[&l7], vec![]), Some(vec![get]));
    assert_eq!(from_lb(&[&l7, &l4], vec![]), None);
    let np = policy(
        "shop",
        "np",
        "podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: 80}]}]\n",
    );
    assert_eq!(from_lb(&[&l7], vec![np]), None);
    // L7 rules never change the L3/L4 verdict: 8080 stays closed.
    let c = cluster(vec![], &[&l7]);
    assert!(into(&Engine::new(&c), "shop/web", 8080, TCP).is_empty());
}

#[test]
fn fqdn_rules_are_grants_that_depend_on_dns() {
    let p = cnp(
        "shop",
        "f",
        "  endpointSelector: {matchLabels: {app: web}}\n  egress:\n  - toFQDNs: [{matchName: api.example.com}]\n    toPorts: [{ports: [{port: \"443\", protocol: TCP}]}]\n",
    );
    let c = cluster(vec![], &[&p]);
    let e = Engine::new(&c);
    let grants = e.fqdn_grants(id("shop/web"));
    assert_eq!(grants.len(), 1);
    assert_eq!(
        grants[0].names,
        [FqdnSelector::MatchName("api.example.com".into())]
    );
    assert_eq!(grants[0].ports.to_string(), "443/TCP");
    assert_eq!(grants[0].rule.path(), "spec.egress[0].toFQDNs[0]");
    assert!(e.fqdn_grants(id("shop/db")).is_empty());
    let v = e.verdict(&w("shop/web"), &ext("93.184.216.34"), 443, TCP);
    assert!(!v.allowed);
    assert_eq!(v.egress.cilium.fqdn.len(), 1);
    let v = e.verdict(&w("shop/web"), &ext("93.184.216.34"), 80, TCP);
    assert!(v.egress.cilium.fqdn.is_empty());
    // The egress section isolates: workloads are denied too.
    assert!(
        allowed(&e, 80, TCP)
            .iter()
            .all(|p| !p.starts_with("shop/web->"))
    );
}

#[test]
fn enable_default_deny_false_adds_rules_without_isolating() {
    let open = cnp(
        "shop",
        "open",
        "  endpointSelector: {matchLabels: {app: db}}\n  enableDefaultDeny: {ingress: false}\n  ingress: [{fromEndpoints: [{matchLabels: {app: lb}}]}]\n",
    );
    let c = cluster(vec![], &[&open]);
    let e = Engine::new(&c);
    assert_eq!(into(&e, "shop/db", 5432, TCP).len(), 6);
    assert!(!e.is_isolated(id("shop/db"), PolicyType::Ingress));
    assert_eq!(e.ingress_access(id("shop/db")), crate::engine::Access::All);
    // Once something else isolates, its rule counts.
    let strict = cnp(
        "shop",
        "strict",
        "  endpointSelector: {matchLabels: {app: db}}\n  ingress: [{fromEndpoints: [{matchLabels: {app: web}}]}]\n",
    );
    let c = cluster(vec![], &[&open, &strict]);
    assert_eq!(
        into(&Engine::new(&c), "shop/db", 5432, TCP),
        ["shop/web", "shop/lb"]
    );
}

#[test]
fn a_cilium_policy_and_a_network_policy_share_one_answer() {
    let np = policy(
        "shop",
        "np",
        "podSelector: {matchLabels: {app: db}}\ningress: [{from: [{podSelector: {matchLabels: {app: lb}}}], ports: [{port: 5432}]}]\n",
    );
    let c_np = cnp(
        "shop",
        "c",
        "  endpointSelector: {matchLabels: {app: db}}\n  ingress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: \"5432\", protocol: TCP}]}]}]\n",
    );
    let c = cluster(vec![np], &[&c_np]);
    let e = Engine::new(&c);
    assert_eq!(into(&e, "shop/db", 5432, TCP), ["shop/web", "shop/lb"]);
    let v = e.verdict(&w("shop/lb"), &w("shop/db"), 5432, TCP);
    assert_eq!(
        (
            v.ingress.allowed_by.len(),
            v.ingress.cilium.allowed_by.len()
        ),
        (1, 0)
    );
    let v = e.verdict(&w("shop/web"), &w("shop/db"), 5432, TCP);
    assert_eq!(
        (
            v.ingress.allowed_by.len(),
            v.ingress.cilium.allowed_by.len()
        ),
        (0, 1)
    );
    assert_eq!(v.ingress.isolated_by.len(), 1);
}

#[test]
fn tiers_decide_around_cilium_policies() {
    let admin = tier_policy(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: red}}}]}]\n",
    );
    let baseline = tier_policy(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: blue}}}]}]\n",
    );
    let all = cnp(
        "shop",
        "all",
        "  endpointSelector: {matchLabels: {app: db}}\n  ingress: [{fromEntities: [all]}]\n",
    );
    let deny_only = cnp(
        "shop",
        "d",
        "  endpointSelector: {matchLabels: {app: web}}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny: [{fromEndpoints: [{matchLabels: {app: lb}}]}]\n",
    );
    let c = cluster(vec![], &[&all, &deny_only]).with_tiers(vec![admin, baseline]);
    let e = Engine::new(&c);
    // Admin denies lab before the Cilium allow; the Cilium policy decides
    // for db, so the Baseline deny of shop does not apply there.
    assert_eq!(
        into(&e, "shop/db", 5432, TCP),
        ["shop/web", "shop/db", "shop/lb", "kube-system/dns"]
    );
    // web: nothing isolates; the Cilium deny drops lb, Baseline the rest of shop.
    assert_eq!(into(&e, "shop/web", 80, TCP), ["kube-system/dns"]);
    let v = e.verdict(&w("shop/lb"), &w("shop/web"), 80, TCP);
    assert_eq!(
        v.ingress.decision.tier,
        crate::engine::DecidingTier::NetworkPolicy
    );
}
