//! Tier policies compiled once against a cluster: evaluation order, the
//! policies whose subject selects each workload, and rule matchers.
//!
//! Order (`Priority` and `Ingress`/`Egress` comments of
//! `apis/v1alpha2/clusternetworkpolicy_types.go` and
//! `apis/v1alpha1/adminnetworkpolicy_types.go`): by tier, then priority
//! (lower first), then rule order inside a policy. Equal priorities are
//! left to the implementation by the API; here the policy whose name sorts
//! first goes first (then kind, then input order). A
//! BaselineAdminNetworkPolicy has no priority and goes after every
//! Baseline ClusterNetworkPolicy.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::k8s::{ContainerPort, Labels, PolicyType, Protocol};

use super::super::cluster::Workload;
use super::super::index::Index;
use super::super::ports::PortSet;
use super::super::selector::Selector;
use super::evidence::{TierPolicyRef, TierRuleRef};
use super::types::{Subject, Tier, TierAction, TierPeer, TierPolicy, TierPort, TierRule};

/// Index of a direction in per-direction arrays.
pub(crate) fn slot(dir: PolicyType) -> usize {
    match dir {
        PolicyType::Ingress => 0,
        PolicyType::Egress => 1,
    }
}

/// Every tier policy of a cluster, compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledTiers {
    /// In evaluation order.
    pub(crate) policies: Vec<CompiledTier>,
    /// `[direction][workload]`: Admin-tier policies selecting the workload
    /// with rules in that direction, in evaluation order.
    admin: [Vec<Vec<usize>>; 2],
    /// Likewise for the Baseline tier.
    baseline: [Vec<Vec<usize>>; 2],
}

/// One compiled policy.
#[derive(Debug, Clone)]
pub(crate) struct CompiledTier {
    pub(crate) id: TierPolicyRef,
    /// `[ingress, egress]` rules, in precedence order.
    pub(crate) rules: [Vec<CompiledTierRule>; 2],
}

/// One compiled rule: any of its peers AND its ports.
#[derive(Debug, Clone)]
pub(crate) struct CompiledTierRule {
    pub(crate) action: TierAction,
    /// `(index in from/to, matcher)`; peers that match nothing are left out.
    pub(crate) peers: Vec<(usize, TierPeerMatcher)>,
    pub(crate) ports: TierPorts,
}

/// One compiled `from` / `to` entry.
#[derive(Debug, Clone)]
pub(crate) enum TierPeerMatcher {
    /// Pods matching `pods` in the namespaces with these sorted ids.
    Pods {
        namespaces: Vec<usize>,
        pods: Selector,
    },
    /// External addresses in any of the CIDRs.
    Networks(Vec<IpNet>),
    /// Every workload and address (a fail-closed Deny).
    Everything,
}

impl TierPeerMatcher {
    /// True if the matcher selects a workload in namespace `ns` with `labels`.
    pub(crate) fn matches_workload(&self, ns: usize, labels: &Labels) -> bool {
        match self {
            TierPeerMatcher::Pods { namespaces, pods } => {
                namespaces.binary_search(&ns).is_ok() && pods.matches(labels)
            }
            TierPeerMatcher::Networks(_) => false,
            TierPeerMatcher::Everything => true,
        }
    }

    /// True if the matcher selects the external address `ip`.
    pub(crate) fn matches_ip(&self, ip: IpAddr) -> bool {
        match self {
            TierPeerMatcher::Networks(nets) => nets.iter().any(|n| n.contains(&ip)),
            TierPeerMatcher::Everything => true,
            TierPeerMatcher::Pods { .. } => false,
        }
    }
}

/// The compiled `ports` / `protocols` of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TierPorts {
    /// Absent: every port of every protocol.
    Any,
    /// Entries are ORed.
    List(Vec<TierPort>),
}

impl TierPorts {
    /// The ports matched towards a destination with container ports `dst`
    /// (`&[]` for an external address: named ports match nothing there).
    pub(crate) fn resolve(&self, dst: &[ContainerPort]) -> PortSet {
        let TierPorts::List(entries) = self else {
            return PortSet::full();
        };
        let mut out = PortSet::empty();
        for e in entries {
            match e {
                TierPort::AllOf(p) => out.insert_all(&PortSet::all_of(*p)),
                TierPort::Range {
                    protocol,
                    start,
                    end,
                } => out.insert_all(&PortSet::range(*protocol, *start, *end)),
                TierPort::Named(name) => {
                    for cp in dst.iter().filter(|cp| cp.name.as_deref() == Some(name)) {
                        out.insert_all(&PortSet::single(cp.protocol, cp.port));
                    }
                }
            }
        }
        out
    }

    pub(crate) fn matches(&self, port: u16, protocol: Protocol, dst: &[ContainerPort]) -> bool {
        matches!(self, TierPorts::Any) || self.resolve(dst).contains(port, protocol)
    }
}

