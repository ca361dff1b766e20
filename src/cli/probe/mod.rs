//! `netpolgen probe`: the policies checked in a live cluster.
//!
//! `manifests` writes the probe objects for the workload classes of any
//! manifests or intent; inside the cluster, `serve` answers on a class's
//! ports and `run` tries a class's connections; `cleanup` says what to
//! delete afterwards. Exit codes of `run`: 0 every check agrees, 1 a
//! surprise (or a check that proved nothing), 2 usage and I/O errors.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod live;

use super::analyze::{problems_text, read, spec_warnings};
use super::{Ctx, Outcome, formats};
use crate::diag::{Errors, Status};
use crate::k8s::Protocol;
use crate::probe::objects::{self, ObjectOptions};
use crate::probe::{Expect, Plan, PlanOptions, SYSTEM_NAMESPACE, parse_port, plan};
use crate::report::{self, Format, policies};

/// `netpolgen probe`.
#[derive(Debug, clap::Subcommand)]
pub enum ProbeCommand {
    /// Kubernetes objects that check the policies in a live cluster: a
    /// server and a runner pod per workload class, and the expected matrix.
    Manifests(ManifestsArgs),
    /// Inside a probe pod: answer on the given ports (TCP, UDP echo, SCTP).
    Serve(ServeArgs),
    /// Try the connections of a matrix; exit 1 on any surprise.
    Run(RunArgs),
    /// What deletes the probe objects: kubectl commands, or the objects.
    Cleanup(CleanupArgs),
}

/// What a plan is made from.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Manifest files or directories, NetworkPolicySets (a file or a
    /// directory holding one), `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Expected-denied connections to try per source class: a number, or `all`.
    #[arg(long, value_name = "N", default_value = "10", value_parser = parse_sample)]
    pub denied_sample: Sample,
    /// The policies in force at TIME (RFC 3339, or `now`): each window's
    /// flows open or closed as at that moment.
    #[arg(long, value_name = "TIME", value_parser = super::at::parse)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `--denied-sample`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample(Option<usize>);

fn parse_sample(text: &str) -> Result<Sample, String> {
    match text {
        "all" => Ok(Sample(None)),
        n => n
            .parse()
            .map(|n| Sample(Some(n)))
            .map_err(|_| format!("{n:?}: expected a number or `all`")),
    }
}

/// `netpolgen probe manifests`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 written; 1 invalid input, or probe pods that would \
    not stand for the workloads; 2 usage or I/O errors, or no workloads.\n\n\
    Apply, wait, read, clean up:\n  netpolgen probe manifests overlays/prod | kubectl apply -f -\n  \
    kubectl wait --for=condition=complete job --all-namespaces -l netpolgen.io/probe=true --timeout=10m\n  \
    kubectl logs -n alt-las-prod -l netpolgen.io/probe=true,job-name --tail=-1\n  \
    netpolgen probe cleanup overlays/prod | sh"
)]
pub struct ManifestsArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// The image of the probe pods; it must hold `netpolgen` on its PATH.
    #[arg(long, default_value_t = objects::default_image())]
    pub image: String,
    /// The cluster's DNS domain.
    #[arg(long, default_value = "cluster.local")]
    pub cluster_domain: String,
    /// The runners' timeout per attempt.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// The runners' attempts per check.
    #[arg(long, default_value_t = 3)]
    pub attempts: u32,
    /// How long the runners wait for the servers to resolve and serve.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub wait: Duration,
    /// Output format.
    #[arg(long, short, default_value = "yaml", value_parser = formats::parser(&policies::FORMATS))]
    pub output: Format,
}

/// `netpolgen probe serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The probe's id, sent in every greeting.
    #[arg(long, default_value = "probe")]
    pub id: String,
    /// Ports to serve: `3000/TCP,53/UDP,2905/SCTP` (TCP when no protocol).
    #[arg(long, required = true, value_delimiter = ',', value_parser = parse_port)]
    pub ports: Vec<(u16, Protocol)>,
    /// Addresses to listen on (default `::`, or `0.0.0.0` without IPv6).
    #[arg(long, value_name = "ADDR")]
    pub bind: Vec<IpAddr>,
    /// Stop after this long (default: serve until stopped).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub exit_after: Option<Duration>,
}

/// `netpolgen probe run`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 every check agrees with the matrix (checks that \
    cannot run here, SCTP without kernel support, are listed as skipped); 1 a surprise, or a \
    check that proved nothing (a destination that did not resolve, another server); 2 usage \
    or I/O errors, or a matrix that cannot be read."
)]
pub struct RunArgs {
    /// The matrix (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub matrix: PathBuf,
    /// Only the checks from this source probe (the pod's own class).
    #[arg(long = "as", value_name = "SOURCE")]
    pub source: Option<String>,
    /// Timeout per attempt: to connect, and then for the greeting or echo.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Attempts per check while the outcome disagrees with the expectation.
    #[arg(long, default_value_t = 3)]
    pub attempts: u32,
    /// How long destinations may take to resolve and to start serving.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub wait: Duration,
    /// Checks tried at once.
    #[arg(long, default_value_t = 16)]
    pub parallel: usize,
    /// Also write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, default_value = "table", value_parser = formats::parser(&report::probe::FORMATS))]
    pub output: Format,
}

