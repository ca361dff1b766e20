//! Label constraints decided exactly.
//!
//! A selector requirement constrains one key: whether the key may be
//! absent, and which values it may take when present (a finite set, or
//! every value except a finite set). A [`Cube`] is the conjunction of such
//! constraints over several keys; a key it does not mention is
//! unconstrained. Every selector is one cube:
//!
//! | requirement      | absent | present values     |
//! |------------------|--------|--------------------|
//! | `k In [v..]`     | no     | exactly `v..`      |
//! | `k NotIn [v..]`  | yes    | all but `v..`      |
//! | `k Exists`       | no     | all                |
//! | `k DoesNotExist` | yes    | none               |
//!
//! `matchLabels {k: v}` is `k In [v]`. [`KeyConstraint::atoms`] cuts a
//! key into the pieces a set of constraints distinguish (each value they
//! name, "some other value", "absent"); coverage of a cube by a union of
//! cubes, with a witness, is built on it in `cover`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::k8s::{LabelSelector, Labels, SelectorOperator};

/// A label key, tagged with what carries it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// A label of the namespace a pod lives in.
    Namespace(String),
    /// A label of the pod itself.
    Pod(String),
}

/// The values a present key may take.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Values {
    /// Exactly these.
    Finite(BTreeSet<String>),
    /// Every value but these.
    Cofinite(BTreeSet<String>),
}

impl Values {
    /// True if `v` is one of the values.
    pub fn contains(&self, v: &str) -> bool {
        match self {
            Values::Finite(s) => s.contains(v),
            Values::Cofinite(s) => !s.contains(v),
        }
    }

    /// True if no value is allowed.
    pub fn is_empty(&self) -> bool {
        matches!(self, Values::Finite(s) if s.is_empty())
    }

    /// The values both allow.
    pub fn intersect(&self, other: &Values) -> Values {
        use Values::*;
        match (self, other) {
            (Finite(a), Finite(b)) => Finite(a.intersection(b).cloned().collect()),
            (Finite(a), Cofinite(b)) | (Cofinite(b), Finite(a)) => {
                Finite(a.difference(b).cloned().collect())
            }
            (Cofinite(a), Cofinite(b)) => Cofinite(a.union(b).cloned().collect()),
        }
    }

    /// True if every value of `self` is a value of `other`.
    pub fn subset(&self, other: &Values) -> bool {
        use Values::*;
        match (self, other) {
            (Finite(a), Finite(b)) => a.is_subset(b),
            (Finite(a), Cofinite(b)) => a.is_disjoint(b),
            (Cofinite(_), Finite(_)) => false,
            (Cofinite(a), Cofinite(b)) => b.is_subset(a),
        }
    }

    /// True if some value is in both (without building the intersection).
    pub fn meets(&self, other: &Values) -> bool {
        use Values::*;
        match (self, other) {
            (Finite(a), Finite(b)) => !a.is_disjoint(b),
            (Finite(a), Cofinite(b)) | (Cofinite(b), Finite(a)) => a.iter().any(|v| !b.contains(v)),
            (Cofinite(_), Cofinite(_)) => true,
        }
    }

    /// The values the set names (listed or excluded).
    fn named(&self) -> &BTreeSet<String> {
        match self {
            Values::Finite(s) | Values::Cofinite(s) => s,
        }
    }
}

/// What one key may be: absent or not, and its values when present.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyConstraint {
    /// The key may be missing.
    pub absent: bool,
    /// The values allowed when the key is present.
    pub present: Values,
}

impl KeyConstraint {
    /// No constraint at all.
    pub fn any() -> KeyConstraint {
        KeyConstraint {
            absent: true,
            present: Values::Cofinite(BTreeSet::new()),
        }
    }

    /// `key In [value]`, which is `matchLabels {key: value}`.
    pub fn value(value: &str) -> KeyConstraint {
        KeyConstraint {
            absent: false,
            present: Values::Finite(BTreeSet::from([value.to_string()])),
        }
    }