impl CompiledTiers {
    /// Compiles `tiers` against the namespaces of `index`.
    pub(crate) fn new(
        tiers: &[TierPolicy],
        index: &Index,
        workloads: &[Workload],
    ) -> CompiledTiers {
        if tiers.is_empty() {
            return CompiledTiers::default();
        }
        let mut order: Vec<usize> = (0..tiers.len()).collect();
        order.sort_by_key(|&i| {
            let t = &tiers[i];
            (t.tier, t.priority.unwrap_or(u32::MAX), &t.name, t.kind, i)
        });
        let n = workloads.len();
        let mut c = CompiledTiers {
            policies: Vec::with_capacity(tiers.len()),
            admin: [vec![Vec::new(); n], vec![Vec::new(); n]],
            baseline: [vec![Vec::new(); n], vec![Vec::new(); n]],
        };
        for i in order {
            let t = &tiers[i];
            let pid = c.policies.len();
            let (ns_sel, pod_sel) = match &t.subject {
                Subject::Namespaces(ns) => (Selector::new(ns), Selector::everything()),
                Subject::Pods { namespaces, pods } => {
                    (Selector::new(namespaces), Selector::new(pods))
                }
            };
            let lists = match t.tier {
                Tier::Admin => &mut c.admin,
                Tier::Baseline => &mut c.baseline,
            };
            for ns in index.namespaces_matching(&ns_sel) {
                for &w in index.candidates(ns, &pod_sel) {
                    if !pod_sel.matches(&workloads[w].labels) {
                        continue;
                    }
                    for (dir, rules) in [(0, &t.ingress), (1, &t.egress)] {
                        if !rules.is_empty() {
                            lists[dir][w].push(pid);
                        }
                    }
                }
            }
            c.policies.push(CompiledTier {
                id: TierPolicyRef {
                    kind: t.kind,
                    name: t.name.clone(),
                    tier: t.tier,
                    priority: t.priority,
                },
                rules: [
                    compile_rules(&t.ingress, index),
                    compile_rules(&t.egress, index),
                ],
            });
        }
        // Policy ids are pushed in evaluation order, so every list is sorted.
        c
    }

    /// True if there are no tier policies.
    pub(crate) fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// Policies of `tier` selecting workload `w` with rules in `dir`.
    pub(crate) fn selecting(&self, tier: Tier, w: usize, dir: PolicyType) -> &[usize] {
        let lists = match tier {
            Tier::Admin => &self.admin,
            Tier::Baseline => &self.baseline,
        };
        lists[slot(dir)].get(w).map_or(&[], Vec::as_slice)
    }

    /// The rules of policy `pid` in `dir`.
    pub(crate) fn rules(&self, pid: usize, dir: PolicyType) -> &[CompiledTierRule] {
        &self.policies[pid].rules[slot(dir)]
    }

    /// A reference to rule `rule`, peer `peer`, of policy `pid`.
    pub(crate) fn rule_ref(
        &self,
        pid: usize,
        dir: PolicyType,
        rule: usize,
        peer: usize,
    ) -> TierRuleRef {
        TierRuleRef {
            policy: self.policies[pid].id.clone(),
            direction: dir,
            rule,
            peer: Some(peer),
            action: self.rules(pid, dir)[rule].action,
        }
    }
}

fn compile_rules(rules: &[TierRule], index: &Index) -> Vec<CompiledTierRule> {
    rules.iter().map(|r| compile_rule(r, index)).collect()
}

/// Compiles one rule. A peer with no field fails closed
/// (`ClusterNetworkPolicyIngressPeer` comment): the whole rule matches
/// nothing if it accepts, and denies everything otherwise.
fn compile_rule(rule: &TierRule, index: &Index) -> CompiledTierRule {
    if let Some(empty) = rule.peers.iter().position(|p| *p == TierPeer::Empty) {
        return match rule.action {
            TierAction::Accept => CompiledTierRule {
                action: TierAction::Accept,
                peers: Vec::new(),
                ports: TierPorts::Any,
            },
            TierAction::Deny | TierAction::Pass => CompiledTierRule {
                action: TierAction::Deny,
                peers: vec![(empty, TierPeerMatcher::Everything)],
                ports: TierPorts::Any,
            },
        };
    }
    let peers = rule
        .peers
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let m = match p {
                TierPeer::Namespaces(ns) => TierPeerMatcher::Pods {
                    namespaces: index.namespaces_matching(&Selector::new(ns)),
                    pods: Selector::everything(),
                },
                TierPeer::Pods { namespaces, pods } => TierPeerMatcher::Pods {
                    namespaces: index.namespaces_matching(&Selector::new(namespaces)),
                    pods: Selector::new(pods),
                },
                TierPeer::Networks(nets) => TierPeerMatcher::Networks(nets.clone()),
                TierPeer::NotEvaluated(_) | TierPeer::Empty => return None,
            };
            Some((i, m))
        })
        .collect();
    CompiledTierRule {
        action: rule.action,
        peers,
        ports: rule
            .ports
            .as_ref()
            .map_or(TierPorts::Any, |p| TierPorts::List(p.clone())),
    }
}
