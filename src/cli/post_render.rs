//! `netpolgen post-render --config FILE`: a Helm post-renderer. Helm pipes
//! the chart's rendered manifests in; the same manifests plus the rendered
//! NetworkPolicies come out (see [`crate::gitops::helm`]).

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_OK, Outcome};
use crate::gitops;
use crate::gitops::helm::PostRendered;
use crate::lint;

/// `netpolgen post-render`.
#[derive(Debug, clap::Args)]
pub struct PostRenderArgs {
    /// The NetworkPolicySet to render into the chart's output (a file, or a
    /// directory holding one).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Also lint the chart's NetworkPolicies and workloads, together with
    /// the generated policies (`netpolgen lint` rules): findings go to
    /// stderr, and an error finding fails with nothing on stdout.
    #[arg(long)]
    pub lint: bool,
}

/// Renders the config, then reads the chart's stream from stdin. Nothing
/// is written to stdout unless both succeed.
pub fn run(args: &PostRenderArgs, root: Option<&Path>) -> Outcome {
    let rendered = match gitops::render_path(&args.config, root) {
        Ok(r) => r,
        Err(errors) => return Outcome::failed(&errors),
    };
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Outcome::usage(
            "post-render reads the chart's rendered manifests on stdin; \
             Helm pipes them in (helm install --post-renderer ...)",
        );
    }
    let mut input = String::new();
    if let Err(e) = stdin.read_to_string(&mut input) {
        return Outcome::usage(format!("reading stdin: {e}"));
    }
    let out = match gitops::helm::post_render(&input, &rendered.policies) {
        Ok(out) => out,
        Err(errors) => return Outcome::failed(&errors),
    };
    if !args.lint {
        return Outcome::ok(out.output);
    }
    let generated = rendered
        .loaded
        .layers
        .first()
        .map_or_else(|| "netpolgen".to_string(), |l| l.display.clone());
    // Helm puts the chart's objects in the release namespace, which is
    // where the set's policies live.
    let namespace = rendered.loaded.set.spec.namespace.clone();
    lint_output(
        out,
        &format!("{generated} (rendered)"),
        namespace.as_deref(),
    )
}

/// Lints the chart's part (named `stdin`) and the generated part as one
/// cluster, chart objects without a namespace in `namespace`; error
/// findings fail the run.
fn lint_output(out: PostRendered, generated: &str, namespace: Option<&str>) -> Outcome {
    let sources = [
        lint::Source {
            file: "stdin".into(),
            text: out.chart().to_string(),
        },
        lint::Source {
            file: generated.into(),
            text: out.generated().to_string(),
        },
    ];
    let findings = match lint::lint_sources_in(&sources, namespace) {
        Ok(findings) => findings,
        Err(errors) => return Outcome::failed(&errors),
    };
    let stderr = format!(
        "{}post-render lint: {}\n",
        lint::output::text(&findings),
        lint::output::summary(&findings)
    );
    if lint::has_errors(&findings) {
        return Outcome {
            stdout: String::new(),
            stderr,
            code: EXIT_FINDINGS,
        };
    }
    Outcome {
        stdout: out.output,
        stderr,
        code: EXIT_OK,
    }
}
