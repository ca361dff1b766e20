//! Tests of the access sets and `allowed_ports`, including a generated
//! cross-check against `verdict` and a scale test.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Instant;

use crate::engine::testutil::{labels, policy, workload};
use crate::engine::{Access, Cluster, Endpoint, Engine, ExternalPeer, Policy};
use crate::k8s::{PolicyType, Protocol};

use Protocol::{TCP, UDP};

fn ns_labels(pairs: &[(&str, &[(&str, &str)])]) -> BTreeMap<String, crate::k8s::Labels> {
    pairs
        .iter()
        .map(|(n, l)| (n.to_string(), labels(l)))
        .collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// web (http=8080) and api (http=9090, grpc=9000/UDP) in `prod`, client in `dev`.
fn shop(policies: Vec<Policy>) -> Cluster {
    Cluster::new(
        ns_labels(&[("prod", &[("env", "prod")]), ("dev", &[("env", "dev")])]),
        vec![
            workload("prod", "web", &[("http", 8080, TCP)]),
            workload("prod", "api", &[("http", 9090, TCP), ("grpc", 9000, UDP)]),
            workload("dev", "client", &[]),
        ],
        policies,
    )
}

#[test]
fn ingress_access_all_when_not_isolated() {
    let c = shop(vec![]);
    let e = Engine::new(&c);
    assert_eq!(e.ingress_access(0), Access::All);
    assert_eq!(e.egress_access(0), Access::All);
    assert!(e.allowed_ports(2, 0).is_full());
    assert!(Access::All.workload_ports(7).is_full());
}

#[test]
fn ingress_access_lists_sources_and_external_ranges() {
    let spec = r#"
podSelector: {matchLabels: {app: api}}
ingress:
- from: [{podSelector: {matchLabels: {app: web}}}, {ipBlock: {cidr: 10.0.0.0/8, except: [10.9.0.0/16]}}]
  ports: [{port: http}, {port: grpc}]
- from: [{namespaceSelector: {matchLabels: {env: dev}}}]
  ports: [{port: grpc, protocol: UDP}]
- ports: [{port: 1, endPort: 10}]
"#;
    let c = shop(vec![policy("prod", "api-in", spec)]);
    let e = Engine::new(&c);
    let Access::Some {
        workloads,
        external,
    } = e.ingress_access(1)
    else {
        panic!("api must be isolated");
    };
    let got: Vec<(usize, String)> = workloads.iter().map(|(w, p)| (*w, p.to_string())).collect();
    assert_eq!(
        got,
        [
            (0, "1-10/TCP, 9090/TCP".to_string()),
            (1, "1-10/TCP".to_string()),
            (2, "1-10/TCP, 9000/UDP".to_string()),
        ]
    );
    let ext: Vec<String> = external
        .iter()
        .map(|x| {
            let peer = match &x.peer {
                ExternalPeer::Any => "any".to_string(),
                ExternalPeer::IpBlock(b) => b.to_string(),
            };
            format!("{} {peer} {}", x.rule, x.ports)
        })
        .collect();
    assert_eq!(
        ext,
        [
            "prod/api-in spec.ingress[0].from[1] 10.0.0.0/8 except 10.9.0.0/16 9090/TCP",
            "prod/api-in spec.ingress[2] any 1-10/TCP",
        ]
    );
    let a = e.ingress_access(1);
    assert_eq!(
        a.external_ports(ip("10.1.1.1")).to_string(),
        "1-10/TCP, 9090/TCP"
    );
    assert_eq!(a.external_ports(ip("10.9.1.1")).to_string(), "1-10/TCP");
    assert_eq!(e.ingress_access(0), Access::All);
}

#[test]
fn egress_access_resolves_named_ports_per_destination() {
    let spec = r#"
podSelector: {matchLabels: {app: client}}
policyTypes: [Egress]
egress:
- to: [{namespaceSelector: {matchLabels: {env: prod}}}, {ipBlock: {cidr: 0.0.0.0/0}}]
  ports: [{port: http}]
- to: [{ipBlock: {cidr: 8.8.8.8/32}}]
  ports: [{port: 53, protocol: UDP}]
"#;
    let c = shop(vec![policy("dev", "client-out", spec)]);
    let e = Engine::new(&c);
    let a = e.egress_access(2);
    assert_eq!(a.workload_ports(0).to_string(), "8080/TCP");
    assert_eq!(a.workload_ports(1).to_string(), "9090/TCP");
    assert!(a.workload_ports(2).is_empty());
    // The named port resolves to nothing at an external address.
    let Access::Some { external, .. } = &a else {
        panic!("client must be isolated");
    };
    assert_eq!(external.len(), 1);
    assert_eq!(a.external_ports(ip("8.8.8.8")).to_string(), "53/UDP");
    assert!(a.external_ports(ip("1.1.1.1")).is_empty());
    assert_eq!(e.allowed_ports(2, 1).to_string(), "9090/TCP");
    assert!(e.allowed_ports(0, 2).is_full());
}

#[test]
fn allowed_ports_intersects_both_directions() {
    let out = "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{ports: [{port: 9000, endPort: 9095}]}]";
    let inn = "podSelector: {matchLabels: {app: api}}\ningress: [{from: [{podSelector: {}}], ports: [{port: http}, {port: 9000, protocol: UDP}, {port: 9999}]}]";
    let c = shop(vec![policy("prod", "out", out), policy("prod", "in", inn)]);
    let e = Engine::new(&c);
    assert_eq!(e.allowed_ports(0, 1).to_string(), "9090/TCP");
    assert!(e.allowed_ports(2, 1).is_empty());
    assert_eq!(e.isolating_policies(1, PolicyType::Ingress)[0].name, "in");
}

/// xorshift64: deterministic pseudo-random numbers without a dependency.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    pub(super) fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next(xs.len())]
    }
}

