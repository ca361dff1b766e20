//! Finding the line of a field path in a YAML text, from the parser's
//! events: no value is built, so it works on any text that parses up to
//! the field.

use serde_saphyr::granit_parser::{Event, Parser};

use super::Seg;

/// The 1-based line where the node at `path` of the `doc`-th non-empty
/// document starts: the line of its key for mapping entries. Falls back to
/// the deepest ancestor that exists.
pub fn locate(text: &str, doc: usize, path: &[Seg]) -> Option<usize> {
    let mut parser = Parser::new_from_str(text);
    let mut doc_index = 0usize;
    // Skip to the wanted document (empty documents are not counted, as in parsing).
    loop {
        let (event, span) = parser.next_event()?.ok()?;
        match event {
            Event::DocumentStart(..) => {
                let (event, span) = parser.next_event()?.ok()?;
                let empty = matches!(&event, Event::Scalar(v, ..) if v.is_empty() || v == "~" || v == "null");
                if empty {
                    continue;
                }
                if doc_index == doc {
                    let start = span.start.line();
                    return walk(&mut parser, event, start, path).or(Some(start));
                }
                doc_index += 1;
                skip_node(&mut parser, &event)?;
            }
            Event::StreamEnd => return None,
            _ => {}
        }
        let _ = span;
    }
}

type P<'a> = Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>;

/// Walks down `path` from a node whose first event was `event`.
fn walk(parser: &mut P<'_>, event: Event<'_>, line: usize, path: &[Seg]) -> Option<usize> {
    let Some((want, rest)) = path.split_first() else {
        return Some(line);
    };
    match (event, want) {
        (Event::MappingStart(..), Seg::Key(key)) => loop {
            let (k, kspan) = parser.next_event()?.ok()?;
            if matches!(k, Event::MappingEnd) {
                return None;
            }
            let hit = matches!(&k, Event::Scalar(v, ..) if v == key);
            skip_node(parser, &k)?;
            let (v, vspan) = parser.next_event()?.ok()?;
            if hit {
                let at = if rest.is_empty() {
                    kspan.start.line()
                } else {
                    vspan.start.line()
                };
                return walk(parser, v, at, rest).or(Some(kspan.start.line()));
            }
            skip_node(parser, &v)?;
        },
        (Event::SequenceStart(..), Seg::Index(i)) => {
            let mut n = 0;
            loop {
                let (item, span) = parser.next_event()?.ok()?;
                if matches!(item, Event::SequenceEnd) {
                    return None;
                }
                if n == *i {
                    let at = span.start.line();
                    return walk(parser, item, at, rest).or(Some(at));
                }
                skip_node(parser, &item)?;
                n += 1;
            }
        }
        _ => Some(line),
    }
}

/// Consumes the rest of a node whose first event has been read.
fn skip_node(parser: &mut P<'_>, first: &Event<'_>) -> Option<()> {
    if !matches!(first, Event::MappingStart(..) | Event::SequenceStart(..)) {
        return Some(());
    }
    let mut depth = 1usize;
    while depth > 0 {
        let (event, _) = parser.next_event()?.ok()?;
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            _ => {}
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_finds_keys_and_items() {
        let text = "---\n---\nkind: X\nspec:\n  flows:\n    a:\n      from: x\n      ports:\n      - 1\n      - 2\n  other: {k: v}\n---\nkind: Y\n";
        let p = |s: &str| crate::diag::FieldPath::parse(s).0;
        assert_eq!(locate(text, 0, &p("spec.flows.a.from")), Some(7));
        assert_eq!(locate(text, 0, &p("spec.flows.a.ports[1]")), Some(10));
        assert_eq!(locate(text, 0, &p("spec.flows.a")), Some(6));
        assert_eq!(locate(text, 0, &p("spec.other.k")), Some(11));
        // A missing leaf falls back to its deepest existing ancestor.
        assert_eq!(locate(text, 0, &p("spec.flows.a.nope")), Some(6));
        assert_eq!(locate(text, 1, &p("kind")), Some(13));
        assert_eq!(locate(text, 2, &p("kind")), None);
    }
}
