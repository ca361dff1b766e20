//! `netpolgen post-render --config FILE`: a Helm post-renderer. Helm pipes
//! the chart's rendered manifests in; the same manifests plus the rendered
//! NetworkPolicies come out (see [`crate::gitops::helm`]).

use std::path::{Path, PathBuf};

use super::render::render_one;
use super::{Ctx, Outcome};
use crate::diag::Status;
use crate::gitops::helm::{self, PostRendered};
use crate::{io, lint, report};

/// `netpolgen post-render`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 rendered; 1 invalid input or lint errors (nothing on \
    stdout); 2 usage or I/O errors."
)]
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
pub fn run(args: &PostRenderArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let rendered = match render_one(&args.config, root) {
        Ok(r) => r,
        Err(f) => return Outcome::failure(ctx, &f),
    };
    if !rendered.cilium.is_empty() {
        let errors = crate::diag::Errors(vec![crate::diag::Diagnostic::error(
            "post-render adds NetworkPolicies; this set renders CiliumNetworkPolicies (spec.backend: cilium), so render it with `netpolgen render` or the KRM function instead",
        )
        .in_file(rendered.loaded.map.top().to_string())]);
        return Outcome::failed(ctx, &errors);
    }
    if io::stdin_is_terminal() {
        return Outcome::usage(
            "post-render reads the chart's rendered manifests on stdin; \
             Helm pipes them in (helm install --post-renderer ...)",
        );
    }
    let input = match io::read_stdin() {
        Ok(t) => t,
        Err(e) => return Outcome::usage(format!("reading stdin: {e}")),
    };
    let out = match helm::post_render(&input, &rendered.policies, &rendered.machinery) {
        Ok(out) => out,
        Err(errors) => return Outcome::failed(ctx, &errors),
    };
    let mut outcome = Outcome::ok();
    if args.lint {
        let generated = format!("{} (rendered)", rendered.loaded.map.top());
        // Helm puts the chart's objects in the release namespace, which is
        // where the set's policies live.
        match lint_output(&out, &generated, &rendered.model.namespace, ctx) {
            Ok(o) => outcome = o,
            Err(o) => return o,
        }
    }
    match ctx.emit(out.output.as_bytes()) {
        Ok(()) => outcome,
        Err(o) => o,
    }
}

/// Lints the chart's part (named `stdin`) and the generated part as one
/// cluster, chart objects without a namespace in `namespace`; error
/// findings fail the run.
fn lint_output(
    out: &PostRendered,
    generated: &str,
    namespace: &str,
    ctx: &Ctx<'_>,
) -> Result<Outcome, Outcome> {
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
    let findings = lint::lint_sources_in(&sources, Some(namespace), chrono::Utc::now())
        .map_err(|errors| Outcome::failed(ctx, &errors))?;
    let mut text = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = report::lint::text(&findings, &mut text);
    let stderr = format!(
        "{}post-render lint: {}\n",
        String::from_utf8_lossy(&text),
        report::lint::summary(&findings)
    );
    let status = Status::findings_if(lint::has_errors(&findings));
    let outcome = Outcome { stderr, status };
    if status == Status::Ok {
        Ok(outcome)
    } else {
        Err(outcome)
    }
}
