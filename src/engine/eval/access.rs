//! Per-workload access sets: everything one direction of a workload admits.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::k8s::PolicyType;

use super::super::ir::{CompiledRule, PeerMatcher, Peers, RuleRef};
use super::super::ports::PortSet;
use super::super::tiers::{DecidingTier, Decision};
use super::{Access, Engine, ExternalAccess, ExternalPeer};

impl Access {
    /// The isolated-and-nothing-allowed access.
    pub fn none() -> Access {
        Access::Some {
            workloads: BTreeMap::new(),
            external: Vec::new(),
        }
    }

    /// Ports admitted for peer workload `w`.
    pub fn workload_ports(&self, w: usize) -> PortSet {
        match self {
            Access::All => PortSet::full(),
            Access::Some { workloads, .. } => workloads.get(&w).cloned().unwrap_or_default(),
        }
    }

    /// Ports admitted for the external address `ip` (union over entries).
    pub fn external_ports(&self, ip: IpAddr) -> PortSet {
        match self {
            Access::All => PortSet::full(),
            Access::Some { external, .. } => {
                let mut out = PortSet::empty();
                for e in external {
                    let hit = match &e.peer {
                        ExternalPeer::Any => true,
                        ExternalPeer::IpBlock(b) => b.contains(ip),
                    };
                    if hit {
                        out.insert_all(&e.ports);
                    }
                }
                out
            }
        }
    }
}

/// Accumulates the `Access::Some` fields.
#[derive(Default)]
struct Acc {
    workloads: BTreeMap<usize, PortSet>,
    external: Vec<ExternalAccess>,
}

impl Acc {
    fn add(&mut self, w: usize, ports: &PortSet) {
        if !ports.is_empty() {
            self.workloads.entry(w).or_default().insert_all(ports);
        }
    }

    fn add_external(&mut self, rule: RuleRef, peer: ExternalPeer, ports: PortSet) {
        if !ports.is_empty() {
            self.external.push(ExternalAccess {
                rule,
                peer,
                ports,
                decision: Decision::by(DecidingTier::NetworkPolicy),
                cilium: None,
            });
        }
    }

    fn finish(self) -> Access {
        Access::Some {
            workloads: self.workloads,
            external: self.external,
        }
    }
}

