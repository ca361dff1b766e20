//! What a connection carries above L4 on Cilium renders: the HTTP and DNS
//! rules that restrict it, and the names a `toFQDNs` rule lets a workload
//! reach. `crate::diff` compares these per rule, so an added, removed or
//! changed rule is a connection added or removed, and the picture of a
//! diff marks the edges whose rules differ; the order rules are written in
//! does not matter.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::engine::{FqdnGrant, L7Constraint, Verdict};
use crate::k8s::PolicyType;
use crate::k8s::cilium::{FqdnSelector, HttpRule};

/// One L7 rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum L7Rule {
    /// A `rules.http[]` entry: requests matching it pass.
    Http(HttpRule),
    /// A `rules.dns[]` entry: lookups of matching names pass.
    Dns(FqdnSelector),
    /// Rules of a protocol that is not evaluated (`kafka`, `l7proto`).
    NotEvaluated(String),
}

impl fmt::Display for L7Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            L7Rule::Http(h) => write!(f, "http {h}"),
            L7Rule::Dns(d) => write!(f, "dns {d}"),
            L7Rule::NotEvaluated(k) => write!(f, "{k} rules (not evaluated)"),
        }
    }
}

/// An L7 rule of one connection and the direction whose rules list it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct L7 {
    #[serde(flatten)]
    pub rule: L7Rule,
    /// Set when both directions restrict the connection and only this
    /// one's rules list it (a request must pass both).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only: Option<PolicyType>,
}

impl fmt::Display for L7 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.only {
            None => write!(f, "{}", self.rule),
            Some(PolicyType::Egress) => write!(f, "{} [egress rules only]", self.rule),
            Some(PolicyType::Ingress) => write!(f, "{} [ingress rules only]", self.rule),
        }
    }
}

/// The L7 rules restricting an allowed connection, each with the names of
/// the policies listing it, in rule order; empty when nothing restricts it
/// above L4.
pub fn rules(v: &Verdict) -> Vec<(L7, BTreeSet<String>)> {
    let dirs: Vec<(PolicyType, &L7Constraint)> = [
        (PolicyType::Egress, &v.egress),
        (PolicyType::Ingress, &v.ingress),
    ]
    .into_iter()
    .filter_map(|(d, side)| side.cilium.l7.as_ref().map(|c| (d, c)))
    .collect();
    type Seen = (BTreeSet<PolicyType>, BTreeSet<String>);
    let mut by: BTreeMap<L7Rule, Seen> = BTreeMap::new();
    for &(dir, c) in &dirs {
        let http = c.http.iter().map(|(r, h)| (r, L7Rule::Http(sorted(h))));
        let dns = c.dns.iter().map(|(r, d)| (r, L7Rule::Dns(d.clone())));
        let other = (c.other.iter()).map(|(r, k)| (r, L7Rule::NotEvaluated(k.to_string())));
        for (at, rule) in http.chain(dns).chain(other) {
            let seen = by.entry(rule).or_default();
            seen.0.insert(dir);
            seen.1.insert(at.policy.name.clone());
        }
    }
    by.into_iter()
        .map(|(rule, (ds, policies))| {
            let only = match ds.len() < dirs.len() {
                true => ds.first().copied(),
                false => None,
            };
            (L7 { rule, only }, policies)
        })
        .collect()
}

/// The rule with its headers in order: a request must carry them all.
fn sorted(h: &HttpRule) -> HttpRule {
    let mut h = h.clone();
    h.headers.sort();
    h.headers.dedup();
    h
}

/// The name a `toFQDNs` entry matches, as written (a pattern has `*`).
pub fn fqdn_name(s: &FqdnSelector) -> &str {
    match s {
        FqdnSelector::MatchName(n) | FqdnSelector::MatchPattern(n) => n,
    }
}

/// One entry per name of a grant and HTTP rule on its ports (one without
/// rule when it has none).
pub fn fqdn_entries(g: &FqdnGrant) -> Vec<(String, Option<L7>)> {
    let l7: Vec<Option<L7>> = match g.http.is_empty() {
        true => vec![None],
        false => (g.http.iter())
            .map(|h| {
                Some(L7 {
                    rule: L7Rule::Http(sorted(h)),
                    only: None,
                })
            })
            .collect(),
    };
    let mut out = Vec::new();
    for n in &g.names {
        for r in &l7 {
            out.push((fqdn_name(n).to_string(), r.clone()));
        }
    }
    out
}
