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
