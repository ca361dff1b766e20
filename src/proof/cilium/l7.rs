//! The L7 and name checks of a Cilium render, on the intent's workloads.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::http::{describe, http_path};
use crate::engine::{CiliumRuleRef, Cluster, Endpoint, Engine, PortSet};
use crate::k8s::cilium::{CiliumPolicy, FqdnSelector, HttpRule};
use crate::k8s::{PolicyType, Protocol};
use crate::model::{Model, PortRef, Target, cluster, dns};

/// An L7 or name rule that differs from the intent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct L7Violation {
    /// The flow concerned, when one is.
    pub flow: Option<String>,
    /// The policy and rule path to point at, when one is.
    pub rule: Option<(String, String)>,
    /// What is wrong, with the connection that shows it.
    pub message: String,
}

impl fmt::Display for L7Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One end of a connection on the intent's workloads.
#[derive(Debug, Clone)]
struct End {
    ep: Endpoint,
    name: String,
    /// The service it is, for named ports.
    service: Option<String>,
    /// The peer it is.
    peer: Option<String>,
}

/// Checks the HTTP, FQDN and DNS rules of a Cilium render.
pub fn l7(model: &Model, policies: &[CiliumPolicy]) -> Vec<L7Violation> {
    let synthetic = cluster::synthetic(model);
    let workload_index: BTreeMap<(String, String), usize> = synthetic
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| ((w.namespace.clone(), w.name.clone()), i))
        .collect();
    let c = Cluster::new(
        synthetic.namespaces.clone(),
        synthetic.workloads.clone(),
        Vec::new(),
    )
    .with_cilium(policies.to_vec());
    let engine = Engine::new(&c);
    let ends = |t: &Target| -> Vec<End> { ends_of(model, &workload_index, t) };
    let mut out = Vec::new();
    for f in model.flows.iter().filter(|f| !is_fqdn(model, &f.to.target)) {
        for src in ends(&f.from.target) {
            for dst in ends(&f.to.target) {
                for (port, protocol) in ports_at(model, &f.port_specs, &dst) {
                    let v = engine.verdict(&src.ep, &dst.ep, port, protocol);
                    let declared = declared_http(model, &src, &dst, port, protocol);
                    let sides = [
                        (PolicyType::Egress, &v.egress, f.egress_name.is_some()),
                        (PolicyType::Ingress, &v.ingress, f.ingress_name.is_some()),
                    ];
                    for (dir, side, governed) in sides {
                        if !governed || !side.allowed {
                            continue;
                        }
                        let example = format!(
                            "{} -> {}:{port}/{protocol:?} ({})",
                            src.name,
                            dst.name,
                            dir.as_str().to_lowercase()
                        );
                        let ev = &side.cilium;
                        if ev.l7_lifted {
                            let by: Vec<String> =
                                ev.allowed_by.iter().map(ToString::to_string).collect();
                            out.push(L7Violation {
                                flow: Some(f.id.clone()),
                                rule: ev
                                    .allowed_by
                                    .first()
                                    .map(|r| (r.policy.name.clone(), r.path())),
                                message: format!(
                                    "L7 rules lifted: {example}: one of {} admits it without L7 rules, so Cilium ignores the L7 rules on that port",
                                    by.join(", ")
                                ),
                            });
                            continue;
                        }
                        let rendered: Option<BTreeSet<HttpRule>> = ev
                            .l7
                            .as_ref()
                            .filter(|l| !l.http.is_empty())
                            .map(|l| l.http.iter().map(|(_, h)| h.clone()).collect());
                        if rendered != declared {
                            // The rendered rules the intent does not declare.
                            let extra: Vec<(&CiliumRuleRef, String)> = (ev.l7.iter())
                                .flat_map(|l| &l.http)
                                .filter(|(_, h)| !declared.as_ref().is_some_and(|d| d.contains(h)))
                                .filter_map(|(at, h)| http_path(policies, at, h))
                                .collect();
                            let mut message = format!(
                                "HTTP rules differ: {example} is declared with {} but rendered with {}",
                                describe(&declared),
                                describe(&rendered)
                            );
                            if !extra.is_empty() {
                                let list: Vec<String> = extra
                                    .iter()
                                    .map(|(r, at)| format!("{} {at}", r.policy))
                                    .collect();
                                message.push_str(&format!("; not declared: {}", list.join(", ")));
                            }
                            let first = ev.allowed_by.first();
                            out.push(L7Violation {
                                flow: Some(f.id.clone()),
                                rule: (extra.first())
                                    .map(|(r, at)| (r.policy.name.clone(), at.clone()))
                                    .or_else(|| first.map(|r| (r.policy.name.clone(), r.path()))),
                                message,
                            });
                        }
                    }
                }
            }
        }
    }
    out.extend(names(model, &engine, &workload_index));
    out.sort();
    out.dedup();
    out
}

