//! Rendered CiliumNetworkPolicies as the NetworkPolicies that admit the
//! same pods, addresses and ports, rule for rule, and the way back
//! ([`Fields`]): which Cilium field each translated rule and peer is, so
//! that what the proof reports names the policy the user rendered.

use std::collections::BTreeMap;

use crate::engine::{PolicyRef, RuleRef};
use crate::k8s::cilium::{
    CiliumKind, CiliumPeerKind, CiliumPolicy, CiliumPortSpec, CiliumRule, CiliumSelector, Entity,
    NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX,
};
use crate::k8s::{
    EgressRule, IngressRule, IntOrString, IpBlock, LabelSelector, Labels, NetworkPolicy,
    NetworkPolicySpec, ObjectMeta, Peer, PolicyPort, PolicyType, Protocol,
};
use crate::model::NAMESPACE_NAME_LABEL;

/// The Cilium field of each translated peer: `(field, index)`, or `None`
/// for a peer standing for a rule that admits nobody. A rule translated
/// without peers has none, or the one `toEntities: [all]` it stands for.
type PeerFields = Vec<Option<(&'static str, usize)>>;

/// Where the translated rules and peers come from.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    /// By the translated policy's (namespace, name): the first `spec`
    /// of that name.
    policies: BTreeMap<(String, String), Origin>,
}

#[derive(Debug, Clone)]
struct Origin {
    kind: CiliumKind,
    /// `spec` or `specs[i]`.
    spec: String,
    /// Per direction (ingress, egress) and rule, the fields of its peers.
    peers: [Vec<PeerFields>; 2],
}

impl Fields {
    fn origin(&self, p: &PolicyRef) -> Option<&Origin> {
        self.policies.get(&(p.namespace.clone(), p.name.clone()))
    }

    /// `CiliumNetworkPolicy/shop/web` for a translated policy.
    pub fn policy(&self, p: &PolicyRef) -> Option<String> {
        let o = self.origin(p)?;
        Some(match o.kind {
            CiliumKind::CiliumClusterwideNetworkPolicy => format!("{}/{}", o.kind, p.name),
            CiliumKind::CiliumNetworkPolicy => format!("{}/{}/{}", o.kind, p.namespace, p.name),
        })
    }

    /// The Cilium field path of a translated rule (and peer):
    /// `spec.egress[1].toCIDRSet[0]`, `spec.ingress[0].fromEndpoints[2]`.
    pub fn path(&self, r: &RuleRef) -> Option<String> {
        let o = self.origin(&r.policy)?;
        let (list, d) = match r.direction {
            PolicyType::Ingress => ("ingress", 0),
            PolicyType::Egress => ("egress", 1),
        };
        let mut out = format!("{}.{list}[{}]", o.spec, r.rule);
        // A rule reference without peer: a translated rule without peers,
        // which stands for `toEntities: [all]` when it has a field.
        let field = o.peers[d]
            .get(r.rule)
            .and_then(|at| at.get(r.peer.unwrap_or(0)).copied().flatten());
        if let Some((field, i)) = field {
            out.push_str(&format!(".{field}[{i}]"));
        }
        Some(out)
    }

    /// A translated rule as the Cilium rule it is, as the engine names
    /// Cilium rules: `CiliumNetworkPolicy/shop/web spec.egress[1].toCIDRSet[0]`.
    pub fn rule(&self, r: &RuleRef) -> Option<String> {
        Some(format!("{} {}", self.policy(&r.policy)?, self.path(r)?))
    }
}

/// The NetworkPolicies that admit what `policies` admit at L3 and L4
/// (one per `spec`), in the namespace `ns` for the intent's own.
pub fn network_policies(policies: &[CiliumPolicy], ns: &str) -> Vec<NetworkPolicy> {
    translate(policies, ns).0
}

