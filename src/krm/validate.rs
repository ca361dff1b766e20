//! The KRM validator (`netpolgen --lint`): a ResourceList in, the same
//! items out (same order, same text) with the lint findings as `results`.
//! Error findings end it with [`Status::Findings`], as validators do (kpt
//! and kustomize read only the exit code; kpt also shows the results).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Processed, ResourceList, finish, parse};
use crate::diag::Status;
use crate::k8s::manifest::Doc;
use crate::lint;

const PATH_KEYS: [&str; 2] = [
    "internal.config.kubernetes.io/path",
    "config.kubernetes.io/path",
];
const INDEX_KEYS: [&str; 2] = [
    "internal.config.kubernetes.io/index",
    "config.kubernetes.io/index",
];

fn annotation<'a>(item: &'a Value, keys: &[&str]) -> Option<&'a str> {
    let a = item.pointer("/metadata/annotations")?;
    keys.iter().find_map(|k| a.get(*k)?.as_str())
}

/// The items as documents: file and index from the kpt path/index
/// annotations when present, else no file and the item's position.
fn docs(items: &[Value]) -> Vec<Doc> {
    items
        .iter()
        .enumerate()
        .map(|(pos, item)| {
            let file = annotation(item, &PATH_KEYS).unwrap_or_default().to_string();
            let index = match annotation(item, &INDEX_KEYS) {
                Some(i) => i.parse().unwrap_or(0),
                None if file.is_empty() => pos,
                None => 0,
            };
            Doc {
                file,
                index,
                value: item.clone(),
            }
        })
        .collect()
}

/// Runs the validator over one ResourceList text at `now` (window expiries
/// are judged then); `fail_on` is the least severe finding that fails the
/// run.
pub fn validate(
    input: &str,
    fail_on: lint::FailOn,
    now: DateTime<Utc>,
) -> (Processed, Vec<lint::Finding>) {
    let list = match parse(input) {
        Ok(list) => list,
        Err(d) => {
            let empty = ResourceList {
                items: Vec::new(),
                function_config: None,
                source: Default::default(),
            };
            return (finish(&empty, Vec::new(), vec![*d]), Vec::new());
        }
    };
    let findings = lint::lint_docs(&docs(&list.items), now);
    let diagnostics = findings.iter().map(lint::Finding::diagnostic).collect();
    // A validator changes nothing: the items come back as they were written.
    let items = list.items.clone();
    let mut processed = finish(&list, items, diagnostics);
    processed.status = Status::findings_if(fail_on.fails(&findings));
    (processed, findings)
}
