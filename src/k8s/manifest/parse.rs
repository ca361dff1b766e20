//! A manifest text into documents, one problem per document that does not
//! read: a broken document (a tab in a flow sequence, Helm template text,
//! duplicate keys) is reported and the others are kept.

use serde_json::Value;

use super::Doc;
use crate::diag::Diagnostic;
use crate::k8s::yaml;

/// Every document of `text` that reads, and a problem for each that does not.
pub fn documents(text: &str, file: &str) -> (Vec<Doc>, Vec<Diagnostic>) {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    // Documents counted as the file holds them, broken ones included.
    let mut seen = 0;
    match yaml::parse_documents_kubectl(text) {
        Ok(values) => unwrap(values, file, &mut docs, &mut seen),
        // One by one, so one broken document does not hide the others.
        Err(_) => {
            for (offset, part) in parts(text) {
                match yaml::parse_documents_kubectl(part) {
                    Ok(values) => unwrap(values, file, &mut docs, &mut seen),
                    Err(e) => {
                        let index = seen;
                        seen += 1;
                        problems.push(
                            Diagnostic::error(explain(part, &e.message))
                                .in_file(file)
                                .at_index(index)
                                .at_line(e.line.map(|l| l + offset)),
                        );
                    }
                }
            }
        }
    }
    (docs, problems)
}

/// A YAML error in the user's terms.
fn explain(part: &str, message: &str) -> String {
    if part.contains("{{") && part.contains("}}") {
        return format!(
            "not YAML but template text (render it first, e.g. `helm template`): {message}"
        );
    }
    format!("invalid YAML: {message}")
}

/// The documents of a stream as text, each with the number of lines before
/// it: cut at `---` lines, which no scalar can hold.
fn parts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut start, mut start_line, mut line) = (0, 0, 0);
    let mut pos = 0;
    for l in text.split_inclusive('\n') {
        let bare = l.trim_end_matches(['\n', '\r']);
        if (bare == "---" || bare.starts_with("--- ")) && pos > start {
            out.push((start_line, &text[start..pos]));
            start = pos;
            start_line = line;
        }
        pos += l.len();
        line += 1;
    }
    if pos > start {
        out.push((start_line, &text[start..]));
    }
    out
}

/// Lists unwrapped: `List`, `ResourceList`, and typed lists whose items
/// take the list's item kind and apiVersion when they name none.
fn unwrap(values: Vec<Value>, file: &str, docs: &mut Vec<Doc>, seen: &mut usize) {
    for value in values {
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let items = value.get("items").and_then(Value::as_array);
        let is_list = items.is_some() && (kind == "ResourceList" || kind.ends_with("List"));
        if !is_list {
            docs.push(Doc {
                file: file.to_string(),
                index: *seen,
                value,
            });
            *seen += 1;
            continue;
        }
        let item_kind = kind
            .strip_suffix("List")
            .filter(|k| !k.is_empty() && kind != "ResourceList");
        let api = value.get("apiVersion").cloned();
        for item in items.into_iter().flatten() {
            let mut item = item.clone();
            if let (Some(k), Value::Object(map)) = (item_kind, &mut item) {
                map.entry("kind")
                    .or_insert_with(|| Value::String(k.to_string()));
                if let Some(api) = &api {
                    map.entry("apiVersion").or_insert_with(|| api.clone());
                }
            }
            docs.push(Doc {
                file: file.to_string(),
                index: *seen,
                value: item,
            });
            *seen += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_document_is_reported_and_the_others_are_kept() {
        let text = "kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\nmetadata: {name: c}\n---\nkind: Pod\nmetadata:\n  name: {{ .Values.x }}\n---\nkind: Pod\nmetadata: {name: d}\n";
        let (docs, problems) = documents(text, "f.yaml");
        let names: Vec<&str> = docs
            .iter()
            .map(|d| d.value["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "d"]);
        assert_eq!(problems.len(), 2);
        assert_eq!(
            problems[0].to_string(),
            "f.yaml:6: document 2: invalid YAML: duplicate mapping key: metadata"
        );
        assert!(
            problems[1]
                .to_string()
                .starts_with("f.yaml:10: document 3: not YAML but template text"),
            "{}",
            problems[1]
        );
    }

    #[test]
    fn typed_list_items_take_the_item_kind() {
        let text = "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n- {kind: Pod, apiVersion: v1, metadata: {name: b}}\n";
        let (docs, _) = documents(text, "f.json");
        assert_eq!(docs[0].value["kind"], "Pod");
        assert_eq!(docs[0].value["apiVersion"], "v1");
        assert_eq!(docs.len(), 2);
        let (rl, _) = documents("kind: ResourceList\nitems:\n- {metadata: {name: x}}\n", "f");
        assert!(rl[0].value.get("kind").is_none());
    }
}
