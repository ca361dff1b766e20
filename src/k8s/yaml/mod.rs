//! YAML in and out.
//!
//! Reading uses serde-saphyr with YAML 1.1-compatible choices (`0644` is
//! octal as kubectl reads it; `on`/`yes` stay strings so they are never
//! silently turned into booleans). Writing quotes every scalar a YAML 1.1
//! reader could take for something other than a string.

pub mod emit;
mod fast;
mod parallel;
mod scan;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A YAML syntax or shape error, with the position serde-saphyr reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// One line, without the source snippet.
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
}

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.legacy_octal_numbers = true;
    // ResourceLists from real builds are large; the defaults stop at ~1,000 objects.
    options.budget = serde_saphyr::budget! {
        max_documents: 1_000_000,
        max_nodes: 100_000_000,
        max_events: 1_000_000_000,
        max_total_scalar_bytes: 1 << 32,
        max_depth: 256,
    };
    options.with_snippet = false;
    options
}

/// [`options`] with YAML 1.1 booleans, as kubectl reads manifests.
fn options_kubectl() -> serde_saphyr::Options {
    let mut options = options();
    options.strict_booleans = false;
    options
}

fn convert(err: serde_saphyr::Error) -> YamlError {
    let line = err.location().map(|l| l.line() as usize).filter(|l| *l > 0);
    let text = err.to_string();
    // serde-saphyr ends the message with " at line L, column C"; the line is kept apart.
    let first = text.lines().next().unwrap_or_default();
    let message = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    // serde-saphyr names its option; the user can only fix the document.
    let message = match message.split_once(", set DuplicateKeyPolicy") {
        Some((head, _)) => head.to_string(),
        None => message.to_string(),
    };
    YamlError { message, line }
}

/// Refuses a character YAML does not allow in a stream (outside
/// `c-printable`: a control character other than tab, line feed and
/// carriage return, DEL, a C1 control other than NEL, U+FFFE, U+FFFF),
/// as kubectl's reader does, wherever in the text it is: escaped in a
/// double-quoted scalar (`"\0"`) it is fine.
fn printable(text: &str) -> Result<(), YamlError> {
    let ascii_ok = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7e);
    if text.bytes().all(ascii_ok) {
        return Ok(());
    }
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}')
            || ('\u{a0}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    };
    let Some((at, c)) = text.char_indices().find(|&(_, c)| !allowed(c)) else {
        return Ok(());
    };
    let line = text[..at].bytes().filter(|&b| b == b'\n').count() + 1;
    Err(YamlError {
        message: format!(
            "control character U+{:04X} is not allowed in YAML (write it escaped in a double-quoted string)",
            c as u32
        ),
        line: Some(line),
    })
}

/// Parses every non-empty document of a stream into JSON-shaped values.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    printable(text)?;
    let mut docs = Vec::new();
    let plain = scan::documents(text, |doc| {
        docs.push(doc);
        Some(())
    });
    if plain.is_some() {
        return Ok(docs);
    }
    match fast::documents(text) {
        Some(docs) => Ok(docs),
        None => saphyr(text, options()),
    }
}

/// Every document of a text already checked by [`printable`], by
/// serde-saphyr.
fn saphyr<T: DeserializeOwned>(
    text: &str,
    options: serde_saphyr::Options,
) -> Result<Vec<T>, YamlError> {
    serde_saphyr::from_str_multiple_with_options(text, options).map_err(convert)
}

/// Every non-empty document of a manifest stream as kubectl reads it:
/// unquoted YAML 1.1 booleans (`yes`, `on`, `y`, ...) are booleans.
pub fn parse_documents_kubectl(text: &str) -> Result<Vec<Value>, YamlError> {
    printable(text)?;
    match fast::documents_with(text, true) {
        Some(docs) => Ok(docs),
        None => saphyr(text, options_kubectl()),
    }
}

/// [`parse_documents_kubectl`] by serde-saphyr alone.
pub fn parse_documents_kubectl_slow(text: &str) -> Result<Vec<Value>, YamlError> {
    printable(text)?;
    saphyr(text, options_kubectl())
}

/// Every document of `text` typed, read by the fast readers; `None` where
/// they give up or a document is not a `T`.
fn typed_fast<T: DeserializeOwned>(text: &str) -> Option<Vec<T>> {
    // Each document is typed as soon as it is read, so the values of the
    // whole stream never exist at once.
    let mut out = Vec::new();
    let plain = scan::documents(text, |doc| {
        out.push(serde_json::from_value(doc).ok()?);
        Some(())
    });
    if plain.is_some() {
        return Some(out);
    }
    let docs = fast::documents(text)?;
    docs.into_iter()
        .map(|d| serde_json::from_value(d).ok())
        .collect()
}

/// [`parse_documents`] by serde-saphyr alone (the reference the fast
/// reader is tested against).
pub fn parse_documents_slow(text: &str) -> Result<Vec<Value>, YamlError> {
    printable(text)?;
    saphyr(text, options())
}

/// Parses every non-empty document of a stream into a typed value: fast
/// where the fast reader and serde's JSON types agree, else by serde-saphyr.
pub fn parse_all<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, YamlError> {
    printable(text)?;
    typed(text)
}

/// [`parse_all`] of a text already checked by [`printable`].
fn typed<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, YamlError> {
    match typed_fast(text) {
        Some(typed) => Ok(typed),
        None => saphyr(text, options()),
    }
}

/// Parses a single-document text into a typed value.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    printable(text)?;
    serde_saphyr::from_str_with_options(text, options()).map_err(convert)
}

