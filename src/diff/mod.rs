//! Differences between two renders: per-object text and connectivity.
//!
//! A [`Side`] is everything one side of a diff rendered: its objects in a
//! canonical form, and a cluster of workloads and policies to evaluate.
//! `crate::io::sides` builds sides from paths; [`compare`] turns two sides
//! into a [`Diff`], which is plain data; `crate::report::diff` formats it.
//! [`all`] compares every pair of environments of an overlay directory;
//! [`graph`] holds what the picture of a diff is drawn from.

pub mod all;
mod allowed;
pub mod conn;
pub mod graph;
pub mod normalize;
pub mod objects;
pub mod side;

use serde::Serialize;

pub use crate::analyze::l7::{L7, L7Rule};
pub use conn::{ConnDiff, Flow, FlowChange};
pub use normalize::Norm;
pub use objects::{Change, ObjectDiff};
pub use side::{Side, Unit, UnitKind};

/// What [`compare`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// How the two sides were named on the command line.
    pub a: String,
    pub b: String,
    /// The values each side's placeholders stand for, when normalised.
    pub normalized: Option<[Norm; 2]>,
    /// Added, removed and changed objects, in (kind, namespace, name) order.
    pub objects: Vec<ObjectDiff>,
    pub connectivity: ConnDiff,
    /// What the diff could not cover, said once instead of dropped silently.
    pub notes: Vec<String>,
}

impl Diff {
    /// No object and no connection differs.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.connectivity.is_empty()
    }
}

/// Compares two sides; `normalize` maps each side's namespace, name suffix
/// and environment to placeholders first (both sides need a [`Norm`]).
pub fn compare(a: &Side, b: &Side, normalize: bool) -> Diff {
    let norms = match (normalize, &a.norm, &b.norm) {
        (true, Some(na), Some(nb)) => Some([na.clone(), nb.clone()]),
        _ => None,
    };
    let na = norms.as_ref().map(|n| &n[0]);
    let nb = norms.as_ref().map(|n| &n[1]);
    let objects = objects::diff(&texts(a, b, na, nb, true), &texts(b, a, nb, na, false));
    let (ca, cb) = side::clusters(a, b);
    let connectivity = conn::diff(&ca, na, &cb, nb);
    let mut notes = Vec::new();
    for (label, s) in [(&a.label, a), (&b.label, b)] {
        notes.extend(s.notes.iter().map(|n| format!("{label}: {n}")));
    }
    if ca.workloads.is_empty() && cb.workloads.is_empty() {
        notes.push("neither side has workloads: connectivity not compared".into());
    }
    Diff {
        a: a.label.clone(),
        b: b.label.clone(),
        normalized: norms,
        objects,
        connectivity,
        notes,
    }
}

/// The objects of `this` side as text. With placeholders, a value becomes
/// one only where the same object of the other side has a different raw
/// value there that stands for the same placeholder; everything else is
/// compared as written.
fn texts(
    this: &Side,
    other: &Side,
    n_this: Option<&Norm>,
    n_other: Option<&Norm>,
    this_is_a: bool,
) -> Vec<((String, String, String), String)> {
    let (Some(nt), Some(no)) = (n_this, n_other) else {
        return this.canonical_objects(None);
    };
    let others = other.keyed(Some(no));
    let mut out: Vec<_> = this
        .keyed(Some(nt))
        .into_iter()
        .map(|(k, v)| {
            let value = match others.get(&k) {
                Some(o) if this_is_a => normalize::pair(v, o, nt, no).0,
                Some(o) => normalize::pair(o, v, no, nt).1,
                None => nt.object_name(v),
            };
            (k, crate::k8s::yaml::to_string(&value))
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::manifest::parse_text;

    const PODS: &str = "kind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n---\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: b}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n---\n";
    const DENY: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n";
    const ALLOW: &str = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a-to-b, namespace: x}\nspec: {podSelector: {matchLabels: {app: b}}, ingress: [{from: [{podSelector: {matchLabels: {app: a}}}], ports: [{port: 80}]}]}\n";

    fn side(label: &str, text: &str) -> Side {
        let unit = Unit {
            kind: UnitKind::Manifests,
            docs: parse_text(text, label).unwrap(),
            model: None,
        };
        Side::build(label, &[unit]).unwrap()
    }

    #[test]
    fn a_deleted_policy_is_one_removed_connection_and_object() {
        let before = side("before", &format!("{PODS}{DENY}{ALLOW}"));
        let after = side("after", &format!("{PODS}{DENY}"));
        let d = compare(&before, &after, false);
        assert_eq!(d.connectivity.added, []);
        assert_eq!(
            d.connectivity.removed,
            [FlowChange {
                flow: Flow {
                    from: "x/a".into(),
                    to: "x/b".into(),
                    port: 80,
                    protocol: crate::k8s::Protocol::TCP,
                    l7: None,
                },
                admitted_by: vec!["a-to-b".into()],
                isolated_by: vec!["deny".into()],
                denied_by: Vec::new(),
                gone: false,
                l7_now: None,
            }]
        );
        assert_eq!(d.connectivity.unchanged, 0);
        assert_eq!(d.objects.len(), 1);
        assert_eq!(
            (d.objects[0].name.as_str(), d.objects[0].change),
            ("a-to-b", Change::Removed)
        );
        // The other way round it is added, admitted by the same policy.
        let back = compare(&after, &before, false);
        assert_eq!(back.connectivity.added.len(), 1);
        assert_eq!(back.connectivity.added[0].admitted_by, ["a-to-b"]);
        assert!(compare(&before, &before, false).is_empty());
    }
}
