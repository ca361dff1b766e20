//! Evaluation: verdicts for single connections and per-workload access sets.
//!
//! A connection is allowed iff egress at the source AND ingress at the
//! destination allow it. A direction is isolated for a workload iff some
//! policy of the workload's namespace selects it and isolates that
//! direction; a non-isolated direction allows everything; an isolated one
//! allows the union of the matching rules. External addresses are subject
//! to no policy of their own: only the workload end is evaluated.
//!
//! Cluster-wide tier policies (`super::tiers`) wrap this per direction:
//! Admin tier first, then the NetworkPolicy answer above (if the workload
//! is isolated), then the Baseline tier, then allow (see `tiered`).
//!
//! Cilium policies (`super::cilium`) join the NetworkPolicy answer: they
//! isolate and admit like NetworkPolicies, and their deny rules win (see
//! `cilium`). Without them nothing of this costs anything.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::k8s::{ContainerPort, PolicyType, Protocol};

use super::cilium::CiliumEvidence;
use super::cilium::compile::CompiledCilium;
use super::cluster::Cluster;
use super::index::Index;
use super::ir::{CompiledPolicy, IpBlockRef, PeerMatcher, Peers, PolicyRef, RuleRef, compile};
use super::portmatch::PortMatcher;
use super::ports::PortSet;
use super::tiers::compile::CompiledTiers;
use super::tiers::{DecidingTier, Decision};

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// A workload, by index into `Cluster::workloads`.
    Workload(usize),
    /// An address outside the cluster; matched only by `ipBlock` peers and
    /// by rules without peers.
    External(IpAddr),
}

/// The outcome for one connection, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `egress.allowed && ingress.allowed`.
    pub allowed: bool,
    /// The source side.
    pub egress: DirectionVerdict,
    /// The destination side.
    pub ingress: DirectionVerdict,
}

/// The outcome for one direction at one workload.
///
/// `isolated_by` and `allowed_by` describe the NetworkPolicy tier, whether
/// or not it decided; `decision` names the tier (and cluster-wide rule)
/// whose answer `allowed` is. Without tier policies, `allowed` is "not
/// isolated, or some rule matches", as before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectionVerdict {
    /// The answer for this direction.
    pub allowed: bool,
    /// Policies that isolate the workload in this direction, in cluster
    /// order; empty when not isolated (or for an external endpoint).
    pub isolated_by: Vec<PolicyRef>,
    /// Every (rule, peer) that matches the connection, in policy order.
    pub allowed_by: Vec<RuleRef>,
    /// Which tier decided: Admin / Baseline with the rule and action,
    /// NetworkPolicy, or the default.
    pub decision: Decision,
    /// What Cilium policies say (empty without them): they are part of the
    /// NetworkPolicy answer, and carry the L7 and FQDN evidence.
    pub cilium: CiliumEvidence,
}

impl DirectionVerdict {
    fn open() -> DirectionVerdict {
        DirectionVerdict {
            allowed: true,
            ..DirectionVerdict::default()
        }
    }
}

/// What one direction of one workload admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Not isolated: everything.
    All,
    /// Isolated: only what is listed.
    Some {
        /// Peer workloads with the ports allowed (never empty sets).
        workloads: BTreeMap<usize, PortSet>,
        /// External address ranges, one entry per matching rule peer, in
        /// policy and rule order.
        external: Vec<ExternalAccess>,
    },
}

/// External addresses a rule admits, and on which ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalAccess {
    /// The rule and peer responsible: a NetworkPolicy rule when
    /// `decision.tier` is `NetworkPolicy`; for an Accept of a tier, that
    /// rule as [`super::tiers::TierRuleRef::as_rule_ref`] gives it (empty
    /// namespace); for a default grant, an empty reference (empty policy
    /// name, rule 0, no peer).
    pub rule: RuleRef,
    /// Which addresses.
    pub peer: ExternalPeer,
    /// Allowed ports (never empty).
    pub ports: PortSet,
    /// The tier that grants this part, with its rule and any Pass rules
    /// crossed (never `tied`).
    pub decision: Decision,
    /// The Cilium rule granting it, when it is one (`rule` then holds its
    /// policy's namespace and name and the rule index only).
    pub cilium: Option<super::cilium::CiliumRuleRef>,
}

/// The external addresses of an [`ExternalAccess`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExternalPeer {
    /// Every address (a rule without peers).
    Any,
    /// The addresses of an `ipBlock`.
    IpBlock(IpBlockRef),
}

/// The evaluation engine over one cluster.
#[derive(Debug, Clone)]
pub struct Engine<'c> {
    cluster: &'c Cluster,
    index: Index,
    policies: Vec<CompiledPolicy>,
    /// Per workload: ids of policies selecting it that isolate ingress.
    ingress_of: Vec<Vec<usize>>,
    /// Per workload: ids of policies selecting it that isolate egress.
    egress_of: Vec<Vec<usize>>,
    /// The cluster-wide tier policies.
    tiers: CompiledTiers,
    /// The Cilium policies.
    cilium: CompiledCilium,
}

