//! CiliumNetworkPolicy (`cilium.io/v2`) and CiliumClusterwideNetworkPolicy
//! as typed data: the subset the engine evaluates, and what it leaves
//! unevaluated. Field names follow Cilium's `pkg/policy/api` (`rule.go`,
//! `ingress.go`, `egress.go`, `l4.go`, `http.go`, `fqdn.go`, `cidr.go`,
//! `entity.go`).
//!
//! [`HttpRule`] and [`FqdnSelector`] are shared with the renderer: they
//! serialize in Cilium's own spelling (`{method, path, host, headers}`,
//! `{matchName}` / `{matchPattern}`).

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::k8s::{LabelSelector, Protocol};

/// One `rules.http[]` entry (`PortRuleHTTP`, `pkg/policy/api/http.go`).
/// Every field is an extended POSIX regex; an absent field matches
/// everything. `headers` must all be present in the request.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRule {
    /// `method`, e.g. `GET`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// `path`, e.g. `/api/v1/.*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `host`, matched against the Host header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `headers`: header names (or `Name: value`) the request must carry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
}

impl fmt::Display for HttpRule {
    /// `GET /api/.* host=example.com headers=X-Token`; `any request` for `{}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        parts.push(self.method.clone().unwrap_or_else(|| "any method".into()));
        parts.push(self.path.clone().unwrap_or_else(|| "any path".into()));
        if let Some(h) = &self.host {
            parts.push(format!("host {h}"));
        }
        if !self.headers.is_empty() {
            parts.push(format!("headers {}", self.headers.join(", ")));
        }
        f.write_str(&parts.join(" "))
    }
}

/// One `toFQDNs[]` entry or `rules.dns[]` entry (`FQDNSelector`,
/// `pkg/policy/api/fqdn.go`): exactly one of `matchName` (a literal DNS
/// name) or `matchPattern` (`*` wildcards).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum FqdnSelector {
    /// `matchName`.
    MatchName(String),
    /// `matchPattern`.
    MatchPattern(String),
}

impl fmt::Display for FqdnSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FqdnSelector::MatchName(n) => write!(f, "matchName {n}"),
            FqdnSelector::MatchPattern(p) => write!(f, "matchPattern {p}"),
        }
    }
}

/// The two kinds, both `cilium.io/v2`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CiliumKind {
    /// Namespaced: selects pods of its own namespace.
    #[default]
    CiliumNetworkPolicy,
    /// Cluster-scoped: selects pods of every namespace.
    CiliumClusterwideNetworkPolicy,
}

impl CiliumKind {
    /// The `kind` as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            CiliumKind::CiliumNetworkPolicy => "CiliumNetworkPolicy",
            CiliumKind::CiliumClusterwideNetworkPolicy => "CiliumClusterwideNetworkPolicy",
        }
    }
}

