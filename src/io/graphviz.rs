//! Running Graphviz: `dot -Tsvg` on a source, with a time limit.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The program.
pub const DOT: &str = "dot";

/// Why `dot` gave no SVG.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DotError {
    /// Not installed, or not on `PATH`.
    #[error("`dot` (Graphviz) is not installed or not on PATH")]
    Missing,
    /// It could not be started or talked to.
    #[error("cannot run `dot`: {0}")]
    Run(String),
    /// It exited non-zero.
    #[error("`dot -Tsvg` failed: {0}")]
    Failed(String),
    /// It ran longer than allowed, and was stopped.
    #[error("`dot -Tsvg` took longer than {0:?} and was stopped")]
    TimedOut(Duration),
}

/// Lays `source` out with `dot -Tsvg`: its SVG text, or why not.
pub fn svg(source: &str, timeout: Duration) -> Result<String, DotError> {
    let mut child = Command::new(DOT)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DotError::Missing,
            _ => DotError::Run(e.to_string()),
        })?;
    // Feed and drain on threads, so a full pipe never blocks the clock.
    let mut stdin = child.stdin.take().expect("piped");
    let input = source.as_bytes().to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(DotError::TimedOut(timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(DotError::Run(e.to_string())),
        }
    };
    let fed = feeder.join();
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        return Err(DotError::Failed(format!("{status}: {}", err.trim())));
    }
    if let Ok(Err(e)) = fed {
        return Err(DotError::Run(format!("writing its input: {e}")));
    }
    String::from_utf8(out).map_err(|_| DotError::Failed("its SVG is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// True when `dot` is here; CI (`NETPOLGEN_REQUIRE_TOOLS`) requires it.
    fn have_dot() -> bool {
        let here = super::super::kustomize::on_path(DOT);
        if !here && std::env::var_os("NETPOLGEN_REQUIRE_TOOLS").is_some() {
            panic!("dot not installed; CI requires it");
        }
        here
    }

    #[test]
    fn dot_lays_out_fails_and_is_stopped_in_time() {
        if !have_dot() {
            return;
        }
        let long = Duration::from_secs(30);
        let svg = svg("digraph { a -> b }", long).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        match svg_err("digraph {", long) {
            DotError::Failed(m) => assert!(m.contains("syntax error"), "{m}"),
            other => panic!("{other:?}"),
        }
        let big: String = (0..300)
            .map(|i| format!("n{i} -> n{};", (i * 7 + 1) % 300))
            .collect();
        assert_eq!(
            svg_err(&format!("digraph {{ {big} }}"), Duration::ZERO),
            DotError::TimedOut(Duration::ZERO)
        );
    }

    fn svg_err(source: &str, timeout: Duration) -> DotError {
        svg(source, timeout).unwrap_err()
    }
}
