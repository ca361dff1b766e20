//! Shipping rendered policies into GitOps hosts that cannot run netpolgen
//! themselves.
//!
//! - [`outdir`]: `render --out-dir` and `render --check` write and verify one
//!   committed file per environment (Flux, or any "rendered manifests" repo).
//! - [`helm`]: the Helm post-renderer, chart manifests in and the same plus
//!   the NetworkPolicies out.
//!
//! Argo CD (the `plugin.yaml` Config Management Plugin) and kpt need no code
//! of their own: they call the existing render modes.

pub mod helm;
pub mod outdir;

pub use crate::pipeline::{Rendered, render_path};
