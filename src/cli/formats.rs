//! `-o/--output`: the one `report::Format`, restricted per command to the
//! formats its subject writes.

use clap::builder::{PossibleValuesParser, TypedValueParser};

use crate::report::Format;

/// A clap parser accepting exactly `formats`, by name.
pub fn parser(formats: &'static [Format]) -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(formats.iter().map(|f| f.name()))
        .map(|name| Format::parse(&name).expect("offered names are formats"))
}
