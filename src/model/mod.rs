//! The validated intent: services, groups, peers and flows with every
//! reference checked and every port resolved. Templates and the verifier
//! only ever see a [`Model`], never raw configuration.

mod build;
pub mod cilium;
pub mod cluster;
pub mod dns;
mod ends;
mod entities;
pub mod naming;
pub mod ports;
pub mod schedule;
pub mod windows;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::k8s::cilium::{FqdnSelector, HttpRule};
use crate::k8s::{LabelSelector, Labels, Peer as K8sPeer, PolicyPort, PolicyType, Protocol};

pub use crate::spec::Backend;

pub use crate::k8s::NAMESPACE_NAME_LABEL;
pub use build::build;
pub use ports::PortRef;
pub use windows::Window;

/// Everything a template may use.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub name: String,
    pub env: String,
    pub namespace: String,
    pub suffix: String,
    /// What the templates render: `kubernetes` or `cilium`.
    pub backend: Backend,
    pub labels: Labels,
    pub annotations: Labels,
    pub default_deny: Vec<PolicyType>,
    pub services: BTreeMap<String, Service>,
    pub groups: BTreeMap<String, Group>,
    pub peers: BTreeMap<String, Peer>,
    pub flows: Vec<Flow>,
    /// `spec.windows`, by name.
    pub windows: BTreeMap<String, Window>,
    #[serde(skip)]
    pub expects: Vec<Expect>,
    pub values: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub labels: Labels,
    pub selector: Labels,
    pub ports: BTreeMap<String, NamedPort>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NamedPort {
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub selector: Labels,
    /// Services whose labels the selector matches, sorted.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Peer {
    pub name: String,
    pub namespace: Option<String>,
    /// The namespace selector as rendered (from `namespace` and/or `namespaceSelector`).
    pub namespace_selector: Option<Labels>,
    pub selector: Option<Labels>,
    pub cidr: Option<String>,
    pub except: Vec<String>,
    /// DNS names outside the cluster, as Cilium selects them
    /// (`{matchName}` or `{matchPattern}`).
    pub fqdn: Vec<FqdnSelector>,
}

impl Peer {
    /// True for a peer of DNS names (Cilium backend only).
    pub fn is_fqdn(&self) -> bool {
        !self.fqdn.is_empty()
    }
}

/// What a flow end names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Target {
    Service(String),
    Group(String),
    Peer(String),
    /// `"*"`: every pod of the namespace.
    All,
}

impl Target {
    pub fn is_peer(&self) -> bool {
        matches!(self, Target::Peer(_))
    }

    pub fn label(&self) -> String {
        match self {
            Target::Service(n) | Target::Group(n) | Target::Peer(n) => n.clone(),
            Target::All => "*".into(),
        }
    }
}

/// One end of a flow, with what a policy needs to select it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct End {
    pub target: Target,
    /// The podSelector for a policy that selects this end (in the namespace).
    pub selector: Option<LabelSelector>,
    /// This end as a `from`/`to` peer entry.
    pub peer: K8sPeer,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    pub id: String,
    /// The ends, shared by every flow with the same target.
    pub from: Arc<End>,
    pub to: Arc<End>,
    /// The flow's ports as policy `ports` entries (names resolved where all
    /// destinations agree).
    pub ports: Vec<PolicyPort>,
    /// Resolved per destination, for verification.
    #[serde(skip)]
    pub port_specs: Vec<PortRef>,
    /// The ingress policy at the destination, when the destination is in the namespace.
    pub ingress_name: Option<String>,
    /// The egress policy at the source, when the source is in the namespace
    /// and egress is denied by default or the destination is a peer.
    pub egress_name: Option<String>,
    /// The flow `spec.dns` adds: to the DNS servers, on the DNS ports.
    pub dns: bool,
    /// The requests allowed on the flow's ports (Cilium backend only);
    /// empty: every request.
    pub http: Vec<HttpRule>,
    /// The flow in CiliumNetworkPolicy terms (Cilium backend only).
    pub cilium: Option<cilium::CiliumFlow>,
    /// The window of `spec.windows` it is open in; `None`: always.
    pub window: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Expect {
    pub index: usize,
    pub from: Target,
    pub to: Target,
    pub port: PortRef,
    pub allowed: bool,
}
