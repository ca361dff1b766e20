//! Structural checks Kubernetes applies to a NetworkPolicy spec.
//!
//! The engine accepts any spec (invalid parts match nothing); this module
//! lists what the API server would reject, each problem with a field path
//! such as `spec.ingress[0].from[1].ipBlock.cidr`.

use std::fmt;

use ipnet::IpNet;

use crate::k8s::{
    IntOrString, LabelSelector, NetworkPolicySpec, Peer, PolicyPort, SelectorOperator,
};

use super::ports::{MAX_PORT, MIN_PORT};

/// One structural problem of a spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpecProblem {
    /// Field path, e.g. `spec.egress[0].ports[1].endPort`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Lists the structural problems of `spec`, in field order.
pub fn validate(spec: &NetworkPolicySpec) -> Vec<SpecProblem> {
    let mut v = Checker::default();
    v.selector(&spec.pod_selector, "spec.podSelector");
    if let Some(types) = &spec.policy_types
        && types.len() > 2
    {
        v.push(
            "spec.policyTypes",
            "may not specify more than two policyTypes",
        );
    }
    for (i, rule) in spec.ingress.iter().flatten().enumerate() {
        let path = format!("spec.ingress[{i}]");
        v.peers(rule.from.as_deref(), &format!("{path}.from"));
        v.ports(rule.ports.as_deref(), &format!("{path}.ports"));
    }
    for (i, rule) in spec.egress.iter().flatten().enumerate() {
        let path = format!("spec.egress[{i}]");
        v.peers(rule.to.as_deref(), &format!("{path}.to"));
        v.ports(rule.ports.as_deref(), &format!("{path}.ports"));
    }
    v.problems
}

#[derive(Default)]
struct Checker {
    problems: Vec<SpecProblem>,
}

