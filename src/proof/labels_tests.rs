use super::*;
use crate::k8s::LabelSelectorRequirement;
use SelectorOperator::*;

fn pod(k: &str) -> Key {
    Key::Pod(k.to_string())
}

fn point(pairs: &[(&str, &str)]) -> Point {
    pairs.iter().map(|(k, v)| (pod(k), v.to_string())).collect()
}

fn set(vs: &[&str]) -> BTreeSet<String> {
    vs.iter().map(|v| v.to_string()).collect()
}

fn expr(key: &str, op: SelectorOperator, values: &[&str]) -> LabelSelector {
    LabelSelector {
        match_labels: Labels::new(),
        match_expressions: vec![LabelSelectorRequirement {
            key: key.to_string(),
            operator: op,
            values: values.iter().map(|v| v.to_string()).collect(),
        }],
    }
}

fn sel(labels: &[(&str, &str)], exprs: &[(&str, SelectorOperator, &[&str])]) -> LabelSelector {
    LabelSelector {
        match_labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        match_expressions: exprs
            .iter()
            .map(|(k, op, vs)| LabelSelectorRequirement {
                key: k.to_string(),
                operator: *op,
                values: vs.iter().map(|v| v.to_string()).collect(),
            })
            .collect(),
    }
}

fn cube(s: &LabelSelector) -> Cube {
    Cube::selector(s, Key::Pod).unwrap_or_else(|| panic!("{s:?} is empty"))
}

#[test]
fn requirements_become_the_documented_constraints() {
    let cases = [
        (In, vec!["a"], false, Values::Finite(set(&["a"]))),
        (
            NotIn,
            vec!["a", "b"],
            true,
            Values::Cofinite(set(&["a", "b"])),
        ),
        (Exists, vec![], false, Values::Cofinite(set(&[]))),
        (DoesNotExist, vec![], true, Values::Finite(set(&[]))),
    ];
    for (op, values, absent, present) in cases {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            KeyConstraint::requirement(op, &values),
            Some(KeyConstraint { absent, present }),
            "{op:?}"
        );
    }
    assert_eq!(
        KeyConstraint::value("a"),
        KeyConstraint {
            absent: false,
            present: Values::Finite(set(&["a"]))
        }
    );
}

#[test]
fn rejected_requirements_match_nothing() {
    let x = vec!["x".to_string()];
    assert_eq!(KeyConstraint::requirement(In, &[]), None);
    assert_eq!(KeyConstraint::requirement(NotIn, &[]), None);
    assert_eq!(KeyConstraint::requirement(Exists, &x), None);
    assert_eq!(KeyConstraint::requirement(DoesNotExist, &x), None);
    assert_eq!(Cube::selector(&expr("env", In, &[]), Key::Pod), None);
}

#[test]
fn selector_truth_table() {
    // (selector, value listed, value not listed, key absent)
    let listed = point(&[("env", "prod")]);
    let unlisted = point(&[("env", "dev")]);
    let absent = point(&[("app", "web")]);
    let cases = [
        (expr("env", In, &["prod", "stage"]), true, false, false),
        (expr("env", NotIn, &["prod", "stage"]), false, true, true),
        (expr("env", Exists, &[]), true, true, false),
        (expr("env", DoesNotExist, &[]), false, false, true),
        (sel(&[("env", "prod")], &[]), true, false, false),
        (LabelSelector::default(), true, true, true),
    ];
    for (s, l, u, a) in cases {
        let c = cube(&s);
        assert_eq!(c.matches(&listed), l, "{s:?} listed");
        assert_eq!(c.matches(&unlisted), u, "{s:?} unlisted");
        assert_eq!(c.matches(&absent), a, "{s:?} absent");
    }
}

#[test]
fn contradictory_selectors_are_empty() {
    for s in [
        sel(&[("app", "a")], &[("app", In, &["b"])]),
        sel(&[("app", "a")], &[("app", NotIn, &["a"])]),
        sel(&[("app", "a")], &[("app", DoesNotExist, &[])]),
        sel(&[], &[("app", Exists, &[]), ("app", DoesNotExist, &[])]),
    ] {
        assert_eq!(Cube::selector(&s, Key::Pod), None, "{s:?}");
    }
    // Agreeing requirements merge into one constraint.
    let c = cube(&sel(
        &[],
        &[("app", In, &["a", "b"]), ("app", NotIn, &["b"])],
    ));
    assert_eq!(c, cube(&sel(&[("app", "a")], &[])));
    // A requirement that allows everything leaves no constraint behind.
    let c = cube(&sel(&[], &[("app", NotIn, &["a"]), ("app", In, &["b"])]));
    assert_eq!(c.get(&pod("app")), KeyConstraint::value("b"));
}

