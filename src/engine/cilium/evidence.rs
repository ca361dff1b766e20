//! The evidence Cilium policies add to a verdict: which of them isolate
//! the workload, which rules admit or deny the connection, the L7 rules
//! that constrain it, and the FQDN rules that may admit it at run time.

use std::fmt;

use crate::k8s::PolicyType;
use crate::k8s::cilium::{CiliumKind, FqdnSelector, HttpRule};

use super::super::ports::PortSet;

/// Names a Cilium policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CiliumPolicyRef {
    /// The kind.
    pub kind: CiliumKind,
    /// The namespace of a CiliumNetworkPolicy; empty for the cluster-wide kind.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl fmt::Display for CiliumPolicyRef {
    /// `CiliumNetworkPolicy/shop/web`, `CiliumClusterwideNetworkPolicy/base`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Names one rule of a Cilium policy and the peer that matched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CiliumRuleRef {
    /// The policy.
    pub policy: CiliumPolicyRef,
    /// `None` for `spec`, `Some(i)` for `specs[i]`.
    pub spec: Option<usize>,
    /// The direction.
    pub direction: PolicyType,
    /// True for `ingressDeny` / `egressDeny`.
    pub deny: bool,
    /// Index into the rule list.
    pub rule: usize,
    /// The L3 field and index that matched; `None` for a rule without
    /// peers (`toPorts` only: every peer).
    pub peer: Option<(&'static str, usize)>,
}

impl CiliumRuleRef {
    /// The field path of the rule (and peer), e.g.
    /// `spec.egressDeny[0].toCIDRSet[1]`.
    pub fn path(&self) -> String {
        let list = match (self.direction, self.deny) {
            (PolicyType::Ingress, false) => "ingress",
            (PolicyType::Ingress, true) => "ingressDeny",
            (PolicyType::Egress, false) => "egress",
            (PolicyType::Egress, true) => "egressDeny",
        };
        let spec = match self.spec {
            None => "spec".to_string(),
            Some(i) => format!("specs[{i}]"),
        };
        let mut out = format!("{spec}.{list}[{}]", self.rule);
        if let Some((field, i)) = self.peer {
            out.push_str(&format!(".{field}[{i}]"));
        }
        out
    }
}

impl fmt::Display for CiliumRuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.policy, self.path())
    }
}

/// The L7 rules that constrain one direction of one connection. Cilium
/// merges the rules of every allowing rule on the port; an allowing rule
/// on the same port without L7 rules (or a NetworkPolicy rule) lifts the
/// restriction ("If a layer 4 rule is specified in the policy, and a
/// similar layer 4 rule with layer 7 rules is also specified, then the
/// layer 7 portions of the latter rule will have no effect",
/// `Documentation/security/policy/layer7.rst`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct L7Constraint {
    /// HTTP rules: a request passes if one matches.
    pub http: Vec<(CiliumRuleRef, HttpRule)>,
    /// DNS rules: the names that may be looked up.
    pub dns: Vec<(CiliumRuleRef, FqdnSelector)>,
    /// Rules of protocols not evaluated (`kafka`, `l7proto`).
    pub other: Vec<(CiliumRuleRef, &'static str)>,
}

impl L7Constraint {
    /// True if nothing is listed.
    pub fn is_empty(&self) -> bool {
        self.http.is_empty() && self.dns.is_empty() && self.other.is_empty()
    }
}

/// An egress `toFQDNs` rule: the workload may reach the addresses the
/// names resolve to at run time, on these ports. Offline, no address is
/// known to be one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FqdnGrant {
    /// The rule (its first `toFQDNs` entry as the peer).
    pub rule: CiliumRuleRef,
    /// Every `toFQDNs` entry of the rule.
    pub names: Vec<FqdnSelector>,
    /// The ports (named ports resolve to nothing towards an address).
    pub ports: PortSet,
    /// HTTP rules on those ports, if any.
    pub http: Vec<HttpRule>,
}

/// What Cilium policies say about one direction of one connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiliumEvidence {
    /// Cilium policies that put the workload in default deny for this
    /// direction, in cluster order.
    pub isolated_by: Vec<CiliumPolicyRef>,
    /// Allow rules (and peers) that match the connection.
    pub allowed_by: Vec<CiliumRuleRef>,
    /// Deny rules that match it: they win over every allow
    /// (`Documentation/security/policy/deny.rst`).
    pub denied_by: Vec<CiliumRuleRef>,
    /// The L7 rules of the allowing rules; `None` when nothing restricts
    /// the connection at L7 (no allowing rule has L7 rules, or one on the
    /// port has none).
    pub l7: Option<L7Constraint>,
    /// True when an allowing rule on the port has L7 rules but another
    /// allowing rule on it (or a NetworkPolicy rule) has none, which lifts
    /// them: `l7` is then `None`.
    pub l7_lifted: bool,
    /// Towards an external address: `toFQDNs` rules on the port, which
    /// admit it if it is what their names resolve to (depends on DNS at
    /// run time).
    pub fqdn: Vec<FqdnGrant>,
}

impl CiliumEvidence {
    /// True if no Cilium policy said anything.
    pub fn is_empty(&self) -> bool {
        self == &CiliumEvidence::default()
    }
}
