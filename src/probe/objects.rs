//! The Kubernetes objects that carry a [`Plan`] into a cluster.
//!
//! Per namespace with probes: a ConfigMap with the matrix of the checks
//! whose source is there, a headless Service whose name is the subdomain
//! of every probe server pod (so `<server>.netpolgen-probe.<namespace>.svc`
//! resolves to the pod without any API access), one Deployment per class
//! that is a destination (one replica serving the class's ports), and one
//! Job per class that is a source (its pod tries the class's checks).
//! Namespaces that only the intent names come first. Every pod carries
//! its class's labels plus [`PROBE_LABEL`], and never becomes Ready (a
//! readiness gate nobody sets), so the Services of the real workloads,
//! which select it too, send it no traffic.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::names::{PROBE_LABEL, SERVICE_NAME};
use super::{Matrix, Plan, Probe};
use crate::k8s::{Labels, NAMESPACE_NAME_LABEL};

/// Where the runner finds the matrix.
pub const MATRIX_DIR: &str = "/etc/netpolgen-probe";
/// The matrix's key in the ConfigMap (and file name in [`MATRIX_DIR`]).
pub const MATRIX_KEY: &str = "matrix.json";
/// The readiness gate that keeps probe pods out of every Service's ready
/// endpoints.
pub const NEVER_READY: &str = "netpolgen.io/never-ready";
/// The user and group of the image (see the Dockerfile).
const IMAGE_USER: u32 = 65532;

/// The image of this version.
pub fn default_image() -> String {
    format!("ghcr.io/netpolgen/netpolgen:{}", env!("CARGO_PKG_VERSION"))
}

/// How the objects run the probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectOptions {
    pub image: String,
    /// The cluster's DNS domain (`cluster.local`).
    pub cluster_domain: String,
    /// Extra arguments of every `probe run` (timeouts, retries).
    pub run_args: Vec<String>,
    /// The Jobs' `activeDeadlineSeconds`.
    pub job_deadline_seconds: u64,
}

/// Every object of the plan, in apply order.
pub fn objects(plan: &Plan, o: &ObjectOptions) -> Vec<Value> {
    let mut out: Vec<Value> = plan
        .created
        .iter()
        .map(|ns| namespace(ns, plan.namespaces.get(ns)))
        .collect();
    for (ns, probes) in by_namespace(plan) {
        let matrix = Matrix::of(plan, Some(ns), &o.cluster_domain);
        let servers: Vec<&Probe> = probes
            .iter()
            .copied()
            .filter(|p| plan.checks.iter().any(|c| c.to == p.id))
            .collect();
        let runners: Vec<&Probe> = probes
            .iter()
            .copied()
            .filter(|p| matrix.checks.iter().any(|c| c.from == p.id))
            .collect();
        if !runners.is_empty() {
            out.push(config_map(ns, &matrix));
        }
        if !servers.is_empty() {
            out.push(service(ns));
        }
        out.extend(servers.iter().map(|p| deployment(p, o)));
        out.extend(runners.iter().map(|p| job(p, o)));
    }
    out
}

/// References to every object of the plan, in delete order, as `kubectl
/// delete -f` reads them.
pub fn references(plan: &Plan, o: &ObjectOptions) -> Vec<Value> {
    let mut refs: Vec<Value> = objects(plan, o)
        .iter()
        .map(|v| {
            let mut metadata = json!({"name": v["metadata"]["name"]});
            if let Some(ns) = v["metadata"].get("namespace") {
                metadata["namespace"] = ns.clone();
            }
            json!({"apiVersion": v["apiVersion"], "kind": v["kind"], "metadata": metadata})
        })
        .collect();
    refs.reverse();
    refs
}

fn by_namespace(plan: &Plan) -> BTreeMap<&str, Vec<&Probe>> {
    let mut out: BTreeMap<&str, Vec<&Probe>> = BTreeMap::new();
    for p in &plan.probes {
        out.entry(p.namespace.as_str()).or_default().push(p);
    }
    out
}

/// The labels of every probe object (not of its pods).
fn object_labels() -> Value {
    json!({"app.kubernetes.io/managed-by": "netpolgen", PROBE_LABEL: "true"})
}

/// A probe pod's labels: its class's and [`PROBE_LABEL`].
fn pod_labels(p: &Probe) -> Labels {
    let mut labels = p.labels.clone();
    labels.insert(PROBE_LABEL.into(), "true".into());
    labels
}

