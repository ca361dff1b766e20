//! The connectivity half of a diff: which connections each side allows,
//! compared, with the policies responsible for every one that differs.
//! On Cilium renders a connection restricted above L4 is one entry per L7
//! rule ([`crate::analyze::l7`]), and a `toFQDNs` name is external traffic
//! to it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::normalize::{self, Norm};
use crate::analyze::Analysis;
use crate::analyze::l7::{self, L7};
use crate::engine::{Cluster, Endpoint, Engine, Verdict};
use crate::k8s::{PolicyType, Protocol};

/// `from -> to:port/protocol`, endpoints as `namespace/name`, with the
/// L7 rule it stands for when the connection is restricted above L4.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Flow {
    pub from: String,
    pub to: String,
    pub port: u16,
    pub protocol: Protocol,
    /// `None`: every request passes (no L7 rule restricts it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l7: Option<L7>,
}

impl Flow {
    /// The same connection without its L7 rule.
    pub fn l4(&self) -> Flow {
        Flow {
            l7: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -> {}:{}/{}",
            self.from, self.to, self.port, self.protocol
        )?;
        match &self.l7 {
            Some(r) => write!(f, " {r}"),
            None => Ok(()),
        }
    }
}

/// A connection one side allows and the other does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowChange {
    #[serde(flatten)]
    pub flow: Flow,
    /// The policies admitting it: on side b for an added connection, on
    /// side a (before) for a removed one. Empty when no policy isolates it.
    pub admitted_by: Vec<String>,
    /// Removed connections: the policies on side b that isolate it now
    /// (NetworkPolicies and Cilium policies, when that tier decided).
    pub isolated_by: Vec<String>,
    /// Removed connections: the cluster-wide policies on side b whose
    /// Deny decided (Admin or Baseline tier), or the Cilium policies whose
    /// deny rule matches.
    pub denied_by: Vec<String>,
    /// Removed connections: an endpoint, or the destination port, no
    /// longer exists on side b.
    pub gone: bool,
    /// Removed connections that side b still allows at L4 with other L7
    /// rules: the policies whose L7 rules restrict it there (empty: any
    /// request passes now).
    #[serde(skip_serializing_if = "Option::is_none", rename = "l7Now")]
    pub l7_now: Option<Vec<String>>,
}

/// Traffic between a workload and addresses outside the cluster that a
/// rule admits: `from` or `to` is `external`, or `to` is `fqdn` for the
/// addresses a `toFQDNs` name resolves to at run time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ExternalFlow {
    pub from: String,
    pub to: String,
    /// `any`, an ipBlock (`10.0.0.0/8 except 10.1.0.0/16`), or for `fqdn`
    /// the name or pattern (`api.example.com`, `*.example.com`).
    pub addresses: String,
    /// `any`, or a port set (`443/TCP, 53/UDP`).
    pub ports: String,
    /// The HTTP rule it stands for, when rules restrict it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l7: Option<L7>,
}

impl fmt::Display for ExternalFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |end: &str| match end {
            "external" | "fqdn" => format!("{end} {}", self.addresses),
            _ => end.to_string(),
        };
        write!(
            f,
            "{} -> {} on {}",
            side(&self.from),
            side(&self.to),
            self.ports
        )?;
        match &self.l7 {
            Some(r) => write!(f, " {r}"),
            None => Ok(()),
        }
    }
}

/// External traffic one side admits and the other does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalChange {
    #[serde(flatten)]
    pub flow: ExternalFlow,
    /// The policy admitting it on the side that has it (empty when no
    /// policy isolates that direction).
    pub policies: Vec<String>,
}

/// Connections added and removed from side a to side b.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConnDiff {
    pub added: Vec<FlowChange>,
    pub removed: Vec<FlowChange>,
    /// Connections both sides allow.
    pub unchanged: usize,
    /// External traffic (ipBlock peers, rules without peers) b admits and a does not.
    #[serde(skip_serializing_if = "Vec::is_empty", rename = "externalAdded")]
    pub external_added: Vec<ExternalChange>,
    /// External traffic a admits and b does not.
    #[serde(skip_serializing_if = "Vec::is_empty", rename = "externalRemoved")]
    pub external_removed: Vec<ExternalChange>,
}

impl ConnDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.external_added.is_empty()
            && self.external_removed.is_empty()
    }
}

/// A side's allowed connections, by flow, with the workload indices.
struct Allowed<'c> {
    engine: Engine<'c>,
    /// Every entry (a connection, or one per L7 rule restricting it) with
    /// the workload indices and, for an L7 entry, the policies listing it.
    flows: BTreeMap<Flow, (usize, usize, Vec<String>)>,
    /// Every allowed connection at L4, with the policies whose L7 rules
    /// restrict it (empty: none do).
    l4: BTreeMap<Flow, Vec<String>>,
    /// Allowed external traffic, with the policies admitting it.
    external: BTreeMap<ExternalFlow, BTreeSet<String>>,
    ids: BTreeMap<String, usize>,
    norm: Option<&'c Norm>,
}

