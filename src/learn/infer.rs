//! Observations -> a NetworkPolicySet a person would have written.
//!
//! - services are the workloads of the namespace, named after
//!   `app.kubernetes.io/name`, then `app`, then the workload; they select by
//!   that label alone, or by all their stable labels when it is missing;
//! - peers are the workloads of other namespaces (named the same way) and
//!   the addresses outside the cluster (one each, or per `/N` network with
//!   `aggregate`);
//! - DNS lookups become `spec.dns` (left out when they reach the default
//!   servers), never flows;
//! - one source reaching every service on one port (a metrics scrape) is one
//!   flow to `"*"`, keyed `<from>-to-all`; every other pair is the flow
//!   `<from>-to-<to>` with the destination's port names.
//!
//! With an existing intent ([`super::into`]), its services, peers, port
//! names and flows are used first and only what they miss is added.

use std::collections::{BTreeMap, BTreeSet};

use super::into::{Existing, PortKey};
use super::names::{Actor, Namer};
use super::report::{DeniedRow, FlowRow, Report, Unmapped};
use super::{Observation, Parsed, Verdict};
use crate::diag::{Diagnostic, Errors};
use crate::k8s::Protocol;
use crate::spec::{self, Flow, NetworkPolicySet, PortValue};

/// How to learn.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The intent's namespace; default: the existing intent's, else the
    /// namespace whose workloads receive the most connections.
    pub namespace: Option<String>,
    /// Group addresses outside the cluster per network of this prefix length.
    pub aggregate: Option<u8>,
}

/// The intent to add to: merged with its base chain, and its file's own
/// document, which receives the additions.
#[derive(Debug, Clone, Copy)]
pub struct Into<'a> {
    pub merged: &'a NetworkPolicySet,
    pub layer: &'a serde_json::Value,
}

/// The intent learned, and what was seen.
#[derive(Debug, Clone)]
pub struct Learned {
    /// The whole intent, merged (what renders).
    pub set: NetworkPolicySet,
    /// The document to write: the new intent, or the `--into` file's own
    /// document with the additions.
    pub document: serde_json::Value,
    /// The services, peers, ports and flows added (all of them without an
    /// existing intent).
    pub added: spec::Spec,
    pub report: Report,
}

type Pair = (String, String);
type Seen = BTreeMap<(Pair, PortKey), Stats>;

#[derive(Debug, Clone, Default)]
struct Stats {
    count: u64,
    first: Option<chrono::DateTime<chrono::FixedOffset>>,
    last: Option<chrono::DateTime<chrono::FixedOffset>>,
    http: bool,
}

impl Stats {
    fn add(&mut self, o: &Observation) {
        self.count += o.count;
        self.http |= o.http;
        if let Some(t) = o.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

/// Learns an intent from parsed flow files, on top of `existing` if given.
pub fn learn(
    parsed: &[Parsed],
    options: &Options,
    into: Option<Into<'_>>,
) -> Result<Learned, Errors> {
    let observations: Vec<&Observation> = parsed.iter().flat_map(|p| &p.observations).collect();
    let namespace = namespace(&observations, options, into.map(|i| i.merged))?;
    let existing = Existing::new(into.map(|i| i.merged));
    let mut report = Report {
        namespace: namespace.clone(),
        replies: parsed.iter().map(|p| p.replies).sum(),
        unmapped: parsed.iter().flat_map(|p| p.unmapped.clone()).collect(),
        ..Report::default()
    };
    let mut namer = Namer::new(&namespace, &existing, options.aggregate, &observations);
    let mut allowed: Seen = BTreeMap::new();
    let mut denied: Seen = BTreeMap::new();
    let mut dns: Seen = BTreeMap::new();
    let mut touched = BTreeSet::new();
    for o in &observations {
        let (from, to) = match (namer.actor(&o.from), namer.actor(&o.to)) {
            (Ok(f), Ok(t)) => (f, t),
            (Err(reason), _) | (_, Err(reason)) => {
                report.unmapped.push(Unmapped {
                    what: o.origin.clone(),
                    reason,
                });
                continue;
            }
        };
        for a in [&from, &to] {
            if let Actor::Service(s) = a {
                touched.insert(s.clone());
            }
        }
        let key = (
            (from.name().to_string(), to.name().to_string()),
            (o.port, o.protocol),
        );
        if o.verdict == Verdict::Denied {
            denied.entry(key).or_default().add(o);
        } else if o.port == 53 && matches!(from, Actor::Service(_)) && to.is_outside() {
            dns.entry(key).or_default().add(o);
            namer.dns_server(&to);
        } else if !matches!(from, Actor::Service(_)) && !matches!(to, Actor::Service(_)) {
            report.unmapped.push(Unmapped {
                what: o.origin.clone(),
                reason: format!("neither end is in namespace {namespace}"),
            });
        } else {
            allowed.entry(key).or_default().add(o);
        }
    }

    let mut added = spec::Spec::default();
    let monitoring = monitoring(&allowed, &namer.service_names());
    let metrics: BTreeSet<PortKey> = monitoring.iter().map(|(_, p)| *p).collect();
    let seen: Vec<_> = allowed
        .iter()
        .map(|((pair, port), s)| (pair.clone(), *port, s.http))
        .collect();
    namer.name_ports(&existing, &seen, &metrics);
    let mut flow_of: BTreeMap<(Pair, PortKey), String> = BTreeMap::new();
    for (pair, port) in allowed.keys() {
        let (from, to) = pair;
        let to_all = monitoring.contains(&(from.clone(), *port));
        let target = if to_all { "*" } else { to.as_str() };
        if let Some(id) = existing.allowing(from, to, *port, &|s| namer.labels_of(s)) {
            flow_of.insert((pair.clone(), *port), id);
            continue;
        }
        let id = if to_all {
            format!("{from}-to-all")
        } else {
            format!("{from}-to-{to}")
        };
        let value = namer.port_value(to, *port);
        let flow = added.flows.entry(id.clone()).or_insert_with(|| Flow {
            from: from.clone(),
            to: target.to_string(),
            ..Flow::default()
        });
        if !flow.ports.contains(&value) {
            flow.ports.push(value);
        }
        flow_of.insert((pair.clone(), *port), id);
    }
    for flow in added.flows.values_mut() {
        flow.ports.sort_by_key(port_order);
    }
    namer.fill(&mut added, &existing);

    report.flows = rows(&allowed, |k| {
        let id = flow_of.get(k).cloned().unwrap_or_default();
        let new = added.flows.contains_key(&id);
        (id, new)
    });
    report.dns = rows(&dns, |_| ("spec.dns".to_string(), false));
    report.seen_denied = rows(&denied, |_| (String::new(), false))
        .into_iter()
        .map(|r| DeniedRow {
            from: r.from,
            to: r.to,
            port: r.port,
            count: r.count,
            first: r.first,
            last: r.last,
        })
        .collect();
    report.no_traffic = existing
        .service_names()
        .into_iter()
        .filter(|s| !touched.contains(s))
        .collect();
    report.unmapped.sort();
    report.unmapped.dedup();
    let set = existing.with(&added, &namespace);
    let mut document = match into {
        Some(i) => i.layer.clone(),
        None => serde_json::to_value(existing.with(&spec::Spec::default(), &namespace))
            .map(prune)
            .unwrap_or_default(),
    };
    super::into::apply(&mut document, &added);
    Ok(Learned {
        set,
        document,
        added,
        report,
    })
}

/// Drops nulls, empty lists and empty maps: fields left at their default.
fn prune(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !super::into::is_empty(v))
                .collect(),
        ),
        other => other,
    }
}