/// [`network_policies`], with the way back to the Cilium fields.
pub fn translate(policies: &[CiliumPolicy], ns: &str) -> (Vec<NetworkPolicy>, Fields) {
    let mut out = Vec::new();
    let mut fields = Fields::default();
    for p in policies {
        for s in &p.specs {
            let Some(endpoints) = &s.endpoints else {
                continue;
            };
            let (own, _) = split(endpoints);
            let isolates = |explicit: Option<bool>, rules: &[CiliumRule]| {
                explicit.unwrap_or(!rules.is_empty())
            };
            let mut types = Vec::new();
            if isolates(s.default_deny_ingress, &s.ingress) {
                types.push(PolicyType::Ingress);
            }
            if isolates(s.default_deny_egress, &s.egress) {
                types.push(PolicyType::Egress);
            }
            if types.is_empty() {
                continue;
            }
            let mut peers: [Vec<PeerFields>; 2] = [Vec::new(), Vec::new()];
            let ingress: Vec<IngressRule> = s
                .ingress
                .iter()
                .map(|r| {
                    let (from, ports, at) = rule(r);
                    peers[0].push(at);
                    IngressRule { from, ports }
                })
                .collect();
            let egress: Vec<EgressRule> = s
                .egress
                .iter()
                .map(|r| {
                    let (to, ports, at) = rule(r);
                    peers[1].push(at);
                    EgressRule { to, ports }
                })
                .collect();
            let namespace = p.namespace.clone().unwrap_or_else(|| ns.to_string());
            let key = (namespace.clone(), p.name.clone());
            fields.policies.entry(key).or_insert_with(|| Origin {
                kind: p.kind,
                spec: s.path(),
                peers,
            });
            out.push(NetworkPolicy {
                api_version: "networking.k8s.io/v1".into(),
                kind: "NetworkPolicy".into(),
                metadata: ObjectMeta {
                    name: p.name.clone(),
                    namespace: Some(namespace),
                    ..ObjectMeta::default()
                },
                spec: NetworkPolicySpec {
                    pod_selector: if endpoints.evaluable {
                        own
                    } else {
                        nothing_selector()
                    },
                    policy_types: Some(types),
                    ingress: (!ingress.is_empty()).then_some(ingress),
                    egress: (!egress.is_empty()).then_some(egress),
                },
            });
        }
    }
    (out, fields)
}

/// A selector matching no pod.
fn nothing_selector() -> LabelSelector {
    LabelSelector::labels(Labels::from_iter([(
        "netpolgen.io/matches".into(),
        "nothing".into(),
    )]))
}

/// A peer that is nobody: an address block with every address excepted.
fn nobody() -> Peer {
    Peer {
        ip_block: Some(IpBlock {
            cidr: "0.0.0.0/0".into(),
            except: vec!["0.0.0.0/0".into()],
        }),
        ..Peer::default()
    }
}

fn block(cidr: &str) -> Peer {
    Peer {
        ip_block: Some(IpBlock {
            cidr: cidr.into(),
            except: Vec::new(),
        }),
        ..Peer::default()
    }
}

/// A Cilium selector as (pod labels, namespace labels), keys unprefixed.
fn split(s: &CiliumSelector) -> (LabelSelector, Option<LabelSelector>) {
    let mut pods = LabelSelector::default();
    let mut namespaces = LabelSelector::default();
    let mut scoped = false;
    let ns_key = |k: &str| -> Option<String> {
        if k == NAMESPACE_KEY {
            Some(NAMESPACE_NAME_LABEL.to_string())
        } else {
            k.strip_prefix(NAMESPACE_LABELS_PREFIX).map(str::to_string)
        }
    };
    for (k, v) in &s.selector.match_labels {
        match ns_key(k) {
            Some(nk) => {
                scoped = true;
                namespaces.match_labels.insert(nk, v.clone());
            }
            None => {
                pods.match_labels.insert(k.clone(), v.clone());
            }
        }
    }
    for e in &s.selector.match_expressions {
        match ns_key(&e.key) {
            Some(nk) => {
                scoped = true;
                let mut e = e.clone();
                e.key = nk;
                namespaces.match_expressions.push(e);
            }
            None => pods.match_expressions.push(e.clone()),
        }
    }
    (pods, scoped.then_some(namespaces))
}

