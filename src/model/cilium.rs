//! What only the Cilium backend can render, checked, and each flow in
//! CiliumNetworkPolicy terms for the templates.
//!
//! - `http` on a flow: the requests allowed on its ports
//!   (`toPorts[].rules.http`). L7 rules apply to single TCP ports.
//! - `fqdn` on a peer: DNS names (`toFQDNs`, `matchName` or, with `*`,
//!   `matchPattern`), destinations only. Cilium learns their addresses
//!   from the DNS answers its proxy sees, so the DNS flows then carry
//!   `rules.dns`: the declared names, and `matchPattern: "*"` so every
//!   other lookup (the cluster's own service names) still resolves.
//! - A flow without HTTP rules on a port another flow restricts to HTTP
//!   rules, for the same source and destination, would lift them (a plain
//!   L4 rule cancels Cilium's L7 rules on that port): an error naming both.
//!
//! With the kubernetes backend `http` and `fqdn` are errors: a
//! NetworkPolicy admits ports and addresses, never requests or names, and
//! dropping them would allow more than declared.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Value, json};

use super::build::{Builder, spec_path};
use super::ends::Ctx;
use super::{Flow, NAMESPACE_NAME_LABEL, Peer, PortRef, Target};
use crate::diag::FieldPath;
use crate::k8s::cilium::{FqdnSelector, NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX};
use crate::k8s::{IntOrString, Labels, Protocol};
use crate::spec::{self, Backend};

/// The pattern added to the DNS rules so that every name resolves.
pub const ANY_NAME: &str = "*";

/// One flow as CiliumNetworkPolicy rule parts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumFlow {
    /// The source as the L3 part of an ingress rule (`fromEndpoints`,
    /// `fromCIDRSet`).
    pub from: Value,
    /// The destination as the L3 part of an egress rule (`toEndpoints`,
    /// `toCIDRSet`, `toFQDNs`).
    pub to: Value,
    /// `toPorts`: one entry, the flow's ports with its L7 rules.
    pub to_ports: Vec<Value>,
}

