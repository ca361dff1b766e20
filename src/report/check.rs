//! The answer of `netpolgen check` in sentences: the verdict, then egress
//! at the source and ingress at the destination, each with the policies
//! isolating the workload, their rules in words, and the rule peers that
//! admit the connection, or that none does. Cilium policies add the deny
//! rules that drop it, the HTTP or DNS rules that constrain it, and the
//! FQDN rules whose answer depends on DNS at run time.

use std::io::{self, Write};

use ipnet::IpNet;

use crate::analyze::addresses::Coverage;
use crate::analyze::explain::{Answer, Party, Side};
use crate::analyze::workload_id;
use crate::engine::tiers::{DecidingTier, Decision};
use crate::engine::{CiliumPolicyRef, Cluster, PolicyRef};
use crate::k8s::PolicyType;

use super::{Format, Options, describe, ports_text, unsupported};

/// The formats `check` writes.
pub const FORMATS: [Format; 2] = [Format::Text, Format::Json];

/// Writes the answer in `format`.
pub fn write(
    cluster: &Cluster,
    a: &Answer,
    format: Format,
    _options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => write_check(cluster, a, out),
        Format::Json => super::json(&json_answer(cluster, a), out),
        other => Err(unsupported("a check answer", other)),
    }
}

/// The answer as data: the verdict and each side's evidence.
fn json_answer(cluster: &Cluster, a: &Answer) -> serde_json::Value {
    let side = |s: &Side| match s {
        Side::External => serde_json::json!({"allowed": true, "isolated": false, "external": true}),
        Side::Open => serde_json::json!({"allowed": true, "isolated": false}),
        Side::Isolated {
            by,
            admitted_by,
            coverage,
            peer_ports,
            cilium,
        } => with_cilium(
            serde_json::json!({
                "allowed": s.allows(),
                "isolated": true,
                "isolatedBy": by.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "admittedBy": admitted_by.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "coverage": match coverage {
                    Coverage::All => "all",
                    Coverage::Part => "part",
                    Coverage::None => "none",
                },
                "peerPorts": ports_text(peer_ports),
            }),
            cilium,
        ),
    };
    let q = &a.question;
    let decided = |d: &Option<Decision>| match d {
        None => serde_json::Value::Null,
        Some(d) => serde_json::json!({
            "tier": d.tier.to_string(),
            "rule": d.rule.as_ref().map(ToString::to_string),
            "passed": d.passed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "tied": d.tied.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
    };
    serde_json::json!({
        "from": party(cluster, &q.from),
        "to": party(cluster, &q.to),
        "port": q.port,
        "protocol": q.protocol.as_str(),
        "allowed": a.allowed,
        "egress": side(&a.egress),
        "ingress": side(&a.ingress),
        "egressDecidedBy": decided(&a.egress_decision),
        "ingressDecidedBy": decided(&a.ingress_decision),
    })
}

/// A side's JSON with its `cilium` evidence, when there is any.
fn with_cilium(
    mut side: serde_json::Value,
    ev: &crate::engine::CiliumEvidence,
) -> serde_json::Value {
    if let (Some(ev), Some(map)) = (super::cilium::evidence_json(ev), side.as_object_mut()) {
        map.insert("cilium".into(), ev);
    }
    side
}

/// `ns/name`, `external:10.1.2.3` or `external:10.0.0.0/8`.
pub fn party(cluster: &Cluster, p: &Party) -> String {
    match p {
        Party::Workload(w) => workload_id(cluster, *w),
        Party::External(net) => format!("external:{}", net_text(net)),
    }
}

fn net_text(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// Writes the explanation.
pub fn write_check(cluster: &Cluster, a: &Answer, out: &mut dyn Write) -> io::Result<()> {
    let q = &a.question;
    let (from, to) = (party(cluster, &q.from), party(cluster, &q.to));
    let head = if a.allowed { "ALLOWED" } else { "DENIED" };
    writeln!(out, "{head}: {from} -> {to} on {}/{}", q.port, q.protocol)?;
    let sides = [
        (
            PolicyType::Egress,
            &q.from,
            &to,
            &a.egress,
            &a.egress_decision,
        ),
        (
            PolicyType::Ingress,
            &q.to,
            &from,
            &a.ingress,
            &a.ingress_decision,
        ),
    ];
    for (dir, subject, peer, side, decision) in sides {
        writeln!(out)?;
        let at = party(cluster, subject);
        let (word, way) = match dir {
            PolicyType::Egress => ("Egress", "egress"),
            PolicyType::Ingress => ("Ingress", "ingress"),
        };
        let verdict = if side.allows() { "allowed" } else { "denied" };
        writeln!(out, "{word} at {at}: {verdict}.")?;
        if let Some(d) = decision {
            tier_lines(d, way, out)?;
        }
        match side {
            Side::External => writeln!(
                out,
                "  {at} is outside the cluster; no NetworkPolicy applies to its {way}."
            )?,
            Side::Open => {
                let ns = match subject {
                    Party::Workload(w) => cluster.workloads[*w].namespace.as_str(),
                    Party::External(_) => "",
                };
                writeln!(
                    out,
                    "  No NetworkPolicy in {ns} selects {at} for {way}, so all of its {way} is allowed."
                )?;
            }
            Side::Isolated {
                by,
                admitted_by,
                coverage,
                peer_ports,
                cilium,
            } => {
                if by.is_empty() && cilium.isolated_by.is_empty() && !cilium.denied_by.is_empty() {
                    writeln!(
                        out,
                        "  Nothing isolates it for {way}; a Cilium deny rule applies."
                    )?;
                } else {
                    isolation(cluster, (by, &cilium.isolated_by), dir, out)?;
                }
                let port = format!("{}/{}", q.port, q.protocol);
                let admitted: Vec<String> = admitted_by
                    .iter()
                    .map(ToString::to_string)
                    .chain(cilium.allowed_by.iter().map(ToString::to_string))
                    .collect();
                match coverage {
                    Coverage::All => {
                        writeln!(out, "  Admitted on {port} by:")?;
                        for r in &admitted {
                            writeln!(out, "    {r}")?;
                        }
                    }
                    Coverage::Part => {
                        writeln!(out, "  Only part of {peer} is admitted on {port}, by:")?;
                        for r in &admitted {
                            writeln!(out, "    {r}")?;
                        }
                    }
                    Coverage::None if !cilium.denied_by.is_empty() => {
                        if !admitted.is_empty() {
                            writeln!(out, "  Admitted on {port} by:")?;
                            for r in &admitted {
                                writeln!(out, "    {r}")?;
                            }
                        }
                    }
                    Coverage::None => {
                        writeln!(out, "  No rule of these policies admits {peer} on {port}.")?;
                        writeln!(
                            out,
                            "  The rules admit {peer} here on: {}.",
                            ports_text(peer_ports)
                        )?;
                    }
                }
                let allowed = side.allows();
                super::cilium::evidence_lines(cilium, (peer, &port, allowed), out)?;
            }
        }
    }
    Ok(())
}

/// What the cluster-wide tiers said: the rule that decided at the Admin or
/// Baseline tier, the Pass rules crossed, ties the API leaves open.
fn tier_lines(d: &Decision, way: &str, out: &mut dyn Write) -> io::Result<()> {
    for p in &d.passed {
        writeln!(out, "  Passed on by {p}.")?;
    }
    match (&d.rule, d.tier) {
        (Some(rule), DecidingTier::Admin | DecidingTier::Baseline) => {
            writeln!(
                out,
                "  Decided at the {} tier by {rule}, before and above any NetworkPolicy {way} rule.",
                d.tier
            )?;
        }
        (_, DecidingTier::Default) if !d.passed.is_empty() => {
            writeln!(out, "  No tier decided after that: allowed by default.")?;
        }
        _ => {}
    }
    for t in &d.tied {
        writeln!(
            out,
            "  Note: {t} has the same priority and another action; the API leaves the order to the implementation."
        )?;
    }
    Ok(())
}

/// `It is isolated for DIR by N policies:` and each policy with its rules
/// of `dir`, in words: the NetworkPolicies, then the Cilium policies.
pub fn isolation(
    cluster: &Cluster,
    (by, cilium): (&[PolicyRef], &[CiliumPolicyRef]),
    dir: PolicyType,
    out: &mut dyn Write,
) -> io::Result<()> {
    let way = match dir {
        PolicyType::Egress => "egress",
        PolicyType::Ingress => "ingress",
    };
    let n = by.len() + cilium.len();
    let s = if n == 1 { "policy" } else { "policies" };
    writeln!(out, "  It is isolated for {way} by {n} {s}:")?;
    for p in by {
        policy(cluster, p, dir, out)?;
    }
    for p in cilium {
        super::cilium::policy(cluster, p, dir, out)?;
    }
    Ok(())
}

/// One isolating policy and its rules of `dir`, in words.
fn policy(
    cluster: &Cluster,
    p: &PolicyRef,
    dir: PolicyType,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "    {p}")?;
    let Some(pol) = cluster
        .policies
        .iter()
        .find(|x| x.namespace == p.namespace && x.name == p.name)
    else {
        return Ok(());
    };
    let (list, way) = match dir {
        PolicyType::Ingress => ("ingress", "ingress"),
        PolicyType::Egress => ("egress", "egress"),
    };
    let n = describe::rule_count(&pol.spec, dir);
    if n == 0 {
        return writeln!(out, "      no {way} rules: admits no {way} at all");
    }
    for i in 0..n {
        let text = describe::rule(&pol.spec, &pol.namespace, dir, i);
        writeln!(out, "      spec.{list}[{i}]: {text}")?;
    }
    Ok(())
}
