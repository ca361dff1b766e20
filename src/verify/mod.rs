//! Proof that the rendered policies allow exactly the declared flows.
//!
//! A synthetic cluster is built from the model: one workload per service and
//! peer, plus probes that a careless policy would admit (an unlabelled pod in
//! every namespace involved, pods wearing a peer's labels in the wrong
//! namespace, copies of every service in a foreign namespace, and addresses
//! inside and outside every CIDR). The engine evaluates the rendered policies
//! over it. Within the traffic those policies govern (everything into the
//! namespace when the intent denies ingress by default, else into pods a
//! policy isolates; everything out of pods whose egress is isolated), the
//! allowed ports must equal the declared ones for every pair, and every
//! `expect` entry must hold.

mod synthetic;

use std::collections::BTreeMap;

use crate::engine::{Access, Engine, PortSet};
use crate::k8s::{NetworkPolicy, PolicyType};
use crate::model::{Model, Target};
use synthetic::{Ep, Synthetic};

/// How many lines of differences a report shows before summarising.
const MAX_LINES: usize = 40;

/// A flow that should exist and does not, or exists and should not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    /// The source, as a person reads it (`api-gateway`, `an unlabelled pod in x`).
    pub from: String,
    pub to: String,
    /// The ports concerned.
    pub ports: PortSet,
    /// The policies responsible: those admitting an extra flow, or those
    /// isolating a missing one.
    pub policies: Vec<String>,
}

/// What a [`Finding`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Allowed but not declared.
    Extra,
    /// Declared but denied.
    Missing,
    /// `spec.expect[index]` wants `allowed`, and the render disagrees.
    Expect { index: usize, allowed: bool },
    /// The report stops here; this many more differences exist.
    More(usize),
}

impl Finding {
    /// The `spec.expect` entry this finding is about.
    pub fn expect(&self) -> Option<usize> {
        match self.kind {
            Kind::Expect { index, .. } => Some(index),
            _ => None,
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let by = self.policies.join(", ");
        let (from, to, ports) = (&self.from, &self.to, &self.ports);
        match self.kind {
            Kind::Extra if by.is_empty() => write!(
                f,
                "over-permissive: {from} -> {to}:{ports} is allowed but not declared (no policy isolates it)"
            ),
            Kind::Extra => write!(
                f,
                "over-permissive: {from} -> {to}:{ports} is allowed but not declared (admitted by {by})"
            ),
            Kind::Missing if by.is_empty() => {
                write!(f, "missing: {from} -> {to}:{ports} is declared but denied")
            }
            Kind::Missing => write!(
                f,
                "missing: {from} -> {to}:{ports} is declared but denied (isolated by {by}; no rule admits it)"
            ),
            Kind::Expect { allowed, .. } => {
                let (want, got) = if allowed {
                    ("allowed", "denied")
                } else {
                    ("denied", "allowed")
                };
                write!(
                    f,
                    "expected {from} -> {to}:{ports} to be {want}, but it is {got}"
                )?;
                match (allowed, by.is_empty()) {
                    (_, true) if !allowed => f.write_str(" (no policy isolates it)"),
                    (_, true) => Ok(()),
                    (false, false) => write!(f, " (admitted by {by})"),
                    (true, false) => write!(f, " (isolated by {by}; no rule admits it)"),
                }
            }
            Kind::More(n) => write!(f, "... and {n} more differences"),
        }
    }
}

/// Checks the rendered policies against the model on the synthetic
/// cluster: every flow and every `expect` entry. Returns every difference.
/// (The render's verification is `crate::proof`; this sampled check is
/// its independent second opinion in the tests, and checks `expect`.)
pub fn verify(model: &Model, policies: &[NetworkPolicy]) -> Vec<Finding> {
    let s = Sampled::new(model, policies);
    let mut findings = s.flows();
    findings.extend(s.expects());
    findings
}

/// Checks only the `expect` entries, on the synthetic cluster.
pub fn expects(model: &Model, policies: &[NetworkPolicy]) -> Vec<Finding> {
    if model.expects.is_empty() {
        return Vec::new();
    }
    Sampled::new(model, policies).expects()
}

/// The synthetic cluster, its engine and the members of every flow end.
struct Sampled<'m> {
    model: &'m Model,
    syn: Synthetic,
}

