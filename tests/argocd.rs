//! Argo CD: `plugin.yaml` run the way the cmp-server runs it, and the
//! deploy/argocd components applied to the parts of Argo CD they patch.
//!
//! The emulation follows cmpserver/plugin/plugin.go: the repository is a
//! scratch copy; `discover.find.command` runs in the application directory
//! with the sidecar's environment only and matches when it exits 0 with
//! non-empty stdout; `generate` runs `command + args` (no extra shell) in
//! the application directory with the sidecar's environment plus
//! ARGOCD_APP_*, ARGOCD_ENV_<name> for plugin env entries and PARAM_<NAME>
//! for parameters, empty values dropped; stdout is the manifest stream and a
//! non-zero exit fails with stderr. The sidecar's kustomize is played by
//! kubectl's (kustomize v5.5.0), through a `kustomize build` shim.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{bin_path, copy_dir, docs, of_kind, repo, require_tool};
use serde_json::Value;

/// plugin.yaml's two commands, as argv.
struct Plugin {
    discover: Vec<String>,
    generate: Vec<String>,
}

fn strings(v: &Value, what: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} must be a list"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn plugin() -> Plugin {
    let text = std::fs::read_to_string(repo().join("plugin.yaml")).unwrap();
    let doc = netpolgen::k8s::yaml::parse_documents(&text)
        .unwrap()
        .remove(0);
    assert_eq!(doc["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(doc["kind"], "ConfigManagementPlugin");
    assert_eq!(doc["metadata"]["name"], "netpolgen");
    // A version would make Applications name it "netpolgen-<version>".
    assert!(doc["spec"].get("version").is_none());
    let spec = &doc["spec"];
    // Only the first of fileName, find.glob, find.command counts.
    assert!(spec["discover"].get("fileName").is_none());
    assert!(spec["discover"]["find"].get("glob").is_none());
    let discover = strings(
        &spec["discover"]["find"]["command"],
        "discover.find.command",
    );
    let mut generate = strings(&spec["generate"]["command"], "generate.command");
    if let Some(args) = spec["generate"].get("args") {
        generate.extend(strings(args, "generate.args"));
    }
    Plugin { discover, generate }
}

/// A scratch copy of the repository as the cmp-server receives it.
struct Scratch {
    dir: tempfile::TempDir,
    tools: tempfile::TempDir,
}

impl Scratch {
    fn new(with_git: bool) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["base", "overlays", "templates", "deploy"] {
            copy_dir(&repo().join(sub), &dir.path().join(sub));
        }
        if with_git {
            std::fs::create_dir(dir.path().join(".git")).unwrap();
        }
        Scratch {
            dir,
            tools: sidecar_tools(),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The sidecar's own environment: its PATH (netpolgen, kustomize and
    /// the base system), HOME, and nothing from the test process.
    fn sidecar_env(&self) -> Vec<(String, String)> {
        vec![
            (
                "PATH".into(),
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    self.tools.path().display()
                ),
            ),
            ("HOME".into(), self.tools.path().display().to_string()),
        ]
    }

    fn discover(&self, app: &str) -> Output {
        run(
            &plugin().discover,
            &self.root().join(app),
            &self.sidecar_env(),
        )
    }

    /// `generate` for an Application at `app` with plugin env entries and
    /// parameters as the Application spells them.
    fn generate(&self, app: &str, env: &[(&str, &str)], params: &[(&str, &str)]) -> Output {
        let mut vars = self.sidecar_env();
        let build = [
            ("ARGOCD_APP_NAME", "alt-las"),
            ("ARGOCD_APP_NAMESPACE", "argocd"),
            ("ARGOCD_APP_PROJECT_NAME", "default"),
            (
                "ARGOCD_APP_REVISION",
                "4f1c2b9e0d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
            ),
            ("ARGOCD_APP_REVISION_SHORT", "4f1c2b9"),
            ("ARGOCD_APP_REVISION_SHORT_8", "4f1c2b9e"),
            ("ARGOCD_APP_SOURCE_PATH", app),
            (
                "ARGOCD_APP_SOURCE_REPO_URL",
                "https://git.example.com/platform/alt-las.git",
            ),
            ("ARGOCD_APP_SOURCE_TARGET_REVISION", "main"),
            ("KUBE_VERSION", "1.32.4"),
            ("KUBE_API_VERSIONS", "v1,apps/v1,networking.k8s.io/v1"),
        ];
        vars.extend(build.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        vars.extend(
            env.iter()
                .map(|(k, v)| (format!("ARGOCD_ENV_{k}"), v.to_string())),
        );
        vars.extend(params.iter().map(|(k, v)| (param_var(k), v.to_string())));
        // cmpserver environ(): entries with an empty value are skipped.
        vars.retain(|(_, v)| !v.is_empty());
        run(&plugin().generate, &self.root().join(app), &vars)
    }

    /// What `kubectl kustomize --enable-alpha-plugins` builds for `dir`
    /// with netpolgen installed as the exec plugin: the reference output.
    fn kustomize(&self, dir: &str) -> String {
        let home = tempfile::tempdir().unwrap();
        let out = Command::new(bin_path())
            .args(["install-plugin", "--plugin-home"])
            .arg(home.path())
            .output()
            .unwrap();
        common::assert_success(&out);
        let out = Command::new(require_tool("kubectl"))
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(self.root().join(dir))
            .env("KUSTOMIZE_PLUGIN_HOME", home.path())
            // The copy may lack .git; the root is given as Argo CD's plugin gives it.
            .env("NETPOLGEN_ROOT", self.root())
            .output()
            .unwrap();
        common::assert_success(&out);
        String::from_utf8(out.stdout).unwrap()
    }
}

/// PARAM_<NAME>: upper-cased, other characters replaced by `_`.
fn param_var(name: &str) -> String {
    let mangled: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("PARAM_{mangled}")
}

/// A directory with `netpolgen` and a `kustomize` that is kubectl's.
fn sidecar_tools() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(bin_path(), dir.path().join("netpolgen")).unwrap();
    let shim = dir.path().join("kustomize");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\n# The sidecar's kustomize, played by kubectl's.\n\
             [ \"$1\" = build ] || {{ echo \"kustomize shim: only build\" >&2; exit 2; }}\n\
             shift\nexec {} kustomize \"$@\"\n",
            require_tool("kubectl").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn run(argv: &[String], cwd: &Path, env: &[(String, String)]) -> Output {
    Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    common::assert_success(out);
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A failed generate: non-zero, nothing on stdout; returns stderr.
fn failure(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "expected a failure, stderr:\n{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "a failed generate printed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// A generate case: plugin env entries, parameters, the expected error.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [(&'a str, &'a str)], &'a str);

/// The Applications of deploy/argocd/applications.yaml, by name.
fn application(name: &str) -> Value {
    let text = std::fs::read_to_string(repo().join("deploy/argocd/applications.yaml")).unwrap();
    netpolgen::k8s::yaml::parse_documents(&text)
        .unwrap()
        .into_iter()
        .find(|d| d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no Application {name}"))
}

type Pairs = Vec<(String, String)>;

/// An Application's source path, plugin env entries and parameters.
fn source_of(app: &Value) -> (String, Pairs, Pairs) {
    let source = &app["spec"]["source"];
    let plugin = &source["plugin"];
    let pairs = |list: &Value, value_key: &str| -> Pairs {
        list.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        (
                            i["name"].as_str().unwrap().to_string(),
                            i[value_key].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    (
        source["path"].as_str().unwrap().to_string(),
        pairs(&plugin["env"], "value"),
        pairs(&plugin["parameters"], "string"),
    )
}

fn generate_app(scratch: &Scratch, name: &str) -> Output {
    let (path, env, params) = source_of(&application(name));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let params: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    scratch.generate(&path, &env, &params)
}

#[test]
fn discovered_kustomize_app_builds_like_kubectl_kustomize() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let scratch = Scratch::new(true);
    let (path, env, params) = source_of(&application("alt-las-prod"));
    assert_eq!(path, "overlays/prod");
    assert!(env.is_empty() && params.is_empty());
    let found = scratch.discover(&path);
    assert_eq!(stdout(&found), "netpolset.yaml\n");

    let out = stdout(&generate_app(&scratch, "alt-las-prod"));
    assert_eq!(out, scratch.kustomize("overlays/prod"));
    let all = docs(&out);
    let policies = of_kind(&all, "NetworkPolicy");
    assert_eq!(
        policies,
        docs(&common::render_overlay("prod")),
        "the policies are exactly what `netpolgen render overlays/prod` renders"
    );
    assert!(
        !of_kind(&all, "Deployment").is_empty(),
        "the workloads come along"
    );
    assert!(
        all.iter()
            .all(|d| d["metadata"]["namespace"] == "alt-las-prod")
    );
}

#[test]
fn discovery_answers_empty_without_a_set() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let scratch = Scratch::new(true);
    // base/ holds the shared NetworkPolicySet: discovered (and generate
    // would say it lacks an environment); these hold none.
    assert_eq!(stdout(&scratch.discover("base")), "netpolset.yaml\n");
    for dir in [".", "templates", "deploy/flux"] {
        let out = scratch.discover(dir);
        assert_eq!(stdout(&out), "", "{dir} was discovered");
    }
    // A set under another file name is found by its kind.
    let app = scratch.root().join("overlays/prod");
    std::fs::rename(app.join("netpolset.yaml"), app.join("policies.yml")).unwrap();
    std::fs::write(
        app.join("kustomization.yaml"),
        std::fs::read_to_string(app.join("kustomization.yaml"))
            .unwrap()
            .replace("netpolset.yaml", "policies.yml"),
    )
    .unwrap();
    assert_eq!(stdout(&scratch.discover("overlays/prod")), "policies.yml\n");
    assert_eq!(
        stdout(&scratch.generate("overlays/prod", &[], &[])),
        scratch.kustomize("overlays/prod")
    );
}

#[test]
fn overlay_env_entry_selects_the_environment() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let scratch = Scratch::new(true);
    let (path, env, _) = source_of(&application("alt-las-dev"));
    assert_eq!(path, ".");
    assert_eq!(
        env,
        vec![("NETPOLGEN_OVERLAY".to_string(), "dev".to_string())]
    );
    let out = stdout(&generate_app(&scratch, "alt-las-dev"));
    assert_eq!(out, scratch.kustomize("overlays/dev"));

    // The same as a parameter; both given and equal is fine.
    let as_param = scratch.generate(".", &[], &[("overlay", "dev")]);
    assert_eq!(stdout(&as_param), out);
    let both = scratch.generate(".", &[("NETPOLGEN_OVERLAY", "dev")], &[("overlay", "dev")]);
    assert_eq!(stdout(&both), out);
}

#[test]
fn bad_overlay_choices_fail_with_a_reason() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let scratch = Scratch::new(true);
    let cases: [Case; 4] = [
        (
            &[("NETPOLGEN_OVERLAY", "dev")],
            &[("overlay", "prod")],
            "parameter overlay (prod) and env NETPOLGEN_OVERLAY (dev) disagree",
        ),
        (
            &[("NETPOLGEN_OVERLAY", "../base")],
            &[],
            "must be a directory name",
        ),
        (
            &[("NETPOLGEN_OVERLAY", "..")],
            &[],
            "must be a directory name",
        ),
        (
            &[("NETPOLGEN_OVERLAY", "qa")],
            &[],
            "there is no overlays/qa in .",
        ),
    ];
    for (env, params, message) in cases {
        let stderr = failure(&scratch.generate(".", env, params));
        assert!(stderr.contains(message), "{env:?} {params:?}:\n{stderr}");
    }
}

#[test]
fn values_parameter_reaches_custom_templates() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let scratch = Scratch::new(true);
    let app = "deploy/argocd/example-app";
    assert_eq!(stdout(&scratch.discover(app)), "netpolset.yaml\n");
    let team = |out: &str| -> Vec<String> {
        of_kind(&docs(out), "NetworkPolicy")
            .iter()
            .filter_map(|p| p["metadata"]["annotations"]["netpolgen.io/team"].as_str())
            .map(str::to_string)
            .collect()
    };
    // No kustomization here: the plugin runs `netpolgen render`, and
    // without values the committed spec.values holds.
    let plain = stdout(&scratch.generate(app, &[], &[]));
    let mut render = common::netpolgen();
    render.arg("render").arg(repo().join(app));
    assert_eq!(plain, common::ok(render));
    assert_eq!(team(&plain), ["platform"]);

    // The Application's parameter overrides it.
    let (path, _, params) = source_of(&application("alt-las-team"));
    assert_eq!(path, app);
    assert_eq!(params[0].0, "values");
    let out = stdout(&generate_app(&scratch, "alt-las-team"));
    assert_eq!(team(&out), ["payments"]);
    // Only the annotation changed.
    assert_eq!(
        out.replace("netpolgen.io/team: payments", "netpolgen.io/team: platform"),
        plain
    );
}

#[test]
fn values_work_through_kustomize_and_are_checked() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let scratch = Scratch::new(true);
    // The built-in templates ignore values: same output, through the
    // rewritten generator config that keeps the set's name.
    let out = scratch.generate("overlays/prod", &[("NETPOLGEN_VALUES", "{team: x}")], &[]);
    assert_eq!(stdout(&out), scratch.kustomize("overlays/prod"));

    let app = "deploy/argocd/example-app";
    let cases: [Case; 3] = [
        (
            &[("NETPOLGEN_VALUES", "{team: a}")],
            &[("values", "{team: b}")],
            "parameter values ({team: b}) and env NETPOLGEN_VALUES ({team: a}) disagree",
        ),
        (
            &[],
            &[("values", "team: b")],
            "values must be a mapping in braces",
        ),
        (
            &[],
            &[("values", "{team: a,\n flows: {}}")],
            "values must be one line",
        ),
    ];
    for (env, params, message) in cases {
        let stderr = failure(&scratch.generate(app, env, params));
        assert!(stderr.contains(message), "{env:?} {params:?}:\n{stderr}");
    }
    // A value netpolgen rejects names the file and field.
    let stderr = failure(&scratch.generate(app, &[], &[("values", "{team: [}")]));
    assert!(stderr.contains("netpolset.yaml"), "{stderr}");
}

#[test]
fn broken_intent_fails_with_the_error_and_no_manifests() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let scratch = Scratch::new(true);
    let file = scratch.root().join("overlays/prod/netpolset.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("{text}  flows:\n    to-nowhere: {{from: api-gateway, to: no-such-service, ports: [80]}}\n"),
    )
    .unwrap();
    // Through kustomize (the exec plugin's error comes out on stderr) ...
    let stderr = failure(&scratch.generate("overlays/prod", &[], &[]));
    assert!(stderr.contains("overlays/prod/netpolset.yaml"), "{stderr}");
    assert!(stderr.contains("no-such-service"), "{stderr}");
    // ... and through `netpolgen render`.
    let file = scratch
        .root()
        .join("deploy/argocd/example-app/netpolset.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("namespace: alt-las-staging", "namespace: [alt-las-staging]"),
    )
    .unwrap();
    let stderr = failure(&scratch.generate("deploy/argocd/example-app", &[], &[]));
    assert!(
        stderr.contains("deploy/argocd/example-app/netpolset.yaml:")
            && stderr.contains("spec.namespace"),
        "{stderr}"
    );
}

#[test]
fn an_empty_build_is_refused() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let scratch = Scratch::new(true);
    let app = scratch.root().join("apps/empty");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("kustomization.yaml"), "resources: []\n").unwrap();
    let stderr = failure(&scratch.generate("apps/empty", &[], &[]));
    assert!(stderr.contains("printed nothing"), "{stderr}");
}

