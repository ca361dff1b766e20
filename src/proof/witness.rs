//! Findings become violations with concrete counterexamples.
//!
//! A gap is a cube of pods (or an address range) on one atom of ports. It
//! is made concrete as a pod of a declared service or peer where the gap
//! holds one (so the example reads `api-gateway`), else as the simplest
//! point of the cube: absent keys omitted, a listed value, or a value
//! nothing mentions. At that point the ports admitted and declared are
//! recomputed, and so are the rules admitting it.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::engine::{PolicyRef, RuleRef};
use crate::k8s::{Labels, PolicyType};
use crate::model::NAMESPACE_NAME_LABEL;

use super::compare::{Finding, Gap, Piece};
use super::labels::{Cube, Key, Point};
use super::ports::{Atom, Ports};
use super::traffic::{Intent, in_namespace};
use super::{Example, Kind, MAX_VIOLATIONS, NamespacePoint, Party, PortPoint, Proof, Violation};

/// How many violations are built in full before the rest are only counted.
const MAX_BUILT: usize = 20 * MAX_VIOLATIONS;

/// Everything one comparison was about.
pub struct Scene<'a> {
    pub dir: PolicyType,
    /// The region of the namespace's pods (pod keys) the direction is about.
    pub subject: &'a Cube,
    /// The service whose pod the subject is taken to be (ingress).
    pub service: Option<usize>,
    /// The service whose pods the other side is cut to (egress).
    pub zone: Option<usize>,
    pub isolated_by: &'a [PolicyRef],
    pub admitted: &'a [Piece],
    /// The rule of each admitted piece (`None`: nothing isolates).
    pub rules: &'a [Option<RuleRef>],
    pub declared: &'a [Piece],
    /// The flow (index) of each declared piece.
    pub flows: &'a [usize],
}

/// A point of the other side, for membership.
enum At {
    Pod(Point),
    Addr(IpAddr),
}

impl At {
    fn holds(&self, piece: &Piece) -> bool {
        match self {
            At::Pod(p) => piece.parties.pods.as_ref().is_some_and(|c| c.matches(p)),
            At::Addr(ip) => piece.parties.addrs.contains(*ip),
        }
    }
}

type Seen = (Kind, PolicyType, Option<usize>, Option<RuleRef>);

/// Collects violations, one per kind, direction, flow and admitting rule.
pub struct Collector<'a> {
    it: &'a Intent,
    /// Each key seen, with its violation's index and whether the pod of
    /// the namespace in it is a service's exactly.
    seen: BTreeMap<Seen, (usize, bool)>,
    violations: Vec<Violation>,
    unbuilt: usize,
}

