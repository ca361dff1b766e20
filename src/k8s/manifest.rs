//! Reading arbitrary Kubernetes manifests for analysis: files, directories
//! (walked for `*.yaml`/`*.yml`), stdin (`-`); multi-document streams,
//! `kind: List` and `kind: ResourceList` are unwrapped. Namespaces,
//! workloads (pod-template labels and containerPorts), NetworkPolicies and
//! the cluster-wide tier policies (`policy.networking.k8s.io`) are
//! extracted; everything else is counted and skipped.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::field::FieldPath;
use crate::diag::{Diagnostic, Errors};
use crate::k8s::tiers::{TierPolicy, parse_tier_policy, tier_kind};
use crate::k8s::yaml;
use crate::k8s::{ContainerPort, Labels, NetworkPolicy, Protocol, Workload};

/// The namespace of namespaced objects that name none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// One YAML document and where it came from.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: String,
    /// Index of the document in its file (items of a List count separately).
    pub index: usize,
    pub value: Value,
}

/// Where an extracted object came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub index: usize,
    pub kind: String,
}

/// What analysis needs from a set of manifests.
#[derive(Debug, Clone, Default)]
pub struct Manifests {
    /// Declared namespaces and their labels.
    pub namespaces: BTreeMap<String, Labels>,
    pub workloads: Vec<Workload>,
    pub workload_origins: Vec<Origin>,
    pub policies: Vec<NetworkPolicy>,
    pub policy_origins: Vec<Origin>,
    /// ClusterNetworkPolicies, AdminNetworkPolicies and the
    /// BaselineAdminNetworkPolicy, each with what it leaves unevaluated.
    pub tiers: Vec<TierPolicy>,
    pub tier_origins: Vec<Origin>,
    /// Documents of other kinds, skipped.
    pub skipped: usize,
}

/// A manifest text and the name it is known by (a path, or `stdin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub text: String,
}

/// Parses a stream, unwrapping `List` and `ResourceList` documents.
pub fn parse_text(text: &str, file: &str) -> Result<Vec<Doc>, Errors> {
    let values = yaml::parse_documents(text).map_err(|e| {
        Diagnostic::error(format!("invalid YAML: {}", e.message))
            .in_file(file)
            .at_line(e.line)
    })?;
    let mut docs = Vec::new();
    for value in values {
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let is_list = (kind == "List"
            || kind == "ResourceList"
            || kind.ends_with("List") && value.get("items").is_some())
            && value.get("items").is_some_and(Value::is_array);
        if is_list {
            for item in value["items"].as_array().into_iter().flatten() {
                docs.push(Doc {
                    file: file.to_string(),
                    index: docs.len(),
                    value: item.clone(),
                });
            }
        } else {
            docs.push(Doc {
                file: file.to_string(),
                index: docs.len(),
                value,
            });
        }
    }
    Ok(docs)
}

/// Extracts namespaces, workloads and policies. Malformed objects of the
/// kinds analysis reads are errors naming the file and field.
pub fn from_docs(docs: &[Doc]) -> Result<Manifests, Errors> {
    let mut m = Manifests::default();
    let mut errors = Vec::new();
    for doc in docs {
        let v = &doc.value;
        let kind = v
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let origin = Origin {
            file: doc.file.clone(),
            index: doc.index,
            kind: kind.clone(),
        };
        let error = |field: &str, msg: String| {
            Diagnostic::error(format!("document {}: {msg}", doc.index + 1))
                .in_file(doc.file.clone())
                .at_field(FieldPath::parse(field))
        };
        let name = v
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let namespace = v
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_NAMESPACE)
            .to_string();
        if tier_kind(v).is_some() {
            match parse_tier_policy(v) {
                Ok(p) => {
                    m.tiers.push(p);
                    m.tier_origins.push(origin);
                }
                Err(e) => errors.push(error(&e.path.to_string(), e.message)),
            }
            continue;
        }
        match kind.as_str() {
            "Namespace" => match labels_at(v, "/metadata/labels") {
                Ok(labels) => {
                    m.namespaces.entry(name).or_default().extend(labels);
                }
                Err(msg) => errors.push(error("metadata.labels", msg)),
            },
            "NetworkPolicy" => match serde_path_to_error::deserialize::<_, NetworkPolicy>(v) {
                Ok(mut p) => {
                    p.metadata.namespace = Some(namespace);
                    m.policies.push(p);
                    m.policy_origins.push(origin);
                }
                Err(e) => errors.push(error(
                    &FieldPath::from(e.path()).to_string(),
                    e.into_inner().to_string(),
                )),
            },
            _ => {
                let Some(template) = pod_template_path(&kind) else {
                    m.skipped += 1;
                    continue;
                };
                let labels_path = if template.is_empty() {
                    "/metadata/labels".to_string()
                } else {
                    format!("{template}/metadata/labels")
                };
                let spec_path = format!("{template}/spec");
                match (labels_at(v, &labels_path), container_ports(v, &spec_path)) {
                    (Ok(labels), Ok(ports)) => {
                        m.workloads.push(Workload {
                            namespace,
                            name,
                            labels,
                            ports,
                        });
                        m.workload_origins.push(origin);
                    }
                    (Err(msg), _) => errors.push(error(
                        &labels_path.trim_start_matches('/').replace('/', "."),
                        msg,
                    )),
                    (_, Err((field, msg))) => errors.push(error(&field, msg)),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(m)
    } else {
        Err(Errors(errors))
    }
}

/// Sets `metadata.namespace` of a workload or NetworkPolicy that names
/// none; other kinds (cluster-scoped ones among them) are left alone.
pub fn default_namespace(value: &mut Value, namespace: &str) {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind != "NetworkPolicy" && pod_template_path(kind).is_none() {
        return;
    }
    let Some(Value::Object(meta)) = value.get_mut("metadata") else {
        return;
    };
    let named = meta
        .get("namespace")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if !named {
        meta.insert("namespace".into(), Value::String(namespace.to_string()));
    }
}

/// JSON pointer to the pod template of a workload kind ("" for a Pod).
fn pod_template_path(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some(""),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => Some("/spec/template"),
        "CronJob" => Some("/spec/jobTemplate/spec/template"),
        _ => None,
    }
}

fn labels_at(v: &Value, pointer: &str) -> Result<Labels, String> {
    match v.pointer(pointer) {
        None | Some(Value::Null) => Ok(Labels::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, val)| match val {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(format!("label {k:?} must be a string, found {other}")),
            })
            .collect(),
        Some(other) => Err(format!("labels must be a map, found {other}")),
    }
}

