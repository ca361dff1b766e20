//! Reading `toPorts` (`PortRule`, `PortDenyRule`, `PortProtocol` and
//! `L7Rules` of `pkg/policy/api/l4.go`; checks of `PortRule.Validate` and
//! `L7Rules.Validate` in `pkg/policy/api/rule_validation.go`).

use crate::k8s::Protocol;
use crate::k8s::fields::{Node, Result};

use super::parse::{Ctx, Direction};
use super::peers::fqdn;
use super::types::{CiliumPort, CiliumPortRule, CiliumPortSpec, HttpRule, L7Rules};
use super::types::{FqdnSelector, UnevaluatedReason};

/// `maxPorts` of `rule_validation.go`.
const MAX_PORTS: usize = 40;

/// Protocols without ports (`--enable-extended-ip-protocols`).
const PORTLESS: &[&str] = &["VRRP", "IGMP", "GRE", "IPIP", "IPV6", "ESP", "AH"];

/// A `toPorts` list.
pub(super) fn port_rules(
    n: &Node<'_>,
    dir: Direction,
    ctx: &mut Ctx,
) -> Result<Vec<CiliumPortRule>> {
    let mut out = Vec::new();
    for item in n.list(0, usize::MAX)? {
        out.push(port_rule(&item, dir, ctx)?);
    }
    Ok(out)
}

fn port_rule(n: &Node<'_>, dir: Direction, ctx: &mut Ctx) -> Result<CiliumPortRule> {
    let keys: &[&str] = if dir.is_deny() {
        &["ports"]
    } else {
        &[
            "ports",
            "rules",
            "terminatingTLS",
            "originatingTLS",
            "serverNames",
            "listener",
        ]
    };
    let o = n.object(keys)?;
    for k in [
        "terminatingTLS",
        "originatingTLS",
        "serverNames",
        "listener",
    ] {
        if let Some(t) = o.opt(k) {
            ctx.note(&t.path, UnevaluatedReason::Tls);
        }
    }
    let mut rule = CiliumPortRule::default();
    let mut raw_protocols = Vec::new();
    for p in o.opt_list("ports", 0, MAX_PORTS)? {
        let (port, proto_text) = port(&p, ctx)?;
        raw_protocols.push((p.path.clone(), proto_text, port.clone()));
        if let Some(port) = port {
            rule.ports.push(port);
        }
    }
    if let Some(r) = o.opt("rules") {
        rule.rules = l7(&r, dir, ctx)?;
        let restricted = !matches!(rule.rules, L7Rules::None);
        if restricted && raw_protocols.is_empty() && matches!(rule.rules, L7Rules::Dns(_)) {
            return Err(r.err("port 53 must be specified for DNS rules"));
        }
        for (path, proto, port) in &raw_protocols {
            let at = |m: String| crate::k8s::fields::FieldError {
                path: path.clone(),
                message: m,
            };
            if !restricted {
                continue;
            }
            if matches!(
                port,
                Some(CiliumPort {
                    port: CiliumPortSpec::All,
                    ..
                })
            ) {
                return Err(at("L7 rules cannot be used when a port is 0".into()));
            }
            match &rule.rules {
                L7Rules::Dns(_) => {
                    if matches!(port, Some(CiliumPort { port: CiliumPortSpec::Range(a, b), .. }) if a != b)
                    {
                        return Err(at("DNS rules do not support port ranges".into()));
                    }
                }
                _ if proto != "TCP" => {
                    return Err(at(format!(
                        "L7 rules can only apply to TCP (not {}) except for DNS rules; set protocol: TCP",
                        if proto.is_empty() { "ANY" } else { proto }
                    )));
                }
                _ => {}
            }
        }
    }
    Ok(rule)
}

/// One `ports[]` entry and its protocol as written (`""` when absent);
/// `None` for a protocol without ports.
fn port(n: &Node<'_>, ctx: &mut Ctx) -> Result<(Option<CiliumPort>, String)> {
    let o = n.object(&["port", "endPort", "protocol"])?;
    let mut all = vec!["TCP", "UDP", "SCTP", "ANY"];
    all.extend(PORTLESS);
    let proto_text = match o.opt("protocol") {
        Some(p) => p.one_of(&all)?,
        None => "",
    };
    if PORTLESS.contains(&proto_text) {
        ctx.note(&n.path, UnevaluatedReason::Protocol);
        return Ok((None, proto_text.to_string()));
    }
    let protocol = Protocol::parse(proto_text);
    let port_node = o.req("port")?;
    let spec = match port_node.value {
        serde_json::Value::Number(_) => number(&port_node, port_node.integer_in(0, 65535)?)?,
        serde_json::Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            let n = s
                .parse::<i64>()
                .map_err(|_| port_node.err("not a port number"))?;
            if n > 65535 {
                return Err(port_node.err(format!("{n} must be between 0 and 65535, inclusive")));
            }
            number(&port_node, n)?
        }
        serde_json::Value::String(s) => CiliumPortSpec::Named(svc_name(&port_node, s)?),
        _ => return Err(port_node.err("must be a port number or a port name")),
    };
    let spec = match (spec, o.opt("endPort")) {
        (CiliumPortSpec::Range(lo, _), Some(e)) => {
            let end = e.integer_in(0, 65535)? as u16;
            // The range only counts when it ends above `port`.
            CiliumPortSpec::Range(lo, end.max(lo))
        }
        (spec, Some(e)) => {
            e.integer_in(0, 65535)?;
            spec
        }
        (spec, None) => spec,
    };
    Ok((
        Some(CiliumPort {
            port: spec,
            protocol,
        }),
        proto_text.to_string(),
    ))
}

