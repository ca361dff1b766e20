//! The proof of a Cilium render, in two parts.
//!
//! L3 and L4: each rendered CiliumNetworkPolicy is translated to the
//! NetworkPolicy that admits the same pods, addresses and ports
//! ([`network_policies`]), which the symbolic proof then checks like any
//! other render. The translation keeps rule indices: an empty rule
//! (`ingress: [{}]`, which isolates and admits nothing) becomes a rule
//! whose only peer is an empty address block. `toFQDNs` peers admit no
//! address here: what names resolve to is known only at run time.
//!
//! L7 and names ([`l7`]): on the intent's own workloads the engine
//! evaluates the Cilium policies, and for every declared flow, source,
//! destination and port:
//!
//! - the HTTP rules that apply equal the declared ones (the union over the
//!   flows admitting that connection; none if one of them has none);
//! - no rule admits the connection on the port without L7 rules while
//!   another restricts it: Cilium would then ignore the HTTP rules;
//! - the `toFQDNs` names a source may reach, per port, equal the declared
//!   ones, and its DNS egress carries `rules.dns` naming each of them, so
//!   that Cilium's DNS proxy learns their addresses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::engine::{Cluster, Endpoint, Engine, PortSet};
use crate::k8s::cilium::{
    CiliumPeerKind, CiliumPolicy, CiliumPortSpec, CiliumRule, CiliumSelector, Entity, FqdnSelector,
    HttpRule, NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX,
};
use crate::k8s::{
    EgressRule, IngressRule, IntOrString, IpBlock, LabelSelector, NetworkPolicy, NetworkPolicySpec,
    ObjectMeta, Peer, PolicyPort, PolicyType, Protocol,
};
use crate::model::{Model, NAMESPACE_NAME_LABEL, PortRef, Target, cluster, dns};

/// The NetworkPolicies that admit what `policies` admit at L3 and L4
/// (one per `spec`), in the namespace `ns` for the intent's own.
pub fn network_policies(policies: &[CiliumPolicy], ns: &str) -> Vec<NetworkPolicy> {
    let mut out = Vec::new();
    for p in policies {
        for s in &p.specs {
            let Some(endpoints) = &s.endpoints else {
                continue;
            };
            let (own, _) = split(endpoints);
            let isolates = |explicit: Option<bool>, rules: &[CiliumRule]| {
                explicit.unwrap_or(!rules.is_empty())
            };
            let mut types = Vec::new();
            if isolates(s.default_deny_ingress, &s.ingress) {
                types.push(PolicyType::Ingress);
            }
            if isolates(s.default_deny_egress, &s.egress) {
                types.push(PolicyType::Egress);
            }
            if types.is_empty() {
                continue;
            }
            let ingress: Vec<IngressRule> = s
                .ingress
                .iter()
                .map(|r| {
                    let (from, ports) = rule(r);
                    IngressRule { from, ports }
                })
                .collect();
            let egress: Vec<EgressRule> = s
                .egress
                .iter()
                .map(|r| {
                    let (to, ports) = rule(r);
                    EgressRule { to, ports }
                })
                .collect();
            out.push(NetworkPolicy {
                api_version: "networking.k8s.io/v1".into(),
                kind: "NetworkPolicy".into(),
                metadata: ObjectMeta {
                    name: p.name.clone(),
                    namespace: Some(p.namespace.clone().unwrap_or_else(|| ns.to_string())),
                    ..ObjectMeta::default()
                },
                spec: NetworkPolicySpec {
                    pod_selector: if endpoints.evaluable {
                        own
                    } else {
                        nothing_selector()
                    },
                    policy_types: Some(types),
                    ingress: (!ingress.is_empty()).then_some(ingress),
                    egress: (!egress.is_empty()).then_some(egress),
                },
            });
        }
    }
    out
}

/// A selector matching no pod.
fn nothing_selector() -> LabelSelector {
    LabelSelector::labels([("netpolgen.io/matches".into(), "nothing".into())].into())
}

/// A peer that is nobody: an address block with every address excepted.
fn nobody() -> Peer {
    Peer {
        ip_block: Some(IpBlock {
            cidr: "0.0.0.0/0".into(),
            except: vec!["0.0.0.0/0".into()],
        }),
        ..Peer::default()
    }
}

fn block(cidr: &str) -> Peer {
    Peer {
        ip_block: Some(IpBlock {
            cidr: cidr.into(),
            except: Vec::new(),
        }),
        ..Peer::default()
    }
}

