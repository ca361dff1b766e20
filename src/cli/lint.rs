//! `netpolgen lint PATH...`: findings on stdout, a summary on stderr.

use std::path::PathBuf;

use super::formats;
use super::{Ctx, Outcome};
use crate::diag::Status;
use crate::io;
use crate::lint::{self, FailOn, Finding, Source};
use crate::report::{self, Format, Options};

/// `netpolgen lint`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no findings at the --fail-on level; 1 such findings, or \
    input that is not YAML; 2 usage or I/O errors."
)]
pub struct LintArgs {
    /// Manifest files or directories (walked for *.yaml, *.yml); `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, short, default_value = "text", value_parser = formats::parser(&report::lint::FORMATS))]
    pub output: Format,
    /// The least severe finding that fails the run.
    #[arg(long, value_enum, default_value_t = Level::Error)]
    pub fail_on: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    Warning,
    Error,
}

impl From<Level> for FailOn {
    fn from(l: Level) -> FailOn {
        match l {
            Level::Warning => FailOn::Warning,
            Level::Error => FailOn::Error,
        }
    }
}

/// Runs `netpolgen lint`.
pub fn run(args: &LintArgs, ctx: &mut Ctx<'_>) -> Outcome {
    match io::manifests::read_sources(&args.paths) {
        Ok(sources) => report_sources(&sources, args, ctx),
        Err(errors) => Outcome::io_failed(ctx, &errors),
    }
}

fn report_sources(sources: &[Source], args: &LintArgs, ctx: &mut Ctx<'_>) -> Outcome {
    let findings = match lint::lint_sources(sources) {
        Ok(f) => f,
        Err(errors) => return Outcome::failed(ctx, &errors),
    };
    let mut out = Vec::new();
    let options = Options {
        color: ctx.color_stdout,
        ..Options::default()
    };
    // Writing to a Vec cannot fail.
    let _ = report::lint::write(&findings, args.output, &options, &mut out);
    if let Err(o) = ctx.emit(&out) {
        return o;
    }
    Outcome {
        stderr: format!("lint: {}\n", report::lint::summary(&findings)),
        status: status(&findings, args.fail_on.into()),
    }
}

/// How findings end a run at a `--fail-on` level.
pub fn status(findings: &[Finding], fail_on: FailOn) -> Status {
    Status::findings_if(fail_on.fails(findings))
}
