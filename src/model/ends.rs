//! The ends of flows: what a target covers, how a policy selects it or
//! names it as a peer, and its ports as policy `ports` entries.

use std::collections::{BTreeMap, BTreeSet};

use super::naming;
use super::{End, Flow, Group, NamedPort, Peer, PortRef, Service, Target};
use crate::k8s::{IntOrString, IpBlock, LabelSelector, Peer as K8sPeer, PolicyPort, Protocol};

pub(super) struct Ctx<'a> {
    pub(super) namespace: &'a str,
    pub(super) services: &'a BTreeMap<String, Service>,
    pub(super) groups: &'a BTreeMap<String, Group>,
    pub(super) peers: &'a BTreeMap<String, Peer>,
}

impl Ctx<'_> {
    /// A pod whose egress one policy isolates can only send what some
    /// egress rule admits: once a flow to a peer isolates a service, every
    /// other flow from that service needs an egress policy too.
    pub(super) fn egress_for_isolated_sources(&self, flows: &mut [Flow], suffix: &str) {
        loop {
            let isolated: BTreeSet<String> = flows
                .iter()
                .filter(|f| f.egress_name.is_some())
                .flat_map(|f| self.members(&f.from.target))
                .map(str::to_string)
                .collect();
            let mut changed = false;
            for f in flows.iter_mut() {
                let needs = f.egress_name.is_none()
                    && !f.from.target.is_peer()
                    && self
                        .members(&f.from.target)
                        .iter()
                        .any(|m| isolated.contains(*m));
                if needs {
                    f.egress_name = Some(naming::flow_egress_policy(&f.id, suffix));
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }

    pub(super) fn known(&self) -> String {
        let mut names: Vec<&str> = self
            .services
            .keys()
            .chain(self.groups.keys())
            .chain(self.peers.keys())
            .map(String::as_str)
            .collect();
        names.sort();
        names.push("\"*\"");
        names.join(", ")
    }

    /// Services a target covers (none for peers).
    pub(super) fn members<'s>(&'s self, t: &'s Target) -> Vec<&'s str> {
        match t {
            Target::Service(s) => vec![s.as_str()],
            Target::Group(g) => self.groups[g].members.iter().map(String::as_str).collect(),
            // The window runner serves nothing: "*" stands for the
            // services the set declares.
            Target::All => self
                .services
                .keys()
                .map(String::as_str)
                .filter(|s| *s != super::windows::RUNNER)
                .collect(),
            Target::Peer(_) => Vec::new(),
        }
    }

    pub(super) fn end(&self, target: Target) -> End {
        let (selector, peer) = match &target {
            Target::Service(s) => {
                let sel = LabelSelector::labels(self.services[s].selector.clone());
                (
                    Some(sel.clone()),
                    K8sPeer {
                        pod_selector: Some(sel),
                        ..Default::default()
                    },
                )
            }
            Target::Group(g) => {
                let sel = LabelSelector::labels(self.groups[g].selector.clone());
                (
                    Some(sel.clone()),
                    K8sPeer {
                        pod_selector: Some(sel),
                        ..Default::default()
                    },
                )
            }
            Target::All => (
                Some(LabelSelector::default()),
                K8sPeer {
                    pod_selector: Some(LabelSelector::default()),
                    ..Default::default()
                },
            ),
            Target::Peer(p) => {
                let p = &self.peers[p];
                let peer = match &p.cidr {
                    Some(cidr) => K8sPeer {
                        ip_block: Some(IpBlock {
                            cidr: cidr.clone(),
                            except: p.except.clone(),
                        }),
                        ..Default::default()
                    },
                    None => K8sPeer {
                        namespace_selector: p.namespace_selector.clone().map(LabelSelector::labels),
                        pod_selector: p.selector.clone().map(LabelSelector::labels),
                        ip_block: None,
                    },
                };
                (None, peer)
            }
        };
        let _ = self.namespace;
        End {
            target,
            selector,
            peer,
        }
    }

    /// Policy `ports` entries: numbers as given; a name becomes its number
    /// when the destination is one service, and stays a name (resolved by
    /// Kubernetes at each pod) for groups and `"*"`.
    pub(super) fn policy_ports(&self, specs: &[PortRef], to: &Target) -> Vec<PolicyPort> {
        let mut out = Vec::new();
        for spec in specs {
            match spec {
                PortRef::Number {
                    port,
                    end,
                    protocol,
                } => out.push(PolicyPort {
                    protocol: Some(*protocol),
                    port: Some(IntOrString::Int(i64::from(*port))),
                    end_port: end.map(i64::from),
                }),
                PortRef::Named(name) => {
                    let mut resolved: Vec<NamedPort> = self
                        .members(to)
                        .iter()
                        .map(|s| self.services[*s].ports[name])
                        .collect();
                    resolved.sort_by_key(|p| (p.port, p.protocol));
                    resolved.dedup();
                    // Only a single service gets the number: for a group or
                    // "*", a name is what keeps each pod to its own port.
                    if let (Target::Service(_), [one]) = (to, resolved.as_slice()) {
                        out.push(PolicyPort {
                            protocol: Some(one.protocol),
                            port: Some(IntOrString::Int(i64::from(one.port))),
                            end_port: None,
                        });
                    } else {
                        let mut protocols: Vec<Protocol> =
                            resolved.iter().map(|p| p.protocol).collect();
                        protocols.sort();
                        protocols.dedup();
                        for protocol in protocols {
                            out.push(PolicyPort {
                                protocol: Some(protocol),
                                port: Some(IntOrString::String(name.clone())),
                                end_port: None,
                            });
                        }
                    }
                }
            }
        }
        out
    }
}
