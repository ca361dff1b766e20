//! `--output table` (the default): one row per connection, grouped by
//! destination (a blank line between groups), allowed rows first. Traffic
//! from external addresses joins its destination's group; traffic to
//! external addresses forms the last groups, with the names of Cilium
//! `toFQDNs` rules (`fqdn:NAME`, resolved at run time). A short summary
//! closes it.

use std::io::{self, Write};

use crate::analyze::{Analysis, ExternalRow};
use crate::k8s::PolicyType;

use crate::report::{Options, external_ends, ports_text, verdict};

const PORT_WIDTH: usize = 11;

struct Row {
    to: String,
    from: String,
    port: String,
    allowed: bool,
    via: String,
}

/// Streams the table.
pub fn write_table(a: &Analysis<'_>, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let external = a.external();
    let ext_rows: Vec<(usize, PolicyType, Row)> = external
        .iter()
        .filter(|r| r.allowed || !options.allowed_only)
        .map(|r| (r.workload, r.direction, external_row(a, r)))
        .chain(a.fqdn().into_iter().map(|(w, g)| {
            let names: Vec<String> = g.names.iter().map(fqdn_name).collect();
            let row = Row {
                to: format!("fqdn:{}", names.join(",")),
                from: a.id(w),
                port: ports_text(&g.ports),
                allowed: true,
                via: format!("{} (depends on DNS at run time)", g.rule),
            };
            (w, PolicyType::Egress, row)
        }))
        .collect();
    let ids: Vec<String> = (0..a.cluster.workloads.len()).map(|w| a.id(w)).collect();
    let name_width = ids
        .iter()
        .map(String::len)
        .chain(
            ext_rows
                .iter()
                .flat_map(|(_, _, r)| [r.to.len(), r.from.len()]),
        )
        .chain([4])
        .max()
        .unwrap_or(4);
    let port_width = ext_rows
        .iter()
        .map(|(_, _, r)| r.port.len())
        .chain([PORT_WIDTH])
        .max()
        .unwrap_or(PORT_WIDTH);
    let widths = (name_width, port_width);
    let header = Row {
        to: "TO".into(),
        from: "FROM".into(),
        port: "PORT".into(),
        allowed: true,
        via: "RULE".into(),
    };
    line(out, widths, &header, "VERDICT")?;
    let mut into: Vec<Vec<&Row>> = vec![Vec::new(); ids.len()];
    for (w, dir, r) in &ext_rows {
        if *dir == PolicyType::Ingress {
            into[*w].push(r);
        }
    }
    let mut group = Vec::new();
    let mut first = true;
    a.try_for_each_destination(|d, conns| {
        group.clear();
        for c in conns {
            if options.allowed_only && !c.allowed {
                continue;
            }
            group.push(Row {
                to: ids[d].clone(),
                from: ids[c.from].clone(),
                port: format!("{}/{}", c.port, c.protocol),
                allowed: c.allowed,
                via: String::new(),
            });
        }
        let ext = into[d].iter().copied();
        write_group(out, widths, &mut first, group.iter().chain(ext))
    })?;
    let outward = ext_rows
        .iter()
        .filter(|(_, dir, _)| *dir == PolicyType::Egress)
        .map(|(_, _, r)| r);
    write_group(out, widths, &mut first, outward)?;
    writeln!(out)?;
    super::summary::write_footer(&a.summary(), a, out)
}

/// A `toFQDNs` entry as a name: the name or the pattern.
fn fqdn_name(f: &crate::k8s::cilium::FqdnSelector) -> String {
    match f {
        crate::k8s::cilium::FqdnSelector::MatchName(n)
        | crate::k8s::cilium::FqdnSelector::MatchPattern(n) => n.clone(),
    }
}

fn external_row(a: &Analysis<'_>, r: &ExternalRow) -> Row {
    let (from, to) = external_ends(a, r);
    Row {
        to,
        from,
        port: ports_text(&r.ports),
        allowed: r.allowed,
        via: r.rule_text().unwrap_or_default(),
    }
}

/// A group, allowed rows first; nothing for an empty group.
fn write_group<'r>(
    out: &mut dyn Write,
    widths: (usize, usize),
    first: &mut bool,
    rows: impl Iterator<Item = &'r Row> + Clone,
) -> io::Result<()> {
    if rows.clone().next().is_none() {
        return Ok(());
    }
    if !std::mem::take(first) {
        writeln!(out)?;
    }
    for allowed in [true, false] {
        for r in rows.clone().filter(|r| r.allowed == allowed) {
            line(out, widths, r, verdict(r.allowed))?;
        }
    }
    Ok(())
}

fn line(out: &mut dyn Write, (name, port): (usize, usize), r: &Row, v: &str) -> io::Result<()> {
    let text = format!(
        "{:name$}  {:name$}  {:port$}  {:7}  {}",
        r.to, r.from, r.port, v, r.via
    );
    writeln!(out, "{}", text.trim_end())
}
