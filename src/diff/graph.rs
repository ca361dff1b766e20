//! What the picture of a diff is drawn from: the two clusters the
//! connectivity diff evaluates, with the workloads named as the diff names
//! them (placeholders where the sides are normalised).

use super::normalize;
use super::side::{self, Side};
use crate::engine::Cluster;

/// Both sides, ready to be analyzed and drawn.
#[derive(Debug, Clone)]
pub struct Sides {
    /// How the sides were named on the command line.
    pub labels: [String; 2],
    pub clusters: [Cluster; 2],
    /// Per side, `(namespace, name)` of every workload as the diff names it.
    pub names: [Vec<(String, String)>; 2],
}

/// The sides of `a` against `b`, normalised as [`super::compare`] does.
pub fn sides(a: &Side, b: &Side, normalize: bool) -> Sides {
    let norms = match (normalize, &a.norm, &b.norm) {
        (true, Some(na), Some(nb)) => [Some(na), Some(nb)],
        _ => [None, None],
    };
    let (ca, cb) = side::clusters(a, b);
    let names = |c: &Cluster, norm| {
        c.workloads
            .iter()
            .map(|w| (normalize::value(norm, &w.namespace), w.name.clone()))
            .collect()
    };
    Sides {
        labels: [a.label.clone(), b.label.clone()],
        names: [names(&ca, norms[0]), names(&cb, norms[1])],
        clusters: [ca, cb],
    }
}
