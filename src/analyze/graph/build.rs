//! Building a [`Graph`]: nodes per class or open namespace, edges per
//! node pair and kind, the open traffic that a namespace's mark already
//! says left out.

use std::collections::{BTreeMap, BTreeSet};

use super::external;
use super::focus::Focus;
use super::joint::{self, Class, View};
use super::{Change, Edge, Graph, Node, NodeKind, Options, Reason};
use crate::engine::PortSet;
use crate::k8s::PolicyType;

/// How many member names a node shows before `+N more`.
const SHOWN_MEMBERS: usize = 3;

/// Edges before they are sorted: `(from, to, change, open, l7)` to ports
/// and reasons.
pub(super) type Edges = BTreeMap<EdgeKey, (PortSet, BTreeSet<Reason>)>;

/// `(from, to, change, open, l7)`: `l7` for the ports both sides allow
/// with different L7 rules (drawn once removed, once added).
pub(super) type EdgeKey = (String, String, Change, bool, bool);

/// What the parts of the build share.
pub(super) struct Ctx<'g> {
    pub views: &'g [View<'g>],
    pub classes: &'g [Class],
    /// Per side: the class of each workload.
    pub of: &'g [Vec<usize>],
    pub dirs: Vec<PolicyType>,
    pub focus: Option<Focus>,
    /// Namespace to open for `[ingress, egress]` on every side.
    pub open: BTreeMap<String, [bool; 2]>,
}

impl Ctx<'_> {
    /// True if no side isolates any workload of `ns` in `dir`.
    pub fn open(&self, ns: &str, dir: PolicyType) -> bool {
        self.open.get(ns).is_some_and(|o| o[index(dir)])
    }

    /// True if `ns` is drawn as one node.
    pub fn collapsed(&self, ns: &str) -> bool {
        self.dirs.iter().all(|&d| self.open(ns, d))
            && self.focus.as_ref().is_none_or(|f| f.namespace != ns)
    }

    /// The node class `c` is drawn in.
    pub fn node_of(&self, c: usize) -> String {
        let ns = &self.classes[c].namespace;
        if self.collapsed(ns) {
            format!("ns:{ns}")
        } else {
            self.classes[c].id()
        }
    }

    /// `None` without a focus, else whether class `c` is in it.
    pub fn in_focus(&self, c: usize) -> Option<bool> {
        self.focus.as_ref().map(|f| f.has(c))
    }

    /// The side whose evidence an edge of `change` shows: a for what was
    /// removed, else the last (b in a diff).
    pub fn side_of(&self, change: Change) -> usize {
        match change {
            Change::Removed => 0,
            _ => self.views.len() - 1,
        }
    }
}

/// `0` for ingress, `1` for egress.
pub(super) fn index(dir: PolicyType) -> usize {
    match dir {
        PolicyType::Ingress => 0,
        PolicyType::Egress => 1,
    }
}

/// Adds `ports` to the edge of that key.
pub(super) fn add(edges: &mut Edges, key: EdgeKey, ports: &PortSet, why: Reason) {
    let e = edges
        .entry(key)
        .or_insert_with(|| (PortSet::empty(), BTreeSet::new()));
    e.0.insert_all(ports);
    e.1.insert(why);
}

