//! The synthetic cluster the sampled check evaluates: the model's
//! workloads plus probes that a careless policy would admit.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::engine::{Cluster, Endpoint, Policy, PortSet, Workload, selector_matches};
use crate::k8s::{LabelSelector, Labels, NetworkPolicy};
use crate::model::{Model, PortRef, Target, cluster};

/// The foreign namespace that holds copies of every service.
const ELSEWHERE: &str = "netpolgen-elsewhere";

/// Either end of a synthetic connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Ep {
    W(usize),
    X(usize),
}

pub(super) struct Synthetic {
    pub(super) cluster: Cluster,
    pub(super) names: Vec<String>,
    pub(super) in_ns: Vec<usize>,
    pub(super) services: BTreeMap<String, usize>,
    pub(super) externals: Vec<(IpAddr, String)>,
}

impl Synthetic {
    pub(super) fn build(model: &Model, policies: &[NetworkPolicy]) -> Synthetic {
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
            if p.is_fqdn() {
                // Names: no address is known to be one offline.
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

    pub(super) fn name(&self, ep: Ep) -> &str {
        match ep {
            Ep::W(i) => &self.names[i],
            Ep::X(i) => &self.externals[i].1,
        }
    }

    /// The endpoints a flow end stands for, by the same label matching the
    /// policies use.
    pub(super) fn members(&self, model: &Model, target: &Target) -> Vec<Ep> {
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
                if peer.is_fqdn() {
                    return Vec::new();
                }
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
                        selector_matches(&ns_sel, ns_labels)
                            && selector_matches(&pod_sel, &w.labels)
                    })
                    .map(Ep::W)
                    .collect()
            }
        }
    }

    /// The ports a port spec means at one destination.
    pub(super) fn ports_at(&self, spec: &PortRef, dst: Ep) -> PortSet {
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

    pub(super) fn endpoint(&self, ep: Ep) -> Endpoint {
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
