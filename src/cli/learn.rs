//! `netpolgen learn FLOWS...`: an intent from observed traffic on stdout,
//! the report of what was seen on stderr (or `--report FILE`).

use std::path::{Path, PathBuf};

use super::formats;
use super::{Ctx, Outcome};
use crate::diag::{Diagnostic, Errors};
use crate::io::{self, Disk, Failure};
use crate::learn::{self, Into, Learned, Options};
use crate::report::{self, Format};
use crate::spec::files::Memory;
use crate::{pipeline, spec};

/// `netpolgen learn`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Flows: Hubble's JSON export (hubble observe -o json or -o jsonpb), or the \
    plain CSV or JSON-lines format of the README.\n\n\
    Exit status: 0 learned, rendered and proved; 1 invalid input, or an intent that does not \
    render or prove (nothing on stdout); 2 usage or I/O errors.\n\n\
    Examples:\n  hubble observe -n alt-las-prod -o json > flows.json\n  \
    netpolgen learn flows.json --namespace alt-las-prod > netpolset.yaml\n  \
    netpolgen learn flows.json --into base/netpolset.yaml --namespace alt-las-prod"
)]
pub struct LearnArgs {
    /// Flow files, or - for stdin.
    #[arg(required = true, value_name = "FLOWS")]
    pub flows: Vec<PathBuf>,
    /// The intent's namespace (default: --into's, else the namespace whose
    /// workloads receive the most connections).
    #[arg(long, short, value_name = "NS")]
    pub namespace: Option<String>,
    /// Propose additions to this intent instead of writing a new one.
    #[arg(long, value_name = "INTENT")]
    pub into: Option<PathBuf>,
    /// Output format of the intent.
    #[arg(long, short, default_value = "yaml", value_parser = formats::parser(&[Format::Yaml, Format::Json]))]
    pub output: Format,
    /// Group addresses outside the cluster per network of this length (`/24`).
    #[arg(long, value_name = "/N", value_parser = prefix)]
    pub aggregate_cidr: Option<u8>,
    /// Write the report to FILE instead of stderr.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Format of the report.
    #[arg(long, default_value = "text", value_parser = formats::parser(&report::learn::FORMATS))]
    pub report_format: Format,
}

fn prefix(text: &str) -> Result<u8, String> {
    let n = text.strip_prefix('/').unwrap_or(text);
    n.parse::<u8>()
        .ok()
        .filter(|n| *n <= 128)
        .ok_or_else(|| format!("{text:?} is not a prefix length such as /24"))
}

/// Runs `netpolgen learn`.
pub fn run(args: &LearnArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let learned = match learned(args, root) {
        Ok(l) => l,
        Err(f) => return Outcome::failure(ctx, &f),
    };
    let text = match args.output {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&learned.document).unwrap_or_default()
        ),
        _ => learn::to_yaml(&learned),
    };
    let report = report::learn::to_string(&learned.report, args.report_format);
    let stderr = match &args.report {
        None => report,
        Some(file) => match std::fs::write(file, report) {
            Ok(()) => String::new(),
            Err(e) => return Outcome::usage(format!("writing {}: {e}", file.display())),
        },
    };
    match ctx.emit(text.as_bytes()) {
        Ok(()) => Outcome {
            stderr,
            ..Outcome::ok()
        },
        Err(o) => o,
    }
}

fn learned(args: &LearnArgs, root: Option<&Path>) -> Result<Learned, Failure> {
    let files = io::flows::read(&args.flows)?;
    let options = Options {
        namespace: args.namespace.clone(),
        aggregate: args.aggregate_cidr,
    };
    let Some(path) = &args.into else {
        let learned = learn::from_texts(&files, &options, None).map_err(Failure::Input)?;
        learn::prove(&Memory::default(), &learned, Path::new("."))
            .map_err(|e| Failure::Input(unproved(e)))?;
        return Ok(learned);
    };
    let start = if path.is_dir() {
        path.as_path()
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let disk = Disk::new(root, start).map_err(Failure::Io)?;
    let input = pipeline::input_at(&disk, path).map_err(Failure::Io)?;
    let layer: serde_json::Value = crate::k8s::yaml::parse(&input.text).map_err(|e| {
        Failure::Input(Errors::one(
            Diagnostic::error(format!("not YAML: {e}")).in_file(input.display.clone()),
        ))
    })?;
    let dir = input.dir.clone();
    let loaded = spec::load(input, &disk).map_err(Failure::Input)?;
    let into = Into {
        merged: &loaded.set,
        layer: &layer,
    };
    let learned = learn::from_texts(&files, &options, Some(into)).map_err(Failure::Input)?;
    learn::prove(&disk, &learned, &dir).map_err(|e| Failure::Input(unproved(e)))?;
    Ok(learned)
}

/// The errors of an intent that does not render or prove, said as such.
fn unproved(mut e: Errors) -> Errors {
    e.0.insert(
        0,
        Diagnostic::error("the learned intent does not render and prove; nothing written"),
    );
    e
}
