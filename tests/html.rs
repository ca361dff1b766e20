//! `analyze -o html` and `diff -o html` in a real browser: headless
//! Chromium loads the page (with `#test-click=KEY`, which clicks that
//! element on load), and the tests read the DOM it dumps after the script
//! ran: the nodes, the matrix cells, the explanation in the panel. A
//! screenshot of each page is left under `target/html-report/`.
//!
//! The page's picture is laid out by Graphviz's `dot` where installed
//! (`--layout auto`, the default) or by netpolgen (`--layout builtin`);
//! the tests pin the layout they look at, and check that `auto` falls back
//! when `dot` is not on PATH.
//!
//! Without Chromium (or `dot`, for the dot layout) the browser tests say
//! so and return, except under `NETPOLGEN_REQUIRE_TOOLS` (CI), where they
//! fail.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{missing, netpolgen, ok, repo, require_tool};

const PROD: &str = "tests/testdata/analyze/alt-las-prod";

/// The browser: Debian's package installs `chromium`.
const CHROMIUM: &str = "chromium";

/// Graphviz's layout program.
const DOT: &str = "dot";

/// The prod key the click tests use.
const GATEWAY_TO_ORCHESTRATOR: &str =
    "alt-las-prod/api-gateway->alt-las-prod/ai-orchestrator:unchanged:declared";

fn page(args: &[&str], dir: &Path) -> String {
    let mut cmd = netpolgen();
    cmd.args(args).current_dir(dir);
    ok(cmd)
}

