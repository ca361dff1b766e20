//! CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy in the engine:
//! the subset netpolgen renders (`crate::k8s::cilium` reads it), compiled
//! per cluster and combined with NetworkPolicy in one repository, as the
//! Cilium agent combines them.
//!
//! Semantics, with their sources in cilium/cilium:
//!
//! - A rule selecting a workload puts it in default deny for ingress if it
//!   has `ingress` or `ingressDeny` rules, likewise egress, unless
//!   `enableDefaultDeny` says otherwise for that direction (`Rule.Sanitize`
//!   in `pkg/policy/api/rule_validation.go`; "Policy Enforcement Modes",
//!   `default` mode, `Documentation/security/policy/intro.rst`). An empty
//!   list (`ingress: []`) is no rule; a rule with no section at all is
//!   rejected by the agent (`Rule.Validate`) and by the reader.
//! - One repository: NetworkPolicies and Cilium policies of a workload
//!   are one set. A direction is isolated if any of them isolates it; it
//!   then admits the union of every allow rule, of both kinds (a Cilium
//!   policy with `enableDefaultDeny: false` still adds its rules). A
//!   matching deny rule drops the connection whatever allows it ("Deny
//!   policies take precedence over allow policies, regardless of whether
//!   they are a Cilium Network Policy, a Clusterwide Cilium Network Policy
//!   or even a Kubernetes Network Policy", `Documentation/security/policy/deny.rst`),
//!   also where nothing isolates the direction.
//! - With the cluster-wide tiers (`super::tiers`), Cilium policies belong
//!   to the NetworkPolicy tier: an Admin rule decides before them; they
//!   decide where they isolate the workload or deny the connection; the
//!   Baseline tier decides what is left.
//! - Selectors: `k8s:`/`any:` prefixes match pod labels; the namespace is
//!   `io.kubernetes.pod.namespace`, namespace labels are
//!   `io.cilium.k8s.namespace.labels.KEY`; a CiliumNetworkPolicy selects
//!   its own namespace's pods, and its peer selectors without a namespace
//!   (or namespace label) stay in that namespace (`getEndpointSelector`,
//!   `pkg/k8s/apis/cilium.io/utils/utils.go`).
//! - The L3 fields of one rule are ORed (`GetSourceEndpointSelectorsWithRequirements`);
//!   a rule without L3 field applies to every peer if it has `toPorts`
//!   and to none otherwise; a rule without `toPorts` (and `icmps`) admits
//!   every port (`mergeIngress`/`mergeEgress`, `pkg/policy/rule.go`).
//! - Entities (`pkg/policy/api/entity.go`, `layer3.rst`): `world` is every
//!   address outside the cluster, `cluster` every workload, `all` both;
//!   others are recorded as not evaluated and match nothing.
//! - CIDR peers match addresses outside the cluster only, as `ipBlock`
//!   does (`layer3.rst` "CIDR rules do not apply to traffic where both
//!   sides of the connection are ... managed by Cilium").
//! - Ports: `ANY` (or none) is TCP, UDP and SCTP, port `0` every port,
//!   `endPort` a range, a name resolves at the destination.
//! - L7 rules do not change the verdict; they are its evidence
//!   ([`L7Constraint`]). An allowing rule on the port without L7 rules (a
//!   NetworkPolicy rule included) lifts them (`layer7.rst`).
//! - `toFQDNs` admits the addresses its names resolve to at run time:
//!   offline no address is known to be one, so they are a separate grant
//!   ([`FqdnGrant`]) and the evidence of a verdict towards an external
//!   address lists the FQDN rules that could admit it.

pub(crate) mod compile;
mod evidence;
pub(crate) mod query;

#[cfg(test)]
mod tests;

pub use crate::k8s::cilium::{
    CiliumKind, CiliumParseError, CiliumPolicy, FqdnSelector, HttpRule, cilium_kind,
    parse_cilium_policy,
};
pub use evidence::{CiliumEvidence, CiliumPolicyRef, CiliumRuleRef, FqdnGrant, L7Constraint};