/// `53/UDP` after `53`, names after numbers: the order a person writes.
fn port_order(p: &PortValue) -> (u8, String) {
    match p {
        PortValue::Number(n) => (0, format!("{n:05}")),
        PortValue::Text(t) => (1, t.clone()),
    }
}

fn rows(seen: &Seen, flow: impl Fn(&(Pair, PortKey)) -> (String, bool)) -> Vec<FlowRow> {
    seen.iter()
        .map(|(k, s)| {
            let (flow, new) = flow(k);
            FlowRow {
                from: k.0.0.clone(),
                to: k.0.1.clone(),
                port: port_text(k.1),
                flow,
                new,
                count: s.count,
                first: s.first.map(rfc3339),
                last: s.last.map(rfc3339),
            }
        })
        .collect()
}

fn rfc3339(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// `8080` for TCP, `53/UDP` otherwise.
pub(crate) fn port_text((port, protocol): PortKey) -> String {
    match protocol {
        Protocol::TCP => port.to_string(),
        p => format!("{port}/{}", p.as_str()),
    }
}

/// Sources that reach every service (but themselves) on one port, when
/// there are at least two such services.
fn monitoring(allowed: &Seen, services: &BTreeSet<String>) -> BTreeSet<(String, PortKey)> {
    let mut reached: BTreeMap<(String, PortKey), BTreeSet<&String>> = BTreeMap::new();
    for ((from, to), port) in allowed.keys() {
        if services.contains(to) {
            reached.entry((from.clone(), *port)).or_default().insert(to);
        }
    }
    reached
        .into_iter()
        .filter(|((from, _), tos)| {
            let all: BTreeSet<&String> = services.iter().filter(|s| *s != from).collect();
            all.len() >= 2 && *tos == all
        })
        .map(|(k, _)| k)
        .collect()
}

/// The namespace asked for, the existing intent's, or the one whose
/// workloads receive the most distinct connections.
fn namespace(
    observations: &[&Observation],
    options: &Options,
    existing: Option<&NetworkPolicySet>,
) -> Result<String, Errors> {
    if let Some(ns) = options
        .namespace
        .clone()
        .or_else(|| existing.and_then(|e| e.spec.namespace.clone()))
    {
        return Ok(ns);
    }
    let mut receivers: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for o in observations
        .iter()
        .filter(|o| o.verdict == Verdict::Allowed)
    {
        if let super::Endpoint::Pod {
            namespace,
            labels,
            workload,
            pod,
        } = &o.to
        {
            let id = format!("{workload:?}{pod:?}{labels:?}");
            receivers.entry(namespace).or_default().insert(id);
        }
    }
    let most = receivers.values().map(BTreeSet::len).max().unwrap_or(0);
    let top: Vec<&str> = receivers
        .iter()
        .filter(|(_, r)| r.len() == most)
        .map(|(ns, _)| *ns)
        .collect();
    match top.as_slice() {
        [ns] => Ok(ns.to_string()),
        [] => Err(Errors::one(Diagnostic::error(
            "no allowed connection to a pod was seen: nothing to learn (pass --namespace to name the intent's namespace)",
        ))),
        many => Err(Errors::one(Diagnostic::error(format!(
            "namespaces {} receive equally many connections: pass --namespace",
            many.join(", ")
        )))),
    }
}