fn diff_page(dir: &Path, layout: &str) -> String {
    let mut cmd = netpolgen();
    cmd.args(["diff", "../../../../overlays/prod", "after", "-o", "html"])
        .args(["--layout", layout])
        .current_dir(dir);
    let out = cmd.output().unwrap();
    // 1: the two sides differ.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Where the page and its screenshot are kept: `target/html-report/`.
fn out_dir() -> PathBuf {
    let dir = repo().join("target/html-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn chromium(args: &[&str]) -> String {
    let out = Command::new(require_tool(CHROMIUM))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1400,1000",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Writes `html` as `name.html`, screenshots it as `name.png`, and returns
/// the DOM after a click on `key`.
fn load(name: &str, html: &str, key: &str) -> String {
    let dir = out_dir();
    let file = dir.join(format!("{name}.html"));
    std::fs::write(&file, html).unwrap();
    let url = format!("file://{}", file.display());
    let shot = dir.join(format!("{name}.png"));
    chromium(&[&format!("--screenshot={}", shot.display()), &url]);
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG"),
        "no screenshot at {}",
        shot.display()
    );
    chromium(&["--dump-dom", &format!("{url}#test-click={key}")])
}

/// The text of the first `<pre class="explanation">` in `dom`, unescaped.
fn explanation(dom: &str) -> String {
    let start = dom
        .find("<pre class=\"explanation\">")
        .unwrap_or_else(|| panic!("no explanation in the panel:\n{}", panel(dom)));
    let rest = &dom[start + "<pre class=\"explanation\">".len()..];
    let text = &rest[..rest.find("</pre>").unwrap()];
    text.replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&")
}

fn panel(dom: &str) -> &str {
    let start = dom.find("<aside id=\"panel\">").expect("a panel");
    &dom[start..]
}

fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

#[test]
fn prod_page_draws_the_classes_and_explains_an_edge_on_click() {
    if missing(&[CHROMIUM]) {
        return;
    }
    let html = page(
        &["analyze", ".", "-o", "html", "--layout", "builtin"],
        &repo().join(PROD),
    );
    let key = GATEWAY_TO_ORCHESTRATOR;
    let dom = load("alt-las-prod", &html, key);
    assert!(dom.contains("<svg id=\"graph\" class=\"builtin\""));
    assert!(dom.contains("data-ready=\"1\""), "the script did not run");
    assert!(
        dom.contains(&format!("data-clicked=\"{}\"", key.replace('>', "&gt;"))),
        "the click found no element"
    );
    for node in [
        "api-gateway",
        "ai-orchestrator",
        "runner-service",
        "segmentation-service",
        "archive-service",
    ] {
        let want = format!("class=\"node class\" data-key=\"alt-las-prod/{node}\"");
        assert!(dom.contains(&want), "no node {node}");
    }
    for open in ["ingress-nginx", "monitoring", "kube-system"] {
        let want = format!("class=\"node open\" data-key=\"ns:{open}\"");
        assert!(dom.contains(&want), "no open node {open}");
    }
    // Four namespaces and external: a 5 x 5 matrix less external to itself.
    assert_eq!(count(&dom, "data-key=\"cell:"), 24);
    assert!(dom.contains("data-key=\"cell:ingress-nginx&gt;alt-las-prod\""));
    assert!(
        dom.contains("class=\"edge declared selected\""),
        "the edge is not selected"
    );
    let text = explanation(&dom);
    assert!(
        text.starts_with(
            "ALLOWED: alt-las-prod/api-gateway -> alt-las-prod/ai-orchestrator on 8000/TCP"
        ),
        "{text}"
    );
    assert!(
        text.contains("allow-api-gateway-to-backend-services-prod"),
        "the deciding policy is not named:\n{text}"
    );
}

#[test]
fn a_matrix_cell_explains_its_connections_and_one_it_denies() {
    if missing(&[CHROMIUM]) {
        return;
    }
    let html = page(
        &["analyze", ".", "-o", "html", "--layout", "builtin"],
        &repo().join(PROD),
    );
    let dom = load("alt-las-prod-cell", &html, "cell:alt-las-prod>alt-las-prod");
    let p = panel(&dom);
    assert!(p.contains("alt-las-prod -&gt; alt-las-prod: 5"), "{p}");
    assert!(p.contains("denied, for example"), "{p}");
    assert!(p.contains("DENIED: "), "{p}");
    assert!(dom.contains("class=\"cell declared selected\""));
}

#[test]
fn diff_page_colours_changes_and_explains_both_sides() {
    if missing(&[CHROMIUM]) {
        return;
    }
    let dir = repo().join("tests/testdata/diff/alt-las-prod");
    let html = diff_page(&dir, "builtin");
    let dom = load("diff-alt-las-prod", &html, "cell:alt-las-prod>external");
    assert!(dom.contains("class=\"edge open added\""), "no added edge");
    assert!(
        dom.contains("class=\"cell added selected\""),
        "the cell is not added"
    );
    let p = panel(&dom);
    assert!(p.contains("b: after"), "{p}");
    assert!(p.contains("not on this side") || p.contains("a: "), "{p}");
}

/// The Cilium overlay, on netpolgen's layout.
fn cilium_page() -> String {
    page(
        &[
            "analyze",
            "overlays/prod-cilium",
            "-o",
            "html",
            "--layout",
            "builtin",
        ],
        &repo(),
    )
}

/// A click on a connection of a CiliumNetworkPolicy render shows what
/// `check` prints for it, word for word: the deciding Cilium policies,
/// their rules and the HTTP rules on the port.
#[test]
fn cilium_edge_explains_the_cilium_policies_and_their_http_rules() {
    if missing(&[CHROMIUM]) {
        return;
    }
    let dom = load("prod-cilium", &cilium_page(), GATEWAY_TO_ORCHESTRATOR);
    assert!(
        dom.contains("class=\"edge declared selected\""),
        "the edge is not selected"
    );
    let text = explanation(&dom);
    let mut cmd = netpolgen();
    cmd.args(["check", "overlays/prod-cilium"])
        .args(["--from", "alt-las-prod/api-gateway"])
        .args(["--to", "alt-las-prod/ai-orchestrator", "--port", "8000"])
        .current_dir(repo());
    let check = ok(cmd);
    assert_eq!(text.trim_end(), check.trim_end());
    for want in [
        "CiliumNetworkPolicy/alt-las-prod/allow-api-gateway-to-ai-orchestrator-prod",
        "CiliumNetworkPolicy/alt-las-prod/allow-api-gateway-to-ai-orchestrator-egress-prod",
        "L7: Cilium's proxy passes only the HTTP requests matching one of these rules:",
        "POST /api/v1/jobs  (CiliumNetworkPolicy/alt-las-prod/allow-api-gateway-to-ai-orchestrator-prod spec.ingress[0].fromEndpoints[0])",
        "GET /api/v1/models",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
}

/// A node of a Cilium render names the Cilium policies isolating it with
/// their rules, and the `toFQDNs` names whose addresses DNS decides.
#[test]
fn cilium_node_names_its_policies_and_the_fqdn_caveat() {
    if missing(&[CHROMIUM]) {
        return;
    }
    let dom = load(
        "prod-cilium-node",
        &cilium_page(),
        "alt-las-prod/archive-service",
    );
    let p = panel(&dom).replace("&gt;", ">");
    for want in [
        "It is isolated for ingress by 3 policies:",
        "CiliumNetworkPolicy/alt-las-prod/allow-runner-service-to-archive-service-prod",
        "It is isolated for egress by 3 policies:",
        "spec.egress[0]: to FQDN matchPattern *.objects.example.com, on 443/TCP",
        "Depends on DNS at run time",
        "matchPattern *.objects.example.com on 443/TCP  (CiliumNetworkPolicy/alt-las-prod/allow-archive-service-to-object-storage-prod spec.egress[0].toFQDNs[0])",
    ] {
        assert!(p.contains(want), "no {want:?} in:\n{p}");
    }
    assert!(!p.contains("by 0 policies"), "{p}");
}

/// A matrix cell of a Cilium render explains its connections with the
/// Cilium policies, and the connection it denies with them too.
#[test]
fn cilium_cell_explains_with_the_cilium_policies() {
    if missing(&[CHROMIUM]) {
        return;
    }
    let dom = load(
        "prod-cilium-cell",
        &cilium_page(),
        "cell:alt-las-prod>alt-las-prod",
    );
    let p = panel(&dom).replace("&gt;", ">");
    for want in [
        "alt-las-prod/api-gateway -> alt-las-prod/runner-service: 8080/TCP",
        "POST /api/v1/runs  (CiliumNetworkPolicy/alt-las-prod/allow-api-gateway-to-runner-service-prod spec.ingress[0].fromEndpoints[0])",
        "denied, for example",
        "DENIED: ",
        "CiliumNetworkPolicy/alt-las-prod/default-deny-ingress-prod",
    ] {
        assert!(p.contains(want), "no {want:?} in:\n{p}");
    }
}

/// 500 workloads in 20 namespaces, each namespace isolated for ingress
/// and open from the previous one on one port.
fn large_cluster() -> String {
    let mut y = String::new();
    for n in 0..20 {
        let ns = format!("team-{n:02}");
        for w in 0..25 {
            let _ = write!(
                y,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: svc-{w:02}, namespace: {ns}}}\nspec:\n  selector: {{matchLabels: {{app: svc-{w:02}}}}}\n  template:\n    metadata: {{labels: {{app: svc-{w:02}, tier: t{}}}}}\n    spec:\n      containers:\n      - name: c\n        image: x\n        ports: [{{containerPort: 8080}}, {{containerPort: 9090}}]\n",
                w % 5
            );
        }
        let prev = format!("team-{:02}", (n + 19) % 20);
        let _ = write!(
            y,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: from-{prev}, namespace: {ns}}}\nspec:\n  podSelector: {{matchLabels: {{tier: t{}}}}}\n  ingress:\n  - from:\n    - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {prev}}}}}\n      podSelector: {{matchLabels: {{tier: t0}}}}\n    ports: [{{port: 8080}}]\n",
            n % 5
        );
    }
    y
}

