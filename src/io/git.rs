//! `--git REV`: a revision of the repository, extracted from git's object
//! store with `git archive` into a temporary directory. The user's working
//! tree, index and refs are never touched.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::TempDir;
use crate::diag::{Diagnostic, Errors};

/// A revision of the repository, extracted for reading.
#[derive(Debug)]
pub struct Revision {
    tree: TempDir,
    /// The requested path inside the extracted tree.
    pub path: PathBuf,
    /// `--root` mapped into the extracted tree.
    pub root: Option<PathBuf>,
    /// `REV:path`, for headers.
    pub label: String,
}

impl Revision {
    /// Extracts `rev` of the repository holding `path` with `git archive`
    /// (the whole tree, so bases and templates resolve as they did then),
    /// marked as a repository root.
    pub fn extract(rev: &str, path: &Path, root: Option<&Path>) -> Result<Revision, Errors> {
        let abs = path
            .canonicalize()
            .map_err(|e| error(path, format!("cannot read: {e}")))?;
        let dir = if abs.is_dir() {
            abs.clone()
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let top = git(&dir, &["rev-parse", "--show-toplevel"])?;
        let top = PathBuf::from(top.trim())
            .canonicalize()
            .map_err(|e| error(&dir, format!("git repository root: {e}")))?;
        let commit = git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map_err(|_| {
            error(
                &top,
                format!("--git {rev}: not a revision of this repository"),
            )
        })?;
        let tree = TempDir::new("git").map_err(|e| error(&top, e))?;
        archive(&top, commit.trim(), tree.path())?;
        std::fs::create_dir_all(tree.path().join(".git")).map_err(|e| error(tree.path(), e))?;
        let rel = abs
            .strip_prefix(&top)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let root = match root {
            Some(r) => {
                let r = r
                    .canonicalize()
                    .map_err(|e| error(r, format!("--root: {e}")))?;
                let inside = r.strip_prefix(&top).map_err(|_| {
                    error(
                        &r,
                        format!("--root is outside the repository {}", top.display()),
                    )
                })?;
                Some(tree.path().join(inside))
            }
            None => None,
        };
        let shown = if rel.as_os_str().is_empty() {
            ".".to_string()
        } else {
            rel.display().to_string()
        };
        Ok(Revision {
            path: tree.path().join(&rel),
            label: format!("{rev}:{shown}"),
            tree,
            root,
        })
    }

    /// Whether the path existed at the revision.
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    pub fn tree(&self) -> &Path {
        self.tree.path()
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String, Errors> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| error(dir, format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(error(
            dir,
            format!("git {} failed: {}", args.join(" "), stderr.trim()),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `git archive COMMIT | tar -x -C into`.
fn archive(top: &Path, commit: &str, into: &Path) -> Result<(), Errors> {
    let fail = |e: String| error(top, format!("extracting {commit}: {e}"));
    let mut git = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["archive", "--format=tar", commit])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run git: {e}")))?;
    let stdout = git.stdout.take().expect("stdout is piped");
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-f")
        .arg("-")
        .arg("-C")
        .arg(into)
        .stdin(stdout)
        .output()
        .map_err(|e| fail(format!("cannot run tar: {e}")))?;
    let git = git
        .wait_with_output()
        .map_err(|e| fail(format!("git archive: {e}")))?;
    if !git.status.success() {
        return Err(fail(format!(
            "git archive: {}",
            String::from_utf8_lossy(&git.stderr).trim()
        )));
    }
    if !tar.status.success() {
        return Err(fail(format!(
            "tar: {}",
            String::from_utf8_lossy(&tar.stderr).trim()
        )));
    }
    Ok(())
}

fn error(path: &Path, message: impl std::fmt::Display) -> Errors {
    Diagnostic::error(message.to_string())
        .in_file(path.display().to_string())
        .into()
}