impl<'c> Engine<'c> {
    /// Compiles the policies of `cluster` and finds the policies selecting
    /// each workload. Never fails: invalid parts match nothing.
    pub fn new(cluster: &'c Cluster) -> Engine<'c> {
        let index = Index::new(cluster);
        let policies: Vec<CompiledPolicy> = cluster
            .policies
            .iter()
            .map(|p| compile(p, &index))
            .collect();
        let n = cluster.workloads.len();
        let (mut ingress_of, mut egress_of) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for (pid, p) in policies.iter().enumerate() {
            for &w in index.candidates(p.ns, &p.pod_selector) {
                if !p.pod_selector.matches(&cluster.workloads[w].labels) {
                    continue;
                }
                if p.ingress.is_some() {
                    ingress_of[w].push(pid);
                }
                if p.egress.is_some() {
                    egress_of[w].push(pid);
                }
            }
        }
        let tiers = CompiledTiers::new(&cluster.tiers, &index, &cluster.workloads);
        let cilium = CompiledCilium::new(&cluster.cilium, cluster);
        Engine {
            cluster,
            index,
            policies,
            ingress_of,
            egress_of,
            tiers,
            cilium,
        }
    }

    /// The cluster this engine evaluates.
    pub fn cluster(&self) -> &'c Cluster {
        self.cluster
    }

    /// NetworkPolicies isolating workload `w` in `dir`, in cluster order
    /// (empty for an unknown index).
    pub fn isolating_policies(&self, w: usize, dir: PolicyType) -> Vec<PolicyRef> {
        self.selecting(w, dir)
            .iter()
            .map(|&pid| self.policies[pid].id.clone())
            .collect()
    }

    /// True if a NetworkPolicy or a Cilium policy isolates workload `w` in
    /// `dir` (tier policies never isolate; see [`Engine::tier_policies`]).
    pub fn is_isolated(&self, w: usize, dir: PolicyType) -> bool {
        !self.selecting(w, dir).is_empty() || self.cilium_isolates(w, dir)
    }

    fn selecting(&self, w: usize, dir: PolicyType) -> &[usize] {
        let lists = match dir {
            PolicyType::Ingress => &self.ingress_of,
            PolicyType::Egress => &self.egress_of,
        };
        lists.get(w).map_or(&[], Vec::as_slice)
    }

    /// Full verdict for one connection: egress at `src` AND ingress at
    /// `dst`, each through the tiers (Admin, NetworkPolicy, Baseline,
    /// default) with the deciding one in [`DirectionVerdict::decision`]. An external endpoint has no policy of its own, so its side is
    /// always allowed with no evidence (external to external is therefore
    /// allowed). An out-of-range workload index yields a denied verdict
    /// without evidence.
    pub fn verdict(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> Verdict {
        let known = |e: &Endpoint| match e {
            Endpoint::Workload(w) => *w < self.cluster.workloads.len(),
            Endpoint::External(_) => true,
        };
        if !known(src) || !known(dst) {
            return Verdict {
                allowed: false,
                egress: DirectionVerdict::default(),
                ingress: DirectionVerdict::default(),
            };
        }
        let dst_ports = self.ports_of(dst);
        let side = |subject: &Endpoint, peer: &Endpoint, dir| match subject {
            Endpoint::Workload(w) => {
                self.direction_verdict(dir, *w, peer, dst_ports, port, protocol)
            }
            Endpoint::External(_) => DirectionVerdict::open(),
        };
        let egress = side(src, dst, PolicyType::Egress);
        let ingress = side(dst, src, PolicyType::Ingress);
        Verdict {
            allowed: egress.allowed && ingress.allowed,
            egress,
            ingress,
        }
    }

    fn ports_of(&self, e: &Endpoint) -> &'c [ContainerPort] {
        match e {
            Endpoint::Workload(w) => self
                .cluster
                .workloads
                .get(*w)
                .map_or(&[], |w| w.ports.as_slice()),
            Endpoint::External(_) => &[],
        }
    }

    fn direction_verdict(
        &self,
        dir: PolicyType,
        subject: usize,
        peer: &Endpoint,
        dst_ports: &[ContainerPort],
        port: u16,
        protocol: Protocol,
    ) -> DirectionVerdict {
        let selecting = self.selecting(subject, dir);
        let mut v = DirectionVerdict::open();
        if !selecting.is_empty() {
            for &pid in selecting {
                self.each_matching_rule(pid, dir, peer, |rule_ref, ports| {
                    if ports.matches(port, protocol, dst_ports) {
                        v.allowed_by.push(rule_ref);
                    }
                });
            }
            v.allowed = !v.allowed_by.is_empty();
            v.isolated_by = self.isolating_policies(subject, dir);
            v.decision = Decision::by(DecidingTier::NetworkPolicy);
        }
        let mut decided = !selecting.is_empty();
        if !self.cilium.is_empty() {
            decided = self.with_cilium(&mut v, dir, subject, peer, dst_ports, (port, protocol));
        }
        if self.tiers_apply(subject, dir) {
            let np = decided.then_some(v.allowed);
            let (allowed, decision) =
                self.tier_decide(dir, subject, peer, dst_ports, (port, protocol), np);
            v.allowed = allowed;
            v.decision = decision;
        }
        v
    }

