//! Shipping rendered policies into GitOps hosts, as data; the commands do the
//! reading and writing.
//!
//! - [`argocd`]: the Argo CD Config Management Plugin's decisions;
//! - [`outdir`]: `render --out-dir` and `render --check`, one committed
//!   file per environment (Flux, or any "rendered manifests" repository);
//! - [`helm`]: the Helm post-renderer, chart manifests in and the same plus
//!   the NetworkPolicies out.
//!
//! kpt needs no code of its own: it calls the KRM function.

pub mod argocd;
pub mod helm;
pub mod outdir;
