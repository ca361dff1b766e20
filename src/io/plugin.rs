//! Installing this binary as the NetworkPolicySet exec plugin, where
//! kustomize looks for it: `<root>/netpolgen.io/v1alpha1/networkpolicyset/NetworkPolicySet`.

use std::path::{Path, PathBuf};

use crate::spec::{API_VERSION, KIND};

/// The plugin root kustomize would use: the first of its candidates that
/// exists, else the first one that can be named.
pub fn default_root() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let candidates: Vec<PathBuf> = [
        env("KUSTOMIZE_PLUGIN_HOME"),
        env("XDG_CONFIG_HOME").map(|d| d.join("kustomize/plugin")),
        env("HOME").map(|d| d.join(".config/kustomize/plugin")),
        env("HOME").map(|d| d.join("kustomize/plugin")),
    ]
    .into_iter()
    .flatten()
    .collect();
    candidates
        .iter()
        .find(|c| c.is_dir())
        .or(candidates.first())
        .cloned()
}

/// Links (or on non-Unix systems copies) this binary into the plugin tree
/// under `root`, replacing what was there; returns the plugin's path.
pub fn install(root: &Path) -> Result<PathBuf, String> {
    let (group, version) = API_VERSION.split_once('/').unwrap_or(("", API_VERSION));
    let dir = root
        .join(group)
        .join(version)
        .join(KIND.to_ascii_lowercase());
    let target = dir.join(KIND);
    let exe = std::env::current_exe()
        .and_then(|e| e.canonicalize())
        .map_err(|e| format!("cannot find this binary: {e}"))?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if target.symlink_metadata().is_ok() {
        std::fs::remove_file(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    #[cfg(unix)]
    let linked = std::os::unix::fs::symlink(&exe, &target);
    #[cfg(not(unix))]
    let linked = std::fs::copy(&exe, &target).map(|_| ());
    linked.map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(target)
}
