//! Policies compiled once into matchers (cyclonus style), plus the public
//! references the engine uses as evidence.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::k8s::{IpBlock, NetworkPolicySpec, Peer, PolicyPort, PolicyType};

use super::cluster::Policy;
use super::index::Index;
use super::portmatch::PortMatcher;
use super::selector::Selector;

/// Names a policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyRef {
    /// Namespace of the policy.
    pub namespace: String,
    /// `metadata.name` of the policy.
    pub name: String,
}

impl fmt::Display for PolicyRef {
    /// `namespace/name`; a cluster-scoped reference (empty namespace, as
    /// `TierRuleRef::as_rule_ref` makes) prints only its name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            return f.write_str(&self.name);
        }
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Names one rule of a policy, and the peer of that rule that matched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleRef {
    /// The policy holding the rule.
    pub policy: PolicyRef,
    /// `Ingress` for `spec.ingress`, `Egress` for `spec.egress`.
    pub direction: PolicyType,
    /// Index into `spec.ingress` / `spec.egress`.
    pub rule: usize,
    /// Index into the rule's `from` / `to`; `None` when that list is absent
    /// or empty (any peer).
    pub peer: Option<usize>,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (list, peers) = match self.direction {
            PolicyType::Ingress => ("ingress", "from"),
            PolicyType::Egress => ("egress", "to"),
        };
        write!(f, "{} spec.{list}[{}]", self.policy, self.rule)?;
        if let Some(p) = self.peer {
            write!(f, ".{peers}[{p}]")?;
        }
        Ok(())
    }
}

/// A parsed `ipBlock`: addresses in `cidr` but in no `except` range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpBlockRef {
    /// The block, host bits cleared.
    pub cidr: IpNet,
    /// The holes, host bits cleared, in source order.
    pub except: Vec<IpNet>,
}

impl IpBlockRef {
    /// Parses an `ipBlock`; `None` if `cidr` or any `except` is not a CIDR.
    pub fn parse(block: &IpBlock) -> Option<IpBlockRef> {
        let cidr = block.cidr.parse::<IpNet>().ok()?.trunc();
        let except = block
            .except
            .iter()
            .map(|e| e.parse::<IpNet>().ok().map(|n| n.trunc()))
            .collect::<Option<Vec<_>>>()?;
        Some(IpBlockRef { cidr, except })
    }

    /// True if `ip` is in `cidr` and in no `except` range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.cidr.contains(&ip) && !self.except.iter().any(|e| e.contains(&ip))
    }
}

impl fmt::Display for IpBlockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cidr)?;
        for (i, e) in self.except.iter().enumerate() {
            f.write_str(if i == 0 { " except " } else { ", " })?;
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The directions a policy isolates, after upstream defaulting: an absent or
/// empty `policyTypes` means `Ingress`, plus `Egress` iff `spec.egress` holds
/// at least one rule. Returned in `[Ingress, Egress]` order, deduplicated.
pub fn effective_policy_types(spec: &NetworkPolicySpec) -> Vec<PolicyType> {
    match spec.policy_types.as_deref() {
        Some(types) if !types.is_empty() => {
            let mut t = types.to_vec();
            t.sort();
            t.dedup();
            t
        }
        _ => {
            let mut t = vec![PolicyType::Ingress];
            if spec.egress.as_ref().is_some_and(|e| !e.is_empty()) {
                t.push(PolicyType::Egress);
            }
            t
        }
    }
}

/// A compiled policy.
#[derive(Debug, Clone)]
pub(crate) struct CompiledPolicy {
    pub(crate) id: PolicyRef,
    /// Namespace id of the policy.
    pub(crate) ns: usize,
    pub(crate) pod_selector: Selector,
    /// `Some` iff the policy isolates ingress; the rules may be empty.
    pub(crate) ingress: Option<Vec<CompiledRule>>,
    /// `Some` iff the policy isolates egress; the rules may be empty.
    pub(crate) egress: Option<Vec<CompiledRule>>,
}

impl CompiledPolicy {
    /// The rules for `dir`, `None` if the policy does not isolate it.
    pub(crate) fn rules(&self, dir: PolicyType) -> Option<&[CompiledRule]> {
        match dir {
            PolicyType::Ingress => self.ingress.as_deref(),
            PolicyType::Egress => self.egress.as_deref(),
        }
    }

    /// A reference to rule `rule` of `dir`, peer `peer`.
    pub(crate) fn rule_ref(&self, dir: PolicyType, rule: usize, peer: Option<usize>) -> RuleRef {
        RuleRef {
            policy: self.id.clone(),
            direction: dir,
            rule,
            peer,
        }
    }
}

/// One compiled ingress or egress rule: peers AND ports.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub(crate) peers: Peers,
    pub(crate) ports: PortMatcher,
}

