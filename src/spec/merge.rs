//! Deep merge of a configuration over its base: maps merge key by key,
//! lists and scalars replace, and `null` deletes the key from the base.

use serde_json::Value;

/// Merges `over` onto `base` in place.
pub fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                if value.is_null() {
                    base.shift_remove(&key);
                } else if let Some(slot) = base.get_mut(&key) {
                    merge(slot, value);
                } else {
                    base.insert(key, value);
                }
            }
        }
        (base, over) => *base = over,
    }
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
        merge(&mut base, over);
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
        merge(&mut base, json!({"a": {"x": 1}, "b": "s"}));
        assert_eq!(base, json!({"a": {"x": 1}, "b": "s"}));
    }
}
