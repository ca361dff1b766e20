//! The `NetworkPolicySet` configuration (netpolgen.io/v1alpha1), as typed
//! serde structs. Unknown fields are errors. Maps are sorted, so the order of
//! keys in the file never changes the output.

mod chain;
pub mod detect;
pub mod files;
pub mod merge;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::k8s::cilium::HttpRule;
use crate::k8s::{Labels, ObjectMeta, PolicyType};

pub use chain::{Input, Loaded, TemplateDir, load};

/// The only apiVersion and kind netpolgen accepts as its configuration.
pub const API_VERSION: &str = "netpolgen.io/v1alpha1";
pub const KIND: &str = "NetworkPolicySet";

/// The whole configuration object.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkPolicySet {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: Spec,
}

/// `spec`, after the `base` chain has been merged in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    /// Consumed by loading; kept so a merged spec still deserializes.
    #[serde(default, skip_serializing)]
    pub base: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    /// Defaults to `-<environment>`.
    #[serde(default)]
    pub name_suffix: Option<String>,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    /// Template search path, relative to the file that names it.
    #[serde(default)]
    pub templates: Vec<String>,
    /// Defaults to `[Ingress]`.
    #[serde(default)]
    pub default_deny: Option<Vec<PolicyType>>,
    /// What the policies are rendered as; default `kubernetes`.
    #[serde(default)]
    pub backend: Option<Backend>,
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
    #[serde(default)]
    pub peers: BTreeMap<String, PeerSpec>,
    #[serde(default)]
    pub flows: BTreeMap<String, Flow>,
    /// Where pods resolve names; allowed wherever egress is isolated.
    /// Absent or `true`: kube-dns in kube-system on 53/UDP and 53/TCP.
    #[serde(default)]
    pub dns: Option<Dns>,
    /// Maintenance windows: when flows marked with `window` are open.
    #[serde(default)]
    pub windows: BTreeMap<String, WindowSpec>,
    /// What runs the windows' CronJobs.
    #[serde(default)]
    pub window_runner: Option<WindowRunner>,
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Free-form values for custom templates.
    #[serde(default)]
    pub values: serde_json::Value,
}

/// The kind of policy a set renders.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// `networking.k8s.io/v1` NetworkPolicy, which every CNI enforces.
    #[default]
    Kubernetes,
    /// `cilium.io/v2` CiliumNetworkPolicy: adds HTTP rules and FQDN peers.
    Cilium,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Kubernetes => "kubernetes",
            Backend::Cilium => "cilium",
        }
    }
}

/// A workload in the set's namespace.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Service {
    /// The labels its pods carry.
    pub labels: Labels,
    /// What policies select it by; defaults to all of `labels`.
    #[serde(default)]
    pub selector: Option<Labels>,
    /// Named ports: `http: 8080` or `dns: 53/UDP`.
    #[serde(default)]
    pub ports: BTreeMap<String, PortValue>,
}

/// Several services under one selector.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    pub selector: Labels,
}

/// Something outside the set's namespace: pods elsewhere, or addresses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeerSpec {
    /// A namespace by name (its `kubernetes.io/metadata.name` label).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Namespaces by label.
    #[serde(default)]
    pub namespace_selector: Option<Labels>,
    /// Pods in those namespaces.
    #[serde(default)]
    pub selector: Option<Labels>,
    /// Addresses outside the cluster.
    #[serde(default)]
    pub cidr: Option<String>,
    #[serde(default)]
    pub except: Vec<String>,
    /// DNS names outside the cluster (`api.example.com`, `*.example.com`);
    /// Cilium backend only.
    #[serde(default)]
    pub fqdn: Vec<String>,
}

/// `spec.dns`: `false` to allow no DNS by default, `true` (the default)
/// for the cluster DNS, or the DNS servers' own description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dns {
    Off,
    On(DnsSpec),
}

/// The DNS servers pods resolve names with. Every field has a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DnsSpec {
    /// Default `kube-system` (unless `cidr` or `namespaceSelector` is given).
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub namespace_selector: Option<Labels>,
    /// Default `k8s-app: kube-dns` (unless `cidr` is given).
    #[serde(default)]
    pub selector: Option<Labels>,
    /// Addresses instead of pods (a node-local cache, a resolver outside
    /// the cluster).
    #[serde(default)]
    pub cidr: Option<String>,
    #[serde(default)]
    pub except: Vec<String>,
    /// Default `[53/UDP, 53/TCP]`.
    #[serde(default)]
    pub ports: Option<Vec<PortValue>>,
}

impl Serialize for Dns {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Dns::Off => s.serialize_bool(false),
            Dns::On(spec) => spec.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Dns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dns, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Dns;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("false, true, or a map of namespace, namespaceSelector, selector, cidr, except, ports")
            }
            fn visit_bool<E: serde::de::Error>(self, on: bool) -> Result<Dns, E> {
                Ok(if on {
                    Dns::On(DnsSpec::default())
                } else {
                    Dns::Off
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Dns, A::Error> {
                DnsSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Dns::On)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// One allowed path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Flow {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub ports: Vec<PortValue>,
    /// Open only inside this window of `spec.windows`.
    #[serde(default)]
    pub window: Option<String>,
    /// The requests allowed on the flow's ports (Cilium backend only): a
    /// request passes if one rule matches.
    #[serde(default)]
    pub http: Vec<HttpRule>,
}

/// A time-limited opening: from each time `schedule` names, for `duration`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowSpec {
    /// A CronJob schedule: five fields, or `@daily`, `@weekly`, ...
    pub schedule: String,
    /// How long it stays open: `2h`, `90m`, `1h30m`.
    pub duration: String,
    /// An IANA zone name (CronJob `timeZone`); default `Etc/UTC`.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// The image and settings of the window CronJobs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowRunner {
    /// An image with `sh`, `date` and `kubectl`.
    #[serde(default)]
    pub image: Option<String>,
    /// Where the runner reaches the API server when egress is denied: the
    /// addresses of its endpoints (`kubectl get endpoints kubernetes -n
    /// default`) and ports (default 443 and 6443, TCP).
    #[serde(default)]
    pub api_server: Option<ApiServer>,
}

/// The API server's addresses, as the window runner's egress needs them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiServer {
    pub cidr: String,
    #[serde(default)]
    pub except: Vec<String>,
    #[serde(default)]
    pub ports: Vec<PortValue>,
}

/// An assertion on the rendered result.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expect {
    pub from: String,
    pub to: String,
    pub port: PortValue,
    pub allowed: bool,
}

/// A port as written: a number, or a string (name, `53/UDP`, `8000-8010/TCP`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortValue {
    Number(i64),
    Text(String),
}

impl Default for PortValue {
    fn default() -> Self {
        PortValue::Number(0)
    }
}

impl std::fmt::Display for PortValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortValue::Number(n) => write!(f, "{n}"),
            PortValue::Text(s) => f.write_str(s),
        }
    }
}
