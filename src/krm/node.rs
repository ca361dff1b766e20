//! A lossless tree of the ResourceList's items, for writing them back when
//! their source lines cannot be copied (a flow-style or JSON list, CR line
//! ends, aliases): every scalar keeps its text and style, every node its
//! tag and anchor, so `1e3`, `0o17`, `18446744073709551616` or
//! `!!binary aGVsbG8=` come back as written, never through a number type.
//! Comments are the one thing lost on this path.

use std::fmt::Write;

use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle, Tag};

/// One node of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Scalar {
        text: String,
        plain: bool,
        props: Props,
    },
    Seq {
        items: Vec<Node>,
        props: Props,
    },
    Map {
        entries: Vec<(Node, Node)>,
        props: Props,
    },
    Alias(String),
}

/// A node's tag and anchor, as they must be written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Props {
    tag: Option<String>,
    anchor: Option<String>,
}

impl Props {
    fn prefix(&self) -> String {
        let mut out = String::new();
        for p in [&self.anchor, &self.tag].into_iter().flatten() {
            out.push_str(p);
            out.push(' ');
        }
        out
    }
}

/// The items of the ResourceList `input`, or `None` when it has none to
/// read this way.
pub fn items(input: &str) -> Option<Vec<Node>> {
    let mut options = Options::default();
    options.emit_anchor_events = true;
    let mut r = Reader {
        parser: Parser::new_from_str_with_options(input, options),
        names: Vec::new(),
        pending: None,
        empty: false,
    };
    loop {
        match r.next()? {
            Event::MappingStart(..) => break,
            Event::StreamStart | Event::DocumentStart(..) => {}
            _ => return None,
        }
    }
    loop {
        let key = r.next()?;
        let is_items = matches!(&key, Event::Scalar(k, ..) if k == "items");
        r.skip(key)?;
        let value = r.next()?;
        if is_items {
            return match r.node(value)? {
                Node::Seq { items, .. } => Some(items),
                _ => None,
            };
        }
        r.skip(value)?;
    }
}

struct Reader<'a> {
    parser: Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>,
    /// Anchor names by id.
    names: Vec<(usize, String)>,
    /// An event read ahead (after a node, to see its anchor).
    pending: Option<Event<'a>>,
    /// Whether the last scalar read had no source text (an empty value).
    empty: bool,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(e) = self.pending.take() {
            return Some(e);
        }
        loop {
            let (e, span) = self.parser.next_event()?.ok()?;
            if let Event::Anchor(id, name) = &e {
                self.names.push((*id, name.to_string()));
                continue;
            }
            self.empty = span.start.index() == span.end.index();
            return Some(e);
        }
    }

    /// The anchor defined on the node just read, if any.
    fn anchor(&mut self, id: usize) -> Option<String> {
        if id == 0 {
            return None;
        }
        // Anchor events follow their node's first event.
        let (e, _) = self.parser.next_event()?.ok()?;
        match e {
            Event::Anchor(aid, name) if aid == id => {
                self.names.push((aid, name.to_string()));
                Some(format!("&{name}"))
            }
            other => {
                self.pending = Some(other);
                self.name_of(id).map(|n| format!("&{n}"))
            }
        }
    }

    fn name_of(&self, id: usize) -> Option<String> {
        self.names
            .iter()
            .rev()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
    }

    fn node(&mut self, first: Event<'a>) -> Option<Node> {
        match first {
            Event::Scalar(text, style, id, tag) => {
                let empty = self.empty && style == ScalarStyle::Plain;
                let anchor = self.anchor(id);
                Some(Node::Scalar {
                    plain: style == ScalarStyle::Plain,
                    text: if empty {
                        String::new()
                    } else {
                        text.into_owned()
                    },
                    props: Props {
                        tag: tag.map(|t| tag_text(&t)),
                        anchor,
                    },
                })
            }
            Event::SequenceStart(_, id, tag) => {
                let props = Props {
                    anchor: self.anchor(id),
                    tag: tag.map(|t| tag_text(&t)),
                };
                let mut items = Vec::new();
                loop {
                    let e = self.next()?;
                    if matches!(e, Event::SequenceEnd) {
                        return Some(Node::Seq { items, props });
                    }
                    items.push(self.node(e)?);
                }
            }
            Event::MappingStart(_, id, tag) => {
                let props = Props {
                    anchor: self.anchor(id),
                    tag: tag.map(|t| tag_text(&t)),
                };
                let mut entries = Vec::new();
                loop {
                    let e = self.next()?;
                    if matches!(e, Event::MappingEnd) {
                        return Some(Node::Map { entries, props });
                    }
                    let key = self.node(e)?;
                    let v = self.next()?;
                    entries.push((key, self.node(v)?));
                }
            }
            Event::Alias(id) => Some(Node::Alias(self.name_of(id)?)),
            _ => None,
        }
    }

    fn skip(&mut self, first: Event<'a>) -> Option<()> {
        self.node(first).map(|_| ())
    }
}

