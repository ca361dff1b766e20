//! `netpolgen analyze`: an [`Analysis`] in each of its formats.

pub mod json;
pub mod md;
pub mod summary;
pub mod table;

use std::io::{self, Write};

use super::{Format, Options, unsupported};
use crate::analyze::Analysis;
use crate::analyze::graph::{self, Graph, View};

/// The formats `analyze` writes.
pub const FORMATS: [Format; 7] = [
    Format::Json,
    Format::Table,
    Format::Dot,
    Format::Mermaid,
    Format::Md,
    Format::Summary,
    Format::Html,
];

/// The pure twin of `netpolgen analyze`: documents in, report bytes out.
pub fn docs(
    docs: &[crate::k8s::manifest::Doc],
    format: Format,
    options: &Options,
) -> Result<Vec<u8>, crate::diag::Errors> {
    let m = crate::k8s::manifest::from_docs(docs)?;
    let cluster = crate::engine::Cluster::from_manifests(&m);
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(&Analysis::new(&cluster), format, options, &mut out);
    Ok(out)
}

/// Writes `analysis` in `format`. The pictures (dot, mermaid, html) follow
/// `options.graph`; a focus that names nothing is an `InvalidInput` error
/// (the command line checks it first, with [`picture`]). The HTML report
/// uses netpolgen's own layout here.
pub fn write(
    analysis: &Analysis<'_>,
    format: Format,
    options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => json::write_json(analysis, options, out),
        Format::Table => table::write_table(analysis, options, out),
        Format::Dot | Format::Mermaid | Format::Html => {
            let views = [View::new(analysis)];
            let graph = picture(&views, &options.graph)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            super::graph::write(&views, &graph, format, &mut super::graph::builtin, out)
        }
        Format::Md => md::write_md(analysis, options, out),
        Format::Summary => summary::write_summary(&analysis.summary(), analysis, out),
        other => Err(unsupported("an analysis", other)),
    }
}

/// The picture of one analysis (its one view); fails on a focus that
/// names nothing.
pub fn picture(views: &[View<'_>], options: &graph::Options) -> Result<Graph, String> {
    Graph::build(views, &["analysis"], options)
}
