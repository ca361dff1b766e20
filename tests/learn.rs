//! `netpolgen learn`: the ALT_LAS round trip from a recorded Hubble export,
//! the plain CSV and JSON-lines format, `--into` on the ALT_LAS base, and
//! bad input named by file and line.

mod common;

use std::path::Path;

use common::{assert_golden, netpolgen, repo};
use netpolgen::diff::{self, Side, Unit, UnitKind};
use netpolgen::io::Disk;
use netpolgen::k8s::manifest::parse_text;
use netpolgen::learn::{self, Options};
use netpolgen::report::{Format, policies};
use netpolgen::spec::files::Memory;

const DIR: &str = "tests/testdata/learn";

fn read(path: &str) -> (String, String) {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    (path.to_string(), text)
}

fn dev() -> Options {
    Options {
        namespace: Some("alt-las-dev".into()),
        aggregate: None,
    }
}

/// One side: `policies` evaluated on the pods the export was recorded from.
fn side(label: &str, policies: &[netpolgen::k8s::NetworkPolicy]) -> Side {
    let cluster = read(&format!("{DIR}/alt-las/cluster.yaml")).1;
    let text = format!(
        "{cluster}---\n{}",
        policies::to_string(policies, Format::Yaml)
    );
    let unit = Unit {
        kind: UnitKind::Manifests,
        docs: parse_text(&text, label).unwrap(),
        model: None,
        policies: Vec::new(),
    };
    Side::build(label, &[unit]).unwrap()
}

#[test]
fn the_alt_las_export_learns_the_base_intent_plus_the_unexpected_flow() {
    let export = read(&format!("{DIR}/alt-las/hubble.json"));
    let learned = learn::from_texts(&[export], &dev(), None).unwrap();
    let ours = learn::prove(&Memory::default(), &learned, Path::new(".")).unwrap();
    let disk = Disk::new(Some(&repo()), &repo()).unwrap();
    let base = netpolgen::pipeline::render_path(&disk, &repo().join("overlays/dev")).unwrap();

    let d = diff::compare(
        &side("overlays/dev", &base.policies),
        &side("learned", &ours.policies),
        false,
    );
    let changes = |c: &[diff::FlowChange]| -> Vec<String> {
        c.iter()
            .map(|f| format!("{} -> {} {}", f.flow.from, f.flow.to, f.flow.port))
            .collect()
    };
    assert_eq!(changes(&d.connectivity.removed), Vec::<String>::new());
    assert_eq!(
        changes(&d.connectivity.added),
        ["alt-las-dev/segmentation-service -> alt-las-dev/archive-service 8002"]
    );
    assert!(d.connectivity.unchanged > 0);

    // The report names the unexpected flow, the drops and what it skipped.
    let r = &learned.report;
    assert!(
        r.flows
            .iter()
            .any(|f| f.flow == "segmentation-service-to-archive-service" && f.count == 1)
    );
    let denied: Vec<String> = r
        .seen_denied
        .iter()
        .map(|d| format!("{} -> {} {} x{}", d.from, d.to, d.port, d.count))
        .collect();
    assert_eq!(
        denied,
        [
            "api-gateway -> archive-service 8002 x1",
            "ingress-nginx -> runner-service 8080 x2"
        ]
    );
    assert_eq!(r.replies, 16);
    assert_eq!(r.dns.len(), 3);
    assert!(
        learned.set.spec.dns.is_none(),
        "default DNS servers need no spec.dns"
    );
    assert_eq!(r.unmapped.len(), 2);
    assert!(r.unmapped[0].reason.contains("reserved identity \"host\""));
}

#[test]
fn the_binary_writes_the_intent_and_the_report() {
    let out = netpolgen()
        .args(["learn", "--namespace", "alt-las-dev"])
        .arg(format!("{DIR}/alt-las/hubble.json"))
        .current_dir(repo())
        .output()
        .unwrap();
    common::assert_success(&out);
    let dir = repo().join(DIR).join("alt-las");
    assert_golden(
        &dir.join("expected.yaml"),
        &String::from_utf8(out.stdout).unwrap(),
    );
    assert_golden(
        &dir.join("report.txt"),
        &String::from_utf8(out.stderr).unwrap(),
    );
}

#[test]
fn the_namespace_is_found_when_not_given() {
    let export = read(&format!("{DIR}/alt-las/hubble.json"));
    let learned = learn::from_texts(&[export], &Options::default(), None).unwrap();
    assert_eq!(learned.report.namespace, "alt-las-dev");
    assert_eq!(learned.set.spec.environment.as_deref(), Some("dev"));
}

#[test]
fn csv_and_json_lines_learn_the_same_intent() {
    let csv = read(&format!("{DIR}/plain/flows.csv"));
    let jsonl = read(&format!("{DIR}/plain/flows.jsonl"));
    let options = Options {
        namespace: Some("shop".into()),
        aggregate: Some(24),
    };
    let a = learn::from_texts(&[csv], &options, None).unwrap();
    let b = learn::from_texts(&[jsonl], &options, None).unwrap();
    assert_eq!(learn::to_yaml(&a), learn::to_yaml(&b));
    learn::prove(&Memory::default(), &a, Path::new(".")).unwrap();
    assert_golden(
        &repo().join(DIR).join("plain/expected.yaml"),
        &learn::to_yaml(&a),
    );
    assert_eq!(a.report.seen_denied.len(), 1);
    assert_eq!(a.report.unmapped.len(), 1, "{:?}", a.report.unmapped);
}

#[test]
fn into_the_alt_las_base_adds_only_the_unexpected_flow() {
    let out = netpolgen()
        .args([
            "learn",
            "--namespace",
            "alt-las-dev",
            "--into",
            "base/netpolset.yaml",
        ])
        .arg(format!("{DIR}/alt-las/hubble.json"))
        .current_dir(repo())
        .output()
        .unwrap();
    common::assert_success(&out);
    let got = common::docs(&String::from_utf8(out.stdout).unwrap()).remove(0);
    let mut want = common::docs(&read("base/netpolset.yaml").1).remove(0);
    want["spec"]["flows"]["segmentation-service-to-archive-service"] = serde_json::json!({
        "from": "segmentation-service", "to": "archive-service", "ports": ["http"]
    });
    assert_eq!(got, want);
    let report = String::from_utf8(out.stderr).unwrap();
    assert!(
        report.contains("(flow segmentation-service-to-archive-service, new)"),
        "{report}"
    );
    assert!(
        report.contains("(flow api-gateway-to-backend-services)"),
        "{report}"
    );
}

#[test]
fn bad_input_is_named_by_file_and_line_and_writes_nothing() {
    for (case, line, want) in [
        ("truncated.json", 2, "not a JSON object: EOF while parsing"),
        ("verdict.json", 1, "flow.verdict: unknown verdict \"MAYBE\""),
        (
            "no-namespace.json",
            1,
            "flow.destination.namespace: missing",
        ),
        ("no-namespace.csv", 3, "source_namespace: missing"),
    ] {
        let out = netpolgen()
            .args(["learn", "--color", "never"])
            .arg(format!("{DIR}/bad/{case}"))
            .current_dir(repo())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{case}");
        assert!(out.stdout.is_empty(), "{case}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(want), "{case}: {stderr}");
        let at = format!("{DIR}/bad/{case}:{line}");
        assert!(stderr.contains(&at), "{case}: {stderr}");
    }
}
