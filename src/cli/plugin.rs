//! The modes kustomize and kpt run: the legacy exec plugin (a config file
//! as the only argument), the KRM function (a ResourceList on stdin), the
//! KRM validator (`--lint`), and `install-plugin`.

use std::path::{Path, PathBuf};

use super::{Ctx, Outcome};
use crate::diag::{Diagnostic, Errors};
use crate::gitops::argocd;
use crate::io::{self, Disk};
use crate::krm;
use crate::lint::FailOn;
use crate::pipeline;
use crate::report::{self, Format, policies};
use crate::spec::{Input, detect};

/// `netpolgen install-plugin`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Plugin root (default: as kustomize chooses it: $KUSTOMIZE_PLUGIN_HOME,
    /// $XDG_CONFIG_HOME/kustomize/plugin, $HOME/.config/kustomize/plugin).
    #[arg(long, value_name = "DIR")]
    pub plugin_home: Option<PathBuf>,
}

/// kustomize passes a temporary copy of the config as argv[1] and the
/// kustomization directory as KUSTOMIZE_PLUGIN_CONFIG_ROOT; the policies
/// go to stdout as a YAML stream.
pub fn exec_plugin(config: &Path, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let rendered = (|| {
        let text = io::read_regular(config).map_err(|e| {
            Errors::from(
                Diagnostic::error(format!("cannot read config: {e}"))
                    .in_file(config.display().to_string()),
            )
        })?;
        let dir = match std::env::var_os("KUSTOMIZE_PLUGIN_CONFIG_ROOT") {
            Some(d) => PathBuf::from(d),
            None => config
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
        };
        let dir = dir
            .canonicalize()
            .map_err(|e| Diagnostic::error(format!("{}: {e}", dir.display())))?;
        let disk = Disk::new(root, &dir)?;
        // Name the real file in messages when the kustomization holds it.
        let mut input = match detect::file_like(&disk, &dir, &text) {
            Some(path) => Input::read(&disk, &path)?,
            None => Input {
                text,
                display: config.display().to_string(),
                dir,
                path: None,
            },
        };
        if let Some(values) = std::env::var(argocd::VALUES_VAR)
            .ok()
            .filter(|v| !v.is_empty())
        {
            input = argocd::values_layer(&input, &values)?;
        }
        pipeline::render_input(&disk, input)
    })();
    match rendered {
        Ok(r) => match ctx.emit_with(|out| policies::write_rendered(&r, Format::Yaml, out)) {
            Ok(()) => Outcome::ok(),
            Err(o) => o,
        },
        Err(errors) => Outcome::failed(ctx, &errors),
    }
}

/// Reads the ResourceList on stdin, or says that none was given.
fn resource_list() -> Result<String, Outcome> {
    if io::stdin_is_terminal() {
        return Err(Outcome::usage(
            "expected a ResourceList on stdin, a config file, or a subcommand; see --help",
        ));
    }
    io::read_stdin().map_err(|e| Outcome::usage(format!("reading stdin: {e}")))
}

/// The KRM function: the output ResourceList always reaches stdout (kpt
/// shows its results); kustomize ignores results, so errors go to stderr too.
pub fn krm_function(root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let input = match resource_list() {
        Ok(input) => input,
        Err(o) => return o,
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let processed = match Disk::new(root, &cwd) {
        Ok(disk) => krm::process(&input, &disk, &cwd),
        Err(errors) => krm::fail(&input, errors),
    };
    finish(processed, String::new(), ctx)
}

/// `netpolgen --lint`: the KRM validator; findings also go to stderr.
pub fn krm_validator(ctx: &mut Ctx<'_>) -> Outcome {
    let input = match resource_list() {
        Ok(input) => input,
        Err(o) => return o,
    };
    let (processed, findings) = krm::validate(&input, FailOn::Error, chrono::Utc::now());
    let mut text = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = report::lint::text(&findings, &mut text);
    finish(processed, String::from_utf8_lossy(&text).into_owned(), ctx)
}

fn finish(processed: krm::Processed, mut stderr: String, ctx: &mut Ctx<'_>) -> Outcome {
    if let Err(o) = ctx.emit(processed.stdout.as_bytes()) {
        return o;
    }
    let errors: Vec<Diagnostic> = processed
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == crate::diag::Severity::Error && !d.tags.contains_key("code"))
        .collect();
    if !errors.is_empty() {
        stderr.push_str(&report::diagnostics::to_string(
            &Errors(errors),
            ctx.color_stderr,
        ));
    }
    Outcome {
        stderr,
        status: processed.status,
    }
}

/// `netpolgen install-plugin`: prints the plugin's path.
pub fn install(args: &InstallArgs, ctx: &mut Ctx<'_>) -> Outcome {
    let Some(root) = args.plugin_home.clone().or_else(io::plugin::default_root) else {
        return Outcome::usage(
            "no plugin root: set KUSTOMIZE_PLUGIN_HOME, XDG_CONFIG_HOME or HOME, or pass --plugin-home",
        );
    };
    match io::plugin::install(&root) {
        Ok(path) => match ctx.emit(format!("{}\n", path.display()).as_bytes()) {
            Ok(()) => Outcome::ok(),
            Err(o) => o,
        },
        Err(e) => Outcome::usage(e),
    }
}
