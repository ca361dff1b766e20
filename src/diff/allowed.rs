//! The allowed flows of many sides at once, compactly: a flow is a tuple
//! of integers (workload, workload, port, protocol, L7 rule), the names
//! and rules kept once in tables ranked in the order [`Flow`] sorts by, so
//! sets of flows compare as sorted integer lists and only the flows that
//! differ are spelled out.

use std::collections::BTreeSet;

use super::conn::{self, ExternalFlow, Flow};
use super::normalize::Norm;
use crate::analyze::Analysis;
use crate::analyze::l7::{self, L7};
use crate::engine::{Cluster, Endpoint};
use crate::k8s::Protocol;

/// `(from, to, port, protocol, rule)`: endpoints by rank in
/// [`Flows::names`], the rule by rank in [`Flows::rules`] plus one (`0`:
/// no L7 rule). Tuples sort as their flows do.
type Key = (u32, u32, u16, Protocol, u32);

/// One side's allowed flows, its own tables not yet shared.
pub struct Local {
    names: Vec<String>,
    rules: Vec<L7>,
    flows: Vec<Key>,
    external: BTreeSet<ExternalFlow>,
}

/// The allowed flows of one cluster, between workloads (normalised
/// `namespace/name`) and to or from addresses outside it.
pub fn local(cluster: &Cluster, norm: Option<&Norm>) -> Local {
    let names = conn::ids(cluster, norm);
    // Only Cilium policies restrict above L4.
    let cilium = !cluster.cilium.is_empty();
    let analysis = Analysis::new(cluster);
    let mut rules = Vec::new();
    let mut flows = Vec::new();
    let expanded: Result<(), std::convert::Infallible> =
        analysis.try_for_each_flow(|s, d, ports| {
            let (s32, d32) = (s as u32, d as u32);
            for &(port, protocol) in ports {
                if !cilium {
                    flows.push((s32, d32, port, protocol, 0));
                    continue;
                }
                let (src, dst) = (Endpoint::Workload(s), Endpoint::Workload(d));
                let found = l7::rules(&analysis.engine.verdict(&src, &dst, port, protocol));
                if found.is_empty() {
                    flows.push((s32, d32, port, protocol, 0));
                }
                for (rule, _) in found {
                    rules.push(rule);
                    flows.push((s32, d32, port, protocol, rules.len() as u32));
                }
            }
            Ok(())
        });
    let Ok(()) = expanded;
    let external = conn::external(&analysis, &names, norm)
        .into_keys()
        .collect();
    Local {
        names,
        rules,
        flows,
        external,
    }
}

/// The allowed flows of every side, over shared tables.
pub struct Flows {
    /// Every endpoint name, sorted.
    names: Vec<String>,
    /// Every L7 rule, sorted.
    rules: Vec<L7>,
    /// Each side's flows, sorted, no repeats.
    sides: Vec<Vec<Key>>,
    external: Vec<BTreeSet<ExternalFlow>>,
}

impl Flows {
    /// Ranks every side's names and rules in one table each and rewrites
    /// the sides' flows over them.
    pub fn share(locals: Vec<Local>) -> Flows {
        let names = sorted(locals.iter().flat_map(|l| l.names.iter().cloned()));
        let rules = sorted(locals.iter().flat_map(|l| l.rules.iter().cloned()));
        let rank = |table: &[String], n: &String| table.binary_search(n).unwrap_or(0) as u32;
        let mut sides = Vec::with_capacity(locals.len());
        let mut external = Vec::with_capacity(locals.len());
        for l in locals {
            let by_name: Vec<u32> = l.names.iter().map(|n| rank(&names, n)).collect();
            let by_rule: Vec<u32> = l
                .rules
                .iter()
                .map(|r| rules.binary_search(r).map_or(0, |i| i as u32 + 1))
                .collect();
            let mut flows: Vec<Key> = l
                .flows
                .iter()
                .map(|&(s, d, port, protocol, r)| {
                    let rule = if r == 0 { 0 } else { by_rule[r as usize - 1] };
                    (
                        by_name[s as usize],
                        by_name[d as usize],
                        port,
                        protocol,
                        rule,
                    )
                })
                .collect();
            flows.sort_unstable();
            flows.dedup();
            sides.push(flows);
            external.push(l.external);
        }
        Flows {
            names,
            rules,
            sides,
            external,
        }
    }

    /// The flows side `has` allows and side `lacks` does not, in order.
    pub fn difference(&self, has: usize, lacks: usize) -> Vec<Flow> {
        let (a, b) = (&self.sides[has], &self.sides[lacks]);
        let mut out = Vec::new();
        let mut j = 0;
        for k in a {
            while j < b.len() && b[j] < *k {
                j += 1;
            }
            if b.get(j) != Some(k) {
                out.push(self.flow(k));
            }
        }
        out
    }

    /// The external traffic side `has` allows and side `lacks` does not.
    pub fn external_difference(&self, has: usize, lacks: usize) -> Vec<ExternalFlow> {
        let (a, b) = (&self.external[has], &self.external[lacks]);
        a.difference(b).cloned().collect()
    }

    fn flow(&self, &(s, d, port, protocol, rule): &Key) -> Flow {
        Flow {
            from: self.names[s as usize].clone(),
            to: self.names[d as usize].clone(),
            port,
            protocol,
            l7: rule.checked_sub(1).map(|r| self.rules[r as usize].clone()),
        }
    }
}

/// The distinct items, in order.
fn sorted<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.sort_unstable();
    v.dedup();
    v
}