impl<'c> Allowed<'c> {
    fn new(cluster: &'c Cluster, norm: Option<&'c Norm>) -> Allowed<'c> {
        let names = ids(cluster, norm);
        // Only Cilium policies restrict above L4.
        let cilium = !cluster.cilium.is_empty();
        // One evaluation per equivalence class, expanded to allowed pairs only.
        let analysis = Analysis::new(cluster);
        let mut flows = BTreeMap::new();
        let mut l4 = BTreeMap::new();
        let expanded: Result<(), std::convert::Infallible> =
            analysis.try_for_each_flow(|s, d, ports| {
                for &(port, protocol) in ports {
                    let flow = Flow {
                        from: names[s].clone(),
                        to: names[d].clone(),
                        port,
                        protocol,
                        l7: None,
                    };
                    let rules = match cilium {
                        true => {
                            let (src, dst) = (Endpoint::Workload(s), Endpoint::Workload(d));
                            l7::rules(&analysis.engine.verdict(&src, &dst, port, protocol))
                        }
                        false => Vec::new(),
                    };
                    let listing = |p: &BTreeSet<String>| -> Vec<String> {
                        let set: BTreeSet<String> =
                            p.iter().map(|n| normalize::name(norm, n)).collect();
                        set.into_iter().collect()
                    };
                    let all: BTreeSet<String> = rules.iter().flat_map(|(_, p)| p.clone()).collect();
                    l4.insert(flow.clone(), listing(&all));
                    if rules.is_empty() {
                        flows.insert(flow.clone(), (s, d, Vec::new()));
                    }
                    for (rule, policies) in rules {
                        let entry = Flow {
                            l7: Some(rule),
                            ..flow.clone()
                        };
                        flows.insert(entry, (s, d, listing(&policies)));
                    }
                }
                Ok(())
            });
        let Ok(()) = expanded;
        let external = external(&analysis, &names, norm);
        let engine = analysis.engine;
        let ids = names.into_iter().enumerate().map(|(i, n)| (n, i)).collect();
        Allowed {
            engine,
            flows,
            l4,
            external,
            ids,
            norm,
        }
    }

    fn verdict(&self, s: usize, d: usize, f: &Flow) -> Verdict {
        self.engine.verdict(
            &Endpoint::Workload(s),
            &Endpoint::Workload(d),
            f.port,
            f.protocol,
        )
    }

    fn names<'a>(&self, refs: impl Iterator<Item = &'a String>) -> Vec<String> {
        let set: BTreeSet<String> = refs.map(|n| normalize::name(self.norm, n)).collect();
        set.into_iter().collect()
    }

    /// The policies admitting an allowed flow: for an L7 entry, those
    /// listing its rule.
    fn admitting(&self, f: &Flow) -> Vec<String> {
        let (s, d, listing) = &self.flows[f];
        if f.l7.is_some() {
            return listing.clone();
        }
        let (s, d) = (*s, *d);
        let v = self.verdict(s, d, f);
        let mut names = Vec::new();
        for side in [&v.egress, &v.ingress] {
            match &side.decision.rule {
                Some(rule) => names.push(rule.policy.to_string()),
                None => {
                    names.extend(side.allowed_by.iter().map(|r| r.policy.name.clone()));
                    // CiliumNetworkPolicies admit as part of the same tier.
                    let cilium = side.cilium.allowed_by.iter();
                    names.extend(cilium.map(|r| r.policy.name.clone()));
                }
            }
        }
        self.names(names.iter())
    }

    /// Why a flow is not allowed: the isolating policies and the
    /// cluster-wide policies that deny it, or that an endpoint or the port
    /// does not exist here.
    fn denying(&self, f: &Flow) -> Denial {
        let gone = Denial {
            gone: true,
            ..Denial::default()
        };
        let (Some(&s), Some(&d)) = (self.ids.get(&f.from), self.ids.get(&f.to)) else {
            return gone;
        };
        let serves = self.engine.cluster().workloads[d]
            .ports
            .iter()
            .any(|p| p.port == f.port && p.protocol == f.protocol);
        if !serves {
            return gone;
        }
        let v = self.verdict(s, d, f);
        let (mut isolated, mut denied) = (Vec::new(), Vec::new());
        for side in [&v.egress, &v.ingress].into_iter().filter(|d| !d.allowed) {
            match &side.decision.rule {
                Some(rule) => denied.push(rule.policy.to_string()),
                None if !side.cilium.denied_by.is_empty() => {
                    // A Cilium deny rule wins over every allow.
                    let cilium = side.cilium.denied_by.iter();
                    denied.extend(cilium.map(|r| r.policy.name.clone()));
                }
                None => {
                    isolated.extend(side.isolated_by.iter().map(|p| p.name.clone()));
                    let cilium = side.cilium.isolated_by.iter();
                    isolated.extend(cilium.map(|p| p.name.clone()));
                }
            }
        }
        Denial {
            isolated_by: self.names(isolated.iter()),
            denied_by: self.names(denied.iter()),
            gone: false,
        }
    }
}

