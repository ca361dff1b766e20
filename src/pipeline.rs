//! The one render pipeline, which every mode runs (render, the legacy
//! exec plugin, the KRM function, the Helm post-renderer, Argo CD, diff and
//! the analysis of an intent):
//!
//! ```text
//! spec (base chain merged, typed) -> model (validated) -> render
//!     (templates -> policies) -> verify (allows exactly the declared flows)
//! ```
//!
//! Files are read only through a [`Files`], so the whole pipeline runs on
//! the real disk (`crate::io::Disk`) or in memory alike.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::diag::{Diagnostic, Errors, FieldPath};
use crate::engine::RuleRef;
use crate::k8s::{NetworkPolicy, PolicyType};
use crate::model::{self, Model};
use crate::render::{self, CiliumRendered, Origins, templates, windows};
use crate::spec::files::Files;
use crate::spec::{self, Input, Loaded, detect};
use crate::{proof, verify};

/// One NetworkPolicySet, loaded, modelled, rendered and verified.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub loaded: Loaded,
    pub model: Model,
    /// The policies always in force (kubernetes backend).
    pub policies: Vec<NetworkPolicy>,
    /// What the cilium backend renders (empty with the kubernetes backend).
    pub cilium: Vec<CiliumRendered>,
    /// Each window's policies, in force only while it is open.
    pub windows: BTreeMap<String, Vec<NetworkPolicy>>,
    /// What opens and closes the windows in the cluster.
    pub machinery: Vec<Value>,
    /// The template and document each policy came from, by name.
    pub origins: Origins,
}

impl Rendered {
    /// Everything the render writes: the policies, then the windows'
    /// objects.
    pub fn manifests(&self) -> Vec<Value> {
        let mut out = render::Output {
            policies: self.policies.clone(),
            cilium: self.cilium.clone(),
            origins: Origins::new(),
        }
        .documents();
        out.extend(self.machinery.iter().cloned());
        out
    }

    /// The policies in force at `t`: those always in force and those of
    /// every window open at `t`, sorted by name.
    pub fn at(&self, t: DateTime<Utc>) -> Vec<NetworkPolicy> {
        let mut out = self.policies.clone();
        for (name, policies) in &self.windows {
            if self.model.windows[name].cron.open_at(t).is_some() {
                out.extend(policies.iter().cloned());
            }
        }
        out.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        out
    }
}

/// The NetworkPolicySet at `path`: a file, or the one in a directory.
pub fn input_at(files: &dyn Files, path: &Path) -> Result<Input, Errors> {
    let listed = files.list(path);
    let file = match listed {
        Ok(_) => detect::config_file_in(files, path)?,
        Err(_) => path.to_path_buf(),
    };
    Input::read(files, &file)
}

/// Loads the NetworkPolicySet at `path` with its base chain.
pub fn load_path(files: &dyn Files, path: &Path) -> Result<Loaded, Errors> {
    spec::load(input_at(files, path)?, files)
}

/// What `netpolgen render PATH` does, as data.
pub fn render_path(files: &dyn Files, path: &Path) -> Result<Rendered, Errors> {
    render_loaded(files, load_path(files, path)?)
}

/// Renders a configuration given as text (a KRM functionConfig, the
/// legacy plugin's config).
pub fn render_input(files: &dyn Files, input: Input) -> Result<Rendered, Errors> {
    render_loaded(files, spec::load(input, files)?)
}

