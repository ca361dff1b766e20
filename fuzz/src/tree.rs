//! An independent YAML reader for the pass-through property: yaml-rust2's
//! event parser (no code shared with serde-saphyr or granit-parser), turned
//! into node trees with aliases expanded, as a composer sees them.
//!
//! A scalar is its text and the tag it resolves to, under both schemas a
//! consumer may use: YAML 1.1 (kubectl, PyYAML) and the YAML 1.2 core
//! schema (kyaml, kpt). An explicit tag wins; a quoted or block scalar, or
//! the non-specific `!`, is a string; a plain scalar is resolved by its
//! text. Two trees are equal when every scalar has the same text and the
//! same resolution under both schemas, so requoting `hello` is fine and
//! requoting `yes` or `1e3` is not.

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

/// One composed node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tree {
    Scalar {
        text: String,
        /// The resolved tag under YAML 1.1, then under YAML 1.2 core.
        tags: [String; 2],
    },
    Seq {
        tag: Option<String>,
        items: Vec<Tree>,
    },
    Map {
        tag: Option<String>,
        entries: Vec<(Tree, Tree)>,
    },
}

/// More nodes than this (aliases expanded) and the reader gives up.
const MAX_NODES: usize = 200_000;

/// The items of the ResourceList `text`: the value of the root mapping's
/// `items` key, or `None` when this reader rejects the text, finds more
/// than one document, finds a merge key (`<<`, which readers apply
/// differently), or the items are not a sequence. An absent or null
/// `items` is no items.
pub fn items(text: &str) -> Option<Vec<Tree>> {
    let mut r = Reader {
        parser: Parser::new_from_str(text),
        anchors: Vec::new(),
        nodes: 0,
    };
    let mut docs = Vec::new();
    loop {
        match r.next()? {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {}
            first => docs.push(r.node(first)?),
        }
    }
    let [Tree::Map { entries, .. }] = docs.as_slice() else {
        return None;
    };
    if docs.iter().any(has_merge_key) {
        return None;
    }
    let value = entries.iter().find_map(|(k, v)| match k {
        Tree::Scalar { text, tags } if text == "items" && tags[0] == STR => Some(v),
        _ => None,
    });
    match value {
        None => Some(Vec::new()),
        Some(Tree::Seq { items, .. }) => Some(items.clone()),
        Some(Tree::Scalar { tags, .. }) if tags[0] == NULL && tags[1] == NULL => Some(Vec::new()),
        Some(_) => None,
    }
}

fn has_merge_key(tree: &Tree) -> bool {
    match tree {
        Tree::Scalar { .. } => false,
        Tree::Seq { items, .. } => items.iter().any(has_merge_key),
        Tree::Map { entries, .. } => entries.iter().any(|(k, v)| {
            matches!(k, Tree::Scalar { text, tags } if text == "<<" && tags[0] != STR)
                || has_merge_key(k)
                || has_merge_key(v)
        }),
    }
}

struct Reader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    /// Anchored nodes by anchor id, latest last.
    anchors: Vec<(usize, Tree)>,
    nodes: usize,
}

impl Reader<'_> {
    fn next(&mut self) -> Option<Event> {
        self.parser.next_token().ok().map(|(e, _)| e)
    }

    fn count(&mut self, n: usize) -> Option<()> {
        self.nodes += n;
        (self.nodes <= MAX_NODES).then_some(())
    }

    fn node(&mut self, first: Event) -> Option<Tree> {
        self.count(1)?;
        let (tree, anchor) = match first {
            Event::Scalar(text, style, anchor, tag) => {
                let tags = resolve(tag.as_ref(), style, &text);
                (Tree::Scalar { text, tags }, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        Event::SequenceEnd => break,
                        e => items.push(self.node(e)?),
                    }
                }
                let tag = tag.as_ref().map(full);
                (Tree::Seq { tag, items }, anchor)
            }
            Event::MappingStart(anchor, tag) => {
                let mut entries = Vec::new();
                loop {
                    match self.next()? {
                        Event::MappingEnd => break,
                        e => {
                            let key = self.node(e)?;
                            let v = self.next()?;
                            entries.push((key, self.node(v)?));
                        }
                    }
                }
                let tag = tag.as_ref().map(full);
                (Tree::Map { tag, entries }, anchor)
            }
            Event::Alias(id) => {
                let tree = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, t)| t.clone())?;
                self.count(size(&tree))?;
                return Some(tree);
            }
            _ => return None,
        };
        if anchor != 0 {
            self.anchors.push((anchor, tree.clone()));
        }
        Some(tree)
    }
}

