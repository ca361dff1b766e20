//! Maintenance windows in the cluster: the window's policies kept apart
//! from those always in force, and the objects that apply them at each
//! opening and delete them at each closing.
//!
//! Per window `<w>` (names end in the set's suffix):
//!
//! - ConfigMap `netpolgen-window-<w>`: the window's policies
//!   (`policies.yaml`) and the runner's `open.sh` and `close.sh`;
//! - CronJobs `netpolgen-window-<w>-open` (the window's schedule) and
//!   `netpolgen-window-<w>-close` (the schedule moved by the duration, in
//!   the same `timeZone`), each running the runner image with the
//!   ConfigMap mounted;
//! - ServiceAccount, Role and RoleBinding `netpolgen-window-<w>`: the
//!   runner may get, create, patch and delete the window's policies by
//!   name, nothing else. `kubectl apply --server-side` sends a PATCH to the
//!   policy's own URL, which the API server authorizes as `create` of that
//!   name when the policy does not exist, so `resourceNames` covers it
//!   (a plain POST has no name and could not be scoped).
//!
//! The applied policies say they are managed outside GitOps: Argo CD
//! ignores them as extraneous and Flux never prunes them, so neither
//! fights the runner.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::CiliumRendered;
use crate::k8s::cilium::CILIUM_API_GROUP;
use crate::k8s::{Labels, NetworkPolicy, yaml};
use crate::model::windows::{self, DEFAULT_IMAGE, Window};
use crate::model::{Model, windows::runner_labels};
use crate::spec::Backend;

/// The label every window object and policy carries: the window's name.
pub const WINDOW_LABEL: &str = "netpolgen.io/window";
pub use crate::k8s::expiry::EXPIRES;
/// Where the ConfigMap is mounted in the runner.
const MOUNT: &str = "/netpolgen";
/// The field manager of the runner's server-side apply.
const FIELD_MANAGER: &str = "netpolgen-window";

/// The policies always in force, and each window's own (NetworkPolicies
/// with the kubernetes backend, CiliumNetworkPolicies with cilium).
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub policies: Vec<NetworkPolicy>,
    pub windows: BTreeMap<String, Vec<NetworkPolicy>>,
    pub cilium: Vec<CiliumRendered>,
    pub cilium_windows: BTreeMap<String, Vec<CiliumRendered>>,
}

impl Split {
    /// The policies in force while exactly the windows `open` are open:
    /// NetworkPolicies and CiliumNetworkPolicies, each sorted by name.
    pub fn state(&self, open: &[&str]) -> (Vec<NetworkPolicy>, Vec<CiliumRendered>) {
        let mut policies = self.policies.clone();
        let mut cilium = self.cilium.clone();
        for w in open {
            policies.extend(self.windows.get(*w).into_iter().flatten().cloned());
            cilium.extend(self.cilium_windows.get(*w).into_iter().flatten().cloned());
        }
        policies.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        cilium.sort_by(|a, b| a.name().cmp(b.name()));
        (policies, cilium)
    }
}

/// Takes each window's policies out of what the render yielded, marked as
/// the window's.
pub fn split(model: &Model, policies: Vec<NetworkPolicy>, cilium: Vec<CiliumRendered>) -> Split {
    let mut out = Split::default();
    for name in model.windows.keys() {
        out.windows.insert(name.clone(), Vec::new());
        out.cilium_windows.insert(name.clone(), Vec::new());
    }
    for mut p in policies {
        match windows::owner(&model.windows, &p.metadata.name) {
            Some(w) => {
                mark(&mut p.metadata.labels, &mut p.metadata.annotations, w);
                out.windows.get_mut(w).expect("every window").push(p);
            }
            None => out.policies.push(p),
        }
    }
    for mut c in cilium {
        match windows::owner(&model.windows, c.name()) {
            Some(w) => {
                let w = w.to_string();
                mark_value(&mut c.value, &w);
                out.cilium_windows
                    .get_mut(&w)
                    .expect("every window")
                    .push(c);
            }
            None => out.cilium.push(c),
        }
    }
    out
}

fn mark(labels: &mut Labels, annotations: &mut Labels, window: &str) {
    labels.insert(WINDOW_LABEL.into(), window.into());
    annotations.insert(
        "argocd.argoproj.io/compare-options".into(),
        "IgnoreExtraneous".into(),
    );
    annotations.insert(
        "kustomize.toolkit.fluxcd.io/prune".into(),
        "disabled".into(),
    );
}

/// [`mark`] on a rendered document (a CiliumNetworkPolicy), whose
/// metadata is plain JSON.
fn mark_value(doc: &mut Value, window: &str) {
    let meta = &mut doc["metadata"];
    let mut labels: Labels = serde_json::from_value(meta["labels"].take()).unwrap_or_default();
    let mut annotations: Labels =
        serde_json::from_value(meta["annotations"].take()).unwrap_or_default();
    mark(&mut labels, &mut annotations, window);
    meta["labels"] = json!(labels);
    meta["annotations"] = json!(annotations);
}

