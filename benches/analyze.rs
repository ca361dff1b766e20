//! `cargo bench --bench analyze`: `analyze` over a generated cluster of
//! 5,000 workloads in 500 namespaces with 2,000 policies (mixed
//! matchLabels and matchExpressions, namespace selectors, named ports,
//! endPort ranges, egress isolation with DNS).
//!
//! Each measurement runs in a child process of its own so that the peak
//! resident set (VmHWM in /proc/self/status) belongs to that measurement
//! alone: `--output summary`, then `--output json` written to a file.
//! The cluster goes through the same path as the CLI: YAML text, parsed
//! by `manifests::parse_text` and `from_docs`.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::time::Instant;

use netpolgen::analyze::Analysis;
use netpolgen::k8s::manifest::{from_docs, parse_text};
use netpolgen::report::{self, Format, Options};

const NAMESPACES: usize = 500;
const PER_NAMESPACE: usize = 10;
const MODE: &str = "NETPOLGEN_BENCH_MODE";

/// A small deterministic generator (no dependency, same cluster every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A container port: name, number, protocol.
type Port = (&'static str, u16, &'static str);

/// An application: `app` label, `tier` label, ports.
type App = (&'static str, &'static str, &'static [Port]);

const APPS: [App; 10] = [
    (
        "web",
        "frontend",
        &[("http", 8080, "TCP"), ("metrics", 9090, "TCP")],
    ),
    (
        "api",
        "backend",
        &[
            ("http", 8000, "TCP"),
            ("grpc", 9000, "TCP"),
            ("metrics", 9090, "TCP"),
        ],
    ),
    ("worker", "backend", &[("metrics", 9090, "TCP")]),
    ("db", "data", &[("pg", 5432, "TCP")]),
    ("cache", "data", &[("redis", 6379, "TCP")]),
    ("queue", "data", &[("amqp", 5672, "TCP")]),
    ("auth", "backend", &[("http", 8000, "TCP")]),
    ("search", "backend", &[("http", 9200, "TCP")]),
    (
        "stream",
        "backend",
        &[("rtp", 5004, "UDP"), ("sctp", 3868, "SCTP")],
    ),
    ("report", "batch", &[]),
];

fn ports_yaml(ports: &[Port]) -> String {
    let items: Vec<String> = ports
        .iter()
        .map(|(n, p, proto)| format!("{{name: {n}, containerPort: {p}, protocol: {proto}}}"))
        .collect();
    format!("[{}]", items.join(", "))
}

/// The generated manifests as one YAML stream.
fn generate() -> String {
    let mut rng = Lcg(42);
    let mut y = String::new();
    let np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy";
    for i in 0..NAMESPACES {
        let ns = format!("ns-{i:03}");
        let team = format!("team-{}", i % 25);
        let env = ["prod", "staging", "dev"][i % 3];
        let purpose = match i {
            0 => "dns",
            1 => "monitoring",
            _ => "app",
        };
        let _ = writeln!(
            y,
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {{team: {team}, env: {env}, purpose: {purpose}}}}}"
        );
        for w in 0..PER_NAMESPACE {
            // Workloads w and w + 6 share a shape (a canary, a second
            // deployment): same labels unless their version labels differ.
            let (app, tier, ports) = APPS[(w % 6 + i) % APPS.len()];
            let (app, ports) = match (i, w) {
                (0, 0) => ("dns", &[("dns", 53u16, "UDP"), ("dns-tcp", 53, "TCP")][..]),
                (1, 0) => ("prometheus", &[("web", 9090u16, "TCP")][..]),
                _ => (app, ports),
            };
            // Half the workloads carry a version label: replicas of one
            // shape fall into one class, the others split.
            let version = if rng.next(2) == 0 {
                format!(", version: v{}", rng.next(3))
            } else {
                String::new()
            };
            let kind = ["Deployment", "StatefulSet", "Deployment", "DaemonSet"][w % 4];
            let _ = writeln!(
                y,
                "---\napiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {app}-{w}, namespace: {ns}}}\nspec: {{template: {{metadata: {{labels: {{app: {app}, tier: {tier}{version}}}}}, spec: {{containers: [{{name: main, ports: {}}}]}}}}}}",
                ports_yaml(ports)
            );
        }
        let types = if i % 5 == 0 {
            "[Ingress, Egress]"
        } else {
            "[Ingress]"
        };
        let _ = writeln!(
            y,
            "---\n{np}\nmetadata: {{name: default-deny, namespace: {ns}}}\nspec: {{podSelector: {{}}, policyTypes: {types}}}"
        );
        let _ = writeln!(
            y,
            "---\n{np}\nmetadata: {{name: allow-frontend, namespace: {ns}}}\nspec:\n  podSelector: {{matchExpressions: [{{key: app, operator: In, values: [web, api]}}]}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{team: {team}}}}}}}, {{namespaceSelector: {{matchLabels: {{env: {env}}}}}, podSelector: {{matchLabels: {{tier: frontend}}}}}}]\n    ports: [{{port: http}}, {{port: grpc}}]"
        );
        let _ = writeln!(
            y,
            "---\n{np}\nmetadata: {{name: allow-backend, namespace: {ns}}}\nspec:\n  podSelector: {{matchLabels: {{tier: backend}}}}\n  ingress:\n  - from: [{{podSelector: {{matchExpressions: [{{key: tier, operator: NotIn, values: [data]}}, {{key: version, operator: DoesNotExist}}]}}}}]\n    ports: [{{port: 8000, endPort: 9300}}, {{port: rtp, protocol: UDP}}, {{protocol: SCTP}}]"
        );
        if i % 5 == 0 {
            let _ = writeln!(
                y,
                "---\n{np}\nmetadata: {{name: allow-egress, namespace: {ns}}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: ns-000}}}}, podSelector: {{matchLabels: {{app: dns}}}}}}]\n    ports: [{{port: 53, protocol: UDP}}, {{port: dns-tcp}}]\n  - to: [{{podSelector: {{}}}}, {{namespaceSelector: {{matchLabels: {{team: {team}}}}}}}]\n  - to: [{{ipBlock: {{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}}}]\n    ports: [{{port: 443}}]"
            );
        } else {
            let _ = writeln!(
                y,
                "---\n{np}\nmetadata: {{name: allow-monitoring, namespace: {ns}}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{purpose: monitoring}}}}, podSelector: {{matchLabels: {{app: prometheus}}}}}}]\n    ports: [{{port: metrics}}]"
            );
        }
    }
    y
}

