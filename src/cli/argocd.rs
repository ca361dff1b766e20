//! `netpolgen argocd discover|generate`: the Argo CD Config Management
//! Plugin, run by the cmp-server in the application's directory (see
//! `plugin.yaml` and `crate::gitops::argocd`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Ctx, Outcome};
use crate::diag::{Diagnostic, Errors};
use crate::gitops::argocd;
use crate::io::kustomize::{self, Builder};
use crate::io::{Disk, Failure};
use crate::pipeline;
use crate::report::{Format, policies};
use crate::spec::detect;

/// The plugin's two commands.
#[derive(Debug, clap::Subcommand)]
pub enum ArgocdCommand {
    /// Print the NetworkPolicySet files of the working directory (nothing
    /// when there are none); exits 0 either way.
    Discover,
    /// Build the application: kustomize (this binary as the exec plugin)
    /// where a kustomization is, else render the NetworkPolicySet.
    #[command(
        after_help = "Parameters: overlay (env NETPOLGEN_OVERLAY) builds overlays/<overlay>; \
        values (env NETPOLGEN_VALUES) is a one-line mapping merged over spec.values.\n\n\
        Exit status: 0 manifests on stdout; 1 invalid input, an empty build or a failed build \
        (nothing on stdout); 2 usage or I/O errors."
    )]
    Generate,
}

/// Runs the plugin command.
pub fn run(cmd: &ArgocdCommand, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => return Outcome::usage(format!("working directory: {e}")),
    };
    match cmd {
        ArgocdCommand::Discover => discover(&cwd, ctx),
        ArgocdCommand::Generate => generate(&cwd, root, ctx),
    }
}

fn discover(cwd: &Path, ctx: &mut Ctx<'_>) -> Outcome {
    let found = Disk::new(Some(cwd), cwd)
        .ok()
        .and_then(|disk| detect::set_files(&disk, cwd).ok())
        .unwrap_or_default();
    let mut out = String::new();
    for path in found {
        if let Some(name) = path.file_name() {
            out.push_str(&format!("{}\n", name.to_string_lossy()));
        }
    }
    match ctx.emit(out.as_bytes()) {
        Ok(()) => Outcome::ok(),
        Err(o) => o,
    }
}

fn generate(cwd: &Path, root: Option<&Path>, ctx: &mut Ctx<'_>) -> Outcome {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let fail = |message: String| -> Outcome {
        Outcome::failed(ctx, &Errors::one(Diagnostic::error(message)))
    };
    let plan = match argocd::plan(&env, cwd) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let dir = cwd.join(&plan.dir);
    if !dir.is_dir() {
        let source = env
            .get("ARGOCD_APP_SOURCE_PATH")
            .map_or(".", String::as_str);
        let overlay = plan
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        return fail(format!(
            "overlay '{}': there is no {} in {source}",
            overlay.unwrap_or_default(),
            plan.dir.display()
        ));
    }
    let root: PathBuf = root.map_or(plan.root.clone(), Path::to_path_buf);
    let built = if kustomize::is_kustomization(&dir) {
        build(&dir, &root, plan.values.as_deref())
    } else {
        render(&dir, &root, plan.values.as_deref())
    };
    let text = match built {
        Ok(t) => t,
        Err(f) => return Outcome::failure(ctx, &f),
    };
    if text.trim().is_empty() {
        return fail(format!(
            "the build of {} printed nothing; refusing to hand Argo CD an empty manifest set",
            plan.dir.display()
        ));
    }
    match ctx.emit(text.as_bytes()) {
        Ok(()) => Outcome::ok(),
        Err(o) => o,
    }
}

/// `kustomize build` with this binary as the plugin; the root and values
/// reach the plugin through its environment.
fn build(dir: &Path, root: &Path, values: Option<&str>) -> Result<String, Failure> {
    let root_text = root.display().to_string();
    let mut env = vec![("NETPOLGEN_ROOT", root_text.as_str())];
    if let Some(v) = values {
        env.push((argocd::VALUES_VAR, v));
    }
    Builder::default().build(dir, &env).map(|b| b.text)
}

/// `netpolgen render` of the directory's NetworkPolicySet, values on top.
fn render(dir: &Path, root: &Path, values: Option<&str>) -> Result<String, Failure> {
    let disk = Disk::new(Some(root), dir).map_err(Failure::Io)?;
    let mut input = pipeline::input_at(&disk, dir).map_err(Failure::Input)?;
    if let Some(v) = values {
        input = argocd::values_layer(&input, v).map_err(Failure::Input)?;
    }
    let rendered = pipeline::render_input(&disk, input).map_err(Failure::Input)?;
    Ok(policies::rendered(&rendered, Format::Yaml))
}