#[test]
fn five_hundred_workloads_give_a_page_the_browser_draws() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.yaml"), large_cluster()).unwrap();
    let started = std::time::Instant::now();
    let html = page(
        &[
            "analyze",
            "cluster.yaml",
            "-o",
            "html",
            "--layout",
            "builtin",
        ],
        dir.path(),
    );
    let took = started.elapsed();
    assert!(took.as_secs() < 60, "analyze -o html took {took:?}");
    assert!(html.len() < 8 << 20, "the page is {} bytes", html.len());
    // The services differ in `app`, which no policy reads, and in five
    // `tier` values, which the policies name: one class per tier and
    // namespace.
    assert!(
        html.contains("500 workloads; 20 namespaces, 100 classes"),
        "{}",
        &html[..2000]
    );
    // auto leaves a picture this large to netpolgen's layout, dot or not.
    let mut cmd = netpolgen();
    cmd.args(["analyze", "cluster.yaml", "-o", "html"])
        .current_dir(dir.path());
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stdout == html.as_bytes(),
        "auto did not give the builtin layout"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("more than dot lays out readably"),
        "{stderr}"
    );
    if missing(&[CHROMIUM]) {
        return;
    }
    let key = "cell:team-00>team-01";
    let dom = load("five-hundred", &html, key);
    assert!(dom.contains("data-ready=\"1\""), "the script did not run");
    assert!(dom.contains(&format!("data-clicked=\"{}\"", key.replace('>', "&gt;"))));
    // 20 x 20 namespaces plus external: every cell is drawn.
    assert!(count(&dom, "data-key=\"cell:") >= 400);
    assert!(
        count(&dom, "class=\"cluster") == 20,
        "one cluster per namespace"
    );
    assert!(panel(&dom).contains("team-00/"), "{}", panel(&dom));
}

