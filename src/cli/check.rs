//! `netpolgen check`.
use std::path::PathBuf;

use super::Outcome;

/// `netpolgen check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Manifest files or directories; `-` for stdin.
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: &CheckArgs) -> Outcome {
    Outcome::usage("check: not built yet")
}
