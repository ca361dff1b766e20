//! A fast writer for the YAML netpolgen writes most: block mappings and
//! sequences of plain strings, integers and booleans (policies, selectors,
//! peers, ports). It writes exactly what serde-saphyr writes for them, and
//! gives up (returns `None`) on anything else: a string serde-saphyr would
//! quote, fold or write as a block scalar, floats, bytes, tagged or flow
//! values, non-string keys, a sequence directly inside a sequence. The
//! caller then writes the value with serde-saphyr, so the bytes are always
//! the same; this only makes the common case cheap.

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// `value` as serde-saphyr writes it, or `None` to take the slow path.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut out = String::with_capacity(256);
    append(&mut out, value).then_some(out)
}

/// Appends `value` to `out` as [`to_string`] writes it; `false` (with `out`
/// as it was) to take the slow path.
pub fn append<T: Serialize + ?Sized>(out: &mut String, value: &T) -> bool {
    let len = out.len();
    let ok = value
        .serialize(Node {
            out: &mut *out,
            at: At::Top,
        })
        .is_ok();
    if !ok {
        out.truncate(len);
    }
    ok
}

/// Longer single-line strings are folded by serde-saphyr.
const MAX_PLAIN: usize = 80;

/// True if serde-saphyr writes `s` as it is, as a key and as a value, in
/// block context: short, of label-like characters, starting with a letter,
/// and not a word a YAML 1.1 reader takes for a boolean, null or number.
pub fn is_plain(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > MAX_PLAIN || !b[0].is_ascii_alphabetic() {
        return false;
    }
    if !b
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'-'))
    {
        return false;
    }
    const WORDS: [&str; 13] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity",
        "nil",
    ];
    b.len() > 8 || !WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// Outside the subset.
#[derive(Debug)]
pub struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("outside the fast writer's subset")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

type R<T = ()> = Result<T, Unsupported>;

/// What was written just before a node.
#[derive(Clone, Copy)]
enum At {
    /// Nothing: the document itself.
    Top,
    /// `key:` of a mapping whose keys are at this indent.
    Colon(usize),
    /// `-` of a sequence item at this indent.
    Dash(usize),
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// One node about to be written.
struct Node<'a> {
    out: &'a mut String,
    at: At,
}

impl<'a> Node<'a> {
    fn scalar(self, text: &str) -> R {
        if !matches!(self.at, At::Top) {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.out.push('\n');
        Ok(())
    }

    fn number(self, n: impl std::fmt::Display) -> R {
        if !matches!(self.at, At::Top) {
            self.out.push(' ');
        }
        let _ = write!(self.out, "{n}");
        self.out.push('\n');
        Ok(())
    }

    fn map(self) -> Map<'a> {
        let indent = match self.at {
            At::Top => 0,
            At::Colon(k) => k + 2,
            At::Dash(d) => d + 2,
        };
        Map {
            out: self.out,
            at: self.at,
            indent,
            first: true,
        }
    }

    fn seq(self) -> R<Seq<'a>> {
        let indent = match self.at {
            At::Top | At::Dash(_) => 0,
            At::Colon(k) => k,
        };
        Ok(Seq {
            out: self.out,
            at: self.at,
            indent,
            first: true,
        })
    }
}

/// A block mapping being written.
struct Map<'a> {
    out: &'a mut String,
    at: At,
    indent: usize,
    first: bool,
}

impl Map<'_> {
    fn key(&mut self, key: &str) -> R {
        if !is_plain(key) {
            return Err(Unsupported);
        }
        if self.first {
            match self.at {
                At::Top => {}
                At::Colon(_) => {
                    self.out.push('\n');
                    pad(self.out, self.indent);
                }
                At::Dash(_) => self.out.push(' '),
            }
            self.first = false;
        } else {
            pad(self.out, self.indent);
        }
        self.out.push_str(key);
        self.out.push(':');
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(Node {
            out: &mut *self.out,
            at: At::Colon(self.indent),
        })
    }

    fn finish(self) -> R {
        if self.first {
            Node {
                out: self.out,
                at: self.at,
            }
            .scalar("{}")?;
        }
        Ok(())
    }
}

/// A block sequence being written.
struct Seq<'a> {
    out: &'a mut String,
    at: At,
    indent: usize,
    first: bool,
}

impl Seq<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        // `- - x`: not written here (an empty one is `- []`).
        if matches!(self.at, At::Dash(_)) {
            return Err(Unsupported);
        }
        if self.first && matches!(self.at, At::Colon(_)) {
            self.out.push('\n');
        }
        self.first = false;
        pad(self.out, self.indent);
        self.out.push('-');
        value.serialize(Node {
            out: &mut *self.out,
            at: At::Dash(self.indent),
        })
    }

    fn finish(self) -> R {
        if self.first {
            Node {
                out: self.out,
                at: self.at,
            }
            .scalar("[]")?;
        }
        Ok(())
    }
}

macro_rules! unsupported {
    ($($f:ident($($t:ty),*);)*) => {
        $(fn $f(self, $(_: $t),*) -> R<Self::Ok> { Err(Unsupported) })*
    };
}

#[path = "emit_key.rs"]
mod key;
use key::Key;

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> R {
        self.scalar(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> R {
        self.number(v)
    }
    fn serialize_i16(self, v: i16) -> R {
        self.number(v)
    }
    fn serialize_i32(self, v: i32) -> R {
        self.number(v)
    }
    fn serialize_i64(self, v: i64) -> R {
        self.number(v)
    }
    fn serialize_u8(self, v: u8) -> R {
        self.number(v)
    }
    fn serialize_u16(self, v: u16) -> R {
        self.number(v)
    }
    fn serialize_u32(self, v: u32) -> R {
        self.number(v)
    }
    fn serialize_u64(self, v: u64) -> R {
        self.number(v)
    }
    fn serialize_str(self, v: &str) -> R {
        if !is_plain(v) {
            return Err(Unsupported);
        }
        self.scalar(v)
    }
    fn serialize_none(self) -> R {
        self.scalar("null")
    }
    fn serialize_unit(self) -> R {
        self.scalar("null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R {
        self.serialize_str(variant)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> R<Seq<'a>> {
        self.seq()
    }
    fn serialize_map(self, _: Option<usize>) -> R<Map<'a>> {
        Ok(self.map())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> R<Map<'a>> {
        Ok(self.map())
    }

    unsupported! {
        serialize_f32(f32); serialize_f64(f64); serialize_char(char); serialize_bytes(&[u8]);
        serialize_unit_struct(&'static str);
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> R {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> R {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> R<Self::SerializeTuple> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> R<Self::SerializeTupleStruct> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> R<Self::SerializeTupleVariant> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> R<Self::SerializeStructVariant> {
        Err(Unsupported)
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        key.serialize(Key(self))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.value(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        self.key(key)?;
        self.value(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.item(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

#[cfg(test)]
#[path = "emit_tests.rs"]
mod tests;
