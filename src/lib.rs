//! netpolgen: Kubernetes NetworkPolicies from a declared intent, rendered
//! through templates and verified to allow exactly the declared flows.
//!
//! The render pipeline is `load -> spec -> model -> render -> verify ->
//! emit`; [`engine`] evaluates NetworkPolicies on its own and knows nothing
//! of templates.

pub mod analyze;
#[doc(hidden)]
pub mod cli;
pub mod diag;
pub mod diff;
pub mod engine;
pub mod gitops;
pub mod io;
pub mod k8s;
pub mod krm;
pub mod learn;
pub mod lint;
pub mod model;
pub mod parallel;
pub mod pipeline;
pub mod probe;
pub mod proof;
pub mod render;
pub mod report;
pub mod spec;
pub mod verify;