/// The `from` / `to` list of a rule.
#[derive(Debug, Clone)]
pub(crate) enum Peers {
    /// Absent or empty: every workload and every external address.
    Any,
    /// Entries are ORed; the index is the entry's position in the list.
    List(Vec<PeerMatcher>),
}

/// One compiled `from` / `to` entry.
#[derive(Debug, Clone)]
pub(crate) enum PeerMatcher {
    /// Pods matching `pods` in the namespaces of `namespaces`.
    Pods { namespaces: NsScope, pods: Selector },
    /// External addresses; never matches a workload.
    IpBlock(IpBlockRef),
    /// An invalid peer: matches nothing.
    Nothing,
}

/// The namespaces a pod peer looks in.
#[derive(Debug, Clone)]
pub(crate) enum NsScope {
    /// The policy's own namespace (no `namespaceSelector`).
    One(usize),
    /// Sorted ids of the namespaces the `namespaceSelector` matches.
    Set(Vec<usize>),
}

impl NsScope {
    pub(crate) fn contains(&self, ns: usize) -> bool {
        match self {
            NsScope::One(n) => *n == ns,
            NsScope::Set(set) => set.binary_search(&ns).is_ok(),
        }
    }

    pub(crate) fn ids(&self) -> &[usize] {
        match self {
            NsScope::One(n) => std::slice::from_ref(n),
            NsScope::Set(set) => set,
        }
    }
}

/// Compiles one policy against the namespaces of `index`.
pub(crate) fn compile(policy: &Policy, index: &Index) -> CompiledPolicy {
    let spec = &policy.spec;
    // Present after normalization; an unknown namespace selects nothing.
    let ns = index.ns_id(&policy.namespace).unwrap_or(usize::MAX);
    let types = effective_policy_types(spec);
    let ingress = types.contains(&PolicyType::Ingress).then(|| {
        let rules = spec.ingress.as_deref().unwrap_or_default();
        rules
            .iter()
            .map(|r| compile_rule(r.from.as_deref(), r.ports.as_deref(), ns, index))
            .collect()
    });
    let egress = types.contains(&PolicyType::Egress).then(|| {
        let rules = spec.egress.as_deref().unwrap_or_default();
        rules
            .iter()
            .map(|r| compile_rule(r.to.as_deref(), r.ports.as_deref(), ns, index))
            .collect()
    });
    CompiledPolicy {
        id: PolicyRef {
            namespace: policy.namespace.clone(),
            name: policy.name.clone(),
        },
        ns,
        pod_selector: Selector::new(&spec.pod_selector),
        ingress,
        egress,
    }
}

fn compile_rule(
    peers: Option<&[Peer]>,
    ports: Option<&[PolicyPort]>,
    ns: usize,
    index: &Index,
) -> CompiledRule {
    let peers = match peers {
        None | Some([]) => Peers::Any,
        Some(list) => Peers::List(list.iter().map(|p| compile_peer(p, ns, index)).collect()),
    };
    CompiledRule {
        peers,
        ports: PortMatcher::new(ports),
    }
}

