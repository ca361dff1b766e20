//! Who is who: observed pods and addresses as the intent's services and
//! peers, and their ports by name.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;

use super::cidr::cover;
use super::into::{Existing, PortKey};
use super::stable::stable_labels;
use super::{Endpoint, Observation};
use crate::k8s::{Labels, Protocol};
use crate::spec::{self, DnsSpec, PeerSpec, PortValue};

/// The label keys a workload is named after, in order.
const NAME_KEYS: [&str; 2] = ["app.kubernetes.io/name", "app"];

/// An end of a connection in the intent's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Service(String),
    Peer(String),
}

impl Actor {
    pub fn name(&self) -> &str {
        match self {
            Actor::Service(n) | Actor::Peer(n) => n,
        }
    }

    pub fn is_outside(&self) -> bool {
        matches!(self, Actor::Peer(_))
    }
}

#[derive(Debug, Clone)]
struct Workload {
    name: String,
    labels: Labels,
    selector: Labels,
}

/// Names every pod and address of the observations once, up front.
pub struct Namer {
    namespace: String,
    /// (namespace, name before de-duplication) -> workload.
    pods: BTreeMap<(String, String), Workload>,
    /// The peers, by name: pods elsewhere and address ranges.
    peers: BTreeMap<String, PeerSpec>,
    networks: Vec<(IpNet, String)>,
    /// Service -> port -> name.
    ports: BTreeMap<String, BTreeMap<PortKey, String>>,
    /// DNS servers seen, by peer name.
    dns: BTreeMap<String, u64>,
}

/// A DNS-1123 label: lowercase letters, digits and dashes.
fn label_name(raw: &str) -> String {
    let mut out: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    out.truncate(63);
    out.trim_matches('-').to_string()
}

/// The name a workload goes by, and whether a label gave it.
fn base_name(
    labels: &Labels,
    workload: Option<&str>,
    pod: Option<&str>,
) -> (String, Option<&'static str>) {
    for key in NAME_KEYS {
        if let Some(v) = labels.get(key).filter(|v| !v.is_empty()) {
            return (label_name(v), Some(key));
        }
    }
    (label_name(workload.or(pod).unwrap_or("workload")), None)
}

impl Namer {
    pub fn new(
        namespace: &str,
        existing: &Existing,
        aggregate: Option<u8>,
        observations: &[&Observation],
    ) -> Namer {
        let mut pods: BTreeMap<(String, String), Workload> = BTreeMap::new();
        let mut addresses = BTreeSet::new();
        for o in observations {
            for end in [&o.from, &o.to] {
                match end {
                    Endpoint::Address(ip) => {
                        addresses.insert(*ip);
                    }
                    Endpoint::Pod {
                        namespace,
                        labels,
                        workload,
                        pod,
                    } => {
                        let stable = stable_labels(labels);
                        if stable.is_empty() {
                            continue;
                        }
                        let (name, key) = base_name(&stable, workload.as_deref(), pod.as_deref());
                        let selector = match key {
                            Some(k) => Labels::from_iter([(
                                k.to_string(),
                                stable.get(k).cloned().unwrap_or_default(),
                            )]),
                            None => stable.clone(),
                        };
                        pods.entry((namespace.clone(), name.clone()))
                            .and_modify(|w| w.labels.retain(|k, v| stable.get(k) == Some(v)))
                            .or_insert(Workload {
                                name,
                                labels: stable,
                                selector,
                            });
                    }
                }
            }
        }
        let mut peers = BTreeMap::new();
        let mut taken: BTreeSet<String> = existing.names();
        for ((ns, _), w) in pods.iter_mut() {
            let found = if ns == namespace {
                existing.service_for(&w.labels)
            } else {
                existing.peer_for(ns, &w.labels)
            };
            if let Some(name) = found {
                w.name = name;
                continue;
            }
            if ns == namespace {
                taken.insert(w.name.clone());
            }
        }
        for ((ns, _), w) in pods.iter_mut().filter(|((ns, _), _)| ns != namespace) {
            if existing.peer_for(ns, &w.labels).is_some() {
                continue;
            }
            if taken.contains(&w.name) {
                w.name = label_name(&format!("{}-{ns}", w.name));
            }
            taken.insert(w.name.clone());
            peers.insert(
                w.name.clone(),
                PeerSpec {
                    namespace: Some(ns.clone()),
                    selector: Some(w.selector.clone()),
                    ..PeerSpec::default()
                },
            );
        }
        let mut networks = Vec::new();
        for net in cover(&addresses, aggregate) {
            let name = existing.peer_for_cidr(&net).unwrap_or_else(|| {
                let prefix = if net.prefix_len() == net.max_prefix_len() {
                    format!("ip-{}", net.addr())
                } else {
                    format!("cidr-{net}")
                };
                let name = label_name(&prefix);
                peers.insert(
                    name.clone(),
                    PeerSpec {
                        cidr: Some(net.to_string()),
                        ..PeerSpec::default()
                    },
                );
                name
            });
            networks.push((net, name));
        }
        Namer {
            namespace: namespace.to_string(),
            pods,
            peers,
            networks,
            ports: BTreeMap::new(),
            dns: BTreeMap::new(),
        }
    }

