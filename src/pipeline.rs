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

use std::path::Path;

use crate::diag::{Diagnostic, Errors, FieldPath};
use crate::engine::RuleRef;
use crate::k8s::{NetworkPolicy, PolicyType};
use crate::model::{self, Model};
use crate::render::{self, Origins, templates};
use crate::spec::files::Files;
use crate::spec::{self, Input, Loaded, detect};
use crate::{proof, verify};

/// One NetworkPolicySet, loaded, modelled, rendered and verified.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub loaded: Loaded,
    pub model: Model,
    pub policies: Vec<NetworkPolicy>,
    /// The template and document each policy came from, by name.
    pub origins: Origins,
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
    let model = model::build(&loaded.set).map_err(|e| loaded.map.place_all(e))?;
    let templates = templates::load(&loaded.template_dirs, files)?;
    let (policies, origins) = render::render(&model, &templates)?;
    check(&loaded, &model, &policies, &origins)?;
    Ok(Rendered {
        loaded,
        model,
        policies,
        origins,
    })
}

/// The stages before verification: the model and the policies the
/// templates yield (for tests of the verification itself).
pub fn unverified(
    files: &dyn Files,
    loaded: &Loaded,
) -> Result<(Model, Vec<NetworkPolicy>), Errors> {
    let model = model::build(&loaded.set).map_err(|e| loaded.map.place_all(e))?;
    let templates = templates::load(&loaded.template_dirs, files)?;
    let (policies, _) = render::render(&model, &templates)?;
    Ok((model, policies))
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
) -> Result<(), Errors> {
    let map = &loaded.map;
    let flows = FieldPath::keys(&["spec", "flows"]);
    let proof = proof::prove(model, policies);
    let mut errors: Vec<Diagnostic> = proof
        .violations
        .iter()
        .map(|v| {
            let message = format!("verification failed: {v}");
            match (&v.kind, &v.flow, v.rules.first()) {
                (proof::Kind::Missing, Some(flow), _) if is_dns(model, flow) => map.error(
                    dns_field(loaded),
                    format!("{message} (spec.dns: DNS is allowed wherever egress is isolated)"),
                ),
                (proof::Kind::Missing, Some(flow), _) => map.error(flows.key(flow), message),
                (proof::Kind::Extra, _, Some(rule)) => match origins.get(&rule.policy.name) {
                    Some(origin) => Diagnostic::error(message)
                        .in_file(origin.clone())
                        .at_field(rule_field(rule)),
                    None => Diagnostic::error(message).in_file(map.locate(&flows).0),
                },
                _ => Diagnostic::error(message).in_file(map.locate(&flows).0),
            }
        })
        .collect();
    if proof.omitted > 0 {
        errors.push(
            Diagnostic::error(format!(
                "verification failed: ... and {} more violations",
                proof.omitted
            ))
            .in_file(map.locate(&flows).0),
        );
    }
    errors.extend(verify::expects(model, policies).into_iter().map(|f| {
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

/// `spec.ingress[R].from[P]` of a rule reference.
fn rule_field(rule: &RuleRef) -> FieldPath {
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
