//! `netpolgen diff`: text and connectivity diff of two renders, of a path
//! against a git revision, or of every pair of environments.
//!
//! Exit codes follow diff(1): 0 no difference, 1 differences, 2 trouble.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Outcome};
use crate::diag::Errors;
use crate::diff::git::Revision;
use crate::diff::report::{self, Format};
use crate::diff::source::Reader;
use crate::diff::{self, Side, all};

/// `netpolgen diff`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no difference, 1 differences, 2 trouble.\n\n\
    Examples:\n  netpolgen diff overlays/staging overlays/prod\n  \
    netpolgen diff --git origin/main overlays/ --output md\n  \
    netpolgen diff --all overlays/"
)]
pub struct DiffArgs {
    /// The two sides, A then B: each a NetworkPolicySet file or overlay
    /// directory, a directory of overlays, a kustomize directory (with
    /// --kustomize), or a file or directory of rendered manifests. With
    /// --git, one path: the working tree's, compared against REV's.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Compare PATH at this git revision (A) with the working tree (B).
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    /// Build directories with `kubectl kustomize --enable-alpha-plugins`
    /// (or `kustomize build` where installed), this binary as the plugin.
    #[arg(long)]
    pub kustomize: bool,
    /// Compare every pair of environments (subdirectories) of DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "git")]
    pub all: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Colour text output: auto colours on a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Replace each side's namespace, name suffix and environment with
    /// placeholders. Default: on when both sides are NetworkPolicySets of
    /// different environments.
    #[arg(long, conflicts_with = "no_normalize")]
    pub normalize: bool,
    /// Compare the values as they are, even across environments.
    #[arg(long)]
    pub no_normalize: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

enum Failure {
    Usage(String),
    Input(Errors),
}

impl From<Errors> for Failure {
    fn from(e: Errors) -> Failure {
        Failure::Input(e)
    }
}

/// Runs `netpolgen diff`.
pub fn run(args: &DiffArgs, root: Option<&Path>) -> Outcome {
    let format = match args.output {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Md => Format::Markdown,
    };
    let color = format == Format::Text
        && match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        };
    let result = match &args.all {
        Some(dir) => run_all(args, dir, root, format, color),
        None => run_pair(args, root, format, color),
    };
    match result {
        Ok(outcome) => outcome,
        Err(Failure::Usage(message)) => Outcome::usage(message),
        Err(Failure::Input(errors)) => Outcome {
            stdout: String::new(),
            stderr: format!("{errors}\n"),
            code: EXIT_USAGE,
        },
    }
}

fn run_pair(
    args: &DiffArgs,
    root: Option<&Path>,
    format: Format,
    color: bool,
) -> Result<Outcome, Failure> {
    let (a, b) = match (&args.git, args.paths.as_slice()) {
        (Some(rev), [path]) => {
            let revision = Revision::extract(rev, path, root)?;
            let a = if revision.exists() {
                Reader::new(args.kustomize, revision.root.as_deref())
                    .side(&revision.path, &revision.label)?
            } else {
                let mut empty = Side::build(&revision.label, &[])?;
                empty
                    .notes
                    .push(format!("{} does not exist at {rev}", path.display()));
                empty
            };
            let b = Reader::new(args.kustomize, root).side(path, &path.display().to_string())?;
            (a, b)
        }
        (Some(_), paths) => {
            return Err(Failure::Usage(format!(
                "diff --git REV takes one path, got {}",
                paths.len()
            )));
        }
        (None, [pa, pb]) => {
            let mut reader = Reader::new(args.kustomize, root);
            let a = reader.side(pa, &pa.display().to_string())?;
            let b = reader.side(pb, &pb.display().to_string())?;
            (a, b)
        }
        (None, paths) => {
            return Err(Failure::Usage(format!(
                "diff takes two paths (A B), one with --git REV, or --all DIR; got {}",
                paths.len()
            )));
        }
    };
    let normalize = normalize(args, &[&a, &b])?;
    let d = diff::compare(&a, &b, normalize);
    let stdout = report::diff(&d, format, color);
    // Text prints nothing when nothing differs; say what was not covered.
    let stderr = if format == Format::Text && d.is_empty() {
        d.notes.iter().map(|n| format!("note: {n}\n")).collect()
    } else {
        String::new()
    };
    let code = if d.is_empty() { EXIT_OK } else { EXIT_FINDINGS };
    Ok(Outcome {
        stdout,
        stderr,
        code,
    })
}

fn run_all(
    args: &DiffArgs,
    dir: &Path,
    root: Option<&Path>,
    format: Format,
    color: bool,
) -> Result<Outcome, Failure> {
    if !args.paths.is_empty() {
        return Err(Failure::Usage(
            "diff --all DIR takes no other paths".to_string(),
        ));
    }
    let envs = Reader::new(args.kustomize, root).environments(dir)?;
    let sides: Vec<&Side> = envs.iter().map(|(_, s)| s).collect();
    let normalize = normalize(args, &sides)?;
    let t = all::table(&envs, normalize);
    let code = if t.is_empty() { EXIT_OK } else { EXIT_FINDINGS };
    Ok(Outcome {
        stdout: report::table(&t, format, color),
        stderr: String::new(),
        code,
    })
}

/// `--normalize`, `--no-normalize`, or on when every side is one
/// NetworkPolicySet environment and they are not all the same one.
fn normalize(args: &DiffArgs, sides: &[&Side]) -> Result<bool, Failure> {
    if args.no_normalize {
        return Ok(false);
    }
    let missing: Vec<&str> = sides
        .iter()
        .filter(|s| s.norm.is_none())
        .map(|s| s.label.as_str())
        .collect();
    if args.normalize {
        if let Some(label) = missing.first() {
            return Err(Failure::Usage(format!(
                "--normalize: {label} is not a single NetworkPolicySet environment, so it has no namespace, suffix and environment to replace"
            )));
        }
        return Ok(true);
    }
    if !missing.is_empty() {
        return Ok(false);
    }
    let first = sides.first().and_then(|s| s.norm.as_ref());
    Ok(sides.iter().any(|s| s.norm.as_ref() != first))
}
