//! Edges between classes and addresses outside the cluster, from the
//! analyzer's external rows; one `any` edge for a namespace whose every
//! workload is open in that direction.

use std::collections::BTreeMap;

use super::build::{Ctx, Edges, add};
use super::{Change, Node, NodeKind, Reason, external_id};
use crate::engine::PortSet;
use crate::k8s::PolicyType;

/// Per side: the ports a rule admits and those open by default.
type Admits = Vec<(PortSet, PortSet)>;

/// Adds the external edges.
pub(super) fn edges(ctx: &Ctx<'_>, edges: &mut Edges) {
    let n = ctx.views.len();
    let mut rows: BTreeMap<(usize, PolicyType, String), Admits> = BTreeMap::new();
    for (k, view) in ctx.views.iter().enumerate() {
        for row in view.analysis.external() {
            if !row.allowed || !ctx.dirs.contains(&row.direction) {
                continue;
            }
            let c = ctx.of[k][row.workload];
            let ns = &ctx.classes[c].namespace;
            if ctx.in_focus(c) == Some(false) || whole(ctx, ns, row.direction) {
                continue;
            }
            let key = (c, row.direction, row.addresses.to_string());
            let e = rows
                .entry(key)
                .or_insert_with(|| vec![(PortSet::empty(), PortSet::empty()); n]);
            let slot = if row.rule.is_some() {
                &mut e[k].0
            } else {
                &mut e[k].1
            };
            slot.insert_all(&row.ports);
        }
    }
    for ((c, dir, addresses), admits) in rows {
        let why = Reason::External {
            class: c,
            direction: dir,
            addresses: addresses.clone(),
        };
        let ends = ends(dir, ctx.node_of(c), external_id(&addresses));
        for (change, ports, declared) in pieces(&admits) {
            for (set, open) in [
                (ports.intersection(&declared), false),
                (ports.difference(&declared), true),
            ] {
                if !set.is_empty() {
                    add(
                        edges,
                        (ends.0.clone(), ends.1.clone(), change, open, false),
                        &set,
                        why.clone(),
                    );
                }
            }
        }
    }
    if ctx.focus.is_some() {
        return;
    }
    for ns in ctx.open.keys() {
        for &dir in &ctx.dirs {
            if !whole(ctx, ns, dir) {
                continue;
            }
            let node = if ctx.collapsed(ns) {
                format!("ns:{ns}")
            } else {
                format!("cluster:{ns}")
            };
            let present: Vec<bool> = (0..ctx.views.len())
                .map(|k| {
                    ctx.classes
                        .iter()
                        .any(|c| c.namespace == *ns && c.on[k].is_some())
                })
                .collect();
            let (from, to) = ends(dir, node, external_id("any"));
            let why = Reason::OpenNamespace {
                namespace: ns.clone(),
                direction: dir,
            };
            add(
                edges,
                (from, to, Change::of(&present), true, false),
                &PortSet::full(),
                why,
            );
        }
    }
}

/// True if every workload of `ns` is open in `dir` on every side, so one
/// edge stands for all of them (not with a focus: it shows its own).
fn whole(ctx: &Ctx<'_>, ns: &str, dir: PolicyType) -> bool {
    ctx.focus.is_none() && ctx.open(ns, dir)
}

/// `(from, to)`: ingress comes from outside, egress goes there.
fn ends(dir: PolicyType, node: String, external: String) -> (String, String) {
    match dir {
        PolicyType::Ingress => (external, node),
        PolicyType::Egress => (node, external),
    }
}

/// `(change, ports, declared ports of the side shown)` of one row key.
fn pieces(admits: &Admits) -> Vec<(Change, PortSet, PortSet)> {
    let all = |(d, o): &(PortSet, PortSet)| d.union(o);
    match admits.as_slice() {
        [one] => vec![(Change::Same, all(one), one.0.clone())],
        [a, b] => {
            let (pa, pb) = (all(a), all(b));
            vec![
                (Change::Same, pa.intersection(&pb), b.0.clone()),
                (Change::Added, pb.difference(&pa), b.0.clone()),
                (Change::Removed, pa.difference(&pb), a.0.clone()),
            ]
        }
        _ => Vec::new(),
    }
}

/// The node of an external id.
pub(super) fn node(id: &str) -> Node {
    let mut lines = vec!["external".to_string()];
    if let Some(block) = id.strip_prefix("external:") {
        lines.push(block.to_string());
    }
    Node {
        id: id.to_string(),
        kind: NodeKind::External,
        namespace: None,
        lines,
        change: Change::Same,
    }
}
