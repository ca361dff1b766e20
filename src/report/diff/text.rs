//! Text: git-style unified hunks per object, then one line per connection
//! added or removed. Nothing at all when the sides do not differ.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{counts, external_reason, placeholders, reason};
use crate::diff::all::Table;
use crate::diff::{Change, Diff};

const RED: Style = AnsiColor::Red.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const BOLD: Style = Style::new().bold();

/// Colours a line by its first character, as `git diff` does.
fn paint(out: &mut dyn Write, line: &str, color: bool) -> io::Result<()> {
    let code = match line.as_bytes().first() {
        _ if !color => None,
        _ if line.starts_with("---") || line.starts_with("+++") => Some(BOLD),
        Some(b'@') => Some(CYAN),
        Some(b'-') => Some(RED),
        Some(b'+') => Some(GREEN),
        _ => None,
    };
    match code {
        Some(c) => writeln!(out, "{c}{line}{c:#}"),
        None => writeln!(out, "{line}"),
    }
}

pub fn diff(d: &Diff, color: bool, out: &mut dyn Write) -> io::Result<()> {
    if d.is_empty() {
        return Ok(());
    }
    writeln!(out, "a: {}\nb: {}", d.a, d.b)?;
    for (ph, a, b) in placeholders(d) {
        writeln!(out, "normalized: {ph} is {a:?} in a, {b:?} in b")?;
    }
    for o in &d.objects {
        let path = o.path();
        let (from, to) = match o.change {
            Change::Added => ("/dev/null".to_string(), format!("b/{path}")),
            Change::Removed => (format!("a/{path}"), "/dev/null".to_string()),
            Change::Changed => (format!("a/{path}"), format!("b/{path}")),
        };
        paint(out, &format!("--- {from}"), color)?;
        paint(out, &format!("+++ {to}"), color)?;
        for line in o.hunks.lines() {
            paint(out, line, color)?;
        }
    }
    let c = &d.connectivity;
    writeln!(out, "connectivity: {}", counts(c))?;
    for r in &c.removed {
        paint(out, &format!("- {}  ({})", r.flow, reason(r, false)), color)?;
    }
    for a in &c.added {
        paint(out, &format!("+ {}  ({})", a.flow, reason(a, true)), color)?;
    }
    for (sign, what, list) in [
        ("-", "removed", &c.external_removed),
        ("+", "added", &c.external_added),
    ] {
        for e in list {
            paint(
                out,
                &format!("{sign} {}  ({})", e.flow, external_reason(e, what)),
                color,
            )?;
        }
    }
    for n in &d.notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}

/// The count matrix, then the flows behind every non-zero cell.
pub fn table(t: &Table, color: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "flows allowed in the row's environment and not in the column's{}",
        if t.normalized { " (normalized)" } else { "" }
    )?;
    let width = t
        .environments
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(4);
    write!(out, "{:width$}", "")?;
    for e in &t.environments {
        write!(out, "  {e:>width$}")?;
    }
    writeln!(out)?;
    for has in &t.environments {
        write!(out, "{has:width$}")?;
        for lacks in &t.environments {
            let cell = t.cell(has, lacks);
            write!(out, "  {cell:>width$}")?;
        }
        writeln!(out)?;
    }
    for p in t.pairs.iter().filter(|p| !p.is_empty()) {
        writeln!(out, "\n{} has, {} lacks:", p.has, p.lacks)?;
        for f in &p.flows {
            paint(out, &format!("+ {f}"), color)?;
        }
        for f in &p.external {
            paint(out, &format!("+ {f}"), color)?;
        }
    }
    for n in &t.notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}
