//! Proof that the rendered policies allow exactly the declared flows.
//!
//! A synthetic cluster is built from the model: one workload per service and
//! peer, plus probes that a careless policy would admit (an unlabelled pod in
//! every namespace involved, pods wearing a peer's labels in the wrong
//! namespace, copies of every service in a foreign namespace, and addresses
//! inside and outside every CIDR). The engine evaluates the rendered policies
//! over it. Within the traffic those policies govern (everything into the
//! namespace, and everything out of pods whose egress is isolated), the
//! allowed ports must equal the declared ones for every pair, and every
//! `expect` entry must hold.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::engine::{
    Access, Cluster, Endpoint, Engine, Policy, PortSet, Workload, selector_matches,
};
use crate::k8s::{LabelSelector, Labels, NetworkPolicy, PolicyType};
use crate::model::PortRef;
use crate::model::{Model, Target, cluster};

/// The foreign namespace that holds copies of every service.
const ELSEWHERE: &str = "netpolgen-elsewhere";
/// How many lines of differences a report shows before summarising.
const MAX_LINES: usize = 40;

/// A flow that should exist and does not, or exists and should not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    /// The source, as a person reads it (`api-gateway`, `an unlabelled pod in x`).
    pub from: String,
    pub to: String,
    /// The ports concerned.
    pub ports: PortSet,
    /// The policies responsible: those admitting an extra flow, or those
    /// isolating a missing one.
    pub policies: Vec<String>,
}

/// What a [`Finding`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Allowed but not declared.
    Extra,
    /// Declared but denied.
    Missing,
    /// `spec.expect[index]` wants `allowed`, and the render disagrees.
    Expect { index: usize, allowed: bool },
    /// The report stops here; this many more differences exist.
    More(usize),
}

impl Finding {
    /// The `spec.expect` entry this finding is about.
    pub fn expect(&self) -> Option<usize> {
        match self.kind {
            Kind::Expect { index, .. } => Some(index),
            _ => None,
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let by = self.policies.join(", ");
        let (from, to, ports) = (&self.from, &self.to, &self.ports);
        match self.kind {
            Kind::Extra if by.is_empty() => write!(
                f,
                "over-permissive: {from} -> {to}:{ports} is allowed but not declared (no policy isolates it)"
            ),
            Kind::Extra => write!(
                f,
                "over-permissive: {from} -> {to}:{ports} is allowed but not declared (admitted by {by})"
            ),
            Kind::Missing if by.is_empty() => {
                write!(f, "missing: {from} -> {to}:{ports} is declared but denied")
            }
            Kind::Missing => write!(
                f,
                "missing: {from} -> {to}:{ports} is declared but denied (isolated by {by}; no rule admits it)"
            ),
            Kind::Expect { allowed, .. } => {
                let (want, got) = if allowed {
                    ("allowed", "denied")
                } else {
                    ("denied", "allowed")
                };
                write!(
                    f,
                    "expected {from} -> {to}:{ports} to be {want}, but it is {got}"
                )?;
                match (allowed, by.is_empty()) {
                    (_, true) if !allowed => f.write_str(" (no policy isolates it)"),
                    (_, true) => Ok(()),
                    (false, false) => write!(f, " (admitted by {by})"),
                    (true, false) => write!(f, " (isolated by {by}; no rule admits it)"),
                }
            }
            Kind::More(n) => write!(f, "... and {n} more differences"),
        }
    }
}

/// Either end of a synthetic connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ep {
    W(usize),
    X(usize),
}

struct Synthetic {
    cluster: Cluster,
    names: Vec<String>,
    in_ns: Vec<usize>,
    services: BTreeMap<String, usize>,
    externals: Vec<(IpAddr, String)>,
}

