//! Questions to the compiled Cilium rules: the evidence for one
//! connection, the ports allowed or denied towards one peer workload, the
//! external grants and denials, and the FQDN grants of a workload.

use crate::k8s::cilium::{CiliumPort, CiliumPortSpec, L7Rules};
use crate::k8s::{ContainerPort, PolicyType, Protocol};

use super::super::eval::{Endpoint, ExternalPeer};
use super::super::ports::PortSet;
use super::super::tiers::compile::slot;
use super::compile::{CPeer, CPeers, CPorts, CRule, CompiledCilium, family_block};
use super::evidence::{CiliumEvidence, CiliumRuleRef, FqdnGrant, L7Constraint};

/// The ports of one `ports[]` entry towards a destination with `dst`
/// container ports. `ANY` is TCP, UDP and SCTP; a named port resolves to
/// the destination's container ports of that name, on their own protocol
/// when the entry has none (`PortProtocol.Protocol`: "Named port specified
/// for a container may narrow this down, but may not contradict this").
pub(crate) fn entry_ports(e: &CiliumPort, dst: &[ContainerPort]) -> PortSet {
    let protocols: &[Protocol] = match &e.protocol {
        Some(p) => std::slice::from_ref(p),
        None => &Protocol::ALL,
    };
    let mut out = PortSet::empty();
    match &e.port {
        CiliumPortSpec::All => {
            for p in protocols {
                out.insert_all(&PortSet::all_of(*p));
            }
        }
        CiliumPortSpec::Range(lo, hi) => {
            for p in protocols {
                out.insert_all(&PortSet::range(*p, *lo, *hi));
            }
        }
        CiliumPortSpec::Named(name) => {
            for cp in dst {
                if cp.name.as_deref() == Some(name) && protocols.contains(&cp.protocol) {
                    out.insert_all(&PortSet::single(cp.protocol, cp.port));
                }
            }
        }
    }
    out
}

impl CPorts {
    /// Every port admitted towards `dst`.
    pub(crate) fn resolve(&self, dst: &[ContainerPort]) -> PortSet {
        match self {
            CPorts::All => PortSet::full(),
            CPorts::None => PortSet::empty(),
            CPorts::List(entries) => {
                let mut out = PortSet::empty();
                for (ports, _) in entries {
                    for e in ports {
                        out.insert_all(&entry_ports(e, dst));
                    }
                }
                out
            }
        }
    }

    /// The L7 rules of every `toPorts` entry matching the port (`None`
    /// entries for a match without L7 rules).
    fn matching(&self, port: u16, protocol: Protocol, dst: &[ContainerPort]) -> Vec<&L7Rules> {
        static NONE: L7Rules = L7Rules::None;
        match self {
            CPorts::All => vec![&NONE],
            CPorts::None => Vec::new(),
            CPorts::List(entries) => entries
                .iter()
                .filter(|(ports, _)| {
                    ports
                        .iter()
                        .any(|e| entry_ports(e, dst).contains(port, protocol))
                })
                .map(|(_, l7)| l7)
                .collect(),
        }
    }
}

impl CompiledCilium {
    fn rule_ref(&self, sid: usize, dir: PolicyType, deny: bool, r: &CRule) -> CiliumRuleRef {
        let s = &self.specs[sid];
        CiliumRuleRef {
            policy: s.policy.clone(),
            spec: s.spec,
            direction: dir,
            deny,
            rule: r.index,
            peer: None,
        }
    }

