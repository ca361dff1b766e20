//! Line numbers for findings, looked up in the text their document came
//! from. Document indexes count the items of a `List`/`ResourceList`
//! separately, as `manifests::parse_text` does; that unwrapping is mirrored
//! here to find the raw document and item a finding's index names.
//!
//! The stream is cut at its `---` lines once and each finding is located
//! within its own document, so the cost is linear in the text, not in
//! text times findings.

use serde_json::Value;

use crate::diag::{Seg, locate};
use crate::k8s::yaml;

use super::Finding;

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

/// Sets `line` on the findings about `file` that have none.
pub(super) fn fill(file: &str, text: &str, findings: &mut [Finding]) {
    if !findings.iter().any(|f| f.file == file && f.line.is_none()) {
        return;
    }
    let Some(chunks) = chunks(text) else {
        return;
    };
    let map = doc_map(&chunks);
    for f in findings
        .iter_mut()
        .filter(|f| f.file == file && f.line.is_none())
    {
        let Some(&(raw, item)) = map.get(f.index) else {
            continue;
        };
        let mut path = Vec::new();
        if let Some(i) = item {
            path.push(Seg::Key("items".to_string()));
            path.push(Seg::Index(i));
        }
        path.extend(f.field.0.iter().cloned());
        let chunk = &chunks[raw];
        f.line = locate(chunk.text, 0, &path).map(|l| l + chunk.offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::field::FieldPath;
    use crate::diag::{ResourceRef, Severity};
    use crate::lint::Code;

    fn finding(index: usize, field: &str) -> Finding {
        Finding {
            code: Code::PolicySelectsNothing,
            severity: Severity::Warning,
            message: String::new(),
            file: "f.yaml".to_string(),
            index,
            line: None,
            field: FieldPath::parse(field),
            resource: ResourceRef {
                api_version: String::new(),
                kind: String::new(),
                name: String::new(),
                namespace: None,
            },
        }
    }

    #[test]
    fn lines_of_plain_documents_and_list_items() {
        let text = "kind: A\nspec:\n  x: 1\n---\nkind: List\nitems:\n- kind: B\n  spec:\n    y: 2\n- kind: C\n  spec:\n    z: 3\n";
        let mut fs = vec![
            finding(0, "spec.x"),
            finding(2, "spec.z"),
            finding(9, "spec"),
        ];
        fill("f.yaml", text, &mut fs);
        let lines: Vec<Option<usize>> = fs.iter().map(|f| f.line).collect();
        assert_eq!(lines, [Some(3), Some(12), None]);
    }
}
