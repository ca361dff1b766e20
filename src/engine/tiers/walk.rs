//! Walking the rules of one tier in precedence order: the first matching
//! rule of one connection, or every port (or address and port) of one
//! peer split by what the rules accept, deny and pass. Within a tier the
//! first match is final (`Action` comments of
//! `apis/v1alpha2/clusternetworkpolicy_types.go`): a later rule only sees
//! what earlier rules left undecided.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::k8s::{ContainerPort, Labels, PolicyType, Protocol};

use super::super::ports::PortSet;
use super::compile::{CompiledTiers, TierPeerMatcher};
use super::evidence::TierRuleRef;
use super::region::Piece;
use super::types::TierAction;

/// The other end of a connection, as tier peers see it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Against<'a> {
    /// A workload in namespace id `ns` with `labels`.
    Workload { ns: usize, labels: &'a Labels },
    /// An address outside the cluster.
    External(IpAddr),
}

impl TierPeerMatcher {
    fn matches(&self, peer: Against<'_>) -> bool {
        match peer {
            Against::Workload { ns, labels } => self.matches_workload(ns, labels),
            Against::External(ip) => self.matches_ip(ip),
        }
    }
}

/// The ports towards one peer workload, split by a tier.
#[derive(Debug, Clone, Default)]
pub(crate) struct PortWalk {
    pub(crate) accepted: PortSet,
    pub(crate) passed: PortSet,
    /// Matched by no rule.
    pub(crate) rest: PortSet,
    /// True if some rule denied some port.
    pub(crate) denied: bool,
}

/// The external (address, port) space, split by a tier.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegionWalk {
    pub(crate) accepted: Vec<(Piece, TierRuleRef)>,
    /// Each piece records the Pass rule in `Piece::passed`.
    pub(crate) passed: Vec<Piece>,
    pub(crate) rest: Vec<Piece>,
    pub(crate) denied: bool,
}

impl CompiledTiers {
    /// The first rule of policy `pid` in `dir` matching `peer` on
    /// `port`/`protocol` (named ports resolved against `dst`).
    pub(crate) fn first_match_in(
        &self,
        pid: usize,
        dir: PolicyType,
        peer: Against<'_>,
        port: u16,
        protocol: Protocol,
        dst: &[ContainerPort],
    ) -> Option<TierRuleRef> {
        self.rules(pid, dir)
            .iter()
            .enumerate()
            .find_map(|(ri, rule)| {
                if !rule.ports.matches(port, protocol, dst) {
                    return None;
                }
                let (pi, _) = rule.peers.iter().find(|(_, m)| m.matches(peer))?;
                Some(self.rule_ref(pid, dir, ri, *pi))
            })
    }

    /// The first matching rule of the policies `pids`, in order.
    pub(crate) fn first_match(
        &self,
        pids: &[usize],
        dir: PolicyType,
        peer: Against<'_>,
        port: u16,
        protocol: Protocol,
        dst: &[ContainerPort],
    ) -> Option<(usize, TierRuleRef)> {
        pids.iter().find_map(|&pid| {
            self.first_match_in(pid, dir, peer, port, protocol, dst)
                .map(|r| (pid, r))
        })
    }

    /// First matches of the other policies among `pids` with the priority
    /// of `chosen` whose action differs from `action`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn ties(
        &self,
        pids: &[usize],
        chosen: usize,
        action: TierAction,
        dir: PolicyType,
        peer: Against<'_>,
        port: u16,
        protocol: Protocol,
        dst: &[ContainerPort],
    ) -> Vec<TierRuleRef> {
        let priority = self.policies[chosen].id.priority;
        pids.iter()
            .filter(|&&pid| pid != chosen && self.policies[pid].id.priority == priority)
            .filter_map(|&pid| self.first_match_in(pid, dir, peer, port, protocol, dst))
            .filter(|r| r.action != action)
            .collect()
    }

    /// Splits `start` (ports towards one peer workload) by the rules of
    /// `pids`; named ports resolve against `dst`.
    pub(crate) fn walk_ports(
        &self,
        pids: &[usize],
        dir: PolicyType,
        peer: Against<'_>,
        dst: &[ContainerPort],
        start: PortSet,
    ) -> PortWalk {
        let mut w = PortWalk {
            rest: start,
            ..PortWalk::default()
        };
        for &pid in pids {
            for rule in self.rules(pid, dir) {
                if w.rest.is_empty() {
                    return w;
                }
                if !rule.peers.iter().any(|(_, m)| m.matches(peer)) {
                    continue;
                }
                let hit = rule.ports.resolve(dst).intersection(&w.rest);
                if hit.is_empty() {
                    continue;
                }
                w.rest = w.rest.difference(&hit);
                match rule.action {
                    TierAction::Accept => w.accepted.insert_all(&hit),
                    TierAction::Deny => w.denied = true,
                    TierAction::Pass => w.passed.insert_all(&hit),
                }
            }
        }
        w
    }

    /// Splits the external pieces `start` by the rules of `pids`, peer by
    /// peer (the first peer containing an address is the evidence).
    pub(crate) fn walk_region(
        &self,
        pids: &[usize],
        dir: PolicyType,
        start: Vec<Piece>,
    ) -> RegionWalk {
        let mut w = RegionWalk {
            rest: start,
            ..RegionWalk::default()
        };
        for &pid in pids {
            for (ri, rule) in self.rules(pid, dir).iter().enumerate() {
                let ports = rule.ports.resolve(&[]);
                if ports.is_empty() {
                    continue;
                }
                for (pi, m) in &rule.peers {
                    let cidrs: Option<&[IpNet]> = match m {
                        TierPeerMatcher::Networks(nets) => Some(nets),
                        TierPeerMatcher::Everything => None,
                        TierPeerMatcher::Pods { .. } => continue,
                    };
                    let by = self.rule_ref(pid, dir, ri, *pi);
                    let mut next = Vec::new();
                    for piece in std::mem::take(&mut w.rest) {
                        let (inside, outside) = piece.split(cidrs, &ports);
                        next.extend(outside);
                        for mut p in inside {
                            match rule.action {
                                TierAction::Accept => w.accepted.push((p, by.clone())),
                                TierAction::Deny => w.denied = true,
                                TierAction::Pass => {
                                    p.passed.push(by.clone());
                                    w.passed.push(p);
                                }
                            }
                        }
                    }
                    w.rest = next;
                }
            }
        }
        w
    }
}
