//! Writing a ResourceList whose input items come out as they came in:
//! the same lines, comments, quoting and flow style, not a re-serialization.
//! kpt writes items back to the package's files, so anything else would
//! rewrite a user's files on every run.
//!
//! Only the layout every orchestrator produces is copied (a root block
//! mapping whose `items` is a block sequence, no aliases); anything else,
//! and any copy that would not read back as the same items, falls back to
//! serializing every item.

use serde_json::{Value, json};
use serde_saphyr::granit_parser::{Event, Parser, StructureStyle};

use super::node::{self, Node};
use crate::k8s::yaml;

/// The source lines of each input item, dash included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLines {
    texts: Vec<String>,
    /// Column of the items' `-`.
    dash: usize,
}

/// Finds the lines of every item of the root `items` block sequence.
pub fn item_lines(input: &str) -> Option<ItemLines> {
    let mut parser = Parser::new_from_str(input);
    let mut depth = 0usize;
    let mut in_items = false;
    let mut key_pending = true; // at depth 1: the next scalar is a key
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.ok()?;
        let (start, end) = (span.start.byte_offset()?, span.end.byte_offset()?);
        if in_items {
            match &event {
                Event::Alias(_) => return None,
                Event::SequenceEnd if depth == 2 => {
                    spans.extend(current.take());
                    in_items = false;
                    depth -= 1;
                    key_pending = true;
                    continue;
                }
                _ => {}
            }
            if depth == 2 && !matches!(event, Event::MappingEnd | Event::SequenceEnd) {
                spans.extend(current.take());
                current = Some((start, end));
            } else if let Some((_, e)) = current.as_mut().filter(|_| end > start) {
                // Block ends are empty spans at the next token: not content.
                *e = (*e).max(end);
            }
        }
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if depth == 1 && !key_pending {
                    key_pending = true;
                }
                depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            Event::Scalar(ref value, ..) if depth == 1 => {
                if key_pending && value == "items" {
                    let (next, span) = parser.next_event()?.ok()?;
                    let Event::SequenceStart(style, ..) = next else {
                        return None;
                    };
                    if style != StructureStyle::Block {
                        return None;
                    }
                    let _ = span;
                    depth += 1;
                    in_items = true;
                } else {
                    key_pending = !key_pending;
                }
            }
            Event::DocumentStart(..) if depth == 0 && !spans.is_empty() => return None,
            _ => {}
        }
    }
    lines_of(input, &spans)
}

/// Widens each item's span to whole lines and checks that only its `-`
/// stands before it.
fn lines_of(input: &str, spans: &[(usize, usize)]) -> Option<ItemLines> {
    let mut texts = Vec::new();
    let mut dash = None;
    for &(start, end) in spans {
        let line_start = input[..start].rfind('\n').map_or(0, |i| i + 1);
        let prefix = &input[line_start..start];
        let col = prefix.find('-')?;
        if !prefix[..col].chars().all(|c| c == ' ')
            || !prefix[col + 1..].chars().all(|c| c == ' ')
            || prefix.len() == col + 1
        {
            return None;
        }
        if *dash.get_or_insert(col) != col {
            return None;
        }
        let line_end = input[end..].find('\n').map_or(input.len(), |i| end + i);
        texts.push(input[line_start..line_end].trim_end().to_string());
    }
    Some(ItemLines {
        texts,
        dash: dash.unwrap_or(0),
    })
}

/// How the input items can be written back as they came in.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// Their source lines, when the layout allows copying them.
    pub lines: Option<ItemLines>,
    /// Their lossless trees, for any other layout.
    pub nodes: Option<Vec<Node>>,
}

impl Source {
    /// Reads both from the input; the trees only when lines cannot serve.
    pub fn of(input: &str) -> Source {
        let lines = item_lines(input);
        let nodes = if lines.is_none() {
            node::items(input)
        } else {
            None
        };
        Source { lines, nodes }
    }
}

/// Writes the output ResourceList. `items[i]` for `i < original.len()` is
/// written as it came in when it equals `original[i]` (its lines copied,
/// or its lossless tree written); everything else is serialized.
pub fn write(items: &[Value], original: &[Value], source: &Source, results: &Value) -> String {
    let plain = || {
        yaml::to_string(&json!({
            "apiVersion": "config.kubernetes.io/v1",
            "kind": "ResourceList",
            "items": items,
            "results": results,
        }))
    };
    let lines = source
        .lines
        .as_ref()
        .filter(|l| l.texts.len() == original.len());
    let nodes = source.nodes.as_ref().filter(|n| n.len() == original.len());
    let candidates = [
        lines.map(|l| {
            copy(
                items,
                original,
                |out, i| {
                    out.push_str(&l.texts[i]);
                    out.push('\n');
                },
                l.dash,
                results,
            )
        }),
        nodes.map(|n| {
            copy(
                items,
                original,
                |out, i| node::write_item(out, &n[i], 0),
                0,
                results,
            )
        }),
    ];
    // A copy must read back as exactly these items, or it is not used.
    candidates
        .into_iter()
        .flatten()
        .find(|out| {
            yaml::parse::<Value>(out)
                .ok()
                .is_some_and(|v| v["items"].as_array().is_some_and(|a| a.as_slice() == items))
        })
        .unwrap_or_else(plain)
}