fn compile_peer(peer: &Peer, ns: usize, index: &Index) -> PeerMatcher {
    match (&peer.pod_selector, &peer.namespace_selector, &peer.ip_block) {
        (None, None, None) => PeerMatcher::Nothing,
        (None, None, Some(block)) => {
            IpBlockRef::parse(block).map_or(PeerMatcher::Nothing, PeerMatcher::IpBlock)
        }
        (_, _, Some(_)) => PeerMatcher::Nothing,
        (pods, namespaces, None) => PeerMatcher::Pods {
            namespaces: match namespaces {
                None => NsScope::One(ns),
                Some(sel) => NsScope::Set(index.namespaces_matching(&Selector::new(sel))),
            },
            pods: pods
                .as_ref()
                .map_or_else(Selector::everything, Selector::new),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::{EgressRule, IngressRule};

    fn block(cidr: &str, except: &[&str]) -> IpBlock {
        IpBlock {
            cidr: cidr.to_string(),
            except: except.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn policy_types_defaulting() {
        use PolicyType::*;
        let mut spec = NetworkPolicySpec::default();
        assert_eq!(effective_policy_types(&spec), [Ingress]);
        spec.egress = Some(vec![]);
        assert_eq!(effective_policy_types(&spec), [Ingress]);
        spec.egress = Some(vec![EgressRule::default()]);
        assert_eq!(effective_policy_types(&spec), [Ingress, Egress]);
        spec.policy_types = Some(vec![]);
        assert_eq!(effective_policy_types(&spec), [Ingress, Egress]);
        spec.policy_types = Some(vec![Egress]);
        assert_eq!(effective_policy_types(&spec), [Egress]);
        spec.ingress = Some(vec![IngressRule::default()]);
        spec.policy_types = Some(vec![Egress, Ingress, Egress]);
        assert_eq!(effective_policy_types(&spec), [Ingress, Egress]);
    }

    #[test]
    fn ip_block_with_except() {
        let b = IpBlockRef::parse(&block("10.0.0.0/8", &["10.1.0.0/16", "10.2.3.4/32"]));
        let Some(b) = b else {
            panic!("valid block did not parse");
        };
        assert!(b.contains(ip("10.0.0.1")));
        assert!(!b.contains(ip("10.1.2.3")));
        assert!(!b.contains(ip("10.2.3.4")));
        assert!(b.contains(ip("10.2.3.5")));
        assert!(!b.contains(ip("11.0.0.1")));
        assert!(!b.contains(ip("::1")));
        assert_eq!(b.to_string(), "10.0.0.0/8 except 10.1.0.0/16, 10.2.3.4/32");
    }

    #[test]
    fn ip_block_host_bits_and_ipv6() {
        let b = IpBlockRef::parse(&block("192.168.1.7/24", &[]));
        assert_eq!(b.map(|b| b.to_string()).as_deref(), Some("192.168.1.0/24"));
        let v6 = IpBlockRef::parse(&block("2001:db8::/32", &[]));
        assert!(v6.is_some_and(|b| b.contains(ip("2001:db8::1")) && !b.contains(ip("10.0.0.1"))));
    }

    #[test]
    fn bad_ip_blocks_do_not_parse() {
        assert!(IpBlockRef::parse(&block("10.0.0.0", &[])).is_none());
        assert!(IpBlockRef::parse(&block("not-a-cidr", &[])).is_none());
        assert!(IpBlockRef::parse(&block("10.0.0.0/33", &[])).is_none());
        assert!(IpBlockRef::parse(&block("10.0.0.0/8", &["x"])).is_none());
    }

    #[test]
    fn rule_ref_display() {
        let r = RuleRef {
            policy: PolicyRef {
                namespace: "prod".to_string(),
                name: "allow-web".to_string(),
            },
            direction: PolicyType::Egress,
            rule: 1,
            peer: Some(2),
        };
        assert_eq!(r.to_string(), "prod/allow-web spec.egress[1].to[2]");
        let any = RuleRef { peer: None, ..r };
        assert_eq!(any.to_string(), "prod/allow-web spec.egress[1]");
    }
}
