//! Where sides come from: the only I/O of `diff`. A path is a
//! NetworkPolicySet (a file, or a directory holding one), a directory of
//! overlays (each subdirectory holding one), a kustomize directory (with
//! `--kustomize`), or rendered manifests. [`super::git`] extracts a
//! revision to read the same way.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use super::side::{Side, Unit, UnitKind};
use crate::diag::{Diagnostic, Errors};
use crate::load;
use crate::k8s::manifest::{self, Doc};
use crate::k8s::yaml;
use crate::{model, pipeline};

/// The `kind` of the configuration.
const SET_KIND: &str = "NetworkPolicySet";
/// Files kustomize reads as a kustomization.
const KUSTOMIZATIONS: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// How to read the sides.
#[derive(Debug, Default)]
pub struct Reader {
    /// Build directories with kustomize instead of rendering in-process.
    pub kustomize: bool,
    /// `--root`: the repository root paths may not leave.
    pub root: Option<PathBuf>,
    plugin_home: Option<TempDir>,
}

impl Reader {
    pub fn new(kustomize: bool, root: Option<&Path>) -> Reader {
        Reader {
            kustomize,
            root: root.map(Path::to_path_buf),
            plugin_home: None,
        }
    }

    /// Reads one side.
    pub fn side(&mut self, path: &Path, label: &str) -> Result<Side, Errors> {
        let root = self.root.clone();
        let units = self.units(path, root.as_deref())?;
        Side::build(label, &units)
    }

    /// The environments of an overlay directory, each a side named after
    /// its subdirectory, in name order.
    pub fn environments(&mut self, dir: &Path) -> Result<Vec<(String, Side)>, Errors> {
        let subdirs = self.unit_dirs(dir)?;
        if subdirs.len() < 2 {
            let what = if self.kustomize {
                "a kustomization"
            } else {
                "a NetworkPolicySet"
            };
            return Err(error(
                dir,
                format!(
                    "--all needs at least two subdirectories holding {what}; found {}",
                    subdirs.len()
                ),
            ));
        }
        let mut out = Vec::new();
        for sub in subdirs {
            let name = sub
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name.clone(), self.side(&sub, &name)?));
        }
        Ok(out)
    }

    fn units(&mut self, path: &Path, root: Option<&Path>) -> Result<Vec<Unit>, Errors> {
        if !path.exists() {
            return Err(error(path, "no such file or directory"));
        }
        if self.kustomize {
            if !path.is_dir() {
                return Err(error(
                    path,
                    "--kustomize needs a directory holding a kustomization",
                ));
            }
            if is_kustomization(path) {
                return Ok(vec![self.build(path, root)?]);
            }
            let dirs = self.unit_dirs(path)?;
            if dirs.is_empty() {
                return Err(error(
                    path,
                    "--kustomize: no kustomization here or in its subdirectories",
                ));
            }
            return dirs.iter().map(|d| self.build(d, root)).collect();
        }
        if path.is_file() {
            return Ok(vec![if is_set_file(path) {
                render_set(path, root)?
            } else {
                read_manifests(path)?
            }]);
        }
        if holds_set(path) {
            return Ok(vec![render_set(&load::config_file_in(path)?, root)?]);
        }
        let dirs = self.unit_dirs(path)?;
        if !dirs.is_empty() {
            return dirs
                .iter()
                .map(|d| render_set(&load::config_file_in(d)?, root))
                .collect();
        }
        Ok(vec![read_manifests(path)?])
    }

    /// Immediate subdirectories that are units: holding a NetworkPolicySet,
    /// or a kustomization with `--kustomize`.
    fn unit_dirs(&self, dir: &Path) -> Result<Vec<PathBuf>, Errors> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| error(dir, format!("cannot read directory: {e}")))?;
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .filter(|p| {
                if self.kustomize {
                    is_kustomization(p)
                } else {
                    holds_set(p)
                }
            })
            .collect();
        dirs.sort();
        Ok(dirs)
    }

    /// `kubectl kustomize --enable-alpha-plugins` (or standalone
    /// `kustomize build`) with this binary as the NetworkPolicySet plugin.
    fn build(&mut self, dir: &Path, root: Option<&Path>) -> Result<Unit, Errors> {
        let home = self.plugin_home(dir)?;
        let standalone = on_path("kustomize");
        let mut cmd = if standalone {
            let mut c = Command::new("kustomize");
            c.args(["build", "--enable-alpha-plugins", "--enable-exec"]);
            c
        } else {
            let mut c = Command::new("kubectl");
            c.args(["kustomize", "--enable-alpha-plugins"]);
            c
        };
        let tool = if standalone {
            "kustomize build"
        } else {
            "kubectl kustomize"
        };
        let out = cmd
            .arg(dir)
            .env("KUSTOMIZE_PLUGIN_HOME", home)
            .output()
            .map_err(|e| error(dir, format!("cannot run {tool}: {e}")))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(error(dir, format!("{tool} failed: {}", stderr.trim())));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let docs = manifest::parse_text(&text, &format!("{tool} {}", dir.display()))?;
        let model = if holds_set(dir) {
            let (loaded, _) = load_set(&load::config_file_in(dir)?, root)?;
            Some(model::build(&loaded)?)
        } else {
            None
        };
        Ok(Unit {
            kind: UnitKind::Kustomize,
            docs,
            model,
        })
    }

    /// A plugin root holding only a link to this binary, made once per run.
    fn plugin_home(&mut self, dir: &Path) -> Result<PathBuf, Errors> {
        if let Some(home) = &self.plugin_home {
            return Ok(home.0.clone());
        }
        let home = TempDir::new("plugins").map_err(|e| error(dir, e))?;
        let plugin_dir = home.0.join("netpolgen.io/v1alpha1/networkpolicyset");
        let linked = (|| {
            let exe = std::env::current_exe()?.canonicalize()?;
            std::fs::create_dir_all(&plugin_dir)?;
            link(&exe, &plugin_dir.join(SET_KIND))
        })();
        linked.map_err(|e| error(&plugin_dir, format!("cannot install the plugin: {e}")))?;
        let path = home.0.clone();
        self.plugin_home = Some(home);
        Ok(path)
    }
}

