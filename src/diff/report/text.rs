//! Text: git-style unified hunks per object, then one line per connection
//! added or removed. Nothing at all when the sides do not differ.

use std::fmt::Write;

use super::{counts, external_reason, placeholders, reason};
use crate::diff::all::Table;
use crate::diff::{Change, Diff};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Colours a line by its first character, as `git diff` does.
fn paint(out: &mut String, line: &str, color: bool) {
    let code = match line.as_bytes().first() {
        _ if !color => None,
        _ if line.starts_with("---") || line.starts_with("+++") => Some(BOLD),
        Some(b'@') => Some(CYAN),
        Some(b'-') => Some(RED),
        Some(b'+') => Some(GREEN),
        _ => None,
    };
    match code {
        Some(c) => {
            let _ = writeln!(out, "{c}{line}{RESET}");
        }
        None => {
            let _ = writeln!(out, "{line}");
        }
    }
}

pub fn diff(d: &Diff, color: bool) -> String {
    let mut out = String::new();
    if d.is_empty() {
        return out;
    }
    let _ = writeln!(out, "a: {}\nb: {}", d.a, d.b);
    for (ph, a, b) in placeholders(d) {
        let _ = writeln!(out, "normalized: {ph} is {a:?} in a, {b:?} in b");
    }
    for o in &d.objects {
        let path = o.path();
        let (from, to) = match o.change {
            Change::Added => ("/dev/null".to_string(), format!("b/{path}")),
            Change::Removed => (format!("a/{path}"), "/dev/null".to_string()),
            Change::Changed => (format!("a/{path}"), format!("b/{path}")),
        };
        paint(&mut out, &format!("--- {from}"), color);
        paint(&mut out, &format!("+++ {to}"), color);
        for line in o.hunks.lines() {
            paint(&mut out, line, color);
        }
    }
    let c = &d.connectivity;
    let _ = writeln!(out, "connectivity: {}", counts(c));
    for r in &c.removed {
        paint(
            &mut out,
            &format!("- {}  ({})", r.flow, reason(r, false)),
            color,
        );
    }
    for a in &c.added {
        paint(
            &mut out,
            &format!("+ {}  ({})", a.flow, reason(a, true)),
            color,
        );
    }
    for (sign, what, list) in [
        ("-", "removed", &c.external_removed),
        ("+", "added", &c.external_added),
    ] {
        for e in list {
            paint(
                &mut out,
                &format!("{sign} {}  ({})", e.flow, external_reason(e, what)),
                color,
            );
        }
    }
    for n in &d.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

/// The count matrix, then the flows behind every non-zero cell.
pub fn table(t: &Table, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "flows allowed in the row's environment and not in the column's{}",
        if t.normalized { " (normalized)" } else { "" }
    );
    let width = t
        .environments
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(4);
    let _ = write!(out, "{:width$}", "");
    for e in &t.environments {
        let _ = write!(out, "  {e:>width$}");
    }
    out.push('\n');
    for has in &t.environments {
        let _ = write!(out, "{has:width$}");
        for lacks in &t.environments {
            let cell = t.cell(has, lacks);
            let _ = write!(out, "  {cell:>width$}");
        }
        out.push('\n');
    }
    for p in t.pairs.iter().filter(|p| !p.flows.is_empty()) {
        let _ = writeln!(out, "\n{} has, {} lacks:", p.has, p.lacks);
        for f in &p.flows {
            paint(&mut out, &format!("+ {f}"), color);
        }
    }
    for n in &t.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}
