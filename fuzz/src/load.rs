//! `load`: an intent and its base, two files of an in-memory repository,
//! loaded with the base chain and modelled. Never a panic; every error
//! names one of the two files and, where it gives a line, a line of it.

use std::path::Path;

use netpolgen::diag::Errors;
use netpolgen::model;
use netpolgen::spec::files::Memory;
use netpolgen::spec::{self, Input};

/// Where the intent lives; its `base: ../../base/netpolset.yaml` is [`BASE`].
pub const TOP: &str = "overlays/env/netpolset.yaml";
pub const BASE: &str = "base/netpolset.yaml";

/// The input is the intent, then after the first NUL its base (absent
/// without a NUL).
pub fn run(data: &[u8]) {
    let parts = super::parts(data, 2);
    let top = super::text(parts[0]).into_owned();
    let mut files = Memory::default().with(TOP, top);
    if let Some(base) = parts.get(1) {
        files = files.with(BASE, super::text(base).into_owned());
    }
    let input = Input::read(&files, Path::new(TOP)).expect("the intent is held in memory");
    let loaded = match spec::load(input, &files) {
        Ok(loaded) => loaded,
        Err(errors) => return check(&errors, &files),
    };
    if let Err(errors) = model::build(&loaded.set) {
        check(&loaded.map.place_all(errors), &files);
    }
}

fn check(errors: &Errors, files: &Memory) {
    super::check_errors(errors, Some(&[TOP, BASE]));
    for d in &errors.0 {
        let (Some(file), Some(line)) = (&d.file, d.line) else {
            continue;
        };
        let text = files
            .files
            .get(Path::new(file))
            .unwrap_or_else(|| panic!("names {file}, which does not exist: {d:?}"));
        // As YAML counts them: CR, LF and CRLF each end a line.
        let lines = text.replace("\r\n", "\n").matches(['\r', '\n']).count() + 1;
        assert!(
            (1..=lines).contains(&line),
            "line {line} of a {lines}-line file: {d:?}"
        );
    }
}
