//! The pictures as Graphviz draws them: `-o dot` of the ALT_LAS example
//! (an analysis and a diff) piped to `dot -Tpng` gives a PNG and no
//! warnings; and the README's picture, `docs/alt-las-prod.png`, comes from
//! `docs/alt-las-prod.dot`, which must be what netpolgen prints now.
//!
//! Without Graphviz the PNG tests say so and return, except under
//! `NETPOLGEN_REQUIRE_TOOLS` (CI), where they fail.

mod common;

use std::process::Command;

use common::{missing, netpolgen, repo, require_tool};

const DOT: &str = "dot";

/// The README's picture: `netpolgen` with these arguments, from the
/// repository root, piped to `dot -Tpng -o docs/alt-las-prod.png`
/// (docs/pictures.md says so too).
const README_PICTURE: [&str; 6] = [
    "analyze",
    "overlays/prod",
    "-o",
    "dot",
    "--direction",
    "ingress",
];

/// netpolgen's stdout for `args` run at the repository root; `exit` is
/// the status it must end with.
fn dot_source(args: &[&str], exit: i32) -> String {
    let mut cmd = netpolgen();
    cmd.args(args).current_dir(repo());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(exit), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// `dot -Tpng` of `source`: the PNG, after checking that dot succeeded,
/// warned about nothing, and wrote a PNG.
fn png(source: &str) -> Vec<u8> {
    let mut dot = Command::new(require_tool(DOT));
    dot.arg("-Tpng");
    let out = common::pipe(dot, source.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dot failed: {stderr}");
    assert!(stderr.is_empty(), "dot warned:\n{stderr}");
    // The signature, then the IHDR chunk with a non-empty image.
    assert!(
        out.stdout.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {:?}",
        &out.stdout[..out.stdout.len().min(16)]
    );
    assert_eq!(&out.stdout[12..16], b"IHDR", "no IHDR chunk");
    let width = u32::from_be_bytes(out.stdout[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(out.stdout[20..24].try_into().unwrap());
    assert!(width > 100 && height > 100, "a {width}x{height} image");
    out.stdout
}

#[test]
fn the_prod_analysis_draws_as_a_png() {
    if missing(&[DOT]) {
        return;
    }
    png(&dot_source(&["analyze", "overlays/prod", "-o", "dot"], 0));
    png(&dot_source(&README_PICTURE, 0));
}

#[test]
fn a_diff_draws_as_a_png() {
    if missing(&[DOT]) {
        return;
    }
    // 1: dev (egress open) and prod (egress denied) differ.
    let source = dot_source(&["diff", "overlays/dev", "overlays/prod", "-o", "dot"], 1);
    assert!(source.contains("#cf222e"), "no removed edge in red");
    png(&source);
    let dir = "tests/testdata/diff/alt-las-prod";
    let source = dot_source(
        &[
            "diff",
            "overlays/prod",
            &format!("{dir}/after"),
            "-o",
            "dot",
        ],
        1,
    );
    assert!(source.contains("#1a7f37"), "no added edge in green");
    png(&source);
}

/// The committed source of the README's picture is what netpolgen draws
/// now; regenerate both with the command in docs/pictures.md.
#[test]
fn the_readme_picture_source_is_current() {
    let committed = std::fs::read_to_string(repo().join("docs/alt-las-prod.dot")).unwrap();
    let now = dot_source(&README_PICTURE, 0);
    assert!(
        committed == now,
        "docs/alt-las-prod.dot is stale; run\n  netpolgen {} > docs/alt-las-prod.dot\n  dot -Tpng -o docs/alt-las-prod.png docs/alt-las-prod.dot",
        README_PICTURE.join(" ")
    );
    let png = std::fs::read(repo().join("docs/alt-las-prod.png")).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "docs/alt-las-prod.png is not a PNG"
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains("](docs/alt-las-prod.png)"),
        "the README does not show the picture"
    );
}
