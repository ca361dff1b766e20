//! A fast reader for the YAML netpolgen reads most: configurations and
//! template output. It walks the parser's events straight into values and
//! gives up (returns `None`) on anything whose meaning it does not resolve
//! exactly as serde-saphyr with netpolgen's options does: anchors and
//! aliases, tags, merge keys, complex keys, duplicate keys, and plain
//! scalars that could be numbers other than plain decimal integers. The
//! caller then parses the text with serde-saphyr, so the result (or the
//! error) is always the same; this only makes the common case cheap.

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// Every non-empty document of `text`, or `None` to take the slow path.
pub fn documents(text: &str) -> Option<Vec<Value>> {
    documents_with(text, false)
}

/// [`documents`]; with `yaml11`, the YAML 1.1 booleans (`yes`, `on`, `y`,
/// ...) are booleans, as kubectl reads them.
pub fn documents_with(text: &str, yaml11: bool) -> Option<Vec<Value>> {
    let mut parser = Parser::new_from_str(text);
    let mut out = Vec::new();
    loop {
        let (event, _) = parser.next_event()?.ok()?;
        match event {
            Event::StreamStart | Event::DocumentEnd => {}
            Event::DocumentStart(..) => {
                let (first, _) = parser.next_event()?.ok()?;
                if matches!(first, Event::DocumentEnd) {
                    continue;
                }
                let value = node(&mut parser, first, 0, yaml11)?;
                if !value.is_null() {
                    out.push(value);
                }
            }
            Event::StreamEnd => return Some(out),
            _ => return None,
        }
    }
}

type P<'a> = Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>;

/// Deeper nesting is left to serde-saphyr, which enforces its own budget.
const MAX_DEPTH: usize = 128;

/// The value of the node whose first event is `first`.
fn node(parser: &mut P<'_>, first: Event<'_>, depth: usize, yaml11: bool) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    match first {
        Event::Scalar(text, style, anchor, tag) => {
            if anchor != 0 || tag.is_some() {
                return None;
            }
            scalar(&text, style, yaml11)
        }
        Event::SequenceStart(_, anchor, tag) => {
            if anchor != 0 || tag.is_some() {
                return None;
            }
            let mut items = Vec::new();
            loop {
                let (e, _) = parser.next_event()?.ok()?;
                if matches!(e, Event::SequenceEnd) {
                    return Some(Value::Array(items));
                }
                items.push(node(parser, e, depth + 1, yaml11)?);
            }
        }
        Event::MappingStart(_, anchor, tag) => {
            if anchor != 0 || tag.is_some() {
                return None;
            }
            let mut map = Map::new();
            loop {
                let (k, _) = parser.next_event()?.ok()?;
                let key = match k {
                    Event::MappingEnd => return Some(Value::Object(map)),
                    Event::Scalar(text, style, 0, None) => match scalar(&text, style, yaml11)? {
                        Value::String(s) if s != "<<" || style != ScalarStyle::Plain => s,
                        _ => return None,
                    },
                    _ => return None,
                };
                let (v, _) = parser.next_event()?.ok()?;
                let value = node(parser, v, depth + 1, yaml11)?;
                if map.insert(key, value).is_some() {
                    return None;
                }
            }
        }
        _ => None,
    }
}

/// A scalar's value: quoted and block scalars are strings; a plain scalar
/// is null, `true`/`false`, a plain decimal integer, or a string that no
/// YAML reader could take for anything else.
pub(super) fn scalar(text: &str, style: ScalarStyle, yaml11: bool) -> Option<Value> {
    if style != ScalarStyle::Plain {
        return Some(Value::String(text.to_string()));
    }
    if yaml11 {
        match text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                return Some(Value::Bool(true));
            }
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                return Some(Value::Bool(false));
            }
            _ => {}
        }
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let plain_int = !digits.is_empty()
            && digits.len() <= 18
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !plain_int {
            return None;
        }
        return text
            .parse::<i64>()
            .ok()
            .map(|n| Value::Number(Number::from(n)));
    }
    Some(Value::String(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::yaml::parse_documents_slow;

    #[test]
    fn common_yaml_reads_as_serde_saphyr_reads_it() {
        for text in [
            "a: 1\nb: [x, 'y', \"z\"]\nc: {d: null, e: ~, f: }\ng: true\nh: on\ni: yes\nj: -5\nk: 0\n",
            "---\n---\nkind: A\nspec:\n  podSelector: {}\n  ports:\n  - port: 8080\n    protocol: TCP\n---\nkind: B\n",
            "l: |\n  line\n  two\nm: >\n  folded\n  text\nn: 'it''s'\no: \"tab\\there\"\n",
            "labels:\n  app.kubernetes.io/name: ingress-nginx\n  v: prod-1.2\n  w: a b c\n",
            "list:\n- - nested\n  - [1, 2]\n- {}\n- []\n",
            "---\n~\n---\na: 1\n---\nplain text\n",
        ] {
            assert_eq!(
                documents(text),
                Some(parse_documents_slow(text).unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn yaml_1_1_booleans_read_as_kubectl_reads_them() {
        let text = "a: yes\nb: 'yes'\nc: off\nd: Y\ne: true\nf: yess\n";
        assert_eq!(
            documents_with(text, true),
            Some(crate::k8s::yaml::parse_documents_kubectl_slow(text).unwrap())
        );
        assert_eq!(documents_with(text, true).unwrap()[0]["a"], true);
        assert_eq!(documents_with(text, true).unwrap()[0]["b"], "yes");
    }

    #[test]
    fn anything_else_takes_the_slow_path() {
        for text in [
            "a: 0644\n",
            "a: 1_000\n",
            "a: 1e3\n",
            "a: 1.5\n",
            "a: 0x1f\n",
            "a: .inf\n",
            "a: +1\n",
            "a: 12345678901234567890\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "<<: {a: 1}\n",
            "? [a]\n: 1\n",
            "a: 1\na: 2\n",
            "a: [1\n",
            &"[".repeat(200),
        ] {
            assert_eq!(documents(text), None, "{text}");
        }
    }

    fn value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let scalar = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| Value::Number(n.into())),
            "[ -~]{0,12}".prop_map(Value::String),
            prop_oneof![
                Just("on"),
                Just("0644"),
                Just("1_000"),
                Just("1e3"),
                Just("~"),
                Just("y")
            ]
            .prop_map(|s| Value::String(s.into())),
        ];
        scalar.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z./-]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Whatever the fast reader answers, serde-saphyr answers the same,
        /// on text serde-saphyr wrote and on that text hand-mangled.
        #[test]
        fn the_fast_reader_agrees_with_serde_saphyr(v in value(), cut in 0usize..64) {
            let text = crate::k8s::yaml::to_string(&v);
            for t in [text.clone(), text.replace('"', ""), text[..cut.min(text.len())].to_string()] {
                if let Some(fast) = documents(&t) {
                    proptest::prop_assert_eq!(Some(fast), parse_documents_slow(&t).ok(), "{}", t);
                }
            }
        }
    }
}
