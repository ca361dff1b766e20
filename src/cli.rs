//! The command line: argument parsing and the I/O shell around the library.
//!
//! Modes: a ResourceList on stdin with no arguments (KRM function); a config
//! file as the only argument (legacy kustomize exec plugin); subcommands.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::diag::{Diagnostic, Errors};
use crate::load::{self, Input};
use crate::{krm, render};

/// Exit codes, defined once.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "netpolgen",
    version,
    about = "Kubernetes NetworkPolicies from a declared intent, verified to allow exactly the declared flows",
    long_about = "Kubernetes NetworkPolicies from a declared intent, verified to allow exactly the declared flows.\n\n\
        With no arguments and a ResourceList on stdin, runs as a KRM function (kpt, kustomize --enable-exec).\n\
        With a config file as its only argument, runs as a legacy kustomize exec plugin.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Legacy kustomize exec plugin mode: the NetworkPolicySet file kustomize passes.
    config: Option<PathBuf>,
    /// Repository root that `base` and `templates` paths may not leave
    /// (default: the nearest directory holding .git).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render a NetworkPolicySet file (or the one in a directory) to stdout.
    Render {
        /// A NetworkPolicySet file, or a directory holding netpolset.yaml.
        path: PathBuf,
    },
    /// Link this binary where kustomize looks for the NetworkPolicySet exec plugin.
    InstallPlugin {
        /// Plugin root (default: as kustomize chooses it: $KUSTOMIZE_PLUGIN_HOME,
        /// $XDG_CONFIG_HOME/kustomize/plugin, $HOME/.config/kustomize/plugin).
        #[arg(long, value_name = "DIR")]
        plugin_home: Option<PathBuf>,
    },
}

/// What a run writes and how it exits.
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Outcome {
    fn ok(stdout: String) -> Outcome {
        Outcome {
            stdout,
            stderr: String::new(),
            code: EXIT_OK,
        }
    }

    fn failed(errors: &Errors) -> Outcome {
        Outcome {
            stdout: String::new(),
            stderr: format!("{errors}\n"),
            code: EXIT_FINDINGS,
        }
    }
}

/// Parses arguments and runs; the caller writes the outcome.
pub fn run(args: Vec<String>) -> Outcome {
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let text = e.render().to_string();
            return if e.use_stderr() {
                Outcome {
                    stdout: String::new(),
                    stderr: text,
                    code,
                }
            } else {
                Outcome {
                    stdout: text,
                    stderr: String::new(),
                    code,
                }
            };
        }
    };
    let root = cli.root.as_deref();
    match (cli.command, cli.config) {
        (Some(Command::Render { path }), _) => render_path(&path, root),
        (Some(Command::InstallPlugin { plugin_home }), _) => install_plugin(plugin_home),
        (None, Some(config)) => exec_plugin(&config, root),
        (None, None) => krm_function(root),
    }
}

fn result(loaded: Result<load::Loaded, Errors>) -> Outcome {
    let rendered = loaded.and_then(|l| {
        let templates = load::template_set(&l)?;
        render::render(&l, &templates)
    });
    match rendered {
        Ok(policies) => Outcome::ok(render::to_yaml(&policies)),
        Err(errors) => Outcome::failed(&errors),
    }
}

fn resolve_root(root: Option<&Path>, start: &Path) -> Result<PathBuf, Errors> {
    match root {
        Some(r) => r
            .canonicalize()
            .map_err(|e| Diagnostic::error(format!("--root {}: {e}", r.display())).into()),
        None => load::find_root(start).ok_or_else(|| {
            Diagnostic::error(format!(
                "no repository root (a directory holding .git) at or above {}; pass --root",
                start.display()
            ))
            .into()
        }),
    }
}

fn render_path(path: &Path, root: Option<&Path>) -> Outcome {
    let loaded = (|| {
        let file = if path.is_dir() {
            load::config_file_in(path)?
        } else {
            path.to_path_buf()
        };
        let start = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let root = resolve_root(root, start)?;
        load::load(load::read_input(&file, &root)?, &root)
    })();
    result(loaded)
}

/// kustomize passes a temporary copy of the config as argv[1] and the
/// kustomization directory as KUSTOMIZE_PLUGIN_CONFIG_ROOT.
fn exec_plugin(config: &Path, root: Option<&Path>) -> Outcome {
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

fn krm_function(root: Option<&Path>) -> Outcome {
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

fn install_plugin(home: Option<PathBuf>) -> Outcome {
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

/// Writes an outcome; a closed stdout (a pipe into `head`) is not an error.
pub fn emit(outcome: &Outcome) -> i32 {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(outcome.stdout.as_bytes())
        .and_then(|_| out.flush());
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: writing stdout: {e}");
        return EXIT_USAGE;
    }
    eprint!("{}", outcome.stderr);
    outcome.code
}
