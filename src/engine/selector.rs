//! Label selector matching (`metav1.LabelSelector`), compiled once.
//!
//! `matchLabels` and `matchExpressions` are ANDed; `{k: v}` in `matchLabels`
//! is `k In [v]`; the empty selector matches everything. Operator table
//! (upstream `Requirement.Matches`):
//!
//! | operator     | key present, value listed | present, not listed | key absent |
//! |--------------|---------------------------|---------------------|------------|
//! | In           | match                     | no                  | no         |
//! | NotIn        | no                        | match               | match      |
//! | Exists       | match                     | match               | no         |
//! | DoesNotExist | no                        | no                  | match      |
//!
//! A selector Kubernetes would reject (`In`/`NotIn` without values,
//! `Exists`/`DoesNotExist` with values) compiles to one that matches nothing,
//! mirroring the upstream conversion error; `validate` reports it.

use crate::k8s::{LabelSelector, Labels, SelectorOperator};

/// A compiled label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// False when the source selector is structurally invalid: matches nothing.
    valid: bool,
    /// `matchLabels`, sorted by key.
    labels: Vec<(String, String)>,
    /// `matchExpressions`, in source order.
    exprs: Vec<Requirement>,
}

/// One compiled `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: SelectorOperator,
    /// Sorted and deduplicated.
    values: Vec<String>,
}

impl Requirement {
    fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.op {
            SelectorOperator::In => value.is_some_and(|v| self.values.binary_search(v).is_ok()),
            SelectorOperator::NotIn => value.is_none_or(|v| self.values.binary_search(v).is_err()),
            SelectorOperator::Exists => value.is_some(),
            SelectorOperator::DoesNotExist => value.is_none(),
        }
    }
}

impl Selector {
    /// Compiles a selector. Never fails: invalid selectors match nothing.
    pub fn new(sel: &LabelSelector) -> Selector {
        let mut valid = true;
        let mut exprs = Vec::with_capacity(sel.match_expressions.len());
        for req in &sel.match_expressions {
            let needs_values =
                matches!(req.operator, SelectorOperator::In | SelectorOperator::NotIn);
            if needs_values == req.values.is_empty() {
                valid = false;
            }
            let mut values = req.values.clone();
            values.sort();
            values.dedup();
            exprs.push(Requirement {
                key: req.key.clone(),
                op: req.operator,
                values,
            });
        }
        Selector {
            valid,
            labels: sel
                .match_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            exprs,
        }
    }

    /// The selector `{}`: matches every label set.
    pub fn everything() -> Selector {
        Selector {
            valid: true,
            labels: Vec::new(),
            exprs: Vec::new(),
        }
    }

    /// A selector that matches no label set.
    pub fn nothing() -> Selector {
        Selector {
            valid: false,
            labels: Vec::new(),
            exprs: Vec::new(),
        }
    }

    /// True if `labels` satisfies every `matchLabels` entry and expression.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.valid
            && self
                .labels
                .iter()
                .all(|(k, v)| labels.get(k).is_some_and(|have| have == v))
            && self.exprs.iter().all(|r| r.matches(labels))
    }

    /// True if the selector can never match (it was invalid).
    pub fn is_nothing(&self) -> bool {
        !self.valid
    }

    /// The `matchLabels` pairs, sorted by key (used for indexing).
    pub fn match_labels(&self) -> &[(String, String)] {
        &self.labels
    }
}

/// Convenience: does `sel` match `labels`?
pub fn selector_matches(sel: &LabelSelector, labels: &Labels) -> bool {
    Selector::new(sel).matches(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expr(key: &str, op: SelectorOperator, values: &[&str]) -> LabelSelector {
        LabelSelector {
            match_labels: Labels::new(),
            match_expressions: vec![LabelSelectorRequirement {
                key: key.to_string(),
                operator: op,
                values: values.iter().map(|s| s.to_string()).collect(),
            }],
        }
    }

    #[test]
    fn empty_selector_matches_everything() {
        let s = Selector::new(&LabelSelector::default());
        assert!(s.matches(&Labels::new()));
        assert!(s.matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn match_labels_are_anded() {
        let s = Selector::new(&LabelSelector::labels(labels(&[
            ("app", "web"),
            ("tier", "fe"),
        ])));
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "fe"), ("x", "y")])));
        assert!(!s.matches(&labels(&[("app", "web")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "be")])));
    }

    #[test]
    fn operator_table() {
        use SelectorOperator::*;
        let listed = labels(&[("env", "prod")]);
        let unlisted = labels(&[("env", "dev")]);
        let absent = labels(&[("other", "x")]);
        // (selector, listed, unlisted, absent)
        let cases = [
            (expr("env", In, &["prod", "stage"]), true, false, false),
            (expr("env", NotIn, &["prod", "stage"]), false, true, true),
            (expr("env", Exists, &[]), true, true, false),
            (expr("env", DoesNotExist, &[]), false, false, true),
        ];
        for (sel, l, u, a) in cases {
            let s = Selector::new(&sel);
            assert_eq!(s.matches(&listed), l, "{sel:?} listed");
            assert_eq!(s.matches(&unlisted), u, "{sel:?} unlisted");
            assert_eq!(s.matches(&absent), a, "{sel:?} absent");
        }
    }

    #[test]
    fn labels_and_expressions_are_anded() {
        let mut sel = expr("env", SelectorOperator::NotIn, &["dev"]);
        sel.match_labels = labels(&[("app", "web")]);
        let s = Selector::new(&sel);
        assert!(s.matches(&labels(&[("app", "web")])));
        assert!(s.matches(&labels(&[("app", "web"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "dev")])));
        assert!(!s.matches(&labels(&[("env", "prod")])));
    }

    #[test]
    fn invalid_selectors_match_nothing() {
        use SelectorOperator::*;
        for sel in [
            expr("env", In, &[]),
            expr("env", NotIn, &[]),
            expr("env", Exists, &["x"]),
            expr("env", DoesNotExist, &["x"]),
        ] {
            let s = Selector::new(&sel);
            assert!(s.is_nothing());
            assert!(!s.matches(&Labels::new()));
            assert!(!s.matches(&labels(&[("env", "x")])));
        }
        assert!(!Selector::nothing().matches(&Labels::new()));
        assert!(Selector::everything().matches(&Labels::new()));
    }

    #[test]
    fn convenience_function() {
        let sel = expr("a", SelectorOperator::Exists, &[]);
        assert!(selector_matches(&sel, &labels(&[("a", "")])));
        assert!(!selector_matches(&sel, &Labels::new()));
    }
}