/// Counts bytes and throws them away.
struct CountingSink(u64);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One measurement, in this process.
fn child(mode: &str) {
    let start = Instant::now();
    let text = generate();
    let docs = parse_text(&text, "generated.yaml").expect("generated YAML parses");
    drop(text);
    let manifests = from_docs(&docs).expect("generated manifests are valid");
    drop(docs);
    let cluster = netpolgen::engine::Cluster::from_manifests(&manifests);
    drop(manifests);
    let loaded = start.elapsed().as_secs_f64();
    let t = Instant::now();
    let analysis = Analysis::new(&cluster);
    let analyzed = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let options = Options::default();
    match mode {
        "summary" => {
            let mut out = Vec::new();
            report::analyze::write(&analysis, Format::Summary, &options, &mut out)
                .expect("summary");
            let s = analysis.summary();
            println!(
                "cluster: {} workloads in {} namespaces, {} policies, {} classes; {} connections ({} allowed)",
                s.workloads, s.namespaces, s.policies, s.classes, s.counts.total, s.counts.allowed
            );
            println!(
                "summary: load (generate + parse) {loaded:.2} s, analysis {analyzed:.2} s, summary {:.2} s; total {:.2} s; peak RSS {:.0} MiB",
                t.elapsed().as_secs_f64(),
                start.elapsed().as_secs_f64(),
                mib(peak_rss_kib())
            );
        }
        "json-sink" => {
            let mut out = CountingSink(0);
            report::analyze::write(&analysis, Format::Json, &options, &mut out).expect("json");
            let secs = t.elapsed().as_secs_f64();
            println!(
                "json to a sink (no I/O): {:.0} MB in {secs:.2} s ({:.0} MB/s); peak RSS {:.0} MiB",
                out.0 as f64 / 1e6,
                out.0 as f64 / 1e6 / secs,
                mib(peak_rss_kib())
            );
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("netpolgen-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join("analyze.json");
            let file = std::fs::File::create(&path).expect("output file");
            let mut out = BufWriter::with_capacity(1 << 20, file);
            report::analyze::write(&analysis, Format::Json, &options, &mut out).expect("json");
            out.flush().expect("flush");
            drop(out);
            let secs = t.elapsed().as_secs_f64();
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let _ = std::fs::remove_dir_all(&dir);
            println!(
                "json:    load {loaded:.2} s, analysis {analyzed:.2} s, writing {:.0} MB in {secs:.2} s ({:.0} MB/s); total {:.2} s; peak RSS {:.0} MiB",
                bytes as f64 / 1e6,
                bytes as f64 / 1e6 / secs,
                start.elapsed().as_secs_f64(),
                mib(peak_rss_kib())
            );
        }
    }
}

fn main() {
    if let Ok(mode) = std::env::var(MODE) {
        child(&mode);
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    for mode in ["summary", "json", "json-sink"] {
        let out = std::process::Command::new(&exe)
            .env(MODE, mode)
            .output()
            .expect("run the measurement");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{mode} measurement failed");
    }
}
