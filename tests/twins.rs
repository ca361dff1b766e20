//! The pure twins of the I/O entry points give what the binary gives: the
//! KRM function (`krm::process`) and the render pipeline
//! (`pipeline::render_path`) called in-process match the golden cases the
//! binary is held to (`tests/testdata/krm/exit-codes`,
//! `tests/testdata/render/alt-las-*`).

mod common;

use netpolgen::diag::Status;
use netpolgen::io::Disk;
use netpolgen::report::{Format, policies};

fn case(path: &str) -> std::path::PathBuf {
    common::repo().join("tests/testdata").join(path)
}

#[test]
fn krm_process_in_process_matches_the_binary_golden() {
    let dir = case("krm/exit-codes");
    let disk = Disk::new(Some(&dir), &dir).unwrap();
    for (name, status) in [("ok", Status::Ok), ("invalid", Status::Findings)] {
        let input = std::fs::read_to_string(dir.join(format!("{name}.stdin"))).unwrap();
        let want = std::fs::read_to_string(dir.join(format!("{name}.stdout"))).unwrap();
        let got = netpolgen::krm::process(&input, &disk, &dir);
        assert_eq!(got.status, status, "{name}");
        assert_eq!(got.stdout, want, "{name}");
    }
}

#[test]
fn render_pipeline_in_process_matches_the_binary_golden() {
    let root = common::repo();
    let disk = Disk::new(Some(&root), &root).unwrap();
    for env in common::ENVS {
        let r = netpolgen::pipeline::render_path(&disk, &root.join("overlays").join(env)).unwrap();
        let want = std::fs::read_to_string(case(&format!("render/alt-las-{env}/stdout"))).unwrap();
        assert_eq!(
            policies::to_string(&r.policies, Format::Yaml),
            want,
            "{env}"
        );
    }
}
