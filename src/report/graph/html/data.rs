//! The data the page embeds: every class, every class pair with an
//! allowed port, the external traffic, the drawn edges and the matrix
//! cells, with `check`'s explanations precomputed.
//!
//! Explanations are per class pair and port (all members of a class have
//! the same answer) and their paragraphs are stored once. Pairs behind a
//! drawn edge are explained first, then those of the matrix cells, then,
//! for a cell, one connection it denies, up to [`BUDGET`] answers; beyond
//! that a pair carries only its verdict and the page shows the `check`
//! command that explains it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::explain::{self, Blocks};
use super::external::external;
use super::{cell_key, edge_key};
use crate::analyze::graph::{Change, Graph, Reason, View};
use crate::analyze::workload_id;
use crate::k8s::{PolicyType, Protocol};

/// How many (class pair, port, side) answers the page embeds at most.
pub const BUDGET: usize = 4000;

/// How many class pairs an edge or a cell lists at most; the page says
/// how many more there are.
pub const LISTED: usize = 20;

/// The label of the matrix row and column for external addresses.
pub const EXTERNAL: &str = "external";

/// One matrix cell: allowed connections (workload pairs times ports, or
/// workloads for external traffic) by change, and whether a rule admits
/// any of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// Unchanged (or all, for one analysis), added, removed.
    pub counts: [u64; 3],
    pub declared: bool,
}

/// Cells by (source, destination) label.
pub type Cells = BTreeMap<(String, String), Cell>;

pub(super) struct Ctx<'a> {
    pub(super) views: &'a [View<'a>],
    pub(super) g: &'a Graph,
    pub(super) blocks: Blocks,
    pub(super) used: usize,
    /// Per pair, per port, per side: the answer once explained.
    pub(super) answers: Vec<Option<Vec<Vec<Value>>>>,
    pub(super) dirs: Vec<PolicyType>,
    /// `(from class, to class, port, protocol)` the last side allows.
    pub(super) allowed: BTreeSet<(usize, usize, u16, Protocol)>,
}

impl Ctx<'_> {
    /// Explains every port of pair `p` on every side, within the budget.
    fn explain(&mut self, p: usize) {
        if self.answers[p].is_some() || self.used >= BUDGET {
            return;
        }
        let pair = &self.g.pairs[p];
        let (cs, cd) = (&self.g.classes[pair.from], &self.g.classes[pair.to]);
        let mut out = Vec::new();
        for port in &pair.ports {
            let mut sides = Vec::new();
            for (k, view) in self.views.iter().enumerate() {
                sides.push(match (cs.on[k], cd.on[k]) {
                    (Some((_, s)), Some((_, d))) => {
                        self.used += 1;
                        let pp = (port.port, port.protocol);
                        let (ok, e, i) =
                            explain::connection(view.analysis, (s, d), pp, &mut self.blocks);
                        json!([u8::from(ok), e, i])
                    }
                    _ => Value::Null,
                });
            }
            out.push(sides);
        }
        self.answers[p] = Some(out);
    }

    pub(super) fn change_of(&self, on: &[bool]) -> (Change, usize) {
        let change = Change::of(on);
        let side = if change == Change::Removed {
            0
        } else {
            on.len() - 1
        };
        (change, side)
    }
}

fn slot(change: Change) -> usize {
    match change {
        Change::Same => 0,
        Change::Added => 1,
        Change::Removed => 2,
    }
}