    /// One `matchExpressions` entry; `None` if Kubernetes would reject it
    /// (values given or missing against the operator), which matches nothing.
    pub fn requirement(op: SelectorOperator, values: &[String]) -> Option<KeyConstraint> {
        let set: BTreeSet<String> = values.iter().cloned().collect();
        let needs_values = matches!(op, SelectorOperator::In | SelectorOperator::NotIn);
        if needs_values == set.is_empty() {
            return None;
        }
        let (absent, present) = match op {
            SelectorOperator::In => (false, Values::Finite(set)),
            SelectorOperator::NotIn => (true, Values::Cofinite(set)),
            SelectorOperator::Exists => (false, Values::Cofinite(set)),
            SelectorOperator::DoesNotExist => (true, Values::Finite(set)),
        };
        Some(KeyConstraint { absent, present })
    }

    /// True if it allows everything.
    pub fn is_any(&self) -> bool {
        self.absent && matches!(&self.present, Values::Cofinite(s) if s.is_empty())
    }

    /// True if it allows nothing.
    pub fn is_empty(&self) -> bool {
        !self.absent && self.present.is_empty()
    }

    /// What both allow.
    pub fn intersect(&self, other: &KeyConstraint) -> KeyConstraint {
        KeyConstraint {
            absent: self.absent && other.absent,
            present: self.present.intersect(&other.present),
        }
    }

    /// True if something satisfies both.
    pub fn meets(&self, other: &KeyConstraint) -> bool {
        (self.absent && other.absent) || self.present.meets(&other.present)
    }

    /// True if everything `self` allows, `other` allows.
    pub fn subset(&self, other: &KeyConstraint) -> bool {
        (!self.absent || other.absent) && self.present.subset(&other.present)
    }

    /// True if a key with this value (`None`: absent) satisfies it.
    pub fn matches(&self, value: Option<&str>) -> bool {
        value.map_or(self.absent, |v| self.present.contains(v))
    }

    /// Splits `self` into atoms on which each of `others` is constant: one
    /// per value the constraints name, "any other value", and "absent".
    /// With `absent_first` the absent atom leads (the simplest witness);
    /// otherwise named values come first.
    pub fn atoms<'a>(
        &self,
        others: impl Iterator<Item = &'a KeyConstraint>,
        absent_first: bool,
    ) -> Vec<KeyConstraint> {
        let mut named: BTreeSet<String> = self.present.named().clone();
        for o in others {
            named.extend(o.present.named().iter().cloned());
        }
        let absent = self.absent.then(|| KeyConstraint {
            absent: true,
            present: Values::Finite(BTreeSet::new()),
        });
        let mut out: Vec<KeyConstraint> = Vec::with_capacity(named.len() + 2);
        if absent_first {
            out.extend(absent.clone());
        }
        out.extend(
            named
                .iter()
                .filter(|v| self.present.contains(v))
                .map(|v| KeyConstraint::value(v)),
        );
        let other = self.present.intersect(&Values::Cofinite(named));
        if !other.is_empty() {
            out.push(KeyConstraint {
                absent: false,
                present: other,
            });
        }
        if !absent_first {
            out.extend(absent);
        }
        out
    }
}

/// A concrete assignment: the keys present with their values; every other
/// key is absent.
pub type Point = BTreeMap<Key, String>;

/// The values mentioned per key anywhere in a proof, so that "some other
/// value" becomes a value nothing mentions.
pub type Vocabulary = BTreeMap<Key, BTreeSet<String>>;

/// A conjunction of key constraints; keys not listed are unconstrained.
/// Never holds an unconstrained or an empty constraint: a cube that would
/// be empty is not built (constructors return `None`).
///
/// Cubes are shared, not copied: a clone is a reference count, and a cube
/// is copied only when one of its holders changes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cube(Arc<BTreeMap<Key, KeyConstraint>>);

impl Cube {
    /// The cube of everything.
    pub fn everything() -> Cube {
        Cube::default()
    }

    /// `matchLabels` only: every pair required.
    pub fn labels(labels: &Labels, tag: fn(String) -> Key) -> Cube {
        Cube(Arc::new(
            labels
                .iter()
                .map(|(k, v)| (tag(k.clone()), KeyConstraint::value(v)))
                .collect(),
        ))
    }

    /// A whole selector; `None` if it matches nothing (invalid or
    /// contradictory).
    pub fn selector(sel: &LabelSelector, tag: fn(String) -> Key) -> Option<Cube> {
        let mut cube = Cube::labels(&sel.match_labels, tag);
        for req in &sel.match_expressions {
            let c = KeyConstraint::requirement(req.operator, &req.values)?;
            cube = cube.with(tag(req.key.clone()), &c)?;
        }
        Some(cube)
    }

