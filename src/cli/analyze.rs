//! `netpolgen analyze`: the connectivity of any manifests (and of
//! NetworkPolicySets, on their own workloads), streamed to stdout.

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

use super::input::{self, Input};
use super::{Ctx, Outcome, formats, written};
use crate::analyze::Analysis;
use crate::analyze::graph::View;
use crate::diag::{Errors, Status};
use crate::engine::{Cluster, validate};
use crate::report::{self, Format, Options, diagnostics};

/// `netpolgen analyze`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 analyzed; 1 some input could not be read (each named on \
    stderr and under `skipped` in JSON; --skip-invalid accepts that), or an intent that does not \
    render; 2 usage or I/O errors, or no workloads at all."
)]
pub struct AnalyzeArgs {
    /// Manifest files or directories (walked for *.yaml, *.yml, *.json),
    /// NetworkPolicySets (a file or a directory holding one), `-` for
    /// stdin (the default).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, default_value = "table", value_parser = formats::parser(&report::analyze::FORMATS))]
    pub output: Format,
    /// Leave denied connections out (json, table, md).
    #[arg(long)]
    pub allowed_only: bool,
    /// Exit 0 even when some files or documents could not be read.
    #[arg(long)]
    pub skip_invalid: bool,
    #[command(flatten)]
    pub graph: formats::GraphArgs,
    /// The policies in force at TIME (RFC 3339, or `now`): each window's
    /// policies when it is open, and no window CronJobs. Without it, every
    /// window is closed. Window policies in the manifests whose expiry is
    /// before TIME (default: now) are warned about.
    #[arg(long, value_name = "TIME", value_parser = super::at::parse)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Warnings for the parts of policies the API server would reject: the
/// engine lets those parts match nothing, which the user should know.
pub fn spec_warnings(input: &Input) -> String {
    let m = &input.m;
    let mut out = String::new();
    for (p, origin) in m.policies.iter().zip(&m.policy_origins) {
        for problem in validate(&p.spec) {
            out.push_str(&format!(
                "warning: {}: document {}: NetworkPolicy {}: {problem} (this part matches nothing)\n",
                origin.file,
                origin.index + 1,
                p.metadata.name
            ));
        }
    }
    out
}

/// The input, or the outcome when it cannot be analyzed at all.
pub fn read(
    paths: &[PathBuf],
    at: Option<DateTime<Utc>>,
    root: Option<&Path>,
    ctx: &Ctx<'_>,
) -> Result<Input, Outcome> {
    let input = input::load(paths, at, root, ctx)?;
    if let Err(e) = input.require_workloads() {
        let mut o = Outcome::io_failed(ctx, &e);
        o.stderr.insert_str(0, &problems_text(&input, ctx));
        return Err(o);
    }
    Ok(input)
}

/// Every problem of the input, for stderr.
pub fn problems_text(input: &Input, ctx: &Ctx<'_>) -> String {
    diagnostics::to_string(&Errors(input.problems.clone()), ctx.color_stderr)
}

/// Runs `analyze`.
pub fn run(args: &AnalyzeArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let graph = match args.graph.options(args.output) {
        Ok(g) => g,
        Err(e) => return Outcome::usage(e),
    };
    let input = match read(&args.paths, args.at, root, ctx) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let cluster = Cluster::from_manifests(&input.m);
    let mut analysis = Analysis::new(&cluster);
    analysis.skipped = input.problems.clone();
    analysis.warnings = input.warnings.clone();
    let options = Options {
        allowed_only: args.allowed_only,
        color: ctx.color_stdout,
        graph,
    };
    let mut layouter = args.graph.layouter();
    let result = if report::graph::FORMATS.contains(&args.output) {
        // The focus and the layout are settled before anything is written.
        let views = [View::new(&analysis)];
        let g = match report::analyze::picture(&views, &options.graph) {
            Ok(g) => g,
            Err(e) => return Outcome::usage(e),
        };
        let picture = if args.output == Format::Html {
            match layouter.picture(&g) {
                Ok(p) => Some(p),
                Err(e) => return Outcome::usage(e),
            }
        } else {
            None
        };
        let mut layout = |_: &_| {
            Ok(picture
                .clone()
                .unwrap_or(report::graph::html::Picture::Builtin))
        };
        report::graph::write(&views, &g, args.output, &mut layout, ctx.stdout)
    } else {
        report::analyze::write(&analysis, args.output, &options, ctx.stdout)
    };
    let result = result.and_then(|()| ctx.stdout.flush());
    if let Err(o) = written(result) {
        return o;
    }
    let status = Status::findings_if(!input.problems.is_empty() && !args.skip_invalid);
    Outcome {
        stderr: format!(
            "{}{}{}{}{}",
            problems_text(&input, ctx),
            diagnostics::to_string(&Errors(input.warnings.clone()), ctx.color_stderr),
            spec_warnings(&input),
            input.notes(),
            layouter.notes
        ),
        status,
    }
}
