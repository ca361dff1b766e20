//! The cluster-wide policy tiers as typed data: `ClusterNetworkPolicy`
//! (`policy.networking.k8s.io/v1alpha2`) and its predecessors
//! `AdminNetworkPolicy` / `BaselineAdminNetworkPolicy` (`v1alpha1`), all
//! read into one shape. Field names and meanings follow
//! kubernetes-sigs/network-policy-api `apis/v1alpha2/clusternetworkpolicy_types.go`
//! and `apis/v1alpha1/{adminnetworkpolicy,baselineadminnetworkpolicy,shared}_types.go`.

use std::fmt;

use ipnet::IpNet;

use crate::k8s::{LabelSelector, Protocol};

/// The API kind a tier policy was read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TierKind {
    /// `v1alpha2` ClusterNetworkPolicy, in the tier its `spec.tier` names.
    #[default]
    ClusterNetworkPolicy,
    /// `v1alpha1` AdminNetworkPolicy: always the Admin tier.
    AdminNetworkPolicy,
    /// `v1alpha1` BaselineAdminNetworkPolicy: the Baseline tier, a
    /// singleton named `default` without a priority.
    BaselineAdminNetworkPolicy,
}

impl TierKind {
    /// The `kind` as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            TierKind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
            TierKind::AdminNetworkPolicy => "AdminNetworkPolicy",
            TierKind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
        }
    }

    /// The `apiVersion` of the kind.
    pub fn api_version(self) -> &'static str {
        match self {
            TierKind::ClusterNetworkPolicy => "policy.networking.k8s.io/v1alpha2",
            _ => "policy.networking.k8s.io/v1alpha1",
        }
    }
}

impl fmt::Display for TierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tier a cluster-wide policy belongs to. Evaluation order is Admin,
/// then NetworkPolicy, then Baseline (`ClusterNetworkPolicySpec.Tier`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Evaluated before NetworkPolicy; cannot be overridden by it.
    #[default]
    Admin,
    /// Evaluated only for pods no NetworkPolicy isolates in that direction.
    Baseline,
}

impl Tier {
    /// `Admin` or `Baseline`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Admin => "Admin",
            Tier::Baseline => "Baseline",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's action. `v1alpha1`'s `Allow` is read as [`TierAction::Accept`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TierAction {
    /// Final in its tier: the traffic is allowed in this direction.
    #[default]
    Accept,
    /// Final in its tier: the traffic is dropped.
    Deny,
    /// Skips the rest of the tier: Admin passes to NetworkPolicy (then
    /// Baseline), Baseline passes to the default (allow).
    Pass,
}

impl TierAction {
    /// The spelling of the action in `kind`: `Allow` in `v1alpha1`.
    pub fn spelled(self, kind: TierKind) -> &'static str {
        match (self, kind) {
            (TierAction::Accept, TierKind::ClusterNetworkPolicy) => "Accept",
            (TierAction::Accept, _) => "Allow",
            (TierAction::Deny, _) => "Deny",
            (TierAction::Pass, _) => "Pass",
        }
    }
}

impl fmt::Display for TierAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spelled(TierKind::ClusterNetworkPolicy))
    }
}

/// A cluster-wide policy of the Admin or Baseline tier.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TierPolicy {
    /// The kind it was read from.
    pub kind: TierKind,
    /// `metadata.name` (cluster-scoped: no namespace).
    pub name: String,
    /// The tier.
    pub tier: Tier,
    /// `spec.priority` (0..=1000, lower first); `None` for a
    /// BaselineAdminNetworkPolicy, which has none.
    pub priority: Option<u32>,
    /// The pods the policy applies to.
    pub subject: Subject,
    /// `spec.ingress`, in precedence order.
    pub ingress: Vec<TierRule>,
    /// `spec.egress`, in precedence order.
    pub egress: Vec<TierRule>,
    /// Parts of the policy the engine does not evaluate fully, for the
    /// caller to warn about. Each matches less than it would in a cluster
    /// (never more), except where [`Unevaluated::reason`] says otherwise.
    pub unevaluated: Vec<Unevaluated>,
}

