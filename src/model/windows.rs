//! `spec.windows`: maintenance windows, the flows open only inside them,
//! and the runner that opens and closes them in the cluster.
//!
//! A window's flows render like any other flow; the render keeps their
//! policies apart (`crate::render::windows`) and two CronJobs apply them
//! at the window's opening and delete them at its closing. Where egress is
//! denied, the runner's pods need to reach the API server: the service
//! [`RUNNER`], the peer [`API_SERVER`] (`spec.windowRunner.apiServer`) and
//! the flow between them join the intent, so the proof covers that path
//! like every other.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::Flow;
use super::build::{Builder, spec_path};
use super::schedule::{self, Schedule};
use crate::k8s::{Labels, PolicyType, names};
use crate::spec::{self, NetworkPolicySet, PortValue};

/// The service the window runner's pods are.
pub const RUNNER: &str = "netpolgen-window-runner";
/// The peer the runner reaches the API server at.
pub const API_SERVER: &str = "kube-apiserver";
/// The runner's flow to the API server.
pub const RUNNER_FLOW: &str = "netpolgen-window-runner-to-kube-apiserver";
/// The image the runner uses unless `spec.windowRunner.image` says otherwise.
pub const DEFAULT_IMAGE: &str = "docker.io/bitnami/kubectl:1.31";
/// The time zone of a window without `timeZone`.
pub const DEFAULT_ZONE: &str = "Etc/UTC";
/// CronJob names longer than this leave no room for their Jobs' names.
const CRONJOB_NAME_MAX: usize = 52;

/// A validated window.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    pub name: String,
    /// The opening schedule (descriptors expanded).
    pub schedule: String,
    /// The closing schedule: the opening moved by the duration.
    pub close_schedule: String,
    pub time_zone: String,
    /// Whole minutes the window lasts.
    pub minutes: u32,
    /// `2h`, `1h30m`: the duration as netpolgen writes it.
    pub duration: String,
    /// The ids of the flows open only inside it, sorted.
    pub flows: Vec<String>,
    /// The policies those flows render, sorted.
    pub policies: Vec<String>,
    /// Its ConfigMap, ServiceAccount, Role and RoleBinding.
    pub object: String,
    pub open_job: String,
    pub close_job: String,
    #[serde(skip)]
    pub cron: Schedule,
}

/// The runner's pod labels.
pub fn runner_labels() -> Labels {
    Labels::from_iter([
        ("app.kubernetes.io/name".into(), RUNNER.into()),
        ("app.kubernetes.io/managed-by".into(), "netpolgen".into()),
    ])
}

fn egress_denied(set: &NetworkPolicySet) -> bool {
    set.spec
        .default_deny
        .as_ref()
        .is_some_and(|d| d.contains(&PolicyType::Egress))
}

/// The set with the runner's path to the API server added, when windows
/// exist, egress is denied and `spec.windowRunner.apiServer` says where
/// the API server is (its absence is reported by the build).
pub fn with_runner(set: &NetworkPolicySet) -> Cow<'_, NetworkPolicySet> {
    let spec = &set.spec;
    let api = spec
        .window_runner
        .as_ref()
        .and_then(|r| r.api_server.as_ref());
    let (false, true, Some(api)) = (spec.windows.is_empty(), egress_denied(set), api) else {
        return Cow::Borrowed(set);
    };
    if spec.services.contains_key(RUNNER)
        || spec.peers.contains_key(API_SERVER)
        || spec.flows.contains_key(RUNNER_FLOW)
    {
        return Cow::Borrowed(set);
    }
    let mut out = set.clone();
    let s = &mut out.spec;
    s.services.insert(
        RUNNER.into(),
        spec::Service {
            labels: runner_labels(),
            selector: None,
            ports: BTreeMap::new(),
        },
    );
    s.peers.insert(
        API_SERVER.into(),
        spec::PeerSpec {
            cidr: Some(api.cidr.clone()),
            except: api.except.clone(),
            ..Default::default()
        },
    );
    let ports = if api.ports.is_empty() {
        vec![
            PortValue::Text("443/TCP".into()),
            PortValue::Text("6443/TCP".into()),
        ]
    } else {
        api.ports.clone()
    };
    s.flows.insert(
        RUNNER_FLOW.into(),
        spec::Flow {
            from: RUNNER.into(),
            to: API_SERVER.into(),
            ports,
            window: None,
            http: Vec::new(),
        },
    );
    Cow::Owned(out)
}

