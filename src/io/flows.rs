//! Reading flow logs for `learn`: each path a file, or `-` for stdin.

use std::path::PathBuf;

use super::{Failure, read_regular, read_stdin};
use crate::diag::Diagnostic;

/// The text of every flow file, with the name errors give it.
pub fn read(paths: &[PathBuf]) -> Result<Vec<(String, String)>, Failure> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let text = if shown == "-" {
            read_stdin().map_err(|e| e.to_string())
        } else {
            read_regular(path)
        };
        match text {
            Ok(text) => out.push((if shown == "-" { "stdin".into() } else { shown }, text)),
            Err(e) => errors.push(
                Diagnostic::error(format!("cannot read flows: {e}")).in_file(if shown == "-" {
                    "stdin".to_string()
                } else {
                    shown
                }),
            ),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Failure::Io(crate::diag::Errors(errors)))
    }
}
