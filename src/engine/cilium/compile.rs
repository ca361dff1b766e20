//! Cilium policies compiled once against a cluster: the rules selecting
//! each workload per direction, which of them put it in default deny, and
//! peer matchers with the workloads each selector matches.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::k8s::cilium::{
    CiliumPeerKind, CiliumPolicy, CiliumPort, CiliumRule, CiliumSelector, Entity, FqdnSelector,
    L7Rules, NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX,
};
use crate::k8s::{Labels, PolicyType};

use super::super::cluster::{Cluster, normalize_namespaces};
use super::super::ir::IpBlockRef;
use super::super::selector::Selector;
use super::super::tiers::compile::slot;
use super::evidence::CiliumPolicyRef;

/// Every Cilium rule of a cluster, compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledCilium {
    pub(crate) specs: Vec<CompiledSpec>,
    /// `[direction][workload]`: specs selecting the workload that have
    /// allow or deny rules in that direction, in cluster order.
    selecting: [Vec<Vec<usize>>; 2],
    /// `[direction][workload]`: those that put it in default deny.
    isolating: [Vec<Vec<usize>>; 2],
}

/// One `spec` / `specs[i]`.
#[derive(Debug, Clone)]
pub(crate) struct CompiledSpec {
    pub(crate) policy: CiliumPolicyRef,
    pub(crate) spec: Option<usize>,
    /// `[ingress, egress]`.
    pub(crate) allow: [Vec<CRule>; 2],
    /// `[ingressDeny, egressDeny]`.
    pub(crate) deny: [Vec<CRule>; 2],
}

/// One compiled rule: any of its peers AND its ports.
#[derive(Debug, Clone)]
pub(crate) struct CRule {
    pub(crate) index: usize,
    pub(crate) peers: CPeers,
    pub(crate) ports: CPorts,
}