impl fmt::Display for CiliumKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CiliumPolicy {
    /// The kind it was read from.
    pub kind: CiliumKind,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` of a CiliumNetworkPolicy (the manifest reader
    /// sets `default` when absent); `None` for the cluster-wide kind.
    pub namespace: Option<String>,
    /// `spec` (if given) then `specs[]`, in that order.
    pub specs: Vec<CiliumSpec>,
    /// Parts read but not evaluated, each with its field path.
    pub unevaluated: Vec<Unevaluated>,
}

/// One rule (`spec` or an item of `specs`, Cilium's `api.Rule`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CiliumSpec {
    /// `None` for `spec`, `Some(i)` for `specs[i]`.
    pub index: Option<usize>,
    /// `endpointSelector`; `None` for a `nodeSelector` (host policy), which
    /// selects nodes, not workloads (not evaluated).
    pub endpoints: Option<CiliumSelector>,
    /// `ingress`.
    pub ingress: Vec<CiliumRule>,
    /// `ingressDeny`.
    pub ingress_deny: Vec<CiliumRule>,
    /// `egress`.
    pub egress: Vec<CiliumRule>,
    /// `egressDeny`.
    pub egress_deny: Vec<CiliumRule>,
    /// `enableDefaultDeny.ingress` as written.
    pub default_deny_ingress: Option<bool>,
    /// `enableDefaultDeny.egress` as written.
    pub default_deny_egress: Option<bool>,
}

impl CiliumSpec {
    /// `spec` or `specs[i]`.
    pub fn path(&self) -> String {
        match self.index {
            None => "spec".to_string(),
            Some(i) => format!("specs[{i}]"),
        }
    }
}

/// A Cilium endpoint selector in the engine's terms: a label selector over
/// a workload's pod labels plus two derived keys, [`NAMESPACE_KEY`] (its
/// namespace) and [`NAMESPACE_LABELS_PREFIX`]`KEY` (its namespace's
/// labels). Source prefixes `k8s:` and `any:` are removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiliumSelector {
    /// The selector over the derived label set.
    pub selector: LabelSelector,
    /// False when a key names something the engine does not model
    /// (`reserved:` labels, service accounts, cluster names): the selector
    /// matches nothing and [`CiliumPolicy::unevaluated`] says so.
    pub evaluable: bool,
}

/// The label Cilium gives every pod with its namespace name
/// (`k8s:io.kubernetes.pod.namespace`).
pub const NAMESPACE_KEY: &str = "io.kubernetes.pod.namespace";

/// The prefix of the labels Cilium copies from a pod's namespace
/// (`k8s:io.cilium.k8s.namespace.labels.KEY`).
pub const NAMESPACE_LABELS_PREFIX: &str = "io.cilium.k8s.namespace.labels.";

/// One `ingress[]`, `ingressDeny[]`, `egress[]` or `egressDeny[]` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CiliumRule {
    /// The L3 peers of every `from*`/`to*` field, ORed. Empty when the
    /// rule names no peer: then it applies to every peer if it has
    /// `toPorts`, and to none otherwise (`mergeIngress`/`mergeEgress` in
    /// `pkg/policy/rule.go`).
    pub peers: Vec<CiliumPeer>,
    /// `toPorts`; empty when absent.
    pub to_ports: Vec<CiliumPortRule>,
    /// True if the rule has `icmps`: it then admits ICMP only, which the
    /// engine does not model, and no TCP, UDP or SCTP port.
    pub icmps: bool,
}

/// One L3 peer with the field and index it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct CiliumPeer {
    /// The field, e.g. `fromEndpoints`, `toCIDRSet`.
    pub field: &'static str,
    /// Index in that list.
    pub index: usize,
    /// What it selects.
    pub kind: CiliumPeerKind,
}

/// What an L3 peer selects.
#[derive(Debug, Clone, PartialEq)]
pub enum CiliumPeerKind {
    /// `fromEndpoints` / `toEndpoints`, namespace scoping already applied.
    Endpoints(CiliumSelector),
    /// `fromCIDR`/`toCIDR` (no `except`) or `fromCIDRSet`/`toCIDRSet`:
    /// addresses outside the cluster, host bits cleared.
    Cidr {
        /// The block.
        cidr: IpNet,
        /// Holes.
        except: Vec<IpNet>,
    },
    /// `fromEntities` / `toEntities`.
    Entity(Entity),
    /// `toFQDNs`: names resolved at run time.
    Fqdn(FqdnSelector),
    /// A peer the engine does not evaluate: matches nothing.
    NotEvaluated,
}

/// The entities the engine evaluates (`pkg/policy/api/entity.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Entity {
    /// Every workload and every address outside the cluster.
    All,
    /// Every address outside the cluster.
    World,
    /// IPv4 addresses outside the cluster.
    WorldIpv4,
    /// IPv6 addresses outside the cluster.
    WorldIpv6,
    /// Every workload of the cluster (and the node identities, which are
    /// not modelled).
    Cluster,
    /// Nothing.
    None,
}

/// One `toPorts[]` entry (`PortRule`; `PortDenyRule` in deny rules).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CiliumPortRule {
    /// `ports`; an entry without ports admits nothing (the port loop of
    /// `mergeIngress` in `pkg/policy/rule.go` has nothing to merge).
    pub ports: Vec<CiliumPort>,
    /// `rules`.
    pub rules: L7Rules,
}