fn random_peer(r: &mut Rng) -> String {
    let app = r.pick(&["a", "b", "c"]);
    let ns = r.pick(&["n0", "n1", "n2"]);
    match r.next(7) {
        0 => format!("{{podSelector: {{matchLabels: {{app: {app}}}}}}}"),
        1 => {
            format!("{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {ns}}}}}}}")
        }
        2 => format!(
            "{{namespaceSelector: {{matchLabels: {{tier: {ns}}}}}, podSelector: {{matchLabels: {{app: {app}}}}}}}"
        ),
        3 => "{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}".to_string(),
        4 => format!(
            "{{podSelector: {{matchExpressions: [{{key: app, operator: NotIn, values: [{app}]}}]}}}}"
        ),
        5 => "{namespaceSelector: {}}".to_string(),
        _ => "{}".to_string(),
    }
}

fn random_port(r: &mut Rng) -> String {
    match r.next(6) {
        0 => "{port: 80}".to_string(),
        1 => "{port: 80, endPort: 90}".to_string(),
        2 => format!("{{port: {}}}", r.pick(&["http", "dns"])),
        3 => "{port: dns, protocol: UDP}".to_string(),
        4 => "{protocol: UDP}".to_string(),
        _ => "{port: 8080, protocol: SCTP}".to_string(),
    }
}

fn random_rule(r: &mut Rng, peers_key: &str) -> String {
    let mut parts = Vec::new();
    if r.next(4) > 0 {
        let peers: Vec<String> = (0..r.next(3)).map(|_| random_peer(r)).collect();
        parts.push(format!("{peers_key}: [{}]", peers.join(", ")));
    }
    if r.next(3) > 0 {
        let ports: Vec<String> = (0..r.next(3)).map(|_| random_port(r)).collect();
        parts.push(format!("ports: [{}]", ports.join(", ")));
    }
    format!("{{{}}}", parts.join(", "))
}

pub(super) fn random_cluster(seed: u64) -> Cluster {
    let mut r = Rng(seed);
    let namespaces = ns_labels(&[
        ("n0", &[("tier", "n0")]),
        ("n1", &[("tier", "n1")]),
        ("n2", &[]),
    ]);
    let mut workloads = Vec::new();
    for i in 0..12 {
        let ns = ["n0", "n1", "n2"][i % 3];
        let mut w = workload(
            ns,
            &format!("w{i}"),
            &[("http", 80 + (i as u16 % 3) * 5, TCP), ("dns", 53, UDP)],
        );
        w.labels = labels(&[("app", r.pick(&["a", "b", "c"]))]);
        workloads.push(w);
    }
    let mut policies = Vec::new();
    for i in 0..8 {
        let ns = r.pick(&["n0", "n1", "n2"]);
        let sel = match r.next(3) {
            0 => "{}".to_string(),
            _ => format!("{{matchLabels: {{app: {}}}}}", r.pick(&["a", "b", "c"])),
        };
        let ingress: Vec<String> = (0..r.next(3))
            .map(|_| random_rule(&mut r, "from"))
            .collect();
        let egress: Vec<String> = (0..r.next(3)).map(|_| random_rule(&mut r, "to")).collect();
        let types = r.pick(&[
            "",
            "policyTypes: [Ingress]",
            "policyTypes: [Egress]",
            "policyTypes: [Ingress, Egress]",
        ]);
        let yaml = format!(
            "podSelector: {sel}\ningress: [{}]\negress: [{}]\n{types}",
            ingress.join(", "),
            egress.join(", ")
        );
        policies.push(policy(ns, &format!("p{i}"), &yaml));
    }
    Cluster::new(namespaces, workloads, policies)
}

