//! `netpolgen windows PATH`: the maintenance windows of a NetworkPolicySet,
//! when they open next and what they open.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::render::render_one;
use super::{Ctx, Outcome, formats};
use crate::report::{self, Format};

/// `netpolgen windows`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 listed; 1 invalid input or a failed verification; 2 usage or \
    I/O errors.\n\nExamples:\n  netpolgen windows overlays/prod\n  \
    netpolgen windows --at 2026-12-05T01:30:00Z -o json overlays/prod"
)]
pub struct WindowsArgs {
    /// A NetworkPolicySet file, a directory holding one, or - for stdin.
    pub path: PathBuf,
    /// The moment to report from (RFC 3339, or `now`, the default).
    #[arg(long, value_name = "TIME", value_parser = super::at::parse)]
    pub at: Option<DateTime<Utc>>,
    /// How many openings of each window to list.
    #[arg(long, default_value_t = 3)]
    pub count: usize,
    /// Output format.
    #[arg(long, short, default_value = "text", value_parser = formats::parser(&report::windows::FORMATS))]
    pub output: Format,
}

/// Runs `netpolgen windows`.
pub fn run(args: &WindowsArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let r = match render_one(&args.path, root) {
        Ok(r) => r,
        Err(f) => return Outcome::failure(ctx, &f),
    };
    let windows: Vec<_> = r.model.windows.values().collect();
    let mut out = Vec::new();
    let at = args.at.unwrap_or_else(Utc::now);
    if let Err(e) = report::windows::write(&windows, at, args.count, args.output, &mut out) {
        return Outcome::usage(e.to_string());
    }
    match ctx.emit(&out) {
        Ok(()) if windows.is_empty() => Outcome {
            stderr: format!("{}: no spec.windows\n", r.loaded.map.top()),
            ..Outcome::ok()
        },
        Ok(()) => Outcome::ok(),
        Err(o) => o,
    }
}
