//! `--output dot`: a Graphviz digraph of the allowed flows, one cluster
//! per namespace, edges labelled with the allowed ports. External
//! addresses are nodes of their own outside every cluster.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::analyze::Analysis;

use crate::report::{external_ends, port_list, ports_text};

/// A DOT double-quoted string.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Streams the graph.
pub fn write_dot(a: &Analysis<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph connectivity {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box];")?;
    let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &w in &a.order {
        by_ns
            .entry(a.cluster.workloads[w].namespace.as_str())
            .or_default()
            .push(w);
    }
    for (ns, members) in &by_ns {
        writeln!(out, "  subgraph {} {{", q(&format!("cluster_{ns}")))?;
        writeln!(out, "    label={};", q(ns))?;
        for &w in members {
            let label = &a.cluster.workloads[w].name;
            writeln!(out, "    {} [label={}];", q(&a.id(w)), q(label))?;
        }
        writeln!(out, "  }}")?;
    }
    let external: Vec<_> = a.external().into_iter().filter(|r| r.allowed).collect();
    let mut nodes: Vec<String> = external
        .iter()
        .map(|r| crate::report::external_label(&r.addresses))
        .collect();
    nodes.sort();
    nodes.dedup();
    for n in &nodes {
        writeln!(out, "  {} [shape=ellipse];", q(n))?;
    }
    a.try_for_each_flow(|s, d, ports| {
        writeln!(
            out,
            "  {} -> {} [label={}];",
            q(&a.id(s)),
            q(&a.id(d)),
            q(&port_list(ports))
        )
    })?;
    for r in &external {
        let (from, to) = external_ends(a, r);
        writeln!(
            out,
            "  {} -> {} [label={}, style=dashed];",
            q(&from),
            q(&to),
            q(&ports_text(&r.ports))
        )?;
    }
    writeln!(out, "}}")
}