#[test]
fn access_sets_agree_with_verdicts_on_generated_clusters() {
    let probes = [
        (53, UDP),
        (80, TCP),
        (85, TCP),
        (90, TCP),
        (91, TCP),
        (8080, Protocol::SCTP),
    ];
    let ips = [ip("10.2.3.4"), ip("10.1.0.1"), ip("192.168.0.1")];
    let (mut yes, mut no) = (0, 0);
    for seed in 1..=40u64 {
        let c = random_cluster(seed * 7919);
        let e = Engine::new(&c);
        let n = c.workloads.len();
        let ingress: Vec<Access> = (0..n).map(|d| e.ingress_access(d)).collect();
        let egress: Vec<Access> = (0..n).map(|s| e.egress_access(s)).collect();
        for (s, out_access) in egress.iter().enumerate() {
            for (d, in_access) in ingress.iter().enumerate() {
                let ports = e.allowed_ports(s, d);
                let combined = out_access
                    .workload_ports(d)
                    .intersection(&in_access.workload_ports(s));
                assert_eq!(ports, combined, "seed {seed} {s}->{d}");
                for (port, proto) in probes {
                    let v = e.verdict(&Endpoint::Workload(s), &Endpoint::Workload(d), port, proto);
                    assert_eq!(
                        v.allowed,
                        ports.contains(port, proto),
                        "seed {seed} {s}->{d} {port}"
                    );
                    assert_eq!(v.allowed, v.egress.allowed && v.ingress.allowed);
                    if v.allowed {
                        yes += 1
                    } else {
                        no += 1
                    }
                    if !v.ingress.isolated_by.is_empty() {
                        assert_eq!(v.ingress.allowed, !v.ingress.allowed_by.is_empty());
                    }
                }
            }
            for addr in ips {
                for (port, proto) in probes {
                    let inn = e.verdict(
                        &Endpoint::External(addr),
                        &Endpoint::Workload(s),
                        port,
                        proto,
                    );
                    assert_eq!(
                        inn.allowed,
                        ingress[s].external_ports(addr).contains(port, proto)
                    );
                    let out = e.verdict(
                        &Endpoint::Workload(s),
                        &Endpoint::External(addr),
                        port,
                        proto,
                    );
                    assert_eq!(
                        out.allowed,
                        out_access.external_ports(addr).contains(port, proto)
                    );
                }
            }
        }
    }
    // The generator exercises both outcomes in earnest.
    assert!(yes > 1000 && no > 1000, "allowed {yes}, denied {no}");
}

/// `n_ws` workloads in 20 namespaces; one ingress policy per workload and
/// `extra` policies with egress rules, all selecting by `matchLabels`.
pub(super) fn big_cluster(n_ws: usize, n_policies: usize) -> Cluster {
    let mut workloads = Vec::with_capacity(n_ws);
    for i in 0..n_ws {
        let ns = format!("ns{}", i % 20);
        let mut w = workload(&ns, &format!("w{i}"), &[("http", 8080, TCP)]);
        w.labels.insert("team".to_string(), format!("t{}", i % 7));
        workloads.push(w);
    }
    let mut policies = Vec::with_capacity(n_policies);
    for i in 0..n_policies {
        let target = i % n_ws;
        let ns = format!("ns{}", target % 20);
        let peer = (i * 31 + 7) % n_ws;
        let yaml = format!(
            "podSelector: {{matchLabels: {{app: w{target}}}}}\n\
             policyTypes: [Ingress, Egress]\n\
             ingress: [{{from: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: ns{}}}}}, podSelector: {{matchLabels: {{app: w{peer}}}}}}}, {{podSelector: {{matchLabels: {{team: t{}}}}}}}], ports: [{{port: http}}]}}]\n\
             egress: [{{to: [{{podSelector: {{matchLabels: {{app: w{peer}}}}}}}], ports: [{{port: 8080}}]}}, {{to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: kube-dns}}}}}}], ports: [{{port: 53, protocol: UDP}}]}}]",
            peer % 20,
            i % 7
        );
        policies.push(policy(&ns, &format!("p{i}"), &yaml));
    }
    Cluster::new(BTreeMap::new(), workloads, policies)
}

#[test]
fn scale_small() {
    let c = big_cluster(200, 1000);
    let e = Engine::new(&c);
    let total: usize = (0..200)
        .map(|w| match (e.ingress_access(w), e.egress_access(w)) {
            (Access::Some { workloads: a, .. }, Access::Some { workloads: b, .. }) => {
                a.len() + b.len()
            }
            _ => 0,
        })
        .sum();
    assert!(total > 0);
    // w0's ingress admits its peer w7 (ns7, app=w7) on the named port only.
    assert_eq!(
        e.ingress_access(0).workload_ports(7).to_string(),
        "8080/TCP"
    );
}

/// Run with `cargo test --release --lib engine -- --ignored --nocapture`.
#[test]
#[ignore = "scale test; run in release mode"]
fn scale_2000_workloads_10000_policies() {
    let c = big_cluster(2000, 10_000);
    let start = Instant::now();
    let e = Engine::new(&c);
    let built = start.elapsed();
    let mut entries = 0;
    for w in 0..c.workloads.len() {
        for a in [e.ingress_access(w), e.egress_access(w)] {
            if let Access::Some { workloads, .. } = a {
                entries += workloads.len();
            }
        }
    }
    let elapsed = start.elapsed();
    println!("build {built:?}, build + 4000 access queries {elapsed:?}, {entries} entries");
    assert!(elapsed.as_millis() < 1000, "too slow: {elapsed:?}");
}
