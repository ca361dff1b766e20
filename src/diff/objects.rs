//! The text half of a diff: objects matched by kind, namespace and name,
//! and unified hunks of the YAML of every object that differs.

use std::collections::BTreeMap;

use serde::Serialize;
use similar::TextDiff;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// How an object differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

/// One object that differs, with its unified hunks (`@@` headers, lines
/// starting with ` `, `-` or `+`; no file headers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectDiff {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub change: Change,
    pub hunks: String,
}

impl ObjectDiff {
    /// `Kind/namespace/name`, or `Kind/name` for an object without a namespace.
    pub fn path(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

type Key = (String, String, String);

/// Compares two sorted lists of objects as YAML text.
pub fn diff(a: &[(Key, String)], b: &[(Key, String)]) -> Vec<ObjectDiff> {
    let mut both: BTreeMap<&Key, (Option<&str>, Option<&str>)> = BTreeMap::new();
    for (k, text) in a {
        both.entry(k).or_default().0 = Some(text);
    }
    for (k, text) in b {
        both.entry(k).or_default().1 = Some(text);
    }
    let mut out = Vec::new();
    for ((kind, namespace, name), sides) in both {
        let change = match sides {
            (Some(x), Some(y)) if x == y => continue,
            (Some(_), Some(_)) => Change::Changed,
            (Some(_), None) => Change::Removed,
            (None, _) => Change::Added,
        };
        out.push(ObjectDiff {
            kind: kind.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
            change,
            hunks: hunks(sides.0.unwrap_or_default(), sides.1.unwrap_or_default()),
        });
    }
    out
}

fn hunks(old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let mut unified = diff.unified_diff();
    unified.context_radius(CONTEXT);
    unified.iter_hunks().map(|h| h.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(name: &str, text: &str) -> (Key, String) {
        (("K".into(), "ns".into(), name.into()), text.into())
    }

    #[test]
    fn added_removed_and_changed_objects_in_key_order() {
        let a = [
            obj("a", "x: 1\n"),
            obj("b", "x: 1\ny: 2\n"),
            obj("same", "z\n"),
        ];
        let b = [
            obj("b", "x: 1\ny: 3\n"),
            obj("c", "x: 1\n"),
            obj("same", "z\n"),
        ];
        let d = diff(&a, &b);
        let got: Vec<(&str, Change)> = d.iter().map(|o| (o.name.as_str(), o.change)).collect();
        assert_eq!(
            got,
            [
                ("a", Change::Removed),
                ("b", Change::Changed),
                ("c", Change::Added)
            ]
        );
        assert_eq!(d[0].hunks, "@@ -1 +0,0 @@\n-x: 1\n");
        assert_eq!(d[1].hunks, "@@ -1,2 +1,2 @@\n x: 1\n-y: 2\n+y: 3\n");
        assert_eq!(d[1].path(), "K/ns/b");
    }
}
