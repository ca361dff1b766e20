//! The layout rules of the crate, checked on its sources: I/O only at the
//! edges, nothing below the command line names it, no import circles
//! between top-level modules, files of a readable size.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules allowed to touch the filesystem, processes and stdin.
const EDGES: [&str; 3] = ["io", "cli", "main"];
const MAX_LINES: usize = 450;

struct Source {
    /// Path relative to `src/`.
    rel: String,
    /// The top-level module it belongs to.
    module: String,
    /// The text without comments.
    code: String,
    lines: usize,
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = common::repo().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            let code = text
                .lines()
                .map(|l| match l.find("//") {
                    Some(i) if !l[..i].contains('"') => &l[..i],
                    _ => l,
                })
                .collect::<Vec<_>>()
                .join("\n");
            Source {
                rel,
                module,
                lines: text.lines().count(),
                code,
            }
        })
        .collect()
}

#[test]
fn io_happens_only_at_the_edges() {
    let forbidden = ["std::fs", "std::process", "Command::new", "stdin()"];
    let mut found = Vec::new();
    for s in sources()
        .iter()
        .filter(|s| !EDGES.contains(&s.module.as_str()))
    {
        for f in forbidden {
            if s.code.contains(f) {
                found.push(format!("{}: {f}", s.rel));
            }
        }
        if s.code.contains("crate::cli") {
            found.push(format!("{}: names crate::cli", s.rel));
        }
    }
    assert!(
        found.is_empty(),
        "outside io/ and cli/:\n{}",
        found.join("\n")
    );
}

#[test]
fn top_level_modules_import_no_circle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources() {
        // Unit tests may borrow fixtures from anywhere.
        let code = s
            .code
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != s.module {
                graph.entry(s.module.clone()).or_default().insert(name);
            }
        }
    }
    // A circle exists iff some module reaches itself.
    let mut circles = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(&String, Vec<&String>)> = vec![(start, vec![start])];
        while let Some((m, path)) = stack.pop() {
            for next in graph.get(m).into_iter().flatten() {
                if next == start {
                    let mut p: Vec<&str> = path.iter().map(|s| s.as_str()).collect();
                    p.push(start);
                    circles.push(p.join(" -> "));
                } else if seen.insert(next) {
                    let mut p = path.clone();
                    p.push(next);
                    stack.push((next, p));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn files_stay_readable() {
    let long: Vec<String> = sources()
        .iter()
        .filter(|s| s.lines > MAX_LINES)
        .map(|s| format!("{}: {} lines", s.rel, s.lines))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}
