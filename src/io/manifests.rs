//! Reading manifests for analysis, as kubectl reads them: files (named
//! ones whatever their extension), directories (walked in name order for
//! `*.yaml`, `*.yml` and `*.json`) and stdin (`-`). Parsing is
//! `crate::k8s::manifest`'s. A path the user names that cannot be read is
//! an I/O failure; a file found in a directory that cannot be read is a
//! problem of its own, and the others are read.

use std::path::{Path, PathBuf};

use super::disk::read_regular;
use crate::diag::{Diagnostic, Errors};
use crate::k8s::manifest::{Doc, Source, parse_text};

/// The texts of every path, and a problem for each file of a directory
/// that could not be read.
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub sources: Vec<Source>,
    pub problems: Vec<Diagnostic>,
}

/// Reads every path: `-` is stdin, directories are walked in name order.
pub fn read(paths: &[PathBuf]) -> Result<Read, Errors> {
    let mut out = Read::default();
    for path in paths {
        if path.as_os_str() == "-" {
            let text = super::read_stdin()
                .map_err(|e| Diagnostic::error(format!("reading stdin: {e}")).in_file("stdin"))?;
            out.sources.push(Source {
                file: "stdin".into(),
                text,
            });
        } else if path.is_dir() {
            for file in manifest_files(path)? {
                match read_file(&file) {
                    Ok(s) => out.sources.push(s),
                    Err(e) => out.problems.extend(e.0),
                }
            }
        } else {
            out.sources.push(read_file(path)?);
        }
    }
    Ok(out)
}

/// Reads every path, failing on any file that cannot be read.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<Source>, Errors> {
    let read = read(paths)?;
    Errors::check(read.problems)?;
    Ok(read.sources)
}

/// Reads and parses every path, failing on the first problem.
pub fn read_paths(paths: &[PathBuf]) -> Result<Vec<Doc>, Errors> {
    let mut docs = Vec::new();
    for source in read_sources(paths)? {
        docs.extend(parse_text(&source.text, &source.file)?);
    }
    Ok(docs)
}

/// True for the file names kubectl reads in a directory.
pub fn is_manifest_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>, Errors> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            Diagnostic::error(format!("cannot walk: {e}")).in_file(dir.display().to_string())
        })?;
        if entry.file_type().is_file() && is_manifest_name(entry.path()) {
            // `dir/./a.yaml` reads as `a.yaml` when the directory is `.`.
            let path = entry.into_path();
            files.push(
                path.strip_prefix(".")
                    .map(Path::to_path_buf)
                    .unwrap_or(path),
            );
        }
    }
    Ok(files)
}

fn read_file(path: &Path) -> Result<Source, Errors> {
    let file = path.display().to_string();
    let text = read_regular(path)
        .map_err(|e| Diagnostic::error(format!("cannot read file: {e}")).in_file(file.clone()))?;
    Ok(Source { file, text })
}
