//! Reading the sides of a diff. A path is a NetworkPolicySet (a file, or a
//! directory holding one), a directory of overlays (each subdirectory
//! holding one), a kustomize directory (with `--kustomize`), or rendered
//! manifests; `-` is a stream on stdin. [`super::git`] extracts a revision
//! to read the same way.

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

use super::kustomize::{self, Builder};
use super::{Disk, Failure, manifests};
use crate::diag::Diagnostic;
use crate::diff::side::{Side, Unit, UnitKind};
use crate::k8s::manifest::{Doc, parse_text};
use crate::pipeline;
use crate::spec::detect;

/// How to read the sides.
#[derive(Debug, Default)]
pub struct Reader {
    /// Build directories with kustomize instead of rendering in-process.
    pub kustomize: bool,
    /// `--root`: the repository root paths may not leave.
    pub root: Option<PathBuf>,
    /// `--at`: the policies in force then, instead of the whole render.
    pub at: Option<DateTime<Utc>>,
    /// Sides are read for their allowed flows only (`--all`): rendered
    /// policies stay typed, objects are not kept.
    flows_only: bool,
    builder: Builder,
}

impl Reader {
    pub fn new(kustomize: bool, root: Option<&Path>, at: Option<DateTime<Utc>>) -> Reader {
        Reader {
            kustomize,
            root: root.map(Path::to_path_buf),
            at,
            flows_only: false,
            builder: Builder::default(),
        }
    }

    /// Reads one side.
    pub fn side(&mut self, path: &Path, label: &str) -> Result<Side, Failure> {
        let units = self.units(path)?;
        Side::from_units(label, units).map_err(Failure::Input)
    }

    /// The environments of an overlay directory, each a side named after
    /// its subdirectory, in name order.
    pub fn environments(&mut self, dir: &Path) -> Result<Vec<(String, Side)>, Failure> {
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
        let name = |sub: &PathBuf| {
            sub.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        if self.kustomize {
            // One kustomize build after the other: each runs a process.
            let mut out = Vec::new();
            for sub in &subdirs {
                out.push((name(sub), self.side(sub, &name(sub))?));
            }
            return Ok(out);
        }
        // Rendered in-process, each environment on the next free core;
        // the first failure in name order is the one reported.
        self.flows_only = true;
        let sides = crate::parallel::map_each(&subdirs, |sub| {
            let units = self.rendered_units(sub)?;
            Side::for_flows(&name(sub), units).map_err(Failure::Input)
        });
        subdirs
            .iter()
            .zip(sides)
            .map(|(sub, side)| Ok((name(sub), side?)))
            .collect()
    }

    fn units(&mut self, path: &Path) -> Result<Vec<Unit>, Failure> {
        if path.as_os_str() == "-" {
            return Ok(vec![read_manifests(path)?]);
        }
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
            if kustomize::is_kustomization(path) {
                return Ok(vec![self.build(path)?]);
            }
            let dirs = self.unit_dirs(path)?;
            if dirs.is_empty() {
                return Err(error(
                    path,
                    "--kustomize: no kustomization here or in its subdirectories",
                ));
            }
            return dirs.iter().map(|d| self.build(d)).collect();
        }
        self.rendered_units(path)
    }

    /// The units of a path without kustomize: a NetworkPolicySet rendered
    /// in-process, the sets of a directory of overlays, or manifests.
    fn rendered_units(&self, path: &Path) -> Result<Vec<Unit>, Failure> {
        if path.is_file() {
            let text = super::disk::read_regular(path).map_err(|e| error(path, e))?;
            return Ok(vec![if detect::holds_set(&text) {
                self.render_set(path)?
            } else {
                read_manifests(path)?
            }]);
        }
        if self.holds_set(path) {
            return Ok(vec![self.render_set(path)?]);
        }
        let dirs = self.unit_dirs(path)?;
        if !dirs.is_empty() {
            return dirs.iter().map(|d| self.render_set(d)).collect();
        }
        Ok(vec![read_manifests(path)?])
    }

