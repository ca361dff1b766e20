//! A small deterministic layered layout, in whole pixels.
//!
//! The top-level items (namespace clusters, open namespaces, external
//! addresses) are ranked left to right by the longest path of the edges
//! between them (external addresses first; edges that close a circle are
//! left out of the ranking), one column per rank, each column ordered by
//! where its predecessors sit. Inside a cluster its classes are ranked the
//! same way by the edges between them, in sub-columns of at most
//! [`MAX_ROWS`] nodes. Sizes come from the label's length, so the same
//! graph gives the same picture on every machine.

use std::collections::BTreeMap;

use crate::analyze::graph::{Graph, NodeKind};

const CHAR_W: i32 = 7;
const LINE_H: i32 = 15;
const PAD_X: i32 = 10;
const PAD_Y: i32 = 7;
const CLUSTER_PAD: i32 = 14;
const COL_GAP: i32 = 100;
const ROW_GAP: i32 = 28;
const INNER_COL_GAP: i32 = 60;
const INNER_ROW_GAP: i32 = 16;
/// Nodes per sub-column of a cluster before another starts.
pub const MAX_ROWS: usize = 8;
/// Items per column before another column of the same rank starts.
const MAX_ITEMS: usize = 10;
/// The margin around the picture.
pub const MARGIN: i32 = 20;

/// A box.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

/// Where everything goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub width: i32,
    pub height: i32,
    /// One box per node of the graph, clusters included.
    pub rects: Vec<Rect>,
}

/// The size of a box holding `lines`.
fn size(lines: &[String]) -> (i32, i32) {
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let w = (longest as i32) * CHAR_W + 2 * PAD_X;
    (w.max(60), lines.len() as i32 * LINE_H + 2 * PAD_Y)
}

/// Longest-path ranks of `n` items over `edges`; `first` items rank 0 and
/// take no edges in. Edges closing a circle (in depth-first order) are
/// left out.
fn ranks(n: usize, edges: &[(usize, usize)], first: &[bool]) -> Vec<usize> {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a != b && !first[b] {
            out_edges[a].push(b);
        }
    }
    for list in &mut out_edges {
        list.sort_unstable();
        list.dedup();
    }
    // 0 unseen, 1 on the stack, 2 done; `order` is the reverse post-order.
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    let mut kept: Vec<Vec<usize>> = vec![Vec::new(); n];
    let starts = (0..n)
        .filter(|&i| first[i])
        .chain((0..n).filter(|&i| !first[i]));
    for start in starts {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            if let Some(&w) = out_edges[v].get(next) {
                top.1 += 1;
                match state[w] {
                    0 => {
                        kept[v].push(w);
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    2 => kept[v].push(w),
                    _ => {}
                }
            } else {
                state[v] = 2;
                order.push(v);
                stack.pop();
            }
        }
    }
    let mut rank = vec![0; n];
    for &v in order.iter().rev() {
        for &w in &kept[v] {
            rank[w] = rank[w].max(rank[v] + 1);
        }
    }
    rank
}

