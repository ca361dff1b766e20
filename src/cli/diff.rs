//! `netpolgen diff`: text and connectivity diff of two renders, of a path
//! against a git revision, or of every pair of environments.
//!
//! Exit codes follow diff(1): 0 no difference, 1 differences, 2 trouble.

use std::path::Path;

use super::formats;
use super::{Ctx, Outcome};
use crate::diag::{Errors, Status};
use crate::diff::{self, Side, all};
use crate::io::sides::Reader;
use crate::io::{self, git::Revision};
use crate::report::{self, Format, Options};

/// `netpolgen diff`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no difference; 1 differences, or invalid input; 2 usage or I/O errors.\n\n\
    Examples:\n  netpolgen diff overlays/staging overlays/prod\n  \
    netpolgen diff --git origin/main overlays/ --output md\n  \
    netpolgen diff --all overlays/"
)]
pub struct DiffArgs {
    /// The two sides, A then B: each a NetworkPolicySet file or overlay
    /// directory, a directory of overlays, a kustomize directory (with
    /// --kustomize), a file or directory of rendered manifests, or - for a
    /// stream on stdin. With --git, one path: the working tree's, compared
    /// against REV's.
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Compare PATH at this git revision (A) with the working tree (B).
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    /// Build directories with `kubectl kustomize --enable-alpha-plugins`
    /// (or `kustomize build` where installed), this binary as the plugin.
    #[arg(long)]
    pub kustomize: bool,
    /// Compare every pair of environments (subdirectories) of DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "git")]
    pub all: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, short, default_value = "text", value_parser = formats::parser(&report::diff::FORMATS))]
    pub output: Format,
    /// Replace each side's namespace, name suffix and environment with
    /// placeholders. Default: on when both sides are NetworkPolicySets of
    /// different environments.
    #[arg(long, conflicts_with = "no_normalize")]
    pub normalize: bool,
    /// Compare the values as they are, even across environments.
    #[arg(long)]
    pub no_normalize: bool,
    #[command(flatten)]
    pub graph: formats::GraphArgs,
    /// Compare the policies in force at TIME (RFC 3339, or `now`): each
    /// window's policies when it is open, no window CronJobs.
    #[arg(long, value_name = "TIME", value_parser = super::at::parse)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

enum Failure {
    Usage(String),
    Side(io::Failure),
}

/// Extracting a revision: the revision or the repository is not usable.
impl From<Errors> for Failure {
    fn from(e: Errors) -> Failure {
        Failure::Side(io::Failure::Io(e))
    }
}

impl From<io::Failure> for Failure {
    fn from(f: io::Failure) -> Failure {
        Failure::Side(f)
    }
}

/// Runs `netpolgen diff`.
pub fn run(args: &DiffArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let graph = match args.graph.options(args.output) {
        Ok(g) => g,
        Err(e) => return Outcome::usage(e),
    };
    let options = Options {
        color: ctx.color_stdout && args.output == Format::Text,
        graph,
        ..Options::default()
    };
    let result = match &args.all {
        Some(dir) => run_all(args, dir, root, &options),
        None => run_pair(args, root, &options),
    };
    match result {
        Ok((bytes, outcome)) => match ctx.emit(&bytes) {
            Ok(()) => outcome,
            Err(o) => o,
        },
        Err(Failure::Usage(message)) => Outcome::usage(message),
        Err(Failure::Side(f)) => Outcome::failure(ctx, &f),
    }
}

fn run_pair(
    args: &DiffArgs,
    root: Option<&Path>,
    options: &Options,
) -> Result<(Vec<u8>, Outcome), Failure> {
    let (a, b) = match (&args.git, args.paths.as_slice()) {
        (Some(rev), [path]) => {
            let revision = Revision::extract(rev, path, root)?;
            let a = if revision.exists() {
                Reader::new(args.kustomize, revision.root.as_deref(), args.at)
                    .side(&revision.path, &revision.label)?
            } else {
                let mut empty = Side::build(&revision.label, &[])?;
                empty
                    .notes
                    .push(format!("{} does not exist at {rev}", path.display()));
                empty
            };
            let b = Reader::new(args.kustomize, root, args.at)
                .side(path, &path.display().to_string())?;
            (a, b)
        }
        (Some(_), paths) => {
            return Err(Failure::Usage(format!(
                "diff --git REV takes one path, got {}",
                paths.len()
            )));
        }
        (None, [pa, pb]) => {
            let mut reader = Reader::new(args.kustomize, root, args.at);
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
    let mut stdout = Vec::new();
    let mut notes = String::new();
    if report::graph::FORMATS.contains(&args.output) {
        let sides = diff::graph::sides(&a, &b, normalize);
        // Writing to a Vec cannot fail; a focus that names nothing, or
        // `--layout dot` without dot, can.
        let mut layouter = args.graph.layouter();
        report::diff::write_graph(
            &sides,
            args.output,
            options,
            &mut |g| layouter.picture(g),
            &mut stdout,
        )
        .map_err(|e| Failure::Usage(e.to_string()))?;
        notes = layouter.notes;
    } else {
        // Writing to a Vec cannot fail.
        let _ = report::diff::write(&d, args.output, options, &mut stdout);
    }
    // Text prints nothing when nothing differs; say what was not covered.
    let mut stderr = if args.output == Format::Text && d.is_empty() {
        d.notes.iter().map(|n| format!("note: {n}\n")).collect()
    } else {
        String::new()
    };
    stderr.push_str(&notes);
    let status = Status::findings_if(!d.is_empty());
    Ok((stdout, Outcome { stderr, status }))
}

fn run_all(
    args: &DiffArgs,
    dir: &Path,
    root: Option<&Path>,
    options: &Options,
) -> Result<(Vec<u8>, Outcome), Failure> {
    if !args.paths.is_empty() {
        return Err(Failure::Usage(
            "diff --all DIR takes no other paths".to_string(),
        ));
    }
    if report::graph::FORMATS.contains(&args.output) {
        return Err(Failure::Usage(format!(
            "diff --all writes text, json or md, not {}; draw one pair: netpolgen diff A B -o {}",
            args.output, args.output
        )));
    }
    let envs = Reader::new(args.kustomize, root, args.at).environments(dir)?;
    let sides: Vec<&Side> = envs.iter().map(|(_, s)| s).collect();
    let normalize = normalize(args, &sides)?;
    let t = all::table(&envs, normalize);
    let mut stdout = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = report::diff::write_table(&t, args.output, options, &mut stdout);
    let status = Status::findings_if(!t.is_empty());
    Ok((
        stdout,
        Outcome {
            stderr: String::new(),
            status,
        },
    ))
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
