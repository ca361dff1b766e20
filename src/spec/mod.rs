//! The `NetworkPolicySet` configuration (netpolgen.io/v1alpha1), as typed
//! serde structs. Unknown fields are errors. Maps are sorted, so the order of
//! keys in the file never changes the output.

mod chain;
pub mod detect;
pub mod files;
pub mod merge;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
    #[serde(default)]
    pub peers: BTreeMap<String, PeerSpec>,
    #[serde(default)]
    pub flows: BTreeMap<String, Flow>,
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Free-form values for custom templates.
    #[serde(default)]
    pub values: serde_json::Value,
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
}

/// One allowed path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Flow {
    pub from: String,
    pub to: String,
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