/// Models, renders and verifies a loaded configuration.
pub fn render_loaded(files: &dyn Files, loaded: Loaded) -> Result<Rendered, Errors> {
    let model = Arc::new(model::build(&loaded.set).map_err(|e| loaded.map.place_all(e))?);
    let templates = templates::load_for(&loaded.template_dirs, files, model.backend)?;
    let out = render::render_backend(&model, &templates)?;
    // The templates' context is gone with the render: nothing is cloned.
    let model = Arc::unwrap_or_clone(model);
    if model.backend == spec::Backend::Cilium {
        check_cilium(&loaded, &model, &out)?;
        return Ok(Rendered {
            loaded,
            model,
            policies: Vec::new(),
            cilium: out.cilium,
            windows: BTreeMap::new(),
            machinery: Vec::new(),
            origins: out.origins,
        });
    }
    let origins = out.origins;
    let split = windows::split(&model, out.policies);
    check_states(&loaded, &model, &split, &origins)?;
    let image = loaded
        .set
        .spec
        .window_runner
        .as_ref()
        .and_then(|r| r.image.as_deref());
    let machinery = windows::machinery(&model, &split, image);
    Ok(Rendered {
        loaded,
        model,
        policies: split.policies,
        cilium: Vec::new(),
        windows: split.windows,
        machinery,
        origins,
    })
}

/// The stages before verification: the model and the policies the
/// templates yield (for tests of the verification itself).
pub fn unverified(
    files: &dyn Files,
    loaded: &Loaded,
) -> Result<(Model, Vec<NetworkPolicy>), Errors> {
    let model = Arc::new(model::build(&loaded.set).map_err(|e| loaded.map.place_all(e))?);
    let templates = templates::load_for(&loaded.template_dirs, files, model.backend)?;
    let out = render::render_backend(&model, &templates)?;
    let mut policies = out.policies;
    let cilium: Vec<_> = out.cilium.into_iter().map(|c| c.policy).collect();
    policies.extend(proof::cilium::network_policies(&cilium, &model.namespace));
    Ok((Arc::unwrap_or_clone(model), policies))
}

/// Verifies every state the windows can be in: all closed (the policies
/// always in force admit exactly the flows without a window), and each
/// window open alone (with its policies, exactly those flows and its own).
fn check_states(
    loaded: &Loaded,
    model: &Model,
    split: &windows::Split,
    origins: &Origins,
) -> Result<(), Errors> {
    if model.windows.is_empty() {
        return check(loaded, model, &split.policies, origins, "", true, None);
    }
    let state = |open: Option<&str>| {
        let mut m = model.clone();
        m.flows
            .retain(|f| f.window.is_none() || f.window.as_deref() == open);
        m
    };
    let mut errors = Vec::new();
    let closed = check(
        loaded,
        &state(None),
        &split.policies,
        origins,
        " (all windows closed)",
        true,
        None,
    );
    errors.extend(closed.err().into_iter().flat_map(|e| e.0));
    for (name, own) in &split.windows {
        let mut policies = split.policies.clone();
        policies.extend(own.iter().cloned());
        let label = format!(" (window {name} open)");
        let open = check(
            loaded,
            &state(Some(name)),
            &policies,
            origins,
            &label,
            false,
            None,
        );
        errors.extend(open.err().into_iter().flat_map(|e| e.0));
    }
    Errors::check(errors)
}

/// The verification of a Cilium render: the proof on the NetworkPolicies
/// that admit the same at L3 and L4, then the HTTP, FQDN and DNS rules.
fn check_cilium(loaded: &Loaded, model: &Model, out: &render::Output) -> Result<(), Errors> {
    let origins = &out.origins;
    let cilium: Vec<_> = out.cilium.iter().map(|c| c.policy.clone()).collect();
    let (translated, fields) = proof::cilium::translate(&cilium, &model.namespace);
    let l3 = check(loaded, model, &translated, origins, "", true, Some(&fields));
    let mut errors: Vec<Diagnostic> = l3.err().into_iter().flat_map(|e| e.0).collect();
    let map = &loaded.map;
    let flows = FieldPath::keys(&["spec", "flows"]);
    errors.extend(proof::cilium::l7(model, &cilium).into_iter().map(|v| {
        let message = format!("verification failed: {v}");
        match (&v.rule, &v.flow) {
            (Some((policy, path)), _) if origins.contains_key(policy) => Diagnostic::error(message)
                .in_file(origins[policy].clone())
                .at_field(FieldPath::parse(path)),
            (_, Some(flow)) if loaded.set.spec.flows.contains_key(flow) => {
                map.error(flows.key(flow), message)
            }
            _ => Diagnostic::error(message).in_file(map.locate(&flows).0),
        }
    }));
    Errors::check(errors)
}

