//! JSON: the data as it is, pretty-printed, one trailing newline.

use serde::Serialize;

pub fn to_string<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("diff data is plain data");
    s.push('\n');
    s
}
