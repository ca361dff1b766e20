//! `probe run`: every check of a matrix, tried in parallel, each until its
//! outcome is settled (`crate::probe::next`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::attempt;
use crate::probe::{Check, Matrix, Next, Observation, Observed, next};

/// Timeouts and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// Per attempt: to connect, and then to get the greeting or echo.
    pub timeout: Duration,
    /// Attempts per check while the outcome disagrees with the expectation.
    pub attempts: u32,
    /// How long, from the start of the run, a destination may take to
    /// resolve and to start serving.
    pub wait: Duration,
    /// Checks tried at once.
    pub parallel: usize,
}

impl Tuning {
    /// The pause between two attempts at one check.
    fn pause(&self) -> Duration {
        self.timeout.min(Duration::from_millis(500))
    }
}

/// Tries `checks` (whose destinations `matrix` names) and returns one
/// observation per check, in order.
pub fn run(matrix: &Matrix, checks: &[Check], tuning: &Tuning) -> Vec<Observation> {
    let deadline = Instant::now() + tuning.wait;
    let results: Mutex<Vec<Option<Observation>>> = Mutex::new(vec![None; checks.len()]);
    let next_index = AtomicUsize::new(0);
    let workers = tuning.parallel.clamp(1, checks.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next_index.fetch_add(1, Ordering::Relaxed);
                    let Some(check) = checks.get(i) else { break };
                    let host = matrix.host(&check.to).unwrap_or(&check.to);
                    let seen = one(check, host, tuning, deadline);
                    results.lock().expect("no worker panics")[i] = Some(seen);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .map(|o| o.expect("every check was tried"))
        .collect()
}

/// One check, attempted until settled.
fn one(check: &Check, host: &str, tuning: &Tuning, deadline: Instant) -> Observation {
    let mut attempts = 0;
    loop {
        let (observed, detail, address) = match resolve(host, check.port) {
            Ok(addr) => {
                attempts += 1;
                let nonce = format!("{} {} {attempts}", check.from, check.to);
                let (o, d) = attempt(addr, check.protocol, &check.to, &nonce, tuning.timeout);
                (o, d, Some(addr.ip().to_string()))
            }
            Err(e) => (Observed::Unresolved, Some(e), None),
        };
        let before = Instant::now() < deadline;
        if next(check.expect, observed, attempts, tuning.attempts, before) == Next::Done {
            return Observation {
                observed,
                address,
                attempts,
                detail,
            };
        }
        std::thread::sleep(tuning.pause());
    }
}

/// The first address of `host` (a name or an IP address).
fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    match (host, port).to_socket_addrs() {
        Ok(mut addrs) => addrs.next().ok_or_else(|| format!("{host} has no address")),
        Err(e) => Err(format!("{host}: {e}")),
    }
}
