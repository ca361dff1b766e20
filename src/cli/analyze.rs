//! `netpolgen analyze`: the connectivity of any manifests, streamed to
//! stdout in the chosen format.

use std::path::{Path, PathBuf};

use super::formats;
use super::{Ctx, Outcome, written};
use crate::analyze::Analysis;
use crate::diag::Errors;
use crate::engine::{Cluster, validate};
use crate::io;
use crate::k8s::manifest::{Manifests, from_docs, parse_text};
use crate::report::{self, Format, Options};

/// `netpolgen analyze`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 analyzed; 1 invalid manifests; 2 usage or I/O errors.")]
pub struct AnalyzeArgs {
    /// Manifest files or directories (walked for *.yaml, *.yml); `-` for
    /// stdin, the default.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, default_value = "table", value_parser = formats::parser(&report::analyze::FORMATS))]
    pub output: Format,
    /// Leave denied connections out (json, table, md).
    #[arg(long)]
    pub allowed_only: bool,
}

/// Reads and parses the manifests at `paths` (stdin when none). A file
/// that cannot be read is an I/O failure; one that is not valid input is
/// invalid input.
pub fn load(paths: &[PathBuf], ctx: &Ctx<'_>) -> Result<Manifests, Outcome> {
    let stdin = [PathBuf::from("-")];
    let paths = if paths.is_empty() { &stdin[..] } else { paths };
    let sources = io::manifests::read_sources(paths).map_err(|e| Outcome::io_failed(ctx, &e))?;
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    for s in &sources {
        match parse_text(&s.text, &s.file) {
            Ok(d) => docs.extend(d),
            Err(e) => errors.extend(e.0),
        }
    }
    Errors::check(errors)
        .and_then(|()| from_docs(&docs))
        .map_err(|e| Outcome::failed(ctx, &e))
}

/// Warnings for the parts of policies the API server would reject: the
/// engine lets those parts match nothing, which the user should know.
pub fn spec_warnings(m: &Manifests) -> String {
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

/// Runs `analyze`.
pub fn run(args: &AnalyzeArgs, _root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let m = match load(&args.paths, ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let cluster = Cluster::from_manifests(&m);
    let analysis = Analysis::new(&cluster);
    let options = Options {
        allowed_only: args.allowed_only,
        color: ctx.color_stdout,
    };
    let result = report::analyze::write(&analysis, args.output, &options, ctx.stdout)
        .and_then(|()| ctx.stdout.flush());
    match written(result) {
        Ok(()) => Outcome::ok().with_stderr(spec_warnings(&m)),
        Err(o) => o,
    }
}