/// Same input, same page.
#[test]
fn the_page_is_the_same_bytes_every_time() {
    let dir = repo().join(PROD);
    let a = page(&["analyze", ".", "-o", "html", "--layout", "builtin"], &dir);
    let b = page(&["analyze", ".", "-o", "html", "--layout", "builtin"], &dir);
    assert_eq!(a, b);
    // Nothing fetched: no src=, no href= to anywhere, no @import.
    for bad in [" src=", " href=", "@import", "https://"] {
        assert!(!a.contains(bad), "the page refers to {bad}");
    }
}

/// Every `data-key` of a page, sorted.
fn keys(html: &str) -> Vec<String> {
    let mut keys: Vec<String> = html
        .split("data-key=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect();
    keys.sort();
    keys
}

#[test]
fn dot_layout_draws_the_classes_and_explains_an_edge_on_click() {
    if missing(&[CHROMIUM, DOT]) {
        return;
    }
    let dir = repo().join(PROD);
    let html = page(&["analyze", ".", "-o", "html", "--layout", "dot"], &dir);
    assert!(
        html.contains("<svg id=\"graph\" class=\"dot\""),
        "not dot's layout"
    );
    // Inlined: no prolog, doctype, comments or version of Graphviz.
    for bad in ["<?xml", "DOCTYPE svg", "<!--", "graphviz", "xlink"] {
        assert!(!html.contains(bad), "the page holds {bad}");
    }
    for bad in [" src=", " href=", "@import", "https://"] {
        assert!(!html.contains(bad), "the page refers to {bad}");
    }
    // The same things to click as on the builtin layout.
    let builtin = page(&["analyze", ".", "-o", "html", "--layout", "builtin"], &dir);
    assert_eq!(keys(&html), keys(&builtin));
    assert_eq!(
        html,
        page(&["analyze", ".", "-o", "html", "--layout", "dot"], &dir),
        "dot's layout is not the same bytes every time"
    );

    let key = GATEWAY_TO_ORCHESTRATOR;
    let dom = load("alt-las-prod-dot", &html, key);
    assert!(dom.contains("data-ready=\"1\""), "the script did not run");
    assert!(
        dom.contains(&format!("data-clicked=\"{}\"", key.replace('>', "&gt;"))),
        "the click found no element"
    );
    for node in ["api-gateway", "ai-orchestrator", "archive-service"] {
        let want = format!("class=\"node class\" data-key=\"alt-las-prod/{node}\"");
        assert!(dom.contains(&want), "no node {node}");
    }
    assert!(dom.contains("class=\"node open\" data-key=\"ns:monitoring\""));
    assert!(dom.contains("class=\"cluster\" data-key=\"cluster:alt-las-prod\""));
    assert!(dom.contains("class=\"edge declared selected\""));
    assert_eq!(count(&dom, "data-key=\"cell:"), 24);
    let text = explanation(&dom);
    assert!(
        text.starts_with(
            "ALLOWED: alt-las-prod/api-gateway -> alt-las-prod/ai-orchestrator on 8000/TCP"
        ),
        "{text}"
    );
    assert!(
        text.contains("allow-api-gateway-to-backend-services-prod"),
        "{text}"
    );
}

#[test]
fn dot_layout_of_a_diff_colours_changes() {
    if missing(&[CHROMIUM, DOT]) {
        return;
    }
    let dir = repo().join("tests/testdata/diff/alt-las-prod");
    let html = diff_page(&dir, "dot");
    assert!(
        html.contains("<svg id=\"graph\" class=\"dot\""),
        "not dot's layout"
    );
    assert_eq!(keys(&html), keys(&diff_page(&dir, "builtin")));
    let dom = load("diff-alt-las-prod-dot", &html, "cell:alt-las-prod>external");
    assert!(dom.contains("class=\"edge open added\""), "no added edge");
    assert!(panel(&dom).contains("b: after"), "{}", panel(&dom));
}

/// `auto` without `dot` on PATH: netpolgen's layout, the same page as
/// `--layout builtin`, and a note; `--layout dot` fails naming `dot`.
#[test]
fn auto_falls_back_when_dot_is_not_on_path() {
    let empty = tempfile::tempdir().unwrap();
    let run = |layout: &[&str]| {
        let mut cmd = netpolgen();
        cmd.args(["analyze", ".", "-o", "html"])
            .args(layout)
            .env("PATH", empty.path())
            .current_dir(repo().join(PROD));
        cmd.output().unwrap()
    };
    let auto = run(&[]);
    assert!(auto.status.success(), "{auto:?}");
    let builtin = run(&["--layout", "builtin"]);
    assert!(builtin.stderr.is_empty(), "{builtin:?}");
    assert!(
        auto.stdout == builtin.stdout,
        "auto without dot is not the builtin layout"
    );
    let note = String::from_utf8_lossy(&auto.stderr);
    assert!(
        note.contains("note: `dot` (Graphviz) is not installed or not on PATH"),
        "{note}"
    );
    let html = String::from_utf8(auto.stdout).unwrap();
    assert!(html.contains("<svg id=\"graph\" class=\"builtin\""));

    let dot = run(&["--layout", "dot"]);
    assert_eq!(dot.status.code(), Some(2), "{dot:?}");
    assert!(dot.stdout.is_empty(), "partial output: {dot:?}");
    let err = String::from_utf8_lossy(&dot.stderr);
    assert!(
        err.contains("--layout dot: `dot` (Graphviz) is not installed or not on PATH"),
        "{err}"
    );

    let mut cmd = netpolgen();
    cmd.args(["diff", "../../../../overlays/prod", "after", "-o", "html"])
        .args(["--layout", "dot"])
        .env("PATH", empty.path())
        .current_dir(repo().join("tests/testdata/diff/alt-las-prod"));
    let diff = cmd.output().unwrap();
    assert_eq!(diff.status.code(), Some(2), "{diff:?}");
    assert!(diff.stdout.is_empty(), "partial output: {diff:?}");
    assert!(String::from_utf8_lossy(&diff.stderr).contains("`dot` (Graphviz)"));
}

/// The filter box dims the same things on both layouts: the nodes that
/// do not match, the edges touching none that do, and the matrix rows and
/// columns of other namespaces.
#[test]
fn the_filter_works_the_same_on_both_layouts() {
    if missing(&[CHROMIUM, DOT]) {
        return;
    }
    let dir = repo().join(PROD);
    for layout in ["builtin", "dot"] {
        let html = page(&["analyze", ".", "-o", "html", "--layout", layout], &dir);
        let file = out_dir().join(format!("alt-las-prod-filter-{layout}.html"));
        std::fs::write(&file, &html).unwrap();
        let dom = chromium(&[
            "--dump-dom",
            &format!("file://{}#test-filter=runner-service", file.display()),
        ]);
        assert!(
            dom.contains("data-ready=\"1\""),
            "{layout}: the script did not run"
        );
        assert!(
            dom.contains("class=\"node class\" data-key=\"alt-las-prod/runner-service\""),
            "{layout}: the match is dimmed"
        );
        assert!(
            dom.contains("class=\"node class dim\" data-key=\"alt-las-prod/api-gateway\""),
            "{layout}: another node is not dimmed"
        );
        let edge = "data-key=\"alt-las-prod/api-gateway-&gt;alt-las-prod/runner-service:unchanged:declared\"";
        assert!(
            dom.contains(&format!("class=\"edge declared\" {edge}")),
            "{layout}: an edge into the match is dimmed"
        );
        assert!(
            dom.contains("class=\"edge declared dim\" data-key=\"alt-las-prod/api-gateway-&gt;alt-las-prod/ai-orchestrator"),
            "{layout}: an edge away from the match is not dimmed"
        );
        assert!(
            dom.contains("<tr data-ns=\"monitoring\" class=\"hidden\">"),
            "{layout}: the monitoring row is shown"
        );
        assert!(
            dom.contains("<tr data-ns=\"alt-las-prod\">"),
            "{layout}: the row of the match is hidden"
        );
    }
}
