//! The short summary: sizes, isolation per direction, connection counts,
//! workloads no policy selects and policies that select no workload.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::PolicyRef;
use crate::k8s::PolicyType;

use super::{Analysis, Counts};

/// How many namespaces (with at least one workload) are isolated in one
/// direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Isolation {
    /// Every workload of the namespace is isolated.
    pub full: usize,
    /// Some, not all.
    pub partial: usize,
    /// None.
    pub open: usize,
    /// Isolated workloads, over all namespaces.
    pub workloads: usize,
}

/// The summary of one analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub workloads: usize,
    pub classes: usize,
    /// Every namespace, declared or used.
    pub namespaces: usize,
    /// Namespaces holding at least one workload.
    pub namespaces_with_workloads: usize,
    pub policies: usize,
    pub ingress: Isolation,
    pub egress: Isolation,
    pub counts: Counts,
    /// Workloads that no policy selects, in output order.
    pub unselected: Vec<usize>,
    /// Policies whose `podSelector` matches no workload, sorted, once each.
    pub empty_policies: Vec<PolicyRef>,
}

/// Computes the summary (one row expansion per class for the counts).
pub fn summarize(a: &Analysis<'_>) -> Summary {
    let classes = &a.classes;
    let mut selecting: BTreeSet<PolicyRef> = BTreeSet::new();
    for c in 0..classes.len() {
        let rep = classes.representative(c);
        for dir in [PolicyType::Ingress, PolicyType::Egress] {
            selecting.extend(a.engine.isolating_policies(rep, dir));
        }
    }
    let mut empty_policies: Vec<PolicyRef> = a
        .cluster
        .policies
        .iter()
        .map(|p| PolicyRef {
            namespace: p.namespace.clone(),
            name: p.name.clone(),
        })
        .filter(|r| !selecting.contains(r))
        .collect();
    empty_policies.sort();
    empty_policies.dedup();

    let isolated = |w: usize, dir| a.matrix.isolated(classes.of[w], dir);
    let unselected = a
        .order
        .iter()
        .copied()
        .filter(|&w| !isolated(w, PolicyType::Ingress) && !isolated(w, PolicyType::Egress))
        .collect();

    // namespace -> (workloads, ingress-isolated, egress-isolated)
    let mut per_ns: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (w, wl) in a.cluster.workloads.iter().enumerate() {
        let e = per_ns.entry(wl.namespace.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(isolated(w, PolicyType::Ingress));
        e.2 += usize::from(isolated(w, PolicyType::Egress));
    }
    let tally = |pick: fn(&(usize, usize, usize)) -> usize| {
        let mut i = Isolation::default();
        for v in per_ns.values() {
            let n = pick(v);
            i.workloads += n;
            match n {
                0 => i.open += 1,
                n if n == v.0 => i.full += 1,
                _ => i.partial += 1,
            }
        }
        i
    };
    Summary {
        workloads: a.cluster.workloads.len(),
        classes: classes.len(),
        namespaces: a.cluster.namespaces.len(),
        namespaces_with_workloads: per_ns.len(),
        policies: a.cluster.policies.len(),
        ingress: tally(|v| v.1),
        egress: tally(|v| v.2),
        counts: a.counts(),
        unselected,
        empty_policies,
    }
}
