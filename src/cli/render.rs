//! The rendering modes: `render PATH`, the legacy kustomize exec plugin
//! (a config file as the only argument), the KRM function (a ResourceList
//! on stdin), and `install-plugin`.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_USAGE, Outcome, resolve_root};
use crate::diag::{Diagnostic, Errors};
use crate::load::{self, Input};
use crate::{krm, pipeline, render};

/// `netpolgen render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// NetworkPolicySet files, or directories holding one; several need --out-dir.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write one file per NetworkPolicySet into DIR (`<name>-<environment>.yaml`).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// With --out-dir: write nothing; exit 1 with a diff when DIR is stale.
    #[arg(long)]
    pub check: bool,
}

/// `netpolgen install-plugin`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Plugin root (default: as kustomize chooses it: $KUSTOMIZE_PLUGIN_HOME,
    /// $XDG_CONFIG_HOME/kustomize/plugin, $HOME/.config/kustomize/plugin).
    #[arg(long, value_name = "DIR")]
    pub plugin_home: Option<PathBuf>,
}

/// Runs `netpolgen render`.
pub fn render(args: &RenderArgs, root: Option<&Path>) -> Outcome {
    use crate::gitops::outdir;
    match (&args.out_dir, args.check, args.paths.as_slice()) {
        (Some(dir), false, paths) => outdir::write_out_dir(dir, paths, root),
        (Some(dir), true, paths) => outdir::check_out_dir(dir, paths, root),
        (None, true, _) => {
            Outcome::usage("--check compares an output directory: add --out-dir DIR")
        }
        (None, false, [path]) => render_path(path, root),
        (None, false, _) => Outcome::usage("several paths need --out-dir DIR (one file each)"),
    }
}

fn result(loaded: Result<load::Loaded, Errors>) -> Outcome {
    match loaded.and_then(pipeline::render_loaded) {
        Ok(rendered) => Outcome::ok(render::to_yaml(&rendered.policies)),
        Err(errors) => Outcome::failed(&errors),
    }
}

/// `netpolgen render PATH`: the policies on stdout, or the errors on stderr.
pub fn render_path(path: &Path, root: Option<&Path>) -> Outcome {
    result(pipeline::load_path(path, root))
}

/// kustomize passes a temporary copy of the config as argv[1] and the
/// kustomization directory as KUSTOMIZE_PLUGIN_CONFIG_ROOT.
pub fn exec_plugin(config: &Path, root: Option<&Path>) -> Outcome {
    let loaded = (|| {
        let text = std::fs::read_to_string(config).map_err(|e| {
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
        let root = resolve_root(root, &dir)?;
        // Name the real file in messages when the kustomization holds it.
        let input = match load::find_config_like(&dir, &text) {
            Some(path) => load::read_input(&path, &root)?,
            None => Input {
                text,
                display: config.display().to_string(),
                dir,
            },
        };
        load::load(input, &root)
    })();
    result(loaded)
}

pub fn krm_function(root: Option<&Path>) -> Outcome {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Outcome {
            stdout: String::new(),
            stderr: "netpolgen: expected a ResourceList on stdin, a config file, or a subcommand; see --help\n".into(),
            code: EXIT_USAGE,
        };
    }
    let mut input = String::new();
    if let Err(e) = stdin.read_to_string(&mut input) {
        return Outcome {
            stdout: String::new(),
            stderr: format!("error: reading stdin: {e}\n"),
            code: EXIT_USAGE,
        };
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let processed = krm::process(&input, &cwd, root);
    // kustomize ignores results and shows only stderr: say it there too.
    let stderr = match processed.exit_code {
        0 => String::new(),
        _ => format!("{}\n", processed.diagnostics),
    };
    Outcome {
        stdout: processed.stdout,
        stderr,
        code: processed.exit_code,
    }
}

/// The plugin root kustomize would use: the first of its candidates that
/// exists, else the first one that can be named.
fn plugin_root() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let candidates: Vec<PathBuf> = [
        env("KUSTOMIZE_PLUGIN_HOME"),
        env("XDG_CONFIG_HOME").map(|d| d.join("kustomize/plugin")),
        env("HOME").map(|d| d.join(".config/kustomize/plugin")),
        env("HOME").map(|d| d.join("kustomize/plugin")),
    ]
    .into_iter()
    .flatten()
    .collect();
    candidates
        .iter()
        .find(|c| c.is_dir())
        .or(candidates.first())
        .cloned()
}

pub fn install_plugin(home: Option<PathBuf>) -> Outcome {
    let fail = |msg: String| Outcome {
        stdout: String::new(),
        stderr: format!("error: {msg}\n"),
        code: EXIT_FINDINGS,
    };
    let Some(root) = home.or_else(plugin_root) else {
        return fail("no plugin root: set KUSTOMIZE_PLUGIN_HOME, XDG_CONFIG_HOME or HOME, or pass --plugin-home".into());
    };
    let dir = root.join("netpolgen.io/v1alpha1/networkpolicyset");
    let target = dir.join("NetworkPolicySet");
    let exe = match std::env::current_exe().and_then(|e| e.canonicalize()) {
        Ok(e) => e,
        Err(e) => return fail(format!("cannot find this binary: {e}")),
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail(format!("{}: {e}", dir.display()));
    }
    if target.symlink_metadata().is_ok()
        && let Err(e) = std::fs::remove_file(&target)
    {
        return fail(format!("{}: {e}", target.display()));
    }
    #[cfg(unix)]
    let linked = std::os::unix::fs::symlink(&exe, &target);
    #[cfg(not(unix))]
    let linked = std::fs::copy(&exe, &target).map(|_| ());
    match linked {
        Ok(()) => Outcome::ok(format!("{}\n", target.display())),
        Err(e) => fail(format!("{}: {e}", target.display())),
    }
}
