//! `netpolgen render PATH...`: the policies on stdout (`-o yaml|json`),
//! or with `--out-dir DIR` one file per NetworkPolicySet (`--check`
//! compares instead of writing). `-` reads a NetworkPolicySet from stdin;
//! its relative paths resolve against the working directory.

use std::path::{Path, PathBuf};

use super::formats;
use super::{Ctx, Outcome};
use crate::diag::{Diagnostic, Errors, Status};
use crate::gitops::outdir;
use crate::io::{self, Disk, Failure};
use crate::pipeline::{self, Rendered};
use crate::report::{Format, Options, policies};
use crate::spec::Input;

/// `netpolgen render`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 rendered and verified; 1 invalid input or a failed \
    verification (nothing on stdout); 2 usage or I/O errors.\n\n\
    Examples:\n  netpolgen render overlays/prod\n  netpolgen render -o json overlays/prod\n  \
    netpolgen render --out-dir deploy/flux/rendered overlays/*"
)]
pub struct RenderArgs {
    /// NetworkPolicySet files, directories holding one, or - for stdin;
    /// several need --out-dir.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, default_value = "yaml", value_parser = formats::parser(&policies::FORMATS))]
    pub output: Format,
    /// Write one file per NetworkPolicySet into DIR (`<name>-<environment>.yaml`).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// With --out-dir: write nothing; exit 1 with a diff when DIR is stale.
    #[arg(long)]
    pub check: bool,
    /// The policies in force at TIME (RFC 3339, or `now`): each window's
    /// policies when it is open, and no window CronJobs. A preview: never for --out-dir.
    #[arg(long, value_name = "TIME", value_parser = super::at::parse)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Runs `netpolgen render`.
pub fn run(args: &RenderArgs, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    match (&args.out_dir, args.check, args.paths.as_slice()) {
        (Some(_), _, _) if args.at.is_some() => Outcome::usage(
            "--at previews one moment on stdout; an output directory holds what the cluster runs",
        ),
        (Some(dir), check, paths) => out_dir(dir, check, paths, root, ctx),
        (None, true, _) => {
            Outcome::usage("--check compares an output directory: add --out-dir DIR")
        }
        (None, false, [path]) => match render_one(path, root) {
            Ok(r) => {
                let format = args.output;
                let written = ctx.emit_with(|out| match args.at {
                    Some(t) => {
                        policies::write(&r.manifests_at(t), format, &Options::default(), out)
                    }
                    None => policies::write_rendered(&r, format, out),
                });
                match written {
                    Ok(()) => Outcome::ok(),
                    Err(o) => o,
                }
            }
            Err(f) => Outcome::failure(ctx, &f),
        },
        (None, false, _) => Outcome::usage("several paths need --out-dir DIR (one file each)"),
    }
}

/// Renders one path (`-` for stdin) with the root given or found from it.
pub fn render_one(path: &Path, root: Option<&Path>) -> Result<Rendered, Failure> {
    if path.as_os_str() == "-" {
        let text = io::read_stdin().map_err(|e| {
            Failure::Io(
                Diagnostic::error(format!("reading stdin: {e}"))
                    .in_file("stdin")
                    .into(),
            )
        })?;
        let cwd = std::env::current_dir().map_err(|e| {
            Failure::Io(Diagnostic::error(format!("working directory: {e}")).into())
        })?;
        let disk = Disk::new(root, &cwd).map_err(Failure::Io)?;
        let input = Input {
            text,
            display: "stdin".into(),
            dir: cwd,
            path: None,
        };
        return pipeline::render_input(&disk, input).map_err(Failure::Input);
    }
    if !path.exists() {
        return Err(Failure::Io(
            Diagnostic::error("no such file or directory")
                .in_file(path.display().to_string())
                .into(),
        ));
    }
    let start = if path.is_dir() {
        path
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let disk = Disk::new(root, start).map_err(Failure::Io)?;
    pipeline::render_path(&disk, path).map_err(Failure::Input)
}

fn out_dir(
    dir: &Path,
    check: bool,
    paths: &[PathBuf],
    root: Option<&Path>,
    ctx: &mut Ctx<'_>,
) -> Outcome {
    let mut rendered = Vec::new();
    let mut errors = Vec::new();
    let mut io_error = false;
    for path in paths {
        match render_one(path, root) {
            Ok(r) => rendered.push(r),
            Err(Failure::Input(e)) => errors.extend(e.0),
            Err(Failure::Io(e)) => {
                io_error = true;
                errors.extend(e.0);
            }
        }
    }
    let files = Errors::check(errors).and_then(|()| outdir::plan(&rendered));
    let files = match files {
        Ok(files) => files,
        Err(e) if io_error => return Outcome::io_failed(ctx, &e),
        Err(e) => return Outcome::failed(ctx, &e),
    };
    if check {
        return check_dir(dir, &files, ctx);
    }
    let written = match io::outdir::write(dir, &files) {
        Ok(w) => w,
        Err(e) => return Outcome::usage(e),
    };
    let mut stdout = String::new();
    for w in &written {
        let status = if w.changed { "written" } else { "unchanged" };
        stdout.push_str(&format!("{}: {status}\n", w.path.display()));
    }
    let mut outcome = match ctx.emit(stdout.as_bytes()) {
        Ok(()) => Outcome::ok(),
        Err(o) => return o,
    };
    if let Ok(present) = io::outdir::present(dir, &files) {
        for name in present.orphans.keys() {
            outcome.stderr.push_str(&format!(
                "warning: {}: generated by netpolgen, but not from these sources; \
                 delete it if its source is gone\n",
                dir.join(name).display()
            ));
        }
    }
    outcome
}

fn check_dir(dir: &Path, files: &[outdir::OutFile], ctx: &mut Ctx<'_>) -> Outcome {
    let present = match io::outdir::present(dir, files) {
        Ok(p) => p,
        Err(e) => return Outcome::usage(e),
    };
    let stale = outdir::compare(files, &present, &dir.display().to_string());
    if stale.reasons.is_empty() {
        return Outcome::ok();
    }
    if let Err(o) = ctx.emit(stale.diff.as_bytes()) {
        return o;
    }
    let mut stderr = format!(
        "error: {} file(s) in {} are stale; rerun `netpolgen render --out-dir` and commit:\n",
        stale.reasons.len(),
        dir.display()
    );
    for line in stale.reasons {
        stderr.push_str(&format!("  {line}\n"));
    }
    Outcome {
        stderr,
        status: Status::Findings,
    }
}