impl<'m> Sampled<'m> {
    fn new(model: &'m Model, policies: &[NetworkPolicy]) -> Sampled<'m> {
        Sampled {
            model,
            syn: Synthetic::build(model, policies),
        }
    }

    fn members(&self) -> BTreeMap<&'m Target, Vec<Ep>> {
        let model = self.model;
        let mut members: BTreeMap<&Target, Vec<Ep>> = BTreeMap::new();
        let ends = model
            .flows
            .iter()
            .flat_map(|f| [&f.from.target, &f.to.target]);
        for target in ends.chain(model.expects.iter().flat_map(|e| [&e.from, &e.to])) {
            members
                .entry(target)
                .or_insert_with(|| self.syn.members(model, target));
        }
        members
    }

    /// Allowed flows against declared ones, both ways.
    fn flows(&self) -> Vec<Finding> {
        let (model, syn) = (self.model, &self.syn);
        let engine = Engine::new(&syn.cluster);
        let members = self.members();
        let mut expected: BTreeMap<(Ep, Ep), PortSet> = BTreeMap::new();
        for flow in &model.flows {
            let from = &members[&flow.from.target];
            let to = &members[&flow.to.target];
            for &d in to {
                let mut ports = PortSet::empty();
                for spec in &flow.port_specs {
                    ports.insert_all(&syn.ports_at(spec, d));
                }
                if ports.is_empty() {
                    continue;
                }
                for &s in from {
                    expected.entry((s, d)).or_default().insert_all(&ports);
                }
            }
        }
        let deny_ingress = model.default_deny.contains(&PolicyType::Ingress);
        expected.retain(|&(s, d), _| governed(syn, &engine, deny_ingress, s, d));
        let allowed = allowed(syn, &engine, deny_ingress);
        let mut findings = Vec::new();
        let none = PortSet::empty();
        let differing = expected
            .iter()
            .filter(|(k, exp)| allowed.get(*k).unwrap_or(&none) != *exp)
            .map(|(k, _)| *k)
            .chain(
                allowed
                    .keys()
                    .filter(|k| !expected.contains_key(*k))
                    .copied(),
            )
            .collect::<std::collections::BTreeSet<(Ep, Ep)>>();
        for key in differing {
            let exp = expected.get(&key).unwrap_or(&none);
            let got = allowed.get(&key).unwrap_or(&none);
            let (s, d) = key;
            let pairs = [
                (Kind::Extra, got.difference(exp), true),
                (Kind::Missing, exp.difference(got), false),
            ];
            for (kind, ports, admitted) in pairs {
                if ports.is_empty() {
                    continue;
                }
                findings.push(Finding {
                    kind,
                    from: syn.name(s).to_string(),
                    to: syn.name(d).to_string(),
                    policies: deciding(&engine, syn, s, d, &ports, admitted),
                    ports,
                });
            }
        }
        if findings.len() > MAX_LINES {
            let more = findings.len() - MAX_LINES;
            findings.truncate(MAX_LINES);
            findings.push(Finding {
                kind: Kind::More(more),
                from: String::new(),
                to: String::new(),
                ports: PortSet::empty(),
                policies: Vec::new(),
            });
        }
        findings
    }

    /// Every `expect` entry on every pair of its ends.
    fn expects(&self) -> Vec<Finding> {
        let (model, syn) = (self.model, &self.syn);
        let engine = Engine::new(&syn.cluster);
        let members = self.members();
        let mut findings = Vec::new();
        for e in &model.expects {
            let from = &members[&e.from];
            let to = &members[&e.to];
            for &d in to {
                let ports = syn.ports_at(&e.port, d);
                let Some((protocol, port, _)) = ports.iter().next() else {
                    continue;
                };
                for &s in from {
                    let v = engine.verdict(&syn.endpoint(s), &syn.endpoint(d), port, protocol);
                    if v.allowed != e.allowed {
                        let ports = PortSet::single(protocol, port);
                        findings.push(Finding {
                            kind: Kind::Expect {
                                index: e.index,
                                allowed: e.allowed,
                            },
                            from: syn.name(s).to_string(),
                            to: syn.name(d).to_string(),
                            policies: deciding(&engine, syn, s, d, &ports, v.allowed),
                            ports,
                        });
                    }
                }
            }
        }
        findings
    }
}

