//! Hubble's JSON export: `hubble observe -o json` (one `Flow` per line) and
//! `-o jsonpb` (one `GetFlowsResponse` per line, the flow under `flow`).
//!
//! Field names are those of Cilium's `api/v1/flow/flow.proto`; every field
//! is read under its proto name and under its JSON (lowerCamelCase) name:
//! `source`, `destination` (`Endpoint`: `namespace`, `labels` as
//! `source:key=value`, `pod_name`, `workloads[].name`), `IP.source`,
//! `IP.destination`, `l4.TCP|UDP|SCTP.destination_port`, `verdict`
//! (name or number), `is_reply` (and the deprecated `reply`),
//! `traffic_direction`, `time`, and `l7.http` / `l7.type`.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::{Endpoint, Observation, Parsed, Unmapped, Verdict, line_error};
use crate::diag::Errors;
use crate::k8s::{Labels, Protocol};

/// A JSON object that is a Hubble flow or a `GetFlowsResponse`.
pub fn is_hubble(object: &Map<String, Value>) -> bool {
    ["flow", "source", "destination", "l4", "IP", "node_status"]
        .iter()
        .any(|k| object.contains_key(*k))
}

/// Parses every line of a Hubble export; all errors, each naming its line.
pub fn parse(file: &str, text: &str) -> Result<Parsed, Errors> {
    let mut parsed = Parsed::default();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| line_error(file, n, text, message);
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                errors.push(err(format!("not a JSON object: {e}")));
                continue;
            }
        };
        let origin = format!("{file}:{n}");
        match flow(&value) {
            Err(message) => errors.push(err(message)),
            Ok(Read::Flow(mut o)) => {
                o.origin = origin;
                parsed.observations.push(*o);
            }
            Ok(Read::Reply) => parsed.replies += 1,
            Ok(Read::Unmapped(reason)) => parsed.unmapped.push(Unmapped {
                what: origin,
                reason,
            }),
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(Errors(errors))
    }
}

enum Read {
    Flow(Box<Observation>),
    Reply,
    Unmapped(String),
}

/// A field under its proto name or its JSON name.
fn field<'a>(object: &'a Value, proto: &str) -> Option<&'a Value> {
    let object = object.as_object()?;
    object
        .get(proto)
        .or_else(|| object.get(&camel(proto)))
        .filter(|v| !v.is_null())
}

/// `destination_port` -> `destinationPort`.
fn camel(proto: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in proto.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn text<'a>(object: &'a Value, proto: &str) -> Option<&'a str> {
    field(object, proto).and_then(Value::as_str)
}

fn flow(line: &Value) -> Result<Read, String> {
    if !line.is_object() {
        return Err("not a JSON object".into());
    }
    let flow = match field(line, "flow") {
        Some(f) => f,
        None if ["source", "destination", "verdict", "l4", "IP"]
            .iter()
            .any(|k| field(line, k).is_some()) =>
        {
            line
        }
        None => {
            let kind = line
                .as_object()
                .and_then(|o| o.keys().next().cloned())
                .unwrap_or_default();
            return Ok(Read::Unmapped(format!("not a flow ({kind})")));
        }
    };
    let verdict = match verdict(field(flow, "verdict"))? {
        Some(v) => v,
        None => {
            return Ok(Read::Unmapped(
                "no verdict (VERDICT_UNKNOWN or ERROR)".into(),
            ));
        }
    };
    if reply(flow) {
        return Ok(Read::Reply);
    }
    let Some((protocol, port)) = layer4(flow)? else {
        return Ok(Read::Unmapped(
            "no TCP, UDP or SCTP destination port (ICMP or no l4)".into(),
        ));
    };
    let ip = field(flow, "IP");
    let from = match endpoint(flow, "source", ip.and_then(|i| text(i, "source")))? {
        Ok(e) => e,
        Err(reason) => return Ok(Read::Unmapped(reason)),
    };
    let to = match endpoint(flow, "destination", ip.and_then(|i| text(i, "destination")))? {
        Ok(e) => e,
        Err(reason) => return Ok(Read::Unmapped(reason)),
    };
    let time = text(flow, "time")
        .or_else(|| text(line, "time"))
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t).map_err(|e| format!("flow.time {t:?}: {e}"))
        })
        .transpose()?;
    let http = field(flow, "l7").and_then(|l7| field(l7, "http")).is_some();
    Ok(Read::Flow(Box::new(Observation {
        origin: String::new(),
        time,
        from,
        to,
        port,
        protocol,
        verdict,
        count: 1,
        http,
    })))
}