pub(super) fn build(
    views: &[View<'_>],
    sides: &[&str],
    options: &Options,
) -> Result<Graph, String> {
    let (classes, of) = joint::classes(views);
    let focus = match &options.focus {
        Some(text) => Some(Focus::resolve(text, &classes)?),
        None => None,
    };
    let pairs = joint::pairs(views, &classes);
    let mut open: BTreeMap<String, [bool; 2]> = BTreeMap::new();
    for c in &classes {
        open.insert(c.namespace.clone(), [true, true]);
    }
    for side in joint::isolation(views, &classes) {
        for (ns, isolated) in side {
            let o = open.entry(ns).or_insert([true, true]);
            o[0] &= !isolated[0];
            o[1] &= !isolated[1];
        }
    }
    let ctx = Ctx {
        views,
        classes: &classes,
        of: &of,
        dirs: options.directions(),
        focus,
        open,
    };
    let mut edges = Edges::new();
    for (i, p) in pairs.iter().enumerate() {
        pair_edges(&ctx, i, p, &mut edges);
    }
    external::edges(&ctx, &mut edges);
    let mut nodes = nodes(&ctx);
    for (from, to, _, _, _) in edges.keys() {
        for id in [from, to] {
            if !nodes.contains_key(id) && id.starts_with("external") {
                nodes.insert(id.clone(), external::node(id));
            }
        }
    }
    if ctx.focus.is_some() {
        prune(&ctx, &mut nodes, &edges);
    }
    let (nodes, edges) = order(nodes, edges);
    Ok(Graph {
        sides: sides.iter().map(|s| s.to_string()).collect(),
        options: options.clone(),
        namespaces: ctx.open.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        classes,
        pairs,
        nodes,
        edges,
    })
}

/// The edges one class pair contributes.
fn pair_edges(ctx: &Ctx<'_>, i: usize, p: &joint::Pair, edges: &mut Edges) {
    let focus = match (ctx.in_focus(p.from), ctx.in_focus(p.to)) {
        (Some(false), Some(false)) => return,
        (None, None) => false,
        _ => true,
    };
    let (ns_s, ns_d) = (&ctx.classes[p.from].namespace, &ctx.classes[p.to].namespace);
    let said = ctx.dirs.iter().any(|&d| match d {
        PolicyType::Ingress => ctx.open(ns_d, d),
        PolicyType::Egress => ctx.open(ns_s, d),
    });
    let mut pieces: BTreeMap<(Change, bool, bool), PortSet> = BTreeMap::new();
    for port in &p.ports {
        let single = PortSet::single(port.protocol, port.port);
        if let [Some(a), Some(b)] = port.on.as_slice()
            && a.l7 != b.l7
        {
            // Allowed on both sides, with other L7 rules: what a allowed
            // is removed, what b allows is added.
            for (change, on) in [(Change::Removed, a), (Change::Added, b)] {
                let open = !on.declared(&ctx.dirs);
                let piece = pieces.entry((change, open, true));
                piece.or_insert_with(PortSet::empty).insert_all(&single);
            }
            continue;
        }
        let present: Vec<bool> = port.on.iter().map(Option::is_some).collect();
        let change = Change::of(&present);
        let declared = port.on[ctx.side_of(change)].is_some_and(|a| a.declared(&ctx.dirs));
        if !declared && said && !focus {
            continue;
        }
        pieces
            .entry((change, !declared, false))
            .or_insert_with(PortSet::empty)
            .insert_all(&single);
    }
    if pieces.is_empty() {
        return;
    }
    let (from, to) = (ctx.node_of(p.from), ctx.node_of(p.to));
    for ((change, open, l7), ports) in pieces {
        add(
            edges,
            (from.clone(), to.clone(), change, open, l7),
            &ports,
            Reason::Pair(i),
        );
    }
}

/// The lines naming some members: up to [`SHOWN_MEMBERS`], then `+N more`.
fn member_lines(members: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = members
        .iter()
        .take(SHOWN_MEMBERS)
        .map(|m| m.to_string())
        .collect();
    if members.len() > SHOWN_MEMBERS {
        out.push(format!("+{} more", members.len() - SHOWN_MEMBERS));
    }
    out
}

/// Which sides have workloads in `ns`, or members of class `c`.
fn change_of(ctx: &Ctx<'_>, classes: &[usize]) -> Change {
    let present: Vec<bool> = (0..ctx.views.len())
        .map(|k| classes.iter().any(|&c| ctx.classes[c].on[k].is_some()))
        .collect();
    Change::of(&present)
}

/// Clusters, classes and open namespaces, by id.
fn nodes(ctx: &Ctx<'_>) -> BTreeMap<String, Node> {
    let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in ctx.classes.iter().enumerate() {
        by_ns.entry(&c.namespace).or_default().push(i);
    }
    let mut out = BTreeMap::new();
    for (ns, members) in by_ns {
        let change = change_of(ctx, &members);
        if ctx.collapsed(ns) {
            let note = match ctx.dirs.as_slice() {
                [PolicyType::Ingress] => "open: no ingress isolation",
                [PolicyType::Egress] => "open: no egress isolation",
                _ => "open: nothing isolates it",
            };
            let mut names: Vec<&str> = members
                .iter()
                .flat_map(|&c| ctx.classes[c].members.iter().map(String::as_str))
                .collect();
            names.sort_unstable();
            let mut lines = vec![ns.to_string(), note.to_string()];
            lines.extend(member_lines(&names));
            let id = format!("ns:{ns}");
            out.insert(id.clone(), node(id, NodeKind::Open, ns, lines, change));
            continue;
        }
        let mut lines = vec![ns.to_string()];
        for &d in &ctx.dirs {
            if ctx.open(ns, d) {
                lines.push(format!("{} open", d.as_str().to_ascii_lowercase()));
            }
        }
        let id = format!("cluster:{ns}");
        out.insert(id.clone(), node(id, NodeKind::Namespace, ns, lines, change));
        for c in members {
            let class = &ctx.classes[c];
            let names: Vec<&str> = class.members.iter().map(String::as_str).collect();
            let change = change_of(ctx, &[c]);
            let n = node(
                class.id(),
                NodeKind::Class(c),
                ns,
                member_lines(&names),
                change,
            );
            out.insert(class.id(), n);
        }
    }
    out
}

fn node(id: String, kind: NodeKind, ns: &str, lines: Vec<String>, change: Change) -> Node {
    Node {
        id,
        kind,
        namespace: Some(ns.to_string()),
        lines,
        change,
    }
}

/// With a focus: only the nodes an edge touches, the focus, and the
/// clusters of the classes kept.
fn prune(ctx: &Ctx<'_>, nodes: &mut BTreeMap<String, Node>, edges: &Edges) {
    let mut keep: BTreeSet<String> = BTreeSet::new();
    for (from, to, _, _, _) in edges.keys() {
        keep.insert(from.clone());
        keep.insert(to.clone());
    }
    if let Some(f) = &ctx.focus {
        keep.extend(f.classes.iter().map(|&c| ctx.node_of(c)));
    }
    let clusters: Vec<String> = nodes
        .values()
        .filter(|n| keep.contains(&n.id) && matches!(n.kind, NodeKind::Class(_)))
        .filter_map(|n| n.namespace.as_ref().map(|ns| format!("cluster:{ns}")))
        .collect();
    keep.extend(clusters);
    nodes.retain(|id, _| keep.contains(id));
}

/// Nodes in drawing order and edges by node index.
fn order(nodes: BTreeMap<String, Node>, edges: Edges) -> (Vec<Node>, Vec<Edge>) {
    let rank = |n: &Node| match n.kind {
        NodeKind::Namespace => 0,
        NodeKind::Class(_) => 1,
        NodeKind::Open => 2,
        NodeKind::External => 3,
    };
    let mut list: Vec<Node> = nodes.into_values().collect();
    list.sort_by(|a, b| (rank(a), &a.namespace, &a.id).cmp(&(rank(b), &b.namespace, &b.id)));
    let index: BTreeMap<&str, usize> = list
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let edges = edges
        .into_iter()
        .filter_map(|((from, to, change, open, l7), (ports, reasons))| {
            Some(Edge {
                from: *index.get(from.as_str())?,
                to: *index.get(to.as_str())?,
                ports,
                declared: !open,
                l7,
                change,
                reasons: reasons.into_iter().collect(),
            })
        })
        .collect();
    (list, edges)
}
