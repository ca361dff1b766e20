//! NP007 (a numeric port no destination exposes), NP008 (a named port no
//! destination defines), NP009 (a named port a destination defines with
//! another protocol) and NP010 (a named port some destinations lack).
//!
//! The destinations of an ingress rule are the pods its policy selects; of
//! an egress rule, the pods its peers select, when every peer is a pod
//! peer in namespaces the input shows (otherwise the rule is not checked).
//! NP007 ignores destinations that declare no containerPorts at all, since
//! containerPorts are informational and many manifests omit them.

use crate::engine::{PortEntry, PortSpec};
use crate::k8s::{ContainerPort, Protocol};
use crate::lint::context::{Ctx, effective_rules};
use crate::lint::{Code, Finding};

/// At most this many destinations are named in a message.
const LIST_MAX: usize = 5;

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (pi, p) in ctx.policies.iter().enumerate() {
        if !p.valid {
            continue;
        }
        for rule in effective_rules(&p.np) {
            let Some(ports) = rule.ports.filter(|l| !l.is_empty()) else {
                continue;
            };
            let Some(dests) = ctx.destinations(pi, &rule).filter(|d| !d.is_empty()) else {
                continue;
            };
            for (j, pp) in ports.iter().enumerate() {
                let field = rule.path().key("ports").index(j);
                let entry = PortEntry::new(pp);
                let found = match &entry.spec {
                    PortSpec::Range(lo, hi) => numeric(ctx, &dests, entry.protocol, *lo, *hi),
                    PortSpec::Named(name) => {
                        named(ctx, &dests, entry.protocol, pp.protocol.is_none(), name)
                    }
                    PortSpec::All | PortSpec::Invalid => None,
                };
                if let Some((code, msg)) = found {
                    out.push(ctx.policy_finding(pi, code, field, msg));
                }
            }
        }
    }
}

fn ports_of(ctx: &Ctx, w: usize) -> &[ContainerPort] {
    &ctx.cluster.workloads[w].ports
}

/// `ns/a (80/TCP, 9090/TCP), ns/b (none)`, at most [`LIST_MAX`] entries.
fn describe(ctx: &Ctx, ws: &[usize]) -> String {
    let mut parts: Vec<String> = ws
        .iter()
        .take(LIST_MAX)
        .map(|&w| {
            let ports: Vec<String> = ports_of(ctx, w)
                .iter()
                .map(|cp| match &cp.name {
                    Some(n) => format!("{n}={}/{}", cp.port, cp.protocol),
                    None => format!("{}/{}", cp.port, cp.protocol),
                })
                .collect();
            let ports = if ports.is_empty() {
                "none".to_string()
            } else {
                ports.join(" ")
            };
            format!("{} ({ports})", ctx.wname(w))
        })
        .collect();
    if ws.len() > LIST_MAX {
        parts.push(format!("and {} more", ws.len() - LIST_MAX));
    }
    parts.join(", ")
}

fn numeric(
    ctx: &Ctx,
    dests: &[usize],
    proto: Protocol,
    lo: u16,
    hi: u16,
) -> Option<(Code, String)> {
    let declaring: Vec<usize> = dests
        .iter()
        .copied()
        .filter(|&w| !ports_of(ctx, w).is_empty())
        .collect();
    let exposed = declaring.iter().any(|&w| {
        ports_of(ctx, w)
            .iter()
            .any(|cp| cp.protocol == proto && (lo..=hi).contains(&cp.port))
    });
    if declaring.is_empty() || exposed {
        return None;
    }
    let what = if lo == hi {
        format!("{proto} {lo}")
    } else {
        format!("{proto} {lo}-{hi}")
    };
    let msg = format!(
        "no destination exposes {what} as a containerPort; destinations: {}",
        describe(ctx, &declaring)
    );
    Some((Code::PortNotExposed, msg))
}