/// The objects that open and close every window, in a stable order.
pub fn machinery(model: &Model, split: &Split, image: Option<&str>) -> Vec<Value> {
    let image = image.unwrap_or(DEFAULT_IMAGE);
    let mut out = Vec::new();
    for (name, w) in &model.windows {
        let policies = match model.backend {
            Backend::Kubernetes => yaml::to_stream(&split.windows[name]),
            Backend::Cilium => {
                let docs: Vec<&Value> = split.cilium_windows[name]
                    .iter()
                    .map(|c| &c.value)
                    .collect();
                yaml::to_stream(&docs)
            }
        };
        out.extend(window_objects(model, w, &policies, image));
    }
    out
}

fn metadata(model: &Model, w: &Window, name: &str) -> Value {
    let mut labels = model.labels.clone();
    labels.insert("app.kubernetes.io/managed-by".into(), "netpolgen".into());
    labels.insert(WINDOW_LABEL.into(), w.name.clone());
    json!({"name": name, "namespace": model.namespace, "labels": labels})
}

fn window_objects(model: &Model, w: &Window, policies: &str, image: &str) -> Vec<Value> {
    let ns = &model.namespace;
    let (api_group, resource, kinds) = match model.backend {
        Backend::Kubernetes => ("networking.k8s.io", "networkpolicies", "NetworkPolicies"),
        Backend::Cilium => (
            CILIUM_API_GROUP,
            "ciliumnetworkpolicies",
            "CiliumNetworkPolicies",
        ),
    };
    let mut config = metadata(model, w, &w.object);
    config["annotations"] = json!({
        "netpolgen.io/schedule": w.schedule,
        "netpolgen.io/close-schedule": w.close_schedule,
        "netpolgen.io/duration": w.duration,
        "netpolgen.io/time-zone": w.time_zone,
    });
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(model, w, &w.object),
            "automountServiceAccountToken": true,
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": metadata(model, w, &w.object),
            "rules": [{
                "apiGroups": [api_group],
                "resources": [resource],
                "resourceNames": w.policies,
                "verbs": ["get", "create", "patch", "delete"],
            }],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata(model, w, &w.object),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": w.object},
            "subjects": [{"kind": "ServiceAccount", "name": w.object, "namespace": ns}],
        }),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": config,
            "data": {
                "policies.yaml": policies,
                "open.sh": open_script(ns, w, kinds),
                "close.sh": close_script(ns, w, kinds),
            },
        }),
        cronjob(model, w, &w.open_job, &w.schedule, "open", image),
        cronjob(model, w, &w.close_job, &w.close_schedule, "close", image),
    ]
}

/// A job must finish well inside the window, so an opening never runs
/// after its closing.
fn deadline(w: &Window) -> u32 {
    (w.minutes * 60 / 2).clamp(30, 600)
}

fn cronjob(
    model: &Model,
    w: &Window,
    name: &str,
    schedule: &str,
    action: &str,
    image: &str,
) -> Value {
    let mut labels = runner_labels();
    labels.insert(WINDOW_LABEL.into(), w.name.clone());
    let mut spec = json!({
        "schedule": schedule,
        "timeZone": w.time_zone,
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": deadline(w),
        "successfulJobsHistoryLimit": 1,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {"spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": deadline(w),
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": w.object,
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "kubectl",
                        "image": image,
                        "command": ["sh", format!("{MOUNT}/{action}.sh")],
                        "env": [{"name": "HOME", "value": "/tmp"}],
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "runAsNonRoot": true,
                            "capabilities": {"drop": ["ALL"]},
                        },
                        "volumeMounts": [
                            {"name": "window", "mountPath": MOUNT, "readOnly": true},
                            {"name": "tmp", "mountPath": "/tmp"},
                        ],
                    }],
                    "volumes": [
                        {"name": "window", "configMap": {"name": w.object}},
                        {"name": "tmp", "emptyDir": {}},
                    ],
                },
            },
        }},
    });
    // An opening missed by more than the deadline is skipped (the window
    // stays shut); a closing always runs, however late.
    if action == "close"
        && let Some(spec) = spec.as_object_mut()
    {
        spec.shift_remove("startingDeadlineSeconds");
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata(model, w, name),
        "spec": spec,
    })
}

fn open_script(ns: &str, w: &Window, kinds: &str) -> String {
    format!(
        r#"#!/bin/sh
# Opens the window {name}: applies its {kinds} for {duration}.
set -eu
kubectl apply --server-side --field-manager={FIELD_MANAGER} --force-conflicts \
  --namespace {ns} --filename {MOUNT}/policies.yaml
expires=$(date -u -d "@$(( $(date -u +%s) + {seconds} ))" +%Y-%m-%dT%H:%M:%SZ)
kubectl annotate --overwrite --namespace {ns} --filename {MOUNT}/policies.yaml \
  "{EXPIRES}=$expires"
echo "window {name} open until $expires"
"#,
        name = w.name,
        duration = w.duration,
        seconds = u64::from(w.minutes) * 60,
    )
}

fn close_script(ns: &str, w: &Window, kinds: &str) -> String {
    format!(
        r#"#!/bin/sh
# Closes the window {name}: deletes its {kinds}.
set -eu
kubectl delete --ignore-not-found --wait=false \
  --namespace {ns} --filename {MOUNT}/policies.yaml
echo "window {name} closed"
"#,
        name = w.name,
    )
}
