//! Deep merge of a configuration over its base: maps merge key by key,
//! lists and scalars replace, and `null` deletes the key from the base.
//!
//! A `null` with nothing beneath it means absent. Deleting a named entry
//! that the base does not have (a flow, service, group, peer, label or
//! annotation) deletes nothing, which is almost always a typo: the merge
//! reports it.

use std::borrow::Borrow;

use serde_json::{Map, Value};

use crate::diag::FieldPath;

/// The maps whose keys the user names: deleting a missing one is an error.
const NAMED: [&str; 7] = [
    "services",
    "groups",
    "peers",
    "flows",
    "labels",
    "annotations",
    "windows",
];

/// A `null` that deleted nothing, and the names that were there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NothingDeleted {
    pub field: FieldPath,
    /// The entries the base has beside it, for a suggestion.
    pub existing: Vec<String>,
}

/// Merges `over` onto `base` in place; `base_exists` says whether there is
/// a base at all (a standalone file's nulls simply mean absent). Returns
/// every named entry `over` deletes that `base` lacks. `over` is read, not
/// consumed: only what lands in `base` is copied.
pub fn merge(base: &mut Value, over: impl Borrow<Value>, base_exists: bool) -> Vec<NothingDeleted> {
    let mut out = Vec::new();
    merge_at(
        base,
        over.borrow(),
        &mut FieldPath::default(),
        base_exists,
        &mut out,
    );
    out
}

fn merge_at(
    base: &mut Value,
    over: &Value,
    path: &mut FieldPath,
    report: bool,
    out: &mut Vec<NothingDeleted>,
) {
    let Value::Object(over) = over else {
        *base = strip(over);
        return;
    };
    if !base.is_object() {
        if !report {
            // Over nothing, with nothing to report: the map as it is.
            *base = strip_map(over);
            return;
        }
        *base = Value::Object(Map::new());
    }
    let Value::Object(base) = base else {
        unreachable!("made an object above")
    };
    let named = report && is_named(path);
    for (key, value) in over {
        if value.is_null() {
            if base.shift_remove(key).is_none() && named {
                let mut field = path.clone();
                field.0.push(crate::diag::Seg::Key(key.clone()));
                out.push(NothingDeleted {
                    field,
                    existing: base.keys().cloned().collect(),
                });
            }
            continue;
        }
        match base.get_mut(key) {
            Some(slot) => {
                path.0.push(crate::diag::Seg::Key(key.clone()));
                merge_at(slot, value, path, report, out);
                path.0.pop();
            }
            None => {
                base.insert(key.clone(), strip(value));
            }
        }
    }
}

/// A replacing value: nulls inside its maps mean absent.
fn strip(v: &Value) -> Value {
    match v {
        Value::Object(map) => strip_map(map),
        Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
        other => other.clone(),
    }
}

fn strip_map(map: &Map<String, Value>) -> Value {
    Value::Object(
        map.iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), strip(v)))
            .collect(),
    )
}

/// `spec.<named>` itself (its entries are user-named).
fn is_named(path: &FieldPath) -> bool {
    matches!(path.0.as_slice(), [crate::diag::Seg::Key(s), crate::diag::Seg::Key(m)]
        if s == "spec" && NAMED.contains(&m.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_merge_lists_replace_null_deletes() {
        let mut base = json!({
            "spec": {
                "namespace": "a",
                "labels": {"x": "1", "y": "2"},
                "flows": {"keep": {"from": "a"}, "drop": {"from": "b"}},
                "defaultDeny": ["Ingress", "Egress"],
            }
        });
        let over = json!({
            "spec": {
                "namespace": "b",
                "labels": {"y": "3"},
                "flows": {"drop": null, "new": {"from": "c"}},
                "defaultDeny": ["Ingress"],
            }
        });
        assert_eq!(merge(&mut base, over, true), []);
        assert_eq!(
            base,
            json!({
                "spec": {
                    "namespace": "b",
                    "labels": {"x": "1", "y": "3"},
                    "flows": {"keep": {"from": "a"}, "new": {"from": "c"}},
                    "defaultDeny": ["Ingress"],
                }
            })
        );
    }

    #[test]
    fn a_map_replaces_a_scalar_and_the_other_way_round() {
        let mut base = json!({"a": 1, "b": {"c": 2}});
        merge(&mut base, json!({"a": {"x": 1}, "b": "s"}), true);
        assert_eq!(base, json!({"a": {"x": 1}, "b": "s"}));
    }

    #[test]
    fn null_over_nothing_is_absent_and_deleting_a_missing_entry_is_reported() {
        let mut base = Value::Null;
        let standalone = json!({"spec": {"labels": null, "groups": null,
            "services": {"web": {"ports": null, "labels": {"app": "web"}}}, "flows": {"x": null}}});
        assert_eq!(merge(&mut base, standalone, false), []);
        assert_eq!(
            base,
            json!({"spec": {"services": {"web": {"labels": {"app": "web"}}}, "flows": {}}})
        );
        let over = json!({"spec": {"flows": {"web-to-bd": null}, "labels": null, "annotations": {"a": null}}});
        let mut base = json!({"spec": {"flows": {"web-to-db": {}}}});
        let report = merge(&mut base, over, true);
        assert_eq!(
            report,
            [NothingDeleted {
                field: FieldPath::parse("spec.flows.web-to-bd"),
                existing: vec!["web-to-db".into()],
            },]
        );
    }
}