/// The page's data and the matrix.
pub fn build(views: &[View<'_>], g: &Graph) -> (Value, Cells) {
    let mut ctx = Ctx {
        views,
        g,
        blocks: Blocks::default(),
        used: 0,
        answers: vec![None; g.pairs.len()],
        dirs: g.options.directions(),
        allowed: g
            .pairs
            .iter()
            .flat_map(|p| {
                p.ports
                    .iter()
                    .filter(|q| q.on.last().is_some_and(Option::is_some))
                    .map(move |q| (p.from, p.to, q.port, q.protocol))
            })
            .collect(),
    };
    let classes: Vec<Value> = g
        .classes
        .iter()
        .map(|c| {
            let reps: Vec<Value> = (0..views.len())
                .map(|k| match c.on[k] {
                    Some((_, w)) => json!(workload_id(views[k].analysis.cluster, w)),
                    None => Value::Null,
                })
                .collect();
            let iso: Vec<Value> = (0..views.len())
                .map(|k| match c.on[k] {
                    Some((_, w)) => {
                        let a = views[k].analysis;
                        let i = ctx.blocks.id(explain::node_text(a, w, PolicyType::Ingress));
                        let e = ctx.blocks.id(explain::node_text(a, w, PolicyType::Egress));
                        json!([i, e])
                    }
                    None => Value::Null,
                })
                .collect();
            json!({"id": c.id(), "ns": c.namespace, "members": c.members, "reps": reps, "iso": iso})
        })
        .collect();
    let (ext, ext_index) = external(&mut ctx);
    let mut cells = Cells::new();
    let mut cell_refs: BTreeMap<(String, String), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, p) in g.pairs.iter().enumerate() {
        let (cs, cd) = (&g.classes[p.from], &g.classes[p.to]);
        let key = (cs.namespace.clone(), cd.namespace.clone());
        let cell = cells.entry(key.clone()).or_default();
        let n = (cs.members.len() * cd.members.len()) as u64;
        for port in &p.ports {
            let on: Vec<bool> = port.on.iter().map(Option::is_some).collect();
            let (change, side) = ctx.change_of(&on);
            cell.counts[slot(change)] += n;
            cell.declared |= port.on[side].is_some_and(|a| a.declared(&ctx.dirs));
        }
        cell_refs.entry(key).or_default().0.push(i);
    }
    for (key, (i, present, declared, members)) in &ext_index {
        let (class, dir, _) = key;
        if *class == usize::MAX {
            // A whole open namespace: its classes' own rows count.
            continue;
        }
        let ns = g.classes[*class].namespace.clone();
        let key = match dir {
            PolicyType::Egress => (ns, EXTERNAL.to_string()),
            PolicyType::Ingress => (EXTERNAL.to_string(), ns),
        };
        let cell = cells.entry(key.clone()).or_default();
        cell.counts[slot(Change::of(present))] += *members;
        cell.declared |= *declared;
        cell_refs.entry(key).or_default().1.push(*i);
    }
    let mut edge_pairs: Vec<Vec<usize>> = Vec::new();
    let mut edges: Vec<Value> = g
        .edges
        .iter()
        .map(|e| {
            let mut pairs = Vec::new();
            let mut exts = Vec::new();
            for r in &e.reasons {
                match r {
                    Reason::Pair(p) => pairs.push(*p),
                    Reason::External {
                        class,
                        direction,
                        addresses,
                    } => {
                        if let Some((i, ..)) =
                            ext_index.get(&(*class, *direction, addresses.clone()))
                        {
                            exts.push(*i);
                        }
                    }
                    Reason::OpenNamespace {
                        namespace,
                        direction,
                    } => {
                        let name = format!("open:{namespace}:{}", direction.as_str());
                        if let Some((i, ..)) = ext_index.get(&(usize::MAX, *direction, name)) {
                            exts.push(*i);
                        }
                    }
                }
            }
            let more = pairs.len().saturating_sub(LISTED);
            pairs.truncate(LISTED);
            for &p in &pairs {
                ctx.explain(p);
            }
            edge_pairs.push(pairs);
            json!({
                "key": edge_key(g, e),
                "from": g.nodes[e.from].id,
                "to": g.nodes[e.to].id,
                "ports": super::super::edge_label(e),
                "kind": if e.declared { "declared" } else { "open" },
                "change": e.change.name(),
                "more": more,
                "ext": exts,
            })
        })
        .collect();
    for (pairs, _) in cell_refs.values_mut() {
        // Declared pairs first: they are what a reader looks for.
        pairs.sort_by_key(|&p| !pair_declared(&ctx, p));
        for &p in pairs.iter().take(LISTED) {
            ctx.explain(p);
        }
    }
    // Only the pairs an edge or a cell lists are embedded, renumbered.
    let mut keep = Keep::default();
    for (edge, pairs) in edges.iter_mut().zip(&edge_pairs) {
        edge["pairs"] = listed(&mut keep, pairs);
    }
    let namespaces: Vec<&str> = g.namespaces.iter().map(|(n, _)| n.as_str()).collect();
    let mut cell_list = Vec::new();
    for src in &namespaces {
        for dst in &namespaces {
            let key = (src.to_string(), dst.to_string());
            let (mut pairs, _) = cell_refs.remove(&key).unwrap_or_default();
            let denied = denied_example(&mut ctx, src, dst);
            if pairs.is_empty() && denied.is_null() {
                continue;
            }
            let more = pairs.len().saturating_sub(LISTED);
            pairs.truncate(LISTED);
            cell_list.push(
                json!({"key": cell_key(src, dst), "pairs": listed(&mut keep, &pairs), "more": more, "ext": [], "denied": denied}),
            );
        }
    }
    for ((src, dst), (_, exts)) in cell_refs {
        cell_list
            .push(json!({"key": cell_key(&src, &dst), "pairs": [], "more": 0, "ext": exts, "denied": null}));
    }
    let pairs: Vec<Value> = keep
        .order
        .iter()
        .map(|&i| {
            let p = &g.pairs[i];
            let ports: Vec<Value> = p
                .ports
                .iter()
                .enumerate()
                .map(|(j, port)| {
                    let label = format!("{}/{}", port.port, port.protocol);
                    let sides = match &ctx.answers[i] {
                        Some(a) => Value::Array(a[j].clone()),
                        None => port
                            .on
                            .iter()
                            .map(|o| json!(u8::from(o.is_some())))
                            .collect(),
                    };
                    json!([label, sides])
                })
                .collect();
            json!([p.from, p.to, ports])
        })
        .collect();
    let data = json!({
        "sides": g.sides,
        "classes": classes,
        "pairs": pairs,
        "ext": ext,
        "edges": edges,
        "cells": cell_list,
        "budget": BUDGET,
        "explained": ctx.used,
        "blocks": std::mem::take(&mut ctx.blocks.list),
    });
    (data, cells)
}

