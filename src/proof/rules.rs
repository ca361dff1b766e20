//! Rendered policies compiled for the proof: which pods each selects, and
//! for each rule and peer the parties it admits and its ports. Parts of a
//! spec Kubernetes would reject match nothing, as in the engine.

use crate::engine::{IpBlockRef, PolicyRef, PortMatcher, RuleRef, effective_policy_types};
use crate::k8s::{LabelSelector, NetworkPolicy, Peer, PolicyPort, PolicyType};

use super::addrs::AddrSet;
use super::labels::{Cube, Key, KeyConstraint};
use super::traffic::{Parties, name_key, pods_in};

/// One rule of a rendered policy, its peers compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Index into `spec.ingress` / `spec.egress`.
    pub index: usize,
    /// Each peer with its index in `from` / `to`; `None` when the list is
    /// absent or empty (every party).
    pub peers: Vec<(Option<usize>, Parties)>,
    pub ports: PortMatcher,
}

/// A rendered policy of the intent's namespace.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: PolicyRef,
    /// Its pods (pod keys); `None` if the selector matches nothing.
    pub selector: Option<Cube>,
    /// `Some` iff it isolates ingress.
    pub ingress: Option<Vec<Rule>>,
    /// `Some` iff it isolates egress.
    pub egress: Option<Vec<Rule>>,
}

impl Policy {
    pub fn rules(&self, dir: PolicyType) -> Option<&[Rule]> {
        match dir {
            PolicyType::Ingress => self.ingress.as_deref(),
            PolicyType::Egress => self.egress.as_deref(),
        }
    }

    pub fn rule_ref(&self, dir: PolicyType, rule: usize, peer: Option<usize>) -> RuleRef {
        RuleRef {
            policy: self.id.clone(),
            direction: dir,
            rule,
            peer,
        }
    }
}

/// A rule's peers and ports as written.
type RawRule<'a> = (Option<&'a [Peer]>, Option<&'a [PolicyPort]>);

/// A rendered policy, if it lives in namespace `ns` (as rendered ones do;
/// one without a namespace is taken to be there).
pub fn policy(np: &NetworkPolicy, ns: &str) -> Option<Policy> {
    let own = match np.metadata.namespace.as_deref() {
        Some(n) if !n.is_empty() => n,
        _ => ns,
    };
    if own != ns {
        return None;
    }
    let spec = &np.spec;
    let types = effective_policy_types(spec);
    let compile = |dir: PolicyType| -> Option<Vec<Rule>> {
        if !types.contains(&dir) {
            return None;
        }
        let rules: Vec<RawRule<'_>> = match dir {
            PolicyType::Ingress => spec
                .ingress
                .iter()
                .flatten()
                .map(|r| (r.from.as_deref(), r.ports.as_deref()))
                .collect(),
            PolicyType::Egress => spec
                .egress
                .iter()
                .flatten()
                .map(|r| (r.to.as_deref(), r.ports.as_deref()))
                .collect(),
        };
        Some(
            rules
                .into_iter()
                .enumerate()
                .map(|(index, (peers, ports))| Rule {
                    index,
                    peers: match peers {
                        None | Some([]) => vec![(None, Parties::any())],
                        Some(list) => list
                            .iter()
                            .enumerate()
                            .map(|(i, p)| (Some(i), peer(p, ns)))
                            .collect(),
                    },
                    ports: PortMatcher::new(ports),
                })
                .collect(),
        )
    };
    Some(Policy {
        id: PolicyRef {
            namespace: ns.to_string(),
            name: np.metadata.name.clone(),
        },
        selector: Cube::selector(&spec.pod_selector, Key::Pod),
        ingress: compile(PolicyType::Ingress),
        egress: compile(PolicyType::Egress),
    })
}

/// One `from` / `to` entry as parties; an invalid entry is nobody.
fn peer(p: &Peer, ns: &str) -> Parties {
    let selector = |s: &Option<LabelSelector>, tag: fn(String) -> Key| match s {
        None => Some(Cube::everything()),
        Some(s) => Cube::selector(s, tag),
    };
    match (&p.pod_selector, &p.namespace_selector, &p.ip_block) {
        (None, None, None) => Parties::default(),
        (None, None, Some(block)) => Parties::addrs(
            IpBlockRef::parse(block).map_or_else(AddrSet::empty, |b| AddrSet::block(&b)),
        ),
        (_, _, Some(_)) => Parties::default(),
        (pods, namespaces, None) => {
            let namespaces = match namespaces {
                None => Some(Cube::everything().with(name_key(), &KeyConstraint::value(ns))),
                Some(_) => Some(selector(namespaces, Key::Namespace)),
            }
            .flatten();
            Parties::pods(pods_in(namespaces, selector(pods, Key::Pod)))
        }
    }
}