fn is_fqdn(model: &Model, t: &Target) -> bool {
    matches!(t, Target::Peer(p) if model.peers[p].is_fqdn())
}

/// The workloads (or an address) a flow end stands for.
fn ends_of(model: &Model, index: &BTreeMap<(String, String), usize>, t: &Target) -> Vec<End> {
    let service = |s: &str| End {
        ep: Endpoint::Workload(index[&(model.namespace.clone(), s.to_string())]),
        name: s.to_string(),
        service: Some(s.to_string()),
        peer: None,
    };
    match t {
        Target::Service(s) => vec![service(s)],
        Target::Group(g) => model.groups[g].members.iter().map(|s| service(s)).collect(),
        Target::All => model.services.keys().map(|s| service(s)).collect(),
        Target::Peer(p) => {
            let peer = &model.peers[p];
            if peer.is_fqdn() {
                return Vec::new();
            }
            if let Some(cidr) = &peer.cidr {
                return address_in(cidr, &peer.except)
                    .map(|ip| End {
                        ep: Endpoint::External(ip),
                        name: format!("{ip} (peer {p})"),
                        service: None,
                        peer: Some(p.clone()),
                    })
                    .into_iter()
                    .collect();
            }
            let (ns, _) = cluster::peer_namespace(peer);
            index
                .get(&(ns, p.clone()))
                .map(|&w| End {
                    ep: Endpoint::Workload(w),
                    name: p.clone(),
                    service: None,
                    peer: Some(p.clone()),
                })
                .into_iter()
                .collect()
        }
    }
}

/// An address of `cidr` outside every `except` block.
fn address_in(cidr: &str, except: &[String]) -> Option<std::net::IpAddr> {
    let net: ipnet::IpNet = cidr.parse().ok()?;
    let holes: Vec<ipnet::IpNet> = except.iter().filter_map(|e| e.parse().ok()).collect();
    let mut candidates = vec![net.network(), net.broadcast()];
    candidates.extend(holes.iter().map(|h| h.broadcast()).filter_map(next));
    candidates
        .into_iter()
        .find(|ip| net.contains(ip) && !holes.iter().any(|h| h.contains(ip)))
}

fn next(ip: std::net::IpAddr) -> Option<std::net::IpAddr> {
    match ip {
        std::net::IpAddr::V4(a) => u32::from(a)
            .checked_add(1)
            .map(|n| std::net::Ipv4Addr::from(n).into()),
        std::net::IpAddr::V6(a) => u128::from(a)
            .checked_add(1)
            .map(|n| std::net::Ipv6Addr::from(n).into()),
    }
}

/// The ports of a flow at one destination (the first port of a range).
fn ports_at(model: &Model, specs: &[PortRef], dst: &End) -> Vec<(u16, Protocol)> {
    let mut out = Vec::new();
    for s in specs {
        match s {
            PortRef::Number { port, protocol, .. } => out.push((*port, *protocol)),
            PortRef::Named(name) => {
                if let Some(p) = dst
                    .service
                    .as_ref()
                    .and_then(|s| model.services[s].ports.get(name))
                {
                    out.push((p.port, p.protocol));
                }
            }
        }
    }
    out
}

/// True if flow `f` covers the connection.
fn covers(
    model: &Model,
    f: &crate::model::Flow,
    src: &End,
    dst: &End,
    port: u16,
    protocol: Protocol,
) -> bool {
    let member = |t: &Target, e: &End| match (t, &e.service, &e.peer) {
        (Target::All, Some(_), _) => true,
        (Target::Service(s), Some(n), _) => s == n,
        (Target::Group(g), Some(n), _) => model.groups[g].members.contains(n),
        (Target::Peer(p), _, Some(n)) => p == n,
        _ => false,
    };
    let on_port = f.port_specs.iter().any(|s| match s {
        PortRef::Number {
            port: lo,
            end,
            protocol: pr,
        } => *pr == protocol && (*lo..=end.unwrap_or(*lo)).contains(&port),
        PortRef::Named(_) => ports_at(model, std::slice::from_ref(s), dst) == [(port, protocol)],
    });
    member(&f.from.target, src) && member(&f.to.target, dst) && on_port
}

