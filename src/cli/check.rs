//! `netpolgen check`: may A reach B on port P, and which policies decide
//! it. Exit 0 allowed, 1 denied (or invalid input), 2 usage and I/O errors.

use std::path::{Path, PathBuf};

use super::analyze::{problems_text, read, spec_warnings};
use super::formats;
use super::{Ctx, Outcome};
use crate::analyze::explain::{Question, answer, resolve_party, resolve_port};
use crate::diag::Status;
use crate::engine::{Cluster, Engine};
use crate::k8s::Protocol;
use crate::k8s::manifest::Manifests;
use crate::report::{self, Format, Options};

/// `netpolgen check`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 allowed; 1 denied, or invalid manifests; 2 usage or I/O errors."
)]
pub struct CheckArgs {
    /// Manifest files or directories (walked for *.yaml, *.yml, *.json),
    /// NetworkPolicySets (a file or a directory holding one); `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Source: NAMESPACE/NAME, NAMESPACE/KIND/NAME, NAME when only one
    /// workload has it (an intent's service or peer), or external:CIDR-or-IP.
    #[arg(long)]
    pub from: String,
    /// Destination: NAMESPACE/NAME, NAMESPACE/KIND/NAME, NAME, or external:CIDR-or-IP.
    #[arg(long)]
    pub to: String,
    /// Destination port: a number, or a container port name of the destination.
    #[arg(long)]
    pub port: String,
    /// TCP, UDP or SCTP (default TCP; for a port name, the named port's own).
    #[arg(long)]
    pub protocol: Option<String>,
    /// Output format.
    #[arg(long, short, default_value = "text", value_parser = formats::parser(&report::check::FORMATS))]
    pub output: Format,
    /// The policies in force at TIME (RFC 3339, or `now`): each window's
    /// policies when it is open, and no window CronJobs. Without it, every
    /// window is closed.
    #[arg(long, value_name = "TIME", value_parser = super::at::parse)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The pure twin of [`run`]: the explanation and whether it is allowed.
pub fn check_manifests(m: &Manifests, args: &CheckArgs) -> Result<(Vec<u8>, bool), String> {
    let protocol = match args.protocol.as_deref() {
        None => None,
        Some(p) => Some(
            Protocol::parse(&p.to_ascii_uppercase())
                .ok_or_else(|| format!("--protocol {p:?}: expected TCP, UDP or SCTP"))?,
        ),
    };
    let cluster = Cluster::from_manifests(m);
    let kinds: Vec<String> = m.workload_origins.iter().map(|o| o.kind.clone()).collect();
    let from = resolve_party(&cluster, &kinds, &args.from).map_err(|e| format!("--from {e}"))?;
    let to = resolve_party(&cluster, &kinds, &args.to).map_err(|e| format!("--to {e}"))?;
    let (port, protocol) = resolve_port(&cluster, &to, &args.port, protocol)?;
    let engine = Engine::new(&cluster);
    let q = Question {
        from,
        to,
        port,
        protocol,
    };
    let a = answer(&engine, &q)?;
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = report::check::write(&cluster, &a, args.output, &Options::default(), &mut out);
    Ok((out, a.allowed))
}

/// Runs `check`.
pub fn run(args: &CheckArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let input = match read(&args.paths, args.at, root, ctx) {
        Ok(i) => i,
        Err(o) => return o,
    };
    match check_manifests(&input.m, args) {
        Ok((text, allowed)) => match ctx.emit(&text) {
            Ok(()) => Outcome {
                stderr: format!(
                    "{}{}{}",
                    problems_text(&input, ctx),
                    spec_warnings(&input),
                    input.notes()
                ),
                // A denial, or input that could not all be read.
                status: Status::findings_if(!allowed || !input.problems.is_empty()),
            },
            Err(o) => o,
        },
        Err(e) => Outcome::usage(e),
    }
}