/// A tag as it can be written: `!!name` for the core schema, `!name` for
/// local tags, else verbatim.
fn tag_text(tag: &Tag) -> String {
    let (handle, suffix) = (tag.handle(), tag.suffix());
    match handle {
        "tag:yaml.org,2002:" => format!("!!{suffix}"),
        "!" => format!("!{suffix}"),
        _ => format!("!<{handle}{suffix}>"),
    }
}

/// Writes one item as a block sequence entry whose `-` is at `dash`.
pub fn write_item(out: &mut String, item: &Node, dash: usize) {
    let pad = " ".repeat(dash);
    out.push_str(&pad);
    out.push('-');
    write_value(out, item, dash + 2, true);
}

/// Writes `node` after a `-` or `key:` already written; `indent` is the
/// column of its nested lines.
fn write_value(out: &mut String, node: &Node, indent: usize, in_seq: bool) {
    match node {
        Node::Map { entries, props } if !entries.is_empty() => {
            let prefix = props.prefix();
            let pad = " ".repeat(indent);
            if prefix.is_empty() && in_seq {
                out.push(' ');
            } else {
                if !prefix.is_empty() {
                    let _ = write!(out, " {}", prefix.trim_end());
                }
                out.push('\n');
                out.push_str(&pad);
            }
            write_entries(out, entries, indent, true);
        }
        Node::Seq { items, props } if !items.is_empty() => {
            let prefix = props.prefix();
            if !prefix.is_empty() {
                let _ = write!(out, " {}", prefix.trim_end());
            }
            out.push('\n');
            // A sequence under a key sits at the key's column.
            let dash = if in_seq { indent } else { indent - 2 };
            for item in items {
                out.push_str(&" ".repeat(dash));
                out.push('-');
                write_value(out, item, dash + 2, true);
            }
        }
        other => {
            let inline = inline(other);
            if !inline.is_empty() {
                out.push(' ');
            }
            out.push_str(&inline);
            out.push('\n');
        }
    }
}

/// The entries of a block mapping; the first key's column is already written.
fn write_entries(out: &mut String, entries: &[(Node, Node)], indent: usize, first_placed: bool) {
    let pad = " ".repeat(indent);
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 || !first_placed {
            out.push_str(&pad);
        }
        match k {
            Node::Scalar { .. } | Node::Alias(_) => {
                out.push_str(&inline(k));
                out.push(':');
            }
            complex => {
                // A key that is a collection: the explicit `? key` form.
                out.push('?');
                write_value(out, complex, indent + 2, true);
                out.push_str(&pad);
                out.push(':');
            }
        }
        write_value(out, v, indent + 2, false);
    }
}

/// A scalar, alias or empty collection on one line.
fn inline(node: &Node) -> String {
    match node {
        Node::Scalar { text, plain, props } => {
            let body = if *plain && !text.contains('\n') {
                text.clone()
            } else {
                quoted(text)
            };
            format!("{}{body}", props.prefix()).trim_end().to_string()
        }
        Node::Alias(name) => format!("*{name}"),
        Node::Seq { props, .. } => format!("{}[]", props.prefix()),
        Node::Map { props, .. } => format!("{}{{}}", props.prefix()),
    }
}

/// A double-quoted scalar holding exactly `text`.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\ufeff"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(input: &str) -> String {
        let items = items(input).unwrap();
        let mut out = String::from("items:\n");
        for i in &items {
            write_item(&mut out, i, 0);
        }
        out
    }

    #[test]
    fn scalars_keep_their_text_tags_and_anchors() {
        let input = "{kind: ResourceList, items: [{kind: A, n: 1e3, o: 0o17, big: 18446744073709551616, b: !!binary aGVsbG8=, z: 0999, q: 'it''s', e: \"\", m: {}, s: [], nested: {x: [1, {y: 2}], w: &a v}, r: *a}]}\n";
        let out = round_trip(input);
        assert_eq!(
            out,
            "items:\n- kind: A\n  n: 1e3\n  o: 0o17\n  big: 18446744073709551616\n  b: !!binary aGVsbG8=\n  z: 0999\n  q: \"it's\"\n  e: \"\"\n  m: {}\n  s: []\n  nested:\n    x:\n    - 1\n    - y: 2\n    w: &a v\n  r: *a\n"
        );
        assert_eq!(round_trip(&format!("kind: ResourceList\n{out}")), out);
    }

    #[test]
    fn block_scalars_and_odd_keys_survive() {
        let input = "kind: ResourceList\r\nitems:\r\n- data:\r\n    script: |\r\n      a\r\n      b\r\n    ? [k]\r\n    : v\r\n    empty:\r\n";
        let out = round_trip(input);
        assert_eq!(round_trip(&format!("kind: ResourceList\n{out}")), out);
        assert_eq!(
            out,
            "items:\n- data:\n    script: \"a\\nb\\n\"\n    ?\n      - k\n    : v\n    empty:\n"
        );
    }
}
