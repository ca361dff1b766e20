//! `netpolgen check`: may A reach B on port P, and which policies decide it.
//! Exit 0 allowed, 1 denied, 2 error.

use std::path::PathBuf;

use crate::analyze::explain::{Question, answer, resolve_party, resolve_port};
use crate::engine::Engine;
use crate::k8s::Protocol;
use crate::k8s::manifest::Manifests;
use crate::report::check::write_check;

use super::analyze::{load, spec_warnings};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Outcome};

/// `netpolgen check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Manifest files or directories (walked for *.yaml, *.yml); `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Source: NAMESPACE/NAME, NAMESPACE/KIND/NAME, or external:CIDR-or-IP.
    #[arg(long)]
    pub from: String,
    /// Destination: NAMESPACE/NAME, NAMESPACE/KIND/NAME, or external:CIDR-or-IP.
    #[arg(long)]
    pub to: String,
    /// Destination port: a number, or a container port name of the destination.
    #[arg(long)]
    pub port: String,
    /// TCP, UDP or SCTP (default TCP; for a port name, the named port's own).
    #[arg(long)]
    pub protocol: Option<String>,
}

fn error(message: impl std::fmt::Display) -> Outcome {
    Outcome {
        stdout: String::new(),
        stderr: format!("error: {message}\n"),
        code: EXIT_USAGE,
    }
}

/// The pure twin of [`run`]: the explanation text and whether it is allowed.
pub fn check_manifests(m: &Manifests, args: &CheckArgs) -> Result<(String, bool), String> {
    let protocol = match args.protocol.as_deref() {
        None => None,
        Some(p) => Some(
            Protocol::parse(&p.to_ascii_uppercase())
                .ok_or_else(|| format!("--protocol {p:?}: expected TCP, UDP or SCTP"))?,
        ),
    };
    let cluster = m.cluster();
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
    let _ = write_check(&cluster, &a, &mut out);
    Ok((String::from_utf8_lossy(&out).into_owned(), a.allowed))
}

/// Runs `check`.
pub fn run(args: &CheckArgs) -> Outcome {
    let m = match load(&args.paths) {
        Ok(m) => m,
        Err(e) => {
            return Outcome {
                stdout: String::new(),
                stderr: format!("{e}\n"),
                code: EXIT_USAGE,
            };
        }
    };
    match check_manifests(&m, args) {
        Ok((text, allowed)) => Outcome {
            stdout: text,
            stderr: spec_warnings(&m),
            code: if allowed { EXIT_OK } else { EXIT_FINDINGS },
        },
        Err(e) => error(e),
    }
}