    /// The cube with one more constraint; `None` if that leaves nothing.
    pub fn with(mut self, key: Key, c: &KeyConstraint) -> Option<Cube> {
        let merged = match self.0.get(&key) {
            // Already as narrow: the cube stays as it is (and shared).
            Some(here) if here.subset(c) => return Some(self),
            Some(here) => here.intersect(c),
            None if c.is_any() => return Some(self),
            None => c.clone(),
        };
        if merged.is_empty() {
            return None;
        }
        let map = Arc::make_mut(&mut self.0);
        if merged.is_any() {
            map.remove(&key);
        } else {
            map.insert(key, merged);
        }
        Some(self)
    }

    /// The constraint on `key` (unconstrained if not listed).
    pub fn get(&self, key: &Key) -> KeyConstraint {
        self.0.get(key).cloned().unwrap_or_else(KeyConstraint::any)
    }

    /// The constraint on `key`, if the cube lists one.
    pub fn constraint(&self, key: &Key) -> Option<&KeyConstraint> {
        self.0.get(key)
    }

    /// The constrained keys with their constraints, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &KeyConstraint)> {
        self.0.iter()
    }

    /// True if it constrains no key (everything).
    pub fn is_everything(&self) -> bool {
        self.0.is_empty()
    }

    /// Which shared copy this is: equal for clones of one cube (while it
    /// lives), so repeats can be skipped without comparing constraints.
    pub fn identity(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// What both allow; `None` if nothing.
    pub fn intersect(&self, other: &Cube) -> Option<Cube> {
        if Arc::ptr_eq(&self.0, &other.0) || other.is_everything() {
            return Some(self.clone());
        }
        if self.is_everything() {
            return Some(other.clone());
        }
        let mut out = self.clone();
        for (k, c) in other.0.iter() {
            out = out.with(k.clone(), c)?;
        }
        Some(out)
    }

    /// True if some point lies in both.
    pub fn meets(&self, other: &Cube) -> bool {
        let (small, large) = if self.0.len() <= other.0.len() {
            (self, other)
        } else {
            (other, self)
        };
        small.0.iter().all(|(k, c)| match large.0.get(k) {
            Some(d) => c.meets(d),
            None => true,
        })
    }

    /// True if every point of `inner` lies in `self`.
    pub fn contains(&self, inner: &Cube) -> bool {
        self.0.iter().all(|(k, c)| match inner.0.get(k) {
            Some(i) => i.subset(c),
            None => false,
        })
    }

    /// True if the point satisfies every constraint.
    pub fn matches(&self, point: &Point) -> bool {
        self.0
            .iter()
            .all(|(k, c)| c.matches(point.get(k).map(String::as_str)))
    }

    /// One point of the cube: a key is absent where it may be, else it
    /// takes its smallest listed value, else a value neither the cube nor
    /// `vocabulary` names (`other`, `other-2`, ...).
    pub fn point(&self, vocabulary: &Vocabulary) -> Point {
        let mut out = Point::new();
        for (k, c) in self.0.iter() {
            if c.absent {
                continue;
            }
            let v = match &c.present {
                Values::Finite(s) => s.iter().next().cloned(),
                Values::Cofinite(excluded) => {
                    let taken = |v: &str| {
                        excluded.contains(v) || vocabulary.get(k).is_some_and(|t| t.contains(v))
                    };
                    (1..)
                        .map(|i| match i {
                            1 => "other".to_string(),
                            i => format!("other-{i}"),
                        })
                        .find(|v| !taken(v))
                }
            };
            if let Some(v) = v {
                out.insert(k.clone(), v);
            }
        }
        out
    }

    /// Adds the values this cube names to `vocabulary`.
    pub fn name_values(&self, vocabulary: &mut Vocabulary) {
        for (k, c) in self.0.iter() {
            let named = c.present.named();
            if !named.is_empty() {
                vocabulary
                    .entry(k.clone())
                    .or_default()
                    .extend(named.iter().cloned());
            }
        }
    }
}

#[cfg(test)]
#[path = "labels_tests.rs"]
mod tests;
