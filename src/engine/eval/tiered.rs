//! The cluster-wide tiers around the NetworkPolicy answer, per direction:
//! Admin tier, then NetworkPolicy if it isolates the workload, else the
//! Baseline tier, then allow. One connection takes the first matching
//! rule of each tier (`tier_decide`); access sets split every port, and
//! every external (address, port) pair, the same way (`tiered_ports`,
//! `tiered_access`). Semantics and sources: `super::super::tiers`.

use std::collections::BTreeMap;

use crate::k8s::{ContainerPort, PolicyType, Protocol};

use super::super::cilium::CiliumRuleRef;
use super::super::ir::{PolicyRef, RuleRef};
use super::super::ports::PortSet;
use super::super::tiers::Tier;
use super::super::tiers::region::{Addrs, Piece};
use super::super::tiers::walk::Against;
use super::super::tiers::{DecidingTier, Decision, TierAction, TierPolicyRef, TierRuleRef};
use super::{Access, Endpoint, Engine, ExternalAccess};

impl Engine<'_> {
    /// True if a tier can decide anything for workload `w` in `dir`: an
    /// Admin policy selects it, or a Baseline policy does and no
    /// NetworkPolicy isolates it (NetworkPolicy then decides everything).
    pub(super) fn tiers_apply(&self, w: usize, dir: PolicyType) -> bool {
        !self.tiers.is_empty()
            && (!self.tiers.selecting(Tier::Admin, w, dir).is_empty()
                || (!self.is_isolated(w, dir)
                    && !self.tiers.selecting(Tier::Baseline, w, dir).is_empty()))
    }

    /// Tier policies whose subject selects workload `w` and that have rules
    /// in `dir`, in evaluation order (Admin, then Baseline).
    pub fn tier_policies(&self, w: usize, dir: PolicyType) -> Vec<TierPolicyRef> {
        [Tier::Admin, Tier::Baseline]
            .into_iter()
            .flat_map(|t| self.tiers.selecting(t, w, dir))
            .map(|&pid| self.tiers.policies[pid].id.clone())
            .collect()
    }

    fn against(&self, e: &Endpoint) -> Option<Against<'_>> {
        match e {
            Endpoint::Workload(w) => Some(Against::Workload {
                ns: self.index.ns_of(*w)?,
                labels: &self.cluster.workloads.get(*w)?.labels,
            }),
            Endpoint::External(ip) => Some(Against::External(*ip)),
        }
    }

    /// One direction of one connection through the tiers. `np` is the
    /// NetworkPolicy answer if NetworkPolicy isolates `subject`.
    pub(super) fn tier_decide(
        &self,
        dir: PolicyType,
        subject: usize,
        peer: &Endpoint,
        dst: &[ContainerPort],
        (port, protocol): (u16, Protocol),
        np: Option<bool>,
    ) -> (bool, Decision) {
        let Some(against) = self.against(peer) else {
            return (false, Decision::default());
        };
        let mut d = Decision::default();
        for (tier, deciding) in [
            (Tier::Admin, DecidingTier::Admin),
            (Tier::Baseline, DecidingTier::Baseline),
        ] {
            if tier == Tier::Baseline
                && let Some(allowed) = np
            {
                d.tier = DecidingTier::NetworkPolicy;
                return (allowed, d);
            }
            let pids = self.tiers.selecting(tier, subject, dir);
            let Some((pid, rule)) = self
                .tiers
                .first_match(pids, dir, against, port, protocol, dst)
            else {
                continue;
            };
            let t = &self.tiers;
            d.tied
                .extend(t.ties(pids, pid, rule.action, dir, against, port, protocol, dst));
            match rule.action {
                TierAction::Pass => d.passed.push(rule),
                action => {
                    d.tier = deciding;
                    d.rule = Some(rule);
                    return (action == TierAction::Accept, d);
                }
            }
        }
        (true, d)
    }

    /// The ports allowed from one peer workload (or to it) in one
    /// direction; `np` is the NetworkPolicy answer if it isolates
    /// `subject`. The flag is true if anything is denied.
    pub(super) fn tiered_ports(
        &self,
        dir: PolicyType,
        subject: usize,
        peer: usize,
        dst: &[ContainerPort],
        np: Option<PortSet>,
    ) -> (PortSet, bool) {
        let Some(against) = self.against(&Endpoint::Workload(peer)) else {
            return (PortSet::empty(), true);
        };
        let admin = self.tiers.selecting(Tier::Admin, subject, dir);
        let a = self
            .tiers
            .walk_ports(admin, dir, against, dst, PortSet::full());
        let mut allowed = a.accepted;
        let mut to_np = a.passed.union(&a.rest);
        // Where nothing isolates, Cilium deny rules still decide their ports.
        let mut cilium_denied = false;
        if np.is_none() && self.cilium_touches(subject, dir) {
            let denied = self.cilium_denied_ports(dir, subject, peer, dst);
            cilium_denied = !to_np.intersection(&denied).is_empty();
            to_np = to_np.difference(&denied);
        }
        match np {
            Some(np) => {
                allowed.insert_all(&to_np.intersection(&np));
                (allowed, true)
            }
            None => {
                let baseline = self.tiers.selecting(Tier::Baseline, subject, dir);
                let b = self.tiers.walk_ports(baseline, dir, against, dst, to_np);
                allowed.insert_all(&b.accepted);
                allowed.insert_all(&b.passed);
                allowed.insert_all(&b.rest);
                (allowed, a.denied || b.denied || cilium_denied)
            }
        }
    }

    /// [`Engine::ingress_access`] / [`Engine::egress_access`] of a workload
    /// some tier applies to.
    pub(super) fn tiered_access(&self, dir: PolicyType, w: usize) -> Access {
        let isolated = self.is_isolated(w, dir);
        let np = match dir {
            _ if !isolated => Access::All,
            PolicyType::Ingress => self.np_ingress_access(w),
            PolicyType::Egress => self.np_egress_access(w),
        };
        let mut restricted = isolated;
        let mut workloads = BTreeMap::new();
        let own = self.cluster.workloads[w].ports.as_slice();
        for (p, peer) in self.cluster.workloads.iter().enumerate() {
            let dst = match dir {
                PolicyType::Ingress => own,
                PolicyType::Egress => peer.ports.as_slice(),
            };
            let np_ports = isolated.then(|| np.workload_ports(p));
            let (ports, denied) = self.tiered_ports(dir, w, p, dst, np_ports);
            restricted |= denied;
            if !ports.is_empty() {
                workloads.insert(p, ports);
            }
        }
        let (external, denied) = self.tiered_external(dir, w, &np);
        if restricted || denied {
            Access::Some {
                workloads,
                external,
            }
        } else {
            Access::All
        }
    }

    /// The external grants of workload `w` in `dir`, and whether anything
    /// is denied. Grants are disjoint pieces: Admin accepts, then
    /// NetworkPolicy grants cut to what the Admin tier left, or else
    /// Baseline accepts and what is left to the default.
    fn tiered_external(
        &self,
        dir: PolicyType,
        w: usize,
        np: &Access,
    ) -> (Vec<ExternalAccess>, bool) {
        let mut out = Vec::new();
        let admin = self.tiers.selecting(Tier::Admin, w, dir);
        let a = self
            .tiers
            .walk_region(admin, dir, vec![Piece::everything()]);
        for (piece, rule) in a.accepted {
            push(
                &mut out,
                &piece,
                (rule.as_rule_ref(), None),
                tier_decision(DecidingTier::Admin, &piece, rule),
            );
        }
        let mut to_np = a.passed;
        to_np.extend(a.rest);
        match np {
            Access::Some { external, .. } => {
                for grant in external {
                    let Some(addrs) = Addrs::of_peer(&grant.peer) else {
                        continue;
                    };
                    for piece in &to_np {
                        let Some(cut) = piece.addrs.intersect_addrs(&addrs) else {
                            continue;
                        };
                        let part = Piece {
                            addrs: cut,
                            ports: piece.ports.intersection(&grant.ports),
                            passed: piece.passed.clone(),
                        };
                        let decision = Decision {
                            passed: piece.passed.clone(),
                            ..Decision::by(DecidingTier::NetworkPolicy)
                        };
                        let rule = (grant.rule.clone(), grant.cilium.clone());
                        push(&mut out, &part, rule, decision);
                    }
                }
                (out, true)
            }
            Access::All => {
                let (to_np, cilium_denied) = self.cilium_cut(dir, w, to_np);
                let baseline = self.tiers.selecting(Tier::Baseline, w, dir);
                let b = self.tiers.walk_region(baseline, dir, to_np);
                for (piece, rule) in b.accepted {
                    let decision = tier_decision(DecidingTier::Baseline, &piece, rule.clone());
                    push(&mut out, &piece, (rule.as_rule_ref(), None), decision);
                }
                for piece in b.passed.iter().chain(&b.rest) {
                    let decision = Decision {
                        passed: piece.passed.clone(),
                        ..Decision::default()
                    };
                    push(&mut out, piece, (default_rule(dir), None), decision);
                }
                (out, a.denied || b.denied || cilium_denied)
            }
        }
    }
}

fn tier_decision(tier: DecidingTier, piece: &Piece, rule: TierRuleRef) -> Decision {
    Decision {
        tier,
        rule: Some(rule),
        passed: piece.passed.clone(),
        tied: Vec::new(),
    }
}

/// The empty reference of a default grant.
pub(super) fn default_rule(dir: PolicyType) -> RuleRef {
    RuleRef {
        policy: PolicyRef {
            namespace: String::new(),
            name: String::new(),
        },
        direction: dir,
        rule: 0,
        peer: None,
    }
}

/// A grant's rule: the reference every grant has, and the Cilium rule
/// when it is one.
type GrantRule = (RuleRef, Option<CiliumRuleRef>);

pub(super) fn push(
    out: &mut Vec<ExternalAccess>,
    piece: &Piece,
    (rule, cilium): GrantRule,
    decision: Decision,
) {
    if piece.ports.is_empty() {
        return;
    }
    for peer in piece.addrs.peers() {
        out.push(ExternalAccess {
            rule: rule.clone(),
            peer,
            ports: piece.ports.clone(),
            decision: decision.clone(),
            cilium: cilium.clone(),
        });
    }
}