/// The verification stage: the proof that the policies admit exactly
/// the declared flows, then the `expect` entries. A missing flow is placed
/// on the flow; an over-permissive one on the rule of the template output
/// that admits it.
fn check(
    loaded: &Loaded,
    model: &Model,
    policies: &[NetworkPolicy],
    origins: &Origins,
    state: &str,
    expects: bool,
    cilium: Option<&proof::cilium::Fields>,
) -> Result<(), Errors> {
    let map = &loaded.map;
    let flows = FieldPath::keys(&["spec", "flows"]);
    let proof = proof::prove(model, policies);
    let mut errors: Vec<Diagnostic> = proof
        .violations
        .iter()
        .map(|v| {
            // On a Cilium render, the Cilium fields the translation came from.
            let described = match cilium {
                Some(c) => v.describe(&|r| c.rule(r).unwrap_or_else(|| r.to_string()), &|p| {
                    c.policy(p).unwrap_or_else(|| p.to_string())
                }),
                None => v.to_string(),
            };
            let message = format!("verification failed{state}: {described}");
            match (&v.kind, &v.flow, v.rules.first()) {
                (proof::Kind::Missing, Some(flow), _) if is_dns(model, flow) => map.error(
                    dns_field(loaded),
                    format!("{message} (spec.dns: DNS is allowed wherever egress is isolated)"),
                ),
                (proof::Kind::Missing, Some(flow), _) => map.error(flows.key(flow), message),
                (proof::Kind::Extra, _, Some(rule)) => match origins.get(&rule.policy.name) {
                    Some(origin) => Diagnostic::error(message)
                        .in_file(origin.clone())
                        .at_field(rule_field(rule, cilium)),
                    None => Diagnostic::error(message).in_file(map.locate(&flows).0),
                },
                _ => Diagnostic::error(message).in_file(map.locate(&flows).0),
            }
        })
        .collect();
    if proof.omitted > 0 {
        errors.push(
            Diagnostic::error(format!(
                "verification failed{state}: ... and {} more violations",
                proof.omitted
            ))
            .in_file(map.locate(&flows).0),
        );
    }
    let found = if expects {
        verify::expects(model, policies)
    } else {
        Vec::new()
    };
    errors.extend(found.into_iter().map(|f| {
        let at = FieldPath::keys(&["spec", "expect"]).index(f.expect().unwrap_or_default());
        map.error(at, f.to_string())
    }));
    Errors::check(errors)
}

fn is_dns(model: &Model, flow: &str) -> bool {
    model.flows.iter().any(|f| f.dns && f.id == flow)
}

/// Where the DNS flows come from: `spec.dns` when written, else the
/// `defaultDeny` that isolates egress.
fn dns_field(loaded: &Loaded) -> FieldPath {
    let key = if loaded.set.spec.dns.is_some() {
        "dns"
    } else {
        "defaultDeny"
    };
    FieldPath::keys(&["spec", key])
}

/// `spec.ingress[R].from[P]` of a rule reference; for a rendered
/// CiliumNetworkPolicy, the Cilium field it came from
/// (`spec.ingress[R].fromEndpoints[P]`, ...).
fn rule_field(rule: &RuleRef, cilium: Option<&proof::cilium::Fields>) -> FieldPath {
    if let Some(path) = cilium.and_then(|c| c.path(rule)) {
        return FieldPath::parse(&path);
    }
    let (list, peers) = match rule.direction {
        PolicyType::Ingress => ("ingress", "from"),
        PolicyType::Egress => ("egress", "to"),
    };
    let at = FieldPath::keys(&["spec", list]).index(rule.rule);
    match rule.peer {
        Some(p) => at.key(peers).index(p),
        None => at,
    }
}
