//! Markdown for a pull-request comment: a summary line, then the
//! connectivity and the object diffs, each under a heading and folded.

use std::fmt::Write;

use super::{counts, external_reason, placeholders, reason};
use crate::diff::all::Table;
use crate::diff::{Change, Diff};

/// A code span that survives any content.
fn code(s: &str) -> String {
    let ticks = "`".repeat(longest_run(s, '`') + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

/// Plain text in a table cell: HTML and table syntax escaped.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}")
}

pub fn diff(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### netpolgen diff: {} → {}\n", code(&d.a), code(&d.b));
    if d.is_empty() {
        out.push_str("No differences: the same objects and the same connections.\n");
        notes(&mut out, &d.notes);
        return out;
    }
    let c = &d.connectivity;
    let of = |k: Change| d.objects.iter().filter(|o| o.change == k).count();
    let objects = format!(
        "{}, {}, {}",
        count(of(Change::Changed), "changed"),
        count(of(Change::Added), "added"),
        count(of(Change::Removed), "removed")
    );
    let conns = counts(c);
    let _ = writeln!(out, "**Connections:** {conns}. **Objects:** {objects}.\n");
    let ph = placeholders(d);
    if !ph.is_empty() {
        let parts: Vec<String> = ph
            .iter()
            .map(|(p, a, b)| format!("{} = {} / {}", code(p), code(a), code(b)))
            .collect();
        let _ = writeln!(out, "Normalized (a / b): {}.\n", parts.join(", "));
    }

    out.push_str("#### Connectivity\n\n");
    if c.is_empty() {
        out.push_str("No connection added or removed.\n\n");
    } else {
        let _ = writeln!(out, "<details open><summary>{conns}</summary>\n");
        out.push_str("| | connection | why |\n| --- | --- | --- |\n");
        for r in &c.removed {
            let _ = writeln!(
                out,
                "| removed | {} | {} |",
                code(&r.flow.to_string()),
                text(&reason(r, false))
            );
        }
        for a in &c.added {
            let _ = writeln!(
                out,
                "| added | {} | {} |",
                code(&a.flow.to_string()),
                text(&reason(a, true))
            );
        }
        for (what, list) in [
            ("removed", &c.external_removed),
            ("added", &c.external_added),
        ] {
            for e in list {
                let _ = writeln!(
                    out,
                    "| {what} | {} | {} |",
                    code(&e.flow.to_string()),
                    text(&external_reason(e, what))
                );
            }
        }
        out.push_str("\n</details>\n\n");
    }

    out.push_str("#### Objects\n\n");
    if d.objects.is_empty() {
        out.push_str("No object changed.\n\n");
    } else {
        let _ = writeln!(out, "<details><summary>{objects}</summary>\n");
        let mut body = String::new();
        for o in &d.objects {
            let path = o.path();
            let (from, to) = match o.change {
                Change::Added => ("/dev/null".to_string(), format!("b/{path}")),
                Change::Removed => (format!("a/{path}"), "/dev/null".to_string()),
                Change::Changed => (format!("a/{path}"), format!("b/{path}")),
            };
            let _ = write!(body, "--- {from}\n+++ {to}\n{}", o.hunks);
        }
        let fence = "`".repeat((longest_run(&body, '`') + 1).max(3));
        let _ = writeln!(out, "{fence}diff\n{body}{fence}\n\n</details>\n");
    }
    notes(&mut out, &d.notes);
    out
}

fn notes(out: &mut String, notes: &[String]) {
    for n in notes {
        let _ = writeln!(out, "> Note: {n}");
    }
}

/// The count matrix as a table, then the flows behind each non-zero cell.
pub fn table(t: &Table) -> String {
    let mut out = String::new();
    out.push_str("### netpolgen diff --all\n\n");
    out.push_str("Flows allowed in the row's environment and not in the column's");
    out.push_str(if t.normalized {
        " (normalized).\n\n"
    } else {
        ".\n\n"
    });
    out.push_str("| has \\ lacks |");
    for e in &t.environments {
        let _ = write!(out, " {} |", code(e));
    }
    out.push_str("\n| --- |");
    out.push_str(&" ---: |".repeat(t.environments.len()));
    out.push('\n');
    for has in &t.environments {
        let _ = write!(out, "| {} |", code(has));
        for lacks in &t.environments {
            let cell = t.cell(has, lacks);
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    for p in t.pairs.iter().filter(|p| !p.flows.is_empty()) {
        let _ = writeln!(
            out,
            "\n<details><summary>{} has, {} lacks: {}</summary>\n",
            text(&p.has),
            text(&p.lacks),
            p.flows.len()
        );
        for f in &p.flows {
            let _ = writeln!(out, "- {}", code(&f.to_string()));
        }
        out.push_str("\n</details>\n");
    }
    if !t.notes.is_empty() {
        out.push('\n');
        notes(&mut out, &t.notes);
    }
    out
}
