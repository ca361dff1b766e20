//! Traffic between workloads and addresses outside the cluster.
//!
//! `ipBlock` peers never match workloads; they (and rules without peers)
//! admit external addresses. For every workload and direction this lists
//! what is admitted, one row per granting rule peer, and for an isolated
//! direction a final denied row for everything not granted. These rows are
//! separate from the contract's `connections`. With cluster-wide tier
//! policies the grants are the engine's tier-aware pieces (an Admin Deny
//! cuts holes into an ipBlock grant) and each row names its deciding tier.

use std::fmt;

use crate::engine::{
    CiliumRuleRef, DecidingTier, Decision, ExternalAccess, ExternalPeer, IpBlockRef, PortSet,
    RuleRef,
};
use crate::k8s::PolicyType;

use super::Analysis;
use super::matrix::ClassExternal;

/// Which external addresses a row is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExternalAddresses {
    /// Every address.
    Any,
    /// The addresses of an `ipBlock`.
    Block(IpBlockRef),
    /// Every address and port not granted by the rows before it.
    Other,
}

impl fmt::Display for ExternalAddresses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternalAddresses::Any => f.write_str("any"),
            ExternalAddresses::Block(b) => write!(f, "{b}"),
            ExternalAddresses::Other => f.write_str("other"),
        }
    }
}

/// One row: ingress is external → workload, egress is workload → external.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRow {
    pub workload: usize,
    pub direction: PolicyType,
    pub addresses: ExternalAddresses,
    /// The ports concerned (full for a non-isolated direction; full for the
    /// final denied row, meaning "whatever is left").
    pub ports: PortSet,
    pub allowed: bool,
    /// The rule peer that grants the row; `None` when the direction is not
    /// isolated, for a grant by default (tiers decided nothing there) and
    /// for the final denied row. A tier rule has an empty namespace.
    pub rule: Option<RuleRef>,
    /// The Cilium rule peer that grants the row, when it is one (`rule`
    /// then names its policy only).
    pub cilium: Option<CiliumRuleRef>,
    /// The tier granting the row, with its rule; `None` when nothing
    /// restricts the direction, and for the final denied row.
    pub decision: Option<Decision>,
}

impl ExternalRow {
    /// The granting rule as the formats show it: the Cilium rule when it
    /// is one, else the NetworkPolicy or tier rule.
    pub fn rule_text(&self) -> Option<String> {
        match (&self.cilium, &self.rule) {
            (Some(c), _) => Some(c.to_string()),
            (None, Some(r)) => Some(r.to_string()),
            (None, None) => None,
        }
    }

    /// `from` as the contract would spell it: `ns/name` or `external`.
    pub fn from_to(&self, analysis: &Analysis<'_>) -> (String, String) {
        let w = analysis.id(self.workload);
        match self.direction {
            PolicyType::Ingress => ("external".to_string(), w),
            PolicyType::Egress => (w, "external".to_string()),
        }
    }
}

/// Rows for every workload in output order, ingress before egress.
pub(super) fn rows(analysis: &Analysis<'_>, per_class: &[ClassExternal]) -> Vec<ExternalRow> {
    let mut out = Vec::new();
    for &w in &analysis.order {
        let ext = &per_class[analysis.classes.of[w]];
        for (direction, access) in [
            (PolicyType::Ingress, &ext.ingress),
            (PolicyType::Egress, &ext.egress),
        ] {
            direction_rows(w, direction, access.as_deref(), &mut out);
        }
    }
    out
}

fn direction_rows(
    workload: usize,
    direction: PolicyType,
    access: Option<&[ExternalAccess]>,
    out: &mut Vec<ExternalRow>,
) {
    let row =
        |addresses, ports, allowed, rule: Option<(RuleRef, Option<CiliumRuleRef>)>, decision| {
            let (rule, cilium) = rule.map_or((None, None), |(r, c)| (Some(r), c));
            ExternalRow {
                workload,
                direction,
                addresses,
                ports,
                allowed,
                rule,
                cilium,
                decision,
            }
        };
    let Some(grants) = access else {
        out.push(row(
            ExternalAddresses::Any,
            PortSet::full(),
            true,
            None,
            None,
        ));
        return;
    };
    let mut everything = false;
    for g in grants {
        let addresses = match &g.peer {
            ExternalPeer::Any => ExternalAddresses::Any,
            ExternalPeer::IpBlock(b) => ExternalAddresses::Block(b.clone()),
        };
        everything |= addresses == ExternalAddresses::Any && g.ports.is_full();
        let rule =
            (g.decision.tier != DecidingTier::Default).then(|| (g.rule.clone(), g.cilium.clone()));
        out.push(row(
            addresses,
            g.ports.clone(),
            true,
            rule,
            Some(g.decision.clone()),
        ));
    }
    if !everything {
        let rest = if grants.is_empty() {
            ExternalAddresses::Any
        } else {
            ExternalAddresses::Other
        };
        out.push(row(rest, PortSet::full(), false, None, None));
    }
}
