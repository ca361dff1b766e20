//! The lint rules, one file per concern. Each `check` reads the context
//! and appends findings; order does not matter (findings are sorted).
//!
//! Policies with `NP001` problems get no other findings: Kubernetes would
//! reject them, so what they would do is moot until they are fixed.

mod coverage;
mod dns;
mod kustomize;
mod namespaces;
mod ports;
mod selectors;
mod shadow;
mod structure;
#[cfg(test)]
mod testutil;
mod tiers;
mod windows;

use super::Finding;
use super::context::Ctx;

/// Runs every rule.
pub(super) fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    structure::check(ctx, out);
    selectors::check(ctx, out);
    namespaces::check(ctx, out);
    ports::check(ctx, out);
    dns::check(ctx, out);
    coverage::check(ctx, out);
    shadow::check(ctx, out);
    kustomize::check(ctx, out);
    tiers::check(ctx, out);
    windows::check(ctx, out);
}