#[test]
fn value_set_algebra() {
    use Values::*;
    let f = |v: &[&str]| Finite(set(v));
    let c = |v: &[&str]| Cofinite(set(v));
    // (a, b, a ∩ b, a ⊆ b)
    let cases = [
        (f(&["a", "b"]), f(&["b", "c"]), f(&["b"]), false),
        (f(&["a"]), f(&["a", "b"]), f(&["a"]), true),
        (f(&["a", "b"]), c(&["b"]), f(&["a"]), false),
        (f(&["a"]), c(&["b"]), f(&["a"]), true),
        (c(&["a"]), f(&["b"]), f(&["b"]), false),
        (c(&["a"]), c(&["a", "b"]), c(&["a", "b"]), false),
        (c(&["a", "b"]), c(&["a"]), c(&["a", "b"]), true),
        (c(&[]), c(&[]), c(&[]), true),
        (f(&["a"]), c(&["a"]), f(&[]), false),
        (f(&["a"]), f(&["b"]), f(&[]), false),
    ];
    for (a, b, meet, sub) in cases {
        assert_eq!(a.intersect(&b), meet, "{a:?} ∩ {b:?}");
        assert_eq!(a.subset(&b), sub, "{a:?} ⊆ {b:?}");
        assert_eq!(a.meets(&b), !meet.is_empty(), "{a:?} meets {b:?}");
        assert_eq!(b.meets(&a), !meet.is_empty(), "{b:?} meets {a:?}");
    }
}

#[test]
fn key_constraint_subset_minds_absence() {
    let not_in =
        KeyConstraint::requirement(NotIn, &["a".to_string()]).unwrap_or_else(KeyConstraint::any);
    let exists = KeyConstraint::requirement(Exists, &[]).unwrap_or_else(KeyConstraint::any);
    let b = KeyConstraint::value("b");
    assert!(b.subset(&not_in));
    assert!(b.subset(&exists));
    assert!(
        !not_in.subset(&exists),
        "NotIn admits the absent key, Exists does not"
    );
    assert!(exists.subset(&KeyConstraint::any()));
    assert!(!KeyConstraint::any().subset(&not_in));
    assert!(not_in.intersect(&exists).subset(&exists));
}

#[test]
fn atoms_settle_every_constraint() {
    let region = KeyConstraint::any();
    let others = [
        KeyConstraint::value("a"),
        KeyConstraint::requirement(NotIn, &["b".to_string()]).unwrap_or_else(KeyConstraint::any),
    ];
    let atoms = region.atoms(others.iter(), true);
    assert_eq!(atoms.len(), 4, "{atoms:?}");
    assert!(atoms[0].absent && atoms[0].present.is_empty());
    assert_eq!(atoms[1], KeyConstraint::value("a"));
    assert_eq!(atoms[2], KeyConstraint::value("b"));
    assert_eq!(atoms[3].present, Values::Cofinite(set(&["a", "b"])));
    for atom in &atoms {
        for o in &others {
            assert!(
                atom.subset(o) || atom.intersect(o).is_empty(),
                "{atom:?} splits {o:?}"
            );
        }
    }
    // Named values first when asked; a finite region has no "other" atom.
    let finite = KeyConstraint::value("a");
    assert_eq!(finite.atoms(others.iter(), false), vec![finite.clone()]);
    let atoms = region.atoms(others.iter(), false);
    assert!(atoms[3].absent);
}

#[test]
fn meets_and_contains() {
    let web = cube(&sel(&[("app", "web")], &[]));
    let db = cube(&sel(&[("app", "db")], &[]));
    let tier = cube(&sel(&[("tier", "fe")], &[]));
    assert!(!web.meets(&db));
    assert!(web.meets(&tier));
    assert!(Cube::everything().contains(&web));
    assert!(!web.contains(&Cube::everything()));
    assert!(web.contains(&web.intersect(&tier).unwrap_or_default()));
    assert_eq!(web.intersect(&db), None);
}
