//! `--focus NS/NAME` or `--focus NS`: the part of the picture that
//! touches one workload or one namespace.

use super::joint::Class;

/// A resolved focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focus {
    /// The namespace drawn in full (never collapsed).
    pub namespace: String,
    /// Classes in focus, by index: the workload's, or every class of the
    /// namespace.
    pub classes: Vec<usize>,
}

impl Focus {
    /// Finds `text` among the classes of every side.
    pub fn resolve(text: &str, classes: &[Class]) -> Result<Focus, String> {
        let (ns, name) = match text.split_once('/') {
            Some((ns, name)) if !name.contains('/') && !ns.is_empty() && !name.is_empty() => {
                (ns, Some(name))
            }
            None if !text.is_empty() => (text, None),
            _ => {
                return Err(format!(
                    "--focus {text:?}: expected NAMESPACE/NAME (a workload) or NAMESPACE"
                ));
            }
        };
        let hits: Vec<usize> = classes
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.namespace == ns && name.is_none_or(|n| c.members.iter().any(|m| m == n))
            })
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() {
            let what = match name {
                Some(_) => "no workload",
                None => "no namespace with workloads",
            };
            let mut known: Vec<&str> = classes.iter().map(|c| c.namespace.as_str()).collect();
            known.dedup();
            return Err(format!(
                "--focus {text:?}: {what} of that name in the input (namespaces: {})",
                known.join(", ")
            ));
        }
        Ok(Focus {
            namespace: ns.to_string(),
            classes: hits,
        })
    }

    /// True if class `c` is in focus.
    pub fn has(&self, c: usize) -> bool {
        self.classes.binary_search(&c).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(ns: &str, members: &[&str]) -> Class {
        Class {
            namespace: ns.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
            on: vec![Some((0, 0))],
        }
    }

    #[test]
    fn a_workload_or_a_namespace() {
        let classes = [
            class("a", &["x", "y"]),
            class("a", &["z"]),
            class("b", &["x"]),
        ];
        assert_eq!(Focus::resolve("a/y", &classes).unwrap().classes, [0]);
        assert_eq!(Focus::resolve("a", &classes).unwrap().classes, [0, 1]);
        let err = Focus::resolve("c", &classes).unwrap_err();
        assert_eq!(
            err,
            "--focus \"c\": no namespace with workloads of that name in the input (namespaces: a, b)"
        );
        assert!(
            Focus::resolve("a/q", &classes)
                .unwrap_err()
                .contains("no workload")
        );
        assert!(
            Focus::resolve("a/b/c", &classes)
                .unwrap_err()
                .contains("expected")
        );
        assert!(Focus::resolve("", &classes).is_err());
    }
}
