//! `netpolgen analyze`: an [`Analysis`] in each of its formats.

pub mod dot;
pub mod json;
pub mod md;
pub mod mermaid;
pub mod summary;
pub mod table;

use std::io::{self, Write};

use super::{Format, Options, unsupported};
use crate::analyze::Analysis;

/// The formats `analyze` writes.
pub const FORMATS: [Format; 6] = [
    Format::Json,
    Format::Table,
    Format::Dot,
    Format::Mermaid,
    Format::Md,
    Format::Summary,
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

/// Writes `analysis` in `format`.
pub fn write(
    analysis: &Analysis<'_>,
    format: Format,
    options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => json::write_json(analysis, options, out),
        Format::Table => table::write_table(analysis, options, out),
        Format::Dot => dot::write_dot(analysis, out),
        Format::Mermaid => mermaid::write_mermaid(analysis, out),
        Format::Md => md::write_md(analysis, options, out),
        Format::Summary => summary::write_summary(&analysis.summary(), analysis, out),
        other => Err(unsupported("an analysis", other)),
    }
}
