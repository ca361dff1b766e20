//! One direction of the proof: split the pods of the namespace into regions
//! by the selectors that decide that direction, then compare, per region,
//! what the isolating policies' rules admit with what the flows declare.
//!
//! Ingress: the region is the destination, so ports resolve at it (as at a
//! pod of each service whose labels the region's pods carry, else
//! symbolically).
//! Egress: the region is the source and ports resolve at the destination,
//! so the other side is cut into zones: pods of each service that a named
//! port reaches, the other pods (names symbolic) and addresses.

use std::collections::HashMap;

use crate::engine::{PolicyRef, PortMatcher, RuleRef};
use crate::k8s::PolicyType;
use crate::model::PortRef;

use super::compare::{Piece, compare};
use super::labels::Cube;
use super::ports::{self, Dest, Ports};
use super::regions;
use super::traffic::{Intent, Parties, Side, in_namespace};
use super::witness::{Collector, Scene};

/// What a distinct selector stands for in one direction.
#[derive(Debug, Clone, Default)]
struct Roles {
    /// Policies isolating the direction with this podSelector.
    policies: Vec<usize>,
    /// Flows with this end on the subject side.
    flows: Vec<usize>,
    /// Services with this selector (ingress only).
    services: Vec<usize>,
    /// Something here makes the direction governed or isolated.
    governs: bool,
}

/// Distinct cubes with their roles.
#[derive(Default)]
struct Table {
    cubes: Vec<Cube>,
    roles: Vec<Roles>,
    index: HashMap<Cube, usize>,
    /// The same, by shared copy: most cubes come from a few copies.
    by_identity: HashMap<usize, usize>,
}

impl Table {
    /// The roles of `cube`, which lives as long as the table.
    fn role(&mut self, cube: &Cube) -> &mut Roles {
        if let Some(&id) = self.by_identity.get(&cube.identity()) {
            return &mut self.roles[id];
        }
        let id = match self.index.get(cube) {
            Some(&id) => id,
            None => {
                let id = self.cubes.len();
                self.index.insert(cube.clone(), id);
                self.cubes.push(cube.clone());
                self.roles.push(Roles::default());
                id
            }
        };
        self.by_identity.insert(cube.identity(), id);
        &mut self.roles[id]
    }
}

/// A rule peer before its ports are resolved.
struct Raw<'a> {
    parties: &'a Parties,
    ports: &'a PortMatcher,
    rule: Option<RuleRef>,
}

