//! From manifests to probes and the expected matrix.
//!
//! One probe per workload class (`crate::analyze::classes`): workloads of
//! one namespace with the same container ports and the same pod labels as
//! far as policies read them get the same verdicts, so one server pod and
//! one runner pod with the labels of the class's first member stand for
//! all of them. The expected verdicts are the engine's, for the probe
//! pods as they will be in the cluster: those labels plus the labels
//! netpolgen and the controllers add. Those extra labels must change no
//! verdict, or the probes would not stand for the workloads; a plan in
//! which they do is refused.
//!
//! Workloads in `kube-system` get no probe: a pod there carrying the
//! labels of the cluster DNS would join its Service's selector, and few
//! may create pods there. The runners' own name lookups are what tries
//! the cluster DNS.

use std::collections::{BTreeMap, BTreeSet};

use super::names::{self, PROBE_LABEL};
use super::{Check, Expect, Plan, Probe};
use crate::analyze::{Classes, workload_id};
use crate::diag::{Diagnostic, Errors};
use crate::engine::{Cluster, Endpoint, Engine, Workload};
use crate::k8s::manifest::Manifests;
use crate::k8s::{ContainerPort, Labels, NAMESPACE_NAME_LABEL, Protocol};
use crate::model::cluster::PEER_NAMESPACE_PREFIX;

/// How many expected-denied connections to try.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// At most this many per source class; `None`: all of them.
    pub denied_sample: Option<usize>,
}

/// Labels the controllers add to the probe pods, with placeholder values
/// where the real value is known only in the cluster.
const POD_TEMPLATE_HASH: &str = "pod-template-hash";
const JOB_LABELS: [&str; 2] = ["job-name", "batch.kubernetes.io/job-name"];
const UID_LABELS: [&str; 2] = ["controller-uid", "batch.kubernetes.io/controller-uid"];
const PLACEHOLDER_UID: &str = "00000000-0000-0000-0000-000000000000";
/// The namespace that gets no probe pods.
pub const SYSTEM_NAMESPACE: &str = "kube-system";

/// The probes and checks for the workloads of `m`.
pub fn plan(m: &Manifests, options: &PlanOptions) -> Result<Plan, Errors> {
    let cluster = Cluster::from_manifests(m);
    let classes = Classes::new(&cluster);
    // Each class by its first workload in `namespace/name` order.
    let mut firsts: Vec<(String, String, usize)> = (0..classes.len())
        .filter(|&c| cluster.workloads[classes.representative(c)].namespace != SYSTEM_NAMESPACE)
        .map(|c| {
            let w = classes.members[c]
                .iter()
                .copied()
                .min_by_key(|&w| (&cluster.workloads[w].namespace, &cluster.workloads[w].name))
                .expect("classes are never empty");
            let wl = &cluster.workloads[w];
            (wl.namespace.clone(), wl.name.clone(), c)
        })
        .collect();
    firsts.sort();
    let mut taken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut probes: Vec<(Probe, usize)> = Vec::new();
    for (namespace, name, c) in firsts {
        let base = names::base(&name, taken.entry(namespace.clone()).or_default());
        let rep = classes.representative(c);
        let mut ports = cluster.workloads[rep].ports.clone();
        ports.sort();
        ports.dedup();
        let mut stands_for: Vec<String> = classes.members[c]
            .iter()
            .map(|&w| workload_id(&cluster, w))
            .collect();
        stands_for.sort();
        let probe = Probe {
            id: format!("{namespace}/{base}"),
            labels: cluster.workloads[rep].labels.clone(),
            namespace,
            base,
            ports,
            stands_for,
        };
        probes.push((probe, rep));
    }
    probes.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let mut not_probed: Vec<String> = (0..cluster.workloads.len())
        .filter(|&w| cluster.workloads[w].namespace == SYSTEM_NAMESPACE)
        .map(|w| workload_id(&cluster, w))
        .collect();
    not_probed.sort();
    let (expected, dns_denied) = expected_verdicts(&cluster, &probes)?;
    let (checks, unsampled) = sample(expected, options.denied_sample);
    let namespaces: BTreeMap<String, Labels> = probes
        .iter()
        .map(|(p, _)| {
            let labels = cluster.namespaces.get(&p.namespace).cloned();
            (p.namespace.clone(), labels.unwrap_or_default())
        })
        .collect();
    let created = namespaces
        .keys()
        .filter(|ns| ns.starts_with(PEER_NAMESPACE_PREFIX))
        .cloned()
        .collect();
    Ok(Plan {
        probes: probes.into_iter().map(|(p, _)| p).collect(),
        checks,
        namespaces,
        created,
        unsampled,
        dns_denied,
        not_probed,
    })
}

