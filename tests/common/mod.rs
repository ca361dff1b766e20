//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use assert_cmd::Command;

/// The repository checkout.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The environments of the ALT_LAS overlays.
pub const ENVS: [&str; 4] = ["dev", "test", "staging", "prod"];

/// The netpolgen binary under test.
pub fn netpolgen() -> Command {
    Command::cargo_bin("netpolgen").unwrap()
}

pub fn bin_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("netpolgen")
}

/// Runs and requires success; returns stdout.
pub fn ok(mut cmd: Command) -> String {
    let out = cmd.output().unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `netpolgen render overlays/<env>` from the repository root.
pub fn render_overlay(env: &str) -> String {
    let mut cmd = netpolgen();
    cmd.arg("render")
        .arg(format!("overlays/{env}"))
        .current_dir(repo());
    ok(cmd)
}

/// Parses a YAML stream into JSON-shaped documents.
pub fn docs(text: &str) -> Vec<serde_json::Value> {
    netpolgen::k8s::yaml::parse_documents(text).unwrap()
}

/// Documents of one kind.
pub fn of_kind(docs: &[serde_json::Value], kind: &str) -> Vec<serde_json::Value> {
    docs.iter().filter(|d| d["kind"] == kind).cloned().collect()
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The path of an external tool the test runs; fails when it is missing
/// (tests call [`missing`] first).
pub fn require_tool(name: &str) -> PathBuf {
    find_tool(name)
        .unwrap_or_else(|| panic!("`{name}` is not installed; these tests run the real tool"))
}

/// True, after saying so on stderr, when one of `tools` is not installed:
/// the calling test returns early. Under `NETPOLGEN_REQUIRE_TOOLS` (set by
/// `.ci/run`) a missing tool fails the test instead.
pub fn missing(tools: &[&str]) -> bool {
    let absent: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| find_tool(t).is_none())
        .collect();
    if absent.is_empty() {
        return false;
    }
    if std::env::var_os("NETPOLGEN_REQUIRE_TOOLS").is_some() {
        panic!("{} not installed; CI requires it", absent.join(", "));
    }
    // Through the process's stderr handle, which the harness does not
    // capture (it captures only eprintln!): a skip must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {} not installed; this test runs the real tool",
        absent.join(", ")
    );
    true
}

/// Copies the repository's intent (base, overlays, templates) into `dir`
/// and marks it as a repository root.
pub fn copy_tree(dir: &Path) {
    for sub in ["base", "overlays", "templates"] {
        copy_dir(&repo().join(sub), &dir.join(sub));
    }
    std::fs::create_dir_all(dir.join(".git")).unwrap();
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Compares `got` with the golden file at `path`: `Err` with a unified diff
/// when they differ. With `UPDATE_GOLDEN` set the file is rewritten instead
/// (read the change before committing it).
pub fn check_golden(path: &Path, got: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, got).unwrap();
        return Ok(());
    }
    let want = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if got == want {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(&want, got)
        .unified_diff()
        .header("golden", "got")
        .to_string();
    Err(format!(
        "{} differs from its golden file:\n{diff}",
        path.display()
    ))
}

/// [`check_golden`], failing the test on a difference.
pub fn assert_golden(path: &Path, got: &str) {
    if let Err(e) = check_golden(path, got) {
        panic!("{e}");
    }
}

/// The vendored CiliumNetworkPolicy schema (`tests/cilium/`), strict: an
/// object schema that lists its fields rejects every other field, as
/// `kubectl apply --validate=strict` does.
pub fn cilium_schema() -> jsonschema::Validator {
    fn strict(v: &mut serde_json::Value) {
        if let serde_json::Value::Object(m) = v {
            let object = m.get("type").and_then(|t| t.as_str()) == Some("object");
            if object && m.contains_key("properties") && !m.contains_key("additionalProperties") {
                m.insert(
                    "additionalProperties".into(),
                    serde_json::Value::Bool(false),
                );
            }
            m.values_mut().for_each(strict);
        } else if let serde_json::Value::Array(a) = v {
            a.iter_mut().for_each(strict);
        }
    }
    let path = repo().join("tests/cilium/ciliumnetworkpolicy-v2-subset.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let file = &docs(&text)[0];
    let mut schema = file["openAPIV3Schema"].clone();
    schema["definitions"] = file["definitions"].clone();
    strict(&mut schema);
    jsonschema::options()
        .with_format("cidr", |s: &str| s.parse::<ipnet::IpNet>().is_ok())
        .should_validate_formats(true)
        .build(&schema)
        .expect("the vendored schema compiles")
}

/// Every way `doc` breaks the vendored CiliumNetworkPolicy schema.
pub fn cilium_schema_errors(
    schema: &jsonschema::Validator,
    doc: &serde_json::Value,
) -> Vec<String> {
    schema
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Runs `cmd` with `input` on its stdin and its output captured.
pub fn pipe(mut cmd: std::process::Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}
