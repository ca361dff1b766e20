//! The cluster-wide policy tiers of kubernetes-sigs/network-policy-api as
//! data: `ClusterNetworkPolicy` (`policy.networking.k8s.io/v1alpha2`) and
//! `AdminNetworkPolicy` / `BaselineAdminNetworkPolicy` (`v1alpha1`), read
//! from documents with every field checked. `crate::engine::tiers`
//! evaluates them; its module documentation gives the semantics.

mod parse;
mod parse_ports;
pub mod types;

#[cfg(test)]
mod parse_tests;

/// Why a tier policy document could not be read, and where.
pub type TierParseError = crate::k8s::fields::FieldError;
pub use parse::{TIER_API_GROUP, parse_tier_policy, tier_kind};
pub use types::{
    Subject, Tier, TierAction, TierKind, TierPeer, TierPolicy, TierPort, TierRule, Unevaluated,
    UnevaluatedReason,
};
