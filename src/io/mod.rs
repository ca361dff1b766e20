//! The only filesystem, stdin, process and git code of the crate.
//!
//! Everything below works on data; these modules fetch the data and write
//! the results: [`Disk`] serves the configuration stages (confined to the
//! repository root), [`manifests`] reads manifests for analysis,
//! [`git`] extracts revisions, [`graphviz`] lays out pictures, [`kustomize`] runs builds, [`outdir`]
//! writes rendered files, [`plugin`] installs the exec plugin, [`sides`]
//! reads the sides of a diff.

mod disk;
pub mod flows;
pub mod git;
pub mod graphviz;
pub mod kustomize;
pub mod manifests;
pub mod net;
pub mod outdir;
pub mod plugin;
pub mod sides;
mod stdin;
mod tmp;

use crate::diag::Errors;

/// Why something could not be produced: the input is wrong (status 1), or
/// it could not be read or run at all (status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Input(Errors),
    Io(Errors),
}

impl Failure {
    /// The errors, whichever kind.
    pub fn errors(&self) -> &Errors {
        match self {
            Failure::Input(e) | Failure::Io(e) => e,
        }
    }
}

pub use disk::{Disk, MAX_FILE_BYTES, find_root, read_regular};
pub use stdin::{read_stdin, stdin_is_terminal};
pub use tmp::TempDir;