impl Synthetic {
    fn build(model: &Model, policies: &[NetworkPolicy]) -> Synthetic {
        let ns = model.namespace.clone();
        let mut namespaces: BTreeMap<String, Labels> = BTreeMap::new();
        let mut workloads = Vec::new();
        let mut names = Vec::new();
        let mut push = |w: Workload, name: String, workloads: &mut Vec<Workload>| {
            workloads.push(w);
            names.push(name);
            workloads.len() - 1
        };
        let mut services = BTreeMap::new();
        for s in model.services.values() {
            let w = cluster::service(model, s);
            let copy = Workload {
                namespace: ELSEWHERE.into(),
                ..w.clone()
            };
            services.insert(s.name.clone(), push(w, s.name.clone(), &mut workloads));
            push(
                copy,
                format!("a pod like {} in namespace {ELSEWHERE}", s.name),
                &mut workloads,
            );
        }
        let probe = |namespace: &str| Workload {
            namespace: namespace.into(),
            name: "netpolgen-probe".into(),
            ..Default::default()
        };
        push(
            probe(&ns),
            format!("an unlabelled pod in {ns}"),
            &mut workloads,
        );
        push(
            probe(ELSEWHERE),
            format!("an unlabelled pod in {ELSEWHERE}"),
            &mut workloads,
        );
        let mut externals = Vec::new();
        for p in model.peers.values() {
            if let Some(cidr) = &p.cidr {
                if let Ok(net) = cidr.parse::<ipnet::IpNet>() {
                    externals.push((
                        first_host(net),
                        format!("{} (peer {})", first_host(net), p.name),
                    ));
                }
                for ex in &p.except {
                    if let Ok(net) = ex.parse::<ipnet::IpNet>() {
                        externals.push((
                            first_host(net),
                            format!("{} (excepted from peer {})", first_host(net), p.name),
                        ));
                    }
                }
                continue;
            }
            let (peer_ns, ns_labels) = cluster::peer_namespace(p);
            let entry = namespaces.entry(peer_ns.clone()).or_default();
            entry.extend(ns_labels);
            let labels = p.selector.clone().unwrap_or_default();
            let w = Workload {
                namespace: peer_ns.clone(),
                name: p.name.clone(),
                labels: labels.clone(),
                ports: Vec::new(),
            };
            push(w, p.name.clone(), &mut workloads);
            if p.selector.is_some() {
                push(
                    probe(&peer_ns),
                    format!("an unlabelled pod in {peer_ns}"),
                    &mut workloads,
                );
                let impostor = Workload {
                    namespace: ns.clone(),
                    name: format!("like-{}", p.name),
                    labels,
                    ports: Vec::new(),
                };
                push(
                    impostor,
                    format!("a pod like {} in {ns}", p.name),
                    &mut workloads,
                );
            }
        }
        for ip in ["192.0.2.1", "2001:db8::1"] {
            let ip: IpAddr = ip.parse().expect("literal address");
            if !externals.iter().any(|(e, _)| *e == ip) {
                externals.push((ip, format!("{ip} (outside the cluster)")));
            }
        }
        let in_ns = (0..workloads.len())
            .filter(|&i| workloads[i].namespace == ns)
            .collect();
        let policies = policies.iter().map(|p| Policy::from_k8s(p, &ns)).collect();
        Synthetic {
            cluster: Cluster::new(namespaces, workloads, policies),
            names,
            in_ns,
            services,
            externals,
        }
    }

    fn name(&self, ep: Ep) -> &str {
        match ep {
            Ep::W(i) => &self.names[i],
            Ep::X(i) => &self.externals[i].1,
        }
    }

    /// The endpoints a flow end stands for, by the same label matching the
    /// policies use.
    fn members(&self, model: &Model, target: &Target) -> Vec<Ep> {
        let ns_pods = self.in_ns.iter().map(|&i| Ep::W(i));
        match target {
            Target::Service(s) => vec![Ep::W(self.services[s])],
            Target::All => ns_pods.collect(),
            Target::Group(g) => {
                let sel = LabelSelector::labels(model.groups[g].selector.clone());
                self.in_ns
                    .iter()
                    .filter(|&&i| selector_matches(&sel, &self.cluster.workloads[i].labels))
                    .map(|&i| Ep::W(i))
                    .collect()
            }
            Target::Peer(p) => {
                let peer = &model.peers[p];
                if let Some(cidr) = &peer.cidr {
                    let block = crate::engine::IpBlockRef::parse(&crate::k8s::IpBlock {
                        cidr: cidr.clone(),
                        except: peer.except.clone(),
                    });
                    return (0..self.externals.len())
                        .filter(|&i| {
                            block
                                .as_ref()
                                .is_some_and(|b| b.contains(self.externals[i].0))
                        })
                        .map(Ep::X)
                        .collect();
                }
                let ns_sel =
                    LabelSelector::labels(peer.namespace_selector.clone().unwrap_or_default());
                let pod_sel = LabelSelector::labels(peer.selector.clone().unwrap_or_default());
                (0..self.cluster.workloads.len())
                    .filter(|&i| {
                        let w = &self.cluster.workloads[i];
                        let ns_labels = &self.cluster.namespaces[&w.namespace];
                        w.namespace != model.namespace
                            && selector_matches(&ns_sel, ns_labels)
                            && selector_matches(&pod_sel, &w.labels)
                    })
                    .map(Ep::W)
                    .collect()
            }
        }
    }