    fn disk(&self, path: &Path) -> Result<Disk, Failure> {
        let start = if path.is_dir() {
            path
        } else {
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        };
        Disk::new(self.root.as_deref(), start).map_err(Failure::Io)
    }

    fn holds_set(&self, dir: &Path) -> bool {
        self.disk(dir)
            .is_ok_and(|d| detect::set_files(&d, dir).is_ok_and(|f| !f.is_empty()))
    }

    /// Immediate subdirectories that are units: holding a NetworkPolicySet,
    /// or a kustomization with `--kustomize`.
    fn unit_dirs(&self, dir: &Path) -> Result<Vec<PathBuf>, Failure> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| error(dir, format!("cannot read directory: {e}")))?;
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .filter(|p| {
                if self.kustomize {
                    kustomize::is_kustomization(p)
                } else {
                    self.holds_set(p)
                }
            })
            .collect();
        dirs.sort();
        Ok(dirs)
    }

    /// Renders a NetworkPolicySet in-process, as `netpolgen render` does.
    fn render_set(&self, path: &Path) -> Result<Unit, Failure> {
        let disk = self.disk(path)?;
        let mut rendered = pipeline::render_path(&disk, path).map_err(Failure::Input)?;
        let display = rendered.loaded.map.top().to_string();
        // Everything the render writes (the windows' objects too), or the
        // policies in force at `--at`. For the flows only, NetworkPolicies
        // stay typed.
        let typed =
            self.flows_only && rendered.cilium.is_empty() && rendered.cilium_windows.is_empty();
        let (values, mut policies): (Vec<serde_json::Value>, _) = match (self.at, typed) {
            (Some(t), true) => (Vec::new(), rendered.at(t)),
            (None, true) => (
                std::mem::take(&mut rendered.machinery),
                std::mem::take(&mut rendered.policies),
            ),
            (Some(t), false) => (rendered.manifests_at(t), Vec::new()),
            (None, false) => (rendered.manifests(), Vec::new()),
        };
        policies.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        let docs = values
            .into_iter()
            .enumerate()
            .map(|(index, value)| Doc {
                file: display.clone(),
                index,
                value,
            })
            .collect();
        Ok(Unit {
            kind: UnitKind::Set,
            docs,
            model: Some(rendered.model),
            policies,
        })
    }

    /// `kustomize build` of a directory, this binary as the plugin; the
    /// model of the directory's NetworkPolicySet, if any, for its peers.
    fn build(&mut self, dir: &Path) -> Result<Unit, Failure> {
        let built = self.builder.build(dir, &[])?;
        let docs = parse_text(&built.text, &format!("{} {}", built.tool, dir.display()))
            .map_err(Failure::Input)?;
        let model = if self.holds_set(dir) {
            let disk = self.disk(dir)?;
            let loaded = pipeline::load_path(&disk, dir).map_err(Failure::Input)?;
            let model = crate::model::build(&loaded.set).map_err(|e| loaded.map.place_all(e));
            Some(model.map_err(Failure::Input)?)
        } else {
            None
        };
        Ok(Unit {
            kind: UnitKind::Kustomize,
            docs,
            model,
            policies: Vec::new(),
        })
    }
}

/// An I/O failure about `path`.
fn error(path: &Path, message: impl std::fmt::Display) -> Failure {
    Failure::Io(
        Diagnostic::error(message.to_string())
            .in_file(path.display().to_string())
            .into(),
    )
}

fn read_manifests(path: &Path) -> Result<Unit, Failure> {
    let sources = manifests::read_sources(&[path.to_path_buf()]).map_err(Failure::Io)?;
    let mut docs = Vec::new();
    for s in &sources {
        docs.extend(parse_text(&s.text, &s.file).map_err(Failure::Input)?);
    }
    Ok(Unit {
        kind: UnitKind::Manifests,
        docs,
        model: None,
        policies: Vec::new(),
    })
}
