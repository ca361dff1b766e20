//! A reader for the plainest YAML, line by line without a tokenizer: what
//! netpolgen's templates and writer produce, and configurations written
//! like them. Block mappings and sequences, one-line flow collections,
//! plain and one-line quoted scalars, comments, `---` between documents.
//! Anything else (tabs, block or multi-line scalars, anchors, tags,
//! directives, complex or duplicate keys, numbers other than plain decimal
//! integers, and every syntax error) gives up (`None`); the caller then
//! asks the event-based reader and, failing that, serde-saphyr, so results
//! and errors are theirs. This only makes the common case cheap.

use serde_json::{Map, Value};
use serde_saphyr::granit_parser::ScalarStyle;

use super::fast::scalar;

/// Calls `each` with every non-empty document of `text`, in order, or
/// returns `None` (perhaps after some calls) to take another path.
pub fn documents(text: &str, mut each: impl FnMut(Value) -> Option<()>) -> Option<()> {
    let mut r = Reader {
        text,
        pos: 0,
        peeked: None,
    };
    if let Some(l) = r.peek()?
        && l.marker
    {
        r.bump();
    }
    loop {
        let Some(line) = r.peek()? else {
            return Some(());
        };
        if line.marker {
            r.bump();
            continue;
        }
        let value = if line.body.starts_with('-') || key(line.body)?.is_some() {
            r.node(line.indent, 0)?
        } else {
            r.bump();
            inline(line.body)?
        };
        match r.peek()? {
            Some(l) if !l.marker => return None,
            _ => {}
        }
        if !value.is_null() {
            each(value)?;
        }
    }
}

/// Deeper nesting is left to the other readers.
const MAX_DEPTH: usize = 128;

/// A significant line: not blank, not only a comment.
#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    /// The text after the indentation, without a trailing comment or spaces.
    body: &'a str,
    /// `---`.
    marker: bool,
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
    peeked: Option<(Line<'a>, usize)>,
}

impl<'a> Reader<'a> {
    /// The next significant line; `Some(None)` at the end, `None` to give up.
    fn peek(&mut self) -> Option<Option<Line<'a>>> {
        if let Some((line, _)) = self.peeked {
            return Some(Some(line));
        }
        while self.pos < self.text.len() {
            let rest = &self.text[self.pos..];
            let len = line_len(rest);
            let raw = &rest[..len];
            let next = self.pos + (len + 1).min(rest.len());
            if raw.bytes().any(|b| b == b'\t' || b == b'\r') {
                return None;
            }
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            let body = strip_comment(&raw[indent..])?.trim_end_matches(' ');
            if body.is_empty() {
                self.pos = next;
                continue;
            }
            let marker = indent == 0 && body.starts_with("---") && raw.len() >= 3;
            if marker && raw != "---" {
                return None;
            }
            if indent == 0 && (body.starts_with("...") || body.starts_with('%')) {
                return None;
            }
            let line = Line {
                indent,
                body,
                marker,
            };
            self.peeked = Some((line, next));
            return Some(Some(line));
        }
        Some(None)
    }

    fn bump(&mut self) {
        if let Some((_, next)) = self.peeked.take() {
            self.pos = next;
        }
    }

    /// The next line if it continues a block at exactly `indent`.
    fn at(&mut self, indent: usize) -> Option<Option<Line<'a>>> {
        Some(match self.peek()? {
            Some(l) if !l.marker && l.indent == indent => Some(l),
            Some(l) if !l.marker && l.indent > indent => return None,
            _ => None,
        })
    }

    /// The block node whose first line is at `indent`.
    fn node(&mut self, indent: usize, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let line = self.peek()??;
        if is_item(line.body) {
            self.seq(indent, depth)
        } else {
            self.bump();
            self.map(indent, line.body, depth)
        }
    }

    /// A block mapping at `indent` whose first entry is `first` (consumed).
    fn map(&mut self, indent: usize, first: &'a str, depth: usize) -> Option<Value> {
        let mut map = Map::new();
        let mut entry = first;
        loop {
            let (k, rest) = key(entry)??;
            let value = if rest.is_empty() {
                match self.peek()? {
                    Some(l) if !l.marker && l.indent > indent => self.node(l.indent, depth + 1)?,
                    Some(l) if !l.marker && l.indent == indent && is_item(l.body) => {
                        self.seq(indent, depth + 1)?
                    }
                    _ => Value::Null,
                }
            } else {
                inline(rest)?
            };
            if map.insert(k, value).is_some() {
                return None;
            }
            let Some(next) = self.at(indent)? else {
                return Some(Value::Object(map));
            };
            if is_item(next.body) {
                // A sequence at a mapping's indent ends it (its parent's
                // sequence goes on); one directly under a key was read above.
                return Some(Value::Object(map));
            }
            self.bump();
            entry = next.body;
        }
    }

    /// A block sequence at `indent`.
    fn seq(&mut self, indent: usize, depth: usize) -> Option<Value> {
        let mut items = Vec::new();
        while let Some(line) = self.at(indent)? {
            if !is_item(line.body) {
                break;
            }
            self.bump();
            let after = line.body.get(2..)?;
            let body = after.trim_start_matches(' ');
            let column = indent + 2 + (after.len() - body.len());
            if body.starts_with('-') && is_item(body) {
                return None;
            }
            let item = if key(body)?.is_some() {
                self.map(column, body, depth + 1)?
            } else {
                inline(body)?
            };
            items.push(item);
            if let Some(l) = self.peek()?
                && !l.marker
                && l.indent > indent
            {
                return None;
            }
        }
        Some(Value::Array(items))
    }
}

