//! `netpolgen analyze`: the connectivity of any manifests.
//!
//! Reading and writing happen here; [`analyze_docs`] is the pure twin
//! (documents in, report bytes out) the tests use.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use crate::analyze::Analysis;
use crate::diag::Errors;
use crate::engine::validate;
use crate::k8s::manifest::{Doc, Manifests, from_docs, read_paths};
use crate::report::{self, Format, Options};

use super::{EXIT_USAGE, Outcome};

/// Output formats, as spelled on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// The analyzer contract: workloads, connections, plus external traffic.
    Json,
    /// Connections grouped by destination, allowed first.
    Table,
    /// Graphviz graph of the allowed flows.
    Dot,
    /// Mermaid flowchart of the allowed flows.
    Mermaid,
    /// Markdown for a pull-request comment.
    Md,
    /// Counts, isolation and unselected workloads/policies only.
    Summary,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Json => Format::Json,
            OutputFormat::Table => Format::Table,
            OutputFormat::Dot => Format::Dot,
            OutputFormat::Mermaid => Format::Mermaid,
            OutputFormat::Md => Format::Md,
            OutputFormat::Summary => Format::Summary,
        }
    }
}

/// `netpolgen analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Manifest files or directories (walked for *.yaml, *.yml); `-` for
    /// stdin, the default.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Leave denied connections out (json, table, md).
    #[arg(long)]
    pub allowed_only: bool,
}

/// Reads the paths (stdin when none) and extracts what analysis needs.
pub fn load(paths: &[PathBuf]) -> Result<Manifests, Errors> {
    let stdin = [PathBuf::from("-")];
    let paths = if paths.is_empty() { &stdin[..] } else { paths };
    from_docs(&read_paths(paths)?)
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

/// The pure twin of [`run`]: documents in, report bytes out.
pub fn analyze_docs(docs: &[Doc], format: Format, options: &Options) -> Result<Vec<u8>, Errors> {
    let m = from_docs(docs)?;
    let cluster = m.cluster();
    let analysis = Analysis::new(&cluster);
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = report::write(format, &analysis, options, &mut out);
    Ok(out)
}

/// Runs `analyze`, streaming the report to stdout.
pub fn run(args: &AnalyzeArgs) -> Outcome {
    let m = match load(&args.paths) {
        Ok(m) => m,
        Err(e) => return Outcome::failed(&e),
    };
    let cluster = m.cluster();
    let analysis = Analysis::new(&cluster);
    let options = Options {
        allowed_only: args.allowed_only,
    };
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let written =
        report::write(args.output.into(), &analysis, &options, &mut out).and_then(|()| out.flush());
    let mut outcome = Outcome::ok(String::new());
    outcome.stderr = spec_warnings(&m);
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            outcome
                .stderr
                .push_str(&format!("error: writing stdout: {e}\n"));
            outcome.code = EXIT_USAGE;
        }
        _ => {}
    }
    outcome
}
