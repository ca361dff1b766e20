//! Every pair of environments at once: which flows each one allows that
//! another does not.

use serde::Serialize;

use super::allowed::{self, Flows};
use super::conn::{ExternalFlow, Flow};
use super::side::{self, Side};

/// The flows `has` allows and `lacks` does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub has: String,
    pub lacks: String,
    /// Between workloads.
    pub flows: Vec<Flow>,
    /// Between a workload and addresses outside the cluster.
    pub external: Vec<ExternalFlow>,
}

impl Pair {
    /// How many flows of either kind.
    pub fn len(&self) -> usize {
        self.flows.len() + self.external.len()
    }

    /// No flow of either kind.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every ordered pair of environments, row-major in environment order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub environments: Vec<String>,
    /// Whether namespace, suffix and environment were replaced by placeholders.
    pub normalized: bool,
    pub pairs: Vec<Pair>,
    pub notes: Vec<String>,
}

impl Table {
    /// How many flows environment `has` allows that `lacks` does not.
    pub fn count(&self, has: &str, lacks: &str) -> Option<usize> {
        self.pairs
            .iter()
            .find(|p| p.has == has && p.lacks == lacks)
            .map(Pair::len)
    }

    /// A cell of the table: the count, or `-` on the diagonal.
    pub fn cell(&self, has: &str, lacks: &str) -> String {
        self.count(has, lacks)
            .map_or_else(|| "-".to_string(), |n| n.to_string())
    }

    /// Every environment allows the same flows.
    pub fn is_empty(&self) -> bool {
        self.pairs.iter().all(Pair::is_empty)
    }
}

/// Compares every environment with every other. Each side's allowed flows
/// are computed once, the sides side by side on the machine's cores.
pub fn table(envs: &[(String, Side)], normalize: bool) -> Table {
    let sides: Vec<&Side> = envs.iter().map(|(_, s)| s).collect();
    let clusters: Vec<_> = side::among(&sides).into_iter().zip(&sides).collect();
    // Each side on the next free core.
    let locals = crate::parallel::map_each(&clusters, |(cluster, s)| {
        let norm = s.norm.as_ref().filter(|_| normalize);
        allowed::local(cluster, norm)
    });
    let allowed = Flows::share(locals);
    let mut pairs = Vec::new();
    for (i, (has, _)) in envs.iter().enumerate() {
        for (j, (lacks, _)) in envs.iter().enumerate() {
            if i == j {
                continue;
            }
            pairs.push(Pair {
                has: has.clone(),
                lacks: lacks.clone(),
                flows: allowed.difference(i, j),
                external: allowed.external_difference(i, j),
            });
        }
    }
    let notes = envs
        .iter()
        .flat_map(|(name, s)| s.notes.iter().map(move |n| format!("{name}: {n}")))
        .collect();
    Table {
        environments: envs.iter().map(|(n, _)| n.clone()).collect(),
        normalized: normalize,
        pairs,
        notes,
    }
}
