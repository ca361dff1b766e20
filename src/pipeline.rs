//! The render pipeline from files on disk: find the repository root, load
//! a NetworkPolicySet (a file, or the one in a directory) with its base
//! chain and templates, render and verify it. The one place every command
//! that renders goes through.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Errors};
use crate::k8s::NetworkPolicy;
use crate::load::{self, Loaded};
use crate::render;

/// The repository root: `--root`, or the nearest directory holding `.git`.
pub fn resolve_root(root: Option<&Path>, start: &Path) -> Result<PathBuf, Errors> {
    match root {
        Some(r) => r
            .canonicalize()
            .map_err(|e| Diagnostic::error(format!("--root {}: {e}", r.display())).into()),
        None => load::find_root(start).ok_or_else(|| {
            Diagnostic::error(format!(
                "no repository root (a directory holding .git) at or above {}; pass --root",
                start.display()
            ))
            .into()
        }),
    }
}

/// Loads the NetworkPolicySet at `path` (a file, or a directory holding
/// one) with its base chain; the root is `root` or found from the file.
pub fn load_path(path: &Path, root: Option<&Path>) -> Result<Loaded, Errors> {
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
        .unwrap_or(Path::new("."));
    let root = resolve_root(root, start)?;
    load::load(load::read_input(&file, &root)?, &root)
}

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
    render_loaded(load_path(path, root)?)
}

/// Renders and verifies a loaded configuration.
pub fn render_loaded(loaded: Loaded) -> Result<Rendered, Errors> {
    let templates = load::template_set(&loaded)?;
    let policies = render::render(&loaded, &templates)?;
    Ok(Rendered { loaded, policies })
}
