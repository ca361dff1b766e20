//! Shipping rendered policies into GitOps hosts that cannot run netpolgen
//! themselves.
//!
//! - [`outdir`]: `render --out-dir` and `render --check` write and verify one
//!   committed file per environment (Flux, or any "rendered manifests" repo).
//! - [`helm`]: the Helm post-renderer, chart manifests in and the same plus
//!   the NetworkPolicies out.
//!
//! Argo CD (the `plugin.yaml` Config Management Plugin) and kpt need no code
//! of their own: they call the existing render modes.

pub mod helm;
pub mod outdir;

use std::path::{Path, PathBuf};

use crate::cli::resolve_root;
use crate::diag::{Diagnostic, Errors};
use crate::k8s::NetworkPolicy;
use crate::load::{self, Loaded};
use crate::render;

/// One NetworkPolicySet, loaded and rendered.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub loaded: Loaded,
    pub policies: Vec<NetworkPolicy>,
}

/// Loads the NetworkPolicySet at `path` (a file, or a directory holding
/// one) with its base chain, and renders and verifies it: what
/// `netpolgen render PATH` does, as data.
pub fn render_path(path: &Path, root: Option<&Path>) -> Result<Rendered, Errors> {
    if !path.exists() {
        return Err(Diagnostic::error("no such file or directory")
            .in_file(path.display().to_string())
            .into());
    }
    let file = if path.is_dir() {
        load::config_file_in(path)?
    } else {
        path.to_path_buf()
    };
    let start = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let root = resolve_root(root, &start)?;
    let loaded = load::load(load::read_input(&file, &root)?, &root)?;
    let templates = load::template_set(&loaded)?;
    let policies = render::render(&loaded, &templates)?;
    Ok(Rendered { loaded, policies })
}