fn number(_n: &Node<'_>, p: i64) -> Result<CiliumPortSpec> {
    Ok(match p {
        0 => CiliumPortSpec::All,
        p => CiliumPortSpec::Range(p as u16, p as u16),
    })
}

/// An IANA service name (`iana.IsSvcName`): 1 to 15 letters, digits and
/// inner single dashes, with a letter; Cilium lowercases it.
fn svc_name(n: &Node<'_>, s: &str) -> Result<String> {
    let ok = s.len() <= 15
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if !ok {
        return Err(n.err(format!(
            "{s:?} is neither a port number nor a port name (IANA service name: up to 15 letters, digits and single inner dashes)"
        )));
    }
    Ok(s.to_ascii_lowercase())
}

/// `rules`: one kind only (`L7Rules.Validate`); empty lists mean no rules.
fn l7(n: &Node<'_>, dir: Direction, ctx: &mut Ctx) -> Result<L7Rules> {
    let o = n.object(&["http", "dns", "kafka", "l7proto", "l7"])?;
    let non_empty = |k: &str| {
        o.opt(k).is_some_and(|v| match v.value.as_array() {
            Some(a) => !a.is_empty(),
            None => !v.value.as_str().is_some_and(str::is_empty),
        })
    };
    let kinds: Vec<&str> = ["http", "dns", "kafka", "l7proto"]
        .into_iter()
        .filter(|k| non_empty(k))
        .collect();
    if kinds.len() > 1 {
        return Err(o.err(format!(
            "multiple L7 protocol rule types specified in single rule: {}",
            kinds.join(", ")
        )));
    }
    if o.opt("l7").is_some() && !non_empty("l7proto") {
        return Err(o.err("'l7' may only be specified when a 'l7proto' is also specified"));
    }
    match kinds.first().copied() {
        None => Ok(L7Rules::None),
        Some("http") => {
            let mut out = Vec::new();
            for h in o.req("http")?.list(0, usize::MAX)? {
                out.push(http(&h, ctx)?);
            }
            Ok(L7Rules::Http(out))
        }
        Some("dns") => {
            if dir.is_ingress() {
                return Err(o.req("dns")?.err("DNS rules are not allowed on ingress"));
            }
            let mut out: Vec<FqdnSelector> = Vec::new();
            for d in o.req("dns")?.list(0, usize::MAX)? {
                out.push(fqdn(&d)?);
            }
            Ok(L7Rules::Dns(out))
        }
        Some(kind) => {
            let at = o.req(kind)?;
            ctx.note(&at.path, UnevaluatedReason::L7);
            Ok(L7Rules::NotEvaluated(if kind == "kafka" {
                "kafka"
            } else {
                "l7proto"
            }))
        }
    }
}

fn http(n: &Node<'_>, ctx: &mut Ctx) -> Result<HttpRule> {
    let o = n.object(&["path", "method", "host", "headers", "headerMatches"])?;
    let text = |k: &str| -> Result<Option<String>> {
        match o.opt(k) {
            None => Ok(None),
            Some(v) if v.string()?.is_empty() => Ok(None),
            Some(v) => Ok(Some(v.string()?.to_string())),
        }
    };
    let mut rule = HttpRule {
        method: text("method")?,
        path: text("path")?,
        host: text("host")?,
        headers: Vec::new(),
    };
    for h in o.opt_list("headers", 0, usize::MAX)? {
        rule.headers.push(h.string()?.to_string());
    }
    if let Some(m) = o.opt("headerMatches") {
        for item in m.list(0, usize::MAX)? {
            let im = item.object(&["mismatch", "name", "secret", "value"])?;
            if im.req("name")?.string()?.is_empty() {
                return Err(im.req("name")?.err("header name missing"));
            }
        }
        ctx.note(&m.path, UnevaluatedReason::L7);
    }
    Ok(rule)
}
