//! One question, answered with its evidence: may `from` reach `to` on
//! `port`/`protocol`, and which policies and rules decide it. This is the
//! data behind `netpolgen check`; `crate::report::check` words it.
//!
//! With cluster-wide tier policies a side is `Open` only if nothing
//! restricts the direction; otherwise `Isolated` with the NetworkPolicies
//! isolating the workload (possibly none), the rules admitting the
//! connection (a tier rule with an empty namespace) and the final coverage.
//! [`Answer::egress_decision`] / [`Answer::ingress_decision`] name the
//! deciding tier.
//!
//! Cilium policies are part of the NetworkPolicy answer; an isolated side
//! carries their evidence ([`CiliumEvidence`]): the Cilium policies
//! isolating the workload, their admitting and denying rules, the L7 rules
//! that constrain the connection and, towards external addresses, the
//! `toFQDNs` rules whose answer depends on DNS at run time.

use ipnet::IpNet;

use crate::engine::{
    Access, CiliumEvidence, Cluster, DecidingTier, Decision, DirectionVerdict, Endpoint, Engine,
    ExternalPeer, PolicyRef, PortSet, RuleRef,
};
use crate::k8s::{PolicyType, Protocol};

use super::addresses::{Coverage, coverage, overlaps, parse_net};
use super::pairwise::workload_id;

/// One end of the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// A workload, by index into `Cluster::workloads`.
    Workload(usize),
    /// An address or range outside the cluster.
    External(IpNet),
}

/// The question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub from: Party,
    pub to: Party,
    pub port: u16,
    pub protocol: Protocol,
}

/// What one side (egress at the source, ingress at the destination) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// The side is an external address: no policy applies there.
    External,
    /// Nothing restricts this direction of the workload: everything passes.
    Open,
    /// The workload is isolated (by NetworkPolicy or a tier); only what a
    /// rule admits passes.
    Isolated {
        /// The NetworkPolicies selecting the workload for this direction.
        by: Vec<PolicyRef>,
        /// Rule peers admitting the connection (for a range: those that
        /// admit the port and overlap the range).
        admitted_by: Vec<RuleRef>,
        /// How much of the peer the admitting rules cover (a workload peer
        /// is covered entirely or not at all).
        coverage: Coverage,
        /// Every port the rules admit for this peer, any port number.
        peer_ports: PortSet,
        /// What Cilium policies add (empty without them); for a range of
        /// addresses, `allowed_by` holds the Cilium rules admitting part
        /// of it.
        cilium: Box<CiliumEvidence>,
    },
}

