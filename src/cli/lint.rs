//! `netpolgen lint PATH...`: findings on stdout, a summary on stderr.

use std::path::{Path, PathBuf};

use super::formats;
use super::input::is_intent;
use super::render::render_one;
use super::{Ctx, Outcome};
use crate::diag::Status;
use crate::io;
use crate::lint::{self, FailOn, Finding, Intent, Source};
use crate::model::cluster;
use crate::pipeline::Rendered;
use crate::report::{self, Format, Options};

/// `netpolgen lint`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no findings at the --fail-on level; 1 such findings, or \
    input that is not YAML; 2 usage or I/O errors."
)]
pub struct LintArgs {
    /// Manifest files or directories (walked for *.yaml, *.yml, *.json), or
    /// a NetworkPolicySet file or overlay directory; `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, short, default_value = "text", value_parser = formats::parser(&report::lint::FORMATS))]
    pub output: Format,
    /// The least severe finding that fails the run.
    #[arg(long, value_enum, default_value_t = Level::Error)]
    pub fail_on: Level,
    /// The moment window expiries are judged at (RFC 3339, or `now`, the
    /// default): a window policy expired before it is an NP018 finding.
    #[arg(long, value_name = "TIME", value_parser = super::at::parse)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
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

/// Runs `netpolgen lint`. A NetworkPolicySet (a file, or a directory
/// holding one) is rendered and linted on the workloads it stands for.
pub fn run(args: &LintArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let (intents, manifests): (Vec<&PathBuf>, Vec<&PathBuf>) =
        args.paths.iter().partition(|p| is_intent(p, root));
    let mut rendered = Vec::new();
    for path in intents {
        match render_one(path, root) {
            Ok(r) => rendered.push(intent(r)),
            Err(f) => return Outcome::failure(ctx, &f),
        }
    }
    if manifests.is_empty() {
        return report(&[], &rendered, args, ctx);
    }
    let manifests: Vec<PathBuf> = manifests.into_iter().cloned().collect();
    match io::manifests::read_sources(&manifests) {
        Ok(sources) => report(&sources, &rendered, args, ctx),
        Err(errors) => Outcome::io_failed(ctx, &errors),
    }
}

/// What a rendered NetworkPolicySet gives lint.
fn intent(r: Rendered) -> Intent {
    let (namespaces, workloads) = cluster::workloads(&r.model);
    Intent {
        file: r.loaded.map.top().to_string(),
        name: r.loaded.set.metadata.name.clone(),
        // A Cilium render is linted as the NetworkPolicies that admit
        // the same at L3 and L4.
        policies: {
            let cilium: Vec<_> = r.cilium.iter().map(|c| c.policy.clone()).collect();
            let mut p = r.policies;
            p.extend(crate::proof::cilium::network_policies(
                &cilium,
                &r.model.namespace,
            ));
            p
        },
        namespaces,
        workloads,
    }
}

fn report(sources: &[Source], intents: &[Intent], args: &LintArgs, ctx: &mut Ctx<'_>) -> Outcome {
    let findings =
        match lint::lint_with_intents(sources, intents, args.at.unwrap_or_else(chrono::Utc::now)) {
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