/// Lays out `g`.
pub fn layout(g: &Graph) -> Layout {
    let n = g.nodes.len();
    let mut rects = vec![Rect::default(); n];
    // The top-level item of every node, and the classes of each cluster.
    let mut top = vec![0; n];
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let cluster_of: BTreeMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, nd)| nd.kind == NodeKind::Namespace)
        .filter_map(|(i, nd)| nd.namespace.as_deref().map(|ns| (ns, i)))
        .collect();
    for (i, nd) in g.nodes.iter().enumerate() {
        top[i] = match (&nd.kind, nd.namespace.as_deref()) {
            (NodeKind::Class(_), Some(ns)) => cluster_of.get(ns).copied().unwrap_or(i),
            _ => i,
        };
        if top[i] != i {
            members.entry(top[i]).or_default().push(i);
        }
    }
    for (i, nd) in g.nodes.iter().enumerate() {
        if nd.kind != NodeKind::Namespace {
            let (w, h) = size(&nd.lines);
            rects[i] = Rect { x: 0, y: 0, w, h };
        }
    }
    for (&c, list) in &members {
        rects[c] = cluster(g, c, list, &mut rects);
    }
    let tops: Vec<usize> = (0..n).filter(|&i| top[i] == i).collect();
    let slot: BTreeMap<usize, usize> = tops.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let edges: Vec<(usize, usize)> = g
        .edges
        .iter()
        .map(|e| (slot[&top[e.from]], slot[&top[e.to]]))
        .collect();
    let first: Vec<bool> = tops
        .iter()
        .map(|&i| g.nodes[i].kind == NodeKind::External)
        .collect();
    let rank = ranks(tops.len(), &edges, &first);
    let mut by_rank: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, &r) in rank.iter().enumerate() {
        by_rank.entry(r).or_default().push(k);
    }
    // Columns left to right; an item is placed by the mean height of the
    // items already placed that lead to it.
    let mut placed: Vec<Option<i32>> = vec![None; tops.len()];
    let mut columns: Vec<Vec<usize>> = Vec::new();
    for items in by_rank.values() {
        let mut keyed: Vec<(i64, usize)> = items
            .iter()
            .map(|&k| {
                let ys: Vec<i32> = edges
                    .iter()
                    .filter(|&&(a, b)| b == k && a != k)
                    .filter_map(|&(a, _)| placed[a])
                    .collect();
                let key = if ys.is_empty() {
                    i64::MAX
                } else {
                    ys.iter().map(|&y| i64::from(y)).sum::<i64>() / ys.len() as i64
                };
                (key, k)
            })
            .collect();
        keyed.sort();
        for chunk in keyed.chunks(MAX_ITEMS) {
            let mut y = 0;
            for &(_, k) in chunk {
                placed[k] = Some(y + rects[tops[k]].h / 2);
                y += rects[tops[k]].h + ROW_GAP;
            }
            columns.push(chunk.iter().map(|&(_, k)| k).collect());
        }
    }
    let heights: Vec<i32> = columns
        .iter()
        .map(|c| c.iter().map(|&k| rects[tops[k]].h + ROW_GAP).sum::<i32>() - ROW_GAP)
        .collect();
    let height = heights.iter().copied().max().unwrap_or(0);
    let mut x = MARGIN;
    for (column, h) in columns.iter().zip(&heights) {
        let width = column.iter().map(|&k| rects[tops[k]].w).max().unwrap_or(0);
        let mut y = MARGIN + (height - h) / 2;
        for &k in column {
            let i = tops[k];
            let dx = x + (width - rects[i].w) / 2;
            shift(&mut rects, i, members.get(&i), dx, y);
            y += rects[i].h + ROW_GAP;
        }
        x += width + COL_GAP;
    }
    Layout {
        width: (x - COL_GAP + MARGIN).max(2 * MARGIN),
        height: height + 2 * MARGIN,
        rects,
    }
}

/// Places the classes of cluster `c` relative to its corner; its box.
fn cluster(g: &Graph, c: usize, list: &[usize], rects: &mut [Rect]) -> Rect {
    let slot: BTreeMap<usize, usize> = list.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let edges: Vec<(usize, usize)> = g
        .edges
        .iter()
        .filter_map(|e| Some((*slot.get(&e.from)?, *slot.get(&e.to)?)))
        .collect();
    let rank = ranks(list.len(), &edges, &vec![false; list.len()]);
    let mut by_rank: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, &r) in rank.iter().enumerate() {
        by_rank.entry(r).or_default().push(list[k]);
    }
    let title = g.nodes[c].lines.len() as i32 * LINE_H + CLUSTER_PAD;
    let mut x = CLUSTER_PAD;
    let mut bottom = title;
    for column in by_rank.values().flat_map(|v| v.chunks(MAX_ROWS)) {
        let width = column.iter().map(|&i| rects[i].w).max().unwrap_or(0);
        let mut y = title;
        for &i in column {
            rects[i].x = x + (width - rects[i].w) / 2;
            rects[i].y = y;
            y += rects[i].h + INNER_ROW_GAP;
        }
        bottom = bottom.max(y - INNER_ROW_GAP);
        x += width + INNER_COL_GAP;
    }
    let (label_w, _) = size(&g.nodes[c].lines);
    Rect {
        x: 0,
        y: 0,
        w: (x - INNER_COL_GAP + CLUSTER_PAD).max(label_w),
        h: bottom + CLUSTER_PAD,
    }
}

/// Moves item `i` (and a cluster's classes with it) to `(x, y)`.
fn shift(rects: &mut [Rect], i: usize, members: Option<&Vec<usize>>, x: i32, y: i32) {
    rects[i].x = x;
    rects[i].y = y;
    for &m in members.into_iter().flatten() {
        rects[m].x += x;
        rects[m].y += y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_edges_and_break_circles() {
        // 0 external -> 1 -> 2 -> 1 (circle), 2 -> 0 (into external).
        let r = ranks(
            4,
            &[(0, 1), (1, 2), (2, 1), (2, 0)],
            &[true, false, false, false],
        );
        assert_eq!(r, [0, 1, 2, 0]);
    }
}
