//! `spec.dns`: name resolution keeps working wherever netpolgen isolates
//! egress.
//!
//! The DNS servers become the peer [`PEER`] and DNS one more flow, so
//! templates render it, the proof expects it and the synthetic cluster
//! holds the servers like any other peer:
//!
//! - egress denied by default: the flow [`FLOW`] from `"*"`, rendered as
//!   `allow-dns-egress<suffix>`;
//! - otherwise, each source whose egress a flow to a peer isolates gets
//!   the flow `<source>-dns-egress` (`allow-<source>-dns-egress<suffix>`);
//! - no egress isolated anywhere, or `dns: false`: nothing is added (and
//!   `lint` reports isolated egress without DNS as NP011).
//!
//! Default servers: pods `k8s-app: kube-dns` in namespace `kube-system`,
//! port 53 on UDP and TCP.

use std::collections::BTreeSet;

use super::build::{Builder, spec_path};
use super::ends::Ctx;
use super::{Flow, Peer, Target};
use crate::k8s::{Labels, PolicyType};
use crate::spec::{self, Dns, DnsSpec, PortValue};

/// The name of the DNS servers' peer.
pub const PEER: &str = "cluster-dns";
/// The id of the DNS flow when egress is denied by default.
pub const FLOW: &str = "dns-egress";

impl Builder<'_> {
    /// The DNS servers as a peer, or `None` when `dns: false` or invalid.
    pub(super) fn dns_peer(&mut self) -> Option<Peer> {
        let spec = match &self.set.spec.dns {
            Some(Dns::Off) => return None,
            Some(Dns::On(s)) => s.clone(),
            None => DnsSpec::default(),
        };
        let field = spec_path(&["dns"]);
        let addresses = spec.cidr.is_some();
        let peer = spec::PeerSpec {
            namespace: match (
                &spec.namespace,
                addresses || spec.namespace_selector.is_some(),
            ) {
                (Some(ns), _) => Some(ns.clone()),
                (None, false) => Some("kube-system".into()),
                (None, true) => None,
            },
            namespace_selector: spec.namespace_selector.clone(),
            selector: match (&spec.selector, addresses) {
                (Some(s), _) => Some(s.clone()),
                (None, false) => Some(Labels::from_iter([("k8s-app".into(), "kube-dns".into())])),
                (None, true) => None,
            },
            cidr: spec.cidr.clone(),
            except: spec.except.clone(),
            fqdn: Vec::new(),
        };
        self.peer(field, PEER, &peer)
    }

    /// The DNS ports as written, or the default.
    fn dns_ports(&self) -> Vec<PortValue> {
        match &self.set.spec.dns {
            Some(Dns::On(DnsSpec { ports: Some(p), .. })) => p.clone(),
            _ => vec![
                PortValue::Text("53/UDP".into()),
                PortValue::Text("53/TCP".into()),
            ],
        }
    }

    /// The sources that need DNS: `"*"` when egress is denied by default or
    /// a flow from `"*"` isolates every pod, else every source a flow's
    /// egress policy isolates.
    pub(super) fn dns_sources(flows: &[Flow], deny: &[PolicyType]) -> Vec<Target> {
        let isolated: BTreeSet<&Target> = flows
            .iter()
            .filter(|f| f.egress_name.is_some())
            .map(|f| &f.from.target)
            .collect();
        if deny.contains(&PolicyType::Egress) || isolated.contains(&Target::All) {
            return vec![Target::All];
        }
        isolated.into_iter().cloned().collect()
    }

    /// Adds one DNS flow per source. `ctx` holds the DNS peer.
    pub(super) fn dns_flows(
        &mut self,
        ctx: &Ctx<'_>,
        sources: &[Target],
        suffix: &str,
        deny: &[PolicyType],
        flows: &mut Vec<Flow>,
    ) {
        let taken = &self.set.spec.flows;
        let ids: Vec<(String, &Target)> = sources
            .iter()
            .map(|t| match t {
                Target::All => (FLOW.to_string(), t),
                t => (format!("{}-{FLOW}", t.label()), t),
            })
            .collect();
        let clashes: Vec<String> = ids
            .iter()
            .map(|(id, _)| id.clone())
            .filter(|id| taken.contains_key(id))
            .collect();
        for id in &clashes {
            self.error(
                spec_path(&["flows"]).key(id),
                format!("the flow id {id:?} is netpolgen's DNS flow while egress is isolated; rename this flow, or set dns: false to write DNS flows yourself"),
            );
        }
        let field = spec_path(&["dns", "ports"]);
        let to = Target::Peer(PEER.into());
        let ports = self.dns_ports();
        if ports.is_empty() {
            self.error(field, "list the DNS ports, or set dns: false");
            return;
        }
        let mut valid = clashes.is_empty();
        for (i, p) in ports.iter().enumerate() {
            let named = matches!(super::ports::parse(p), Ok(super::PortRef::Named(_)));
            if named {
                self.error(
                    field.index(i),
                    format!("\"{p}\" is a port name; the DNS servers are outside this intent, so give a number (53/UDP)"),
                );
                valid = false;
            } else {
                valid &= self.port(ctx, field.index(i), p, &to).is_some();
            }
        }
        if !valid {
            return;
        }
        for (id, source) in ids {
            let flow = spec::Flow {
                from: match source {
                    Target::All => "*".into(),
                    t => t.label(),
                },
                to: PEER.into(),
                ports: ports.clone(),
                window: None,
                http: Vec::new(),
            };
            if let Some(mut f) = self.flow(ctx, &id, &flow, suffix, deny) {
                f.dns = true;
                flows.push(f);
            }
        }
    }

    /// A service, group or peer the user named like the DNS peer, while
    /// DNS is added.
    pub(super) fn dns_name_taken(&mut self) -> bool {
        let spec = &self.set.spec;
        let list = if spec.services.contains_key(PEER) {
            "services"
        } else if spec.groups.contains_key(PEER) {
            "groups"
        } else if spec.peers.contains_key(PEER) {
            "peers"
        } else {
            return false;
        };
        self.error(
            spec_path(&[list]).key(PEER),
            format!("the peer name {PEER:?} is netpolgen's DNS servers while egress is isolated; rename it, or describe the servers in spec.dns (or set dns: false)"),
        );
        true
    }
}