fn size(tree: &Tree) -> usize {
    match tree {
        Tree::Scalar { .. } => 1,
        Tree::Seq { items, .. } => 1 + items.iter().map(size).sum::<usize>(),
        Tree::Map { entries, .. } => {
            1 + entries
                .iter()
                .map(|(k, v)| size(k) + size(v))
                .sum::<usize>()
        }
    }
}

const CORE: &str = "tag:yaml.org,2002:";
const STR: &str = "tag:yaml.org,2002:str";
const NULL: &str = "tag:yaml.org,2002:null";

fn full(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// A scalar's resolved tag under YAML 1.1 and under YAML 1.2 core.
fn resolve(tag: Option<&Tag>, style: TScalarStyle, text: &str) -> [String; 2] {
    match tag.map(full) {
        Some(t) if t != "!" => [t.clone(), t],
        Some(_) => [STR.into(), STR.into()],
        None if style != TScalarStyle::Plain => [STR.into(), STR.into()],
        None => [yaml11(text), yaml12(text)].map(|t| format!("{CORE}{t}")),
    }
}

fn yaml11(s: &str) -> &'static str {
    const BOOLS: [&str; 18] = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ];
    if matches!(s, "" | "~" | "null" | "Null" | "NULL") {
        "null"
    } else if BOOLS.contains(&s) {
        "bool"
    } else if int11(s) {
        "int"
    } else if float11(s) {
        "float"
    } else if s == "<<" {
        "merge"
    } else {
        "str"
    }
}

fn yaml12(s: &str) -> &'static str {
    if matches!(s, "" | "~" | "null" | "Null" | "NULL") {
        "null"
    } else if matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
        "bool"
    } else if int12(s) {
        "int"
    } else if float12(s) {
        "float"
    } else {
        "str"
    }
}

fn unsigned(s: &str) -> &str {
    s.strip_prefix(['-', '+']).unwrap_or(s)
}

fn all(s: &str, f: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(f)
}

/// `[0-9]` then `[0-9_]*`.
fn digits_(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit()) && s.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// `(:[0-5]?[0-9])+`, the sexagesimal tail of YAML 1.1 numbers.
fn sexagesimal(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(':') else {
        return false;
    };
    rest.split(':').all(|p| {
        let b = p.as_bytes();
        match b {
            [d] => d.is_ascii_digit(),
            [a, d] => (b'0'..=b'5').contains(a) && d.is_ascii_digit(),
            _ => false,
        }
    })
}

/// PyYAML's int pattern.
fn int11(s: &str) -> bool {
    let u = unsigned(s);
    if let Some(b) = u.strip_prefix("0b") {
        return all(b, |c| matches!(c, '0' | '1' | '_'));
    }
    if let Some(x) = u.strip_prefix("0x") {
        return all(x, |c| c.is_ascii_hexdigit() || c == '_');
    }
    if let Some(o) = u.strip_prefix('0') {
        return o.is_empty() || all(o, |c| matches!(c, '0'..='7' | '_'));
    }
    if !u.starts_with(|c: char| ('1'..='9').contains(&c)) {
        return false;
    }
    match u.find(':') {
        None => digits_(u),
        Some(i) => digits_(&u[..i]) && sexagesimal(&u[i..]),
    }
}

/// `[eE][-+][0-9]+`, PyYAML's exponent (its sign is required).
fn exponent11(s: &str) -> bool {
    match s.strip_prefix(['e', 'E']) {
        Some(e) => match e.strip_prefix(['-', '+']) {
            Some(d) => all(d, |c| c.is_ascii_digit()),
            None => false,
        },
        None => s.is_empty(),
    }
}

