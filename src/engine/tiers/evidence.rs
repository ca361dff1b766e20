//! The evidence a tiered verdict carries: which tier decided, and which
//! cluster-wide policy, rule and action.

use std::fmt;

use crate::k8s::PolicyType;

use super::super::ir::{PolicyRef, RuleRef};
use super::types::{Tier, TierAction, TierKind};

/// Names a cluster-wide policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TierPolicyRef {
    /// The kind it was read from.
    pub kind: TierKind,
    /// `metadata.name`.
    pub name: String,
    /// Its tier.
    pub tier: Tier,
    /// Its priority (`None` for a BaselineAdminNetworkPolicy).
    pub priority: Option<u32>,
}

impl fmt::Display for TierPolicyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// Names one rule of a cluster-wide policy, the peer that matched and the
/// rule's action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TierRuleRef {
    /// The policy holding the rule.
    pub policy: TierPolicyRef,
    /// `Ingress` for `spec.ingress`, `Egress` for `spec.egress`.
    pub direction: PolicyType,
    /// Index into `spec.ingress` / `spec.egress`.
    pub rule: usize,
    /// Index into the rule's `from` / `to`.
    pub peer: Option<usize>,
    /// The rule's action (a fail-closed rule reads as `Deny`).
    pub action: TierAction,
}

impl TierRuleRef {
    /// The rule as a [`RuleRef`], for data that holds only those: the
    /// policy's namespace is empty (cluster-scoped policies have none).
    pub fn as_rule_ref(&self) -> RuleRef {
        RuleRef {
            policy: PolicyRef {
                namespace: String::new(),
                name: self.policy.name.clone(),
            },
            direction: self.direction,
            rule: self.rule,
            peer: self.peer,
        }
    }
}

impl fmt::Display for TierRuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (list, peers) = match self.direction {
            PolicyType::Ingress => ("ingress", "from"),
            PolicyType::Egress => ("egress", "to"),
        };
        write!(f, "{} spec.{list}[{}]", self.policy, self.rule)?;
        if let Some(p) = self.peer {
            write!(f, ".{peers}[{p}]")?;
        }
        write!(f, " ({})", self.action.spelled(self.policy.kind))
    }
}

/// The tier whose answer stands for one direction of one connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecidingTier {
    /// An Admin-tier rule accepted or denied.
    Admin,
    /// NetworkPolicy isolates the pod in this direction and decided (see
    /// `isolated_by` / `allowed_by`).
    NetworkPolicy,
    /// A Baseline-tier rule accepted or denied.
    Baseline,
    /// Nothing decided: allowed by default (also the side of an external
    /// address, which has no policy of its own).
    #[default]
    Default,
}

impl fmt::Display for DecidingTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecidingTier::Admin => "Admin",
            DecidingTier::NetworkPolicy => "NetworkPolicy",
            DecidingTier::Baseline => "Baseline",
            DecidingTier::Default => "default",
        })
    }
}

/// Who decided one direction of a connection (or one external grant).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decision {
    /// The deciding tier.
    pub tier: DecidingTier,
    /// The rule whose action decided: `Some` for Admin and Baseline.
    pub rule: Option<TierRuleRef>,
    /// `Pass` rules crossed on the way, in evaluation order (an Admin Pass
    /// delegating to NetworkPolicy, a Baseline Pass to the default).
    pub passed: Vec<TierRuleRef>,
    /// First matching rules of other policies of the same tier and
    /// priority whose action differs from the deciding one. The API leaves
    /// the choice between equal priorities to the implementation
    /// (`Priority` comments of ClusterNetworkPolicySpec and
    /// AdminNetworkPolicySpec); the engine takes the policy whose name
    /// sorts first and lists the others here. Filled by `Engine::verdict`.
    pub tied: Vec<TierRuleRef>,
}

impl Decision {
    /// A decision of `tier` by no rule.
    pub fn by(tier: DecidingTier) -> Decision {
        Decision {
            tier,
            ..Decision::default()
        }
    }

    /// The deciding action, for Admin and Baseline decisions.
    pub fn action(&self) -> Option<TierAction> {
        self.rule.as_ref().map(|r| r.action)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.passed {
            write!(f, "{p} -> ")?;
        }
        match &self.rule {
            Some(r) => write!(f, "{}: {r}", self.tier),
            None => write!(f, "{}", self.tier),
        }
    }
}
