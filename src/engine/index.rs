//! Lookup structures over a cluster's namespaces and workloads.
//!
//! Namespaces get dense ids in name order. Workloads are bucketed by
//! namespace with an inverted `label key -> value -> workloads` index, so a
//! selector with `matchLabels` only looks at the workloads carrying its
//! rarest label instead of the whole namespace.

use std::collections::BTreeMap;

use crate::k8s::Labels;

use super::cluster::{Cluster, normalize_namespaces};
use super::selector::Selector;

/// Namespaces and workloads of one cluster, indexed.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    ns_ids: BTreeMap<String, usize>,
    ns_labels: Vec<Labels>,
    buckets: Vec<Bucket>,
    /// Namespace id of each workload.
    workload_ns: Vec<usize>,
}

/// The workloads of one namespace.
#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Sorted workload ids.
    all: Vec<usize>,
    /// key -> value -> sorted workload ids.
    postings: BTreeMap<String, BTreeMap<String, Vec<usize>>>,
}

impl Index {
    /// Indexes `cluster`, normalizing its namespaces as `Cluster::new` does.
    pub(crate) fn new(cluster: &Cluster) -> Index {
        let namespaces =
            normalize_namespaces(&cluster.namespaces, &cluster.workloads, &cluster.policies);
        let ns_ids: BTreeMap<String, usize> = namespaces
            .keys()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let ns_labels: Vec<Labels> = namespaces.into_values().collect();
        let mut buckets = vec![Bucket::default(); ns_labels.len()];
        let mut workload_ns = Vec::with_capacity(cluster.workloads.len());
        for (id, w) in cluster.workloads.iter().enumerate() {
            // Every workload namespace is present after normalization.
            let ns = ns_ids.get(&w.namespace).copied().unwrap_or(0);
            workload_ns.push(ns);
            if let Some(b) = buckets.get_mut(ns) {
                b.all.push(id);
                for (k, v) in &w.labels {
                    b.postings
                        .entry(k.clone())
                        .or_default()
                        .entry(v.clone())
                        .or_default()
                        .push(id);
                }
            }
        }
        Index {
            ns_ids,
            ns_labels,
            buckets,
            workload_ns,
        }
    }

    /// The id of a namespace, if it exists.
    pub(crate) fn ns_id(&self, name: &str) -> Option<usize> {
        self.ns_ids.get(name).copied()
    }

    /// Sorted ids of the namespaces whose labels `sel` matches.
    pub(crate) fn namespaces_matching(&self, sel: &Selector) -> Vec<usize> {
        (0..self.ns_labels.len())
            .filter(|&i| sel.matches(&self.ns_labels[i]))
            .collect()
    }

    /// Namespace id of a workload.
    pub(crate) fn ns_of(&self, workload: usize) -> Option<usize> {
        self.workload_ns.get(workload).copied()
    }

    /// Workloads of namespace `ns` that are candidates for `sel`: every
    /// match of `sel` is in the returned (sorted) slice, not every member
    /// matches.
    pub(crate) fn candidates(&self, ns: usize, sel: &Selector) -> &[usize] {
        let Some(bucket) = self.buckets.get(ns) else {
            return &[];
        };
        if sel.is_nothing() {
            return &[];
        }
        let mut best: &[usize] = &bucket.all;
        for (k, v) in sel.match_labels() {
            let posting = bucket
                .postings
                .get(k)
                .and_then(|vs| vs.get(v))
                .map_or(&[][..], Vec::as_slice);
            if posting.len() < best.len() {
                best = posting;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cluster::Workload;
    use crate::k8s::LabelSelector;

    fn wl(ns: &str, app: &str) -> Workload {
        Workload {
            namespace: ns.to_string(),
            name: app.to_string(),
            labels: Labels::from_iter([("app".to_string(), app.to_string())]),
            ports: Vec::new(),
        }
    }

    #[test]
    fn candidates_use_the_rarest_label() {
        let cluster = Cluster::new(
            BTreeMap::new(),
            vec![
                wl("a", "web"),
                wl("a", "db"),
                wl("b", "web"),
                wl("a", "web"),
            ],
            Vec::new(),
        );
        let idx = Index::new(&cluster);
        let a = idx.ns_id("a").unwrap_or(usize::MAX);
        let web = Selector::new(&LabelSelector::labels(Labels::from_iter([(
            "app".to_string(),
            "web".to_string(),
        )])));
        assert_eq!(idx.candidates(a, &web), &[0, 3]);
        assert_eq!(idx.candidates(a, &Selector::everything()), &[0, 1, 3]);
        assert!(idx.candidates(a, &Selector::nothing()).is_empty());
        assert!(idx.candidates(99, &web).is_empty());
        assert_eq!(idx.ns_of(2), idx.ns_id("b"));
        let all_ns = idx.namespaces_matching(&Selector::everything());
        assert_eq!(all_ns, vec![0, 1]);
    }
}