/// PyYAML's float pattern.
fn float11(s: &str) -> bool {
    let u = unsigned(s);
    if matches!(u, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // `.[0-9][0-9_]*` and an exponent, unsigned.
    if let Some(frac) = s.strip_prefix('.') {
        let end = frac.find(['e', 'E']).unwrap_or(frac.len());
        return digits_(&frac[..end]) && exponent11(&frac[end..]);
    }
    let Some(dot) = u.find('.') else {
        return false;
    };
    let (whole, rest) = (&u[..dot], &u[dot + 1..]);
    let end = rest.find(['e', 'E']).unwrap_or(rest.len());
    let (frac, exp) = (&rest[..end], &rest[end..]);
    let frac_ok = frac.chars().all(|c| c.is_ascii_digit() || c == '_');
    match whole.find(':') {
        None => digits_(whole) && frac_ok && exponent11(exp),
        Some(i) => digits_(&whole[..i]) && sexagesimal(&whole[i..]) && frac_ok && exp.is_empty(),
    }
}

/// The YAML 1.2 core schema's int pattern.
fn int12(s: &str) -> bool {
    if let Some(o) = s.strip_prefix("0o") {
        return all(o, |c| matches!(c, '0'..='7'));
    }
    if let Some(x) = s.strip_prefix("0x") {
        return all(x, |c| c.is_ascii_hexdigit());
    }
    all(unsigned(s), |c| c.is_ascii_digit())
}

/// The YAML 1.2 core schema's float pattern.
fn float12(s: &str) -> bool {
    let u = unsigned(s);
    if matches!(u, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let end = u.find(['e', 'E']).unwrap_or(u.len());
    let (mantissa, exp) = (&u[..end], &u[end..]);
    let mantissa_ok = match mantissa.split_once('.') {
        None => all(mantissa, |c| c.is_ascii_digit()),
        Some(("", f)) => all(f, |c| c.is_ascii_digit()),
        Some((w, f)) => all(w, |c| c.is_ascii_digit()) && f.chars().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = match exp.strip_prefix(['e', 'E']) {
        None => true,
        Some(e) => all(unsigned(e), |c| c.is_ascii_digit()),
    };
    mantissa_ok && exp_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(text: &str) -> [&'static str; 2] {
        [yaml11(text), yaml12(text)]
    }

    #[test]
    fn plain_scalars_resolve_under_both_schemas() {
        for (text, want) in [
            ("yes", ["bool", "str"]),
            ("true", ["bool", "bool"]),
            ("1e3", ["str", "float"]),
            ("1.0e+3", ["float", "float"]),
            ("0o17", ["str", "int"]),
            ("0644", ["int", "int"]),
            ("0999", ["str", "int"]),
            ("1_000", ["int", "str"]),
            ("1:30", ["int", "str"]),
            ("1.5", ["float", "float"]),
            (".5", ["float", "float"]),
            ("-.inf", ["float", "float"]),
            ("~", ["null", "null"]),
            ("", ["null", "null"]),
            ("hello", ["str", "str"]),
            ("1.2.3", ["str", "str"]),
            ("+12", ["int", "int"]),
        ] {
            assert_eq!(tags(text), want, "{text}");
        }
    }

    #[test]
    fn items_keep_tags_and_text_and_expand_aliases() {
        let got = items("kind: ResourceList\nitems:\n- &a {n: 1e3, q: 'yes'}\n- *a\n").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], got[1]);
        let Tree::Map { entries, .. } = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!(
            entries[1].1,
            Tree::Scalar {
                text: "yes".into(),
                tags: [STR.into(), STR.into()]
            }
        );
        assert_eq!(items("kind: ResourceList\n"), Some(Vec::new()));
        assert_eq!(items("a: [\n"), None);
        assert_eq!(items("a: 1\n---\nb: 2\n"), None);
    }
}
