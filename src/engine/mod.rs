//! The NetworkPolicy evaluation engine: pure, no I/O.
//!
//! Build a [`Cluster`] (namespaces, workloads, policies), then an
//! [`Engine`] over it. The engine compiles every policy once into matchers
//! and answers:
//!
//! - [`Engine::verdict`]: one connection, with the policies and rules
//!   behind the answer;
//! - [`Engine::ingress_access`] / [`Engine::egress_access`]: everything one
//!   direction of a workload admits;
//! - [`Engine::allowed_ports`]: the ports open from one workload to another.
//!
//! Semantics follow upstream Kubernetes NetworkPolicy: per-direction
//! isolation by policies of the pod's own namespace, union of rules, egress
//! at the source AND ingress at the destination, `policyTypes` defaulting,
//! named ports resolved at the destination. Structurally invalid parts of a
//! spec match nothing; [`validate`] lists them.
//!
//! With cluster-wide [`tiers`] in [`Cluster::tiers`], each direction goes
//! Admin tier, NetworkPolicy, Baseline tier, default allow; verdicts and
//! access sets include them, and [`Decision`] says which tier decided.
//!
//! With [`cilium`] policies in [`Cluster::cilium`], they join the
//! NetworkPolicy answer (isolation, allow rules, deny rules that win);
//! [`DirectionVerdict::cilium`] carries their evidence, with the L7 rules
//! and the FQDN rules that could apply, and [`Engine::fqdn_grants`] lists
//! what a workload may reach by name.

pub mod cilium;
mod cluster;
mod eval;
mod index;
mod ir;
mod keys;
mod portmatch;
mod ports;
mod selector;
#[cfg(test)]
mod testutil;
pub mod tiers;
mod validate;

pub use cilium::{
    CiliumEvidence, CiliumPolicy, CiliumPolicyRef, CiliumRuleRef, FqdnGrant, L7Constraint,
};
pub use cluster::{Cluster, NAMESPACE_NAME_LABEL, Policy, Workload, normalize_namespaces};
pub use eval::{Access, DirectionVerdict, Endpoint, Engine, ExternalAccess, ExternalPeer, Verdict};
pub use ir::{IpBlockRef, PolicyRef, RuleRef, effective_policy_types};
pub use keys::selector_keys;
pub use portmatch::{PortEntry, PortMatcher, PortSpec, resolve_policy_port};
pub use ports::{MAX_PORT, MIN_PORT, PortSet};
pub use selector::{Selector, selector_matches};
pub use tiers::{
    DecidingTier, Decision, TierParseError, TierPolicy, TierPolicyRef, TierRuleRef,
    parse_tier_policy, tier_kind,
};
pub use validate::{SpecProblem, validate};
