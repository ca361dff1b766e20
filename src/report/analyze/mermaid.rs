//! `--output mermaid`: a Mermaid flowchart of the allowed flows, one
//! subgraph per namespace, edges labelled with the allowed ports; external
//! addresses are round nodes and their edges dotted.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::analyze::Analysis;
use crate::k8s::PolicyType;

use crate::report::{external_label, port_list, ports_text};

/// Text inside a quoted Mermaid label.
fn label(s: &str) -> String {
    s.replace('"', "#quot;")
}

/// Streams the chart.
pub fn write_mermaid(a: &Analysis<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    // Node ids: position in output order (names may hold any character).
    let mut node = vec![String::new(); a.cluster.workloads.len()];
    let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, &w) in a.order.iter().enumerate() {
        node[w] = format!("w{i}");
        by_ns
            .entry(a.cluster.workloads[w].namespace.as_str())
            .or_default()
            .push(w);
    }
    for (i, (ns, members)) in by_ns.iter().enumerate() {
        writeln!(out, "  subgraph ns{i}[\"{}\"]", label(ns))?;
        for &w in members {
            let name = &a.cluster.workloads[w].name;
            writeln!(out, "    {}[\"{}\"]", node[w], label(name))?;
        }
        writeln!(out, "  end")?;
    }
    let external: Vec<_> = a.external().into_iter().filter(|r| r.allowed).collect();
    let mut ext_nodes: Vec<String> = external
        .iter()
        .map(|r| external_label(&r.addresses))
        .collect();
    ext_nodes.sort();
    ext_nodes.dedup();
    for (i, n) in ext_nodes.iter().enumerate() {
        writeln!(out, "  x{i}((\"{}\"))", label(n))?;
    }
    a.try_for_each_flow(|s, d, ports| {
        writeln!(
            out,
            "  {} -->|\"{}\"| {}",
            node[s],
            label(&port_list(ports)),
            node[d]
        )
    })?;
    for r in &external {
        let name = external_label(&r.addresses);
        let x = ext_nodes.iter().position(|n| *n == name).unwrap_or(0);
        let (from, to) = match r.direction {
            PolicyType::Ingress => (format!("x{x}"), node[r.workload].clone()),
            PolicyType::Egress => (node[r.workload].clone(), format!("x{x}")),
        };
        writeln!(
            out,
            "  {from} -.->|\"{}\"| {to}",
            label(&ports_text(&r.ports))
        )?;
    }
    Ok(())
}
