//! The proof of a Cilium render, in two parts.
//!
//! L3 and L4: each rendered CiliumNetworkPolicy is translated to the
//! NetworkPolicy that admits the same pods, addresses and ports
//! ([`network_policies`]), which the symbolic proof then checks like any
//! other render. The translation keeps rule indices: an empty rule
//! (`ingress: [{}]`, which isolates and admits nothing) becomes a rule
//! whose only peer is an empty address block. `toFQDNs` peers admit no
//! address here: what names resolve to is known only at run time.
//! [`translate`] also returns the way back ([`Fields`]), so that what the
//! proof reports names the CiliumNetworkPolicy field a translated rule and
//! peer came from (`spec.egress[0].toCIDRSet[1]`), not the translation's.
//!
//! L7 and names ([`l7`]): on the intent's own workloads the engine
//! evaluates the Cilium policies, and for every declared flow, source,
//! destination and port:
//!
//! - the HTTP rules that apply equal the declared ones (the union over the
//!   flows admitting that connection; none if one of them has none);
//! - no rule admits the connection on the port without L7 rules while
//!   another restricts it: Cilium would then ignore the HTTP rules;
//! - the `toFQDNs` names a source may reach, per port, equal the declared
//!   ones, and its DNS egress carries `rules.dns` naming each of them, so
//!   that Cilium's DNS proxy learns their addresses.

mod http;
mod l7;
mod translate;

pub use l7::{L7Violation, l7};
pub use translate::{Fields, network_policies, translate};