impl Builder<'_> {
    fn backend(&self) -> Backend {
        self.set.spec.backend.unwrap_or_default()
    }

    /// A peer of DNS names: nothing else, Cilium backend only.
    pub(super) fn fqdn_peer(
        &mut self,
        field: FieldPath,
        name: &str,
        p: &spec::PeerSpec,
    ) -> Option<Peer> {
        if self.backend() != Backend::Cilium {
            self.error(
                field.key("fqdn"),
                "fqdn peers need the Cilium backend (spec.backend: cilium): a NetworkPolicy selects pods and IP addresses, never DNS names, and the addresses behind a name change at run time",
            );
            return None;
        }
        if self.set.spec.dns == Some(spec::Dns::Off) {
            self.error(
                field.key("fqdn"),
                "fqdn peers need spec.dns: Cilium learns the addresses of names only from the lookups its DNS proxy sees on the DNS egress netpolgen renders (dns: false turns it off)",
            );
            return None;
        }
        if p.namespace.is_some()
            || p.namespace_selector.is_some()
            || p.selector.is_some()
            || p.cidr.is_some()
            || !p.except.is_empty()
        {
            self.error(
                field.key("fqdn"),
                "a peer of DNS names (fqdn) cannot also be pods (namespace, selector) or addresses (cidr)",
            );
            return None;
        }
        let mut fqdn = Vec::new();
        for (i, n) in p.fqdn.iter().enumerate() {
            match fqdn_selector(n) {
                Ok(s) => fqdn.push(s),
                Err(m) => self.error(field.key("fqdn").index(i), m),
            }
        }
        fqdn.sort();
        fqdn.dedup();
        Some(Peer {
            name: name.to_string(),
            namespace: None,
            namespace_selector: None,
            selector: None,
            cidr: None,
            except: Vec::new(),
            fqdn,
        })
    }

    /// Checks a flow's `http` rules: Cilium backend, single TCP ports.
    pub(super) fn http_rules(
        &mut self,
        ctx: &Ctx<'_>,
        field: &FieldPath,
        flow: &spec::Flow,
        specs: &[PortRef],
        to: &Target,
    ) {
        if flow.http.is_empty() {
            return;
        }
        if self.backend() != Backend::Cilium {
            self.error(
                field.key("http"),
                "HTTP rules need the Cilium backend (spec.backend: cilium): a NetworkPolicy allows ports, not requests, and dropping the rules would allow every request",
            );
            return;
        }
        for (i, rule) in flow.http.iter().enumerate() {
            if rule.method.is_none()
                && rule.path.is_none()
                && rule.host.is_none()
                && rule.headers.is_empty()
            {
                self.error(
                    field.key("http").index(i),
                    "an HTTP rule without method, path, host or headers matches every request; leave http out to allow every request",
                );
            }
        }
        for (i, spec) in specs.iter().enumerate() {
            let at = field.key("ports").index(i);
            match spec {
                PortRef::Number { end: Some(_), .. } => {
                    self.error(at, "HTTP rules apply to single ports, not ranges")
                }
                PortRef::Number { protocol, .. } if *protocol != Protocol::TCP => self.error(
                    at,
                    format!("HTTP rules apply to TCP ports only, not {protocol:?}"),
                ),
                PortRef::Named(name) => {
                    let udp = ctx
                        .members(to)
                        .iter()
                        .filter_map(|m| ctx.services[*m].ports.get(name))
                        .any(|p| p.protocol != Protocol::TCP);
                    if udp {
                        self.error(
                            at,
                            format!("HTTP rules apply to TCP ports only; port {name:?} is not TCP at every destination"),
                        );
                    }
                }
                PortRef::Number { .. } => {}
            }
        }
    }

    /// A flow with HTTP rules and one without them that admit the same
    /// source to the same destination port: Cilium would lift the rules.
    pub(super) fn l7_conflicts(&mut self, ctx: &Ctx<'_>, flows: &[Flow]) {
        for a in flows.iter().filter(|f| !f.http.is_empty()) {
            for b in flows.iter().filter(|f| f.http.is_empty()) {
                if !overlap(ctx, &a.from.target, &b.from.target)
                    || !overlap(ctx, &a.to.target, &b.to.target)
                {
                    continue;
                }
                if let Some((port, protocol)) = shared_port(ctx, a, b) {
                    self.error(
                        spec_path(&["flows"]).key(&a.id).key("http"),
                        format!(
                            "flow {:?} admits the same source on {port}/{protocol:?} without HTTP rules, which would lift these (in Cilium a plain L4 rule on a port cancels its L7 rules); give it the same http rules, or use separate ports",
                            b.id
                        ),
                    );
                }
            }
        }
    }
}

/// A name (`api.example.com`) or a pattern (`*.example.com`).
fn fqdn_selector(n: &str) -> Result<FqdnSelector, String> {
    let pattern = n.contains('*');
    let body = n.strip_suffix('.').unwrap_or(n);
    let ok_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'*'
            })
    };
    if body.is_empty() || n.len() > 253 || !body.split('.').all(ok_label) {
        return Err(format!(
            "{n:?} is not a DNS name: lowercase labels of letters, digits, '-' and '_' separated by dots, '*' as a wildcard"
        ));
    }
    Ok(if pattern {
        FqdnSelector::MatchPattern(n.to_string())
    } else {
        FqdnSelector::MatchName(n.to_string())
    })
}

/// True if two flow ends may name the same party.
fn overlap(ctx: &Ctx<'_>, a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Peer(x), Target::Peer(y)) => x == y,
        (Target::Peer(_), _) | (_, Target::Peer(_)) => false,
        (Target::All, _) | (_, Target::All) => true,
        _ => {
            let ma: BTreeSet<&str> = ctx.members(a).into_iter().collect();
            ctx.members(b).iter().any(|m| ma.contains(m))
        }
    }
}

/// A destination port both flows admit, resolved at their shared
/// destinations.
fn shared_port(ctx: &Ctx<'_>, a: &Flow, b: &Flow) -> Option<(u16, Protocol)> {
    let ranges = |f: &Flow| -> Vec<(Protocol, u16, u16)> {
        let mut out = Vec::new();
        for spec in &f.port_specs {
            match spec {
                PortRef::Number {
                    port,
                    end,
                    protocol,
                } => out.push((*protocol, *port, end.unwrap_or(*port))),
                PortRef::Named(name) => {
                    for m in ctx.members(&f.to.target) {
                        if let Some(p) = ctx.services[m].ports.get(name) {
                            out.push((p.protocol, p.port, p.port));
                        }
                    }
                }
            }
        }
        out
    };
    let rb = ranges(b);
    for (pa, lo, hi) in ranges(a) {
        for &(pb, lo2, hi2) in &rb {
            if pa == pb && lo.max(lo2) <= hi.min(hi2) {
                return Some((lo.max(lo2), pa));
            }
        }
    }
    None
}

