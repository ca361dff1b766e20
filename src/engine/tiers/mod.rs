//! The cluster-wide policy tiers of kubernetes-sigs/network-policy-api:
//! `ClusterNetworkPolicy` (v1alpha2) and `AdminNetworkPolicy` /
//! `BaselineAdminNetworkPolicy` (v1alpha1), as data ([`types`]), read from
//! documents (`crate::k8s::tiers`) and compiled for the engine.
//!
//! Semantics, with their sources in that repository:
//!
//! - One direction of one connection is decided by the Admin tier, then
//!   NetworkPolicy, then the Baseline tier, then allowed by default
//!   (`ClusterNetworkPolicySpec.Tier`, `site-src/api-overview.md` "Tiers").
//!   Egress at the source and ingress at the destination must both allow;
//!   an external address has no policy of its own.
//! - Inside a tier, policies go by `priority` (lower first) and, inside a
//!   policy, by rule order; the first matching rule decides
//!   (`Priority`, `Ingress`, `Egress` comments). Equal priorities are
//!   left to the implementation (same comments): the engine takes names in
//!   order and reports the tie in `Decision::tied`.
//! - `Accept` (v1alpha1 `Allow`) and `Deny` are final; `Pass` skips the rest
//!   of the tier: from Admin to NetworkPolicy (and to Baseline when no
//!   NetworkPolicy isolates the pod), from Baseline to the default (`Action`
//!   comments; `AdminNetworkPolicyRuleActionPass`).
//! - NetworkPolicy "always makes a final decision for selected pods"
//!   (`Tier` comment): Baseline applies only where no NetworkPolicy
//!   isolates the pod in that direction.
//! - A subject or peer selects pods by `namespaces` (namespace selector) or
//!   `pods` (namespace AND pod selector); there is no implicit isolation.
//! - `ports` / `protocols` absent: every port; named ports resolve at the
//!   destination pod, on whatever protocol its container port has
//!   (`AdminNetworkPolicyPort.NamedPort`,
//!   `ClusterNetworkPolicyProtocol.DestinationNamedPort`).
//! - `networks` (egress) match addresses outside the cluster; their effect
//!   on pod IPs is recorded as not evaluated. `nodes` and `domainNames`
//!   match nothing and are recorded; a peer with no field fails closed
//!   (`ClusterNetworkPolicyEgressPeer` comment).
//! - A workload to itself is evaluated with the ordinary rules: the pair
//!   stands for replica-to-replica traffic, which is subject to these
//!   policies (only a pod reaching its own Pod IP is not, api-overview.md
//!   "hairpin").

pub(crate) mod compile;
mod evidence;
pub(crate) mod region;
pub(crate) mod walk;

pub use crate::k8s::tiers::types;
pub use crate::k8s::tiers::{
    Subject, TIER_API_GROUP, Tier, TierAction, TierKind, TierParseError, TierPeer, TierPolicy,
    TierPort, TierRule, Unevaluated, UnevaluatedReason, parse_tier_policy, tier_kind,
};
pub use evidence::{DecidingTier, Decision, TierPolicyRef, TierRuleRef};
