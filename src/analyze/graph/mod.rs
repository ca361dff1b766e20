//! A picture of the policy: the graph `dot`, `mermaid` and `html` draw,
//! for one analysis or for the two sides of a diff. Plain data; the
//! writers are in `crate::report::graph`.
//!
//! - **Nodes** are [`Class`]es: workloads of one namespace that no policy
//!   tells apart (the analyzer's classes; in a diff, the same class on
//!   both sides). Namespaces are clusters of their classes.
//! - A namespace **open** in every drawn direction (no policy isolates any
//!   of its workloads there, on any side) is one node, and the traffic that
//!   is allowed only because of that is not drawn edge by edge.
//! - **Edges** join two nodes, one per kind, the ports in one label. A
//!   port is *declared* when a policy rule admits it in a drawn direction
//!   (egress at the source, ingress at the destination), and *open* when
//!   it is allowed only because nothing isolates it. Open traffic into a
//!   namespace open for ingress, and out of one open for egress, is left
//!   to the namespace's mark; the rest of the open traffic is drawn.
//! - **External** addresses are nodes of their own; a namespace whose
//!   workloads all send (or accept) anything to (from) anywhere has one
//!   `any` edge for them instead of one per class.
//! - In a diff every edge is [`Change::Same`], [`Change::Added`] (only on
//!   side b) or [`Change::Removed`] (only on side a). A port both sides
//!   allow with different L7 rules (Cilium HTTP or DNS rules) is drawn
//!   twice, removed and added, marked [`Edge::l7`].
//! - Ids come from names, never from positions, so adding a workload
//!   renames nothing else.

mod build;
mod external;
mod focus;
pub mod joint;

use std::collections::BTreeMap;

use crate::engine::PortSet;
use crate::k8s::PolicyType;

pub use focus::Focus;
pub use joint::{Admitted, Class, Pair, PairPort, View};

/// What to draw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Only what touches this workload (`NS/NAME`) or namespace (`NS`),
    /// which is never collapsed.
    pub focus: Option<String>,
    /// One direction (`None`: both). It decides what counts as declared,
    /// which namespaces are open, and which external traffic is drawn.
    pub direction: Option<PolicyType>,
}

impl Options {
    /// The drawn directions.
    pub fn directions(&self) -> Vec<PolicyType> {
        match self.direction {
            Some(d) => vec![d],
            None => vec![PolicyType::Ingress, PolicyType::Egress],
        }
    }
}

/// How an edge or node differs between the sides of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// On every side (the only value for one analysis).
    Same,
    /// Only on side b.
    Added,
    /// Only on side a.
    Removed,
}

impl Change {
    /// From which sides have it (`[a, b]`, or one side).
    pub fn of(present: &[bool]) -> Change {
        match present {
            [true, false] => Change::Removed,
            [false, true] => Change::Added,
            _ => Change::Same,
        }
    }

    /// `unchanged`, `added`, `removed`.
    pub fn name(self) -> &'static str {
        match self {
            Change::Same => "unchanged",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

/// What a node stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A namespace drawn as a cluster of its classes.
    Namespace,
    /// A class, by index into [`Graph::classes`].
    Class(usize),
    /// A namespace open in every drawn direction, drawn as one node.
    Open,
    /// Addresses outside the cluster: `any` or an ipBlock.
    External,
}

/// A node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Stable, from names: `ns/name` (a class), `cluster:ns`, `ns:ns` (an
    /// open namespace), `external` or `external:CIDR except ...`.
    pub id: String,
    pub kind: NodeKind,
    /// The namespace a class belongs to, or that a cluster or open node is.
    pub namespace: Option<String>,
    /// The label, line by line.
    pub lines: Vec<String>,
    pub change: Change,
}

impl Node {
    /// The namespace it belongs to; empty for the external nodes.
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or_default()
    }
}

/// Why an edge is there, for the explanation of a click.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// A class pair, by index into [`Graph::pairs`].
    Pair(usize),
    /// Traffic between a class and external addresses (`addresses` as in
    /// the analyzer's external rows: `any` or the ipBlock).
    External {
        class: usize,
        direction: PolicyType,
        addresses: String,
    },
    /// Every workload of a namespace is open to (or from) anywhere.
    OpenNamespace {
        namespace: String,
        direction: PolicyType,
    },
}

/// An edge: one kind of traffic between two nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Node indices.
    pub from: usize,
    pub to: usize,
    pub ports: PortSet,
    /// Admitted by a rule (else: open).
    pub declared: bool,
    /// In a diff: both sides allow these ports, with different L7 rules
    /// (the removed edge stands for a's rules, the added one for b's).
    pub l7: bool,
    pub change: Change,
    pub reasons: Vec<Reason>,
}

/// The picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// Labels of the sides: one for an analysis, `[a, b]` for a diff.
    pub sides: Vec<String>,
    pub options: Options,
    pub classes: Vec<Class>,
    /// Every class pair with a port some side allows (drawn or not).
    pub pairs: Vec<Pair>,
    /// Namespaces with workloads on some side, in name order, with
    /// whether each is open for `[ingress, egress]` on every side.
    pub namespaces: Vec<(String, [bool; 2])>,
    /// Clusters, then classes, open namespaces and external nodes, each in
    /// id order; a class follows its cluster's order.
    pub nodes: Vec<Node>,
    /// In (from id, to id, change, declared first) order.
    pub edges: Vec<Edge>,
}

impl Graph {
    /// The class nodes of each namespace, in drawing order.
    pub fn classes_by_namespace(&self) -> BTreeMap<&str, Vec<&Node>> {
        let mut out: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
        for n in self
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Class(_)))
        {
            out.entry(n.ns()).or_default().push(n);
        }
        out
    }

    /// Builds the picture of `views` (one, or the sides a and b of a diff).
    /// Fails only on a focus that names nothing.
    pub fn build(views: &[View<'_>], sides: &[&str], options: &Options) -> Result<Graph, String> {
        build::build(views, sides, options)
    }

    /// True for the picture of a diff.
    pub fn is_diff(&self) -> bool {
        self.sides.len() > 1
    }

    /// The node of `id`.
    pub fn node(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }
}

/// The id of the node for the external addresses of an analyzer row.
pub fn external_id(addresses: &str) -> String {
    if addresses == "any" {
        "external".to_string()
    } else {
        format!("external:{addresses}")
    }
}

#[cfg(test)]
mod tests;
