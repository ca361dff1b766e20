//! Verification as a decision procedure: the rendered policies admit
//! exactly the declared flows, for every pod and address there could be.
//!
//! For every rule of every rendered policy in the intent's namespace the
//! traffic it admits is computed symbolically: its sources or destinations
//! as label constraints over namespace and pod labels ([`labels`]) or as
//! address intervals ([`addrs`]), the pods of the namespace it applies to,
//! and its protocols and port ranges ([`ports`], named ports resolved per
//! destination). The pods of the namespace are split into regions on which
//! every selector involved is constant (`regions`); in each region, per
//! direction the intent governs, the union of what the rules admit must lie
//! inside what the flows declare ([`Kind::Extra`] otherwise) and every
//! declared flow must be admitted ([`Kind::Missing`] otherwise).
//!
//! What is governed: ingress into a pod of the namespace when the intent
//! denies ingress by default, or the pod is the destination of a flow;
//! egress out of one when the intent denies egress by default, or the pod
//! is the source of a flow with an egress policy. A pod some rendered
//! policy isolates is checked too. A governed pod no policy isolates admits
//! everything. A pod carrying a declared service's labels has that
//! service's ports; at other pods named ports stay names, except that a
//! flow to one service means that service's numbers (as rendered).
//!
//! Every violation carries a concrete counterexample: a pod (its namespace,
//! its labels), or an address range, and a port.

pub mod addrs;
mod check;
pub mod cilium;
mod compare;
mod cover;
mod display;
pub mod labels;
pub mod ports;
mod regions;
mod rules;
mod traffic;
mod witness;

use std::net::IpAddr;

use crate::engine::{PolicyRef, RuleRef};
use crate::k8s::{Labels, NetworkPolicy, PolicyType, Protocol};
use crate::model::Model;

/// How many violations a proof lists; the rest are counted in
/// [`Proof::omitted`].
pub const MAX_VIOLATIONS: usize = 50;

/// The outcome: proven when there is no violation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    /// Sorted, one per kind, direction, flow and admitting rules.
    pub violations: Vec<Violation>,
    /// Violations beyond [`MAX_VIOLATIONS`], not listed.
    pub omitted: usize,
}

impl Proof {
    /// True if the policies admit exactly the declared flows.
    pub fn is_proven(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Admitted but not declared, or declared but not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The policies admit traffic no flow declares.
    Extra,
    /// A declared flow is not admitted.
    Missing,
}

/// One way the policies and the intent differ.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub kind: Kind,
    /// The side that decides: ingress at the destination, egress at the source.
    pub direction: PolicyType,
    /// The flow not admitted (for [`Kind::Missing`]).
    pub flow: Option<String>,
    /// The rules admitting the example (for [`Kind::Extra`]); empty when no
    /// policy isolates the pod in this direction.
    pub rules: Vec<RuleRef>,
    /// The policies isolating the pod of the namespace in this direction.
    pub isolated_by: Vec<PolicyRef>,
    /// A concrete connection that shows it.
    pub example: Example,
}

/// A connection: `from -> to:port`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Example {
    pub from: Party,
    pub to: Party,
    pub port: PortPoint,
}

/// One end of an example connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Party {
    /// A pod.
    Pod {
        namespace: NamespacePoint,
        /// Its labels (every key not listed is absent).
        labels: Labels,
        /// The service or peer it is a pod of, when its labels are exactly
        /// that service's (or the labels the peer's selector names).
        of: Option<String>,
    },
    /// Addresses outside the cluster, `first..=last`.
    Addresses { first: IpAddr, last: IpAddr },
}

/// The namespace of an example pod.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NamespacePoint {
    /// Its name; `None` for a name nothing involved mentions.
    pub name: Option<String>,
    /// Its labels besides `kubernetes.io/metadata.name`.
    pub labels: Labels,
}

/// The port of an example connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortPoint {
    /// Every port of every protocol.
    Any,
    /// One port number.
    Number { port: u16, protocol: Protocol },
    /// The destination's container port of this name (its number unknown).
    Named { name: String, protocol: Protocol },
}

/// Proves that `policies` admit exactly the flows of `model`, or lists how
/// they differ. Policies outside the model's namespace are ignored.
pub fn prove(model: &Model, policies: &[NetworkPolicy]) -> Proof {
    let intent = traffic::Intent::new(model, policies);
    let mut out = witness::Collector::new(&intent);
    check::check(&intent, PolicyType::Ingress, &mut out);
    check::check(&intent, PolicyType::Egress, &mut out);
    out.finish()
}
