//! `netpolgen lint` and the KRM validator mode.
use std::path::PathBuf;

use super::Outcome;

/// `netpolgen lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Manifest files or directories; `-` for stdin.
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: &LintArgs) -> Outcome {
    Outcome::usage("lint: not built yet")
}

/// `netpolgen --lint` with a ResourceList on stdin.
pub fn krm_validator() -> Outcome {
    Outcome::usage("--lint: not built yet")
}