    /// The ports a port spec means at one destination.
    fn ports_at(&self, spec: &PortRef, dst: Ep) -> PortSet {
        match spec {
            PortRef::Number {
                port,
                end,
                protocol,
            } => PortSet::range(*protocol, *port, end.unwrap_or(*port)),
            PortRef::Named(name) => match dst {
                Ep::W(i) => {
                    let mut set = PortSet::empty();
                    for p in &self.cluster.workloads[i].ports {
                        if p.name.as_deref() == Some(name) {
                            set.insert_all(&PortSet::single(p.protocol, p.port));
                        }
                    }
                    set
                }
                Ep::X(_) => PortSet::empty(),
            },
        }
    }

    fn endpoint(&self, ep: Ep) -> Endpoint {
        match ep {
            Ep::W(i) => Endpoint::Workload(i),
            Ep::X(i) => Endpoint::External(self.externals[i].0),
        }
    }
}

fn first_host(net: ipnet::IpNet) -> IpAddr {
    let hosts = net.hosts().next();
    hosts.unwrap_or_else(|| net.network())
}

/// Checks the rendered policies against the model. Returns every difference.
pub fn verify(model: &Model, policies: &[NetworkPolicy]) -> Vec<Finding> {
    let syn = Synthetic::build(model, policies);
    let engine = Engine::new(&syn.cluster);

    let mut members: BTreeMap<&Target, Vec<Ep>> = BTreeMap::new();
    let ends = model
        .flows
        .iter()
        .flat_map(|f| [&f.from.target, &f.to.target]);
    for target in ends.chain(model.expects.iter().flat_map(|e| [&e.from, &e.to])) {
        members
            .entry(target)
            .or_insert_with(|| syn.members(model, target));
    }

    let mut expected: BTreeMap<(Ep, Ep), PortSet> = BTreeMap::new();
    for flow in &model.flows {
        let from = &members[&flow.from.target];
        let to = &members[&flow.to.target];
        for &d in to {
            let mut ports = PortSet::empty();
            for spec in &flow.port_specs {
                ports.insert_all(&syn.ports_at(spec, d));
            }
            if ports.is_empty() {
                continue;
            }
            for &s in from {
                expected.entry((s, d)).or_default().insert_all(&ports);
            }
        }
    }

    let allowed = allowed(&syn, &engine);
    let mut findings = Vec::new();
    let none = PortSet::empty();
    let differing = expected
        .iter()
        .filter(|(k, exp)| allowed.get(*k).unwrap_or(&none) != *exp)
        .map(|(k, _)| *k)
        .chain(
            allowed
                .keys()
                .filter(|k| !expected.contains_key(*k))
                .copied(),
        )
        .collect::<std::collections::BTreeSet<(Ep, Ep)>>();
    for key in differing {
        let exp = expected.get(&key).unwrap_or(&none);
        let got = allowed.get(&key).unwrap_or(&none);
        let extra = got.difference(exp);
        let missing = exp.difference(got);
        let (s, d) = key;
        for (kind, ports, admitted) in [(Kind::Extra, extra, true), (Kind::Missing, missing, false)]
        {
            if ports.is_empty() {
                continue;
            }
            findings.push(Finding {
                kind,
                from: syn.name(s).to_string(),
                to: syn.name(d).to_string(),
                policies: deciding(&engine, &syn, s, d, &ports, admitted),
                ports,
            });
        }
    }
    if findings.len() > MAX_LINES {
        let more = findings.len() - MAX_LINES;
        findings.truncate(MAX_LINES);
        findings.push(Finding {
            kind: Kind::More(more),
            from: String::new(),
            to: String::new(),
            ports: PortSet::empty(),
            policies: Vec::new(),
        });
    }

    for e in &model.expects {
        let from = &members[&e.from];
        let to = &members[&e.to];
        for &d in to {
            let ports = syn.ports_at(&e.port, d);
            let Some((protocol, port, _)) = ports.iter().next() else {
                continue;
            };
            for &s in from {
                let v = engine.verdict(&syn.endpoint(s), &syn.endpoint(d), port, protocol);
                if v.allowed != e.allowed {
                    let ports = PortSet::single(protocol, port);
                    findings.push(Finding {
                        kind: Kind::Expect {
                            index: e.index,
                            allowed: e.allowed,
                        },
                        from: syn.name(s).to_string(),
                        to: syn.name(d).to_string(),
                        policies: deciding(&engine, &syn, s, d, &ports, v.allowed),
                        ports,
                    });
                }
            }
        }
    }
    findings
}

