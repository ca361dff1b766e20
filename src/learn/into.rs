//! `--into`: what an existing intent already says, so that `learn` adds
//! only what it misses, and the additions written into the intent's own
//! file.

use std::collections::BTreeSet;

use ipnet::IpNet;
use serde_json::Value;

use crate::k8s::{Labels, Protocol};
use crate::spec::{self, NetworkPolicySet, PortValue};

/// A destination port and its protocol.
pub type PortKey = (u16, Protocol);

/// The existing intent (merged with its base chain), or none.
pub struct Existing {
    set: Option<NetworkPolicySet>,
}

fn subset(selector: &Labels, labels: &Labels) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

impl Existing {
    pub fn new(set: Option<&NetworkPolicySet>) -> Existing {
        Existing { set: set.cloned() }
    }

    fn spec(&self) -> Option<&spec::Spec> {
        self.set.as_ref().map(|s| &s.spec)
    }

    /// Every name the intent uses for a service, group or peer.
    pub fn names(&self) -> BTreeSet<String> {
        self.spec()
            .map(|s| {
                s.services
                    .keys()
                    .chain(s.groups.keys())
                    .chain(s.peers.keys())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn service_names(&self) -> Vec<String> {
        self.spec()
            .map(|s| s.services.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn has_service(&self, name: &str) -> bool {
        self.spec().is_some_and(|s| s.services.contains_key(name))
    }

    pub fn has_dns(&self) -> bool {
        self.spec().is_some_and(|s| s.dns.is_some())
    }

    /// The service whose selector the pod's labels match.
    pub fn service_for(&self, labels: &Labels) -> Option<String> {
        self.spec()?
            .services
            .iter()
            .find(|(_, s)| subset(s.selector.as_ref().unwrap_or(&s.labels), labels))
            .map(|(n, _)| n.clone())
    }

    /// The peer in namespace `ns` whose selector the pod's labels match.
    pub fn peer_for(&self, ns: &str, labels: &Labels) -> Option<String> {
        self.spec()?
            .peers
            .iter()
            .find(|(_, p)| {
                p.namespace.as_deref() == Some(ns)
                    && p.selector.as_ref().is_some_and(|s| subset(s, labels))
            })
            .map(|(n, _)| n.clone())
    }

    /// The address peer that covers `net`.
    pub fn peer_for_cidr(&self, net: &IpNet) -> Option<String> {
        self.spec()?
            .peers
            .iter()
            .find(|(_, p)| {
                p.cidr
                    .as_deref()
                    .and_then(|c| c.parse::<IpNet>().ok())
                    .is_some_and(|c| c.contains(net))
            })
            .map(|(n, _)| n.clone())
    }

    /// The intent's name for a port of one of its services.
    pub fn port_name(&self, service: &str, port: PortKey) -> Option<String> {
        self.spec()?
            .services
            .get(service)?
            .ports
            .iter()
            .find(|(_, v)| resolves(v, port))
            .map(|(n, _)| n.clone())
    }

    pub fn port_taken(&self, service: &str, name: &str) -> bool {
        self.spec()
            .and_then(|s| s.services.get(service))
            .is_some_and(|s| s.ports.contains_key(name))
    }

    /// The existing flow that already allows `from` -> `to` on `port`.
    pub fn allowing(
        &self,
        from: &str,
        to: &str,
        port: PortKey,
        labels: &dyn Fn(&str) -> Option<Labels>,
    ) -> Option<String> {
        let spec = self.spec()?;
        let names = |end: &str, actual: &str| {
            end == actual
                || end == "*"
                || spec
                    .groups
                    .get(end)
                    .zip(labels(actual))
                    .is_some_and(|(g, l)| subset(&g.selector, &l))
        };
        spec.flows
            .iter()
            .filter(|(_, f)| f.window.is_none())
            .find(|(_, f)| {
                names(&f.from, from)
                    && names(&f.to, to)
                    && (f.ports.is_empty()
                        || f.ports.iter().any(|p| match p {
                            PortValue::Text(name)
                                if self.port_name(to, port).as_ref() == Some(name) =>
                            {
                                true
                            }
                            other => resolves(other, port),
                        }))
            })
            .map(|(id, _)| id.clone())
    }

    /// The existing intent with the additions merged in, or the additions
    /// as a new intent for `namespace`.
    pub fn with(&self, added: &spec::Spec, namespace: &str) -> NetworkPolicySet {
        let mut set = self.set.clone().unwrap_or_else(|| fresh(namespace));
        merge(&mut set.spec, added);
        set
    }
}

/// A new intent: `alt-las-prod` is environment `prod` of `alt-las`.
fn fresh(namespace: &str) -> NetworkPolicySet {
    let (name, environment) = match namespace.rsplit_once('-') {
        Some((name, env)) if !name.is_empty() && !env.is_empty() => (name, env),
        _ => (namespace, namespace),
    };
    NetworkPolicySet {
        api_version: spec::API_VERSION.into(),
        kind: spec::KIND.into(),
        metadata: crate::k8s::ObjectMeta {
            name: name.into(),
            ..Default::default()
        },
        spec: spec::Spec {
            environment: Some(environment.into()),
            namespace: Some(namespace.into()),
            default_deny: Some(vec![crate::k8s::PolicyType::Ingress]),
            ..spec::Spec::default()
        },
    }
}

fn merge(spec: &mut spec::Spec, added: &spec::Spec) {
    for (name, s) in &added.services {
        let entry = spec
            .services
            .entry(name.clone())
            .or_insert_with(|| s.clone());
        entry.ports.extend(s.ports.clone());
    }
    spec.peers.extend(added.peers.clone());
    for (id, f) in &added.flows {
        spec.flows.insert(id.clone(), f.clone());
    }
    if added.dns.is_some() {
        spec.dns = added.dns.clone();
    }
}

/// The additions written into the intent file's own document (its `spec`
/// may be a layer over a base): new entries are added, an existing
/// service gets its new ports, nothing is changed or removed.
pub fn apply(layer: &mut Value, added: &spec::Spec) {
    let added = serde_json::to_value(added).unwrap_or(Value::Null);
    let Some(spec) = layer.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for key in ["services", "peers", "flows"] {
        let Some(new) = added.get(key).and_then(Value::as_object) else {
            continue;
        };
        if new.is_empty() {
            continue;
        }
        let target = spec
            .entry(key)
            .or_insert_with(|| Value::Object(Default::default()));
        if target.is_null() {
            *target = Value::Object(Default::default());
        }
        let Some(target) = target.as_object_mut() else {
            continue;
        };
        for (name, value) in new {
            match target.get_mut(name) {
                Some(old) if key == "services" => {
                    let ports = old.as_object_mut().map(|o| {
                        o.entry("ports")
                            .or_insert_with(|| Value::Object(Default::default()))
                    });
                    if let (Some(Value::Object(ports)), Some(Value::Object(more))) =
                        (ports, value.get("ports"))
                    {
                        ports.extend(more.clone());
                    }
                }
                _ => {
                    let mut value = value.clone();
                    if let Some(o) = value.as_object_mut() {
                        o.retain(|_, v| !is_empty(v));
                    }
                    target.insert(name.clone(), value);
                }
            }
        }
    }
    if let Some(dns) = added.get("dns").filter(|d| !d.is_null()) {
        spec.insert("dns".into(), dns.clone());
    }
}

pub(crate) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Whether a port as written (a number, `N/PROTO`, a range) is `port`.
fn resolves(value: &PortValue, (port, protocol): PortKey) -> bool {
    match value {
        PortValue::Number(n) => *n == i64::from(port) && protocol == Protocol::TCP,
        PortValue::Text(t) => {
            let (range, proto) = t.split_once('/').unwrap_or((t, "TCP"));
            if !proto.eq_ignore_ascii_case(protocol.as_str()) {
                return false;
            }
            let (lo, hi) = range.split_once('-').unwrap_or((range, range));
            match (lo.parse::<u16>(), hi.parse::<u16>()) {
                (Ok(lo), Ok(hi)) => (lo..=hi).contains(&port),
                _ => false,
            }
        }
    }
}