/// The pairs the page embeds, in the order first listed.
#[derive(Default)]
struct Keep {
    order: Vec<usize>,
    index: BTreeMap<usize, usize>,
}

/// The page's numbers of `pairs`, embedding each on first use.
fn listed(keep: &mut Keep, pairs: &[usize]) -> Value {
    pairs
        .iter()
        .map(|&p| {
            let next = keep.order.len();
            let i = *keep.index.entry(p).or_insert(next);
            if i == next {
                keep.order.push(p);
            }
            json!(i)
        })
        .collect()
}

/// Whether a rule admits any port of pair `p` on the side shown.
fn pair_declared(ctx: &Ctx<'_>, p: usize) -> bool {
    ctx.g.pairs[p].ports.iter().any(|port| {
        let on: Vec<bool> = port.on.iter().map(Option::is_some).collect();
        let (_, side) = ctx.change_of(&on);
        port.on[side].is_some_and(|a| a.declared(&ctx.dirs))
    })
}

/// One connection from `src` to `dst` that the last side denies, with
/// its explanation, or null.
fn denied_example(ctx: &mut Ctx<'_>, src: &str, dst: &str) -> Value {
    if ctx.used >= BUDGET {
        return Value::Null;
    }
    let g = ctx.g;
    let k = ctx.views.len() - 1;
    let a = ctx.views[k].analysis;
    for (s, cs) in g
        .classes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.namespace == src)
    {
        let Some((_, ws)) = cs.on[k] else { continue };
        for (d, cd) in g
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.namespace == dst)
        {
            let Some((class_d, wd)) = cd.on[k] else {
                continue;
            };
            for &(port, protocol) in a.classes.profile(class_d) {
                if ctx.allowed.contains(&(s, d, port, protocol)) {
                    continue;
                }
                ctx.used += 1;
                let (ok, e, i) =
                    explain::connection(a, (ws, wd), (port, protocol), &mut ctx.blocks);
                return json!({"from": s, "to": d, "port": format!("{port}/{protocol}"), "side": k, "answer": [u8::from(ok), e, i]});
            }
        }
    }
    Value::Null
}