/// Everything the rendered policies allow within the traffic they govern.
fn allowed(syn: &Synthetic, engine: &Engine<'_>) -> BTreeMap<(Ep, Ep), PortSet> {
    let n = syn.cluster.workloads.len();
    let mut egress: Vec<Option<Access>> = vec![None; n];
    let mut egress_of = |s: usize| -> Access {
        egress[s]
            .get_or_insert_with(|| engine.egress_access(s))
            .clone()
    };
    let mut out = BTreeMap::new();
    for &d in &syn.in_ns {
        let ingress = engine.ingress_access(d);
        let sources: Vec<usize> = match &ingress {
            Access::All => (0..n).collect(),
            Access::Some { workloads, .. } => workloads.keys().copied().collect(),
        };
        for s in sources {
            let ports = ingress
                .workload_ports(s)
                .intersection(&egress_of(s).workload_ports(d));
            if !ports.is_empty() {
                out.insert((Ep::W(s), Ep::W(d)), ports);
            }
        }
        for (x, (ip, _)) in syn.externals.iter().enumerate() {
            let ports = ingress.external_ports(*ip);
            if !ports.is_empty() {
                out.insert((Ep::X(x), Ep::W(d)), ports);
            }
        }
    }
    for &s in &syn.in_ns {
        if !engine.is_isolated(s, PolicyType::Egress) {
            continue;
        }
        let access = egress_of(s);
        if let Access::Some { workloads, .. } = &access {
            for (&d, ports) in workloads {
                if syn.cluster.workloads[d].namespace == syn.cluster.workloads[s].namespace {
                    continue; // counted above, from the ingress side
                }
                let ports = ports.intersection(&engine.ingress_access(d).workload_ports(s));
                if !ports.is_empty() {
                    out.insert((Ep::W(s), Ep::W(d)), ports);
                }
            }
        }
        for (x, (ip, _)) in syn.externals.iter().enumerate() {
            let ports = access.external_ports(*ip);
            if !ports.is_empty() {
                out.insert((Ep::W(s), Ep::X(x)), ports);
            }
        }
    }
    out
}

/// Names the policies behind a difference: the rules that admit it, or
/// the policies that isolate without admitting.
fn deciding(
    engine: &Engine<'_>,
    syn: &Synthetic,
    s: Ep,
    d: Ep,
    ports: &PortSet,
    admitted: bool,
) -> Vec<String> {
    let Some((protocol, port, _)) = ports.iter().next() else {
        return Vec::new();
    };
    let v = engine.verdict(&syn.endpoint(s), &syn.endpoint(d), port, protocol);
    let mut names: Vec<String> = if admitted {
        v.egress
            .allowed_by
            .iter()
            .chain(&v.ingress.allowed_by)
            .map(|r| r.policy.name.clone())
            .collect()
    } else {
        let mut isolating = Vec::new();
        if !v.egress.allowed {
            isolating.extend(v.egress.isolated_by.iter().map(|p| p.name.clone()));
        }
        if !v.ingress.allowed {
            isolating.extend(v.ingress.isolated_by.iter().map(|p| p.name.clone()));
        }
        isolating
    };
    names.sort();
    names.dedup();
    names
}