impl Engine<'_> {
    /// What may enter workload `dst` by its ingress policies:
    /// [`Access::All`] if not ingress-isolated, else the source workloads
    /// and external ranges admitted, with ports resolved against `dst`'s
    /// container ports. An unknown index gives [`Access::none`].
    ///
    /// With tier policies applying to `dst`, the answer includes them
    /// (`Access::All` only if nothing is denied), and external grants carry
    /// the deciding tier in [`ExternalAccess::decision`].
    pub fn ingress_access(&self, dst: usize) -> Access {
        if dst < self.cluster.workloads.len() && self.tiers_apply(dst, PolicyType::Ingress) {
            return self.tiered_access(PolicyType::Ingress, dst);
        }
        self.np_ingress_access(dst)
    }

    /// [`Engine::ingress_access`] of the NetworkPolicy tier: NetworkPolicies
    /// and Cilium policies.
    pub(super) fn np_ingress_access(&self, dst: usize) -> Access {
        let np = self.k8s_ingress_access(dst);
        if self.cilium_touches(dst, PolicyType::Ingress) {
            return self.cilium_access(PolicyType::Ingress, dst, np);
        }
        np
    }

    /// [`Engine::ingress_access`] of NetworkPolicy alone.
    fn k8s_ingress_access(&self, dst: usize) -> Access {
        let Some(target) = self.cluster.workloads.get(dst) else {
            return Access::none();
        };
        let selecting = self.selecting(dst, PolicyType::Ingress);
        if selecting.is_empty() {
            return Access::All;
        }
        let mut acc = Acc::default();
        for &pid in selecting {
            let p = &self.policies[pid];
            for (ri, rule) in p.ingress.as_deref().unwrap_or_default().iter().enumerate() {
                let ports = rule.ports.resolve(&target.ports);
                if ports.is_empty() {
                    continue;
                }
                self.for_each_peer(rule, |t| match t {
                    Target::Workload(w) => acc.add(w, &ports),
                    Target::External(peer_idx, peer) => {
                        let rule_ref = p.rule_ref(PolicyType::Ingress, ri, peer_idx);
                        acc.add_external(rule_ref, peer, ports.clone());
                    }
                });
            }
        }
        acc.finish()
    }

    /// What may leave workload `src` by its egress policies:
    /// [`Access::All`] if not egress-isolated, else the destination
    /// workloads (named ports resolved against each destination) and
    /// external ranges (named ports resolve to nothing there). An unknown
    /// index gives [`Access::none`]. Tier policies are included as in
    /// [`Engine::ingress_access`].
    pub fn egress_access(&self, src: usize) -> Access {
        if src < self.cluster.workloads.len() && self.tiers_apply(src, PolicyType::Egress) {
            return self.tiered_access(PolicyType::Egress, src);
        }
        self.np_egress_access(src)
    }

    /// [`Engine::egress_access`] of the NetworkPolicy tier.
    pub(super) fn np_egress_access(&self, src: usize) -> Access {
        let np = self.k8s_egress_access(src);
        if self.cilium_touches(src, PolicyType::Egress) {
            return self.cilium_access(PolicyType::Egress, src, np);
        }
        np
    }

    /// [`Engine::egress_access`] of NetworkPolicy alone.
    fn k8s_egress_access(&self, src: usize) -> Access {
        if src >= self.cluster.workloads.len() {
            return Access::none();
        }
        let selecting = self.selecting(src, PolicyType::Egress);
        if selecting.is_empty() {
            return Access::All;
        }
        let mut acc = Acc::default();
        for &pid in selecting {
            let p = &self.policies[pid];
            for (ri, rule) in p.egress.as_deref().unwrap_or_default().iter().enumerate() {
                let fixed = rule
                    .ports
                    .is_dst_independent()
                    .then(|| rule.ports.resolve(&[]));
                if fixed.as_ref().is_some_and(PortSet::is_empty) {
                    continue;
                }
                let workloads = &self.cluster.workloads;
                self.for_each_peer(rule, |t| match t {
                    Target::Workload(w) => match &fixed {
                        Some(ports) => acc.add(w, ports),
                        None => acc.add(w, &rule.ports.resolve(&workloads[w].ports)),
                    },
                    Target::External(peer_idx, peer) => {
                        let rule_ref = p.rule_ref(PolicyType::Egress, ri, peer_idx);
                        let ports = fixed.clone().unwrap_or_else(|| rule.ports.resolve(&[]));
                        acc.add_external(rule_ref, peer, ports);
                    }
                });
            }
        }
        acc.finish()
    }

    /// Calls `f` for every workload the rule's peers match (a workload
    /// matched by several peers is reported once per peer) and for every
    /// external peer with its index in the list (`None` for a rule without
    /// peers).
    fn for_each_peer(&self, rule: &CompiledRule, mut f: impl FnMut(Target)) {
        match &rule.peers {
            Peers::Any => {
                (0..self.cluster.workloads.len()).for_each(|w| f(Target::Workload(w)));
                f(Target::External(None, ExternalPeer::Any));
            }
            Peers::List(list) => {
                for (pi, m) in list.iter().enumerate() {
                    match m {
                        PeerMatcher::Pods { namespaces, pods } => {
                            for &ns in namespaces.ids() {
                                for &w in self.index.candidates(ns, pods) {
                                    if pods.matches(&self.cluster.workloads[w].labels) {
                                        f(Target::Workload(w));
                                    }
                                }
                            }
                        }
                        PeerMatcher::IpBlock(b) => {
                            f(Target::External(Some(pi), ExternalPeer::IpBlock(b.clone())))
                        }
                        PeerMatcher::Nothing => {}
                    }
                }
            }
        }
    }
}

/// Something a rule's peers match.
enum Target {
    Workload(usize),
    External(Option<usize>, ExternalPeer),
}
