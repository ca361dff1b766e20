//! Reading manifests for analysis: files, directories (walked in name
//! order for `*.yaml`/`*.yml`) and stdin (`-`). Parsing is
//! `crate::k8s::manifest`'s.

use std::path::{Path, PathBuf};

use super::disk::read_regular;
use crate::diag::{Diagnostic, Errors};
use crate::k8s::manifest::{Doc, Source, parse_text};

/// Reads every path: `-` is stdin, directories are walked in name order
/// for `*.yaml`/`*.yml`.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<Source>, Errors> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let text = super::read_stdin()
                .map_err(|e| Diagnostic::error(format!("reading stdin: {e}")).in_file("stdin"))?;
            out.push(Source {
                file: "stdin".into(),
                text,
            });
        } else if path.is_dir() {
            for file in yaml_files(path)? {
                out.push(read_file(&file)?);
            }
        } else {
            out.push(read_file(path)?);
        }
    }
    Ok(out)
}

/// Reads and parses every path (see [`read_sources`]).
pub fn read_paths(paths: &[PathBuf]) -> Result<Vec<Doc>, Errors> {
    let mut docs = Vec::new();
    for source in read_sources(paths)? {
        docs.extend(parse_text(&source.text, &source.file)?);
    }
    Ok(docs)
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, Errors> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            Diagnostic::error(format!("cannot walk: {e}")).in_file(dir.display().to_string())
        })?;
        let is_yaml = matches!(
            entry.path().extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if entry.file_type().is_file() && is_yaml {
            files.push(entry.into_path());
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
