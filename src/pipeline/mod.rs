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

use crate::diag::Errors;
use crate::k8s::NetworkPolicy;
use crate::model::{self, Model};
use crate::proof;
use crate::render::{self, CiliumRendered, Origins, templates, windows};
use crate::spec::files::Files;
use crate::spec::{self, Input, Loaded, detect};

mod states;

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
    /// The same with the cilium backend: each window's
    /// CiliumNetworkPolicies.
    pub cilium_windows: BTreeMap<String, Vec<CiliumRendered>>,
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

    /// The windows open at `t`.
    fn open_at(&self, t: DateTime<Utc>) -> Vec<&str> {
        self.model
            .windows
            .iter()
            .filter(|(_, w)| w.cron.open_at(t).is_some())
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The policies in force at `t`: those always in force and those of
    /// every window open at `t`, sorted by name (kubernetes backend).
    pub fn at(&self, t: DateTime<Utc>) -> Vec<NetworkPolicy> {
        self.split().state(&self.open_at(t)).0
    }

    /// The CiliumNetworkPolicies in force at `t` (cilium backend).
    pub fn cilium_at(&self, t: DateTime<Utc>) -> Vec<CiliumRendered> {
        self.split().state(&self.open_at(t)).1
    }

    /// The documents in force at `t`, of either backend, in name order:
    /// what `render --at` writes.
    pub fn manifests_at(&self, t: DateTime<Utc>) -> Vec<Value> {
        let (policies, cilium) = self.split().state(&self.open_at(t));
        render::Output {
            policies,
            cilium,
            origins: Origins::new(),
        }
        .documents()
    }

    fn split(&self) -> windows::Split {
        windows::Split {
            policies: self.policies.clone(),
            windows: self.windows.clone(),
            cilium: self.cilium.clone(),
            cilium_windows: self.cilium_windows.clone(),
        }
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
    let origins = out.origins;
    let split = windows::split(&model, out.policies, out.cilium);
    states::check_states(&loaded, &model, &split, &origins)?;
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
        cilium: split.cilium,
        windows: split.windows,
        cilium_windows: split.cilium_windows,
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