impl Side {
    /// True if this side lets the connection through.
    pub fn allows(&self) -> bool {
        match self {
            Side::External | Side::Open => true,
            Side::Isolated { coverage, .. } => *coverage == Coverage::All,
        }
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub question: Question,
    pub allowed: bool,
    pub egress: Side,
    pub ingress: Side,
    /// The tier deciding egress at the source: `None` for an external
    /// source and for a range of addresses (see the side's coverage).
    pub egress_decision: Option<Decision>,
    /// The tier deciding ingress at the destination, likewise.
    pub ingress_decision: Option<Decision>,
}

/// Finds `NS/NAME`, `NS/KIND/NAME` or `external:CIDR-or-IP`. `kinds` holds
/// each workload's kind (may be empty when unknown).
pub fn resolve_party(cluster: &Cluster, kinds: &[String], text: &str) -> Result<Party, String> {
    if let Some(addr) = text.strip_prefix("external:") {
        return parse_net(addr).map(Party::External).ok_or_else(|| {
            format!("{text:?}: expected external:CIDR or external:IP, like external:10.0.0.0/8")
        });
    }
    let parts: Vec<&str> = text.split('/').collect();
    let (ns, kind, name) = match parts.as_slice() {
        [name] => (None, None, *name),
        [ns, name] => (Some(*ns), None, *name),
        [ns, kind, name] => (Some(*ns), Some(*kind), *name),
        _ => {
            return Err(format!(
                "{text:?}: expected NAME, NAMESPACE/NAME, NAMESPACE/KIND/NAME or external:CIDR"
            ));
        }
    };
    let kind_of = |w: usize| kinds.get(w).map_or("", String::as_str);
    let hits: Vec<usize> = (0..cluster.workloads.len())
        .filter(|&w| {
            let wl = &cluster.workloads[w];
            ns.is_none_or(|ns| wl.namespace == ns)
                && wl.name == name
                && kind.is_none_or(|k| k.eq_ignore_ascii_case(kind_of(w)))
        })
        .collect();
    match hits.as_slice() {
        [w] => Ok(Party::Workload(*w)),
        [] => Err(format!(
            "{text:?}: no workload of that name in the manifests"
        )),
        many if ns.is_none() => {
            let ids: Vec<String> = many.iter().map(|&w| workload_id(cluster, w)).collect();
            Err(format!(
                "{text:?} is ambiguous ({}); name one as NAMESPACE/NAME",
                ids.join(", ")
            ))
        }
        many => {
            let kinds: Vec<&str> = many.iter().map(|&w| kind_of(w)).collect();
            Err(format!(
                "{text:?} is ambiguous ({}); name one as NAMESPACE/KIND/NAME",
                kinds.join(", ")
            ))
        }
    }
}

/// Resolves `--port`: a number, or a container port name of the
/// destination workload. `protocol` narrows a name; without it a name must
/// be unique, and a number means TCP.
pub fn resolve_port(
    cluster: &Cluster,
    to: &Party,
    port: &str,
    protocol: Option<Protocol>,
) -> Result<(u16, Protocol), String> {
    if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
        return match port.parse::<u16>() {
            Ok(n) if n > 0 => Ok((n, protocol.unwrap_or_default())),
            _ => Err(format!("--port {port}: not a port; use 1-65535")),
        };
    }
    let Party::Workload(w) = to else {
        return Err(format!(
            "--port {port:?}: a port name needs a workload destination to resolve it; give a number"
        ));
    };
    let wl = &cluster.workloads[*w];
    let mut hits: Vec<(u16, Protocol)> = wl
        .ports
        .iter()
        .filter(|p| p.name.as_deref() == Some(port))
        .filter(|p| protocol.is_none_or(|proto| p.protocol == proto))
        .map(|p| (p.port, p.protocol))
        .collect();
    hits.sort();
    hits.dedup();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => {
            let names: Vec<String> = wl
                .ports
                .iter()
                .filter_map(|p| {
                    p.name
                        .as_ref()
                        .map(|n| format!("{n} ({}/{})", p.port, p.protocol))
                })
                .collect();
            let known = if names.is_empty() {
                "it has no named ports".to_string()
            } else {
                format!("its named ports: {}", names.join(", "))
            };
            Err(format!(
                "--port {port:?}: {}/{} has no such container port{}; {known}",
                wl.namespace,
                wl.name,
                protocol.map_or(String::new(), |p| format!(" for {p}")),
            ))
        }
        _ => Err(format!(
            "--port {port:?} names ports of several protocols on {}/{}; add --protocol",
            wl.namespace, wl.name
        )),
    }
}

/// Answers `q`. Errors when both ends are external.
pub fn answer(engine: &Engine<'_>, q: &Question) -> Result<Answer, String> {
    let (egress, ingress, egress_decision, ingress_decision) = match (&q.from, &q.to) {
        (Party::Workload(s), Party::Workload(d)) => {
            let v = engine.verdict(
                &Endpoint::Workload(*s),
                &Endpoint::Workload(*d),
                q.port,
                q.protocol,
            );
            let (egress_decision, ingress_decision) =
                (v.egress.decision.clone(), v.ingress.decision.clone());
            (
                workload_side(v.egress, engine.egress_access(*s), *d),
                workload_side(v.ingress, engine.ingress_access(*d), *s),
                Some(egress_decision),
                Some(ingress_decision),
            )
        }
        (Party::Workload(s), Party::External(net)) => (
            external_side(engine, *s, PolicyType::Egress, net, q),
            Side::External,
            single(net).map(|ip| {
                let v = engine.verdict(&Endpoint::Workload(*s), &ip, q.port, q.protocol);
                v.egress.decision
            }),
            None,
        ),
        (Party::External(net), Party::Workload(d)) => (
            Side::External,
            external_side(engine, *d, PolicyType::Ingress, net, q),
            None,
            single(net).map(|ip| {
                let v = engine.verdict(&ip, &Endpoint::Workload(*d), q.port, q.protocol);
                v.ingress.decision
            }),
        ),
        (Party::External(_), Party::External(_)) => {
            return Err("--from and --to are both external; one must be a workload".into());
        }
    };
    Ok(Answer {
        question: q.clone(),
        allowed: egress.allows() && ingress.allows(),
        egress,
        ingress,
        egress_decision,
        ingress_decision,
    })
}

