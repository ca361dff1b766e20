//! The command line: argument parsing and the I/O shell around the library.
//!
//! Modes: a ResourceList on stdin with no arguments (KRM function); a config
//! file as the only argument (legacy kustomize exec plugin); subcommands,
//! one file each. Every command returns an [`Outcome`]; only [`emit`]
//! writes to the terminal.

pub mod analyze;
pub mod check;
pub mod diff;
pub mod lint;
pub mod post_render;
pub mod render;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::diag::Errors;

/// Exit codes, defined once: success (or "allowed", "no difference").
pub const EXIT_OK: i32 = 0;
/// Findings: invalid input, a denied check, a difference, lint errors.
pub const EXIT_FINDINGS: i32 = 1;
/// Usage errors and failures to run at all.
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "netpolgen",
    version,
    about = "Kubernetes NetworkPolicies from a declared intent, verified to allow exactly the declared flows",
    long_about = "Kubernetes NetworkPolicies from a declared intent, verified to allow exactly the declared flows.\n\n\
        With no arguments and a ResourceList on stdin, runs as a KRM function (kpt, kustomize --enable-exec).\n\
        With a config file as its only argument, runs as a legacy kustomize exec plugin.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Legacy kustomize exec plugin mode: the NetworkPolicySet file kustomize passes.
    config: Option<PathBuf>,
    /// KRM mode: validate the items (lint) instead of rendering; changes nothing.
    #[arg(long)]
    lint: bool,
    /// Repository root that `base` and `templates` paths may not leave
    /// (default: the nearest directory holding .git).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render a NetworkPolicySet file (or the one in a directory) to stdout.
    Render(render::RenderArgs),
    /// Link this binary where kustomize looks for the NetworkPolicySet exec plugin.
    InstallPlugin(render::InstallArgs),
    /// Who can reach whom: the connectivity of any manifests.
    Analyze(analyze::AnalyzeArgs),
    /// Can A reach B on port P, and which policies decide it.
    Check(check::CheckArgs),
    /// Find mistakes in NetworkPolicies and the workloads they select.
    Lint(lint::LintArgs),
    /// Text and connectivity diff of two renders, environments or revisions.
    Diff(diff::DiffArgs),
    /// Helm post-renderer: chart manifests in, the same plus NetworkPolicies out.
    PostRender(post_render::PostRenderArgs),
}

/// What a run writes and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Outcome {
    /// Success with this output.
    pub fn ok(stdout: String) -> Outcome {
        Outcome {
            stdout,
            stderr: String::new(),
            code: EXIT_OK,
        }
    }

    /// Failure: the errors on stderr, nothing on stdout.
    pub fn failed(errors: &Errors) -> Outcome {
        Outcome {
            stdout: String::new(),
            stderr: errors.report(),
            code: EXIT_FINDINGS,
        }
    }

    /// A usage problem: the message on stderr, exit 2.
    pub fn usage(message: impl std::fmt::Display) -> Outcome {
        Outcome {
            stdout: String::new(),
            stderr: format!("error: {message}\n"),
            code: EXIT_USAGE,
        }
    }
}

/// Parses arguments and runs; the caller writes the outcome.
pub fn run(args: Vec<String>) -> Outcome {
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            return if e.use_stderr() {
                Outcome {
                    stdout: String::new(),
                    stderr: text,
                    code: EXIT_USAGE,
                }
            } else {
                Outcome::ok(text)
            };
        }
    };
    let root = cli.root.as_deref();
    match (cli.command, cli.config) {
        (Some(Command::Render(args)), _) => render::render(&args, root),
        (Some(Command::InstallPlugin(args)), _) => render::install_plugin(args.plugin_home),
        (Some(Command::Analyze(args)), _) => analyze::run(&args),
        (Some(Command::Check(args)), _) => check::run(&args),
        (Some(Command::Lint(args)), _) => lint::run(&args),
        (Some(Command::Diff(args)), _) => diff::run(&args, root),
        (Some(Command::PostRender(args)), _) => post_render::run(&args, root),
        (None, Some(config)) => render::exec_plugin(&config, root),
        (None, None) if cli.lint => lint::krm_validator(),
        (None, None) => render::krm_function(root),
    }
}

pub use crate::pipeline::resolve_root;

/// Writes an outcome; a closed stdout (a pipe into `head`) is not an error.
pub fn emit(outcome: &Outcome) -> i32 {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(outcome.stdout.as_bytes())
        .and_then(|_| out.flush());
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: writing stdout: {e}");
        return EXIT_USAGE;
    }
    eprint!("{}", outcome.stderr);
    outcome.code
}
