//! `manifests`: a manifest stream read as `analyze` reads it, the cluster
//! built and analyzed. Never a panic; errors name the file; on small
//! clusters the class-based analysis agrees with the pair-by-pair
//! reference.

use netpolgen::analyze::{Analysis, pairwise};
use netpolgen::engine::Cluster;
use netpolgen::k8s::manifest::{from_docs, parse_text};

const FILE: &str = "fuzz.yaml";

/// Larger inputs are not read: the analysis grows with the square of the
/// workloads, and a slow run says nothing about correctness.
const MAX_BYTES: usize = 64 << 10;
const MAX_OBJECTS: usize = 64;
/// Up to this many workloads the reference is computed too.
const MAX_COMPARED: usize = 16;

pub fn run(data: &[u8]) {
    if data.len() > MAX_BYTES {
        return;
    }
    let text = super::text(data);
    let docs = match parse_text(&text, FILE) {
        Ok(docs) => docs,
        Err(errors) => return super::check_errors(&errors, Some(&[FILE])),
    };
    let m = match from_docs(&docs) {
        Ok(m) => m,
        Err(errors) => return super::check_errors(&errors, Some(&[FILE])),
    };
    if m.workloads.len() + m.policies.len() + m.tiers.len() > MAX_OBJECTS {
        return;
    }
    let cluster = Cluster::from_manifests(&m);
    let analysis = Analysis::new(&cluster);
    let counts = analysis.counts();
    if cluster.workloads.len() <= MAX_COMPARED {
        let got = analysis.connections();
        assert_eq!(
            counts.total,
            got.len() as u64,
            "counts disagree with connections"
        );
        let want = pairwise::connections(&cluster, &analysis.engine);
        assert_eq!(
            got, want,
            "the class-based analysis disagrees with the reference"
        );
    }
}
