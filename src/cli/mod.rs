//! The command line: arguments in, an [`Outcome`] out; the shell around
//! the library.
//!
//! Modes: a ResourceList on stdin with no arguments (KRM function; with
//! `--lint`, the validator); an existing config file as the only argument
//! (legacy kustomize exec plugin); subcommands, one file each. Exit codes
//! are `crate::diag::Status`, everywhere.

pub mod allocator;
mod analyze;
mod argocd;
mod at;
mod check;
mod completion;
mod diff;
mod formats;
mod input;
mod layout;
mod learn;
mod lint;
mod plugin;
mod post_render;
mod probe;
mod render;
mod windows;

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

use crate::diag::{Errors, Status};
use crate::report::diagnostics;

/// `0.1.0 (commit)`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("NETPOLGEN_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "netpolgen",
    version = VERSION,
    about = "Kubernetes NetworkPolicies from a declared intent, verified to allow exactly the declared flows",
    long_about = "Kubernetes NetworkPolicies from a declared intent, verified to allow exactly the declared flows.\n\n\
        With no arguments and a ResourceList on stdin, runs as a KRM function (kpt, kustomize --enable-exec);\n\
        with --lint, as a KRM validator. With a config file as its only argument, runs as a legacy kustomize\n\
        exec plugin.\n\n\
        Exit status: 0 success (no difference, allowed, no findings); 1 a difference, a denial, findings or\n\
        invalid input; 2 usage errors and I/O failures.",
    allow_external_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// KRM mode: validate the items (lint) instead of rendering; changes nothing.
    #[arg(long)]
    lint: bool,
    /// Repository root that `base` and `templates` paths may not leave
    /// (default: the nearest directory holding .git).
    #[arg(long, global = true, value_name = "DIR", env = "NETPOLGEN_ROOT")]
    root: Option<PathBuf>,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render NetworkPolicySets (files, directories holding one, or - for stdin).
    Render(render::RenderArgs),
    /// Link this binary where kustomize looks for the NetworkPolicySet exec plugin.
    InstallPlugin(plugin::InstallArgs),
    /// Who can reach whom: the connectivity of any manifests.
    Analyze(analyze::AnalyzeArgs),
    /// Can A reach B on port P, and which policies decide it.
    Check(check::CheckArgs),
    /// An intent from observed traffic (a Hubble export, CSV or JSON lines).
    Learn(learn::LearnArgs),
    /// Find mistakes in NetworkPolicies and the workloads they select.
    Lint(lint::LintArgs),
    /// Text and connectivity diff of two renders, environments or revisions.
    Diff(diff::DiffArgs),
    /// Check the policies in a live cluster: probe pods per workload class.
    #[command(subcommand)]
    Probe(probe::ProbeCommand),
    /// The maintenance windows of a NetworkPolicySet: next openings, flows.
    Windows(windows::WindowsArgs),
    /// Helm post-renderer: chart manifests in, the same plus NetworkPolicies out.
    PostRender(post_render::PostRenderArgs),
    /// The Argo CD Config Management Plugin (discover and generate).
    #[command(subcommand)]
    Argocd(argocd::ArgocdCommand),
    /// Shell completions for bash, zsh or fish, on stdout.
    Completion(completion::CompletionArgs),
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

/// What a run leaves for the caller to write, and how it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stderr: String,
    pub status: Status,
}

impl Outcome {
    pub fn ok() -> Outcome {
        Outcome {
            stderr: String::new(),
            status: Status::Ok,
        }
    }

    /// Invalid input: the errors on stderr, nothing on stdout.
    pub fn failed(ctx: &Ctx<'_>, errors: &Errors) -> Outcome {
        Outcome {
            stderr: diagnostics::to_string(errors, ctx.color_stderr),
            status: Status::Findings,
        }
    }

    /// A usage problem or an I/O failure: the message on stderr.
    pub fn usage(message: impl std::fmt::Display) -> Outcome {
        Outcome {
            stderr: format!("error: {message}\n"),
            status: Status::Usage,
        }
    }

    /// An I/O failure reported as diagnostics.
    pub fn io_failed(ctx: &Ctx<'_>, errors: &Errors) -> Outcome {
        Outcome {
            status: Status::Usage,
            ..Outcome::failed(ctx, errors)
        }
    }

    /// A failure of the input (status 1) or of reading it (status 2).
    pub fn failure(ctx: &Ctx<'_>, f: &crate::io::Failure) -> Outcome {
        match f {
            crate::io::Failure::Input(e) => Outcome::failed(ctx, e),
            crate::io::Failure::Io(e) => Outcome::io_failed(ctx, e),
        }
    }
}

