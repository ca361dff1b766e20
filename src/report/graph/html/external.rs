//! The page's external entries: traffic to and from addresses outside the
//! cluster, and whole open namespaces, per class and direction.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::data::Ctx;
use super::explain;
use crate::analyze::graph::Reason;
use crate::k8s::PolicyType;

/// External entries: per (class, direction, addresses), or per
/// `(usize::MAX, direction, "open:NS:Direction")` for a whole open
/// namespace: index, which sides have it, whether a rule admits it on the
/// side shown, and how many workloads it stands for.
pub(super) type ExtIndex = BTreeMap<ExtKey, (usize, Vec<bool>, bool, u64)>;

/// `(class, direction, addresses)` of external traffic.
pub(super) type ExtKey = (usize, PolicyType, String);

pub(super) fn external(ctx: &mut Ctx<'_>) -> (Vec<Value>, ExtIndex) {
    let n = ctx.views.len();
    let g = ctx.g;
    let mut texts: BTreeMap<ExtKey, Vec<Option<(usize, bool)>>> = BTreeMap::new();
    for (k, view) in ctx.views.iter().enumerate() {
        let a = view.analysis;
        let rows = a.external();
        let mut grouped: BTreeMap<(usize, PolicyType, String), Vec<&crate::analyze::ExternalRow>> =
            BTreeMap::new();
        for r in rows.iter().filter(|r| r.allowed) {
            grouped
                .entry((r.workload, r.direction, r.addresses.to_string()))
                .or_default()
                .push(r);
        }
        for (c, class) in g.classes.iter().enumerate() {
            let Some((_, w)) = class.on[k] else { continue };
            for ((rw, dir, addr), list) in grouped.range((w, PolicyType::Ingress, String::new())..)
            {
                if *rw != w {
                    break;
                }
                let text = explain::external(a, w, *dir, list);
                let declared = list.iter().any(|r| r.rule.is_some());
                let e = texts
                    .entry((c, *dir, addr.clone()))
                    .or_insert_with(|| vec![None; n]);
                e[k] = Some((ctx.blocks.id(text), declared));
            }
        }
    }
    let mut namespaces: BTreeSet<(String, PolicyType)> = BTreeSet::new();
    for e in &g.edges {
        for r in &e.reasons {
            if let Reason::OpenNamespace {
                namespace,
                direction,
            } = r
            {
                namespaces.insert((namespace.clone(), *direction));
            }
        }
    }
    let mut out = Vec::new();
    let mut index = ExtIndex::new();
    for ((c, dir, addr), sides) in texts {
        let class = &g.classes[c];
        let arrow = match dir {
            PolicyType::Egress => format!("{} -> external {addr}", class.id()),
            PolicyType::Ingress => format!("external {addr} -> {}", class.id()),
        };
        let present: Vec<bool> = sides.iter().map(Option::is_some).collect();
        let (_, side) = ctx.change_of(&present);
        let declared = sides[side].is_some_and(|s| s.1);
        let s: Vec<Value> = sides
            .iter()
            .map(|s| s.map_or(Value::Null, |s| json!(s.0)))
            .collect();
        index.insert(
            (c, dir, addr),
            (out.len(), present, declared, class.members.len() as u64),
        );
        out.push(json!({"title": arrow, "sides": s}));
    }
    for (ns, dir) in namespaces {
        let text = ctx.blocks.id(explain::open_namespace(&ns, dir));
        let present: Vec<bool> = (0..n)
            .map(|k| {
                g.classes
                    .iter()
                    .any(|c| c.namespace == ns && c.on[k].is_some())
            })
            .collect();
        let s: Vec<Value> = present
            .iter()
            .map(|&p| if p { json!(text) } else { Value::Null })
            .collect();
        let name = format!("open:{ns}:{}", dir.as_str());
        index.insert((usize::MAX, dir, name), (out.len(), present, false, 0));
        out.push(json!({"title": format!("{ns} (every workload) {}", dir.as_str().to_lowercase()), "sides": s}));
    }
    (out, index)
}