    /// `(rule ref, rule)` for every allow (or deny) rule of the specs
    /// selecting `w` in `dir`, and for each the peers matching `peer`.
    fn each_match(
        &self,
        dir: PolicyType,
        w: usize,
        deny: bool,
        peer: &Endpoint,
        mut f: impl FnMut(CiliumRuleRef, &CRule),
    ) {
        for &sid in self.selecting(dir, w) {
            let s = &self.specs[sid];
            let rules = if deny { &s.deny } else { &s.allow };
            for r in &rules[slot(dir)] {
                let base = self.rule_ref(sid, dir, deny, r);
                match &r.peers {
                    CPeers::Nothing => {}
                    CPeers::Every => f(base, r),
                    CPeers::List(list) => {
                        for (field, i, m) in list {
                            let hit = match peer {
                                Endpoint::Workload(p) => m.matches_workload(*p),
                                Endpoint::External(ip) => m.matches_ip(*ip),
                            };
                            if hit {
                                let mut at = base.clone();
                                at.peer = Some((field, *i));
                                f(at, r);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The evidence for one direction at workload `w` towards `peer` on
    /// `port`/`protocol`; `np_admits` is true when a NetworkPolicy rule
    /// admits it (an L4 rule: it lifts L7 restrictions on the port).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn evidence(
        &self,
        dir: PolicyType,
        w: usize,
        peer: &Endpoint,
        dst: &[ContainerPort],
        port: u16,
        protocol: Protocol,
        np_admits: bool,
    ) -> CiliumEvidence {
        let mut ev = CiliumEvidence::default();
        for &sid in self.isolating(dir, w) {
            let p = &self.specs[sid].policy;
            if !ev.isolated_by.contains(p) {
                ev.isolated_by.push(p.clone());
            }
        }
        let mut l4_only = np_admits;
        let mut l7 = L7Constraint::default();
        self.each_match(dir, w, false, peer, |at, r| {
            let hits = r.ports.matching(port, protocol, dst);
            if hits.is_empty() {
                return;
            }
            for rules in hits {
                match rules {
                    L7Rules::None => l4_only = true,
                    L7Rules::Http(h) => l7.http.extend(h.iter().map(|x| (at.clone(), x.clone()))),
                    L7Rules::Dns(d) => l7.dns.extend(d.iter().map(|x| (at.clone(), x.clone()))),
                    L7Rules::NotEvaluated(k) => l7.other.push((at.clone(), k)),
                }
            }
            ev.allowed_by.push(at);
        });
        ev.l7_lifted = l4_only && !l7.is_empty();
        ev.l7 = (!l4_only && !l7.is_empty()).then_some(l7);
        self.each_match(dir, w, true, peer, |at, r| {
            if !r.ports.matching(port, protocol, dst).is_empty() {
                ev.denied_by.push(at);
            }
        });
        if let (PolicyType::Egress, Endpoint::External(_)) = (dir, peer)
            && ev.denied_by.is_empty()
        {
            ev.fqdn = self
                .fqdn_grants(w)
                .into_iter()
                .filter(|g| g.ports.contains(port, protocol))
                .collect();
        }
        ev
    }

    /// Ports towards (ingress: from) peer workload `peer` that the allow
    /// rules (or, with `deny`, the deny rules) admit; `dst` are the
    /// destination's container ports.
    pub(crate) fn workload_ports(
        &self,
        dir: PolicyType,
        w: usize,
        peer: usize,
        dst: &[ContainerPort],
        deny: bool,
    ) -> PortSet {
        let mut out = PortSet::empty();
        self.each_match(dir, w, deny, &Endpoint::Workload(peer), |_, r| {
            out.insert_all(&r.ports.resolve(dst));
        });
        out
    }

    /// External addresses the allow (or deny) rules of `w` in `dir` name,
    /// with their ports resolved against `dst` (the workload's own ports
    /// for ingress; none for egress, where named ports match nothing),
    /// one entry per rule peer.
    pub(crate) fn external(
        &self,
        dir: PolicyType,
        w: usize,
        deny: bool,
        dst: &[ContainerPort],
    ) -> Vec<(CiliumRuleRef, ExternalPeer, PortSet)> {
        let mut out = Vec::new();
        for &sid in self.selecting(dir, w) {
            let s = &self.specs[sid];
            let rules = if deny { &s.deny } else { &s.allow };
            for r in &rules[slot(dir)] {
                let ports = r.ports.resolve(dst);
                if ports.is_empty() {
                    continue;
                }
                let base = self.rule_ref(sid, dir, deny, r);
                let list = match &r.peers {
                    CPeers::Nothing => continue,
                    CPeers::Every => {
                        out.push((base, ExternalPeer::Any, ports));
                        continue;
                    }
                    CPeers::List(list) => list,
                };
                for (field, i, m) in list {
                    let peer = match m {
                        CPeer::Everything | CPeer::World(None) => ExternalPeer::Any,
                        CPeer::World(Some(v4)) => ExternalPeer::IpBlock(family_block(*v4)),
                        CPeer::Cidr(b) => ExternalPeer::IpBlock(b.clone()),
                        _ => continue,
                    };
                    let mut at = base.clone();
                    at.peer = Some((field, *i));
                    out.push((at, peer, ports.clone()));
                }
            }
        }
        out
    }

    /// The `toFQDNs` grants of workload `w`, when it is in egress default
    /// deny (otherwise every address is allowed anyway).
    pub(crate) fn fqdn_grants(&self, w: usize) -> Vec<FqdnGrant> {
        let dir = PolicyType::Egress;
        if self.isolating(dir, w).is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for &sid in self.selecting(dir, w) {
            for r in &self.specs[sid].allow[slot(dir)] {
                let CPeers::List(list) = &r.peers else {
                    continue;
                };
                let names: Vec<_> = list
                    .iter()
                    .filter_map(|(_, _, m)| match m {
                        CPeer::Fqdn(f) => Some(f.clone()),
                        _ => None,
                    })
                    .collect();
                let Some((field, i, _)) = list.iter().find(|(_, _, m)| matches!(m, CPeer::Fqdn(_)))
                else {
                    continue;
                };
                let ports = r.ports.resolve(&[]);
                if ports.is_empty() {
                    continue;
                }
                let mut rule = self.rule_ref(sid, dir, false, r);
                rule.peer = Some((field, *i));
                let http = match &r.ports {
                    CPorts::List(entries) => entries
                        .iter()
                        .flat_map(|(_, l7)| match l7 {
                            L7Rules::Http(h) => h.clone(),
                            _ => Vec::new(),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                out.push(FqdnGrant {
                    rule,
                    names,
                    ports,
                    http,
                });
            }
        }
        out
    }
}
