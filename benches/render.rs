//! Render benchmark. Every figure is a ratio to something measured in the
//! same run, on the same machine:
//!
//! - the floor: parsing the generated intent (2,000 services, 10,000 flows)
//!   and emitting the rendered policies, both with the project's YAML crate
//!   (serde-saphyr), single-threaded;
//! - the render with verification, in-process, as `netpolgen render` does
//!   it (its output written to memory), by stage: load, model, templates,
//!   proof, emit; and as a whole process, for its peak memory, with the
//!   peak after each stage (a child process of its own, the stages run in
//!   order with what the pipeline keeps alive kept alive);
//! - the 8,000-service / 40,000-flow intent against the 2,000 one;
//! - `netpolgen diff --all` on four environments of the 2,000-service
//!   intent;
//! - the ALT_LAS prod overlay as a whole process, against spawning `true`.
//!
//! `cargo bench --bench render [-- PART...]`. Nothing here asserts a time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use netpolgen::report::{Format, policies};
use netpolgen::{io, k8s, model, pipeline, proof, render, spec};

// Measured with the binary's allocator and its settings.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SERVICES: usize = 2_000;
const FLOWS: usize = 10_000;
const TIERS: usize = 20;
const PEERS: usize = 10;
/// Rounds of floor and render, alternating.
const ROUNDS: usize = 7;

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