/// The server pod of a probe as the engine sees it.
fn server(p: &Probe) -> Workload {
    let mut labels = p.labels.clone();
    labels.insert(PROBE_LABEL.into(), "true".into());
    labels.insert(POD_TEMPLATE_HASH.into(), "probe".into());
    Workload {
        namespace: p.namespace.clone(),
        name: p.server_name(),
        labels,
        ports: p.ports.clone(),
    }
}

/// The runner pod of a probe as the engine sees it.
fn runner(p: &Probe) -> Workload {
    let mut labels = p.labels.clone();
    labels.insert(PROBE_LABEL.into(), "true".into());
    for key in JOB_LABELS {
        labels.insert(key.into(), p.job_name());
    }
    for key in UID_LABELS {
        labels.insert(key.into(), PLACEHOLDER_UID.into());
    }
    Workload {
        namespace: p.namespace.clone(),
        name: p.job_name(),
        labels,
        ports: Vec::new(),
    }
}

/// Where a runner's name lookups go: the input's workloads in
/// `kube-system` serving 53/UDP, or else the cluster DNS as most clusters
/// label it.
fn dns_servers(cluster: &Cluster) -> Vec<Workload> {
    let listed: Vec<Workload> = cluster
        .workloads
        .iter()
        .filter(|w| {
            w.namespace == SYSTEM_NAMESPACE
                && w.ports
                    .iter()
                    .any(|p| p.port == 53 && p.protocol == Protocol::UDP)
        })
        .cloned()
        .collect();
    if listed.is_empty() {
        vec![kube_dns()]
    } else {
        listed
    }
}

fn kube_dns() -> Workload {
    Workload {
        namespace: SYSTEM_NAMESPACE.into(),
        name: "kube-dns".into(),
        labels: Labels::from_iter([("k8s-app".to_string(), "kube-dns".to_string())]),
        ports: vec![ContainerPort {
            name: Some("dns".into()),
            port: 53,
            protocol: Protocol::UDP,
        }],
    }
}

