//! Field paths into YAML documents, as errors print them:
//! `spec.flows.web.ports[0]`, `spec.services.gw.labels["app.kubernetes.io/name"]`.

use std::fmt;

/// One step of a field path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path from a document's root to one of its nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// Builds a path from dotted keys: `FieldPath::keys(&["spec", "flows"])`.
    pub fn keys(keys: &[&str]) -> FieldPath {
        FieldPath(keys.iter().map(|k| Seg::Key(k.to_string())).collect())
    }

    /// This path with one more key.
    pub fn key(&self, key: &str) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        FieldPath(segs)
    }

    /// This path with one more index.
    pub fn index(&self, index: usize) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        FieldPath(segs)
    }

    /// Parses the printed form back; keys with dots need the `["..."]` form.
    pub fn parse(path: &str) -> FieldPath {
        let mut segs = Vec::new();
        let mut rest = path;
        while !rest.is_empty() {
            if let Some(tail) = rest.strip_prefix("[\"") {
                let end = tail.find("\"]").unwrap_or(tail.len());
                segs.push(Seg::Key(tail[..end].to_string()));
                rest = tail.get(end + 2..).unwrap_or("");
            } else if let Some(tail) = rest.strip_prefix('[') {
                let end = tail.find(']').unwrap_or(tail.len());
                if let Ok(i) = tail[..end].parse() {
                    segs.push(Seg::Index(i));
                }
                rest = tail.get(end + 1..).unwrap_or("");
            } else {
                let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
                let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
                if end > 0 {
                    segs.push(Seg::Key(rest_trimmed[..end].to_string()));
                }
                rest = &rest_trimmed[end..];
            }
        }
        FieldPath(segs)
    }

    /// How many leading segments of this path exist in `value`.
    pub fn depth_in(&self, value: &serde_json::Value) -> usize {
        let mut node = value;
        for (depth, seg) in self.0.iter().enumerate() {
            let next = match seg {
                Seg::Key(k) => node.get(k),
                Seg::Index(i) => node.get(i),
            };
            match next {
                Some(n) => node = n,
                None => return depth,
            }
        }
        self.0.len()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) if k.is_empty() || k.contains(['.', '[', ']', '"', ' ']) => {
                    write!(f, "[\"{k}\"]")?
                }
                Seg::Key(k) if i == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
            }
        }
        Ok(())
    }
}

impl From<&serde_path_to_error::Path> for FieldPath {
    fn from(path: &serde_path_to_error::Path) -> FieldPath {
        use serde_path_to_error::Segment;
        FieldPath(
            path.iter()
                .filter_map(|seg| match seg {
                    Segment::Seq { index } => Some(Seg::Index(*index)),
                    Segment::Map { key } => Some(Seg::Key(key.clone())),
                    Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
                    Segment::Unknown => None,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_round_trip() {
        for text in [
            "spec.flows.web.ports[0]",
            "spec.services.gw.labels[\"app.kubernetes.io/name\"]",
            "items[3].metadata.name",
            "spec",
        ] {
            assert_eq!(FieldPath::parse(text).to_string(), text);
        }
    }

    #[test]
    fn depth_counts_existing_prefix() {
        let v = serde_json::json!({"spec": {"flows": {"a": {"ports": [1]}}}});
        assert_eq!(FieldPath::parse("spec.flows.a.ports[0]").depth_in(&v), 5);
        assert_eq!(FieldPath::parse("spec.flows.b.ports[0]").depth_in(&v), 2);
        assert_eq!(FieldPath::parse("spec.flows.a.ports[1]").depth_in(&v), 4);
    }
}