/// The endpoint of a one-address range.
fn single(net: &IpNet) -> Option<Endpoint> {
    (net.prefix_len() == net.max_prefix_len()).then(|| Endpoint::External(net.addr()))
}

/// A workload's side towards a workload peer, from its verdict.
fn workload_side(dv: DirectionVerdict, access: Access, peer: usize) -> Side {
    if access == Access::All {
        return Side::Open;
    }
    let admitted_by = match (&dv.decision.rule, dv.decision.tier) {
        (Some(rule), _) if dv.allowed => vec![rule.as_rule_ref()],
        (_, DecidingTier::NetworkPolicy) => dv.allowed_by,
        _ => Vec::new(),
    };
    Side::Isolated {
        by: dv.isolated_by,
        coverage: if dv.allowed {
            Coverage::All
        } else {
            Coverage::None
        },
        admitted_by,
        peer_ports: access.workload_ports(peer),
        cilium: Box::new(dv.cilium),
    }
}

/// The side of workload `w` in `dir` towards the external range `net`.
fn external_side(
    engine: &Engine<'_>,
    w: usize,
    dir: PolicyType,
    net: &IpNet,
    q: &Question,
) -> Side {
    let access = match dir {
        PolicyType::Ingress => engine.ingress_access(w),
        PolicyType::Egress => engine.egress_access(w),
    };
    let Access::Some { external, .. } = access else {
        return Side::Open;
    };
    let relevant = |peer: &ExternalPeer| match peer {
        ExternalPeer::Any => true,
        ExternalPeer::IpBlock(b) => overlaps(net, b),
    };
    let mut blocks = Vec::new();
    let mut admitted_by = Vec::new();
    let mut peer_ports = PortSet::empty();
    let mut cilium = match single(net) {
        Some(ip) => {
            let v = match dir {
                PolicyType::Ingress => {
                    engine.verdict(&ip, &Endpoint::Workload(w), q.port, q.protocol)
                }
                PolicyType::Egress => {
                    engine.verdict(&Endpoint::Workload(w), &ip, q.port, q.protocol)
                }
            };
            let mut ev = match dir {
                PolicyType::Ingress => v.ingress.cilium,
                PolicyType::Egress => v.egress.cilium,
            };
            ev.allowed_by.clear();
            ev
        }
        None => CiliumEvidence {
            isolated_by: engine.cilium_isolating(w, dir),
            fqdn: match dir {
                PolicyType::Egress => engine
                    .fqdn_grants(w)
                    .into_iter()
                    .filter(|g| g.ports.contains(q.port, q.protocol))
                    .collect(),
                PolicyType::Ingress => Vec::new(),
            },
            ..CiliumEvidence::default()
        },
    };
    for g in external.iter().filter(|g| relevant(&g.peer)) {
        peer_ports.insert_all(&g.ports);
        if g.ports.contains(q.port, q.protocol) {
            match &g.cilium {
                Some(c) if !cilium.allowed_by.contains(c) => cilium.allowed_by.push(c.clone()),
                Some(_) => {}
                None if g.decision.tier != DecidingTier::Default => {
                    admitted_by.push(g.rule.clone())
                }
                None => {}
            }
            blocks.push(match &g.peer {
                ExternalPeer::Any => None,
                ExternalPeer::IpBlock(b) => Some(b),
            });
        }
    }
    Side::Isolated {
        by: engine.isolating_policies(w, dir),
        admitted_by,
        coverage: coverage(net, &blocks),
        peer_ports,
        cilium: Box::new(cilium),
    }
}
