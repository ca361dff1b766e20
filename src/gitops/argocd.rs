//! The Argo CD Config Management Plugin (`netpolgen argocd discover` and
//! `netpolgen argocd generate`), as data: which directory to build, with
//! which values, decided from the environment the cmp-server gives.
//!
//! Parameters (an Application sets each as a plugin parameter, which
//! Argo CD passes as `PARAM_<NAME>`, or as a plugin env entry, passed as
//! `ARGOCD_ENV_<NAME>`; when both are given they must agree):
//!
//! - `overlay` / `NETPOLGEN_OVERLAY`: build `overlays/<overlay>` of the
//!   application directory instead of the directory itself;
//! - `values` / `NETPOLGEN_VALUES`: a one-line YAML or JSON mapping merged
//!   over `spec.values` of the NetworkPolicySet, through the same deep
//!   merge as `base` (a layer on top of the set's own file).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::diag::{Diagnostic, Errors, FieldPath};
use crate::k8s::yaml;
use crate::spec::{API_VERSION, Input, KIND};

/// The variable through which `argocd generate` hands the values to the
/// exec plugin that kustomize runs.
pub const VALUES_VAR: &str = "NETPOLGEN_ARGOCD_VALUES";

/// What `generate` builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The directory to build, relative to the application directory.
    pub dir: PathBuf,
    /// The repository root: the application directory minus
    /// `ARGOCD_APP_SOURCE_PATH`.
    pub root: PathBuf,
    /// The values mapping as written (one line, in braces), when given.
    pub values: Option<String>,
}

/// Reads the parameters from the environment of `generate`, run in
/// `app_dir`.
pub fn plan(env: &BTreeMap<String, String>, app_dir: &Path) -> Result<Plan, String> {
    let overlay = choose(env, "overlay", "NETPOLGEN_OVERLAY")?;
    let values = choose(env, "values", "NETPOLGEN_VALUES")?;
    let dir = match overlay {
        None => PathBuf::from("."),
        Some(o) => {
            let plain = !o.is_empty()
                && o != "."
                && o != ".."
                && o.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !plain {
                return Err(format!(
                    "overlay '{o}' must be a directory name under overlays/"
                ));
            }
            PathBuf::from("overlays").join(o)
        }
    };
    if let Some(v) = &values {
        check_values(v)?;
    }
    Ok(Plan {
        dir,
        root: repo_root(
            app_dir,
            env.get("ARGOCD_APP_SOURCE_PATH").map(String::as_str),
        )?,
        values,
    })
}

/// A parameter and its `ARGOCD_ENV_` twin; empty counts as unset, as the
/// cmp-server drops empty values.
fn choose(
    env: &BTreeMap<String, String>,
    param: &str,
    var: &str,
) -> Result<Option<String>, String> {
    let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    let p = get(&format!("PARAM_{}", param.to_ascii_uppercase()));
    let e = get(&format!("ARGOCD_ENV_{var}"));
    match (p, e) {
        (Some(p), Some(e)) if p != e => Err(format!(
            "parameter {param} ({p}) and env {var} ({e}) disagree; set one of them"
        )),
        (p, e) => Ok(p.or(e)),
    }
}

/// Values are one line, a mapping in braces.
fn check_values(text: &str) -> Result<(), String> {
    if text.contains('\n') {
        return Err("values must be one line".into());
    }
    let t = text.trim();
    if !(t.starts_with('{') && t.ends_with('}')) {
        return Err(format!(
            "values must be a mapping in braces, like {{\"team\": \"payments\"}}; got: {text}"
        ));
    }
    Ok(())
}

/// The application directory minus `source_path`'s components.
fn repo_root(app_dir: &Path, source_path: Option<&str>) -> Result<PathBuf, String> {
    let mut root = app_dir.to_path_buf();
    for c in Path::new(source_path.unwrap_or(".")).components() {
        match c {
            Component::Normal(_) => {
                root = root
                    .parent()
                    .map(Path::to_path_buf)
                    .ok_or("ARGOCD_APP_SOURCE_PATH is deeper than the directory")?;
            }
            Component::CurDir => {}
            _ => {
                return Err(format!(
                    "ARGOCD_APP_SOURCE_PATH={} leaves the repository",
                    source_path.unwrap_or_default()
                ));
            }
        }
    }
    Ok(root)
}

