//! Cilium policies in words and as data, for `check`: a policy's rules of
//! one direction, the L7 rules that constrain a connection, the deny rules
//! that drop it and the FQDN rules whose answer depends on DNS at run time.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::engine::{CiliumEvidence, CiliumPolicyRef, Cluster, FqdnGrant};
use crate::k8s::cilium::{
    CiliumPeerKind, CiliumPort, CiliumPortSpec, CiliumRule, CiliumSelector, Entity, HttpRule,
    L7Rules, NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX,
};
use crate::k8s::{PolicyType, SelectorOperator};

use super::ports_text;

/// One isolating Cilium policy and its rules of `dir`, in words.
pub fn policy(
    cluster: &Cluster,
    p: &CiliumPolicyRef,
    dir: PolicyType,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "    {p}")?;
    let found = cluster.cilium.iter().find(|c| {
        c.kind == p.kind
            && c.name == p.name
            && c.namespace.clone().unwrap_or_default() == p.namespace
    });
    let Some(pol) = found else { return Ok(()) };
    let (allow, deny, list, way) = match dir {
        PolicyType::Ingress => ("ingress", "ingressDeny", "from", "ingress"),
        PolicyType::Egress => ("egress", "egressDeny", "to", "egress"),
    };
    let mut any = false;
    for s in &pol.specs {
        let (rules, denies) = match dir {
            PolicyType::Ingress => (&s.ingress, &s.ingress_deny),
            PolicyType::Egress => (&s.egress, &s.egress_deny),
        };
        for (key, rules) in [(allow, rules), (deny, denies)] {
            for (i, r) in rules.iter().enumerate() {
                any = true;
                let verb = if key == deny { "denies " } else { "" };
                writeln!(
                    out,
                    "      {}.{key}[{i}]: {verb}{}",
                    s.path(),
                    rule(r, list)
                )?;
            }
        }
    }
    if !any {
        writeln!(out, "      no {way} rules: admits no {way} at all")?;
    }
    Ok(())
}

/// A rule in words: peers, then ports with their L7 rules.
fn rule(r: &CiliumRule, list: &str) -> String {
    let peers = if r.peers.is_empty() {
        if r.to_ports.is_empty() {
            "nothing (no peer and no port)".to_string()
        } else {
            format!("{list} any peer")
        }
    } else {
        let each: Vec<String> = r.peers.iter().map(|p| peer(&p.kind)).collect();
        format!("{list} {}", each.join(" or "))
    };
    let ports = if r.icmps {
        "on ICMP only (not evaluated)".to_string()
    } else if r.to_ports.is_empty() {
        "on any port".to_string()
    } else {
        let each: Vec<String> = r
            .to_ports
            .iter()
            .map(|pr| {
                let ports: Vec<String> = pr.ports.iter().map(port).collect();
                let ports = if ports.is_empty() {
                    "no port".to_string()
                } else {
                    ports.join(", ")
                };
                match &pr.rules {
                    L7Rules::None => ports,
                    L7Rules::Http(h) => format!("{ports} with HTTP rules {}", http_list(h)),
                    L7Rules::Dns(d) => {
                        let names: Vec<String> = d.iter().map(ToString::to_string).collect();
                        format!("{ports} with DNS rules {}", names.join("; "))
                    }
                    L7Rules::NotEvaluated(k) => format!("{ports} with {k} rules (not evaluated)"),
                }
            })
            .collect();
        format!("on {}", each.join("; "))
    };
    format!("{peers}, {ports}")
}

fn http_list(h: &[HttpRule]) -> String {
    let each: Vec<String> = h.iter().map(|r| format!("[{r}]")).collect();
    each.join(" ")
}

fn peer(k: &CiliumPeerKind) -> String {
    match k {
        CiliumPeerKind::Endpoints(s) => format!("endpoints {}", selector(s)),
        CiliumPeerKind::Cidr { cidr, except } if except.is_empty() => format!("CIDR {cidr}"),
        CiliumPeerKind::Cidr { cidr, except } => {
            let e: Vec<String> = except.iter().map(ToString::to_string).collect();
            format!("CIDR {cidr} except {}", e.join(", "))
        }
        CiliumPeerKind::Entity(e) => format!(
            "entity {}",
            match e {
                Entity::All => "all",
                Entity::World => "world",
                Entity::WorldIpv4 => "world-ipv4",
                Entity::WorldIpv6 => "world-ipv6",
                Entity::Cluster => "cluster",
                Entity::None => "none",
            }
        ),
        CiliumPeerKind::Fqdn(f) => format!("FQDN {f}"),
        CiliumPeerKind::NotEvaluated => "a peer that is not evaluated".to_string(),
    }
}

/// `app=web in namespace shop`, `every pod in namespaces team=blue`.
fn selector(s: &CiliumSelector) -> String {
    if !s.evaluable {
        return "with labels that are not modelled (matches nothing)".to_string();
    }
    let (mut pods, mut scope) = (Vec::new(), Vec::new());
    for (k, v) in &s.selector.match_labels {
        if k == NAMESPACE_KEY {
            scope.push(format!("in namespace {v}"));
        } else if let Some(l) = k.strip_prefix(NAMESPACE_LABELS_PREFIX) {
            scope.push(format!("in namespaces {l}={v}"));
        } else {
            pods.push(format!("{k}={v}"));
        }
    }
    for e in &s.selector.match_expressions {
        let values = e.values.join(", ");
        let text = match e.operator {
            SelectorOperator::In => format!("in ({values})"),
            SelectorOperator::NotIn => format!("not in ({values})"),
            SelectorOperator::Exists => "exists".to_string(),
            SelectorOperator::DoesNotExist => "does not exist".to_string(),
        };
        match (e.key.as_str(), e.operator) {
            (NAMESPACE_KEY, SelectorOperator::In) if e.values.len() == 1 => {
                scope.push(format!("in namespace {values}"))
            }
            (NAMESPACE_KEY, _) => scope.push(format!("namespace {text}")),
            (k, _) => match k.strip_prefix(NAMESPACE_LABELS_PREFIX) {
                Some(l) => scope.push(format!("namespace label {l} {text}")),
                None => pods.push(format!("{k} {text}")),
            },
        }
    }
    let pods = if pods.is_empty() {
        "every pod".to_string()
    } else {
        pods.join(", ")
    };
    if scope.is_empty() {
        format!("{pods} in every namespace")
    } else {
        format!("{pods} {}", scope.join(" "))
    }
}

