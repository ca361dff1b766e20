//! Connectivity analysis of any manifests: who can reach whom, and why.
//!
//! [`Analysis::new`] groups workloads into equivalence [`classes`],
//! evaluates one representative per class with the [`Engine`], and keeps
//! the result as a compact class-to-class [`matrix`]. Connections are then
//! produced one source (or destination) at a time, in the analyzer
//! contract's order, so formatters can stream them. [`pairwise`] is the
//! plain pair-by-pair reference the class-based result is tested against.
//! Nothing here formats text: see `crate::report`.

pub mod addresses;
pub mod classes;
pub mod explain;
pub mod external;
pub mod graph;
pub mod matrix;
pub mod pairwise;
pub mod summary;

use crate::engine::{Cluster, Engine, FqdnGrant};
use crate::k8s::Protocol;

pub use classes::Classes;
pub use external::{ExternalAddresses, ExternalRow};
pub use matrix::Matrix;
pub use pairwise::{Connection, sorted_workloads, workload_id};
pub use summary::Summary;

use matrix::{ClassExternal, bit, count};

/// The connectivity of one cluster.
#[derive(Debug, Clone)]
pub struct Analysis<'c> {
    pub cluster: &'c Cluster,
    pub engine: Engine<'c>,
    pub classes: Classes,
    pub matrix: Matrix,
    external: Vec<ClassExternal>,
    /// Workload indices in `namespace/name` order: the output order.
    pub order: Vec<usize>,
    /// Input that could not be read, reported beside the answer.
    pub skipped: Vec<crate::diag::Diagnostic>,
    /// What was read but looks wrong (a window policy past its expiry),
    /// reported beside the answer.
    pub warnings: Vec<crate::diag::Diagnostic>,
}

/// Allowed and total connection counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows of the contract's `connections` array.
    pub total: u64,
    /// Rows with `allowed: true`.
    pub allowed: u64,
}

impl<'c> Analysis<'c> {
    /// Evaluates `cluster`: one ingress and one egress evaluation per class.
    pub fn new(cluster: &'c Cluster) -> Analysis<'c> {
        let engine = Engine::new(cluster);
        let classes = Classes::new(cluster);
        let (matrix, external) = Matrix::new(&engine, &classes);
        Analysis {
            cluster,
            engine,
            classes,
            matrix,
            external,
            order: sorted_workloads(cluster),
            skipped: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// `namespace/name` of workload `w`.
    pub fn id(&self, w: usize) -> String {
        workload_id(self.cluster, w)
    }

    /// Every connection of the contract, in its order: sources, then
    /// destinations in `namespace/name` order, then `(port, protocol)`.
    pub fn try_for_each_connection<E>(
        &self,
        mut f: impl FnMut(&Connection) -> Result<(), E>,
    ) -> Result<(), E> {
        self.try_for_each_pair(|s, d, cd, mask| self.each_port(s, d, cd, mask, &mut f))
    }

    /// All connections, collected (for tests and small clusters).
    pub fn connections(&self) -> Vec<Connection> {
        let mut out = Vec::new();
        let _ = self.try_for_each_connection(|c| {
            out.push(c.clone());
            Ok::<(), ()>(())
        });
        out
    }

    /// Every destination in output order with the connections into it:
    /// sources in output order, then `(port, protocol)`.
    pub fn try_for_each_destination<E>(
        &self,
        mut f: impl FnMut(usize, &[Connection]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut line = self.matrix.line();
        let mut rows = Vec::new();
        for &d in &self.order {
            let cd = self.classes.of[d];
            self.matrix.column(cd, &mut line);
            rows.clear();
            for &s in &self.order {
                let mask = line.mask(self.classes.of[s]);
                let _ = self.each_port(s, d, cd, mask, |c| {
                    rows.push(c.clone());
                    Ok::<(), ()>(())
                });
            }
            f(d, &rows)?;
        }
        Ok(())
    }

    /// Every pair with at least one allowed connection, in contract order,
    /// with the allowed `(port, protocol)`s.
    pub fn try_for_each_flow<E>(
        &self,
        mut f: impl FnMut(usize, usize, &[(u16, Protocol)]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut ports = Vec::new();
        self.try_for_each_pair(|s, d, cd, mask| {
            ports.clear();
            for (i, &pp) in self.classes.profile(cd).iter().enumerate() {
                if bit(mask, i) {
                    ports.push(pp);
                }
            }
            if ports.is_empty() {
                Ok(())
            } else {
                f(s, d, &ports)
            }
        })
    }

    /// Every ordered pair in contract order, with the destination's class
    /// and the allowed-port mask over its profile. A source class's row is
    /// expanded once for its run of workloads.
    fn try_for_each_pair<E>(
        &self,
        mut f: impl FnMut(usize, usize, usize, &[u64]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut line = self.matrix.line();
        let mut expanded = None;
        for &s in &self.order {
            let cs = self.classes.of[s];
            if expanded != Some(cs) {
                self.matrix.row(cs, &mut line);
                expanded = Some(cs);
            }
            for &d in &self.order {
                let cd = self.classes.of[d];
                f(s, d, cd, line.mask(cd))?;
            }
        }
        Ok(())
    }

    fn each_port<E>(
        &self,
        s: usize,
        d: usize,
        cd: usize,
        mask: &[u64],
        mut f: impl FnMut(&Connection) -> Result<(), E>,
    ) -> Result<(), E> {
        for (i, &(port, protocol)) in self.classes.profile(cd).iter().enumerate() {
            f(&Connection {
                from: s,
                to: d,
                port,
                protocol,
                allowed: bit(mask, i),
            })?;
        }
        Ok(())
    }

    /// Connection counts, computed per class pair without expanding rows
    /// into connections.
    pub fn counts(&self) -> Counts {
        let c = &self.classes;
        let into: u64 = (0..c.len())
            .map(|d| c.members[d].len() as u64 * c.profile(d).len() as u64)
            .sum();
        let mut counts = Counts {
            total: self.order.len() as u64 * into,
            allowed: 0,
        };
        let mut line = self.matrix.line();
        for s in 0..c.len() {
            self.matrix.row(s, &mut line);
            let mut per_source = 0;
            for d in 0..c.len() {
                per_source += count(line.mask(d)) * c.members[d].len() as u64;
            }
            counts.allowed += per_source * c.members[s].len() as u64;
        }
        counts
    }

    /// Traffic between workloads and addresses outside the cluster.
    pub fn external(&self) -> Vec<ExternalRow> {
        external::rows(self, &self.external)
    }

    /// Every workload's `toFQDNs` grants (names it may reach, resolved
    /// at run time), in output order; empty without Cilium policies.
    pub fn fqdn(&self) -> Vec<(usize, FqdnGrant)> {
        self.order
            .iter()
            .flat_map(|&w| self.engine.fqdn_grants(w).into_iter().map(move |g| (w, g)))
            .collect()
    }

    /// Counts, isolation and the selection summary.
    pub fn summary(&self) -> Summary {
        summary::summarize(self)
    }
}

#[cfg(test)]
mod tests;