fn namespace(name: &str, labels: Option<&Labels>) -> Value {
    let mut all: Labels = labels.cloned().unwrap_or_default();
    all.remove(NAMESPACE_NAME_LABEL);
    all.insert("app.kubernetes.io/managed-by".into(), "netpolgen".into());
    all.insert(PROBE_LABEL.into(), "true".into());
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": all}})
}

fn config_map(ns: &str, matrix: &Matrix) -> Value {
    let text = matrix.to_text();
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": SERVICE_NAME, "namespace": ns, "labels": object_labels()},
        "data": {MATRIX_KEY: text},
    })
}

fn service(ns: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": SERVICE_NAME, "namespace": ns, "labels": object_labels()},
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": true,
            "selector": {PROBE_LABEL: "true"},
        },
    })
}

fn metadata(name: &str, p: &Probe) -> Value {
    json!({
        "name": name,
        "namespace": p.namespace,
        "labels": object_labels(),
        "annotations": {"netpolgen.io/stands-for": p.stands_for.join(", ")},
    })
}

/// The pod settings every probe pod shares: no API token, no Service
/// environment, never Ready, unprivileged (the restricted Pod Security
/// level), small. A server pod gets its hostname under the headless
/// Service, and the sysctl that lets it bind ports below 1024.
fn pod_spec(server: Option<&Probe>, container: Value) -> Value {
    let mut spec = json!({});
    if let Some(p) = server {
        spec["hostname"] = json!(p.server_name());
        spec["subdomain"] = json!(SERVICE_NAME);
    }
    spec["automountServiceAccountToken"] = json!(false);
    spec["enableServiceLinks"] = json!(false);
    spec["terminationGracePeriodSeconds"] = json!(1);
    spec["readinessGates"] = json!([{"conditionType": NEVER_READY}]);
    let mut security = json!({
        "runAsNonRoot": true,
        "runAsUser": IMAGE_USER,
        "runAsGroup": IMAGE_USER,
        "seccompProfile": {"type": "RuntimeDefault"},
    });
    if server.is_some_and(|p| p.ports.iter().any(|cp| cp.port < 1024)) {
        // A safe sysctl (allowed at every Pod Security level).
        security["sysctls"] =
            json!([{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]);
    }
    spec["securityContext"] = security;
    spec["containers"] = json!([container]);
    spec
}

fn container(name: &str, image: &str, command: Vec<String>, ports: Option<Value>) -> Value {
    let mut c = json!({"name": name, "image": image, "command": command});
    if let Some(ports) = ports {
        c["ports"] = ports;
    }
    c["securityContext"] = json!({
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "capabilities": {"drop": ["ALL"]},
    });
    c["resources"] = json!({
        "requests": {"cpu": "10m", "memory": "16Mi"},
        "limits": {"memory": "64Mi"},
    });
    c
}

fn deployment(p: &Probe, o: &ObjectOptions) -> Value {
    let ports: Vec<String> = p
        .profile()
        .iter()
        .map(|(port, proto)| format!("{port}/{proto}"))
        .collect();
    let command = ["netpolgen", "probe", "serve", "--id", &p.id, "--ports"]
        .iter()
        .map(|s| s.to_string())
        .chain([ports.join(",")])
        .collect();
    let container_ports = p
        .ports
        .iter()
        .map(|cp| match &cp.name {
            Some(name) => {
                json!({"name": name, "containerPort": cp.port, "protocol": cp.protocol.as_str()})
            }
            None => json!({"containerPort": cp.port, "protocol": cp.protocol.as_str()}),
        })
        .collect();
    let c = container("serve", &o.image, command, Some(container_ports));
    let spec = pod_spec(Some(p), c);
    let labels = pod_labels(p);
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(&p.server_name(), p),
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": spec},
        },
    })
}

fn job(p: &Probe, o: &ObjectOptions) -> Value {
    let matrix = format!("{MATRIX_DIR}/{MATRIX_KEY}");
    let command = [
        "netpolgen",
        "probe",
        "run",
        "--matrix",
        &matrix,
        "--as",
        &p.id,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(o.run_args.iter().cloned())
    .collect();
    let mut c = container("run", &o.image, command, None);
    c["volumeMounts"] = json!([{"name": "matrix", "mountPath": MATRIX_DIR, "readOnly": true}]);
    let mut spec = pod_spec(None, c);
    spec["restartPolicy"] = json!("Never");
    spec["volumes"] = json!([{"name": "matrix", "configMap": {"name": SERVICE_NAME}}]);
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(&p.job_name(), p),
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": o.job_deadline_seconds,
            "template": {"metadata": {"labels": pod_labels(p)}, "spec": spec},
        },
    })
}
