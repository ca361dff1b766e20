//! The pods of the namespace split into regions on which every selector
//! involved is constant: lazily, on the keys the selectors still meeting a
//! region mention, the most mentioned first, until none distinguishes
//! further. Regions met by the same selectors are one leaf.
//!
//! Splitting on a key makes atoms (each value the selectors name, "some
//! other value", "absent"), so a selector either contains a child region
//! on that key or misses it and is dropped. With the keys decided that a
//! selector mentions, it contains the region.

use std::collections::{BTreeMap, HashMap};

use super::labels::{Cube, Key, KeyConstraint, Values};

/// Regions met by the same selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// The plainest region found (the one witnesses are drawn from).
    pub region: Cube,
    /// The selectors containing it, as sorted indices into the input.
    pub ids: Vec<usize>,
}

/// Splits the whole label space by `cubes`. `keep(ids)` is asked for every
/// region with the selectors still meeting it; `false` drops the region
/// (nothing there needs checking).
pub fn split(cubes: &[Cube], keep: &dyn Fn(&[usize]) -> bool) -> Vec<Leaf> {
    let mut s = Splitter {
        cubes,
        keep,
        leaves: Vec::new(),
        index: BTreeMap::new(),
    };
    s.go(Cube::everything(), (0..cubes.len()).collect());
    s.leaves
}

struct Splitter<'a> {
    cubes: &'a [Cube],
    keep: &'a dyn Fn(&[usize]) -> bool,
    leaves: Vec<Leaf>,
    index: BTreeMap<Vec<usize>, usize>,
}

impl Splitter<'_> {
    fn go(&mut self, region: Cube, relevant: Vec<usize>) {
        if !(self.keep)(&relevant) {
            return;
        }
        let mut counts: HashMap<&Key, usize> = HashMap::new();
        for &id in &relevant {
            for (k, _) in self.cubes[id].iter() {
                if region.constraint(k).is_none() {
                    *counts.entry(k).or_default() += 1;
                }
            }
        }
        let Some(key) = counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(k, _)| k.clone())
        else {
            match self.index.get(&relevant) {
                // The same selectors meet it: one leaf, drawn from the
                // plainest region (fewest labels a pod must carry), so
                // witnesses read like the pods people write.
                Some(&i) => {
                    if required(&region) < required(&self.leaves[i].region) {
                        self.leaves[i].region = region;
                    }
                }
                None => {
                    self.index.insert(relevant.clone(), self.leaves.len());
                    self.leaves.push(Leaf {
                        region,
                        ids: relevant,
                    });
                }
            }
            return;
        };
        // Selectors not mentioning the key go everywhere; `In` ones only to
        // their values; the rest are asked per atom.
        let mut everywhere = Vec::new();
        let mut by_value: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut asked = Vec::new();
        for &id in &relevant {
            match self.cubes[id].constraint(&key) {
                None => everywhere.push(id),
                Some(KeyConstraint {
                    absent: false,
                    present: Values::Finite(vs),
                }) => {
                    for v in vs {
                        by_value.entry(v.as_str()).or_default().push(id);
                    }
                }
                Some(_) => asked.push(id),
            }
        }
        let atoms = KeyConstraint::any().atoms(
            relevant
                .iter()
                .filter_map(|&id| self.cubes[id].constraint(&key)),
            false,
        );
        for atom in atoms {
            let mut child = everywhere.clone();
            if let (false, Values::Finite(vs)) = (atom.absent, &atom.present)
                && let Some(v) = vs.iter().next()
            {
                child.extend(by_value.get(v.as_str()).into_iter().flatten());
            }
            child.extend(asked.iter().copied().filter(|&id| {
                self.cubes[id]
                    .constraint(&key)
                    .is_some_and(|c| atom.subset(c))
            }));
            child.sort_unstable();
            child.dedup();
            if let Some(region) = region.clone().with(key.clone(), &atom) {
                self.go(region, child);
            }
        }
    }
}

/// How many labels a pod of `region` must carry.
fn required(region: &Cube) -> usize {
    region.iter().filter(|(_, c)| !c.absent).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::{LabelSelector, LabelSelectorRequirement, Labels, SelectorOperator};

    fn labels(pairs: &[(&str, &str)]) -> Cube {
        let l: Labels = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Cube::labels(&l, Key::Pod)
    }

    fn not_in(key: &str, values: &[&str]) -> Cube {
        let sel = LabelSelector {
            match_labels: Labels::new(),
            match_expressions: vec![LabelSelectorRequirement {
                key: key.to_string(),
                operator: SelectorOperator::NotIn,
                values: values.iter().map(|v| v.to_string()).collect(),
            }],
        };
        Cube::selector(&sel, Key::Pod).unwrap_or_default()
    }

    #[test]
    fn leaves_are_the_distinct_combinations() {
        let cubes = [
            labels(&[("app", "web")]),
            labels(&[("app", "db")]),
            labels(&[("tier", "fe")]),
            Cube::everything(),
        ];
        let leaves = split(&cubes, &|_| true);
        let ids: Vec<Vec<usize>> = leaves.iter().map(|l| l.ids.clone()).collect();
        // app: web, db, other/absent; tier: fe or not.
        assert_eq!(
            ids,
            vec![
                vec![1, 2, 3],
                vec![1, 3],
                vec![0, 2, 3],
                vec![0, 3],
                vec![2, 3],
                vec![3],
            ]
        );
        for leaf in &leaves {
            for (i, c) in cubes.iter().enumerate() {
                let inside = c.contains(&leaf.region) || c.is_everything();
                assert_eq!(inside, leaf.ids.contains(&i), "{leaf:?} and {c:?}");
                assert!(inside || !c.meets(&leaf.region), "{c:?} splits {leaf:?}");
            }
        }
    }

    #[test]
    fn not_in_selectors_reach_the_absent_key() {
        let cubes = [labels(&[("app", "web")]), not_in("app", &["web", "db"])];
        let leaves = split(&cubes, &|_| true);
        let regions: Vec<(Vec<usize>, Option<KeyConstraint>)> = leaves
            .iter()
            .map(|l| {
                (
                    l.ids.clone(),
                    l.region.constraint(&Key::Pod("app".into())).cloned(),
                )
            })
            .collect();
        // db (in neither); web; other values and absent (NotIn only).
        assert_eq!(regions.len(), 3, "{regions:?}");
        assert_eq!(regions[0].0, Vec::<usize>::new());
        assert_eq!(regions[1].0, vec![0]);
        assert_eq!(regions[2].0, vec![1]);
    }

    #[test]
    fn orthogonal_keys_stay_linear() {
        // 200 apps, each in one of 10 tiers, and 10 tier selectors: the
        // regions are one per app plus a few, not 200 x 10.
        let mut cubes = Vec::new();
        for i in 0..200 {
            cubes.push(labels(&[
                ("app", &format!("s{i}")),
                ("tier", &format!("t{}", i % 10)),
            ]));
        }
        for t in 0..10 {
            cubes.push(labels(&[("tier", &format!("t{t}"))]));
        }
        let leaves = split(&cubes, &|_| true);
        assert!(leaves.len() <= 200 + 10 + 2, "{} leaves", leaves.len());
        assert!(leaves.len() > 200);
    }

    #[test]
    fn keep_prunes_regions() {
        let cubes = [labels(&[("app", "web")]), labels(&[("app", "db")])];
        let leaves = split(&cubes, &|ids| ids.contains(&0));
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].ids, vec![0]);
    }
}
