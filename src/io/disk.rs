//! [`Files`] on the real filesystem, confined to the repository root.
//!
//! Every file read on a path from configuration (a `base`, a template) must
//! resolve, symlinks followed, to a regular file inside the root, and is
//! read up to [`MAX_FILE_BYTES`]: a FIFO, a device or a link to `/dev/zero`
//! is refused before it is opened.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Errors};
use crate::spec::files::{Entry, Files};

/// The largest configuration, template or manifest file read (64 MiB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// The filesystem under one repository root.
#[derive(Debug, Clone)]
pub struct Disk {
    root: PathBuf,
}

impl Disk {
    /// The root given with `--root`, or the nearest directory at or above
    /// `start` that holds `.git`.
    pub fn new(root: Option<&Path>, start: &Path) -> Result<Disk, Errors> {
        let root = match root {
            Some(r) => r
                .canonicalize()
                .map_err(|e| Diagnostic::error(format!("--root {}: {e}", r.display())))?,
            None => find_root(start).ok_or_else(|| {
                Diagnostic::error(format!(
                    "no repository root (a directory holding .git) at or above {}; pass --root",
                    start.display()
                ))
            })?,
        };
        Ok(Disk { root })
    }

    /// The root every path must stay in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` made real (symlinks resolved) and checked to lie in the root.
    fn inside(&self, path: &Path, shown: &str) -> Result<PathBuf, String> {
        let real = path
            .canonicalize()
            .map_err(|e| format!("cannot read {shown}: {e}"))?;
        if !real.starts_with(&self.root) {
            return Err(format!(
                "{shown} resolves to {}, outside the repository root {} (use --root to widen it)",
                real.display(),
                self.root.display()
            ));
        }
        Ok(real)
    }
}

impl Files for Disk {
    fn resolve(&self, dir: &Path, rel: &str) -> Result<PathBuf, String> {
        self.inside(&dir.join(rel), rel)
    }

    fn read(&self, path: &Path) -> Result<String, String> {
        let real = self.inside(path, &path.display().to_string())?;
        read_regular(&real)
    }

    fn list(&self, dir: &Path) -> Result<Vec<Entry>, String> {
        let real = self.inside(dir, &dir.display().to_string())?;
        let entries = std::fs::read_dir(&real).map_err(|e| e.to_string())?;
        let mut out: Vec<Entry> = entries
            .filter_map(Result::ok)
            .map(|e| {
                let path = e.path();
                Entry {
                    is_dir: path.is_dir(),
                    path,
                }
            })
            .collect();
        out.sort();
        Ok(out)
    }

    fn display(&self, path: &Path) -> String {
        let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        match abs.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => path.to_string_lossy().into_owned(),
        }
    }
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`]; anything else (a
/// directory, FIFO, socket or device) is refused without opening it.
pub fn read_regular(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("is a directory, not a file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file (a FIFO, socket or device)".into());
    }
    let file = File::open(path).map_err(|e| e.to_string())?;
    if !file.metadata().map_err(|e| e.to_string())?.is_file() {
        return Err("is not a regular file".into());
    }
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "is larger than {} MiB, the most netpolgen reads",
            MAX_FILE_BYTES >> 20
        ));
    }
    Ok(text)
}

/// The nearest directory at or above `start` that holds `.git`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stay_inside_the_root_and_on_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join("a.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.path().join("outside.yaml"), "secret\n").unwrap();
        let disk = Disk::new(None, &root).unwrap();
        assert_eq!(disk.read(&root.join("a.yaml")).unwrap(), "a: 1\n");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("outside.yaml"), root.join("l.yaml"))
                .unwrap();
            let err = disk.read(&root.join("l.yaml")).unwrap_err();
            assert!(err.contains("outside the repository root"), "{err}");
            std::os::unix::fs::symlink("/dev/zero", root.join("zero.yaml")).unwrap();
            assert!(disk.read(&root.join("zero.yaml")).is_err());
        }
        let err = disk.resolve(&root, "../outside.yaml").unwrap_err();
        assert!(err.contains("outside the repository root"), "{err}");
        assert!(disk.read(&root).unwrap_err().contains("directory"));
        assert_eq!(disk.display(&root.join("a.yaml")), "a.yaml");
    }
}