fn line_len(s: &str) -> usize {
    s.bytes().position(|b| b == b'\n').unwrap_or(s.len())
}

/// `- x` or `-`: a sequence item (`-` alone, a nested block, gives up later).
fn is_item(body: &str) -> bool {
    body == "-" || body.starts_with("- ")
}

/// The body without a ` #` comment; gives up where a quote could hold one.
fn strip_comment(body: &str) -> Option<&str> {
    if body.starts_with('#') {
        return Some("");
    }
    match body.find(" #") {
        None => Some(body),
        Some(_) if body.contains(['"', '\'']) => None,
        Some(i) => Some(&body[..i]),
    }
}

/// Characters that cannot start a plain scalar (or start something else).
fn indicator(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

/// `key: rest` or `key:`: the key and the rest; `Some(None)` if the body
/// is not a mapping entry.
fn key(body: &str) -> Option<Option<(String, &str)>> {
    if body.starts_with(['{', '[']) {
        return Some(None);
    }
    let (text, rest) = if body.starts_with('"') || body.starts_with('\'') {
        let (k, after) = quoted(body)?;
        match after.strip_prefix(':') {
            Some(r) if r.is_empty() || r.starts_with(' ') => (k, r.trim_start_matches(' ')),
            _ => return Some(None),
        }
    } else {
        let end = match body.find(": ") {
            Some(i) => i,
            None if body.ends_with(':') => body.len() - 1,
            None => return Some(None),
        };
        let k = &body[..end];
        if k.is_empty() || indicator(k.as_bytes()[0]) || k.ends_with(' ') {
            return None;
        }
        match scalar(k, ScalarStyle::Plain, false)? {
            Value::String(s) if s != "<<" => (s, body[end + 1..].trim_start_matches(' ')),
            _ => return None,
        }
    };
    Some(Some((text, rest)))
}

/// A value on the rest of a line.
fn inline(text: &str) -> Option<Value> {
    match text.as_bytes().first()? {
        b'{' | b'[' => {
            let (v, rest) = Flow { s: text, i: 0 }.finish()?;
            rest.is_empty().then_some(v)
        }
        b'"' | b'\'' => {
            let (s, rest) = quoted(text)?;
            rest.is_empty().then_some(Value::String(s))
        }
        &b if indicator(b) && !plain_dash(text) => None,
        _ => {
            if text.contains(": ") || text.ends_with(':') {
                return None;
            }
            scalar(text, ScalarStyle::Plain, false)
        }
    }
}

/// `-x`: a plain scalar that starts with a dash.
fn plain_dash(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 1 && b[0] == b'-' && b[1].is_ascii_alphanumeric()
}

/// A quoted scalar at the start of `text`, closed on the same line, and
/// what follows it.
fn quoted(text: &str) -> Option<(String, &str)> {
    let q = text.as_bytes()[0];
    let mut out = String::new();
    let mut i = 1;
    let b = text.as_bytes();
    while i < b.len() {
        let c = b[i];
        if c == q {
            if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            return Some((out, &text[i + 1..]));
        }
        if q == b'"' && c == b'\\' {
            out.push(match b.get(i + 1)? {
                b'\\' => '\\',
                b'"' => '"',
                b'n' => '\n',
                b't' => '\t',
                _ => return None,
            });
            i += 2;
            continue;
        }
        let start = i;
        i += 1;
        while i < b.len() && b[i] != q && !(q == b'"' && b[i] == b'\\') {
            i += 1;
        }
        out.push_str(&text[start..i]);
    }
    None
}

#[path = "scan_flow.rs"]
mod flow;
use flow::Flow;

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