/// One `ports[]` entry (`PortProtocol`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiliumPort {
    /// The port part.
    pub port: CiliumPortSpec,
    /// `protocol`; `None` for `ANY` or absent: TCP, UDP and SCTP.
    pub protocol: Option<Protocol>,
}

/// The port part of a `ports[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CiliumPortSpec {
    /// Port `0`: every port.
    All,
    /// `port` (with `endPort` above it, the inclusive range).
    Range(u16, u16),
    /// A container port name (lowercased), resolved at the destination.
    Named(String),
}

/// `rules` of a port rule. Absent or empty: no L7 constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum L7Rules {
    /// No L7 rules.
    #[default]
    None,
    /// `http`: a request passes if one rule matches.
    Http(Vec<HttpRule>),
    /// `dns` (egress, port 53): the names that may be looked up.
    Dns(Vec<FqdnSelector>),
    /// Rules of a protocol the engine does not evaluate (`kafka`,
    /// `l7proto`), listed in [`CiliumPolicy::unevaluated`].
    NotEvaluated(&'static str),
}

/// A part of a policy the engine does not evaluate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unevaluated {
    /// Field path, e.g. `spec.egress[0].toServices`.
    pub path: String,
    /// Why.
    pub reason: UnevaluatedReason,
}

impl fmt::Display for Unevaluated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Why a part of a Cilium policy is not evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnevaluatedReason {
    /// A peer the engine cannot match (`toServices`, `toGroups`,
    /// `fromNodes`, `cidrGroupRef`, ...): it matches nothing.
    Peer,
    /// An entity other than all, world, cluster, none: matches nothing.
    Entity,
    /// A selector key on something not modelled (`reserved:` labels,
    /// service accounts, cluster names): the selector matches nothing.
    SelectorKey,
    /// `nodeSelector`: a host policy, which selects nodes; not applied.
    NodeSelector,
    /// `fromRequires` / `toRequires`: ignored, so the answer may admit
    /// what the requirement would drop.
    Requires,
    /// `icmps`: ICMP is not modelled; the rule admits no TCP, UDP or SCTP.
    Icmp,
    /// `authentication`: mutual authentication is not modelled; traffic
    /// is answered as if authenticated.
    Authentication,
    /// L7 rules of a protocol other than HTTP and DNS, or HTTP
    /// `headerMatches`: shown as not evaluated in the L7 evidence.
    L7,
    /// TLS settings (`terminatingTLS`, `originatingTLS`, `serverNames`,
    /// `listener`): not modelled.
    Tls,
    /// A protocol without ports (`VRRP`, `GRE`, ...): matches nothing here.
    Protocol,
}

impl fmt::Display for UnevaluatedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnevaluatedReason::Peer => "this peer cannot be matched offline; it matches nothing",
            UnevaluatedReason::Entity => {
                "this entity is not modelled (only all, world, cluster and none are); it matches nothing"
            }
            UnevaluatedReason::SelectorKey => {
                "the selector names labels that are not modelled; it matches nothing"
            }
            UnevaluatedReason::NodeSelector => {
                "nodeSelector selects nodes, not workloads; the rule is not applied"
            }
            UnevaluatedReason::Requires => {
                "requirements are ignored; the answer may admit what they would drop"
            }
            UnevaluatedReason::Icmp => "ICMP is not modelled; the rule admits no TCP, UDP or SCTP",
            UnevaluatedReason::Authentication => {
                "mutual authentication is not modelled; traffic is answered as if authenticated"
            }
            UnevaluatedReason::L7 => "these L7 rules are not evaluated; they are shown as such",
            UnevaluatedReason::Tls => "TLS settings are not modelled",
            UnevaluatedReason::Protocol => "a protocol without ports is not modelled; it matches nothing",
        })
    }
}