/// The configuration layer that puts `values` over the set `base` names:
/// a NetworkPolicySet holding only the values, with the set as its base.
/// Values that are not a YAML mapping are an error naming the set's file.
pub fn values_layer(base: &Input, values: &str) -> Result<Input, Errors> {
    check_values(values)
        .and_then(|()| {
            yaml::parse::<Value>(values.trim())
                .map_err(|e| format!("values {values}: invalid YAML: {}", e.message))
        })
        .map_err(|m| {
            Errors::from(
                Diagnostic::error(m)
                    .in_file(base.display.clone())
                    .at_field(FieldPath::keys(&["spec", "values"])),
            )
        })
        .map(|v| layer(base, v))
}

fn layer(base: &Input, values: Value) -> Input {
    let name = yaml::parse::<Value>(&base.text)
        .ok()
        .and_then(|v| {
            v.pointer("/metadata/name")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default();
    let file = base
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let doc = serde_json::json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name},
        "spec": {"base": file, "values": values},
    });
    Input {
        text: yaml::to_string(&doc),
        display: format!("{} (values from NETPOLGEN_VALUES)", base.display),
        dir: base.dir.clone(),
        path: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_and_their_env_twins() {
        let app = Path::new("/repo/apps/x");
        let p = plan(&env(&[("ARGOCD_APP_SOURCE_PATH", "apps/x")]), app).unwrap();
        assert_eq!(
            (p.dir, p.root, p.values),
            (".".into(), "/repo".into(), None)
        );
        let p = plan(
            &env(&[
                ("PARAM_OVERLAY", "dev"),
                ("ARGOCD_ENV_NETPOLGEN_OVERLAY", "dev"),
            ]),
            app,
        )
        .unwrap();
        assert_eq!(p.dir, PathBuf::from("overlays/dev"));
        let err = plan(
            &env(&[
                ("PARAM_OVERLAY", "prod"),
                ("ARGOCD_ENV_NETPOLGEN_OVERLAY", "dev"),
            ]),
            app,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "parameter overlay (prod) and env NETPOLGEN_OVERLAY (dev) disagree; set one of them"
        );
        for bad in ["..", "../base", "a/b", "."] {
            let err = plan(&env(&[("PARAM_OVERLAY", bad)]), app).unwrap_err();
            assert!(err.contains("must be a directory name"), "{bad}: {err}");
        }
        let p = plan(&env(&[("ARGOCD_ENV_NETPOLGEN_VALUES", "{team: a}")]), app).unwrap();
        assert_eq!(p.values.as_deref(), Some("{team: a}"));
        for (bad, msg) in [("team: a", "in braces"), ("{a: 1,\n b: 2}", "one line")] {
            let err = plan(&env(&[("PARAM_VALUES", bad)]), app).unwrap_err();
            assert!(err.contains(msg), "{bad}: {err}");
        }
        let base = Input {
            text: "apiVersion: netpolgen.io/v1alpha1\nkind: NetworkPolicySet\nmetadata: {name: s}\nspec: {}\n".into(),
            display: "apps/x/netpolset.yaml".into(),
            dir: app.into(),
            path: Some(app.join("netpolset.yaml")),
        };
        let top = values_layer(&base, "{team: a}").unwrap();
        let v: Value = yaml::parse(&top.text).unwrap();
        assert_eq!(
            v["spec"],
            serde_json::json!({"base": "netpolset.yaml", "values": {"team": "a"}})
        );
        assert_eq!(v["metadata"]["name"], "s");
        let err = values_layer(&base, "{a: [}").unwrap_err().to_string();
        assert!(
            err.contains("apps/x/netpolset.yaml") && err.contains("invalid YAML"),
            "{err}"
        );
        let err = plan(&env(&[("ARGOCD_APP_SOURCE_PATH", "../x")]), app).unwrap_err();
        assert!(err.contains("leaves the repository"), "{err}");
    }
}
