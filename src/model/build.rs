//! Spec -> Model: every reference checked, every port resolved, every
//! problem collected with its field path (the caller places it on a file
//! and line with the configuration's `SourceMap`).

use std::collections::BTreeMap;

use super::ends::Ctx;
use super::naming;
use super::ports::{self, PortRef};
use super::{Expect, Flow, Group, Model, NamedPort, Peer, Service, Target};
use crate::diag::{Diagnostic, Errors, FieldPath};
use crate::k8s::{Labels, NAMESPACE_NAME_LABEL, PolicyType, names};
use crate::spec::{self, NetworkPolicySet};

/// Builds the model, collecting every problem instead of stopping at the first.
pub fn build(set: &NetworkPolicySet) -> Result<Model, Errors> {
    let mut b = Builder {
        set,
        errors: Vec::new(),
    };
    let model = b.model();
    if b.errors.is_empty() {
        Ok(model)
    } else {
        Err(Errors(b.errors))
    }
}

struct Builder<'a> {
    set: &'a NetworkPolicySet,
    errors: Vec<Diagnostic>,
}

fn spec_path(rest: &[&str]) -> FieldPath {
    let mut p = FieldPath::keys(&["spec"]);
    for r in rest {
        p = p.key(r);
    }
    p
}

impl Builder<'_> {
    fn error(&mut self, field: FieldPath, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(message).at_field(field));
    }

    fn check(&mut self, field: FieldPath, result: Result<(), String>) {
        if let Err(m) = result {
            self.error(field, m);
        }
    }

    fn labels(&mut self, field: FieldPath, labels: &Labels) {
        for (k, v) in labels {
            self.check(
                field.key(k),
                names::label_key(k).and_then(|_| names::label_value(v)),
            );
        }
    }

    fn model(&mut self) -> Model {
        let spec = &self.set.spec;
        let env = self.required(spec.environment.as_deref(), "environment");
        let namespace = self.required(spec.namespace.as_deref(), "namespace");
        if !namespace.is_empty() {
            self.check(spec_path(&["namespace"]), names::dns1123_label(&namespace));
        }
        // Without an environment the default suffix is unknown; that error
        // is already reported, so names are not checked against a guess.
        let suffix = naming::suffix(spec.name_suffix.as_deref(), &env);
        self.labels(spec_path(&["labels"]), &spec.labels);
        for k in spec.annotations.keys() {
            self.check(spec_path(&["annotations"]).key(k), names::label_key(k));
        }
        let default_deny = self.default_deny(spec.default_deny.as_deref());

        let services = self.services(&spec.services);
        let groups = self.groups(&spec.groups, &services);
        let peers = self.peers(&spec.peers);
        self.unique_names(spec);
        let ctx = Ctx {
            namespace: &namespace,
            services: &services,
            groups: &groups,
            peers: &peers,
        };

        let mut flows = Vec::new();
        for (id, flow) in &spec.flows {
            if let Some(f) = self.flow(&ctx, id, flow, &suffix, &default_deny) {
                flows.push(f);
            }
        }
        ctx.egress_for_isolated_sources(&mut flows, &suffix);
        let mut expects = Vec::new();
        for (i, e) in spec.expect.iter().enumerate() {
            let field = spec_path(&["expect"]).index(i);
            let from = self.target(&ctx, field.key("from"), &e.from);
            let to = self.target(&ctx, field.key("to"), &e.to);
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if let Some(port) = self.port(&ctx, field.key("port"), &e.port, &to) {
                expects.push(Expect {
                    index: i,
                    from,
                    to,
                    port,
                    allowed: e.allowed,
                });
            }
        }
        Model {
            name: self.set.metadata.name.clone(),
            env,
            namespace,
            suffix,
            labels: spec.labels.clone(),
            annotations: spec.annotations.clone(),
            default_deny,
            services,
            groups,
            peers,
            flows,
            expects,
            values: match &spec.values {
                serde_json::Value::Null => serde_json::Value::Object(Default::default()),
                v => v.clone(),
            },
        }
    }

    fn required(&mut self, value: Option<&str>, field: &str) -> String {
        match value {
            Some(v) if !v.is_empty() => {
                if field == "environment" {
                    self.check(spec_path(&[field]), names::dns1123_label(v));
                }
                v.to_string()
            }
            _ => {
                self.error(
                    spec_path(&[field]),
                    format!("{field} is required (here or in a base)"),
                );
                String::new()
            }
        }
    }

    fn default_deny(&mut self, value: Option<&[PolicyType]>) -> Vec<PolicyType> {
        let mut out = value.map_or_else(|| vec![PolicyType::Ingress], <[_]>::to_vec);
        out.sort();
        let before = out.len();
        out.dedup();
        if out.len() != before {
            self.error(spec_path(&["defaultDeny"]), "lists a direction twice");
        }
        out
    }

    fn services(&mut self, input: &BTreeMap<String, spec::Service>) -> BTreeMap<String, Service> {
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
                if sel.iter().any(|(k, v)| s.labels.get(k) != Some(v)) {
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

    fn groups(
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

    fn peers(&mut self, input: &BTreeMap<String, spec::PeerSpec>) -> BTreeMap<String, Peer> {
        let mut out = BTreeMap::new();
        for (name, p) in input {
            let field = spec_path(&["peers"]).key(name);
            self.check(field.clone(), names::dns1123_label(name));
            let in_cluster = p.namespace.is_some() || p.namespace_selector.is_some();
            match (&p.cidr, in_cluster) {
                (Some(_), true) => {
                    self.error(field.key("cidr"), "a peer is either addresses (cidr) or pods (namespace, namespaceSelector), not both");
                    continue;
                }
                (None, false) => {
                    let msg = if p.selector.is_some() {
                        "a peer's pods live in another namespace: give namespace or namespaceSelector (pods of this namespace are services)"
                    } else {
                        "a peer needs namespace, namespaceSelector or cidr"
                    };
                    self.error(field.clone(), msg);
                    continue;
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
            out.insert(
                name.clone(),
                Peer {
                    name: name.clone(),
                    namespace: p.namespace.clone(),
                    namespace_selector,
                    selector: p.selector.clone(),
                    cidr: p.cidr.clone(),
                    except: p.except.clone(),
                },
            );
        }
        out
    }

    fn unique_names(&mut self, spec: &spec::Spec) {
        for name in spec.groups.keys() {
            if spec.services.contains_key(name) {
                self.error(
                    spec_path(&["groups"]).key(name),
                    format!("{name:?} is also a service; flows could not tell them apart"),
                );
            }
        }
        for name in spec.peers.keys() {
            if spec.services.contains_key(name) || spec.groups.contains_key(name) {
                self.error(
                    spec_path(&["peers"]).key(name),
                    format!("{name:?} is also a service or group; flows could not tell them apart"),
                );
            }
        }
    }

    fn target(&mut self, ctx: &Ctx<'_>, field: FieldPath, name: &str) -> Option<Target> {
        if name == "*" {
            Some(Target::All)
        } else if ctx.services.contains_key(name) {
            Some(Target::Service(name.into()))
        } else if ctx.groups.contains_key(name) {
            Some(Target::Group(name.into()))
        } else if ctx.peers.contains_key(name) {
            Some(Target::Peer(name.into()))
        } else {
            let spec = &self.set.spec;
            let invalid = spec.services.contains_key(name)
                || spec.groups.contains_key(name)
                || spec.peers.contains_key(name);
            // An invalid service, group or peer has its own error already.
            if !invalid {
                self.error(
                    field,
                    format!(
                        "{name:?} is not a service, group or peer (known: {})",
                        ctx.known()
                    ),
                );
            }
            None
        }
    }

    fn port(
        &mut self,
        ctx: &Ctx<'_>,
        field: FieldPath,
        value: &spec::PortValue,
        to: &Target,
    ) -> Option<PortRef> {
        match ports::parse(value) {
            Err(m) => {
                self.error(field, m);
                None
            }
            Ok(PortRef::Named(name)) => {
                if let Target::Peer(p) = to {
                    self.error(
                        field,
                        format!("peer {p:?} has no named ports; give a number"),
                    );
                    return None;
                }
                let spec = &self.set.spec;
                let members = ctx.members(to);
                let declared = |s: &str| {
                    spec.services
                        .get(s)
                        .is_some_and(|svc| svc.ports.contains_key(&name))
                };
                let valid = |s: &str| ctx.services[s].ports.contains_key(&name);
                let missing: Vec<String> = members
                    .iter()
                    .filter(|s| !declared(s))
                    .map(|s| s.to_string())
                    .collect();
                if missing.is_empty() && !members.iter().all(|s| valid(s)) {
                    return None; // the port itself is invalid and has its own error
                }
                if !missing.is_empty() {
                    self.error(
                        field,
                        format!("port {name:?} is not a port of {}", missing.join(", ")),
                    );
                    return None;
                }
                Some(PortRef::Named(name))
            }
            Ok(spec) => Some(spec),
        }
    }

    fn flow(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
        flow: &spec::Flow,
        suffix: &str,
        deny: &[PolicyType],
    ) -> Option<Flow> {
        let field = spec_path(&["flows"]).key(id);
        let from = self.target(ctx, field.key("from"), &flow.from);
        let to = self.target(ctx, field.key("to"), &flow.to);
        let (from, to) = (from?, to?);
        if from.is_peer() && to.is_peer() {
            self.error(field.key("to"), "a flow between two peers is outside this namespace; one end must be a service, group or \"*\"");
            return None;
        }
        if flow.ports.is_empty() {
            self.error(
                field.key("ports"),
                "list the ports; a flow without ports would allow every port",
            );
            return None;
        }
        let mut specs = Vec::new();
        for (i, p) in flow.ports.iter().enumerate() {
            specs.push(self.port(ctx, field.key("ports").index(i), p, &to)?);
        }
        let policy_ports = ctx.policy_ports(&specs, &to);
        let ingress_name = (!to.is_peer()).then(|| naming::flow_policy(id, suffix));
        let egress_name = if from.is_peer() {
            None
        } else if to.is_peer() {
            Some(naming::flow_policy(id, suffix))
        } else if deny.contains(&PolicyType::Egress) {
            Some(naming::flow_egress_policy(id, suffix))
        } else {
            None
        };
        for name in ingress_name.iter().chain(egress_name.iter()) {
            self.check(
                field.clone(),
                names::dns1123_subdomain(name).map_err(|e| format!("policy name {e}")),
            );
        }
        Some(Flow {
            id: id.to_string(),
            from: ctx.end(from),
            to: ctx.end(to),
            ports: policy_ports,
            port_specs: specs,
            ingress_name,
            egress_name,
        })
    }
}
