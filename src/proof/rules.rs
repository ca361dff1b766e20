//! Rendered policies compiled for the proof: which pods each selects, and
//! for each rule and peer the parties it admits and its ports. Parts of a
//! spec Kubernetes would reject match nothing, as in the engine.

use std::collections::HashMap;

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

/// Selectors and peers compiled once each: rendered policies repeat them
/// (one destination's selector in every flow to it), and the cubes the
/// repeats share cost one copy.
#[derive(Default)]
pub struct Compiled<'a> {
    selectors: HashMap<&'a LabelSelector, Option<Cube>>,
    peers: HashMap<&'a Peer, Parties>,
}

impl<'a> Compiled<'a> {
    fn selector(&mut self, sel: &'a LabelSelector) -> Option<Cube> {
        self.selectors
            .entry(sel)
            .or_insert_with(|| Cube::selector(sel, Key::Pod))
            .clone()
    }

    fn peer(&mut self, p: &'a Peer, ns: &str) -> Parties {
        self.peers.entry(p).or_insert_with(|| peer(p, ns)).clone()
    }
}

/// A rendered policy, if it lives in namespace `ns` (as rendered ones do;
/// one without a namespace is taken to be there).
#[cfg(test)]
pub fn policy(np: &NetworkPolicy, ns: &str) -> Option<Policy> {
    policy_in(np, ns, &mut Compiled::default())
}

/// [`policy`], sharing what `compiled` already holds (of namespace `ns`).
pub fn policy_in<'a>(
    np: &'a NetworkPolicy,
    ns: &str,
    compiled: &mut Compiled<'a>,
) -> Option<Policy> {
    let own = match np.metadata.namespace.as_deref() {
        Some(n) if !n.is_empty() => n,
        _ => ns,
    };
    if own != ns {
        return None;
    }
    let spec = &np.spec;
    let types = effective_policy_types(spec);
    let mut compile = |dir: PolicyType| -> Option<Vec<Rule>> {
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
                            .map(|(i, p)| (Some(i), compiled.peer(p, ns)))
                            .collect(),
                    },
                    ports: PortMatcher::new(ports),
                })
                .collect(),
        )
    };
    let ingress = compile(PolicyType::Ingress);
    let egress = compile(PolicyType::Egress);
    Some(Policy {
        id: PolicyRef {
            namespace: ns.to_string(),
            name: np.metadata.name.clone(),
        },
        selector: compiled.selector(&spec.pod_selector),
        ingress,
        egress,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::labels::Point;
    use serde_json::json;

    fn parties(v: serde_json::Value) -> Parties {
        peer(&serde_json::from_value(v).unwrap_or_default(), "prod")
    }

    fn pod(ns: &str, labels: &[(&str, &str)]) -> Point {
        let mut p: Point = labels
            .iter()
            .map(|(k, v)| (Key::Pod(k.to_string()), v.to_string()))
            .collect();
        p.insert(name_key(), ns.to_string());
        p
    }

    fn admits(p: &Parties, point: &Point) -> bool {
        p.pods.as_ref().is_some_and(|c| c.matches(point))
    }

    #[test]
    fn peers_as_parties() {
        let web_prod = pod("prod", &[("app", "web")]);
        let web_dev = pod("dev", &[("app", "web")]);
        let ip = |s: &str| s.parse().unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
        // (peer, web in prod, web in dev, 10.0.0.1)
        let cases = [
            (
                json!({"podSelector": {"matchLabels": {"app": "web"}}}),
                true,
                false,
                false,
            ),
            (json!({"podSelector": {}}), true, false, false),
            (json!({"namespaceSelector": {}}), true, true, false),
            (
                json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dev"}},
                       "podSelector": {"matchLabels": {"app": "web"}}}),
                false,
                true,
                false,
            ),
            (
                json!({"ipBlock": {"cidr": "10.0.0.0/8"}}),
                false,
                false,
                true,
            ),
            (
                json!({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/24"]}}),
                false,
                false,
                false,
            ),
            // Kubernetes rejects these; they match nothing.
            (
                json!({"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}),
                false,
                false,
                false,
            ),
            (
                json!({"ipBlock": {"cidr": "10.0.0.0"}}),
                false,
                false,
                false,
            ),
            (json!({}), false, false, false),
        ];
        for (v, prod, dev, addr) in cases {
            let p = parties(v.clone());
            assert_eq!(admits(&p, &web_prod), prod, "{v} web in prod");
            assert_eq!(admits(&p, &web_dev), dev, "{v} web in dev");
            assert_eq!(p.addrs.contains(ip("10.0.0.1")), addr, "{v} 10.0.0.1");
        }
    }

    #[test]
    fn policies_isolate_by_their_effective_types() {
        let np = |spec: serde_json::Value, ns: Option<&str>| -> NetworkPolicy {
            serde_json::from_value(json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "p", "namespace": ns}, "spec": spec}))
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let isolates = |p: &Option<Policy>| {
            p.as_ref()
                .map(|p| (p.ingress.is_some(), p.egress.is_some()))
        };
        let egress_only = np(json!({"egress": [{}]}), Some("prod"));
        assert_eq!(isolates(&policy(&egress_only, "prod")), Some((true, true)));
        let empty_egress = np(json!({"egress": []}), None);
        assert_eq!(
            isolates(&policy(&empty_egress, "prod")),
            Some((true, false))
        );
        let typed = np(json!({"policyTypes": ["Egress"]}), Some("prod"));
        assert_eq!(isolates(&policy(&typed, "prod")), Some((false, true)));
        assert!(
            policy(&typed, "other").is_none(),
            "another namespace's policy"
        );
        // A rule without `from` admits every party.
        let open = np(json!({"ingress": [{"ports": [{"port": 80}]}]}), None);
        let rules = policy(&open, "prod")
            .and_then(|p| p.ingress)
            .unwrap_or_default();
        assert_eq!(rules[0].peers, vec![(None, Parties::any())]);
    }
}
