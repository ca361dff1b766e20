//! `netpolgen post-render`.
use std::path::{Path, PathBuf};

use super::Outcome;

/// `netpolgen post-render`.
#[derive(Debug, clap::Args)]
pub struct PostRenderArgs {
    /// The NetworkPolicySet to render into the chart's output.
    #[arg(long)]
    pub config: PathBuf,
}

pub fn run(_args: &PostRenderArgs, _root: Option<&Path>) -> Outcome {
    Outcome::usage("post-render: not built yet")
}