/// Every connection between probes with its verdict, in check order, and
/// the probes whose runner may not ask the cluster DNS; an error when a
/// probe pod would be treated otherwise than the workloads it stands for.
fn expected_verdicts(
    cluster: &Cluster,
    probes: &[(Probe, usize)],
) -> Result<(Vec<Check>, Vec<String>), Errors> {
    let engine = Engine::new(cluster);
    let n = probes.len();
    let mut stand_ins = cluster.clone();
    stand_ins.workloads = probes.iter().map(|(p, _)| server(p)).collect();
    stand_ins
        .workloads
        .extend(probes.iter().map(|(p, _)| runner(p)));
    let servers = dns_servers(cluster);
    let dns_count = servers.len();
    stand_ins.workloads.extend(servers);
    stand_ins
        .namespaces
        .entry(SYSTEM_NAMESPACE.into())
        .or_insert_with(|| {
            Labels::from_iter([(
                NAMESPACE_NAME_LABEL.to_string(),
                SYSTEM_NAMESPACE.to_string(),
            )])
        });
    let probe_engine = Engine::new(&stand_ins);
    let dns_denied = probes
        .iter()
        .enumerate()
        .filter(|(s, _)| {
            (2 * n..2 * n + dns_count).all(|d| {
                !probe_engine
                    .verdict(
                        &Endpoint::Workload(n + s),
                        &Endpoint::Workload(d),
                        53,
                        Protocol::UDP,
                    )
                    .egress
                    .allowed
            })
        })
        .map(|(_, (p, _))| p.id.clone())
        .collect();
    let mut out = Vec::new();
    let mut differ = Vec::new();
    for (s, (source, rep_s)) in probes.iter().enumerate() {
        for (d, (dest, rep_d)) in probes.iter().enumerate() {
            for (port, protocol) in dest.profile() {
                let real = Endpoint::Workload(*rep_s);
                let allowed = engine
                    .verdict(&real, &Endpoint::Workload(*rep_d), port, protocol)
                    .allowed;
                let probed = probe_engine
                    .verdict(
                        &Endpoint::Workload(n + s),
                        &Endpoint::Workload(d),
                        port,
                        protocol,
                    )
                    .allowed;
                if allowed != probed {
                    differ.push(format!(
                        "{} -> {} on {port}/{protocol}: {} for the workloads, {} for the probe pods",
                        source.id,
                        dest.id,
                        word(allowed),
                        word(probed)
                    ));
                }
                out.push(Check {
                    from: source.id.clone(),
                    to: dest.id.clone(),
                    port,
                    protocol,
                    expect: if allowed {
                        Expect::Allowed
                    } else {
                        Expect::Denied
                    },
                });
            }
        }
    }
    if differ.is_empty() {
        return Ok((out, dns_denied));
    }
    Err(Errors(
        differ
            .into_iter()
            .map(|d| {
                Diagnostic::error(format!(
                    "the probe pods would not stand for the workloads: {d}; a policy selects on \
                     a label the probe pods add ({PROBE_LABEL}, {POD_TEMPLATE_HASH}, {}, {})",
                    JOB_LABELS.join(", "),
                    UID_LABELS.join(", ")
                ))
            })
            .collect(),
    ))
}

fn word(allowed: bool) -> &'static str {
    if allowed { "allowed" } else { "denied" }
}

/// Every allowed check, and per source at most `limit` denied ones, taken
/// round-robin across destinations (the first denied port of every
/// destination, then the second, ...) so the sample covers as many
/// destinations as it can. Also: how many denied checks each source left out.
fn sample(checks: Vec<Check>, limit: Option<usize>) -> (Vec<Check>, BTreeMap<String, usize>) {
    let mut out = Vec::new();
    let mut unsampled = BTreeMap::new();
    let mut by_source: BTreeMap<String, Vec<Check>> = BTreeMap::new();
    for c in checks {
        by_source.entry(c.from.clone()).or_default().push(c);
    }
    for (source, checks) in by_source {
        let (allowed, denied): (Vec<Check>, Vec<Check>) = checks
            .into_iter()
            .partition(|c| c.expect == Expect::Allowed);
        out.extend(allowed);
        let limit = limit.unwrap_or(usize::MAX);
        let mut per_dest: BTreeMap<String, Vec<Check>> = BTreeMap::new();
        for c in &denied {
            per_dest.entry(c.to.clone()).or_default().push(c.clone());
        }
        let mut picked = Vec::new();
        let mut round = 0;
        while picked.len() < limit && picked.len() < denied.len() {
            for list in per_dest.values() {
                if picked.len() < limit
                    && let Some(c) = list.get(round)
                {
                    picked.push(c.clone());
                }
            }
            round += 1;
        }
        if denied.len() > picked.len() {
            unsampled.insert(source, denied.len() - picked.len());
        }
        out.extend(picked);
    }
    out.sort();
    (out, unsampled)
}
