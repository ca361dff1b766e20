//! Running kustomize with this binary installed as the NetworkPolicySet
//! exec plugin: standalone `kustomize build --enable-alpha-plugins` where
//! it is installed, else `kubectl kustomize --enable-alpha-plugins`.

use std::path::Path;
use std::process::Command;

use super::plugin;
use super::{Failure, TempDir};
use crate::diag::Diagnostic;

/// Files kustomize reads as a kustomization.
pub const KUSTOMIZATIONS: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// True if `dir` holds a kustomization.
pub fn is_kustomization(dir: &Path) -> bool {
    KUSTOMIZATIONS.iter().any(|k| dir.join(k).is_file())
}

/// Builds kustomizations with a private plugin root, made once.
#[derive(Debug, Default)]
pub struct Builder {
    plugins: Option<TempDir>,
}

/// A finished build: the manifest stream and the tool that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub text: String,
    /// `kustomize build` or `kubectl kustomize`.
    pub tool: &'static str,
}

impl Builder {
    /// Builds `dir`; `extra_env` reaches kustomize and so the plugin.
    /// A build that fails is invalid input; one that cannot run is not.
    pub fn build(&mut self, dir: &Path, extra_env: &[(&str, &str)]) -> Result<Built, Failure> {
        let io = |m: String| {
            Failure::Io(
                Diagnostic::error(m)
                    .in_file(dir.display().to_string())
                    .into(),
            )
        };
        let home = self.plugin_home().map_err(io)?;
        let standalone = on_path("kustomize");
        let (mut cmd, tool) = if standalone {
            let mut c = Command::new("kustomize");
            c.args(["build", "--enable-alpha-plugins"]);
            (c, "kustomize build")
        } else {
            let mut c = Command::new("kubectl");
            c.args(["kustomize", "--enable-alpha-plugins"]);
            (c, "kubectl kustomize")
        };
        cmd.arg(dir).env("KUSTOMIZE_PLUGIN_HOME", home.path());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .map_err(|e| io(format!("cannot run {tool}: {e}")))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(Failure::Input(
                Diagnostic::error(format!("{tool} failed: {}", stderr.trim()))
                    .in_file(dir.display().to_string())
                    .into(),
            ));
        }
        Ok(Built {
            text: String::from_utf8_lossy(&out.stdout).into_owned(),
            tool,
        })
    }

    fn plugin_home(&mut self) -> Result<&TempDir, String> {
        if self.plugins.is_none() {
            let home = TempDir::new("plugins").map_err(|e| e.to_string())?;
            plugin::install(home.path()).map_err(|e| format!("cannot install the plugin: {e}"))?;
            self.plugins = Some(home);
        }
        Ok(self.plugins.as_ref().expect("set above"))
    }
}

/// True if an executable of that name is on `PATH`.
pub fn on_path(name: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|d| d.join(name).is_file())
}