fn port(p: &CiliumPort) -> String {
    let proto = p.protocol.map_or("ANY".to_string(), |p| p.to_string());
    match &p.port {
        CiliumPortSpec::All => format!("any port/{proto}"),
        CiliumPortSpec::Range(a, b) if a == b => format!("{a}/{proto}"),
        CiliumPortSpec::Range(a, b) => format!("{a}-{b}/{proto}"),
        CiliumPortSpec::Named(n) => format!("port named {n}/{proto}"),
    }
}

/// The lines `check` adds for the Cilium evidence of one side: deny rules,
/// L7 rules, FQDN rules. `peer` and `port` name the question.
pub fn evidence_lines(
    ev: &CiliumEvidence,
    (peer, port, allowed): (&str, &str, bool),
    out: &mut dyn Write,
) -> io::Result<()> {
    if !ev.denied_by.is_empty() {
        writeln!(
            out,
            "  Denied on {port} by (a deny rule wins over every allow):"
        )?;
        for r in &ev.denied_by {
            writeln!(out, "    {r}")?;
        }
    }
    if let Some(l7) = &ev.l7 {
        if !l7.http.is_empty() {
            writeln!(
                out,
                "  L7: Cilium's proxy passes only the HTTP requests matching one of these rules:"
            )?;
            for (r, h) in &l7.http {
                writeln!(out, "    {h}  ({r})")?;
            }
        }
        if !l7.dns.is_empty() {
            writeln!(out, "  L7: only these DNS names may be looked up:")?;
            for (r, d) in &l7.dns {
                writeln!(out, "    {d}  ({r})")?;
            }
        }
        for (r, k) in &l7.other {
            writeln!(
                out,
                "  L7: {k} rules of {r} also apply; they are not evaluated."
            )?;
        }
    }
    if ev.l7_lifted {
        writeln!(
            out,
            "  L7: no restriction; an allowing rule on the port has no L7 rules, which lifts the L7 rules of the others."
        )?;
    }
    if !ev.fqdn.is_empty() {
        if allowed {
            writeln!(
                out,
                "  Also admitted on {port} if {peer} is an address of (DNS at run time):"
            )?;
        } else {
            writeln!(
                out,
                "  Depends on DNS at run time: admitted on {port} only if {peer} is an address of:"
            )?;
        }
        grant_lines(&ev.fqdn, false, out)?;
    }
    Ok(())
}

/// The `toFQDNs` grants of a workload's egress, for a question about no
/// one address: the names, their ports, the rules and their HTTP rules.
pub fn fqdn_lines(grants: &[FqdnGrant], out: &mut dyn Write) -> io::Result<()> {
    if grants.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "  Depends on DNS at run time: also admitted to the addresses of these names (ask `check --to external:IP` about one):"
    )?;
    grant_lines(grants, true, out)
}

/// One line per grant (with its ports when `ports`), then its HTTP rules.
fn grant_lines(grants: &[FqdnGrant], ports: bool, out: &mut dyn Write) -> io::Result<()> {
    for g in grants {
        let on = if ports {
            format!(" on {}", ports_text(&g.ports))
        } else {
            String::new()
        };
        writeln!(out, "    {}{on}  ({})", names(g), g.rule)?;
        if !g.http.is_empty() {
            writeln!(out, "      with HTTP rules {}", http_list(&g.http))?;
        }
    }
    Ok(())
}

fn names(g: &FqdnGrant) -> String {
    let n: Vec<String> = g.names.iter().map(ToString::to_string).collect();
    n.join(", ")
}

/// The evidence as data; `None` when it is empty.
pub fn evidence_json(ev: &CiliumEvidence) -> Option<Value> {
    if ev.is_empty() {
        return None;
    }
    let refs = |v: &[crate::engine::CiliumRuleRef]| -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    };
    let l7 = ev.l7.as_ref().map(|l| {
        json!({
            "http": l.http.iter().map(|(r, h)| json!({"rule": r.to_string(), "match": h})).collect::<Vec<_>>(),
            "dns": l.dns.iter().map(|(r, d)| json!({"rule": r.to_string(), "match": d})).collect::<Vec<_>>(),
            "notEvaluated": l.other.iter().map(|(r, k)| json!({"rule": r.to_string(), "kind": k})).collect::<Vec<_>>(),
        })
    });
    Some(json!({
        "isolatedBy": ev.isolated_by.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "admittedBy": refs(&ev.allowed_by),
        "deniedBy": refs(&ev.denied_by),
        "l7": l7,
        "l7Lifted": ev.l7_lifted,
        "dependsOnDns": !ev.fqdn.is_empty(),
        "fqdn": ev.fqdn.iter().map(|g| json!({
            "rule": g.rule.to_string(),
            "names": g.names,
            "ports": ports_text(&g.ports),
            "http": g.http,
        })).collect::<Vec<_>>(),
    }))
}
