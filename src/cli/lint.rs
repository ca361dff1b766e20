//! `netpolgen lint PATH...` and the KRM validator mode (`netpolgen --lint`
//! with a ResourceList on stdin).
//!
//! Only [`run`] and [`krm_validator`] touch files and stdin; the rest maps
//! texts to an [`Outcome`].

use std::io::Read;
use std::path::PathBuf;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Outcome};
use crate::diag::Errors;
use crate::lint::{self, Finding, Source, output, resource_list};
use crate::k8s::manifest;

/// Report formats of `netpolgen lint`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per finding: `file:line: severity CODE Kind/ns/name field: message`.
    #[default]
    Text,
    /// `{"findings": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
}

/// `netpolgen lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Manifest files or directories (walked for *.yaml, *.yml); `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

/// Runs `netpolgen lint`: exit 0 without error findings, 1 with, 2 when
/// the input cannot be read.
pub fn run(args: &LintArgs) -> Outcome {
    match manifest::read_sources(&args.paths) {
        Ok(sources) => report(&sources, args.output),
        Err(errors) => input_error(&errors),
    }
}

/// Lints texts and formats the report (the pure part of [`run`]).
pub fn report(sources: &[Source], format: Format) -> Outcome {
    match lint::lint_sources(sources) {
        Ok(findings) => {
            let stdout = match format {
                Format::Text => output::text(&findings),
                Format::Json => output::json(&findings),
                Format::Sarif => output::sarif(&findings),
            };
            Outcome {
                stdout,
                stderr: format!("lint: {}\n", output::summary(&findings)),
                code: exit_code(&findings),
            }
        }
        Err(errors) => input_error(&errors),
    }
}

fn exit_code(findings: &[Finding]) -> i32 {
    if lint::has_errors(findings) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn input_error(errors: &Errors) -> Outcome {
    Outcome {
        stdout: String::new(),
        stderr: format!("{errors}\n"),
        code: EXIT_USAGE,
    }
}

/// `netpolgen --lint` with a ResourceList on stdin.
pub fn krm_validator() -> Outcome {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        return Outcome::usage(format!("reading stdin: {e}"));
    }
    krm_validate(&text)
}

/// The KRM validator over one ResourceList text: the items come back
/// unchanged with `results`; the findings also go to stderr as text.
pub fn krm_validate(input: &str) -> Outcome {
    let v = resource_list::validate(input);
    let mut stderr = output::text(&v.findings);
    if let Some(e) = &v.input_error {
        stderr.push_str(&format!("error: {e}\n"));
    }
    Outcome {
        stdout: v.stdout,
        stderr,
        code: v.exit_code,
    }
}
