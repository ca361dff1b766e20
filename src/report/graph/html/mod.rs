//! `--output html`: one self-contained page.

use std::io::{self, Write};

use crate::analyze::graph::{Graph, View};

/// Writes the page.
pub fn write(_views: &[View<'_>], _graph: &Graph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<!doctype html>")
}
