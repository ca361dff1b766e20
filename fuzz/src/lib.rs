//! What each fuzz target checks, as plain functions of the input bytes:
//! the fuzz binaries (`fuzz_targets/`) call them, and so does the replay of
//! every recorded crash (`tests/fuzz_regressions.rs` in the main crate,
//! which includes this file as a module). A violated property panics.

pub mod intent;
pub mod load;
pub mod manifests;
pub mod render;
pub mod resource_list;
pub mod tree;

use std::borrow::Cow;

use netpolgen::diag::Errors;

/// What a target checks of one input; a violated property panics.
pub type Check = fn(&[u8]);

/// Every target by name, as the regression directories are named.
pub const TARGETS: [(&str, Check); 4] = [
    ("load", load::run),
    ("resource_list", resource_list::run),
    ("manifests", manifests::run),
    ("render", render::run),
];

/// The input as text, as a file read from disk would be after decoding:
/// invalid UTF-8 replaced, so every input reaches the readers.
pub fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Splits at NUL bytes into at most `n` parts.
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == 0).collect()
}

/// A failed run must say what failed: at least one diagnostic, each with
/// a message; with `files`, each names one of them.
pub fn check_errors(errors: &Errors, files: Option<&[&str]>) {
    assert!(!errors.0.is_empty(), "an error without diagnostics");
    for d in &errors.0 {
        assert!(
            !d.message.trim().is_empty(),
            "a diagnostic without a message: {d:?}"
        );
        if let Some(files) = files {
            let file = d.file.as_deref();
            assert!(
                file.is_some_and(|f| files.contains(&f)),
                "a diagnostic that names no file of the input ({file:?}): {d:?}"
            );
        }
    }
}
