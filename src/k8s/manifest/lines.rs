//! Line numbers for diagnostics and findings, looked up in the text their
//! document came from. Document indexes count the items of a `List` (and
//! typed lists) separately, as [`super::parse_text`] does; that
//! unwrapping is mirrored here to find the raw document and item an index
//! names.
//!
//! The stream is cut at its `---` lines once and each field is located
//! within its own document, so the cost is linear in the text, not in
//! text times lookups.

use serde_json::Value;

use crate::diag::field::FieldPath;
use crate::diag::{Diagnostic, Seg, locate};
use crate::k8s::yaml;

/// One non-empty document: its text, the line it starts after, its value.
struct Chunk<'t> {
    text: &'t str,
    offset: usize,
    value: Value,
}

/// The non-empty documents of a stream, in order. `None` if a piece does
/// not hold exactly zero or one document (then no lines are given).
fn chunks(text: &str) -> Option<Vec<Chunk<'_>>> {
    let mut pieces = Vec::new();
    let (mut start, mut start_line, mut line) = (0usize, 0usize, 0usize);
    let mut pos = 0usize;
    for l in text.split_inclusive('\n') {
        let marker = l
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']));
        if marker && pos > start {
            pieces.push((start, pos, start_line));
            start = pos;
            start_line = line;
        }
        pos += l.len();
        line += 1;
    }
    pieces.push((start, text.len(), start_line));
    let mut out = Vec::new();
    for (from, to, offset) in pieces {
        let piece = &text[from..to];
        let mut values = yaml::parse_documents(piece).ok()?;
        match values.len() {
            0 => {}
            1 => out.push(Chunk {
                text: piece,
                offset,
                value: values.remove(0),
            }),
            _ => return None,
        }
    }
    Some(out)
}

/// For each document index: the chunk and the List item it names.
fn doc_map(chunks: &[Chunk<'_>]) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    for (raw, chunk) in chunks.iter().enumerate() {
        let value = &chunk.value;
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let items = value.get("items").and_then(Value::as_array);
        let is_list = kind == "List" || kind == "ResourceList" || kind.ends_with("List");
        match items.filter(|_| is_list) {
            Some(items) => out.extend((0..items.len()).map(|i| (raw, Some(i)))),
            None => out.push((raw, None)),
        }
    }
    out
}

/// The documents of one text, ready for line lookups.
pub struct Lines<'t> {
    chunks: Vec<Chunk<'t>>,
    map: Vec<(usize, Option<usize>)>,
}

impl<'t> Lines<'t> {
    /// `None` when the text cannot be cut into documents that each parse.
    pub fn new(text: &'t str) -> Option<Lines<'t>> {
        let chunks = chunks(text)?;
        let map = doc_map(&chunks);
        Some(Lines { chunks, map })
    }

    /// The 1-based line of `field` in document `index`.
    pub fn line(&self, index: usize, field: &FieldPath) -> Option<usize> {
        let &(raw, item) = self.map.get(index)?;
        let mut path = Vec::new();
        if let Some(i) = item {
            path.push(Seg::Key("items".to_string()));
            path.push(Seg::Index(i));
        }
        path.extend(field.0.iter().cloned());
        let chunk = &self.chunks[raw];
        locate(chunk.text, 0, &path).map(|l| l + chunk.offset)
    }
}

/// Sets the line of the diagnostics about `file` that name a document and
/// a field but no line.
pub fn fill(file: &str, text: &str, diagnostics: &mut [Diagnostic]) {
    let wanted = |d: &Diagnostic| {
        d.file.as_deref() == Some(file)
            && d.line.is_none()
            && d.index.is_some()
            && d.field.is_some()
    };
    if !diagnostics.iter().any(wanted) {
        return;
    }
    let Some(lines) = Lines::new(text) else {
        return;
    };
    for d in diagnostics.iter_mut().filter(|d| wanted(d)) {
        if let (Some(index), Some(field)) = (d.index, &d.field) {
            d.line = lines.line(index, field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_plain_documents_and_list_items() {
        let text = "kind: A\nspec:\n  x: 1\n---\nkind: List\nitems:\n- kind: B\n  spec:\n    y: 2\n- kind: C\n  spec:\n    z: 3\n";
        let lines = Lines::new(text).unwrap();
        let at = |i, f| lines.line(i, &FieldPath::parse(f));
        assert_eq!(
            [at(0, "spec.x"), at(2, "spec.z"), at(9, "spec")],
            [Some(3), Some(12), None]
        );
    }

    #[test]
    fn diagnostics_get_the_line_of_their_field() {
        let text = "kind: Pod\nmetadata:\n  name: a\n  labels:\n    x: true\n";
        let mut ds = vec![
            Diagnostic::error("m")
                .in_file("f.yaml")
                .at_index(0)
                .at_field(FieldPath::parse("metadata.labels")),
            Diagnostic::error("m").in_file("g.yaml").at_index(0),
        ];
        fill("f.yaml", text, &mut ds);
        assert_eq!([ds[0].line, ds[1].line], [Some(4), None]);
    }
}
