//! Reading a JSON-shaped document field by field, keeping the field path
//! for errors. Optional fields that are `null` read as absent (as kubectl
//! reads them); keys a schema does not know are errors (as
//! `kubectl apply --validate=strict`, the default, rejects them). Shared by
//! the readers of the cluster-wide tiers (`super::tiers`) and of Cilium
//! policies (`super::cilium`).

use std::fmt;

use serde_json::{Map, Value};

use crate::diag::FieldPath;
use crate::k8s::{LabelSelector, LabelSelectorRequirement, Labels, Protocol, SelectorOperator};

/// Why a policy document could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field path from the document root, e.g. `spec.ingress[0].action`.
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.0.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

pub(crate) type Result<T> = std::result::Result<T, FieldError>;

/// A value and its path.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub(crate) value: &'a Value,
    pub(crate) path: FieldPath,
}

/// An object whose keys were checked against a schema.
#[derive(Debug, Clone)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    pub(crate) path: FieldPath,
}

impl<'a> Node<'a> {
    pub(crate) fn root(value: &'a Value) -> Node<'a> {
        Node {
            value,
            path: FieldPath::default(),
        }
    }

    pub(crate) fn err(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            path: self.path.clone(),
            message: message.into(),
        }
    }

    /// An object whose every key is in `known`.
    pub(crate) fn object(&self, known: &[&str]) -> Result<Obj<'a>> {
        let Value::Object(map) = self.value else {
            return Err(self.err(format!("must be an object, found {}", kind(self.value))));
        };
        if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
            let path = self.path.key(key);
            let message = format!("unknown field {key:?}; known fields: {}", known.join(", "));
            return Err(FieldError { path, message });
        }
        Ok(Obj {
            map,
            path: self.path.clone(),
        })
    }

    pub(crate) fn string(&self) -> Result<&'a str> {
        self.value
            .as_str()
            .ok_or_else(|| self.err(format!("must be a string, found {}", kind(self.value))))
    }

    pub(crate) fn integer(&self) -> Result<i64> {
        self.value
            .as_i64()
            .ok_or_else(|| self.err(format!("must be an integer, found {}", kind(self.value))))
    }

    /// An integer in `lo..=hi`.
    pub(crate) fn integer_in(&self, lo: i64, hi: i64) -> Result<i64> {
        let n = self.integer()?;
        if (lo..=hi).contains(&n) {
            Ok(n)
        } else {
            Err(self.err(format!("{n} must be between {lo} and {hi}, inclusive")))
        }
    }

    /// A port number, 1..=65535.
    pub(crate) fn port(&self) -> Result<u16> {
        let n = self.integer_in(1, 65535)?;
        u16::try_from(n).map_err(|_| self.err("not a port"))
    }

    /// One of `values`, spelled exactly.
    pub(crate) fn one_of(&self, values: &[&'static str]) -> Result<&'static str> {
        let s = self.string()?;
        values.iter().copied().find(|v| *v == s).ok_or_else(|| {
            let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            self.err(format!(
                "unsupported value {s:?}: supported values: {}",
                list.join(", ")
            ))
        })
    }

    pub(crate) fn protocol(&self) -> Result<Protocol> {
        let s = self.one_of(&["TCP", "UDP", "SCTP"])?;
        Ok(Protocol::parse(s).unwrap_or_default())
    }

    /// A list of `min..=max` items.
    pub(crate) fn list(&self, min: usize, max: usize) -> Result<Vec<Node<'a>>> {
        let Value::Array(items) = self.value else {
            return Err(self.err(format!("must be a list, found {}", kind(self.value))));
        };
        if items.len() < min {
            let s = if min == 1 { "" } else { "s" };
            return Err(self.err(format!("must have at least {min} item{s}")));
        }
        if items.len() > max {
            return Err(self.err(format!("must have at most {max} items")));
        }
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Node {
                value,
                path: self.path.index(i),
            })
            .collect())
    }

    /// A `metav1.LabelSelector`; `matchLabels`, `matchExpressions` and
    /// `values` may be null. A selector the API server's conversion would
    /// reject (values with Exists, none with In) is an error here.
    pub(crate) fn selector(&self) -> Result<LabelSelector> {
        let o = self.object(&["matchLabels", "matchExpressions"])?;
        let mut sel = LabelSelector::default();
        if let Some(labels) = o.opt("matchLabels") {
            sel.match_labels = string_map(&labels)?;
        }
        for e in o.opt_list("matchExpressions", 0, usize::MAX)? {
            let eo = e.object(&["key", "operator", "values"])?;
            let key_node = eo.req("key")?;
            let key = key_node.string()?;
            if key.is_empty() {
                return Err(key_node.err("must not be empty"));
            }
            let op_node = eo.req("operator")?;
            let operator = match op_node.one_of(&["In", "NotIn", "Exists", "DoesNotExist"])? {
                "In" => SelectorOperator::In,
                "NotIn" => SelectorOperator::NotIn,
                "Exists" => SelectorOperator::Exists,
                _ => SelectorOperator::DoesNotExist,
            };
            let mut values = Vec::new();
            for v in eo.opt_list("values", 0, usize::MAX)? {
                values.push(v.string()?.to_string());
            }
            let needs = matches!(operator, SelectorOperator::In | SelectorOperator::NotIn);
            if needs && values.is_empty() {
                let at = eo.path.key("values");
                return Err(FieldError {
                    path: at,
                    message: "must be specified when `operator` is 'In' or 'NotIn'".into(),
                });
            }
            if !needs && !values.is_empty() {
                return Err(FieldError {
                    path: eo.path.key("values"),
                    message: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                        .into(),
                });
            }
            sel.match_expressions.push(LabelSelectorRequirement {
                key: key.to_string(),
                operator,
                values,
            });
        }
        Ok(sel)
    }
}

impl<'a> Obj<'a> {
    /// The field, `None` when absent or null.
    pub(crate) fn opt(&self, key: &str) -> Option<Node<'a>> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(Node {
                value,
                path: self.path.key(key),
            }),
        }
    }

    /// The field; absent or null is an error.
    pub(crate) fn req(&self, key: &str) -> Result<Node<'a>> {
        self.opt(key).ok_or_else(|| FieldError {
            path: self.path.key(key),
            message: "required field is missing".into(),
        })
    }

    /// An optional list (absent or null: empty).
    pub(crate) fn opt_list(&self, key: &str, min: usize, max: usize) -> Result<Vec<Node<'a>>> {
        self.opt(key).map_or(Ok(Vec::new()), |n| n.list(min, max))
    }

    /// The keys of `keys` that are set (not null), in that order.
    pub(crate) fn set(&self, keys: &[&'static str]) -> Vec<&'static str> {
        keys.iter()
            .copied()
            .filter(|k| self.opt(k).is_some())
            .collect()
    }

    pub(crate) fn err(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            path: self.path.clone(),
            message: message.into(),
        }
    }
}

fn string_map(n: &Node<'_>) -> Result<Labels> {
    let Value::Object(map) = n.value else {
        return Err(n.err(format!("must be a map, found {}", kind(n.value))));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            other => Err(FieldError {
                path: n.path.key(k),
                message: format!("must be a string, found {}", kind(other)),
            }),
        })
        .collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