/// `verdict`: traffic that went through (forwarded, or seen by a policy in
/// audit mode), traffic dropped, or `None` when nothing was decided.
fn verdict(value: Option<&Value>) -> Result<Option<Verdict>, String> {
    let name = match value {
        None => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(0) => "VERDICT_UNKNOWN".into(),
            Some(1) => "FORWARDED".into(),
            Some(2) => "DROPPED".into(),
            Some(3) => "ERROR".into(),
            Some(4) => "AUDIT".into(),
            Some(5) => "REDIRECTED".into(),
            Some(6) => "TRACED".into(),
            Some(7) => "TRANSLATED".into(),
            _ => return Err(format!("flow.verdict: unknown verdict {n}")),
        },
        Some(other) => return Err(format!("flow.verdict: expected a name, got {other}")),
    };
    match name.as_str() {
        "FORWARDED" | "AUDIT" | "REDIRECTED" | "TRACED" | "TRANSLATED" => {
            Ok(Some(Verdict::Allowed))
        }
        "DROPPED" => Ok(Some(Verdict::Denied)),
        "VERDICT_UNKNOWN" | "ERROR" => Ok(None),
        _ => Err(format!(
            "flow.verdict: unknown verdict {name:?} (expected FORWARDED, DROPPED, AUDIT, REDIRECTED, TRACED, TRANSLATED, ERROR or VERDICT_UNKNOWN)"
        )),
    }
}

/// `is_reply` (or the deprecated `reply`), or an L7 response.
fn reply(flow: &Value) -> bool {
    let flag = |k: &str| field(flow, k).and_then(Value::as_bool).unwrap_or(false);
    let response = field(flow, "l7")
        .and_then(|l7| field(l7, "type"))
        .is_some_and(|t| t == "RESPONSE" || t == 2);
    flag("is_reply") || flag("reply") || response
}

fn layer4(flow: &Value) -> Result<Option<(Protocol, u16)>, String> {
    let Some(l4) = field(flow, "l4") else {
        return Ok(None);
    };
    for (key, protocol) in [
        ("TCP", Protocol::TCP),
        ("UDP", Protocol::UDP),
        ("SCTP", Protocol::SCTP),
    ] {
        let Some(body) = field(l4, key) else { continue };
        let port = field(body, "destination_port")
            .map(|p| {
                p.as_u64()
                    .and_then(|p| u16::try_from(p).ok())
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("flow.l4.{key}.destination_port: not a port: {p}"))
            })
            .transpose()?;
        return match port {
            Some(p) => Ok(Some((protocol, p))),
            None => Err(format!("flow.l4.{key}: no destination_port")),
        };
    }
    Ok(None)
}

/// An endpoint, or the reason it stands for nothing a policy names.
fn endpoint(
    flow: &Value,
    side: &str,
    ip: Option<&str>,
) -> Result<Result<Endpoint, String>, String> {
    let ep = field(flow, side);
    let mut labels = Labels::new();
    let mut reserved = Vec::new();
    for label in ep
        .and_then(|e| field(e, "labels"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(label) = label.as_str() else {
            return Err(format!("flow.{side}.labels: expected strings, got {label}"));
        };
        let (source, rest) = match label.split_once(':') {
            Some((s, r)) if !s.contains(['=', '/']) => (s, r),
            _ => ("k8s", label),
        };
        let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
        match source {
            "k8s" => {
                labels.insert(key.to_string(), value.to_string());
            }
            "reserved" => reserved.push(key.to_string()),
            _ => {}
        }
    }
    let namespace = ep.and_then(|e| text(e, "namespace")).unwrap_or("");
    if namespace.is_empty() {
        if reserved.iter().any(|r| r.starts_with("world")) {
            let ip = ip.ok_or_else(|| format!("flow.IP.{side}: missing for a world endpoint"))?;
            let addr: IpAddr = ip
                .parse()
                .map_err(|e| format!("flow.IP.{side}: {ip:?}: {e}"))?;
            return Ok(Ok(Endpoint::Address(addr)));
        }
        if let Some(r) = reserved.first() {
            return Ok(Err(format!(
                "flow.{side} is the reserved identity {r:?}, which NetworkPolicies cannot select"
            )));
        }
        return Err(format!(
            "flow.{side}.namespace: missing (a pod endpoint needs its namespace; an address outside the cluster carries the label reserved:world)"
        ));
    }
    let workload = ep
        .and_then(|e| field(e, "workloads"))
        .and_then(Value::as_array)
        .and_then(|w| w.first())
        .and_then(|w| text(w, "name"))
        .map(str::to_string);
    let pod = ep.and_then(|e| text(e, "pod_name")).map(str::to_string);
    Ok(Ok(Endpoint::Pod {
        namespace: namespace.to_string(),
        labels,
        workload,
        pod,
    }))
}
