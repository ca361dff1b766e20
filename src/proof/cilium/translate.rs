//! Rendered CiliumNetworkPolicies as the NetworkPolicies that admit the
//! same pods, addresses and ports, rule for rule.

use crate::k8s::cilium::{
    CiliumPeerKind, CiliumPolicy, CiliumPortSpec, CiliumRule, CiliumSelector, Entity,
    NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX,
};
use crate::k8s::{
    EgressRule, IngressRule, IntOrString, IpBlock, LabelSelector, NetworkPolicy, NetworkPolicySpec,
    ObjectMeta, Peer, PolicyPort, PolicyType, Protocol,
};
use crate::model::NAMESPACE_NAME_LABEL;

/// The NetworkPolicies that admit what `policies` admit at L3 and L4
/// (one per `spec`), in the namespace `ns` for the intent's own.
pub fn network_policies(policies: &[CiliumPolicy], ns: &str) -> Vec<NetworkPolicy> {
    let mut out = Vec::new();
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
            let ingress: Vec<IngressRule> = s
                .ingress
                .iter()
                .map(|r| {
                    let (from, ports) = rule(r);
                    IngressRule { from, ports }
                })
                .collect();
            let egress: Vec<EgressRule> = s
                .egress
                .iter()
                .map(|r| {
                    let (to, ports) = rule(r);
                    EgressRule { to, ports }
                })
                .collect();
            out.push(NetworkPolicy {
                api_version: "networking.k8s.io/v1".into(),
                kind: "NetworkPolicy".into(),
                metadata: ObjectMeta {
                    name: p.name.clone(),
                    namespace: Some(p.namespace.clone().unwrap_or_else(|| ns.to_string())),
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
    out
}

/// A selector matching no pod.
fn nothing_selector() -> LabelSelector {
    LabelSelector::labels([("netpolgen.io/matches".into(), "nothing".into())].into())
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

/// One Cilium allow rule as NetworkPolicy peers and ports.
fn rule(r: &CiliumRule) -> (Option<Vec<Peer>>, Option<Vec<PolicyPort>>) {
    let ports = if r.icmps {
        return (Some(vec![nobody()]), None);
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
            return (Some(vec![nobody()]), None);
        }
        Some(list)
    };
    if r.peers.is_empty() {
        if r.to_ports.is_empty() {
            return (Some(vec![nobody()]), None);
        }
        return (None, ports);
    }
    let mut peers = Vec::new();
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
            CiliumPeerKind::Entity(Entity::All) => return (None, ports),
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
    }
    (Some(peers), ports)
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
}
