//! Render benchmark: a generated intent of 2,000 services and 10,000 flows
//! rendered and verified in-process (wall time and peak memory), the same
//! intent by stage with the proof of its policies, and the ALT_LAS prod
//! overlay as a whole process (median of repeated runs).
//!
//! `cargo bench --bench render`. Figures are for comparison on one machine
//! in one run; nothing here asserts a time.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const SERVICES: usize = 2_000;
const FLOWS: usize = 10_000;
const TIERS: usize = 20;
const PEERS: usize = 10;

/// A deterministic intent: services in tiers, groups per tier, peers in
/// other namespaces, and flows between them on named and numbered ports.
pub fn intent(services: usize, flows: usize) -> String {
    let mut s = String::from(
        "apiVersion: netpolgen.io/v1alpha1\nkind: NetworkPolicySet\nmetadata:\n  name: bench\nspec:\n  environment: bench\n  namespace: bench\n  labels: {app.kubernetes.io/part-of: bench}\n  services:\n",
    );
    for i in 0..services {
        let _ = writeln!(
            s,
            "    s{i}: {{labels: {{app: s{i}, tier: t{}}}, ports: {{http: {}, metrics: 9090}}}}",
            i % TIERS,
            8000 + i % 100
        );
    }
    s.push_str("  groups:\n");
    for t in 0..TIERS {
        let _ = writeln!(s, "    g{t}: {{selector: {{tier: t{t}}}}}");
    }
    s.push_str("  peers:\n");
    for p in 0..PEERS {
        let _ = writeln!(
            s,
            "    p{p}: {{namespace: ns{p}, selector: {{app: client{p}}}}}"
        );
    }
    s.push_str("  flows:\n");
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    for f in 0..flows {
        let to = next(services);
        let (from, port) = match f % 10 {
            0 => (format!("p{}", next(PEERS)), "http".to_string()),
            1 => (format!("g{}", next(TIERS)), "metrics".to_string()),
            _ => (
                format!("s{}", next(services)),
                format!("{}", 8000 + to % 100),
            ),
        };
        let _ = writeln!(s, "    f{f}: {{from: {from}, to: s{to}, ports: [{port}]}}");
    }
    s
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn render_generated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let file = dir.path().join("netpolset.yaml");
    std::fs::write(&file, intent(SERVICES, FLOWS)).unwrap();
    let root = dir.path().canonicalize().unwrap();
    let before = peak_rss_kib();
    let start = Instant::now();
    let disk = netpolgen::io::Disk::new(Some(&root), &root).unwrap();
    let policies = netpolgen::pipeline::render_path(&disk, &file)
        .unwrap()
        .policies;
    let yaml = netpolgen::report::policies::to_string(&policies, netpolgen::report::Format::Yaml);
    let elapsed = start.elapsed();
    println!(
        "generated intent ({SERVICES} services, {FLOWS} flows): {} policies, {:.1} MB YAML, {:.3} s, peak RSS {} MiB (before: {} MiB)",
        policies.len(),
        yaml.len() as f64 / 1e6,
        elapsed.as_secs_f64(),
        peak_rss_kib() / 1024,
        before / 1024
    );
}

/// The render's stages one by one, then the proof of its result: the
/// proof should take no longer than the render without verification.

fn alt_las_process(repo: &Path) {
    let bin = Path::new(env!("CARGO_BIN_EXE_netpolgen"));
    let mut times: Vec<Duration> = (0..41)
        .map(|_| {
            let start = Instant::now();
            let out = Command::new(bin)
                .args(["render", "overlays/prod"])
                .current_dir(repo)
                .output()
                .unwrap();
            assert!(out.status.success());
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let start = Instant::now();
    let out = Command::new("true").output().unwrap();
    assert!(out.status.success());
    let spawn = start.elapsed();
    println!(
        "ALT_LAS prod overlay, whole process: median {:.2} ms over {} runs (min {:.2} ms; spawning `true` takes {:.2} ms)",
        median.as_secs_f64() * 1e3,
        times.len(),
        times[0].as_secs_f64() * 1e3,
        spawn.as_secs_f64() * 1e3
    );
}

fn stages() {
    use netpolgen::*;
    use std::time::Instant;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let file = dir.path().join("netpolset.yaml");
    std::fs::write(&file, intent(SERVICES, FLOWS)).unwrap();
    let root = dir.path().canonicalize().unwrap();
    let disk = io::Disk::new(Some(&root), &root).unwrap();
    let t = Instant::now();
    let input = spec::Input::read(&disk, &file).unwrap();
    let loaded = spec::load(input, &disk).unwrap();
    let t_load = t.elapsed();
    let t = Instant::now();
    let model = model::build(&loaded.set).unwrap();
    let t_model = t.elapsed();
    let t = Instant::now();
    let set = render::templates::load(&loaded.template_dirs, &disk).unwrap();
    let rendered = render::templates::expand(&set, &model).unwrap();
    let t_expand = t.elapsed();
    let t = Instant::now();
    let policies = render::collect::collect(&rendered, &model).unwrap();
    let t_collect = t.elapsed();
    let t = Instant::now();
    let f = verify::verify(&model, &policies);
    let t_verify = t.elapsed();
    let t = Instant::now();
    assert!(proof::prove(&model, &policies).is_proven());
    let t_prove = t.elapsed();
    let t = Instant::now();
    let y = report::policies::to_string(&policies, report::Format::Yaml);
    let t_emit = t.elapsed();
    println!(
        "stages: load {:?} model {:?} expand {:?} collect {:?} verify {:?} ({}) emit {:?} ({} bytes)",
        t_load,
        t_model,
        t_expand,
        t_collect,
        t_verify,
        f.len(),
        t_emit,
        y.len()
    );
}

fn main() {
    if let Some(path) = std::env::var_os("NETPOLGEN_WRITE_INTENT") {
        std::fs::write(path, intent(SERVICES, FLOWS)).unwrap();
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    alt_las_process(repo);
    render_generated();
    stages();
}
