//! Cilium's policies as data: CiliumNetworkPolicy and
//! CiliumClusterwideNetworkPolicy (`cilium.io/v2`), read from documents
//! with every field checked. `crate::engine::cilium` evaluates them; its
//! module documentation gives the semantics and their sources.
//!
//! The subset evaluated: `endpointSelector`; `ingress`, `ingressDeny`,
//! `egress`, `egressDeny` with `fromEndpoints`/`toEndpoints`,
//! `fromCIDR`/`toCIDR`, `fromCIDRSet`/`toCIDRSet` (`cidr`, `except`),
//! `fromEntities`/`toEntities` (all, world, cluster, none), `toFQDNs` and
//! `toPorts` (`port` number or name, `endPort`, `protocol` TCP, UDP, SCTP
//! or ANY, `rules.http`, `rules.dns`); `enableDefaultDeny`. Every other
//! field is read far enough to check its shape and recorded in
//! [`CiliumPolicy::unevaluated`] with its field path; `labels`,
//! `description` and `log` change no connectivity and are accepted.

mod parse;
mod peers;
mod ports;
pub mod types;

#[cfg(test)]
mod parse_tests;

pub use parse::{CILIUM_API_GROUP, CILIUM_API_VERSION, cilium_kind, parse_cilium_policy};
pub use types::{
    CiliumKind, CiliumPeer, CiliumPeerKind, CiliumPolicy, CiliumPort, CiliumPortRule,
    CiliumPortSpec, CiliumRule, CiliumSelector, CiliumSpec, Entity, FqdnSelector, HttpRule,
    L7Rules, NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX, Unevaluated, UnevaluatedReason,
};

/// Why a Cilium policy document could not be read, and where.
pub type CiliumParseError = crate::k8s::fields::FieldError;
