//! Cilium policies joined to the NetworkPolicy answer (semantics and
//! sources: `super::super::cilium`). A direction is isolated if a
//! NetworkPolicy or a Cilium policy isolates it; then it admits what a
//! rule of either kind admits; a Cilium deny rule always wins. Every
//! function here is reached only when some Cilium policy selects the
//! workload in that direction.

use std::collections::BTreeMap;

use crate::k8s::{ContainerPort, PolicyType, Protocol};

use super::super::cilium::{CiliumPolicyRef, FqdnGrant};
use super::super::ir::{PolicyRef, RuleRef};
use super::super::ports::PortSet;
use super::super::tiers::region::{Addrs, Piece};
use super::super::tiers::{DecidingTier, Decision};
use super::tiered::{default_rule, push};
use super::{Access, DirectionVerdict, Endpoint, Engine, ExternalAccess};

impl Engine<'_> {
    /// True if a Cilium policy puts workload `w` in default deny for `dir`.
    pub(super) fn cilium_isolates(&self, w: usize, dir: PolicyType) -> bool {
        !self.cilium.isolating(dir, w).is_empty()
    }

    /// True if a Cilium policy with rules in `dir` selects workload `w`.
    pub(super) fn cilium_touches(&self, w: usize, dir: PolicyType) -> bool {
        !self.cilium.selecting(dir, w).is_empty()
    }

    /// Cilium policies selecting workload `w` with rules in `dir`, in
    /// cluster order, each once.
    pub fn cilium_policies(&self, w: usize, dir: PolicyType) -> Vec<CiliumPolicyRef> {
        let mut out: Vec<CiliumPolicyRef> = Vec::new();
        for &sid in self.cilium.selecting(dir, w) {
            let p = &self.cilium.specs[sid].policy;
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        out
    }

    /// Cilium policies putting workload `w` in default deny for `dir`, in
    /// cluster order, each once.
    pub fn cilium_isolating(&self, w: usize, dir: PolicyType) -> Vec<CiliumPolicyRef> {
        let mut out: Vec<CiliumPolicyRef> = Vec::new();
        for &sid in self.cilium.isolating(dir, w) {
            let p = &self.cilium.specs[sid].policy;
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        out
    }

    /// The `toFQDNs` grants of workload `w`: names it may reach at run
    /// time, and on which ports. Empty when it is not in egress default
    /// deny (everything is allowed then) or for an unknown index.
    pub fn fqdn_grants(&self, w: usize) -> Vec<FqdnGrant> {
        if self.cilium.is_empty() {
            return Vec::new();
        }
        self.cilium.fqdn_grants(w)
    }

    /// Adds the Cilium evidence to a NetworkPolicy verdict and settles it;
    /// true if the NetworkPolicy tier decides (something isolates the
    /// direction, or a deny rule matches).
    pub(super) fn with_cilium(
        &self,
        v: &mut DirectionVerdict,
        dir: PolicyType,
        subject: usize,
        peer: &Endpoint,
        dst: &[ContainerPort],
        (port, protocol): (u16, Protocol),
    ) -> bool {
        let np_isolated = !v.isolated_by.is_empty() || self.is_k8s_isolated(subject, dir);
        if !self.cilium_touches(subject, dir) {
            return np_isolated;
        }
        let np_admits = !v.allowed_by.is_empty();
        let ev = self
            .cilium
            .evidence(dir, subject, peer, dst, port, protocol, np_admits);
        let isolated = np_isolated || !ev.isolated_by.is_empty();
        let denied = !ev.denied_by.is_empty();
        v.allowed = (!isolated || np_admits || !ev.allowed_by.is_empty()) && !denied;
        if isolated || denied {
            v.decision = Decision::by(DecidingTier::NetworkPolicy);
        }
        v.cilium = ev;
        isolated || denied
    }

    fn is_k8s_isolated(&self, w: usize, dir: PolicyType) -> bool {
        !self.selecting(w, dir).is_empty()
    }

    /// Ports Cilium deny rules drop from (or to) peer workload `peer`.
    pub(super) fn cilium_denied_ports(
        &self,
        dir: PolicyType,
        subject: usize,
        peer: usize,
        dst: &[ContainerPort],
    ) -> PortSet {
        self.cilium.workload_ports(dir, subject, peer, dst, true)
    }

    /// [`Engine::np_direction_ports`] with Cilium: `np` is what
    /// NetworkPolicy alone allows.
    pub(super) fn cilium_direction_ports(
        &self,
        dir: PolicyType,
        subject: usize,
        peer: usize,
        dst: &[ContainerPort],
        np: PortSet,
    ) -> PortSet {
        let mut ports = if self.is_isolated(subject, dir) {
            let mut s = if self.is_k8s_isolated(subject, dir) {
                np
            } else {
                PortSet::empty()
            };
            s.insert_all(&self.cilium.workload_ports(dir, subject, peer, dst, false));
            s
        } else {
            PortSet::full()
        };
        let denied = self.cilium_denied_ports(dir, subject, peer, dst);
        if !denied.is_empty() {
            ports = ports.difference(&denied);
        }
        ports
    }

    /// The NetworkPolicy-tier access of workload `w` in `dir` with Cilium:
    /// `np` is the access of NetworkPolicy alone.
    pub(super) fn cilium_access(&self, dir: PolicyType, w: usize, np: Access) -> Access {
        let isolated = self.is_isolated(w, dir);
        let workloads = &self.cluster.workloads;
        let own = workloads[w].ports.as_slice();
        let mut restricted = isolated;
        let mut allowed = BTreeMap::new();
        for (p, peer) in workloads.iter().enumerate() {
            let dst = match dir {
                PolicyType::Ingress => own,
                PolicyType::Egress => peer.ports.as_slice(),
            };
            let np_ports = match &np {
                Access::All => PortSet::empty(),
                some => some.workload_ports(p),
            };
            let ports = self.cilium_direction_ports(dir, w, p, dst, np_ports);
            restricted |= !ports.is_full();
            if !ports.is_empty() {
                allowed.insert(p, ports);
            }
        }
        let mut grants = Vec::new();
        if isolated {
            if let Access::Some { external, .. } = np {
                grants = external;
            }
            for (rule, peer, ports) in
                self.cilium
                    .external(dir, w, false, self.external_dst(dir, w))
            {
                grants.push(ExternalAccess {
                    rule: RuleRef {
                        policy: PolicyRef {
                            namespace: rule.policy.namespace.clone(),
                            name: rule.policy.name.clone(),
                        },
                        direction: dir,
                        rule: rule.rule,
                        peer: None,
                    },
                    peer,
                    ports,
                    decision: Decision::by(DecidingTier::NetworkPolicy),
                    cilium: Some(rule),
                });
            }
        } else {
            grants.push(ExternalAccess {
                rule: default_rule(dir),
                peer: super::ExternalPeer::Any,
                ports: PortSet::full(),
                decision: Decision::default(),
                cilium: None,
            });
        }
        let (external, denied) = self.cilium_cut_grants(dir, w, grants);
        if !restricted && !denied {
            return Access::All;
        }
        Access::Some {
            workloads: allowed,
            external,
        }
    }

    /// The ports named ports resolve against between `w` and an external
    /// address: its own for ingress, none for egress.
    fn external_dst(&self, dir: PolicyType, w: usize) -> &[ContainerPort] {
        match dir {
            PolicyType::Ingress => self.cluster.workloads[w].ports.as_slice(),
            PolicyType::Egress => &[],
        }
    }

    /// The external deny regions of `w` in `dir`.
    fn deny_regions(&self, dir: PolicyType, w: usize) -> Vec<(Addrs, PortSet)> {
        self.cilium
            .external(dir, w, true, self.external_dst(dir, w))
            .into_iter()
            .filter_map(|(_, peer, ports)| Some((Addrs::of_peer(&peer)?, ports)))
            .collect()
    }

    /// `grants` less what Cilium deny rules drop, and whether they drop
    /// anything.
    fn cilium_cut_grants(
        &self,
        dir: PolicyType,
        w: usize,
        grants: Vec<ExternalAccess>,
    ) -> (Vec<ExternalAccess>, bool) {
        let regions = self.deny_regions(dir, w);
        if regions.is_empty() {
            return (grants, false);
        }
        let mut out = Vec::new();
        let mut denied = false;
        for g in grants {
            let Some(addrs) = Addrs::of_peer(&g.peer) else {
                continue;
            };
            let whole = Piece {
                addrs,
                ports: g.ports.clone(),
                passed: Vec::new(),
            };
            let (pieces, cut) = cut(vec![whole.clone()], &regions);
            denied |= cut;
            if !cut {
                out.push(g);
                continue;
            }
            for piece in &pieces {
                push(
                    &mut out,
                    piece,
                    (g.rule.clone(), g.cilium.clone()),
                    g.decision.clone(),
                );
            }
        }
        (out, denied)
    }

    /// Pieces of the external space less what Cilium deny rules of `w`
    /// drop, and whether they drop anything.
    pub(super) fn cilium_cut(
        &self,
        dir: PolicyType,
        w: usize,
        pieces: Vec<Piece>,
    ) -> (Vec<Piece>, bool) {
        if !self.cilium_touches(w, dir) {
            return (pieces, false);
        }
        cut(pieces, &self.deny_regions(dir, w))
    }
}

fn cut(mut pieces: Vec<Piece>, regions: &[(Addrs, PortSet)]) -> (Vec<Piece>, bool) {
    let mut denied = false;
    for (addrs, ports) in regions {
        let mut next = Vec::new();
        for p in pieces {
            let rest = p.minus(addrs, ports);
            denied |= rest.len() != 1 || rest[0] != p;
            next.extend(rest);
        }
        pieces = next;
    }
    (pieces, denied)
}