impl Checker {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(SpecProblem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn selector(&mut self, sel: &LabelSelector, path: &str) {
        for (i, req) in sel.match_expressions.iter().enumerate() {
            let p = format!("{path}.matchExpressions[{i}]");
            if req.key.is_empty() {
                self.push(format!("{p}.key"), "must not be empty");
            }
            match req.operator {
                SelectorOperator::In | SelectorOperator::NotIn if req.values.is_empty() => {
                    self.push(
                        format!("{p}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    );
                }
                SelectorOperator::Exists | SelectorOperator::DoesNotExist
                    if !req.values.is_empty() =>
                {
                    self.push(
                        format!("{p}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    );
                }
                _ => {}
            }
        }
    }

    fn peers(&mut self, peers: Option<&[Peer]>, path: &str) {
        for (i, peer) in peers.unwrap_or_default().iter().enumerate() {
            let p = format!("{path}[{i}]");
            let selectors = peer.pod_selector.is_some() || peer.namespace_selector.is_some();
            if !selectors && peer.ip_block.is_none() {
                self.push(
                    p.clone(),
                    "must specify a peer (podSelector, namespaceSelector or ipBlock)",
                );
            }
            if selectors && peer.ip_block.is_some() {
                self.push(
                    format!("{p}.ipBlock"),
                    "may not be specified when `namespaceSelector` or `podSelector` is specified",
                );
            }
            if let Some(sel) = &peer.pod_selector {
                self.selector(sel, &format!("{p}.podSelector"));
            }
            if let Some(sel) = &peer.namespace_selector {
                self.selector(sel, &format!("{p}.namespaceSelector"));
            }
            if let Some(block) = &peer.ip_block {
                self.ip_block(&block.cidr, &block.except, &format!("{p}.ipBlock"));
            }
        }
    }

    fn ip_block(&mut self, cidr: &str, except: &[String], path: &str) {
        let Ok(net) = cidr.parse::<IpNet>() else {
            self.push(format!("{path}.cidr"), format!("invalid CIDR {cidr:?}"));
            return;
        };
        for (i, e) in except.iter().enumerate() {
            let p = format!("{path}.except[{i}]");
            match e.parse::<IpNet>() {
                Err(_) => self.push(p, format!("invalid CIDR {e:?}")),
                Ok(ex) => {
                    let net = net.trunc();
                    let strict_subset =
                        net.contains(&ex.network()) && ex.prefix_len() > net.prefix_len();
                    if !strict_subset {
                        self.push(
                            p,
                            format!("{e:?} must be a strict subset of `cidr` {cidr:?}"),
                        );
                    }
                }
            }
        }
    }

    fn ports(&mut self, ports: Option<&[PolicyPort]>, path: &str) {
        for (i, pp) in ports.unwrap_or_default().iter().enumerate() {
            let p = format!("{path}[{i}]");
            match &pp.port {
                Some(IntOrString::Int(n)) if !port_in_range(*n) => self.push(
                    format!("{p}.port"),
                    format!("{n} must be between 1 and 65535, inclusive"),
                ),
                Some(IntOrString::String(name)) => {
                    if let Some(why) = svc_name_problem(name) {
                        self.push(
                            format!("{p}.port"),
                            format!("invalid port name {name:?}: {why}"),
                        );
                    }
                }
                _ => {}
            }
            let Some(end) = pp.end_port else { continue };
            let ep = format!("{p}.endPort");
            match &pp.port {
                None => self.push(ep, "may not be specified when `port` is not specified"),
                Some(IntOrString::String(_)) => {
                    self.push(ep, "may not be specified when `port` is a named port")
                }
                Some(IntOrString::Int(_)) if !port_in_range(end) => {
                    self.push(ep, format!("{end} must be between 1 and 65535, inclusive"))
                }
                Some(IntOrString::Int(start)) if end < *start => self.push(
                    ep,
                    format!("{end} must be greater than or equal to `port` ({start})"),
                ),
                Some(IntOrString::Int(_)) => {}
            }
        }
    }
}

fn port_in_range(n: i64) -> bool {
    (i64::from(MIN_PORT)..=i64::from(MAX_PORT)).contains(&n)
}

/// Why `name` is not an IANA service name (`IsValidPortName` upstream).
fn svc_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 15 {
        return Some("must be 1-15 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("must contain only lowercase letters, digits and '-'");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some("must contain at least one letter");
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Some("must not begin or end with '-' or contain '--'");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testutil::spec;

    fn problems(yaml: &str) -> Vec<String> {
        validate(&spec(yaml))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn valid_spec_has_no_problems() {
        let yaml = r#"
podSelector: {matchExpressions: [{key: app, operator: Exists}]}
policyTypes: [Ingress, Egress]
ingress:
- from:
  - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
  - namespaceSelector: {}
    podSelector: {matchLabels: {app: web}}
  ports:
  - {port: 8000, endPort: 8010}
  - {port: http, protocol: TCP}
egress:
- to: [{ipBlock: {cidr: "2001:db8::/32"}}]
"#;
        assert_eq!(problems(yaml), Vec::<String>::new());
    }

    #[test]
    fn peers() {
        let yaml = r#"
ingress:
- from:
  - {}
  - podSelector: {}
    ipBlock: {cidr: 10.0.0.0/8}
  - ipBlock: {cidr: 10.0.0.0}
  - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8, 11.0.0.0/16, bogus]}
egress:
- to:
  - namespaceSelector:
      matchExpressions: [{key: env, operator: In}]
"#;
        assert_eq!(
            problems(yaml),
            [
                "spec.ingress[0].from[0]: must specify a peer (podSelector, namespaceSelector or ipBlock)",
                "spec.ingress[0].from[1].ipBlock: may not be specified when `namespaceSelector` or `podSelector` is specified",
                "spec.ingress[0].from[2].ipBlock.cidr: invalid CIDR \"10.0.0.0\"",
                "spec.ingress[0].from[3].ipBlock.except[0]: \"10.0.0.0/8\" must be a strict subset of `cidr` \"10.0.0.0/8\"",
                "spec.ingress[0].from[3].ipBlock.except[1]: \"11.0.0.0/16\" must be a strict subset of `cidr` \"10.0.0.0/8\"",
                "spec.ingress[0].from[3].ipBlock.except[2]: invalid CIDR \"bogus\"",
                "spec.egress[0].to[0].namespaceSelector.matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'",
            ]
        );
    }

    #[test]
    fn selectors() {
        let yaml = r#"
podSelector:
  matchExpressions:
  - {key: a, operator: NotIn}
  - {key: b, operator: Exists, values: [x]}
  - {key: c, operator: DoesNotExist, values: [x]}
  - {key: "", operator: In, values: [x]}
"#;
        assert_eq!(
            problems(yaml),
            [
                "spec.podSelector.matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'",
                "spec.podSelector.matchExpressions[1].values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "spec.podSelector.matchExpressions[2].values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "spec.podSelector.matchExpressions[3].key: must not be empty",
            ]
        );
    }

    #[test]
    fn ports() {
        let yaml = r#"
egress:
- ports:
  - {port: 0}
  - {port: 65536}
  - {port: http, endPort: 90}
  - {endPort: 90}
  - {port: 100, endPort: 90}
  - {port: 100, endPort: 70000}
  - {port: "8080"}
  - {port: Web}
  - {port: 80, endPort: 80}
"#;
        assert_eq!(
            problems(yaml),
            [
                "spec.egress[0].ports[0].port: 0 must be between 1 and 65535, inclusive",
                "spec.egress[0].ports[1].port: 65536 must be between 1 and 65535, inclusive",
                "spec.egress[0].ports[2].endPort: may not be specified when `port` is a named port",
                "spec.egress[0].ports[3].endPort: may not be specified when `port` is not specified",
                "spec.egress[0].ports[4].endPort: 90 must be greater than or equal to `port` (100)",
                "spec.egress[0].ports[5].endPort: 70000 must be between 1 and 65535, inclusive",
                "spec.egress[0].ports[6].port: invalid port name \"8080\": must contain at least one letter",
                "spec.egress[0].ports[7].port: invalid port name \"Web\": must contain only lowercase letters, digits and '-'",
            ]
        );
    }

    #[test]
    fn policy_types_count() {
        assert_eq!(
            problems("policyTypes: [Ingress, Egress, Ingress]"),
            ["spec.policyTypes: may not specify more than two policyTypes"]
        );
    }
}