    /// Calls `f` for every (rule, peer) of policy `pid` in `dir` whose peer
    /// matches `peer`.
    fn each_matching_rule(
        &self,
        pid: usize,
        dir: PolicyType,
        peer: &Endpoint,
        mut f: impl FnMut(RuleRef, &PortMatcher),
    ) {
        let p = &self.policies[pid];
        for (ri, rule) in p.rules(dir).unwrap_or_default().iter().enumerate() {
            let rule_ref = |peer_idx| p.rule_ref(dir, ri, peer_idx);
            match &rule.peers {
                Peers::Any => f(rule_ref(None), &rule.ports),
                Peers::List(list) => {
                    for (pi, m) in list.iter().enumerate() {
                        if self.peer_matches(m, peer) {
                            f(rule_ref(Some(pi)), &rule.ports);
                        }
                    }
                }
            }
        }
    }

    fn peer_matches(&self, m: &PeerMatcher, e: &Endpoint) -> bool {
        match (m, e) {
            (PeerMatcher::Pods { namespaces, pods }, Endpoint::Workload(w)) => {
                self.index
                    .ns_of(*w)
                    .is_some_and(|ns| namespaces.contains(ns))
                    && self
                        .cluster
                        .workloads
                        .get(*w)
                        .is_some_and(|w| pods.matches(&w.labels))
            }
            (PeerMatcher::IpBlock(b), Endpoint::External(ip)) => b.contains(*ip),
            _ => false,
        }
    }

    /// Ports allowed from `src` to `dst` in one direction, tiers included.
    fn direction_ports(
        &self,
        dir: PolicyType,
        subject: usize,
        peer: usize,
        dst_ports: &[ContainerPort],
    ) -> PortSet {
        if self.tiers_apply(subject, dir) {
            let np = self
                .is_isolated(subject, dir)
                .then(|| self.np_direction_ports(dir, subject, peer, dst_ports));
            return self.tiered_ports(dir, subject, peer, dst_ports, np).0;
        }
        self.np_direction_ports(dir, subject, peer, dst_ports)
    }

    /// Ports NetworkPolicies and Cilium policies allow in one direction
    /// (full if not isolated, less what Cilium denies).
    fn np_direction_ports(
        &self,
        dir: PolicyType,
        subject: usize,
        peer: usize,
        dst_ports: &[ContainerPort],
    ) -> PortSet {
        let np = self.k8s_direction_ports(dir, subject, peer, dst_ports);
        if self.cilium_touches(subject, dir) {
            return self.cilium_direction_ports(dir, subject, peer, dst_ports, np);
        }
        np
    }

    /// Ports NetworkPolicy alone allows in one direction (full if not
    /// isolated).
    fn k8s_direction_ports(
        &self,
        dir: PolicyType,
        subject: usize,
        peer: usize,
        dst_ports: &[ContainerPort],
    ) -> PortSet {
        let selecting = self.selecting(subject, dir);
        if selecting.is_empty() {
            return PortSet::full();
        }
        let mut out = PortSet::empty();
        for &pid in selecting {
            self.each_matching_rule(pid, dir, &Endpoint::Workload(peer), |_, ports| {
                out.insert_all(&ports.resolve(dst_ports));
            });
        }
        out
    }

    /// Ports allowed from workload `src` to workload `dst`: egress at `src`
    /// AND ingress at `dst`. `PortSet::full()` when neither is isolated;
    /// empty for an unknown index.
    pub fn allowed_ports(&self, src: usize, dst: usize) -> PortSet {
        let n = self.cluster.workloads.len();
        if src >= n || dst >= n {
            return PortSet::empty();
        }
        let dst_ports = self.ports_of(&Endpoint::Workload(dst));
        let egress = self.direction_ports(PolicyType::Egress, src, dst, dst_ports);
        if egress.is_empty() {
            return egress;
        }
        egress.intersection(&self.direction_ports(PolicyType::Ingress, dst, src, dst_ports))
    }
}

mod access;
#[cfg(test)]
mod access_tests;
mod cilium;
#[cfg(test)]
mod model;
#[cfg(test)]
mod peer_tests;
#[cfg(test)]
mod tests;
mod tiered;
#[cfg(test)]
mod tiered_tests;
