//! The explanations a click shows, in `netpolgen check`'s words: for a
//! connection between two workloads, exactly what `check` prints (split
//! into its egress and ingress paragraphs, each stored once however many
//! connections share it); for traffic to or from external addresses, the
//! same paragraphs written from the analyzer's external rows.

use std::collections::HashMap;

use crate::analyze::explain::{Party, Question, answer};
use crate::analyze::{Analysis, ExternalRow, workload_id};
use crate::k8s::{PolicyType, Protocol};
use crate::report::check::{isolation, write_check};
use crate::report::cilium::fqdn_lines;
use crate::report::ports_text;

/// Texts stored once each, referred to by index.
#[derive(Debug, Default)]
pub struct Blocks {
    index: HashMap<String, usize>,
    pub list: Vec<String>,
}

impl Blocks {
    /// The index of `text`, stored on first use.
    pub fn id(&mut self, text: String) -> usize {
        if let Some(&i) = self.index.get(&text) {
            return i;
        }
        self.list.push(text.clone());
        self.index.insert(text, self.list.len() - 1);
        self.list.len() - 1
    }
}

/// `check`'s answer for `from -> to` on one port: whether it is allowed,
/// and the indices of its egress and ingress paragraphs. The first line
/// (`ALLOWED: FROM -> TO on PORT`) is left for the page to write.
pub fn connection(
    a: &Analysis<'_>,
    (from, to): (usize, usize),
    (port, protocol): (u16, Protocol),
    blocks: &mut Blocks,
) -> (bool, usize, usize) {
    let q = Question {
        from: Party::Workload(from),
        to: Party::Workload(to),
        port,
        protocol,
    };
    // Two workloads always have an answer.
    let Ok(answer) = answer(&a.engine, &q) else {
        return (false, 0, 0);
    };
    let mut out = Vec::new();
    let _ = write_check(a.cluster, &answer, &mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut parts = text.splitn(3, "\n\n").skip(1);
    let mut next = || parts.next().unwrap_or_default().trim_end().to_string();
    let (egress, ingress) = (next(), next());
    (answer.allowed, blocks.id(egress), blocks.id(ingress))
}

/// `Egress` / `ingress` words of a direction.
fn words(dir: PolicyType) -> (&'static str, &'static str) {
    match dir {
        PolicyType::Egress => ("Egress", "egress"),
        PolicyType::Ingress => ("Ingress", "ingress"),
    }
}

/// The paragraph of an open direction, as `check` words it.
fn open_text(a: &Analysis<'_>, w: usize, dir: PolicyType) -> String {
    let (_, way) = words(dir);
    format!(
        "  No NetworkPolicy in {} selects {} for {way}, so all of its {way} is allowed.",
        a.cluster.workloads[w].namespace,
        workload_id(a.cluster, w)
    )
}

/// What isolates workload `w` in `dir` (NetworkPolicies and Cilium
/// policies, with their rules), or that nothing does.
pub fn isolation_text(a: &Analysis<'_>, w: usize, dir: PolicyType) -> String {
    if !a.matrix.isolated(a.classes.of[w], dir) {
        return open_text(a, w, dir);
    }
    let mut out = Vec::new();
    let by = a.engine.isolating_policies(w, dir);
    let cilium = a.engine.cilium_isolating(w, dir);
    let _ = isolation(a.cluster, (&by, &cilium), dir, &mut out);
    String::from_utf8_lossy(&out).trim_end().to_string()
}

/// A node's paragraph for `dir`: what isolates it and, for egress, the
/// `toFQDNs` names it may reach, whose addresses DNS decides at run time.
pub fn node_text(a: &Analysis<'_>, w: usize, dir: PolicyType) -> String {
    let mut text = isolation_text(a, w, dir);
    text.push_str(&fqdn_text(a, w, dir));
    text
}

/// The `toFQDNs` lines of workload `w` (egress only), each line led by a
/// newline; empty without them.
fn fqdn_text(a: &Analysis<'_>, w: usize, dir: PolicyType) -> String {
    if dir != PolicyType::Egress {
        return String::new();
    }
    let mut out = Vec::new();
    let _ = fqdn_lines(&a.engine.fqdn_grants(w), &mut out);
    let text = String::from_utf8_lossy(&out);
    match text.trim_end() {
        "" => String::new(),
        t => format!("\n{t}"),
    }
}

/// The explanation of the external traffic of workload `w` in `dir` to or
/// from `addresses`, from its allowed rows.
pub fn external(a: &Analysis<'_>, w: usize, dir: PolicyType, rows: &[&ExternalRow]) -> String {
    let (word, way) = words(dir);
    let id = workload_id(a.cluster, w);
    let addresses = rows
        .first()
        .map_or_else(String::new, |r| r.addresses.to_string());
    let ext = match addresses.as_str() {
        "any" => "external (any address)".to_string(),
        other => format!("external {other}"),
    };
    let mut ports = crate::engine::PortSet::empty();
    for r in rows {
        ports.insert_all(&r.ports);
    }
    let (from, to) = match dir {
        PolicyType::Egress => (id.clone(), ext),
        PolicyType::Ingress => (ext, id.clone()),
    };
    let mut text = format!(
        "ALLOWED: {from} -> {to} on {}\n\n{word} at {id}: allowed.\n",
        ports_text(&ports)
    );
    if !a.matrix.isolated(a.classes.of[w], dir) {
        text.push_str(&open_text(a, w, dir));
        return text;
    }
    text.push_str(&isolation_text(a, w, dir));
    for r in rows {
        text.push_str(&format!("\n  Admitted on {} by:\n", ports_text(&r.ports)));
        match r.rule_text() {
            Some(rule) => text.push_str(&format!("    {rule}")),
            None => text.push_str(&format!(
                "    no rule: nothing decided, allowed by default ({way})"
            )),
        }
    }
    text.push_str(&fqdn_text(a, w, dir));
    text
}

/// The explanation of a whole namespace open in `dir`.
pub fn open_namespace(ns: &str, dir: PolicyType) -> String {
    let (word, way) = words(dir);
    let (from, to) = match dir {
        PolicyType::Egress => (format!("{ns}/*"), "external (any address)".to_string()),
        PolicyType::Ingress => ("external (any address)".to_string(), format!("{ns}/*")),
    };
    format!(
        "ALLOWED: {from} -> {to} on any\n\n{word} at every workload of {ns}: allowed.\n  No NetworkPolicy in {ns} selects any of its workloads for {way}, so all of their {way} is allowed, to and from any address."
    )
}
