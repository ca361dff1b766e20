//! Connectivity analysis of any manifests: who can reach whom, and why.

pub mod pairwise;
