//! `netpolgen diff`.
use std::path::{Path, PathBuf};

use super::Outcome;

/// `netpolgen diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The two sides.
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: &DiffArgs, _root: Option<&Path>) -> Outcome {
    Outcome::usage("diff: not built yet")
}