#[cfg(unix)]
fn link(exe: &Path, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(exe, at)
}

#[cfg(not(unix))]
fn link(exe: &Path, at: &Path) -> std::io::Result<()> {
    std::fs::copy(exe, at).map(|_| ())
}

pub(super) fn error(path: &Path, message: impl std::fmt::Display) -> Errors {
    Diagnostic::error(message.to_string())
        .in_file(path.display().to_string())
        .into()
}

fn on_path(name: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|d| d.join(name).is_file())
}

fn is_kustomization(dir: &Path) -> bool {
    KUSTOMIZATIONS.iter().any(|k| dir.join(k).is_file())
}

/// A YAML file holding a NetworkPolicySet document.
fn is_set_file(path: &Path) -> bool {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let docs = yaml::parse_documents(&text).unwrap_or_default();
    docs.iter()
        .any(|d| d.get("kind").and_then(Value::as_str) == Some(SET_KIND))
}

/// A directory whose own YAML files hold a NetworkPolicySet.
fn holds_set(dir: &Path) -> bool {
    if dir.join("netpolset.yaml").is_file() {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|e| {
        let p = e.path();
        let yaml = matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"));
        yaml && p.is_file() && is_set_file(&p)
    })
}

fn load_set(file: &Path, root: Option<&Path>) -> Result<(load::Loaded, String), Errors> {
    let loaded = pipeline::load_path(file, root)?;
    let display = loaded.layers[0].display.clone();
    Ok((loaded, display))
}

/// Renders a NetworkPolicySet in-process, as `netpolgen render` does.
fn render_set(file: &Path, root: Option<&Path>) -> Result<Unit, Errors> {
    let (loaded, display) = load_set(file, root)?;
    let model = model::build(&loaded)?;
    let policies = pipeline::render_loaded(loaded)?.policies;
    let docs = policies
        .iter()
        .enumerate()
        .map(|(index, p)| Doc {
            file: display.clone(),
            index,
            value: serde_json::to_value(p).expect("a NetworkPolicy is plain data"),
        })
        .collect();
    Ok(Unit {
        kind: UnitKind::Set,
        docs,
        model: Some(model),
    })
}

fn read_manifests(path: &Path) -> Result<Unit, Errors> {
    Ok(Unit {
        kind: UnitKind::Manifests,
        docs: manifest::read_paths(&[path.to_path_buf()])?,
        model: None,
    })
}

/// A directory under the system's temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(what: &str) -> std::io::Result<TempDir> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        loop {
            let n = COUNT.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("netpolgen-diff-{what}-{}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