/// `netpolgen probe cleanup`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without paths: commands that delete every probe object in every \
    namespace, by the label netpolgen.io/probe=true. With paths: the namespaces of those \
    probes only (text), or the objects themselves for `kubectl delete -f` (yaml, json)."
)]
pub struct CleanupArgs {
    /// The paths given to `probe manifests` (none: every namespace).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_name = "N", default_value = "10", value_parser = parse_sample)]
    pub denied_sample: Sample,
    /// Output format.
    #[arg(long, short, default_value = "text", value_parser = formats::parser(&CLEANUP_FORMATS))]
    pub output: Format,
}

const CLEANUP_FORMATS: [Format; 3] = [Format::Text, Format::Yaml, Format::Json];

/// `300ms`, `2s`, `5m`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a duration such as 300ms, 2s or 5m"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("{text:?}: the unit must be ms, s or m")),
    }
}

/// Runs `netpolgen probe ...`.
pub fn run(cmd: &ProbeCommand, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    match cmd {
        ProbeCommand::Manifests(a) => manifests(a, root, ctx),
        ProbeCommand::Serve(a) => live::serve(a, ctx),
        ProbeCommand::Run(a) => live::run_checks(a, ctx),
        ProbeCommand::Cleanup(a) => cleanup(a, root, ctx),
    }
}

/// The plan of `paths`, with what stderr should say about the input.
fn planned(
    paths: &[PathBuf],
    at: Option<chrono::DateTime<chrono::Utc>>,
    sample: Sample,
    root: Option<&Path>,
    ctx: &Ctx<'_>,
) -> Result<(Plan, String), Outcome> {
    let input = read(paths, at, root, ctx)?;
    if !input.problems.is_empty() {
        let mut o = Outcome::failed(ctx, &Errors(input.problems.clone()));
        o.stderr.push_str(&input.notes());
        return Err(o);
    }
    let options = PlanOptions {
        denied_sample: sample.0,
    };
    let plan = plan(&input.m, &options).map_err(|e| Outcome::failed(ctx, &e))?;
    let notes = format!(
        "{}{}{}",
        problems_text(&input, ctx),
        spec_warnings(&input),
        input.notes()
    );
    Ok((plan, notes))
}

fn manifests(args: &ManifestsArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let (plan, mut stderr) = match planned(
        &args.plan.paths,
        args.plan.at,
        args.plan.denied_sample,
        root,
        ctx,
    ) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let options = object_options(args);
    let text = policies::to_string(&objects::objects(&plan, &options), args.output);
    if let Err(o) = ctx.emit(text.as_bytes()) {
        return o;
    }
    if !plan.not_probed.is_empty() {
        stderr.push_str(&format!(
            "note: probe: no probe pods in {SYSTEM_NAMESPACE} (the runners' name lookups try the \
             cluster DNS): {}\n",
            plan.not_probed.join(", ")
        ));
    }
    for id in &plan.dns_denied {
        if plan.checks.iter().any(|c| &c.from == id) {
            stderr.push_str(&format!(
                "warning: probe: the policies deny {id} egress to the cluster DNS (53/UDP \
                 in {SYSTEM_NAMESPACE}): its runner cannot resolve the probe \
                 servers, and its checks will end inconclusive\n"
            ));
        }
    }
    let allowed = plan
        .checks
        .iter()
        .filter(|c| c.expect == Expect::Allowed)
        .count();
    let unsampled: usize = plan.unsampled.values().sum();
    stderr.push_str(&format!(
        "probe: {} probe(s) in {} namespace(s), {} check(s): {allowed} allowed, {} denied",
        plan.probes.len(),
        plan.namespaces.len(),
        plan.checks.len(),
        plan.checks.len() - allowed,
    ));
    if unsampled > 0 {
        stderr.push_str(&format!(
            " ({unsampled} more denied left out; --denied-sample all tries every one)"
        ));
    }
    stderr.push('\n');
    Outcome {
        stderr,
        status: Status::Ok,
    }
}

fn object_options(args: &ManifestsArgs) -> ObjectOptions {
    let ms = |d: Duration| match d.as_millis() {
        n if n % 1000 == 0 => format!("{}s", n / 1000),
        n => format!("{n}ms"),
    };
    ObjectOptions {
        image: args.image.clone(),
        cluster_domain: args.cluster_domain.clone(),
        run_args: vec![
            "--timeout".into(),
            ms(args.timeout),
            "--attempts".into(),
            args.attempts.to_string(),
            "--wait".into(),
            ms(args.wait),
        ],
        job_deadline_seconds: 600 + 2 * args.wait.as_secs(),
    }
}

fn cleanup(args: &CleanupArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let (text, stderr) = if args.paths.is_empty() {
        if args.output != Format::Text {
            return Outcome::usage(
                "cleanup -o yaml|json lists the objects of given paths: add them",
            );
        }
        (report::probe::cleanup_commands(&[], &[]), String::new())
    } else {
        let (plan, notes) = match planned(&args.paths, None, args.denied_sample, root, ctx) {
            Ok(p) => p,
            Err(o) => return o,
        };
        let text = match args.output {
            Format::Text => {
                let namespaces: Vec<String> = plan.namespaces.keys().cloned().collect();
                report::probe::cleanup_commands(&namespaces, &plan.created)
            }
            format => {
                let options = ObjectOptions {
                    image: String::new(),
                    cluster_domain: String::new(),
                    run_args: Vec::new(),
                    job_deadline_seconds: 0,
                };
                policies::to_string(&objects::references(&plan, &options), format)
            }
        };
        (text, notes)
    };
    match ctx.emit(text.as_bytes()) {
        Ok(()) => Outcome {
            stderr,
            status: Status::Ok,
        },
        Err(o) => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("s").is_err());
    }
}