    /// The service or peer an endpoint is, or why it is neither.
    pub fn actor(&self, end: &Endpoint) -> Result<Actor, String> {
        match end {
            Endpoint::Address(ip) => self
                .networks
                .iter()
                .find(|(n, _)| n.contains(ip))
                .map(|(_, name)| Actor::Peer(name.clone()))
                .ok_or_else(|| format!("address {ip} is in no peer")),
            Endpoint::Pod {
                namespace,
                labels,
                workload,
                pod,
            } => {
                let stable = stable_labels(labels);
                let who = workload.as_deref().or(pod.as_deref()).unwrap_or("?");
                if stable.is_empty() {
                    return Err(format!(
                        "pod {namespace}/{who} has no stable labels to select it by"
                    ));
                }
                let (base, _) = base_name(&stable, workload.as_deref(), pod.as_deref());
                let w = &self.pods[&(namespace.clone(), base)];
                Ok(if *namespace == self.namespace {
                    Actor::Service(w.name.clone())
                } else {
                    Actor::Peer(w.name.clone())
                })
            }
        }
    }

    /// The services of the namespace, by name.
    pub fn service_names(&self) -> BTreeSet<String> {
        self.services().map(|w| w.name.clone()).collect()
    }

    fn services(&self) -> impl Iterator<Item = &Workload> {
        self.pods
            .iter()
            .filter(|((ns, _), _)| *ns == self.namespace)
            .map(|(_, w)| w)
    }

    /// Labels of a service.
    pub fn labels_of(&self, service: &str) -> Option<Labels> {
        self.services()
            .find(|w| w.name == service)
            .map(|w| w.labels.clone())
    }

    /// A DNS server seen answering.
    pub fn dns_server(&mut self, server: &Actor) {
        *self.dns.entry(server.name().to_string()).or_default() += 1;
    }

    /// Names the destination ports of the services: the existing intent's
    /// name, `metrics` for a port every service is scraped on, a well-known
    /// name, `http` where HTTP was seen, else `tcp-<port>`.
    pub fn name_ports(
        &mut self,
        existing: &Existing,
        seen: &[((String, String), PortKey, bool)],
        metrics: &BTreeSet<PortKey>,
    ) {
        let services = self.service_names();
        for (pair, port, http) in seen {
            let to = &pair.1;
            if !services.contains(to) {
                continue;
            }
            let names = self.ports.entry(to.clone()).or_default();
            if names.contains_key(port) {
                continue;
            }
            if let Some(name) = existing.port_name(to, *port) {
                names.insert(*port, name);
                continue;
            }
            let wanted = if metrics.contains(port) {
                "metrics".to_string()
            } else if let Some(n) = well_known(*port) {
                n.to_string()
            } else if *http {
                "http".to_string()
            } else {
                format!("{}-{}", port.1.as_str().to_ascii_lowercase(), port.0)
            };
            let taken = names.values().any(|n| *n == wanted) || existing.port_taken(to, &wanted);
            let name = if taken {
                format!("{wanted}-{}", port.0)
            } else {
                wanted
            };
            names.insert(*port, name);
        }
    }