/// Peak resident memory of this process so far.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The median of `n` timed runs of `f`.
fn median<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// A repository holding one intent; returns (root, the intent's path).
fn repo_with(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let file = dir.path().join("netpolset.yaml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

/// What `netpolgen render` does for one file: render, verify, emit.
fn render_file(file: &Path) -> String {
    let disk = io::Disk::new(None, file.parent().unwrap()).unwrap();
    let r = pipeline::render_path(&disk, file).unwrap();
    policies::to_string(&r.policies, Format::Yaml)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The middle of some figures.
fn middle(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn floor_and_render() {
    let text = intent(SERVICES, FLOWS);
    let (dir, file) = repo_with(&text);
    let out = render_file(&file);
    let rendered = {
        let disk = io::Disk::new(None, dir.path()).unwrap();
        pipeline::render_path(&disk, &file).unwrap().policies
    };
    // Floor and render alternate, round after round, so a change in the
    // machine's load falls on both; the ratio is the median of the rounds'.
    let rounds: Vec<(Duration, Duration, Duration)> = (0..ROUNDS)
        .map(|_| {
            let parse = median(1, || k8s::yaml::parse_documents_slow(&text).unwrap());
            let emit = median(1, || {
                let mut s = String::new();
                for p in &rendered {
                    s.push_str("---\n");
                    s.push_str(&serde_saphyr::to_string(p).unwrap());
                }
                s
            });
            (parse, emit, median(1, || render_file(&file)))
        })
        .collect();
    let parse = middle(rounds.iter().map(|r| secs(r.0)).collect());
    let emit = middle(rounds.iter().map(|r| secs(r.1)).collect());
    let floor = middle(rounds.iter().map(|r| secs(r.0 + r.1)).collect());
    let whole = middle(rounds.iter().map(|r| secs(r.2)).collect());
    let ratio = middle(rounds.iter().map(|r| secs(r.2) / secs(r.0 + r.1)).collect());

    // By stage.
    let disk = io::Disk::new(None, dir.path()).unwrap();
    let t = Instant::now();
    let loaded = spec::load(spec::Input::read(&disk, &file).unwrap(), &disk).unwrap();
    let t_load = t.elapsed();
    let t = Instant::now();
    let m = std::sync::Arc::new(model::build(&loaded.set).unwrap());
    let t_model = t.elapsed();
    let t = Instant::now();
    let set = render::templates::load(&loaded.template_dirs, &disk).unwrap();
    let expanded = render::templates::expand(&set, &m).unwrap();
    let t_expand = t.elapsed();
    let (pols, _) = render::collect::collect(&expanded, &m).unwrap();
    let t_templates = t.elapsed();
    println!(
        "  (templates: expand {:.3} s, collect {:.3} s)",
        secs(t_expand),
        secs(t_templates - t_expand)
    );
    let t = Instant::now();
    assert!(proof::prove(&m, &pols).is_proven());
    let t_proof = t.elapsed();
    let t = Instant::now();
    let y = policies::to_string(&pols, Format::Yaml);
    let t_emit = t.elapsed();
    assert_eq!(y, out);
    let rest = t_load + t_model + t_templates + t_emit;

    println!(
        "generated intent ({SERVICES} services, {FLOWS} flows): {} policies, {:.1} MB of YAML out",
        rendered.len(),
        out.len() as f64 / 1e6
    );
    println!(
        "  floor (serde-saphyr: parse the intent {parse:.3} s + emit the output {emit:.3} s): {floor:.3} s (medians of {ROUNDS} rounds)"
    );
    println!(
        "  render with verification: {whole:.3} s = {ratio:.2}x the floor (median of the rounds' ratios)"
    );
    println!(
        "  by stage: load {:.3} s, model {:.3} s, templates {:.3} s, emit {:.3} s (rest {:.3} s); proof {:.3} s = {:.2}x the rest",
        secs(t_load),
        secs(t_model),
        secs(t_templates),
        secs(t_emit),
        secs(rest),
        secs(t_proof),
        secs(t_proof) / secs(rest)
    );
}

/// The render of the generated intent as a whole process: this bench run
/// again as a child, reporting its own peak memory.
fn whole_process_memory() {
    let (_dir, file) = repo_with(&intent(SERVICES, FLOWS));
    let out = Command::new(std::env::current_exe().unwrap())
        .env("NETPOLGEN_BENCH_CHILD", &file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kib: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    println!("  peak memory of the whole process: {} MiB", kib / 1024);

    let out = Command::new(std::env::current_exe().unwrap())
        .env("NETPOLGEN_BENCH_STAGES", &file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peaks: Vec<(String, u64)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (stage, kib) = l.split_once(' ')?;
            Some((stage.to_string(), kib.parse().ok()?))
        })
        .collect();
    let last = peaks.last().map_or(1, |(_, k)| *k).max(1);
    let mut line = String::from("  peak memory after each stage:");
    let mut before = 0;
    for (stage, kib) in &peaks {
        let _ = write!(
            line,
            " {stage} {} MiB (+{:.0}%),",
            kib / 1024,
            100.0 * kib.saturating_sub(before) as f64 / last as f64
        );
        before = *kib;
    }
    println!("{}", line.trim_end_matches(','));
}

/// The stages of `render_file` one by one, each followed by the peak
/// resident memory so far (`stage KiB` lines).
fn stage_peaks(file: &Path) {
    let disk = io::Disk::new(None, file.parent().unwrap()).unwrap();
    let report = |stage: &str| println!("{stage} {}", peak_rss_kib());
    report("start");
    let loaded = spec::load(spec::Input::read(&disk, file).unwrap(), &disk).unwrap();
    report("load");
    let m = std::sync::Arc::new(model::build(&loaded.set).unwrap());
    report("model");
    let set = render::templates::load(&loaded.template_dirs, &disk).unwrap();
    let expanded = render::templates::expand(&set, &m).unwrap();
    report("expand");
    let (pols, _) = render::collect::collect(&expanded, &m).unwrap();
    drop(expanded);
    report("collect");
    assert!(proof::prove(&m, &pols).is_proven());
    report("proof");
    let y = policies::to_string(&pols, Format::Yaml);
    report("emit");
    std::hint::black_box((y, loaded));
}

/// The 2,000 and the 8,000-service renders, alternating over rounds as
/// the floor and the render do.
fn linearity() {
    let (_small_dir, small_file) = repo_with(&intent(SERVICES, FLOWS));
    let (_large_dir, large_file) = repo_with(&intent(4 * SERVICES, 4 * FLOWS));
    let rounds: Vec<(f64, f64)> = (0..3)
        .map(|_| {
            let small = secs(median(1, || render_file(&small_file)));
            (small, secs(median(1, || render_file(&large_file))))
        })
        .collect();
    let small = middle(rounds.iter().map(|r| r.0).collect());
    let large = middle(rounds.iter().map(|r| r.1).collect());
    let ratio = middle(rounds.iter().map(|r| r.1 / r.0).collect());
    println!(
        "{} services / {} flows: {large:.3} s = {ratio:.2}x the {SERVICES}-service render ({small:.3} s; medians of 3 rounds)",
        4 * SERVICES,
        4 * FLOWS,
    );
}

/// Four environments of the generated intent, each an overlay of one base.
fn diff_all() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let base = intent(SERVICES, FLOWS).replace("  environment: bench\n  namespace: bench\n", "");
    std::fs::write(dir.path().join("base.yaml"), base).unwrap();
    for env in ["dev", "test", "staging", "prod"] {
        let d = dir.path().join("overlays").join(env);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("netpolset.yaml"),
            format!(
                "apiVersion: netpolgen.io/v1alpha1\nkind: NetworkPolicySet\nmetadata:\n  name: bench\nspec:\n  base: ../../base.yaml\n  environment: {env}\n  namespace: bench-{env}\n"
            ),
        )
        .unwrap();
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_netpolgen"));
    let run = || {
        let out = Command::new(bin)
            .args(["diff", "--all", "overlays"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.code() == Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let one = {
        let (_d, file) = repo_with(&intent(SERVICES, FLOWS));
        median(3, || render_file(&file))
    };
    let all = median(3, run);
    println!(
        "diff --all on 4 environments of the {SERVICES}-service intent: {:.3} s = {:.2}x one render ({:.3} s)",
        secs(all),
        secs(all) / secs(one),
        secs(one)
    );
}

fn alt_las_process(repo: &Path) {
    let bin = Path::new(env!("CARGO_BIN_EXE_netpolgen"));
    let run = || {
        let out = Command::new(bin)
            .args(["render", "overlays/prod"])
            .current_dir(repo)
            .output()
            .unwrap();
        assert!(out.status.success());
    };
    let median_render = median(41, run);
    let spawn = median(41, || Command::new("true").output().unwrap());
    println!(
        "ALT_LAS prod overlay, whole process: median {:.2} ms = {:.2}x spawning `true` ({:.2} ms)",
        median_render.as_secs_f64() * 1e3,
        secs(median_render) / secs(spawn),
        spawn.as_secs_f64() * 1e3
    );
}

fn main() {
    netpolgen::cli::allocator::tune();
    if let Some(path) = std::env::var_os("NETPOLGEN_BENCH_CHILD") {
        std::hint::black_box(render_file(Path::new(&path)));
        println!("{}", peak_rss_kib());
        return;
    }
    if let Some(path) = std::env::var_os("NETPOLGEN_BENCH_STAGES") {
        stage_peaks(Path::new(&path));
        return;
    }
    if let Some(path) = std::env::var_os("NETPOLGEN_WRITE_INTENT") {
        std::fs::write(path, intent(SERVICES, FLOWS)).unwrap();
        return;
    }
    // `cargo bench --bench render -- NAME...` runs only the named parts
    // (alt-las, render, memory, linear, diff); all of them by default.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    if run("alt-las") {
        alt_las_process(repo);
    }
    if run("render") {
        floor_and_render();
    }
    if run("memory") {
        whole_process_memory();
    }
    if run("linear") {
        linearity();
    }
    if run("diff") {
        diff_all();
    }
}