impl Builder<'_> {
    /// The windows of `spec.windows`, each with its flows; every flow's
    /// `window` checked.
    pub(super) fn windows(&mut self, flows: &[Flow], suffix: &str) -> BTreeMap<String, Window> {
        let spec = &self.set.spec;
        for (id, f) in &spec.flows {
            if let Some(w) = &f.window
                && !spec.windows.contains_key(w)
            {
                let known: Vec<&str> = spec.windows.keys().map(String::as_str).collect();
                let known = if known.is_empty() {
                    "spec.windows is empty".to_string()
                } else {
                    format!("known: {}", known.join(", "))
                };
                self.error(
                    spec_path(&["flows"]).key(id).key("window"),
                    format!("{w:?} is not a window of spec.windows ({known})"),
                );
            }
        }
        if spec.windows.is_empty() {
            return BTreeMap::new();
        }
        self.runner_checks();
        let mut out = BTreeMap::new();
        let set = self.set;
        for (name, w) in &set.spec.windows {
            if let Some(window) = self.window(name, w, flows, suffix) {
                out.insert(name.clone(), window);
            }
        }
        out
    }

    fn runner_checks(&mut self) {
        let spec = &self.set.spec;
        let field = spec_path(&["windowRunner"]);
        if let Some(image) = spec.window_runner.as_ref().and_then(|r| r.image.as_deref())
            && image.trim().is_empty()
        {
            self.error(
                field.key("image"),
                "an empty image; leave it out for the default",
            );
        }
        let api = spec
            .window_runner
            .as_ref()
            .and_then(|r| r.api_server.as_ref());
        if egress_denied(self.set) && api.is_none() {
            self.error(
                field.key("apiServer"),
                "egress is denied, so the window runner cannot reach the API server: give \
                 spec.windowRunner.apiServer.cidr (the addresses of `kubectl get endpoints \
                 kubernetes -n default`)",
            );
        }
        if !egress_denied(self.set) && api.is_some() {
            self.error(
                field.key("apiServer"),
                "egress is not denied in this namespace, so the runner needs no path to the API server; remove apiServer",
            );
        }
    }

    fn window(
        &mut self,
        name: &str,
        w: &spec::WindowSpec,
        flows: &[Flow],
        suffix: &str,
    ) -> Option<Window> {
        let field = spec_path(&["windows"]).key(name);
        self.check(field.clone(), names::dns1123_label(name));
        let minutes = match schedule::minutes(&w.duration) {
            Ok(m) => Some(m),
            Err(e) => {
                self.error(field.key("duration"), e);
                None
            }
        };
        let zone = w.time_zone.as_deref().unwrap_or(DEFAULT_ZONE);
        let cron = match minutes.map(|m| Schedule::new(&w.schedule, m, zone)) {
            Some(Ok(c)) => Some(c),
            Some(Err((key, e))) => {
                self.error(field.key(key), e);
                None
            }
            None => None,
        };
        let mine: Vec<&Flow> = flows
            .iter()
            .filter(|f| f.window.as_deref() == Some(name))
            .collect();
        if mine.is_empty() {
            self.error(
                field.clone(),
                format!("no flow names this window; give a flow `window: {name}` or remove it"),
            );
        }
        let object = format!("netpolgen-window-{name}{suffix}");
        let open_job = format!("netpolgen-window-{name}-open{suffix}");
        let close_job = format!("netpolgen-window-{name}-close{suffix}");
        for job in [&open_job, &close_job] {
            if job.len() > CRONJOB_NAME_MAX {
                self.error(
                    field.clone(),
                    format!(
                        "the CronJob name {job:?} is {} characters, more than the {CRONJOB_NAME_MAX} Kubernetes allows; shorten the window's name",
                        job.len()
                    ),
                );
            }
        }
        let cron = cron?;
        let mut policies: Vec<String> = mine
            .iter()
            .flat_map(|f| f.ingress_name.iter().chain(f.egress_name.iter()))
            .cloned()
            .collect();
        policies.sort();
        policies.dedup();
        Some(Window {
            name: name.to_string(),
            schedule: cron.open.clone(),
            close_schedule: cron.close.clone(),
            time_zone: zone.to_string(),
            minutes: cron.minutes,
            duration: schedule::human(cron.minutes),
            flows: mine.iter().map(|f| f.id.clone()).collect(),
            policies,
            object,
            open_job,
            close_job,
            cron,
        })
    }
}

/// The window whose flows render the policy named `policy`, if any.
pub fn owner<'a>(windows: &'a BTreeMap<String, Window>, policy: &str) -> Option<&'a str> {
    windows
        .values()
        .find(|w| w.policies.iter().any(|p| p == policy))
        .map(|w| w.name.as_str())
}