/// The HTTP rules the intent gives a connection: `None` when a flow
/// admitting it has none.
fn declared_http(
    model: &Model,
    src: &End,
    dst: &End,
    port: u16,
    protocol: Protocol,
) -> Option<BTreeSet<HttpRule>> {
    let mut out = BTreeSet::new();
    for f in model
        .flows
        .iter()
        .filter(|f| covers(model, f, src, dst, port, protocol))
    {
        if f.http.is_empty() {
            return None;
        }
        out.extend(f.http.iter().cloned());
    }
    (!out.is_empty()).then_some(out)
}

/// The names each source may reach, per name, as ports.
type Names = BTreeMap<FqdnSelector, PortSet>;

/// `toFQDNs` grants equal the declared names, and the DNS egress of
/// every source with names carries them in `rules.dns`.
fn names(
    model: &Model,
    engine: &Engine<'_>,
    index: &BTreeMap<(String, String), usize>,
) -> Vec<L7Violation> {
    let mut out = Vec::new();
    let dns_peer = model.peers.get(dns::PEER);
    for name in model.services.keys() {
        let w = index[&(model.namespace.clone(), name.clone())];
        let src = End {
            ep: Endpoint::Workload(w),
            name: name.clone(),
            service: Some(name.clone()),
            peer: None,
        };
        let mut declared = Names::new();
        let mut flows = Vec::new();
        for f in &model.flows {
            let Target::Peer(p) = &f.to.target else {
                continue;
            };
            let peer = &model.peers[p];
            let from = ends_of(model, index, &f.from.target);
            if !peer.is_fqdn() || !from.iter().any(|e| e.ep == src.ep) {
                continue;
            }
            flows.push(f.id.clone());
            let mut ports = PortSet::empty();
            for s in &f.port_specs {
                if let PortRef::Number {
                    port,
                    end,
                    protocol,
                } = s
                {
                    ports.insert_all(&PortSet::range(*protocol, *port, end.unwrap_or(*port)));
                }
            }
            for n in &peer.fqdn {
                declared
                    .entry(n.clone())
                    .or_insert_with(PortSet::empty)
                    .insert_all(&ports);
            }
        }
        let mut rendered = Names::new();
        for g in engine.fqdn_grants(w) {
            for n in &g.names {
                rendered
                    .entry(n.clone())
                    .or_insert_with(PortSet::empty)
                    .insert_all(&g.ports);
            }
        }
        if rendered != declared {
            out.push(L7Violation {
                flow: flows.first().cloned(),
                rule: None,
                message: format!(
                    "FQDN rules differ: {} may reach {} by name, but the intent declares {}",
                    src.name,
                    show_names(&rendered),
                    show_names(&declared)
                ),
            });
        }
        if declared.is_empty() {
            continue;
        }
        let Some(dns) = dns_peer else {
            continue;
        };
        let Some(dst) = ends_of(model, index, &Target::Peer(dns.name.clone()))
            .into_iter()
            .next()
        else {
            continue;
        };
        let v = engine.verdict(&src.ep, &dst.ep, 53, Protocol::UDP);
        let ev = &v.egress.cilium;
        let looked_up: BTreeSet<&FqdnSelector> = ev
            .l7
            .iter()
            .flat_map(|l| l.dns.iter().map(|(_, n)| n))
            .collect();
        let missing: Vec<String> = declared
            .keys()
            .filter(|n| {
                !looked_up.contains(n)
                    && !looked_up.contains(&FqdnSelector::MatchPattern("*".into()))
            })
            .map(ToString::to_string)
            .collect();
        let lifted = ev.l7_lifted;
        if lifted || ev.l7.is_none() || !missing.is_empty() {
            let why = if lifted {
                "a rule without rules.dns on the DNS port lifts the DNS rules".to_string()
            } else if ev.l7.is_none() {
                "the DNS egress rule has no rules.dns".to_string()
            } else {
                format!("rules.dns does not name {}", missing.join(", "))
            };
            out.push(L7Violation {
                flow: flows.first().cloned(),
                rule: ev
                    .allowed_by
                    .first()
                    .map(|r| (r.policy.name.clone(), r.path())),
                message: format!(
                    "DNS proxy rule missing: {} -> {}:53/UDP (egress): {why}; Cilium learns the addresses of toFQDNs names only from lookups its DNS proxy sees",
                    src.name, dst.name
                ),
            });
        }
    }
    out
}

fn show_names(n: &Names) -> String {
    if n.is_empty() {
        return "no names".into();
    }
    let list: Vec<String> = n.iter().map(|(k, p)| format!("{k} on {p}")).collect();
    list.join(", ")
}