/// Whether the rendered policies govern traffic from `s` to `d`: into a
/// pod of the namespace when the intent denies ingress by default or the
/// pod is isolated for ingress; out of one isolated for egress. Traffic
/// nothing governs is allowed whatever was declared.
fn governed(syn: &Synthetic, engine: &Engine<'_>, deny_ingress: bool, s: Ep, d: Ep) -> bool {
    let in_ns = |e: Ep| match e {
        Ep::W(i) => syn.in_ns.contains(&i).then_some(i),
        Ep::X(_) => None,
    };
    in_ns(d).is_some_and(|d| deny_ingress || engine.is_isolated(d, PolicyType::Ingress))
        || in_ns(s).is_some_and(|s| engine.is_isolated(s, PolicyType::Egress))
}

/// Everything the rendered policies allow within the traffic they govern.
fn allowed(
    syn: &Synthetic,
    engine: &Engine<'_>,
    deny_ingress: bool,
) -> BTreeMap<(Ep, Ep), PortSet> {
    let ingress_governed = |d: usize| deny_ingress || engine.is_isolated(d, PolicyType::Ingress);
    let n = syn.cluster.workloads.len();
    let mut egress: Vec<Option<Access>> = vec![None; n];
    let mut egress_of = |s: usize| -> Access {
        egress[s]
            .get_or_insert_with(|| engine.egress_access(s))
            .clone()
    };
    let mut out = BTreeMap::new();
    for &d in &syn.in_ns {
        if !ingress_governed(d) {
            continue; // governed, if at all, from the egress side
        }
        let ingress = engine.ingress_access(d);
        let sources: Vec<usize> = match &ingress {
            Access::All => (0..n).collect(),
            Access::Some { workloads, .. } => workloads.keys().copied().collect(),
        };
        for s in sources {
            let ports = ingress
                .workload_ports(s)
                .intersection(&egress_of(s).workload_ports(d));
            if !ports.is_empty() {
                out.insert((Ep::W(s), Ep::W(d)), ports);
            }
        }
        for (x, (ip, _)) in syn.externals.iter().enumerate() {
            let ports = ingress.external_ports(*ip);
            if !ports.is_empty() {
                out.insert((Ep::X(x), Ep::W(d)), ports);
            }
        }
    }
    for &s in &syn.in_ns {
        if !engine.is_isolated(s, PolicyType::Egress) {
            continue;
        }
        let access = egress_of(s);
        if let Access::Some { workloads, .. } = &access {
            for (&d, ports) in workloads {
                if syn.cluster.workloads[d].namespace == syn.cluster.workloads[s].namespace
                    && ingress_governed(d)
                {
                    continue; // counted above, from the ingress side
                }
                let ports = ports.intersection(&engine.ingress_access(d).workload_ports(s));
                if !ports.is_empty() {
                    out.insert((Ep::W(s), Ep::W(d)), ports);
                }
            }
        }
        for (x, (ip, _)) in syn.externals.iter().enumerate() {
            let ports = access.external_ports(*ip);
            if !ports.is_empty() {
                out.insert((Ep::W(s), Ep::X(x)), ports);
            }
        }
    }
    out
}

/// Names the policies behind a difference: the rules that admit it, or
/// the policies that isolate without admitting.
fn deciding(
    engine: &Engine<'_>,
    syn: &Synthetic,
    s: Ep,
    d: Ep,
    ports: &PortSet,
    admitted: bool,
) -> Vec<String> {
    let Some((protocol, port, _)) = ports.iter().next() else {
        return Vec::new();
    };
    let v = engine.verdict(&syn.endpoint(s), &syn.endpoint(d), port, protocol);
    let mut names: Vec<String> = if admitted {
        v.egress
            .allowed_by
            .iter()
            .chain(&v.ingress.allowed_by)
            .map(|r| r.policy.name.clone())
            .collect()
    } else {
        let mut isolating = Vec::new();
        if !v.egress.allowed {
            isolating.extend(v.egress.isolated_by.iter().map(|p| p.name.clone()));
        }
        if !v.ingress.allowed {
            isolating.extend(v.ingress.isolated_by.iter().map(|p| p.name.clone()));
        }
        isolating
    };
    names.sort();
    names.dedup();
    names
}