/// `spec.subject`: exactly one of `namespaces` or `pods`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Every pod of the namespaces the selector matches.
    Namespaces(LabelSelector),
    /// Pods matching `pods` in namespaces matching `namespaces`.
    Pods {
        /// `namespaceSelector` (`{}`: every namespace).
        namespaces: LabelSelector,
        /// `podSelector` (`{}`: every pod).
        pods: LabelSelector,
    },
}

impl Default for Subject {
    fn default() -> Subject {
        Subject::Namespaces(LabelSelector::default())
    }
}

/// One ingress or egress rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TierRule {
    /// `name`, when given.
    pub name: Option<String>,
    /// `action`.
    pub action: TierAction,
    /// `from` / `to`: entries are ORed; never empty after parsing.
    pub peers: Vec<TierPeer>,
    /// `ports` (v1alpha1) or `protocols` (v1alpha2); `None` when absent:
    /// every port of every protocol.
    pub ports: Option<Vec<TierPort>>,
}

/// One `from` / `to` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TierPeer {
    /// Every pod of the namespaces the selector matches.
    Namespaces(LabelSelector),
    /// Pods matching `pods` in namespaces matching `namespaces`.
    Pods {
        /// `namespaceSelector`.
        namespaces: LabelSelector,
        /// `podSelector`.
        pods: LabelSelector,
    },
    /// `networks` (egress only): CIDRs, host bits cleared. Matched against
    /// addresses outside the cluster only (see
    /// [`UnevaluatedReason::NetworksInsideCluster`]).
    Networks(Vec<IpNet>),
    /// A peer the engine cannot evaluate (`nodes`, `domainNames`): matches
    /// nothing; listed in [`TierPolicy::unevaluated`].
    NotEvaluated(UnevaluatedReason),
    /// A peer with no field set. The API says to fail closed: an Accept
    /// rule holding one matches nothing, a Deny or Pass rule holding one
    /// denies everything (`AdminNetworkPolicyIngressPeer` and
    /// `ClusterNetworkPolicyIngressPeer` comments).
    Empty,
}

/// One `ports[]` (v1alpha1) or `protocols[]` (v1alpha2) entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TierPort {
    /// Every port of one protocol (`tcp: {}` in v1alpha2).
    AllOf(Protocol),
    /// The inclusive range `start..=end` of one protocol; a single port
    /// has `start == end`.
    Range {
        /// The protocol.
        protocol: Protocol,
        /// First port.
        start: u16,
        /// Last port.
        end: u16,
    },
    /// A container port name, resolved at the destination pod, whatever
    /// its protocol (`namedPort` / `destinationNamedPort` carry none).
    Named(String),
}

/// A part of a policy the engine does not evaluate fully.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unevaluated {
    /// Field path, e.g. `spec.egress[0].to[1].nodes`.
    pub path: String,
    /// Why.
    pub reason: UnevaluatedReason,
}

impl fmt::Display for Unevaluated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Why a part of a tier policy is not evaluated fully.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnevaluatedReason {
    /// `nodes` selects node IPs, which the engine does not model.
    NodesPeer,
    /// `domainNames` needs DNS resolution, which the engine does not do.
    DomainNamesPeer,
    /// `networks` also applies to pod-to-pod traffic whose pod IPs fall in
    /// the CIDRs (`Networks` field comment); pod IPs are unknown, so the
    /// CIDRs are matched against external addresses only.
    NetworksInsideCluster,
    /// A peer with no field: evaluated fail-closed as the API prescribes.
    EmptyPeer,
}

impl fmt::Display for UnevaluatedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnevaluatedReason::NodesPeer => {
                "nodes peers select node IPs, which are not modelled; the peer matches nothing"
            }
            UnevaluatedReason::DomainNamesPeer => {
                "domainNames peers need DNS resolution; the peer matches nothing"
            }
            UnevaluatedReason::NetworksInsideCluster => {
                "networks are matched against addresses outside the cluster only; pod IPs are unknown, so their effect on pod-to-pod traffic is not evaluated"
            }
            UnevaluatedReason::EmptyPeer => {
                "the peer sets no field; failing closed (an Accept rule matches nothing, a Deny or Pass rule denies everything)"
            }
        })
    }
}
