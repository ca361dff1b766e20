//! Services, groups and peers: each checked against the API server's
//! rules and the intent's own (a selector that selects nothing, a peer that
//! is both pods and addresses).

use std::collections::BTreeMap;

use super::build::{Builder, spec_path};
use super::ports::{self, PortRef};
use super::{Group, NamedPort, Peer, Service};
use crate::diag::FieldPath;
use crate::k8s::{NAMESPACE_NAME_LABEL, names};
use crate::spec;

impl Builder<'_> {
    pub(super) fn services(
        &mut self,
        input: &BTreeMap<String, spec::Service>,
    ) -> BTreeMap<String, Service> {
        let mut out = BTreeMap::new();
        for (name, s) in input {
            let field = spec_path(&["services"]).key(name);
            self.check(field.clone(), names::dns1123_label(name));
            if s.labels.is_empty() {
                self.error(
                    field.key("labels"),
                    "a service needs the labels its pods carry",
                );
            }
            self.labels(field.key("labels"), &s.labels);
            let selector = s.selector.clone().unwrap_or_else(|| s.labels.clone());
            if let Some(sel) = &s.selector {
                self.labels(field.key("selector"), sel);
                if sel.is_empty() {
                    self.error(
                        field.key("selector"),
                        "an empty selector would select every pod of the namespace; name labels the service's pods carry (flows reach every pod with \"*\")",
                    );
                } else if sel.iter().any(|(k, v)| s.labels.get(k) != Some(v)) {
                    self.error(
                        field.key("selector"),
                        "selects labels the service's own pods do not carry",
                    );
                }
            }
            let mut ports = BTreeMap::new();
            for (port_name, value) in &s.ports {
                let pf = field.key("ports").key(port_name);
                self.check(pf.clone(), names::port_name(port_name));
                match ports::parse(value) {
                    Ok(PortRef::Number {
                        port,
                        end: None,
                        protocol,
                    }) => {
                        ports.insert(port_name.clone(), NamedPort { port, protocol });
                    }
                    Ok(_) => self.error(
                        pf,
                        "a service port is one number, optionally with /TCP, /UDP or /SCTP",
                    ),
                    Err(m) => self.error(pf, m),
                }
            }
            out.insert(
                name.clone(),
                Service {
                    name: name.clone(),
                    labels: s.labels.clone(),
                    selector,
                    ports,
                },
            );
        }
        out
    }

    pub(super) fn groups(
        &mut self,
        input: &BTreeMap<String, spec::Group>,
        services: &BTreeMap<String, Service>,
    ) -> BTreeMap<String, Group> {
        let mut out = BTreeMap::new();
        for (name, g) in input {
            let field = spec_path(&["groups"]).key(name);
            self.check(field.clone(), names::dns1123_label(name));
            self.labels(field.key("selector"), &g.selector);
            if g.selector.is_empty() {
                self.error(
                    field.key("selector"),
                    "an empty group selector would select every pod; use \"*\" in the flow instead",
                );
                continue;
            }
            let members: Vec<String> = services
                .values()
                .filter(|s| g.selector.iter().all(|(k, v)| s.labels.get(k) == Some(v)))
                .map(|s| s.name.clone())
                .collect();
            if members.is_empty() {
                self.error(field.key("selector"), "selects no service");
            }
            out.insert(
                name.clone(),
                Group {
                    name: name.clone(),
                    selector: g.selector.clone(),
                    members,
                },
            );
        }
        out
    }

    pub(super) fn peers(
        &mut self,
        input: &BTreeMap<String, spec::PeerSpec>,
    ) -> BTreeMap<String, Peer> {
        let mut out = BTreeMap::new();
        for (name, p) in input {
            let field = spec_path(&["peers"]).key(name);
            self.check(field.clone(), names::dns1123_label(name));
            if let Some(peer) = self.peer(field, name, p) {
                out.insert(name.clone(), peer);
            }
        }
        out
    }

    /// One peer, checked; `field` is where its spec lives.
    pub(super) fn peer(
        &mut self,
        field: FieldPath,
        name: &str,
        p: &spec::PeerSpec,
    ) -> Option<Peer> {
        let in_cluster = p.namespace.is_some() || p.namespace_selector.is_some();
        if !p.fqdn.is_empty() {
            return self.fqdn_peer(field, name, p);
        }
        match (&p.cidr, in_cluster) {
            (Some(_), true) => {
                self.error(field.key("cidr"), "a peer is either addresses (cidr) or pods (namespace, namespaceSelector), not both");
                return None;
            }
            (None, false) => {
                let msg = if p.selector.is_some() {
                    "a peer's pods live in another namespace: give namespace or namespaceSelector (pods of this namespace are services)"
                } else {
                    "a peer needs namespace, namespaceSelector, cidr or fqdn"
                };
                self.error(field, msg);
                return None;
            }
            _ => {}
        }
        if let Some(ns) = &p.namespace {
            self.check(field.key("namespace"), names::dns1123_label(ns));
        }
        if let Some(sel) = &p.namespace_selector {
            self.labels(field.key("namespaceSelector"), sel);
        }
        if let Some(sel) = &p.selector {
            self.labels(field.key("selector"), sel);
        }
        if p.cidr.is_none() && !p.except.is_empty() {
            self.error(field.key("except"), "except belongs with cidr");
        }
        if let Some(cidr) = &p.cidr {
            if p.selector.is_some() {
                self.error(field.key("selector"), "a cidr peer cannot also select pods");
            }
            match cidr.parse::<ipnet::IpNet>() {
                Err(e) => self.error(field.key("cidr"), format!("{cidr:?} is not a CIDR: {e}")),
                Ok(net) => {
                    for (i, ex) in p.except.iter().enumerate() {
                        match ex.parse::<ipnet::IpNet>() {
                            Ok(e) if net.contains(&e) && e != net => {}
                            Ok(_) => self.error(
                                field.key("except").index(i),
                                format!("{ex} must lie strictly inside {cidr}"),
                            ),
                            Err(e) => self.error(
                                field.key("except").index(i),
                                format!("{ex:?} is not a CIDR: {e}"),
                            ),
                        }
                    }
                }
            }
        }
        let namespace_selector = if in_cluster {
            let mut sel = p.namespace_selector.clone().unwrap_or_default();
            if let Some(ns) = &p.namespace {
                sel.insert(NAMESPACE_NAME_LABEL.into(), ns.clone());
            }
            Some(sel)
        } else {
            None
        };
        Some(Peer {
            name: name.to_string(),
            namespace: p.namespace.clone(),
            namespace_selector,
            selector: p.selector.clone(),
            cidr: p.cidr.clone(),
            except: p.except.clone(),
            fqdn: Vec::new(),
        })
    }
}
