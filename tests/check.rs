//! `netpolgen check`: one question answered with the deciding evidence.
//! Explanations for the ALT_LAS prod overlay are pinned as golden cases in
//! `tests/testdata/check/alt-las-prod/` (run by `tests/cases.rs`).

mod common;

use common::*;

const ALT_LAS: &str = "tests/testdata/analyze/alt-las-prod";
const CORNERS: &str = "tests/testdata/analyze/corners";

/// Runs `check` on `dir`; returns (exit code, stdout, stderr).
fn check(dir: &str, args: &[&str]) -> (i32, String, String) {
    let out = netpolgen()
        .arg("check")
        .arg(dir)
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
#[test]
fn ingress_nginx_to_api_gateway_is_allowed_by_its_policy() {
    let (code, out, err) = check(
        ALT_LAS,
        &[
            "--from",
            "ingress-nginx/ingress-nginx-controller",
            "--to",
            "alt-las-prod/api-gateway",
            "--port",
            "3000",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with(
        "ALLOWED: ingress-nginx/ingress-nginx-controller -> alt-las-prod/api-gateway on 3000/TCP\n"
    ));
    assert!(
        out.contains("Admitted on 3000/TCP by:\n    alt-las-prod/allow-ingress-to-api-gateway-prod spec.ingress[0].from[0]\n"),
        "{out}"
    );
    assert!(out.contains("No NetworkPolicy in ingress-nginx selects ingress-nginx/ingress-nginx-controller for egress"));
    // A port name of the destination means the same port.
    let (code, by_name, _) = check(
        ALT_LAS,
        &[
            "--from",
            "ingress-nginx/ingress-nginx-controller",
            "--to",
            "alt-las-prod/api-gateway",
            "--port",
            "http",
        ],
    );
    assert_eq!((code, by_name), (0, out));
}

#[test]
fn test_pod_to_archive_is_denied_by_the_default_deny() {
    let (code, out, err) = check(
        ALT_LAS,
        &[
            "--from",
            "alt-las-prod/test-pod",
            "--to",
            "alt-las-prod/archive-service",
            "--port",
            "http",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with(
        "DENIED: alt-las-prod/test-pod -> alt-las-prod/archive-service on 8002/TCP\n"
    ));
    assert!(
        out.contains("Ingress at alt-las-prod/archive-service: denied."),
        "{out}"
    );
    assert!(
        out.contains("    alt-las-prod/default-deny-ingress-prod\n      no ingress rules: admits no ingress at all\n"),
        "{out}"
    );
    assert!(out.contains("No rule of these policies admits alt-las-prod/test-pod on 8002/TCP."));
}

#[test]
fn prometheus_scrapes_by_the_named_metrics_port() {
    let (code, out, _) = check(
        ALT_LAS,
        &[
            "--from",
            "monitoring/prometheus",
            "--to",
            "alt-las-prod/runner-service",
            "--port",
            "metrics",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("on 9090/TCP"));
    assert!(out.contains("alt-las-prod/allow-monitoring-prod spec.ingress[0].from[0]"));
    // The gateway may not scrape it.
    let (code, out, _) = check(
        ALT_LAS,
        &[
            "--from",
            "alt-las-prod/api-gateway",
            "--to",
            "alt-las-prod/runner-service",
            "--port",
            "9090",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("The rules admit alt-las-prod/api-gateway here on: 8000/TCP, 8080/TCP."),
        "{out}"
    );
}

#[test]
fn external_addresses() {
    let (code, out, _) = check(
        ALT_LAS,
        &[
            "--from",
            "external:203.0.113.7",
            "--to",
            "alt-las-prod/api-gateway",
            "--port",
            "3000",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("external:203.0.113.7 is outside the cluster"),
        "{out}"
    );
    let (code, out, _) = check(
        ALT_LAS,
        &[
            "--from",
            "external:0.0.0.0/0",
            "--to",
            "ingress-nginx/ingress-nginx-controller",
            "--port",
            "https",
        ],
    );
    assert_eq!(code, 0, "{out}");
    // Egress to an ipBlock, with a port range.
    let (code, out, _) = check(
        CORNERS,
        &[
            "--from",
            "shop/report",
            "--to",
            "external:192.168.7.1",
            "--port",
            "8050",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("shop/report-egress spec.egress[1].to[0]"),
        "{out}"
    );
    let (code, _, _) = check(
        CORNERS,
        &[
            "--from",
            "shop/report",
            "--to",
            "external:192.168.0.0/16",
            "--port",
            "443",
        ],
    );
    assert_eq!(code, 0);
    let (code, out, _) = check(
        CORNERS,
        &[
            "--from",
            "shop/report",
            "--to",
            "external:10.0.0.1",
            "--port",
            "443",
        ],
    );
    assert_eq!(code, 1, "{out}");
    // Part of a range: 10.0.0.0/8 is carved out of the web's ipBlock.
    let (code, out, _) = check(
        CORNERS,
        &[
            "--from",
            "external:0.0.0.0/0",
            "--to",
            "shop/web",
            "--port",
            "http",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Only part of external:0.0.0.0/0 is admitted on 8080/TCP, by:\n    shop/web spec.ingress[0].from[0]"), "{out}");
    let (code, _, _) = check(
        CORNERS,
        &[
            "--from",
            "external:8.8.8.8",
            "--to",
            "shop/web",
            "--port",
            "http",
        ],
    );
    assert_eq!(code, 0);
}

#[test]
fn egress_and_protocols() {
    // DNS over UDP is allowed by allow-dns; the port name needs --protocol
    // only when it is ambiguous.
    let (code, out, _) = check(
        CORNERS,
        &[
            "--from",
            "shop/db",
            "--to",
            "kube-system/coredns",
            "--port",
            "53",
            "--protocol",
            "UDP",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("shop/allow-dns spec.egress[0].to[0]"), "{out}");
    let (code, out, _) = check(
        CORNERS,
        &[
            "--from",
            "shop/db",
            "--to",
            "kube-system/coredns",
            "--port",
            "53",
            "--protocol",
            "SCTP",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Egress at shop/db: denied."), "{out}");
    let (code, out, _) = check(
        CORNERS,
        &[
            "--from",
            "shop/web",
            "--to",
            "shop/cache",
            "--port",
            "redis",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("shop/web spec.egress[0].to[0]")
            && out.contains("shop/data spec.ingress[0].from[0]"),
        "{out}"
    );
}

#[test]
fn errors_exit_2_and_say_why() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--from",
                "alt-las-prod/nope",
                "--to",
                "alt-las-prod/api-gateway",
                "--port",
                "3000",
            ],
            "no workload of that name",
        ),
        (
            &[
                "--from",
                "alt-las-prod/test-pod",
                "--to",
                "alt-las-prod/api-gateway",
                "--port",
                "grpc",
            ],
            "its named ports: http (3000/TCP), metrics (9090/TCP)",
        ),
        (
            &[
                "--from",
                "external:1.2.3.4",
                "--to",
                "external:10.0.0.0/8",
                "--port",
                "80",
            ],
            "both external",
        ),
        (
            &[
                "--from",
                "external:1.2.3",
                "--to",
                "alt-las-prod/api-gateway",
                "--port",
                "80",
            ],
            "expected external:CIDR",
        ),
        (
            &[
                "--from",
                "alt-las-prod/test-pod",
                "--to",
                "alt-las-prod/api-gateway",
                "--port",
                "3000",
                "--protocol",
                "ICMP",
            ],
            "expected TCP, UDP or SCTP",
        ),
        (
            &[
                "--from",
                "alt-las-prod/test-pod",
                "--to",
                "external:10.0.0.1",
                "--port",
                "http",
            ],
            "give a number",
        ),
        (
            &[
                "--from",
                "alt-las-prod/test-pod",
                "--to",
                "alt-las-prod/api-gateway",
                "--port",
                "70000",
            ],
            "not a port; use 1-65535",
        ),
        (
            &[
                "--from",
                "a/b/c/d",
                "--to",
                "alt-las-prod/api-gateway",
                "--port",
                "3000",
            ],
            "NAMESPACE/NAME",
        ),
    ];
    for (args, message) in cases {
        let (code, out, err) = check(ALT_LAS, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let (code, _, err) = check(
        "tests/testdata/analyze/missing.yaml",
        &["--from", "a/b", "--to", "a/c", "--port", "1"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("missing.yaml"), "{err}");
}

#[test]
fn ambiguous_names_take_a_kind() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.yaml");
    std::fs::write(
        &file,
        "kind: Deployment\nmetadata: {name: app, namespace: ns}\nspec: {template: {metadata: {labels: {a: d}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}}\n---\nkind: CronJob\nmetadata: {name: app, namespace: ns}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: {a: c}}, spec: {containers: [{name: c}]}}}}}\n",
    )
    .unwrap();
    let run = |from: &str| {
        let out = netpolgen()
            .arg("check")
            .arg(&file)
            .args(["--from", from, "--to", "ns/Deployment/app", "--port", "80"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run("ns/app");
    assert_eq!(code, Some(2));
    assert!(err.contains("ambiguous (Deployment, CronJob)"), "{err}");
    assert_eq!(run("ns/cronjob/app").0, Some(0));
}