fn named(
    ctx: &Ctx,
    dests: &[usize],
    proto: Protocol,
    defaulted: bool,
    name: &str,
) -> Option<(Code, String)> {
    let (mut has, mut wrong, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for &w in dests {
        let with_name: Vec<&ContainerPort> = ports_of(ctx, w)
            .iter()
            .filter(|cp| cp.name.as_deref() == Some(name))
            .collect();
        if with_name.iter().any(|cp| cp.protocol == proto) {
            has.push(w);
        } else if let Some(cp) = with_name.first() {
            wrong.push((w, cp.protocol));
        } else {
            missing.push(w);
        }
    }
    if !wrong.is_empty() {
        let list: Vec<String> = wrong
            .iter()
            .map(|(w, p)| format!("{p} on {}", ctx.wname(*w)))
            .collect();
        let default = if defaulted {
            " (the default, as protocol is absent)"
        } else {
            ""
        };
        let msg = format!(
            "port {name:?} is {}, but this entry's protocol is {proto}{default}: it admits nothing there",
            list.join(", ")
        );
        return Some((Code::NamedPortWrongProtocol, msg));
    }
    if has.is_empty() {
        let msg = format!(
            "no destination defines a container port named {name:?}, so this entry admits nothing; destinations: {}",
            describe(ctx, dests)
        );
        return Some((Code::NamedPortMissing, msg));
    }
    if !missing.is_empty() {
        let msg = format!(
            "{} define(s) no container port named {name:?}: this entry admits nothing to them (it does to {})",
            ctx.wnames(&missing),
            ctx.wnames(&has)
        );
        return Some((Code::NamedPortPartlyMissing, msg));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, policy, table};
    use super::*;

    fn allow(ports: &str) -> String {
        policy(
            "app",
            "p",
            &format!(
                "{{podSelector: {{matchLabels: {{tier: be}}}}, ingress: [{{ports: {ports}}}]}}"
            ),
        )
    }

    fn backends() -> String {
        let api = deploy(
            "app",
            "api",
            "{tier: be, app: api}",
            &[("http", 8000, "TCP"), ("metrics", 9090, "TCP")],
        );
        let dns = deploy(
            "app",
            "cache",
            "{tier: be, app: cache}",
            &[("dns", 53, "UDP")],
        );
        format!("{api}{dns}")
    }

    #[test]
    fn port_not_exposed() {
        let be = backends();
        table(
            Code::PortNotExposed,
            &[
                (
                    "nobody listens",
                    &format!("{be}{}", allow("[{port: 8443}, {port: 53, protocol: TCP}]")),
                    &["spec.ingress[0].ports[0]", "spec.ingress[0].ports[1]"],
                ),
                (
                    "exposed, range",
                    &format!(
                        "{be}{}",
                        allow("[{port: 8000}, {port: 50, endPort: 60, protocol: UDP}]")
                    ),
                    &[],
                ),
                (
                    "no containerPorts declared",
                    &format!(
                        "{}{}",
                        deploy("app", "x", "{tier: be}", &[]),
                        allow("[{port: 8443}]")
                    ),
                    &[],
                ),
            ],
        );
    }

    #[test]
    fn named_port_missing() {
        let be = backends();
        table(
            Code::NamedPortMissing,
            &[
                (
                    "nobody has it",
                    &format!("{be}{}", allow("[{port: grpc}]")),
                    &["spec.ingress[0].ports[0]"],
                ),
                (
                    "someone has it",
                    &format!("{be}{}", allow("[{port: http}]")),
                    &[],
                ),
            ],
        );
    }

    #[test]
    fn named_port_wrong_protocol() {
        let be = backends();
        table(
            Code::NamedPortWrongProtocol,
            &[
                (
                    "dns is UDP",
                    &format!("{be}{}", allow("[{port: dns}]")),
                    &["spec.ingress[0].ports[0]"],
                ),
                (
                    "protocol given",
                    &format!("{be}{}", allow("[{port: dns, protocol: UDP}]")),
                    &[],
                ),
            ],
        );
    }

    #[test]
    fn named_port_partly_missing() {
        let be = backends();
        let egress = format!(
            "{be}{}",
            policy(
                "app",
                "e",
                "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {tier: be}}}], ports: [{port: metrics}]}]}"
            )
        );
        table(
            Code::NamedPortPartlyMissing,
            &[
                (
                    "cache has no metrics",
                    &format!("{be}{}", allow("[{port: metrics}]")),
                    &["spec.ingress[0].ports[0]"],
                ),
                ("egress to both", &egress, &["spec.egress[0].ports[0]"]),
                (
                    "only api selected",
                    &format!(
                        "{be}{}",
                        policy(
                            "app",
                            "p",
                            "{podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: metrics}]}]}"
                        )
                    ),
                    &[],
                ),
            ],
        );
    }
}
