//! The one golden-case harness: every directory under
//! `tests/testdata/<command>/` that holds `*.cmd` files is a case; each
//! `NAME.cmd` (or plain `cmd`) is one run of the binary in that directory.
//!
//! - `NAME.cmd`: the arguments, one per line;
//! - `NAME.stdin`: what is piped in (optional);
//! - `NAME.stdout`, `NAME.stderr`: the exact expected output (optional);
//! - `NAME.stderr.contains`: lines the error output must contain;
//! - `NAME.exit`: the exit status (0 when absent).
//!
//! `UPDATE_GOLDEN=1 cargo test --test cases` rewrites the `.stdout` and
//! `.stderr` files of every case from what the binary printed; read the
//! diff by eye before committing it. Every run is also repeated once: the
//! same input must give the same bytes.

mod common;

use std::path::{Path, PathBuf};

use common::{check_golden, netpolgen, repo};

struct Run {
    case: PathBuf,
    /// `NAME.` or empty for the plain `cmd` file.
    prefix: String,
}

impl Run {
    fn file(&self, suffix: &str) -> PathBuf {
        self.case.join(format!("{}{suffix}", self.prefix))
    }

    fn read(&self, suffix: &str) -> Option<String> {
        std::fs::read_to_string(self.file(suffix)).ok()
    }

    fn name(&self) -> String {
        let rel = self
            .case
            .strip_prefix(repo().join("tests/testdata"))
            .unwrap_or(&self.case);
        format!("{}:{}", rel.display(), self.prefix.trim_end_matches('.'))
    }
}

fn runs() -> Vec<Run> {
    fn walk(dir: &Path, out: &mut Vec<Run>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let prefix = match name.as_str() {
                "cmd" => String::new(),
                n if n.ends_with(".cmd") => n.trim_end_matches("cmd").to_string(),
                _ => continue,
            };
            out.push(Run {
                case: dir.to_path_buf(),
                prefix,
            });
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("tests/testdata"), &mut out);
    out
}

fn execute(run: &Run) -> std::process::Output {
    let args: Vec<String> = run
        .read("cmd")
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut cmd = netpolgen();
    cmd.args(&args)
        .current_dir(&run.case)
        .env_remove("NETPOLGEN_ROOT")
        .env("NO_COLOR", "1");
    cmd.write_stdin(run.read("stdin").unwrap_or_default());
    cmd.output().unwrap()
}

#[test]
fn every_case_gives_its_expected_output() {
    let runs = runs();
    assert!(runs.len() >= 60, "only {} runs found", runs.len());
    let mut failures = Vec::new();
    for run in &runs {
        let out = execute(run);
        let name = run.name();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let want_exit: i32 = run
            .read("exit")
            .map_or(0, |t| t.trim().parse().expect("exit file holds a number"));
        if out.status.code() != Some(want_exit) {
            failures.push(format!(
                "{name}: exit {:?}, want {want_exit}\n{stderr}",
                out.status.code()
            ));
        }
        for (suffix, got) in [("stdout", &stdout), ("stderr", &stderr)] {
            if run.file(suffix).exists() {
                if let Err(e) = check_golden(&run.file(suffix), got) {
                    failures.push(format!("{name}: {e}"));
                }
            } else if suffix == "stdout" && want_exit != 0 && !got.is_empty() {
                failures.push(format!("{name}: failed and wrote to stdout:\n{got}"));
            }
        }
        for needle in run.read("stderr.contains").unwrap_or_default().lines() {
            if !stderr.contains(needle) {
                failures.push(format!("{name}: stderr lacks {needle:?}:\n{stderr}"));
            }
        }
        let again = execute(run);
        if again.stdout != out.stdout {
            failures.push(format!("{name}: a second run printed other bytes"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