/// Why side b does not allow a flow.
#[derive(Debug, Default)]
struct Denial {
    isolated_by: Vec<String>,
    denied_by: Vec<String>,
    gone: bool,
}

/// Allowed traffic between a workload (named by `names`) and addresses
/// outside the cluster, with the policies admitting it.
pub(super) fn external(
    analysis: &Analysis<'_>,
    names: &[String],
    norm: Option<&Norm>,
) -> BTreeMap<ExternalFlow, BTreeSet<String>> {
    let mut external: BTreeMap<ExternalFlow, BTreeSet<String>> = BTreeMap::new();
    for row in analysis.external().into_iter().filter(|r| r.allowed) {
        let w = names[row.workload].clone();
        let (from, to) = match row.direction {
            PolicyType::Ingress => ("external".to_string(), w),
            PolicyType::Egress => (w, "external".to_string()),
        };
        let flow = ExternalFlow {
            from,
            to,
            addresses: row.addresses.to_string(),
            ports: ports_text(&row.ports),
            l7: None,
        };
        let policies = external.entry(flow).or_default();
        if let Some(rule) = &row.rule {
            policies.insert(normalize::name(norm, &rule.policy.name));
        }
    }
    for (w, grant) in analysis.fqdn() {
        for (name, rule) in l7::fqdn_entries(&grant) {
            let flow = ExternalFlow {
                from: names[w].clone(),
                to: "fqdn".to_string(),
                addresses: name,
                ports: ports_text(&grant.ports),
                l7: rule,
            };
            let policy = normalize::name(norm, &grant.rule.policy.name);
            external.entry(flow).or_default().insert(policy);
        }
    }
    external
}

/// `any`, or the port set.
fn ports_text(ports: &crate::engine::PortSet) -> String {
    if ports.is_full() {
        "any".to_string()
    } else {
        ports.to_string()
    }
}

/// `namespace/name` of every workload, normalised, by index.
pub(super) fn ids(cluster: &Cluster, norm: Option<&Norm>) -> Vec<String> {
    (0..cluster.workloads.len())
        .map(|w| id(cluster, w, norm))
        .collect()
}

/// `namespace/name` of a workload, normalised.
fn id(cluster: &Cluster, w: usize, norm: Option<&Norm>) -> String {
    let w = &cluster.workloads[w];
    format!("{}/{}", normalize::value(norm, &w.namespace), w.name)
}

/// Every connection allowed on one side and not the other.
pub fn diff(a: &Cluster, na: Option<&Norm>, b: &Cluster, nb: Option<&Norm>) -> ConnDiff {
    let a = Allowed::new(a, na);
    let b = Allowed::new(b, nb);
    let mut out = ConnDiff::default();
    for f in a.flows.keys() {
        if b.flows.contains_key(f) {
            out.unchanged += 1;
            continue;
        }
        if let Some(now) = b.l4.get(&f.l4()) {
            // Still connected, under other L7 rules (or none).
            out.removed.push(FlowChange {
                flow: f.clone(),
                admitted_by: a.admitting(f),
                isolated_by: Vec::new(),
                denied_by: Vec::new(),
                gone: false,
                l7_now: Some(now.clone()),
            });
            continue;
        }
        let denial = b.denying(f);
        out.removed.push(FlowChange {
            flow: f.clone(),
            admitted_by: a.admitting(f),
            isolated_by: denial.isolated_by,
            denied_by: denial.denied_by,
            gone: denial.gone,
            l7_now: None,
        });
    }
    for f in b.flows.keys().filter(|f| !a.flows.contains_key(f)) {
        out.added.push(FlowChange {
            flow: f.clone(),
            admitted_by: b.admitting(f),
            isolated_by: Vec::new(),
            denied_by: Vec::new(),
            gone: false,
            l7_now: None,
        });
    }
    let only = |x: &Allowed<'_>, y: &Allowed<'_>| -> Vec<ExternalChange> {
        x.external
            .iter()
            .filter(|(f, _)| !y.external.contains_key(*f))
            .map(|(f, p)| ExternalChange {
                flow: f.clone(),
                policies: p.iter().cloned().collect(),
            })
            .collect()
    };
    out.external_removed = only(&a, &b);
    out.external_added = only(&b, &a);
    out
}
