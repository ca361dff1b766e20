//! Spec -> Model: every reference checked, every port resolved, every
//! problem collected with its field path (the caller places it on a file
//! and line with the configuration's `SourceMap`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::dns;
use super::ends::Ctx;
use super::naming;
use super::ports::{self, PortRef};
use super::windows;
use super::{End, Expect, Flow, Model, Target};
use crate::diag::{Diagnostic, Errors, FieldPath};
use crate::k8s::{Labels, PolicyType, names};
use crate::spec::{self, NetworkPolicySet};

/// Builds the model, collecting every problem instead of stopping at the first.
pub fn build(set: &NetworkPolicySet) -> Result<Model, Errors> {
    let set = windows::with_runner(set);
    let mut b = Builder {
        set: &set,
        errors: Vec::new(),
        ends: BTreeMap::new(),
    };
    let model = b.model();
    if b.errors.is_empty() {
        Ok(model)
    } else {
        Err(Errors(b.errors))
    }
}

pub(super) struct Builder<'a> {
    pub(super) set: &'a NetworkPolicySet,
    pub(super) errors: Vec<Diagnostic>,
    /// Each flow end, built once per target.
    ends: BTreeMap<Target, Arc<End>>,
}

pub(super) fn spec_path(rest: &[&str]) -> FieldPath {
    let mut p = FieldPath::keys(&["spec"]);
    for r in rest {
        p = p.key(r);
    }
    p
}

impl Builder<'_> {
    pub(super) fn error(&mut self, field: FieldPath, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(message).at_field(field));
    }

    pub(super) fn check(&mut self, field: FieldPath, result: Result<(), String>) {
        if let Err(m) = result {
            self.error(field, m);
        }
    }

    pub(super) fn labels(&mut self, field: FieldPath, labels: &Labels) {
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
        let backend = spec.backend.unwrap_or_default();

        let services = self.services(&spec.services);
        let groups = self.groups(&spec.groups, &services);
        let mut peers = self.peers(&spec.peers);
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
        self.l7_conflicts(&ctx, &flows);
        ctx.egress_for_isolated_sources(&mut flows, &suffix);
        let windows = self.windows(&flows, &suffix);
        let dns_sources = Self::dns_sources(&flows, &default_deny);
        if !dns_sources.is_empty()
            && !self.dns_name_taken()
            && let Some(peer) = self.dns_peer()
        {
            peers.insert(dns::PEER.to_string(), peer);
        }
        let ctx = Ctx {
            namespace: &namespace,
            services: &services,
            groups: &groups,
            peers: &peers,
        };
        if ctx.peers.contains_key(dns::PEER) && !spec.peers.contains_key(dns::PEER) {
            self.dns_flows(&ctx, &dns_sources, &suffix, &default_deny, &mut flows);
        }
        if backend == crate::spec::Backend::Cilium {
            ctx.cilium_flows(&mut flows);
        }
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
            backend,
            labels: spec.labels.clone(),
            annotations: spec.annotations.clone(),
            default_deny,
            services,
            groups,
            peers,
            flows,
            windows,
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

    fn end(&mut self, ctx: &Ctx<'_>, target: Target) -> Arc<End> {
        match self.ends.get(&target) {
            Some(end) => Arc::clone(end),
            None => {
                let end = Arc::new(ctx.end(target.clone()));
                self.ends.insert(target, Arc::clone(&end));
                end
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

    pub(super) fn port(
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

    pub(super) fn flow(
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
        if let Target::Peer(p) = &from
            && ctx.peers[p].is_fqdn()
        {
            self.error(
                field.key("from"),
                format!("peer {p:?} is DNS names: Cilium allows names as destinations only (toFQDNs), never as sources"),
            );
            return None;
        }
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
        self.http_rules(ctx, &field, flow, &specs, &to);
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
            from: self.end(ctx, from),
            to: self.end(ctx, to),
            ports: policy_ports,
            port_specs: specs,
            ingress_name,
            egress_name,
            dns: false,
            http: flow.http.clone(),
            cilium: None,
            window: flow.window.clone(),
        })
    }
}