#[test]
fn works_when_argo_cd_leaves_out_git() {
    if common::missing(&["kubectl"]) {
        return;
    }
    // ARGOCD_REPO_SERVER_PLUGIN_TAR_EXCLUSIONS=.git: no .git in the copy.
    let scratch = Scratch::new(false);
    let out = stdout(&scratch.generate("overlays/staging", &[], &[]));
    assert_eq!(out, scratch.kustomize("overlays/staging"));
    let out = stdout(&scratch.generate("deploy/argocd/example-app", &[], &[]));
    assert_eq!(of_kind(&docs(&out), "NetworkPolicy").len(), 7);
}

/// Builds `components` over the parts of Argo CD's install they patch, with
/// kubectl's kustomize.
fn patched_install(components: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("deploy"), &dir.path().join("deploy"));
    let argo = dir.path().join("argo");
    std::fs::create_dir(&argo).unwrap();
    std::fs::copy(
        repo().join("tests/testdata/gitops/argocd/install.yaml"),
        argo.join("install.yaml"),
    )
    .unwrap();
    let list: Vec<String> = components
        .iter()
        .map(|c| format!("../deploy/argocd/{c}"))
        .collect();
    std::fs::write(
        argo.join("kustomization.yaml"),
        format!(
            "resources: [install.yaml]\ncomponents: [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    let out = Command::new(require_tool("kubectl"))
        .arg("kustomize")
        .arg(&argo)
        .output()
        .unwrap();
    docs(&stdout(&out))
}

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

#[test]
fn sidecar_component_mounts_plugin_yaml_and_the_cmp_server() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let all = patched_install(&["cmp-sidecar"]);
    let cm = of_kind(&all, "ConfigMap")
        .into_iter()
        .find(|c| c["metadata"]["name"] == "netpolgen-cmp-plugin")
        .expect("the plugin ConfigMap");
    let plugin_yaml = std::fs::read_to_string(repo().join("plugin.yaml")).unwrap();
    assert_eq!(
        cm["data"]["plugin.yaml"].as_str().unwrap(),
        plugin_yaml,
        "deploy/argocd/cmp-sidecar/netpolgen-cmp-plugin.yaml must carry /plugin.yaml byte for byte"
    );
    let deploy = &of_kind(&all, "Deployment")[0];
    let pod = &deploy["spec"]["template"]["spec"];
    let sidecar = find(&pod["containers"], "netpolgen");
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(
        sidecar["image"],
        format!("netpolgen:{}", env!("CARGO_PKG_VERSION")),
        "the image tag follows the crate version"
    );
    let mounts: Vec<(&str, &str)> = sidecar["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["mountPath"].as_str().unwrap(),
                m["name"].as_str().unwrap(),
            )
        })
        .collect();
    for wanted in [
        ("/var/run/argocd", "var-files"),
        ("/home/argocd/cmp-server/plugins", "plugins"),
        (
            "/home/argocd/cmp-server/config/plugin.yaml",
            "netpolgen-cmp-plugin",
        ),
        ("/tmp", "netpolgen-tmp"),
        ("/usr/local/bin/kustomize", "netpolgen-tools"),
    ] {
        assert!(mounts.contains(&wanted), "{wanted:?} not in {mounts:?}");
    }
    // Every mounted volume exists; Argo CD's own containers are untouched.
    for (_, name) in &mounts {
        find(&pod["volumes"], name);
    }
    find(&pod["initContainers"], "copyutil");
    find(&pod["initContainers"], "netpolgen-copy-kustomize");
    let repo_server = find(&pod["containers"], "argocd-repo-server");
    assert_eq!(repo_server["volumeMounts"].as_array().unwrap().len(), 3);
}