impl Ctx<'_> {
    /// Adds each flow's Cilium form.
    pub(super) fn cilium_flows(&self, flows: &mut [Flow]) {
        let mut names: Vec<FqdnSelector> = flows
            .iter()
            .filter_map(|f| match &f.to.target {
                Target::Peer(p) => Some(self.peers[p].fqdn.iter().cloned()),
                _ => None,
            })
            .flatten()
            .collect();
        names.sort();
        names.dedup();
        for f in flows.iter_mut() {
            let mut entry = serde_json::Map::new();
            entry.insert("ports".into(), Value::Array(cilium_ports(f)));
            if !f.http.is_empty() {
                entry.insert("rules".into(), json!({ "http": f.http }));
            } else if f.dns && !names.is_empty() {
                let mut dns: Vec<Value> = names.iter().map(|n| json!(n)).collect();
                dns.push(json!({ "matchPattern": ANY_NAME }));
                entry.insert("rules".into(), json!({ "dns": dns }));
            }
            f.cilium = Some(CiliumFlow {
                from: self.cilium_peer(&f.from.target, "from"),
                to: self.cilium_peer(&f.to.target, "to"),
                to_ports: vec![Value::Object(entry)],
            });
        }
    }

    /// The L3 part of a rule naming `t`; `prefix` is `from` or `to`.
    fn cilium_peer(&self, t: &Target, prefix: &str) -> Value {
        let endpoints = |sel: Labels| json!({ format!("{prefix}Endpoints"): [selector(sel)] });
        match t {
            Target::Service(s) => endpoints(self.services[s].selector.clone()),
            Target::Group(g) => endpoints(self.groups[g].selector.clone()),
            Target::All => endpoints(Labels::new()),
            Target::Peer(p) => {
                let p = &self.peers[p];
                if let Some(cidr) = &p.cidr {
                    let mut set = json!({ "cidr": cidr });
                    if !p.except.is_empty() {
                        set["except"] = json!(p.except);
                    }
                    return json!({ format!("{prefix}CIDRSet"): [set] });
                }
                if p.is_fqdn() {
                    return json!({ format!("{prefix}FQDNs"): p.fqdn });
                }
                let mut labels = p.selector.clone().unwrap_or_default();
                for (k, v) in p.namespace_selector.iter().flatten() {
                    let key = if k == NAMESPACE_NAME_LABEL {
                        format!("k8s:{NAMESPACE_KEY}")
                    } else {
                        format!("k8s:{NAMESPACE_LABELS_PREFIX}{k}")
                    };
                    labels.insert(key, v.clone());
                }
                endpoints(labels)
            }
        }
    }
}

fn selector(labels: Labels) -> Value {
    if labels.is_empty() {
        json!({})
    } else {
        json!({ "matchLabels": labels })
    }
}

/// `toPorts[].ports`: Cilium writes ports as strings.
fn cilium_ports(f: &Flow) -> Vec<Value> {
    f.ports
        .iter()
        .map(|p| {
            let port = match &p.port {
                Some(IntOrString::Int(n)) => n.to_string(),
                Some(IntOrString::String(s)) => s.clone(),
                None => "0".into(),
            };
            let mut v = json!({
                "port": port,
                "protocol": p.protocol.unwrap_or_default().as_str(),
            });
            if let Some(end) = p.end_port {
                v["endPort"] = json!(end);
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_patterns() {
        assert_eq!(
            fqdn_selector("api.example.com"),
            Ok(FqdnSelector::MatchName("api.example.com".into()))
        );
        assert_eq!(
            fqdn_selector("*.storage.example.com"),
            Ok(FqdnSelector::MatchPattern("*.storage.example.com".into()))
        );
        for bad in ["", "API.example.com", "a..b", "a b", "https://x.com"] {
            assert!(fqdn_selector(bad).is_err(), "{bad}");
        }
    }
}