/// Checks direction `dir` and reports every violation to `out`.
pub fn check(it: &Intent, dir: PolicyType, out: &mut Collector<'_>) {
    let ingress = dir == PolicyType::Ingress;
    let denies = it.denies(dir);
    let mut t = Table::default();
    for (pi, p) in it.policies.iter().enumerate() {
        if let (Some(_), Some(sel)) = (p.rules(dir), &p.selector) {
            let r = t.role(sel);
            r.policies.push(pi);
            r.governs = true;
        }
    }
    for (fi, f) in it.flows.iter().enumerate() {
        if let Side::Local(c) = if ingress { &f.to } else { &f.from } {
            let r = t.role(c);
            r.flows.push(fi);
            r.governs |= ingress || f.egress;
        }
    }
    if ingress {
        for (si, s) in it.services.iter().enumerate() {
            t.role(&s.pods).services.push(si);
        }
    }
    if !denies && !t.roles.iter().any(|r| r.governs) {
        return;
    }
    let roles = &t.roles;
    let keep = |ids: &[usize]| denies || ids.iter().any(|&i| roles[i].governs);
    let any_port = PortMatcher::Any;
    let anyone = Parties::any();
    for leaf in regions::split(&t.cubes, &keep) {
        let pick = |f: fn(&Roles) -> &Vec<usize>| {
            let mut v: Vec<usize> = leaf
                .ids
                .iter()
                .flat_map(|&i| f(&roles[i]))
                .copied()
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let (policies, flows) = (pick(|r| &r.policies), pick(|r| &r.flows));
        let governed = denies || flows.iter().any(|&f| ingress || it.flows[f].egress);
        if !governed && policies.is_empty() {
            continue;
        }
        let mut isolated_by: Vec<PolicyRef> = policies
            .iter()
            .map(|&p| it.policies[p].id.clone())
            .collect();
        isolated_by.sort();
        let mut raw: Vec<Raw<'_>> = Vec::new();
        for &pi in &policies {
            let p = &it.policies[pi];
            for rule in p.rules(dir).into_iter().flatten() {
                for (peer, parties) in &rule.peers {
                    raw.push(Raw {
                        parties,
                        ports: &rule.ports,
                        rule: Some(p.rule_ref(dir, rule.index, *peer)),
                    });
                }
            }
        }
        if policies.is_empty() {
            raw.push(Raw {
                parties: &anyone,
                ports: &any_port,
                rule: None,
            });
        }
        let rules: Vec<Option<RuleRef>> = raw.iter().map(|r| r.rule.clone()).collect();
        let other = |f: usize| {
            let flow = &it.flows[f];
            if ingress { &flow.from } else { &flow.to }.parties(&it.namespace)
        };
        let sides: Vec<Parties> = flows.iter().map(|&f| other(f)).collect();
        let mut run = |service: Option<usize>,
                       zone: Option<usize>,
                       (admitted, declared): (Vec<Piece>, Vec<Piece>),
                       free: &[&Cube]| {
            let findings = compare(&admitted, &declared, free);
            let scene = Scene {
                dir,
                subject: &leaf.region,
                service,
                zone,
                isolated_by: &isolated_by,
                admitted: &admitted,
                rules: &rules,
                declared: &declared,
                flows: &flows,
            };
            out.report(&scene, findings);
        };
        let resolve = |dest: Dest<'_>, keep: &dyn Fn(&Parties) -> Parties| {
            let admitted: Vec<Piece> = raw
                .iter()
                .map(|r| Piece {
                    parties: keep(r.parties),
                    ports: ports::admitted(r.ports, dest),
                })
                .collect();
            let declared: Vec<Piece> = flows
                .iter()
                .zip(&sides)
                .map(|(&f, parties)| Piece {
                    parties: keep(parties),
                    ports: declared(it, f, dest),
                })
                .collect();
            (admitted, declared)
        };
        let same = |p: &Parties| p.clone();
        if ingress {
            let services = pick(|r| &r.services);
            let variants: Vec<Option<usize>> = if services.is_empty() {
                vec![None]
            } else {
                services.into_iter().map(Some).collect()
            };
            for v in variants {
                let dest = v.map_or(Dest::Pod, |s| Dest::Service(&it.services[s].ports));
                run(v, None, resolve(dest, &same), &[]);
            }
            continue;
        }
        // A flow to one service means that service's numbers everywhere;
        // only names towards groups and "*" depend on the destination.
        let names = |f: usize| {
            let flow = &it.flows[f];
            flow.to_service.is_none() && flow.specs.iter().any(|s| matches!(s, PortRef::Named(_)))
        };
        let named =
            raw.iter().any(|r| ports::has_names(r.ports)) || flows.iter().any(|&f| names(f));
        if !named {
            run(None, None, resolve(Dest::Pod, &same), &[]);
            continue;
        }
        // Named ports: pods of each service a name may reach, by that
        // service's ports; then every other pod; then addresses.
        let named_pods: Vec<&Cube> = raw
            .iter()
            .filter(|r| ports::has_names(r.ports))
            .filter_map(|r| r.parties.pods.as_ref())
            .chain(
                flows
                    .iter()
                    .zip(&sides)
                    .filter(|&(&f, _)| names(f))
                    .filter_map(|(_, p)| p.pods.as_ref()),
            )
            .collect();
        let zones: Vec<(usize, Cube)> = it
            .services
            .iter()
            .enumerate()
            .filter_map(|(si, s)| {
                let z = in_namespace(&it.namespace, &s.pods)?;
                named_pods.iter().any(|c| c.meets(&z)).then_some((si, z))
            })
            .collect();
        for (si, z) in &zones {
            let inside = |p: &Parties| Parties::pods(p.pods.as_ref().and_then(|c| c.intersect(z)));
            let dest = Dest::Service(&it.services[*si].ports);
            run(None, Some(*si), resolve(dest, &inside), &[]);
        }
        let free: Vec<&Cube> = zones.iter().map(|(_, z)| z).collect();
        let pods_only = |p: &Parties| Parties::pods(p.pods.clone());
        run(None, None, resolve(Dest::Pod, &pods_only), &free);
        let addrs_only = |p: &Parties| Parties::addrs(p.addrs.clone());
        run(None, None, resolve(Dest::Address, &addrs_only), &[]);
    }
}

/// The ports flow `f` declares towards `dest`: towards one service, its
/// names are that service's numbers wherever its selector reaches.
fn declared(it: &Intent, f: usize, dest: Dest<'_>) -> Ports {
    let flow = &it.flows[f];
    let dest = match (flow.to_service, dest) {
        (Some(s), Dest::Service(_) | Dest::Pod) => Dest::Service(&it.services[s].ports),
        (_, dest) => dest,
    };
    ports::declared(&flow.specs, dest, &flow.name_protocols)
}