/// Writes one value as a YAML document (no leading `---`).
pub fn to_string<T: Serialize>(value: &T) -> String {
    emit::to_string(value).unwrap_or_else(|| {
        // Serializing plain data (maps, strings, numbers) cannot fail.
        serde_saphyr::to_string(value).expect("plain data always serializes to YAML")
    })
}

/// Writes values as a multi-document stream, each document after `---`.
/// Large streams are written on every core, in order.
pub fn to_stream<T: Serialize + Sync>(values: &[T]) -> String {
    let mut parts = stream_parts(values);
    if parts.len() == 1 {
        return parts.pop().unwrap_or_default();
    }
    parts.concat()
}

/// [`to_stream`] in consecutive parts, written on every core: a writer
/// takes them one after the other without the stream being copied whole.
pub fn stream_parts<T: Serialize + Sync>(values: &[T]) -> Vec<String> {
    let write = |chunk: &[T]| {
        let mut out = String::new();
        for value in chunk {
            out.push_str("---\n");
            if !emit::append(&mut out, value) {
                out.push_str(&to_string(value));
            }
        }
        out
    };
    crate::parallel::map_chunks(values, PARALLEL_ITEMS, write)
}

/// Below this many items (or bytes of text) one thread does the work.
const PARALLEL_ITEMS: usize = 2_000;
const PARALLEL_BYTES: usize = 512 << 10;

/// [`parse_all`] for long streams: the text is cut at document markers
/// (`---` at the start of a line, which no scalar can hold) and the parts
/// are read on every core. Any part the fast reader cannot take sends the
/// whole text down the ordinary path, so results and errors are those of
/// [`parse_all`].
pub fn parse_all_parallel<T: DeserializeOwned + Send>(text: &str) -> Result<Vec<T>, YamlError> {
    printable(text)?;
    if text.len() < PARALLEL_BYTES {
        return typed(text);
    }
    let parts = parallel::split_documents(text);
    let read = |chunk: &[&str]| -> Option<Vec<T>> {
        let mut out = Vec::new();
        for part in chunk {
            out.extend(typed_fast(part)?);
        }
        Some(out)
    };
    let fast: Option<Vec<Vec<T>>> = crate::parallel::map_chunks(&parts, 1, read)
        .into_iter()
        .collect();
    match fast {
        Some(parts) => Ok(parts.into_iter().flatten().collect()),
        None => typed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_with_their_line() {
        for (text, code) in [
            ("a: b\nc: d\0e\n", "U+0000"),
            ("a: b\nc: \x7f\n", "U+007F"),
            ("a: b\nc: '\u{9b}'\n", "U+009B"),
            ("a: b\nc: \u{fffe}\n", "U+FFFE"),
        ] {
            let err = parse_documents(text).unwrap_err();
            assert!(err.message.contains(code), "{text:?}: {}", err.message);
            assert_eq!(err.line, Some(2), "{text:?}");
            assert_eq!(parse_documents_kubectl(text).unwrap_err(), err);
            assert_eq!(parse::<Value>(text).unwrap_err(), err);
        }
    }

    #[test]
    fn printable_text_and_escaped_controls_are_read() {
        let value: Value =
            parse("a: \"x\\0y\"\nb: \"\tz\"\nc: caf\u{e9} \u{1f600}\u{85}\r\n").unwrap();
        assert_eq!(value["a"], "x\0y");
        assert_eq!(value["b"], "\tz");
        assert_eq!(value["c"].as_str().unwrap().chars().next(), Some('c'));
    }

    #[test]
    fn strings_that_yaml_1_1_would_retype_come_back_quoted() {
        let input = "a: 'on'\nb: 'off'\nc: 'yes'\nd: 'no'\ne: 'y'\nf: 'n'\ng: '0644'\nh: '1_000'\ni: '1e3'\nj: '~'\nk: 'Y'\nl: 'NO'\nm: 'null'\nn: '12345678901234567890'\n";
        let value: Value = parse(input).unwrap();
        let out = to_string(&value);
        // Every value is a string on the way in ...
        for (key, v) in value.as_object().unwrap() {
            assert!(v.is_string(), "{key} read as {v:?}");
        }
        // ... and every emitted scalar is quoted, so YAML 1.1 reads strings too.
        for line in out.lines() {
            let (_, scalar) = line.split_once(": ").unwrap();
            assert!(
                scalar.starts_with('"') || scalar.starts_with('\''),
                "unquoted: {line}"
            );
        }
        assert_eq!(parse::<Value>(&out).unwrap(), value);
    }

    #[test]
    fn numbers_read_as_kubectl_reads_them() {
        let value: Value =
            parse("mode: 0644\nbig: 12345678901234567890\nneg: -9223372036854775808\nu: 1_000\n")
                .unwrap();
        assert_eq!(value["mode"], 420);
        assert_eq!(value["big"].as_u64(), Some(12345678901234567890));
        assert_eq!(value["neg"].as_i64(), Some(i64::MIN));
        assert_eq!(value["u"], 1000);
        let out = to_string(&value);
        assert!(out.contains("big: 12345678901234567890\n"), "{out}");
        assert!(out.contains("mode: 420\n"), "{out}");
    }

    #[test]
    fn unquoted_yaml_1_1_booleans_stay_strings() {
        let value: Value = parse("a: on\nb: yes\nc: true\n").unwrap();
        assert_eq!(value["a"], "on");
        assert_eq!(value["b"], "yes");
        assert_eq!(value["c"], true);
    }

    #[test]
    fn parse_errors_carry_lines() {
        let err = parse_documents("a: 1\nb: [2\nc: 3\n").unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
        let err = parse::<Value>("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("duplicate"), "{}", err.message);
    }

    #[test]
    fn stream_skips_empty_documents() {
        let docs = parse_documents("---\na: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(to_stream(&docs), "---\na: 1\n---\nb: 2\n");
    }
}
