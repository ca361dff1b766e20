//! `--layout auto|dot|builtin`: who lays out the HTML report's picture.
//! Graphviz runs here, on the source the report module writes; the SVG
//! goes back to it to be inlined.

use std::time::Duration;

use crate::analyze::graph::Graph;
use crate::io::graphviz;
use crate::report::graph::{dot, html};

/// How long `dot` may take before the report does without it.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The most nodes `auto` gives to dot: beyond that, dot stacks the
/// namespaces into one very long column, and netpolgen's own grid of
/// namespaces reads better.
pub const AUTO_DOT_MAX_NODES: usize = 100;

/// `--layout`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    /// Graphviz where installed and the picture has at most 100 nodes,
    /// else netpolgen's own.
    // 100: AUTO_DOT_MAX_NODES.
    #[default]
    Auto,
    /// Graphviz, or an error.
    Dot,
    /// netpolgen's own.
    Builtin,
}

/// Chooses the picture, and keeps the note for stderr when `auto` does
/// without Graphviz.
#[derive(Debug)]
pub struct Layouter {
    choice: Choice,
    /// `note: ...` lines for stderr.
    pub notes: String,
}

impl Layouter {
    pub fn new(choice: Choice) -> Layouter {
        Layouter {
            choice,
            notes: String::new(),
        }
    }

    /// The picture of `g`; an error only for `--layout dot`.
    pub fn picture(&mut self, g: &Graph) -> Result<html::Picture, String> {
        if self.choice == Choice::Builtin {
            return Ok(html::Picture::Builtin);
        }
        if self.choice == Choice::Auto && g.nodes.len() > AUTO_DOT_MAX_NODES {
            self.notes.push_str(&format!(
                "note: the picture has {} nodes, more than dot lays out readably ({AUTO_DOT_MAX_NODES}); the HTML report is laid out by netpolgen (--layout dot to use dot anyway)\n",
                g.nodes.len()
            ));
            return Ok(html::Picture::Builtin);
        }
        let source = dot::for_layout(g);
        let svg = graphviz::svg(&source, TIMEOUT)
            .map_err(|e| e.to_string())
            .and_then(|svg| html::prepare(g, &svg));
        match svg {
            Ok(svg) => Ok(html::Picture::Dot(svg)),
            Err(e) if self.choice == Choice::Dot => Err(format!("--layout dot: {e}")),
            Err(e) => {
                self.notes.push_str(&format!(
                    "note: {e}; the HTML report is laid out by netpolgen instead (--layout builtin chooses that without this note)\n"
                ));
                Ok(html::Picture::Builtin)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_help_and_docs_name_the_node_limit() {
        // The --layout help (here and in formats.rs) and docs/pictures.md
        // say 100; change them with the constant.
        assert_eq!(super::AUTO_DOT_MAX_NODES, 100);
    }
}
