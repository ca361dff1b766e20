//! What a picture is drawn from: the workloads of one or two sides
//! grouped into classes no side tells apart, and the connections between
//! those classes, port by port, with which side of each connection a rule
//! admits.

use std::collections::BTreeMap;

use crate::analyze::Analysis;
use crate::analyze::matrix::bit;
use crate::engine::{DecidingTier, Endpoint};
use crate::k8s::{PolicyType, Protocol};

/// One side of a picture: an analysis and the names its workloads are
/// drawn with (normalised placeholders in a diff).
pub struct View<'a> {
    pub analysis: &'a Analysis<'a>,
    /// `(namespace, name)` of every workload, by workload index.
    pub names: Vec<(String, String)>,
}

impl<'a> View<'a> {
    /// A view naming every workload as the manifests do.
    pub fn new(analysis: &'a Analysis<'a>) -> View<'a> {
        let names = analysis
            .cluster
            .workloads
            .iter()
            .map(|w| (w.namespace.clone(), w.name.clone()))
            .collect();
        View { analysis, names }
    }
}

/// Workloads of one namespace that every side puts in the same analyzer
/// class (same ports, same labels as far as policies read them): no
/// policy tells them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub namespace: String,
    /// Member names in name order (never empty).
    pub members: Vec<String>,
    /// Per side: the analyzer class and the workload evaluated for it (the
    /// first member that side has); `None` where the side has no member.
    pub on: Vec<Option<(usize, usize)>>,
}

impl Class {
    /// `namespace/first-member`: the class's stable name.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.members[0])
    }
}

/// What admits an allowed port on one side: whether a rule does so at the
/// source's egress and at the destination's ingress (false: nothing
/// restricts that direction, or nothing decided and it is allowed by
/// default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Admitted {
    pub egress: bool,
    pub ingress: bool,
}

impl Admitted {
    /// True if a rule of one of `dirs` admits it.
    pub fn declared(self, dirs: &[PolicyType]) -> bool {
        dirs.iter().any(|d| match d {
            PolicyType::Egress => self.egress,
            PolicyType::Ingress => self.ingress,
        })
    }
}

/// One destination port of a class pair: per side, `None` when not
/// allowed there (or the port or a class is missing), else what admits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairPort {
    pub port: u16,
    pub protocol: Protocol,
    pub on: Vec<Option<Admitted>>,
}

/// A class pair with a port some side allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub from: usize,
    pub to: usize,
    /// Every port allowed on at least one side, in `(port, protocol)` order.
    pub ports: Vec<PairPort>,
}

/// The classes of all sides, in order of their first member's
/// `namespace/name`, and the class of every workload of every side.
pub fn classes(views: &[View<'_>]) -> (Vec<Class>, Vec<Vec<usize>>) {
    let n = views.len();
    let mut by_name: BTreeMap<(&str, &str), Vec<Option<usize>>> = BTreeMap::new();
    for (k, v) in views.iter().enumerate() {
        for (w, (ns, name)) in v.names.iter().enumerate() {
            by_name.entry((ns, name)).or_insert_with(|| vec![None; n])[k] = Some(w);
        }
    }
    let mut ids: BTreeMap<(&str, Vec<Option<usize>>), usize> = BTreeMap::new();
    let mut out: Vec<Class> = Vec::new();
    let mut of: Vec<Vec<usize>> = views.iter().map(|v| vec![0; v.names.len()]).collect();
    for ((ns, name), ws) in &by_name {
        let key: Vec<Option<usize>> = ws
            .iter()
            .enumerate()
            .map(|(k, w)| w.map(|w| views[k].analysis.classes.of[w]))
            .collect();
        let next = out.len();
        let c = *ids.entry((ns, key.clone())).or_insert(next);
        if c == next {
            out.push(Class {
                namespace: ns.to_string(),
                members: Vec::new(),
                on: key.iter().zip(ws).map(|(c, w)| c.zip(*w)).collect(),
            });
        }
        out[c].members.push(name.to_string());
        for (k, w) in ws.iter().enumerate() {
            if let Some(w) = w {
                of[k][*w] = c;
            }
        }
    }
    (out, of)
}

/// Per port, what each side says.
type PortsOn = BTreeMap<(u16, Protocol), Vec<Option<Admitted>>>;

/// Every class pair with a port allowed on some side, in (from, to) order.
pub fn pairs(views: &[View<'_>], classes: &[Class]) -> Vec<Pair> {
    let n = views.len();
    let mut out: BTreeMap<(usize, usize), PortsOn> = BTreeMap::new();
    for (k, view) in views.iter().enumerate() {
        let a = view.analysis;
        let mut line = a.matrix.line();
        let mut expanded = None;
        for (s, cs) in classes.iter().enumerate() {
            let Some((class_s, rep_s)) = cs.on[k] else {
                continue;
            };
            if expanded != Some(class_s) {
                a.matrix.row(class_s, &mut line);
                expanded = Some(class_s);
            }
            for (d, cd) in classes.iter().enumerate() {
                let Some((class_d, rep_d)) = cd.on[k] else {
                    continue;
                };
                let mask = line.mask(class_d);
                for (i, &(port, protocol)) in a.classes.profile(class_d).iter().enumerate() {
                    if !bit(mask, i) {
                        continue;
                    }
                    let admitted = admitted(a, (class_s, rep_s), (class_d, rep_d), port, protocol);
                    out.entry((s, d))
                        .or_default()
                        .entry((port, protocol))
                        .or_insert_with(|| vec![None; n])[k] = Some(admitted);
                }
            }
        }
    }
    out.into_iter()
        .map(|((from, to), ports)| Pair {
            from,
            to,
            ports: ports
                .into_iter()
                .map(|((port, protocol), on)| PairPort { port, protocol, on })
                .collect(),
        })
        .collect()
}

/// Which sides of an allowed connection a rule admits. A direction no
/// policy restricts admits everything; one that only cluster-wide tiers
/// restrict may still allow a port by default, which the verdict tells.
fn admitted(
    a: &Analysis<'_>,
    (cs, s): (usize, usize),
    (cd, d): (usize, usize),
    port: u16,
    protocol: Protocol,
) -> Admitted {
    let restricted = |c, w, dir| {
        a.matrix
            .isolated(c, dir)
            .then(|| a.engine.is_isolated(w, dir))
    };
    let (egress, ingress) = (
        restricted(cs, s, PolicyType::Egress),
        restricted(cd, d, PolicyType::Ingress),
    );
    if egress != Some(false) && ingress != Some(false) {
        return Admitted {
            egress: egress.is_some(),
            ingress: ingress.is_some(),
        };
    }
    let v = a.engine.verdict(
        &Endpoint::Workload(s),
        &Endpoint::Workload(d),
        port,
        protocol,
    );
    Admitted {
        egress: egress.is_some() && v.egress.decision.tier != DecidingTier::Default,
        ingress: ingress.is_some() && v.ingress.decision.tier != DecidingTier::Default,
    }
}

/// Per side, per namespace with workloads there: whether some class is
/// isolated for `[ingress, egress]`.
pub fn isolation(views: &[View<'_>], classes: &[Class]) -> Vec<BTreeMap<String, [bool; 2]>> {
    views
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let mut out: BTreeMap<String, [bool; 2]> = BTreeMap::new();
            for c in classes {
                let Some((class, _)) = c.on[k] else { continue };
                let e = out.entry(c.namespace.clone()).or_default();
                e[0] |= v.analysis.matrix.isolated(class, PolicyType::Ingress);
                e[1] |= v.analysis.matrix.isolated(class, PolicyType::Egress);
            }
            out
        })
        .collect()
}
