//! Markdown for a pull-request comment: a summary line, then the
//! connectivity and the object diffs, each under a heading and folded.

use std::io::{self, Write};

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

pub fn diff(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### netpolgen diff: {} → {}\n", code(&d.a), code(&d.b))?;
    if d.is_empty() {
        out.write_all(b"No differences: the same objects and the same connections.\n")?;
        notes(out, &d.notes)?;
        return Ok(());
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
    writeln!(out, "**Connections:** {conns}. **Objects:** {objects}.\n")?;
    let ph = placeholders(d);
    if !ph.is_empty() {
        let parts: Vec<String> = ph
            .iter()
            .map(|(p, a, b)| format!("{} = {} / {}", code(p), code(a), code(b)))
            .collect();
        writeln!(out, "Normalized (a / b): {}.\n", parts.join(", "))?;
    }

    out.write_all(b"#### Connectivity\n\n")?;
    if c.is_empty() {
        out.write_all(b"No connection added or removed.\n\n")?;
    } else {
        writeln!(out, "<details open><summary>{conns}</summary>\n")?;
        out.write_all(b"| | connection | why |\n| --- | --- | --- |\n")?;
        for r in &c.removed {
            writeln!(
                out,
                "| removed | {} | {} |",
                code(&r.flow.to_string()),
                text(&reason(r, false))
            )?;
        }
        for a in &c.added {
            writeln!(
                out,
                "| added | {} | {} |",
                code(&a.flow.to_string()),
                text(&reason(a, true))
            )?;
        }
        for (what, list) in [
            ("removed", &c.external_removed),
            ("added", &c.external_added),
        ] {
            for e in list {
                writeln!(
                    out,
                    "| {what} | {} | {} |",
                    code(&e.flow.to_string()),
                    text(&external_reason(e, what))
                )?;
            }
        }
        out.write_all(b"\n</details>\n\n")?;
    }

    out.write_all(b"#### Objects\n\n")?;
    if d.objects.is_empty() {
        out.write_all(b"No object changed.\n\n")?;
    } else {
        writeln!(out, "<details><summary>{objects}</summary>\n")?;
        let mut body = String::new();
        for o in &d.objects {
            let path = o.path();
            let (from, to) = match o.change {
                Change::Added => ("/dev/null".to_string(), format!("b/{path}")),
                Change::Removed => (format!("a/{path}"), "/dev/null".to_string()),
                Change::Changed => (format!("a/{path}"), format!("b/{path}")),
            };
            body.push_str(&format!("--- {from}\n+++ {to}\n{}", o.hunks));
        }
        let fence = "`".repeat((longest_run(&body, '`') + 1).max(3));
        writeln!(out, "{fence}diff\n{body}{fence}\n\n</details>\n")?;
    }
    notes(out, &d.notes)?;
    Ok(())
}

fn notes(out: &mut dyn Write, notes: &[String]) -> io::Result<()> {
    for n in notes {
        writeln!(out, "> Note: {n}")?;
    }
    Ok(())
}

/// The count matrix as a table, then the flows behind each non-zero cell.
pub fn table(t: &Table, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"### netpolgen diff --all\n\n")?;
    out.write_all(b"Flows allowed in the row's environment and not in the column's")?;
    out.write_all(
        if t.normalized {
            " (normalized).\n\n"
        } else {
            ".\n\n"
        }
        .as_bytes(),
    )?;
    out.write_all(b"| has \\ lacks |")?;
    for e in &t.environments {
        write!(out, " {} |", code(e))?;
    }
    out.write_all(b"\n| --- |")?;
    out.write_all(" ---: |".repeat(t.environments.len()).as_bytes())?;
    writeln!(out)?;
    for has in &t.environments {
        write!(out, "| {} |", code(has))?;
        for lacks in &t.environments {
            let cell = t.cell(has, lacks);
            write!(out, " {cell} |")?;
        }
        writeln!(out)?;
    }
    for p in t.pairs.iter().filter(|p| !p.is_empty()) {
        writeln!(
            out,
            "\n<details><summary>{} has, {} lacks: {}</summary>\n",
            text(&p.has),
            text(&p.lacks),
            p.len()
        )?;
        for f in &p.flows {
            writeln!(out, "- {}", code(&f.to_string()))?;
        }
        for f in &p.external {
            writeln!(out, "- {}", code(&f.to_string()))?;
        }
        out.write_all(b"\n</details>\n")?;
    }
    if !t.notes.is_empty() {
        writeln!(out)?;
        notes(out, &t.notes)?;
    }
    Ok(())
}