/// A Cilium selector as (pod labels, namespace labels), keys unprefixed.
fn split(s: &CiliumSelector) -> (LabelSelector, Option<LabelSelector>) {
    let mut pods = LabelSelector::default();
    let mut namespaces = LabelSelector::default();
    let mut scoped = false;
    let ns_key = |k: &str| -> Option<String> {
        if k == NAMESPACE_KEY {
            Some(NAMESPACE_NAME_LABEL.to_string())
        } else {
            k.strip_prefix(NAMESPACE_LABELS_PREFIX).map(str::to_string)
        }
    };
    for (k, v) in &s.selector.match_labels {
        match ns_key(k) {
            Some(nk) => {
                scoped = true;
                namespaces.match_labels.insert(nk, v.clone());
            }
            None => {
                pods.match_labels.insert(k.clone(), v.clone());
            }
        }
    }
    for e in &s.selector.match_expressions {
        match ns_key(&e.key) {
            Some(nk) => {
                scoped = true;
                let mut e = e.clone();
                e.key = nk;
                namespaces.match_expressions.push(e);
            }
            None => pods.match_expressions.push(e.clone()),
        }
    }
    (pods, scoped.then_some(namespaces))
}

/// One Cilium allow rule as NetworkPolicy peers and ports.
fn rule(r: &CiliumRule) -> (Option<Vec<Peer>>, Option<Vec<PolicyPort>>) {
    let ports = if r.icmps {
        return (Some(vec![nobody()]), None);
    } else if r.to_ports.is_empty() {
        None
    } else {
        let mut list = Vec::new();
        for e in r.to_ports.iter().flat_map(|p| &p.ports) {
            let protocols: Vec<Protocol> = match e.protocol {
                Some(p) => vec![p],
                None => Protocol::ALL.to_vec(),
            };
            for protocol in protocols {
                let (port, end_port) = match &e.port {
                    CiliumPortSpec::All => (None, None),
                    CiliumPortSpec::Range(lo, hi) => (
                        Some(IntOrString::Int(i64::from(*lo))),
                        (hi > lo).then_some(i64::from(*hi)),
                    ),
                    CiliumPortSpec::Named(n) => (Some(IntOrString::String(n.clone())), None),
                };
                list.push(PolicyPort {
                    protocol: Some(protocol),
                    port,
                    end_port,
                });
            }
        }
        if list.is_empty() {
            // `toPorts` entries without ports admit nothing.
            return (Some(vec![nobody()]), None);
        }
        Some(list)
    };
    if r.peers.is_empty() {
        if r.to_ports.is_empty() {
            return (Some(vec![nobody()]), None);
        }
        return (None, ports);
    }
    let mut peers = Vec::new();
    for p in &r.peers {
        match &p.kind {
            CiliumPeerKind::Endpoints(s) if s.evaluable => {
                let (pods, namespaces) = split(s);
                peers.push(Peer {
                    namespace_selector: namespaces,
                    pod_selector: Some(pods),
                    ip_block: None,
                });
            }
            CiliumPeerKind::Cidr { cidr, except } => peers.push(Peer {
                ip_block: Some(IpBlock {
                    cidr: cidr.to_string(),
                    except: except.iter().map(ToString::to_string).collect(),
                }),
                ..Peer::default()
            }),
            CiliumPeerKind::Entity(Entity::All) => return (None, ports),
            CiliumPeerKind::Entity(Entity::World) => {
                peers.push(block("0.0.0.0/0"));
                peers.push(block("::/0"));
            }
            CiliumPeerKind::Entity(Entity::WorldIpv4) => peers.push(block("0.0.0.0/0")),
            CiliumPeerKind::Entity(Entity::WorldIpv6) => peers.push(block("::/0")),
            CiliumPeerKind::Entity(Entity::Cluster) => peers.push(Peer {
                namespace_selector: Some(LabelSelector::default()),
                ..Peer::default()
            }),
            _ => peers.push(nobody()),
        }
    }
    (Some(peers), ports)
}

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
                            out.push(L7Violation {
                                flow: Some(f.id.clone()),
                                rule: ev
                                    .allowed_by
                                    .first()
                                    .map(|r| (r.policy.name.clone(), r.path())),
                                message: format!(
                                    "HTTP rules differ: {example} is declared with {} but rendered with {}",
                                    describe(&declared),
                                    describe(&rendered)
                                ),
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

fn describe(rules: &Option<BTreeSet<HttpRule>>) -> String {
    match rules {
        None => "no HTTP rules (every request)".into(),
        Some(r) => {
            let list: Vec<String> = r.iter().map(|h| format!("[{h}]")).collect();
            format!("HTTP rules {}", list.join(" "))
        }
    }
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
    candidates.extend(holes.iter().map(|h| h.broadcast()).filter_map(|b| next(b)));
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
    for (name, _) in &model.services {
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
