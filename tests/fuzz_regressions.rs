//! Every input the fuzzers found a failure with, replayed through the same
//! checks the fuzz targets run (`fuzz/src/`, included here as a module):
//! `tests/testdata/fuzz/<target>/<input>` must pass. Inputs of failures
//! not fixed yet live in `tests/testdata/fuzz/<target>/open/`; they must
//! still fail (once one passes, move it up a directory).

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether `run` passes on the input at `path`.
fn passes(run: targets::Check, path: &Path) -> bool {
    let data = std::fs::read(path).unwrap();
    catch_unwind(AssertUnwindSafe(|| run(&data))).is_ok()
}

#[test]
fn every_recorded_fuzz_input_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/fuzz");
    let mut wrong = Vec::new();
    let mut replayed = 0;
    for (name, run) in targets::TARGETS {
        let dir = root.join(name);
        for path in inputs(&dir) {
            replayed += 1;
            if !passes(run, &path) {
                wrong.push(format!("{} fails", path.display()));
            }
        }
        for path in inputs(&dir.join("open")) {
            replayed += 1;
            if passes(run, &path) {
                wrong.push(format!(
                    "{} passes now: move it to {}",
                    path.display(),
                    dir.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    eprintln!("replayed {replayed} fuzz inputs");
}

#[test]
fn the_seeds_of_every_target_pass() {
    // The hand-written seeds are valid inputs of their targets.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (name, run) in targets::TARGETS {
        for path in inputs(&root.join(name)) {
            assert!(passes(run, &path), "{}", path.display());
        }
    }
}
