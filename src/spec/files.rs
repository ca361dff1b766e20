//! The one door to the filesystem that the configuration stages use.
//!
//! Loading a NetworkPolicySet follows paths written in configuration
//! (`base`, `templates`). Those stages are pure: they read through a
//! [`Files`], which `crate::io::Disk` implements on the real filesystem
//! (confined to the repository root, regular files only, bounded sizes)
//! and tests implement in memory.

use std::path::{Path, PathBuf};

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub path: PathBuf,
    pub is_dir: bool,
}

/// Reads files for the configuration stages.
pub trait Files {
    /// Resolves `rel`, written in a file of directory `dir`, to a real path
    /// inside the repository root, or says why it may not be used.
    fn resolve(&self, dir: &Path, rel: &str) -> Result<PathBuf, String>;
    /// Reads a file that [`Files::resolve`] returned or that the user named.
    fn read(&self, path: &Path) -> Result<String, String>;
    /// The entries of a directory, sorted by path.
    fn list(&self, dir: &Path) -> Result<Vec<Entry>, String>;
    /// How messages name `path`: relative to the repository root.
    fn display(&self, path: &Path) -> String;
}

/// Files held in memory, for tests and fuzzing: paths are taken as given
/// (no symlinks, no root beyond the paths held).
#[derive(Debug, Clone, Default)]
pub struct Memory {
    pub files: std::collections::BTreeMap<PathBuf, String>,
}

impl Memory {
    /// One file at `path`.
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Memory {
        self.files.insert(path.into(), text.into());
        self
    }
}

/// `dir/rel` with `.` and `..` folded away.
fn normal(dir: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in dir.join(rel).components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl Files for Memory {
    fn resolve(&self, dir: &Path, rel: &str) -> Result<PathBuf, String> {
        let path = normal(dir, rel);
        let exists =
            self.files.contains_key(&path) || self.files.keys().any(|p| p.starts_with(&path));
        if exists {
            Ok(path)
        } else {
            Err(format!("cannot read {rel}: No such file or directory"))
        }
    }

    fn read(&self, path: &Path) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| "No such file or directory".to_string())
    }

    fn list(&self, dir: &Path) -> Result<Vec<Entry>, String> {
        let mut out: Vec<Entry> = Vec::new();
        for p in self.files.keys() {
            let Ok(rest) = p.strip_prefix(dir) else {
                continue;
            };
            let mut parts = rest.components();
            let Some(first) = parts.next() else { continue };
            let entry = Entry {
                path: dir.join(first),
                is_dir: parts.next().is_some(),
            };
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
        if out.is_empty() {
            return Err("not a directory".into());
        }
        out.sort();
        Ok(out)
    }

    fn display(&self, path: &Path) -> String {
        path.to_string_lossy().into_owned()
    }
}