/// The L3 part of a rule.
#[derive(Debug, Clone)]
pub(crate) enum CPeers {
    /// No L3 field and `toPorts`: every peer (`WildcardEndpointSelector`).
    Every,
    /// No L3 field and no `toPorts`: nothing.
    Nothing,
    /// `(field, index, matcher)`, ORed.
    List(Vec<(&'static str, usize, CPeer)>),
}

/// One compiled L3 peer.
#[derive(Debug, Clone)]
pub(crate) enum CPeer {
    /// These workloads (sorted ids).
    Workloads(Vec<usize>),
    /// Every workload (`cluster`).
    AllWorkloads,
    /// Every workload and address (`all`).
    Everything,
    /// Addresses outside the cluster (`world`, optionally one family).
    World(Option<bool>),
    /// External addresses of a CIDR (minus holes).
    Cidr(IpBlockRef),
    /// Names resolved at run time.
    Fqdn(FqdnSelector),
    /// Matches nothing.
    Nothing,
}

impl CPeer {
    pub(crate) fn matches_workload(&self, w: usize) -> bool {
        match self {
            CPeer::Workloads(ids) => ids.binary_search(&w).is_ok(),
            CPeer::AllWorkloads | CPeer::Everything => true,
            _ => false,
        }
    }

    pub(crate) fn matches_ip(&self, ip: IpAddr) -> bool {
        match self {
            CPeer::Everything | CPeer::World(None) => true,
            CPeer::World(Some(v4)) => ip.is_ipv4() == *v4,
            CPeer::Cidr(b) => b.contains(ip),
            _ => false,
        }
    }
}

/// The L4 part of a rule.
#[derive(Debug, Clone)]
pub(crate) enum CPorts {
    /// No `toPorts` and no `icmps`: every port of every protocol.
    All,
    /// `icmps` only: no TCP, UDP or SCTP port.
    None,
    /// `toPorts`: each entry's ports with its L7 rules.
    List(Vec<(Vec<CiliumPort>, L7Rules)>),
}

impl CompiledCilium {
    /// Compiles `policies` against `cluster`'s workloads and namespaces.
    pub(crate) fn new(policies: &[CiliumPolicy], cluster: &Cluster) -> CompiledCilium {
        if policies.is_empty() {
            return CompiledCilium::default();
        }
        let n = cluster.workloads.len();
        let namespaces =
            normalize_namespaces(&cluster.namespaces, &cluster.workloads, &cluster.policies);
        let derived: Vec<Labels> = cluster
            .workloads
            .iter()
            .map(|w| {
                let mut l = w.labels.clone();
                l.insert(NAMESPACE_KEY.to_string(), w.namespace.clone());
                for (k, v) in namespaces.get(&w.namespace).into_iter().flatten() {
                    l.insert(format!("{NAMESPACE_LABELS_PREFIX}{k}"), v.clone());
                }
                l
            })
            .collect();
        let matching = |s: &CiliumSelector| -> Vec<usize> {
            if !s.evaluable {
                return Vec::new();
            }
            let sel = Selector::new(&s.selector);
            (0..n).filter(|&w| sel.matches(&derived[w])).collect()
        };
        let mut c = CompiledCilium {
            specs: Vec::new(),
            selecting: [vec![Vec::new(); n], vec![Vec::new(); n]],
            isolating: [vec![Vec::new(); n], vec![Vec::new(); n]],
        };
        for p in policies {
            let policy = CiliumPolicyRef {
                kind: p.kind,
                namespace: p.namespace.clone().unwrap_or_default(),
                name: p.name.clone(),
            };
            for s in &p.specs {
                let sid = c.specs.len();
                let rules = |list: &[CiliumRule]| -> Vec<CRule> {
                    list.iter()
                        .enumerate()
                        .map(|(i, r)| compile_rule(i, r, &matching))
                        .collect()
                };
                let spec = CompiledSpec {
                    policy: policy.clone(),
                    spec: s.index,
                    allow: [rules(&s.ingress), rules(&s.egress)],
                    deny: [rules(&s.ingress_deny), rules(&s.egress_deny)],
                };
                let subjects = s.endpoints.as_ref().map(&matching).unwrap_or_default();
                for dir in [PolicyType::Ingress, PolicyType::Egress] {
                    let d = slot(dir);
                    let has_rules = !spec.allow[d].is_empty() || !spec.deny[d].is_empty();
                    let explicit = match dir {
                        PolicyType::Ingress => s.default_deny_ingress,
                        PolicyType::Egress => s.default_deny_egress,
                    };
                    // `Rule.Sanitize`: default deny where the rule has
                    // rules in that direction, unless set explicitly.
                    let isolates = explicit.unwrap_or(has_rules);
                    for &w in &subjects {
                        if has_rules {
                            c.selecting[d][w].push(sid);
                        }
                        if isolates {
                            c.isolating[d][w].push(sid);
                        }
                    }
                }
                c.specs.push(spec);
            }
        }
        c
    }

    /// True if there are no Cilium policies.
    pub(crate) fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Specs selecting `w` with rules in `dir`.
    pub(crate) fn selecting(&self, dir: PolicyType, w: usize) -> &[usize] {
        self.selecting[slot(dir)].get(w).map_or(&[], Vec::as_slice)
    }

    /// Specs putting `w` in default deny for `dir`.
    pub(crate) fn isolating(&self, dir: PolicyType, w: usize) -> &[usize] {
        self.isolating[slot(dir)].get(w).map_or(&[], Vec::as_slice)
    }
}

fn compile_rule(
    index: usize,
    r: &CiliumRule,
    matching: &dyn Fn(&CiliumSelector) -> Vec<usize>,
) -> CRule {
    let ports = if r.icmps {
        CPorts::None
    } else if r.to_ports.is_empty() {
        CPorts::All
    } else {
        CPorts::List(
            r.to_ports
                .iter()
                .map(|p| (p.ports.clone(), p.rules.clone()))
                .collect(),
        )
    };
    let peers = if r.peers.is_empty() {
        // `mergeIngress` / `mergeEgress` in `pkg/policy/rule.go`: an
        // L4 rule without L3 peers applies to every peer; a rule with
        // neither selects nothing.
        if r.to_ports.is_empty() {
            CPeers::Nothing
        } else {
            CPeers::Every
        }
    } else {
        CPeers::List(
            r.peers
                .iter()
                .map(|p| {
                    let m = match &p.kind {
                        CiliumPeerKind::Endpoints(s) => CPeer::Workloads(matching(s)),
                        CiliumPeerKind::Cidr { cidr, except } => CPeer::Cidr(IpBlockRef {
                            cidr: *cidr,
                            except: except.clone(),
                        }),
                        CiliumPeerKind::Entity(e) => match e {
                            Entity::All => CPeer::Everything,
                            Entity::World => CPeer::World(None),
                            Entity::WorldIpv4 => CPeer::World(Some(true)),
                            Entity::WorldIpv6 => CPeer::World(Some(false)),
                            Entity::Cluster => CPeer::AllWorkloads,
                            Entity::None => CPeer::Nothing,
                        },
                        CiliumPeerKind::Fqdn(f) => CPeer::Fqdn(f.clone()),
                        CiliumPeerKind::NotEvaluated => CPeer::Nothing,
                    };
                    (p.field, p.index, m)
                })
                .collect(),
        )
    };
    CRule {
        index,
        peers,
        ports,
    }
}

/// The whole address family of `v4` as a block, for `world-ipv4/6`.
pub(crate) fn family_block(v4: bool) -> IpBlockRef {
    let cidr = if v4 {
        IpNet::V4(Default::default())
    } else {
        IpNet::V6(Default::default())
    };
    IpBlockRef {
        cidr,
        except: Vec::new(),
    }
}