    /// How a flow to `to` names `port`.
    pub fn port_value(&self, to: &str, port: PortKey) -> PortValue {
        match self.ports.get(to).and_then(|p| p.get(&port)) {
            Some(name) => PortValue::Text(name.clone()),
            None => port_number(port),
        }
    }

    /// Adds to `added` the services, ports, peers and DNS servers it needs.
    pub fn fill(&self, added: &mut spec::Spec, existing: &Existing) {
        let used: BTreeSet<&str> = added
            .flows
            .values()
            .flat_map(|f| [f.from.as_str(), f.to.as_str()])
            .collect();
        for w in self.services() {
            let ports = self.ports.get(&w.name).cloned().unwrap_or_default();
            let new_ports: BTreeMap<String, PortValue> = ports
                .iter()
                .filter(|(k, _)| existing.port_name(&w.name, **k).is_none())
                .map(|(k, name)| (name.clone(), port_number(*k)))
                .collect();
            if existing.has_service(&w.name) {
                if !new_ports.is_empty() {
                    added.services.insert(
                        w.name.clone(),
                        spec::Service {
                            ports: new_ports,
                            ..spec::Service::default()
                        },
                    );
                }
                continue;
            }
            let selector = (w.selector != w.labels).then(|| w.selector.clone());
            added.services.insert(
                w.name.clone(),
                spec::Service {
                    labels: w.labels.clone(),
                    selector,
                    ports: new_ports,
                },
            );
        }
        for (name, peer) in &self.peers {
            if used.contains(name.as_str()) {
                added.peers.insert(name.clone(), peer.clone());
            }
        }
        if existing.has_dns() {
            return;
        }
        let Some((server, _)) = self
            .dns
            .iter()
            .max_by_key(|(n, c)| (**c, std::cmp::Reverse(*n)))
        else {
            return;
        };
        let Some(peer) = self.peers.get(server) else {
            return;
        };
        let default = peer.namespace.as_deref() == Some("kube-system")
            && peer
                .selector
                .as_ref()
                .and_then(|s| s.get("k8s-app"))
                .map(String::as_str)
                == Some("kube-dns");
        if !default {
            added.dns = Some(spec::Dns::On(DnsSpec {
                namespace: peer.namespace.clone(),
                selector: peer.selector.clone(),
                cidr: peer.cidr.clone(),
                ..DnsSpec::default()
            }));
        }
    }
}

/// `8080` for TCP, `53/UDP` otherwise.
fn port_number((port, protocol): PortKey) -> PortValue {
    match protocol {
        Protocol::TCP => PortValue::Number(i64::from(port)),
        p => PortValue::Text(format!("{port}/{}", p.as_str())),
    }
}

fn well_known((port, protocol): PortKey) -> Option<&'static str> {
    Some(match (port, protocol) {
        (53, _) => "dns",
        (80, Protocol::TCP) => "http",
        (443, Protocol::TCP) => "https",
        (3306, Protocol::TCP) => "mysql",
        (5432, Protocol::TCP) => "postgres",
        (6379, Protocol::TCP) => "redis",
        (9092, Protocol::TCP) => "kafka",
        (27017, Protocol::TCP) => "mongodb",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_name_label_then_app_then_the_workload() {
        let l = |pairs: &[(&str, &str)]| -> Labels {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            base_name(
                &l(&[("app.kubernetes.io/name", "Web.UI"), ("app", "x")]),
                None,
                None
            ),
            ("web-ui".to_string(), Some("app.kubernetes.io/name"))
        );
        assert_eq!(base_name(&l(&[("app", "x")]), Some("w"), None).0, "x");
        assert_eq!(
            base_name(&l(&[("tier", "x")]), Some("w"), None),
            ("w".to_string(), None)
        );
    }
}
