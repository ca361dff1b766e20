//! Hostile input: files that are not what they claim to be, templates that
//! try to exhaust memory, and interrupted or racing writes of an output
//! directory. Each case is a regression test for a hole that was open.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::bin_path;

const INTENT: &str = "apiVersion: netpolgen.io/v1alpha1
kind: NetworkPolicySet
metadata: {name: shop}
spec:
  environment: test
  namespace: shop
  templates: [tpl]
  services:
    web: {labels: {app: web}, ports: {http: 8080}}
    db: {labels: {app: db}, ports: {sql: 5432}}
  flows:
    web-to-db: {from: web, to: db, ports: [sql]}
";

/// A repository holding the intent and an empty `tpl/`.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("tpl")).unwrap();
    std::fs::write(dir.path().join("netpolset.yaml"), INTENT).unwrap();
    dir
}

/// `netpolgen ARGS` in `dir`, killed if it runs longer than 20 s.
fn run(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(bin_path())
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "netpolgen {args:?} hangs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn refused(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "partial output");
    assert!(
        stderr.contains(needle),
        "stderr lacks {needle:?}:\n{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_template_linked_outside_the_root_is_refused() {
    let dir = repository();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("evil.yaml.j2"), "---\n").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("evil.yaml.j2"),
        dir.path().join("tpl/evil.yaml.j2"),
    )
    .unwrap();
    refused(
        &run(dir.path(), &["render", "."]),
        "outside the repository root",
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_as_a_template_is_refused_without_blocking() {
    let dir = repository();
    let fifo = dir.path().join("tpl/wait.yaml.j2");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    refused(&run(dir.path(), &["render", "."]), "not a regular file");
    std::fs::remove_file(&fifo).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("tpl/zero.yaml.j2")).unwrap();
    // /dev/zero lies outside the root, and is no regular file either.
    refused(&run(dir.path(), &["render", "."]), "zero.yaml.j2");
}

#[test]
fn a_template_that_writes_without_end_fails_with_its_name() {
    let dir = repository();
    std::fs::write(
        dir.path().join("tpl/flood.yaml.j2"),
        "{% set s = \"x\" * 1000000 %}\n{% for i in range(100000) %}{{ s }}{% endfor %}\n",
    )
    .unwrap();
    refused(
        &run(dir.path(), &["render", "."]),
        "tpl/flood.yaml.j2: template output too large: a template may write at most 64 MiB",
    );
}

#[test]
fn templates_together_are_bounded_too() {
    let dir = repository();
    for i in 0..5 {
        std::fs::write(
            dir.path().join(format!("tpl/part{i}.yaml.j2")),
            "{% set s = \"x\" * 1000000 %}{% for i in range(60) %}{{ s }}{% endfor %}",
        )
        .unwrap();
    }
    refused(
        &run(dir.path(), &["render", "."]),
        "all templates together may write at most 256 MiB",
    );
}

/// An output directory of the four ALT_LAS environments, rendered from a
/// copy of the repository.
fn alt_las() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(dir.path());
    dir
}

const OUT_ARGS: [&str; 7] = [
    "render",
    "--out-dir",
    "out",
    "overlays/dev",
    "overlays/test",
    "overlays/staging",
    "overlays/prod",
];

#[test]
fn racing_out_dir_writes_never_leave_a_truncated_file() {
    let dir = alt_las();
    let want = run(dir.path(), &OUT_ARGS);
    assert!(want.status.success());
    let reference: Vec<String> = ["dev", "test", "staging", "prod"]
        .iter()
        .map(|e| std::fs::read_to_string(dir.path().join(format!("out/alt-las-{e}.yaml"))).unwrap())
        .collect();
    for round in 0..5 {
        std::fs::remove_dir_all(dir.path().join("out")).unwrap();
        // Four writers at once, each spawned before any is waited for.
        let children: Vec<_> = (0..4)
            .map(|_| {
                Command::new(bin_path())
                    .args(OUT_ARGS)
                    .current_dir(dir.path())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success(), "round {round}");
        }
        for (i, e) in ["dev", "test", "staging", "prod"].iter().enumerate() {
            let got =
                std::fs::read_to_string(dir.path().join(format!("out/alt-las-{e}.yaml"))).unwrap();
            assert_eq!(got, reference[i], "round {round}: {e}");
        }
        let names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 4, "stray files: {names:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_at_the_old_temporary_name_is_not_followed() {
    let dir = alt_las();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "keep\n").unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink(
        &victim,
        dir.path().join("out/.alt-las-prod.yaml.netpolgen-tmp"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("out/alt-las-prod.yaml")).unwrap();
    assert!(run(dir.path(), &OUT_ARGS).status.success());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
    let out = dir.path().join("out/alt-las-prod.yaml");
    assert!(!std::fs::symlink_metadata(&out).unwrap().is_symlink());
}

/// Kills the writer at its first rename (strace fault injection): only
/// temporaries exist, none of the targets; `--check` names every missing
/// file and every temporary.
#[test]
fn an_interrupted_write_is_reported_by_check() {
    if common::missing(&["strace"]) {
        return;
    }
    let dir = alt_las();
    let killed = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            "trace=rename,renameat,renameat2",
        ])
        .args([
            "-e",
            "inject=rename,renameat,renameat2:signal=SIGKILL:when=1",
        ])
        .arg(bin_path())
        .args(OUT_ARGS)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the writer was not killed");
    let left: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !left.is_empty()
            && left
                .iter()
                .all(|n| n.starts_with('.') && n.ends_with(".tmp")),
        "{left:?}"
    );
    let mut check = OUT_ARGS.to_vec();
    check.insert(1, "--check");
    let out = run(dir.path(), &check);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("out/alt-las-prod.yaml: missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains("a temporary file left by an interrupted"),
        "{stderr}"
    );
}