impl<'a> Collector<'a> {
    pub fn new(it: &'a Intent) -> Collector<'a> {
        Collector {
            it,
            seen: BTreeMap::new(),
            violations: Vec::new(),
            unbuilt: 0,
        }
    }

    /// Adds the findings of one comparison.
    pub fn report(&mut self, scene: &Scene<'_>, findings: Vec<Finding>) {
        for f in findings {
            let (flow, rule) = match f.kind {
                Kind::Extra => (None, scene.rules[f.piece].clone()),
                Kind::Missing => (Some(scene.flows[f.piece]), None),
            };
            let key = (f.kind, scene.dir, flow, rule);
            match self.seen.get(&key) {
                // Seen: a later region may give a plainer example, one
                // where the namespace's pod is exactly a service's.
                Some(&(i, false)) => {
                    let subject = self.subject(scene);
                    if matches!(subject, Party::Pod { of: Some(_), .. }) {
                        self.violations[i] = self.violation(scene, &f, flow, subject);
                        self.seen.insert(key, (i, true));
                    }
                }
                Some(_) => {}
                None if self.violations.len() >= MAX_BUILT => {
                    self.seen.insert(key, (usize::MAX, true));
                    self.unbuilt += 1;
                }
                None => {
                    let subject = self.subject(scene);
                    let exact = matches!(subject, Party::Pod { of: Some(_), .. });
                    self.seen.insert(key, (self.violations.len(), exact));
                    let v = self.violation(scene, &f, flow, subject);
                    self.violations.push(v);
                }
            }
        }
    }

    fn violation(
        &self,
        scene: &Scene<'_>,
        f: &Finding,
        flow: Option<usize>,
        subject: Party,
    ) -> Violation {
        let (other, at) = match &f.gap {
            Gap::Pods(w) => {
                let (point, of) = self.point(w, scene.zone, true);
                (self.party(&point, of), At::Pod(point))
            }
            Gap::Addrs(first, last) => (
                Party::Addresses {
                    first: *first,
                    last: *last,
                },
                At::Addr(*first),
            ),
        };
        let ports_at = |pieces: &[Piece]| {
            let mut p = Ports::empty();
            for piece in pieces.iter().filter(|p| at.holds(p)) {
                p.insert_all(&piece.ports);
            }
            p
        };
        let (admitted, declared) = (ports_at(scene.admitted), ports_at(scene.declared));
        let diff = match f.kind {
            Kind::Extra => admitted.difference(&declared),
            Kind::Missing => declared.difference(&admitted),
        };
        let port = match (&f.atom, diff.is_all()) {
            (_, true) => PortPoint::Any,
            (Atom::Numbers(protocol, lo, _), false) => PortPoint::Number {
                port: *lo,
                protocol: *protocol,
            },
            (Atom::Name(protocol, name), false) => PortPoint::Named {
                name: name.clone(),
                protocol: *protocol,
            },
        };
        let mut rules: Vec<RuleRef> = match f.kind {
            Kind::Missing => Vec::new(),
            Kind::Extra => (0..scene.admitted.len())
                .filter(|&i| {
                    at.holds(&scene.admitted[i]) && scene.admitted[i].ports.contains(&f.atom)
                })
                .filter_map(|i| scene.rules[i].clone())
                .collect(),
        };
        rules.sort();
        rules.dedup();
        let example = match scene.dir {
            PolicyType::Ingress => Example {
                from: other,
                to: subject,
                port,
            },
            PolicyType::Egress => Example {
                from: subject,
                to: other,
                port,
            },
        };
        Violation {
            kind: f.kind,
            direction: scene.dir,
            flow: flow.map(|i| self.it.flows[i].id.clone()),
            rules,
            isolated_by: scene.isolated_by.to_vec(),
            example,
        }
    }

    /// The subject region as a pod of the namespace.
    fn subject(&self, scene: &Scene<'_>) -> Party {
        let region = in_namespace(&self.it.namespace, scene.subject).unwrap_or_default();
        let (point, of) = match scene.service {
            Some(_) => self.point(&region, scene.service, false),
            None if scene.dir == PolicyType::Egress => self.point(&region, None, false),
            None => (region.point(&self.it.vocabulary), None),
        };
        self.party(&point, of)
    }

    /// A point of `w`: a pod of a service (`prefer` first, then the rest
    /// unless `prefer` is given for the subject) or, with `peers`, of a
    /// peer, where `w` holds one; else the simplest point.
    fn point(&self, w: &Cube, prefer: Option<usize>, peers: bool) -> (Point, Option<String>) {
        let it = self.it;
        let vocab = &it.vocabulary;
        // The point carries exactly the hint's pod labels, and namespace
        // labels only where the hint needs them.
        let exact = |hint: &Cube, labels: &Labels| -> Option<Point> {
            let p = w.intersect(hint)?.point(vocab);
            let plain_namespace = p.keys().all(|k| match k {
                Key::Namespace(_) => hint.constraint(k).is_some(),
                Key::Pod(_) => true,
            });
            (plain_namespace && pod_labels(&p) == *labels).then_some(p)
        };
        let services: Vec<usize> = match (prefer, peers) {
            (Some(s), false) => vec![s],
            (Some(s), true) => std::iter::once(s)
                .chain((0..it.services.len()).filter(|&i| i != s))
                .collect(),
            (None, _) => (0..it.services.len()).collect(),
        };
        for si in services {
            let s = &it.services[si];
            if !plausible(w, &s.labels) {
                continue;
            }
            let hint = in_namespace(&it.namespace, &Cube::labels(&s.labels, Key::Pod));
            if let Some(p) = hint.and_then(|h| exact(&h, &s.labels)) {
                return (p, Some(s.name.clone()));
            }
        }
        if peers {
            for peer in &it.peers {
                if let Some(p) = exact(&peer.cube, &peer.labels) {
                    return (p, Some(peer.name.clone()));
                }
            }
        }
        (w.point(vocab), None)
    }

    fn party(&self, point: &Point, of: Option<String>) -> Party {
        let mut ns = Labels::new();
        for (k, v) in point {
            if let Key::Namespace(k) = k {
                ns.insert(k.clone(), v.clone());
            }
        }
        let name_key = Key::Namespace(NAMESPACE_NAME_LABEL.to_string());
        let named = |n: &String| {
            self.it
                .vocabulary
                .get(&name_key)
                .is_some_and(|names| names.contains(n))
        };
        let name = ns.remove(NAMESPACE_NAME_LABEL).filter(named);
        Party::Pod {
            namespace: NamespacePoint { name, labels: ns },
            labels: pod_labels(point),
            of,
        }
    }

    /// The violations, sorted, deduplicated and capped.
    pub fn finish(self) -> Proof {
        let mut v = self.violations;
        v.sort();
        v.dedup_by(|b, a| {
            (a.kind, a.direction, &a.flow, &a.rules) == (b.kind, b.direction, &b.flow, &b.rules)
        });
        let omitted = v.len().saturating_sub(MAX_VIOLATIONS) + self.unbuilt;
        v.truncate(MAX_VIOLATIONS);
        Proof {
            violations: v,
            omitted,
        }
    }
}

/// The pod labels of a point.
fn pod_labels(p: &Point) -> Labels {
    p.iter()
        .filter_map(|(k, v)| match k {
            Key::Pod(k) => Some((k.clone(), v.clone())),
            Key::Namespace(_) => None,
        })
        .collect()
}

/// A cheap test before intersecting: `w` allows each of the labels.
fn plausible(w: &Cube, labels: &Labels) -> bool {
    labels.iter().all(|(k, v)| {
        w.constraint(&Key::Pod(k.clone()))
            .is_none_or(|c| c.matches(Some(v)))
    })
}
