//! `netpolgen analyze`.
use std::path::PathBuf;

use super::Outcome;

/// `netpolgen analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Manifest files or directories; `-` for stdin.
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: &AnalyzeArgs) -> Outcome {
    Outcome::usage("analyze: not built yet")
}
