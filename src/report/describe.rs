//! NetworkPolicy parts in words, for explanations: selectors in kubectl's
//! notation (`app=web`, `tier in (a, b)`, `!legacy`), peers, ports, rules.

use crate::k8s::{
    IntOrString, LabelSelector, NetworkPolicySpec, Peer, PolicyPort, PolicyType, SelectorOperator,
};

/// `app=web, tier in (a, b)`; empty for `{}`.
pub fn selector(sel: &LabelSelector) -> String {
    let mut parts: Vec<String> = sel
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in &sel.match_expressions {
        let values = e.values.join(", ");
        parts.push(match e.operator {
            SelectorOperator::In => format!("{} in ({values})", e.key),
            SelectorOperator::NotIn => format!("{} notin ({values})", e.key),
            SelectorOperator::Exists => e.key.clone(),
            SelectorOperator::DoesNotExist => format!("!{}", e.key),
        });
    }
    parts.join(", ")
}

/// One `from`/`to` entry; `ns` is the policy's namespace.
pub fn peer(p: &Peer, ns: &str) -> String {
    let pods = |sel: Option<&LabelSelector>| match sel.map(selector) {
        None => "every pod".to_string(),
        Some(s) if s.is_empty() => "every pod".to_string(),
        Some(s) => format!("pods {s}"),
    };
    match (&p.pod_selector, &p.namespace_selector, &p.ip_block) {
        (None, None, Some(b)) => {
            let mut s = format!("addresses in {}", b.cidr);
            if !b.except.is_empty() {
                s.push_str(&format!(" except {}", b.except.join(", ")));
            }
            s
        }
        (_, _, Some(_)) => "an invalid peer (ipBlock combined with selectors)".to_string(),
        (None, None, None) => "an invalid empty peer".to_string(),
        (pod, None, None) => format!("{} in namespace {ns}", pods(pod.as_ref())),
        (pod, Some(nsel), None) => {
            let n = selector(nsel);
            if n.is_empty() {
                format!("{} in every namespace", pods(pod.as_ref()))
            } else {
                format!("{} in namespaces {n}", pods(pod.as_ref()))
            }
        }
    }
}

/// `3000/TCP, port named metrics/TCP, 8000-8010/TCP, every UDP port`.
pub fn ports(list: Option<&[PolicyPort]>) -> String {
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        return "any port".to_string();
    };
    let items: Vec<String> = list
        .iter()
        .map(|p| {
            let proto = p.protocol.unwrap_or_default();
            match (&p.port, p.end_port) {
                (None, _) => format!("every {proto} port"),
                (Some(IntOrString::Int(n)), Some(e)) => format!("{n}-{e}/{proto}"),
                (Some(IntOrString::Int(n)), None) => format!("{n}/{proto}"),
                (Some(IntOrString::String(name)), _) => format!("port named {name}/{proto}"),
            }
        })
        .collect();
    items.join(", ")
}

/// Rule `i` of `dir`: `from <peers> on <ports>`.
pub fn rule(spec: &NetworkPolicySpec, ns: &str, dir: PolicyType, i: usize) -> String {
    let (peers, port_list, word) = match dir {
        PolicyType::Ingress => {
            let r = spec.ingress.as_deref().and_then(|rs| rs.get(i));
            (
                r.and_then(|r| r.from.as_deref()),
                r.and_then(|r| r.ports.as_deref()),
                "from",
            )
        }
        PolicyType::Egress => {
            let r = spec.egress.as_deref().and_then(|rs| rs.get(i));
            (
                r.and_then(|r| r.to.as_deref()),
                r.and_then(|r| r.ports.as_deref()),
                "to",
            )
        }
    };
    let who = match peers.filter(|p| !p.is_empty()) {
        None => "anywhere (every pod and address)".to_string(),
        Some(list) => {
            let each: Vec<String> = list.iter().map(|p| peer(p, ns)).collect();
            each.join(" or ")
        }
    };
    format!("{word} {who}, on {}", ports(port_list))
}

/// The number of rules of `dir`.
pub fn rule_count(spec: &NetworkPolicySpec, dir: PolicyType) -> usize {
    match dir {
        PolicyType::Ingress => spec.ingress.as_ref().map_or(0, Vec::len),
        PolicyType::Egress => spec.egress.as_ref().map_or(0, Vec::len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml<T: serde::de::DeserializeOwned>(s: &str) -> T {
        serde_saphyr::from_str(s).unwrap_or_else(|e| panic!("bad test yaml: {e}"))
    }

    #[test]
    fn selectors_and_peers_in_words() {
        let sel: LabelSelector = yaml(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: In, values: [a, b]}\n- {key: legacy, operator: DoesNotExist}\n- {key: team, operator: Exists}\n",
        );
        assert_eq!(selector(&sel), "app=web, tier in (a, b), !legacy, team");
        let p: Peer = yaml(
            "namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: mon}}\npodSelector: {matchLabels: {app: prom}}\n",
        );
        assert_eq!(
            peer(&p, "x"),
            "pods app=prom in namespaces kubernetes.io/metadata.name=mon"
        );
        assert_eq!(
            peer(&yaml("podSelector: {}\n"), "x"),
            "every pod in namespace x"
        );
        assert_eq!(
            peer(&yaml("namespaceSelector: {}\n"), "x"),
            "every pod in every namespace"
        );
        assert_eq!(
            peer(
                &yaml("ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n"),
                "x"
            ),
            "addresses in 10.0.0.0/8 except 10.1.0.0/16"
        );
    }

    #[test]
    fn rules_in_words() {
        let spec: NetworkPolicySpec = yaml(
            "podSelector: {}\ningress:\n- {}\n- from: [{podSelector: {matchLabels: {app: a}}}]\n  ports: [{port: 80}, {port: metrics}, {protocol: UDP}, {port: 8000, endPort: 8010}]\n",
        );
        assert_eq!(
            rule(&spec, "x", PolicyType::Ingress, 0),
            "from anywhere (every pod and address), on any port"
        );
        assert_eq!(
            rule(&spec, "x", PolicyType::Ingress, 1),
            "from pods app=a in namespace x, on 80/TCP, port named metrics/TCP, every UDP port, 8000-8010/TCP"
        );
        assert_eq!(rule_count(&spec, PolicyType::Egress), 0);
    }
}