/// One Cilium allow rule as NetworkPolicy peers and ports, with the
/// Cilium field of each peer.
fn rule(r: &CiliumRule) -> (Option<Vec<Peer>>, Option<Vec<PolicyPort>>, PeerFields) {
    let ports = if r.icmps {
        return (Some(vec![nobody()]), None, vec![None]);
    } else if r.to_ports.is_empty() {
        None
    } else {
        let mut list = Vec::new();
        for e in r.to_ports.iter().flat_map(|p| &p.ports) {
            let protocols: Vec<Protocol> = match e.protocol {
                Some(p) => vec![p],
                None => Protocol::ALL.to_vec(),
            };
            for protocol in protocols {
                let (port, end_port) = match &e.port {
                    CiliumPortSpec::All => (None, None),
                    CiliumPortSpec::Range(lo, hi) => (
                        Some(IntOrString::Int(i64::from(*lo))),
                        (hi > lo).then_some(i64::from(*hi)),
                    ),
                    CiliumPortSpec::Named(n) => (Some(IntOrString::String(n.clone())), None),
                };
                list.push(PolicyPort {
                    protocol: Some(protocol),
                    port,
                    end_port,
                });
            }
        }
        if list.is_empty() {
            // `toPorts` entries without ports admit nothing.
            return (Some(vec![nobody()]), None, vec![None]);
        }
        Some(list)
    };
    if r.peers.is_empty() {
        if r.to_ports.is_empty() {
            return (Some(vec![nobody()]), None, vec![None]);
        }
        return (None, ports, Vec::new());
    }
    let mut peers = Vec::new();
    let mut at = Vec::new();
    for p in &r.peers {
        match &p.kind {
            CiliumPeerKind::Endpoints(s) if s.evaluable => {
                let (pods, namespaces) = split(s);
                peers.push(Peer {
                    namespace_selector: namespaces,
                    pod_selector: Some(pods),
                    ip_block: None,
                });
            }
            CiliumPeerKind::Cidr { cidr, except } => peers.push(Peer {
                ip_block: Some(IpBlock {
                    cidr: cidr.to_string(),
                    except: except.iter().map(ToString::to_string).collect(),
                }),
                ..Peer::default()
            }),
            // Every peer: the translated rule has none, so the rule
            // reference has no peer; the field is the whole rule's.
            CiliumPeerKind::Entity(Entity::All) => {
                return (None, ports, vec![Some((p.field, p.index))]);
            }
            CiliumPeerKind::Entity(Entity::World) => {
                peers.push(block("0.0.0.0/0"));
                peers.push(block("::/0"));
            }
            CiliumPeerKind::Entity(Entity::WorldIpv4) => peers.push(block("0.0.0.0/0")),
            CiliumPeerKind::Entity(Entity::WorldIpv6) => peers.push(block("::/0")),
            CiliumPeerKind::Entity(Entity::Cluster) => peers.push(Peer {
                namespace_selector: Some(LabelSelector::default()),
                ..Peer::default()
            }),
            _ => peers.push(nobody()),
        }
        at.resize(peers.len(), Some((p.field, p.index)));
    }
    (Some(peers), ports, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::cilium::parse_cilium_policy;

    fn translated(spec: serde_json::Value) -> NetworkPolicySpec {
        let doc = serde_json::json!({
            "apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
            "metadata": {"name": "p", "namespace": "shop"}, "spec": spec,
        });
        let p = parse_cilium_policy(&doc).unwrap();
        let mut out = network_policies(&[p], "shop");
        assert_eq!(out.len(), 1);
        out.remove(0).spec
    }

    fn json(v: &impl serde::Serialize) -> serde_json::Value {
        serde_json::to_value(v).unwrap()
    }

    #[test]
    fn an_empty_rule_isolates_and_admits_nobody() {
        let np = translated(serde_json::json!({"endpointSelector": {}, "ingress": [{}]}));
        assert_eq!(np.policy_types, Some(vec![PolicyType::Ingress]));
        let rules = np.ingress.unwrap();
        assert_eq!(json(&rules[0].from), json(&Some(vec![nobody()])));
    }

    #[test]
    fn peers_keep_their_rule_and_namespace() {
        let np = translated(serde_json::json!({
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egress": [
                {"toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s-app": "kube-dns"}}],
                 "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}]}]},
                {"toFQDNs": [{"matchName": "a.example.com"}], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]},
                {"toEntities": ["all"]},
            ],
        }));
        assert_eq!(np.policy_types, Some(vec![PolicyType::Egress]));
        assert_eq!(
            json(&np.pod_selector),
            serde_json::json!({"matchLabels": {"app": "web"}})
        );
        let rules = np.egress.unwrap();
        assert_eq!(
            json(&rules[0]),
            serde_json::json!({
                "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "TCP", "port": 53}, {"protocol": "UDP", "port": 53}, {"protocol": "SCTP", "port": 53}],
            })
        );
        // Names admit no address offline; `all` is every peer on every port.
        assert_eq!(json(&rules[1].to), json(&Some(vec![nobody()])));
        assert_eq!(json(&rules[2]), serde_json::json!({}));
    }

    #[test]
    fn fields_name_the_cilium_peer_of_every_translated_peer() {
        let doc = serde_json::json!({
            "apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"endpointSelector": {}, "egress": [
                {"toEntities": ["cluster", "world"]},
                {"toCIDRSet": [{"cidr": "10.0.0.0/8"}, {"cidr": "192.0.2.0/24"}]},
                {"toEntities": ["all"]},
            ]},
        });
        let (_, fields) = translate(&[parse_cilium_policy(&doc).unwrap()], "shop");
        let at = |rule, peer| {
            let r = RuleRef {
                policy: PolicyRef {
                    namespace: "shop".into(),
                    name: "p".into(),
                },
                direction: PolicyType::Egress,
                rule,
                peer,
            };
            fields.rule(&r).unwrap()
        };
        // `world` is two translated peers (IPv4 and IPv6), both the entity.
        let p = "CiliumNetworkPolicy/shop/p spec.egress";
        assert_eq!(at(0, Some(0)), format!("{p}[0].toEntities[0]"));
        assert_eq!(at(0, Some(1)), format!("{p}[0].toEntities[1]"));
        assert_eq!(at(0, Some(2)), format!("{p}[0].toEntities[1]"));
        assert_eq!(at(1, Some(1)), format!("{p}[1].toCIDRSet[1]"));
        // `all` is a rule without peers: the rule reference has none.
        assert_eq!(at(2, None), format!("{p}[2].toEntities[0]"));
        let other = PolicyRef {
            namespace: "shop".into(),
            name: "q".into(),
        };
        assert_eq!(fields.policy(&other), None);
    }
}
