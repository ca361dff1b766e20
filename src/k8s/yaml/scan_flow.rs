//! One-line flow collections (`{a: 1}`, `[x, y]`) for the line reader.

use serde_json::{Map, Value};
use serde_saphyr::granit_parser::ScalarStyle;

use super::{MAX_DEPTH, indicator, plain_dash, quoted, scalar};

/// A one-line flow collection.
pub(super) struct Flow<'a> {
    pub(super) s: &'a str,
    pub(super) i: usize,
}

impl<'a> Flow<'a> {
    pub(super) fn finish(mut self) -> Option<(Value, &'a str)> {
        let v = self.node(0)?;
        Some((v, self.s[self.i..].trim_start_matches(' ')))
    }

    fn byte(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn spaces(&mut self) {
        while self.byte() == Some(b' ') {
            self.i += 1;
        }
    }

    fn node(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.spaces();
        match self.byte()? {
            b'{' => {
                self.i += 1;
                let mut map = Map::new();
                if self.empty(b'}') {
                    return Some(Value::Object(map));
                }
                loop {
                    let key = match self.node(depth + 1)? {
                        Value::String(k) => k,
                        _ => return None,
                    };
                    if self.byte()? != b':' || self.s.as_bytes().get(self.i + 1) != Some(&b' ') {
                        return None;
                    }
                    self.i += 2;
                    let value = self.node(depth + 1)?;
                    if map.insert(key, value).is_some() {
                        return None;
                    }
                    if self.close(b'}')? {
                        return Some(Value::Object(map));
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if self.empty(b']') {
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.node(depth + 1)?);
                    if self.close(b']')? {
                        return Some(Value::Array(items));
                    }
                }
            }
            b'"' | b'\'' => {
                let (s, rest) = quoted(&self.s[self.i..])?;
                self.i = self.s.len() - rest.len();
                self.spaces();
                Some(Value::String(s))
            }
            b if indicator(b) && !plain_dash(&self.s[self.i..]) => None,
            _ => {
                let start = self.i;
                let b = self.s.as_bytes();
                while let Some(&c) = b.get(self.i) {
                    if matches!(c, b',' | b'[' | b']' | b'{' | b'}' | b':' | b'#') {
                        break;
                    }
                    self.i += 1;
                }
                let text = &self.s[start..self.i];
                if text.ends_with(' ') || self.byte() == Some(b'#') {
                    return None;
                }
                scalar(text, ScalarStyle::Plain, false)
            }
        }
    }

    /// Right after an opening bracket: the closing one, consumed.
    fn empty(&mut self, close: u8) -> bool {
        self.spaces();
        let empty = self.byte() == Some(close);
        if empty {
            self.i += 1;
        }
        empty
    }

    /// After an item: `,` (then `false`) or the closing `close` (`true`).
    fn close(&mut self, close: u8) -> Option<bool> {
        self.spaces();
        let c = self.byte()?;
        self.i += 1;
        if c == close {
            return Some(true);
        }
        if c != b',' {
            return None;
        }
        self.spaces();
        // `[a, ]`: a trailing comma is left to the other readers.
        (!matches!(self.byte()?, b']' | b'}' | b',')).then_some(false)
    }
}
