//! What a workload manifest says about its pods: the pod template's
//! labels and the containers' ports.

use serde_json::Value;

use crate::k8s::{ContainerPort, Labels, Protocol};

/// JSON pointer to the pod template of a workload kind ("" for a Pod).
pub fn pod_template_path(kind: &str) -> Option<&'static str> {
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

pub fn labels_at(v: &Value, pointer: &str) -> Result<Labels, String> {
    match v.pointer(pointer) {
        None | Some(Value::Null) => Ok(Labels::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, val)| match val {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Bool(b) => Err(format!(
                    "label {k:?}: kubectl reads this unquoted value as the boolean {b} and rejects \
                     the object (json: cannot unmarshal bool into Go struct field \
                     ObjectMeta.metadata.labels of type string); quote it"
                )),
                other => Err(format!("label {k:?} must be a string, found {other}")),
            })
            .collect(),
        Some(other) => Err(format!("labels must be a map, found {other}")),
    }
}

pub fn container_ports(v: &Value, spec: &str) -> Result<Vec<ContainerPort>, (String, String)> {
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
