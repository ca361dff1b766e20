//! Whether a cube lies inside a union of cubes, with a witness when not.
//!
//! The cube is split on a key the others constrain beyond it, into atoms
//! (absent, each value they name, any other value) on which each of them
//! is constant, and each part is decided in turn: covered once some cube
//! contains it, a witness once no cube meets it. Every split settles its
//! key for all cubes still meeting the part, so the depth is at most the
//! number of keys.

use std::collections::BTreeMap;

use super::labels::{Cube, Key};

/// A part of `region` that no cube of `cover` meets, or `None` if the
/// union of `cover` contains `region`.
pub fn uncovered(region: &Cube, cover: &[&Cube]) -> Option<Cube> {
    if cover.iter().any(|c| c.contains(region)) {
        return None;
    }
    let relevant: Vec<&Cube> = cover.iter().copied().filter(|c| c.meets(region)).collect();
    if relevant.is_empty() {
        return Some(region.clone());
    }
    // The key most cubes constrain beyond the region: splitting on it
    // settles the most of them at once. On a tie, a key that may be absent
    // (its absent atom makes the simplest witness), then the first key.
    let mut counts: BTreeMap<&Key, (usize, bool)> = BTreeMap::new();
    for c in &relevant {
        for (k, kc) in c.iter() {
            let here = region.get(k);
            if !here.subset(kc) {
                let e = counts.entry(k).or_insert((0, here.absent));
                e.0 += 1;
            }
        }
    }
    let key = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(k, _)| (*k).clone())?;
    let here = region.get(&key);
    let atoms = here.atoms(relevant.iter().filter_map(|c| c.constraint(&key)), true);
    for atom in atoms {
        let Some(part) = region.clone().with(key.clone(), &atom) else {
            continue;
        };
        if let Some(w) = uncovered(&part, &relevant) {
            return Some(w);
        }
    }
    None
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::k8s::{LabelSelector, LabelSelectorRequirement, SelectorOperator};
    use crate::proof::labels::{KeyConstraint, Point, Vocabulary};
    use SelectorOperator::*;

    fn pod(k: &str) -> Key {
        Key::Pod(k.to_string())
    }

    fn point(pairs: &[(&str, &str)]) -> Point {
        pairs.iter().map(|(k, v)| (pod(k), v.to_string())).collect()
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

    fn expr(key: &str, op: SelectorOperator, values: &[&str]) -> LabelSelector {
        sel(&[], &[(key, op, values)])
    }

    fn cube(s: &LabelSelector) -> Cube {
        Cube::selector(s, Key::Pod).unwrap_or_else(|| panic!("{s:?} is empty"))
    }

    #[test]
    fn coverage_with_witnesses() {
        let c = |s: LabelSelector| cube(&s);
        let web = c(sel(&[("app", "web")], &[]));
        let not_web = c(expr("app", NotIn, &["web"]));
        let has_app = c(expr("app", Exists, &[]));
        let no_app = c(expr("app", DoesNotExist, &[]));
        let debug = c(sel(&[("role", "debug")], &[]));
        let web_debug = c(sel(&[("app", "web"), ("role", "debug")], &[]));
        let all = Cube::everything();
        let vocab = Vocabulary::new();
        // (region, cover, witness point or None when covered)
        let cases: Vec<(Cube, Vec<&Cube>, Option<Point>)> = vec![
            (web.clone(), vec![&has_app], None),
            (all.clone(), vec![&web, &not_web], None),
            (all.clone(), vec![&has_app, &no_app], None),
            (all.clone(), vec![&has_app], Some(point(&[]))),
            (all.clone(), vec![&no_app], Some(point(&[("app", "other")]))),
            (all.clone(), vec![&web], Some(point(&[]))),
            (
                has_app.clone(),
                vec![&web],
                Some(point(&[("app", "other")])),
            ),
            (
                debug.clone(),
                vec![&web_debug],
                Some(point(&[("role", "debug")])),
            ),
            (web_debug.clone(), vec![&debug], None),
            (debug.clone(), vec![&web, &not_web], None),
            (all.clone(), vec![], Some(point(&[]))),
        ];
        for (region, cover, want) in cases {
            let got = uncovered(&region, &cover);
            match (&got, &want) {
                (None, None) => {}
                (Some(w), Some(p)) => {
                    assert_eq!(&w.point(&vocab), p, "{region:?} by {cover:?}: {w:?}");
                    assert!(
                        region.contains(w) || *w == region,
                        "{w:?} outside {region:?}"
                    );
                    assert!(cover.iter().all(|c| !c.meets(w)), "{w:?} meets the cover");
                }
                _ => panic!("{region:?} by {cover:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn coverage_across_namespace_and_pod_keys() {
        let ns = |n: &str| Key::Namespace(n.to_string());
        let name = "kubernetes.io/metadata.name";
        let universe = Cube::everything()
            .with(
                ns(name),
                &KeyConstraint::requirement(Exists, &[]).unwrap_or_else(KeyConstraint::any),
            )
            .unwrap_or_default();
        let prod = Cube::everything()
            .with(ns(name), &KeyConstraint::value("prod"))
            .unwrap_or_default();
        let team = universe
            .clone()
            .with(ns("team"), &KeyConstraint::value("anything"))
            .unwrap_or_default();
        let w = uncovered(&team, &[&prod]).unwrap_or_default();
        let mut vocab = Vocabulary::new();
        prod.name_values(&mut vocab);
        let p = w.point(&vocab);
        assert_eq!(p.get(&ns("team")).map(String::as_str), Some("anything"));
        assert_eq!(p.get(&ns(name)).map(String::as_str), Some("other"));
        // A name the vocabulary holds is not "other".
        vocab.entry(ns(name)).or_default().insert("other".into());
        assert_eq!(
            w.point(&vocab).get(&ns(name)).map(String::as_str),
            Some("other-2")
        );
        // Pods of prod, whatever their labels, are covered by prod.
        let prod_web = prod
            .clone()
            .with(pod("app"), &KeyConstraint::value("web"))
            .unwrap_or_default();
        assert_eq!(uncovered(&prod_web, &[&prod]), None);
    }
}