/// Where a command writes, and whether each stream is coloured.
pub struct Ctx<'a> {
    pub stdout: &'a mut dyn Write,
    pub color_stdout: bool,
    pub color_stderr: bool,
}

impl Ctx<'_> {
    /// Writes the command's output; a closed pipe (`| head`) is not an error.
    pub fn emit(&mut self, bytes: &[u8]) -> Result<(), Outcome> {
        written(
            self.stdout
                .write_all(bytes)
                .and_then(|()| self.stdout.flush()),
        )
    }

    /// [`Ctx::emit`] for output written in parts.
    pub fn emit_with(
        &mut self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), Outcome> {
        written(write(&mut *self.stdout).and_then(|()| self.stdout.flush()))
    }
}

/// A write to stdout: a broken pipe ends the output quietly; any other
/// failure is an I/O error.
pub fn written(result: io::Result<()>) -> Result<(), Outcome> {
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Outcome::usage(format!("writing stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Parses arguments and runs, writing the command's output to `stdout`.
pub fn run(args: Vec<OsString>, stdout: &mut dyn Write) -> Outcome {
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return clap_error(e, stdout),
    };
    let auto = |stream: bool| match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let choice = if stream {
                anstream::AutoStream::choice(&io::stdout())
            } else {
                anstream::AutoStream::choice(&io::stderr())
            };
            choice != anstream::ColorChoice::Never
        }
    };
    let mut ctx = Ctx {
        color_stdout: auto(true),
        color_stderr: auto(false),
        stdout,
    };
    let root = cli.root.as_deref();
    match cli.command {
        Some(Command::Render(args)) => render::run(&args, root, &mut ctx),
        Some(Command::InstallPlugin(args)) => plugin::install(&args, &mut ctx),
        Some(Command::Analyze(args)) => analyze::run(&args, root, &mut ctx),
        Some(Command::Check(args)) => check::run(&args, root, &mut ctx),
        Some(Command::Learn(args)) => learn::run(&args, root, &mut ctx),
        Some(Command::Lint(args)) => lint::run(&args, root, &mut ctx),
        Some(Command::Diff(args)) => diff::run(&args, root, &mut ctx),
        Some(Command::Probe(cmd)) => probe::run(&cmd, root, &mut ctx),
        Some(Command::Windows(args)) => windows::run(&args, root, &mut ctx),
        Some(Command::PostRender(args)) => post_render::run(&args, root, &mut ctx),
        Some(Command::Argocd(cmd)) => argocd::run(&cmd, root, &mut ctx),
        Some(Command::Completion(args)) => completion::run(&args, &mut ctx),
        Some(Command::External(words)) => external(&words, root, &mut ctx),
        None if cli.lint => plugin::krm_validator(&mut ctx),
        None => plugin::krm_function(root, &mut ctx),
    }
}

/// A first word that is no subcommand: the legacy exec plugin's config
/// file when it is an existing file, else a mistyped subcommand, which
/// clap answers with its suggestions.
fn external(words: &[OsString], root: Option<&std::path::Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let path = PathBuf::from(&words[0]);
    if words.len() == 1 && path.is_file() {
        return plugin::exec_plugin(&path, root, ctx);
    }
    clap_error(unknown_subcommand(&words[0].to_string_lossy()), ctx.stdout)
}

/// clap's own "unrecognized subcommand" error, with its suggestion.
fn unknown_subcommand(word: &str) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let mut cmd = Cli::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let mut best: Vec<(f64, String)> = names
        .iter()
        .map(|n| (strsim::jaro(word, n), n.clone()))
        .filter(|(score, _)| *score > 0.7)
        .collect();
    best.sort_by(|a, b| b.0.total_cmp(&a.0));
    let usage = cmd.render_usage();
    let mut err = clap::Error::new(ErrorKind::InvalidSubcommand).with_cmd(&cmd);
    err.insert(
        ContextKind::InvalidSubcommand,
        ContextValue::String(word.to_string()),
    );
    if !best.is_empty() {
        err.insert(
            ContextKind::SuggestedSubcommand,
            ContextValue::Strings(best.into_iter().take(1).map(|(_, n)| n).collect()),
        );
    }
    err.insert(ContextKind::Usage, ContextValue::StyledStr(usage));
    err
}

fn clap_error(e: clap::Error, stdout: &mut dyn Write) -> Outcome {
    let text = e.render().ansi().to_string();
    let plain = e.render().to_string();
    if e.use_stderr() {
        return Outcome {
            stderr: if anstream::AutoStream::choice(&io::stderr()) == anstream::ColorChoice::Never {
                plain
            } else {
                text
            },
            status: Status::Usage,
        };
    }
    match written(stdout.write_all(plain.as_bytes())) {
        Ok(()) => Outcome::ok(),
        Err(o) => o,
    }
}