#[test]
fn build_options_alternative_runs_the_exec_plugin() {
    if common::missing(&["kubectl"]) {
        return;
    }
    let all = patched_install(&["kustomize-build-options"]);
    let cm = of_kind(&all, "ConfigMap")
        .into_iter()
        .find(|c| c["metadata"]["name"] == "argocd-cm")
        .unwrap();
    let options = cm["data"]["kustomize.buildOptions"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        cm["data"]["url"], "https://argocd.example.com",
        "argocd-cm is patched, not replaced"
    );
    let pod = &of_kind(&all, "Deployment")[0]["spec"]["template"]["spec"];
    let init = find(&pod["initContainers"], "netpolgen-install");
    let repo_server = find(&pod["containers"], "argocd-repo-server");
    let plugin_home = find(&repo_server["env"], "KUSTOMIZE_PLUGIN_HOME")["value"]
        .as_str()
        .unwrap()
        .to_string();
    find(&pod["initContainers"], "copyutil");

    // Run the init container's command with its volume at a scratch
    // directory and the image's binary at ours ...
    let volume = tempfile::tempdir().unwrap();
    let rewrite = |s: &str| {
        s.replace("/custom-tools", &volume.path().display().to_string())
            .replace(
                "/usr/local/bin/netpolgen",
                &bin_path().display().to_string(),
            )
    };
    let argv: Vec<String> = strings(&init["command"], "command")
        .iter()
        .map(|s| rewrite(s))
        .collect();
    let out = run(
        &argv,
        volume.path(),
        &[("PATH".into(), "/usr/bin:/bin".into())],
    );
    common::assert_success(&out);
    // ... then the repo-server's `kustomize build <path> <buildOptions>`.
    let scratch = Scratch::new(true);
    let mut cmd = Command::new(require_tool("kubectl"));
    cmd.arg("kustomize")
        .arg(scratch.root().join("overlays/test"))
        .args(options.split_whitespace())
        .env("KUSTOMIZE_PLUGIN_HOME", rewrite(&plugin_home));
    let out = cmd.output().unwrap();
    assert_eq!(stdout(&out), scratch.kustomize("overlays/test"));
    // The binary is also on PATH for KRM exec functions (exec.path: netpolgen).
    assert!(
        repo_server["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/usr/local/bin/netpolgen" && m["subPath"] == "netpolgen"),
        "{}",
        repo_server["volumeMounts"]
    );
    assert!(volume.path().join("netpolgen").is_file());
}

#[test]
fn plugin_yaml_calls_the_binary() {
    let p = plugin();
    assert_eq!(p.discover, ["netpolgen", "argocd", "discover"]);
    assert_eq!(p.generate, ["netpolgen", "argocd", "generate"]);
}