fn container_ports(v: &Value, spec: &str) -> Result<Vec<ContainerPort>, (String, String)> {
    let mut out = Vec::new();
    let base = spec.trim_start_matches('/').replace('/', ".");
    for list in ["containers", "initContainers"] {
        let containers = v
            .pointer(&format!("{spec}/{list}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (ci, c) in containers.iter().enumerate() {
            // Only init containers that keep running (sidecars) serve ports.
            if list == "initContainers"
                && c.get("restartPolicy").and_then(Value::as_str) != Some("Always")
            {
                continue;
            }
            for (pi, p) in c
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let field = format!("{base}.{list}[{ci}].ports[{pi}]");
                let port = p
                    .get("containerPort")
                    .and_then(Value::as_u64)
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| *n > 0);
                let Some(port) = port else {
                    return Err((
                        format!("{field}.containerPort"),
                        "must be a port number 1-65535".into(),
                    ));
                };
                let protocol = match p.get("protocol").and_then(Value::as_str) {
                    None => Protocol::TCP,
                    Some(s) => Protocol::parse(s).ok_or_else(|| {
                        (
                            format!("{field}.protocol"),
                            format!("{s:?} must be TCP, UDP or SCTP"),
                        )
                    })?,
                };
                let name = p.get("name").and_then(Value::as_str).map(str::to_string);
                out.push(ContainerPort {
                    name,
                    port,
                    protocol,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_resource_lists_are_unwrapped() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- {kind: Namespace, metadata: {name: a, labels: {team: x}}}\n---\nkind: ResourceList\nitems:\n- {kind: Pod, metadata: {name: p, namespace: a, labels: {app: p}}, spec: {containers: [{name: c, ports: [{containerPort: 80, name: http}]}]}}\n";
        let docs = parse_text(text, "f.yaml").unwrap();
        assert_eq!(docs.len(), 2);
        let m = from_docs(&docs).unwrap();
        assert_eq!(m.namespaces["a"]["team"], "x");
        assert_eq!(
            m.workloads[0].ports,
            vec![ContainerPort {
                name: Some("http".into()),
                port: 80,
                protocol: Protocol::TCP
            }]
        );
    }

    #[test]
    fn workload_kinds_use_their_pod_template() {
        let text = "kind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: {app: c}}, spec: {containers: [{name: x, ports: [{containerPort: 53, protocol: UDP}]}]}}}}}\n---\nkind: Deployment\nmetadata: {name: d, namespace: n}\nspec: {template: {metadata: {labels: {app: d}}, spec: {containers: [{name: x}]}}}\n---\nkind: Service\nmetadata: {name: s}\n";
        let m = from_docs(&parse_text(text, "f.yaml").unwrap()).unwrap();
        assert_eq!(m.workloads.len(), 2);
        assert_eq!(m.workloads[0].namespace, DEFAULT_NAMESPACE);
        assert_eq!(m.workloads[0].ports[0].protocol, Protocol::UDP);
        assert_eq!(m.workloads[1].labels["app"], "d");
        assert_eq!(m.skipped, 1);
    }

    #[test]
    fn default_namespace_fills_only_namespaced_kinds_without_one() {
        let mut docs = parse_text("kind: Deployment\nmetadata: {name: d}\n---\nkind: Pod\nmetadata: {name: p, namespace: x}\n---\nkind: ClusterRole\nmetadata: {name: r}\n", "f").unwrap();
        for d in &mut docs {
            default_namespace(&mut d.value, "shop");
        }
        assert_eq!(docs[0].value["metadata"]["namespace"], "shop");
        assert_eq!(docs[1].value["metadata"]["namespace"], "x");
        assert!(docs[2].value["metadata"].get("namespace").is_none());
    }

    #[test]
    fn malformed_objects_name_file_and_field() {
        let text = "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, ports: [{containerPort: 0}]}]}\n---\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelecter: {}}\n";
        let err = from_docs(&parse_text(text, "f.yaml").unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.yaml: spec.containers[0].ports[0].containerPort"),
            "{err}"
        );
        assert!(err.contains("spec.podSelecter"), "{err}");
    }
}
