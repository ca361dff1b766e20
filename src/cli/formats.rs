//! `-o/--output`: the one `report::Format`, restricted per command to the
//! formats its subject writes.

use clap::builder::{PossibleValuesParser, TypedValueParser};

use crate::report::Format;

/// A clap parser accepting exactly `formats`, by name.
pub fn parser(formats: &'static [Format]) -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(formats.iter().map(|f| f.name()))
        .map(|name| Format::parse(&name).expect("offered names are formats"))
}

/// `--focus` and `--direction`: what the pictures (dot, mermaid, html)
/// show; `--layout`: how the HTML report draws it.
#[derive(Debug, Clone, clap::Args)]
pub struct GraphArgs {
    /// Pictures only: what touches this workload (NS/NAME) or namespace
    /// (NS), drawn in full.
    #[arg(long, value_name = "NS/NAME|NS")]
    pub focus: Option<String>,
    /// Pictures only: one direction (default both). It decides what counts
    /// as declared, which namespaces are open, and which external traffic
    /// is drawn.
    #[arg(long, value_enum)]
    pub direction: Option<Direction>,
    /// HTML only: who lays out the picture. auto (the default): Graphviz's
    /// `dot` where installed and the picture has at most 100 nodes, else
    /// netpolgen's own; dot: Graphviz or an error; builtin: netpolgen's
    /// own. The same input and layout give the same page.
    #[arg(long, value_enum, value_name = "auto|dot|builtin")]
    pub layout: Option<super::layout::Choice>,
}

/// A direction of traffic, as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Direction {
    Ingress,
    Egress,
}

impl GraphArgs {
    /// The picture options, or a usage error when they are given for an
    /// output that draws no picture.
    pub fn options(&self, format: Format) -> Result<crate::analyze::graph::Options, String> {
        use crate::k8s::PolicyType;
        let drawn = crate::report::graph::FORMATS.contains(&format);
        if !drawn && (self.focus.is_some() || self.direction.is_some()) {
            return Err(format!(
                "--focus and --direction apply to the pictures (dot, mermaid, html), not to --output {format}"
            ));
        }
        if self.layout.is_some() && format != Format::Html {
            return Err(format!(
                "--layout applies to --output html, not to --output {format}"
            ));
        }
        Ok(crate::analyze::graph::Options {
            focus: self.focus.clone(),
            direction: self.direction.map(|d| match d {
                Direction::Ingress => PolicyType::Ingress,
                Direction::Egress => PolicyType::Egress,
            }),
        })
    }
}

impl GraphArgs {
    /// Who lays out the HTML report's picture.
    pub fn layouter(&self) -> super::layout::Layouter {
        super::layout::Layouter::new(self.layout.unwrap_or_default())
    }
}
