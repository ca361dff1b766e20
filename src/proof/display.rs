//! How counterexamples read: `a pod labelled role=debug in namespace
//! alt-las-prod -> archive-service:8002/TCP`, `0.0.0.0-127.255.255.255 ->
//! web:any`.

use std::fmt;

use crate::engine::{PolicyRef, RuleRef};
use crate::k8s::Labels;

use super::{Example, NamespacePoint, Party, PortPoint};

impl fmt::Display for Example {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}:{}", self.from, self.to, self.port)
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::Pod { of: Some(name), .. } => f.write_str(name),
            Party::Pod {
                namespace, labels, ..
            } if labels.is_empty() => write!(f, "an unlabelled pod in {namespace}"),
            Party::Pod {
                namespace, labels, ..
            } => write!(f, "a pod labelled {} in {namespace}", Pairs(labels)),
            Party::Addresses { first, last } if first == last => write!(f, "{first}"),
            Party::Addresses { first, last } => write!(f, "{first}-{last}"),
        }
    }
}

impl fmt::Display for NamespacePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.labels.is_empty()) {
            (Some(n), true) => write!(f, "namespace {n}"),
            (Some(n), false) => write!(f, "namespace {n} (labelled {})", Pairs(&self.labels)),
            (None, false) => write!(f, "a namespace labelled {}", Pairs(&self.labels)),
            (None, true) => f.write_str("another namespace"),
        }
    }
}

impl fmt::Display for PortPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortPoint::Any => f.write_str("any"),
            PortPoint::Number { port, protocol } => write!(f, "{port}/{protocol}"),
            PortPoint::Named { name, protocol } => write!(f, "{name}/{protocol}"),
        }
    }
}

/// `k=v,k2=v2`.
struct Pairs<'a>(&'a Labels);

impl fmt::Display for Pairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

impl fmt::Display for super::Violation {
    /// `over-permissive: EXAMPLE is admitted but not declared (by RULES)`,
    /// or `missing: EXAMPLE is declared by flow F but denied (...)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&|r| r.to_string(), &|p| p.to_string()))
    }
}

impl super::Violation {
    /// The message, with the rules and policies it names written by
    /// `rule` and `policy` (a Cilium render names the Cilium fields the
    /// translated rules came from).
    pub fn describe(
        &self,
        rule: &dyn Fn(&RuleRef) -> String,
        policy: &dyn Fn(&PolicyRef) -> String,
    ) -> String {
        let way = match self.direction {
            crate::k8s::PolicyType::Ingress => "ingress",
            crate::k8s::PolicyType::Egress => "egress",
        };
        match self.kind {
            super::Kind::Extra => {
                let mut out = format!("over-permissive {way}: {}", self.example);
                if self.rules.is_empty() {
                    out.push_str(" is open: no policy isolates it");
                } else {
                    let rules: Vec<String> = self.rules.iter().map(rule).collect();
                    out.push_str(&format!(", admitted by {}", rules.join(", ")));
                }
                out
            }
            super::Kind::Missing => {
                let mut out = format!("missing {way}: {}", self.example);
                if let Some(flow) = &self.flow {
                    out.push_str(&format!(" is declared by flow {flow}"));
                }
                out.push_str(" but denied");
                if !self.isolated_by.is_empty() {
                    let by: Vec<String> = self.isolated_by.iter().map(policy).collect();
                    out.push_str(&format!(
                        " (isolated by {}; no rule admits it)",
                        by.join(", ")
                    ));
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::k8s::Protocol;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn pod(
        ns: Option<&str>,
        ns_labels: &[(&str, &str)],
        l: &[(&str, &str)],
        of: Option<&str>,
    ) -> Party {
        Party::Pod {
            namespace: NamespacePoint {
                name: ns.map(str::to_string),
                labels: labels(ns_labels),
            },
            labels: labels(l),
            of: of.map(str::to_string),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn examples_read_as_connections() {
        let tcp = |port| PortPoint::Number {
            port,
            protocol: Protocol::TCP,
        };
        let cases = [
            (
                Example {
                    from: pod(Some("alt-las-prod"), &[], &[("role", "debug")], None),
                    to: pod(
                        Some("alt-las-prod"),
                        &[],
                        &[("app", "archive")],
                        Some("archive-service"),
                    ),
                    port: tcp(8002),
                },
                "a pod labelled role=debug in namespace alt-las-prod -> archive-service:8002/TCP",
            ),
            (
                Example {
                    from: Party::Addresses {
                        first: ip("0.0.0.0"),
                        last: ip("127.255.255.255"),
                    },
                    to: pod(Some("prod"), &[], &[], Some("web")),
                    port: PortPoint::Any,
                },
                "0.0.0.0-127.255.255.255 -> web:any",
            ),
            (
                Example {
                    from: pod(None, &[("team", "anything")], &[], None),
                    to: pod(Some("prod"), &[], &[("app", "other"), ("tier", "fe")], None),
                    port: PortPoint::Named {
                        name: "metrics".into(),
                        protocol: Protocol::UDP,
                    },
                },
                "an unlabelled pod in a namespace labelled team=anything -> a pod labelled app=other,tier=fe in namespace prod:metrics/UDP",
            ),
            (
                Example {
                    from: pod(None, &[], &[("app", "x")], None),
                    to: Party::Addresses {
                        first: ip("192.0.2.2"),
                        last: ip("192.0.2.2"),
                    },
                    port: tcp(53),
                },
                "a pod labelled app=x in another namespace -> 192.0.2.2:53/TCP",
            ),
            (
                Example {
                    from: pod(Some("kube-system"), &[("team", "ops")], &[], None),
                    to: pod(Some("prod"), &[], &[], None),
                    port: tcp(1),
                },
                "an unlabelled pod in namespace kube-system (labelled team=ops) -> an unlabelled pod in namespace prod:1/TCP",
            ),
        ];
        for (example, want) in cases {
            assert_eq!(example.to_string(), want);
        }
    }
}