/// The ResourceList with unchanged items written by `unchanged` and the
/// others serialized with their `-` at `dash`.
fn copy(
    items: &[Value],
    original: &[Value],
    unchanged: impl Fn(&mut String, usize),
    dash: usize,
    results: &Value,
) -> String {
    let mut out = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n");
    out.push_str(if items.is_empty() {
        "items: []\n"
    } else {
        "items:\n"
    });
    for (i, item) in items.iter().enumerate() {
        if original.get(i) == Some(item) {
            unchanged(&mut out, i);
        } else {
            push_item(&mut out, item, dash);
        }
    }
    out.push_str(&yaml::to_string(&json!({ "results": results })));
    out
}

/// Appends one serialized item as a sequence entry with its `-` at `dash`.
fn push_item(out: &mut String, item: &Value, dash: usize) {
    let text = yaml::to_string(item);
    for (n, line) in text.lines().enumerate() {
        if n == 0 {
            out.push_str(&" ".repeat(dash));
            out.push_str("- ");
        } else if !line.is_empty() {
            out.push_str(&" ".repeat(dash + 2));
        }
        out.push_str(line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INPUT: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1   # why\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {flag: 'on', list: [1, 2]}\n  # between\n-   {kind: X, metadata: {name: y}}\n- kind: Z\n  metadata:\n    name: z\n  list:\n  - a\nfunctionConfig:\n  kind: F\n";

    fn items(text: &str) -> Vec<Value> {
        yaml::parse::<Value>(text).unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    #[test]
    fn items_come_back_line_for_line() {
        let lines = item_lines(INPUT).unwrap();
        assert_eq!(lines.texts.len(), 3);
        assert_eq!(
            lines.texts[0],
            "- apiVersion: v1   # why\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {flag: 'on', list: [1, 2]}"
        );
        assert_eq!(lines.texts[1], "-   {kind: X, metadata: {name: y}}");
        let original = items(INPUT);
        let mut out_items = original.clone();
        out_items.push(json!({"kind": "New", "metadata": {"name": "n"}, "data": {"v": "yes"}}));
        let out = write(
            &out_items,
            &original,
            &Source {
                lines: Some(lines.clone()),
                nodes: None,
            },
            &json!([{"message": "ok", "severity": "info"}]),
        );
        assert!(out.contains("- apiVersion: v1   # why\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {flag: 'on', list: [1, 2]}\n"), "{out}");
        assert!(
            out.contains("-   {kind: X, metadata: {name: y}}\n"),
            "{out}"
        );
        assert!(
            out.contains("- kind: New\n  metadata:\n    name: \"n\"\n  data:\n    v: \"yes\"\n"),
            "{out}"
        );
        assert_eq!(items(&out), out_items);
    }

    #[test]
    fn a_changed_item_is_serialized() {
        let lines = item_lines(INPUT).unwrap();
        let original = items(INPUT);
        let mut changed = original.clone();
        changed[1]["metadata"]["name"] = json!("renamed");
        let out = write(
            &changed,
            &original,
            &Source {
                lines: Some(lines.clone()),
                nodes: None,
            },
            &json!([]),
        );
        assert!(!out.contains("-   {kind: X"), "{out}");
        assert_eq!(items(&out), changed);
    }

    #[test]
    fn indented_sequences_keep_their_indentation() {
        let input =
            "kind: ResourceList\nitems:\n  - kind: A\n    metadata: {name: a}\n  - kind: B\n";
        let lines = item_lines(input).unwrap();
        assert_eq!(lines.dash, 2);
        let original = items(input);
        let mut out_items = original.clone();
        out_items.push(json!({"kind": "C"}));
        let out = write(
            &out_items,
            &original,
            &Source {
                lines: Some(lines.clone()),
                nodes: None,
            },
            &json!([]),
        );
        assert!(
            out.contains(
                "items:\n  - kind: A\n    metadata: {name: a}\n  - kind: B\n  - kind: C\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn unusual_layouts_fall_back_to_serializing() {
        for input in [
            "kind: ResourceList\nitems: [{kind: A}]\n",
            "kind: ResourceList\nitems:\n- &a {kind: A}\n- *a\n",
            "{kind: ResourceList, items: [{kind: A}]}\n",
        ] {
            assert_eq!(item_lines(input), None, "{input}");
        }
        assert_eq!(item_lines("kind: ResourceList\nitems: []\n"), None);
    }
}
