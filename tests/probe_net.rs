//! `probe serve` and `probe run` over loopback: real sockets, real
//! servers (the binary's own, and misbehaving ones made here), a matrix
//! whose "denied" destinations do not listen, drop packets, never answer
//! or reset. Short timeouts, generous against a busy machine; the tests
//! assert on outcomes, never on timing.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use socket2::{Domain, Protocol, Socket, Type};

/// An address of the loopback range of its own for each test and run.
fn addr(test: u8, host: u8) -> Ipv4Addr {
    let pid = std::process::id();
    Ipv4Addr::new(
        127,
        100 + (pid % 100) as u8,
        test.wrapping_mul(17) ^ (pid >> 8) as u8,
        host,
    )
}

/// A `probe serve` process, stopped when dropped (and after a minute in
/// any case).
struct Server(Child);

impl Server {
    fn start(id: &str, ip: Ipv4Addr, ports: &str) -> Server {
        let mut child = Command::new(common::bin_path())
            .args([
                "probe",
                "serve",
                "--id",
                id,
                "--ports",
                ports,
                "--exit-after",
                "60s",
            ])
            .args(["--bind", &ip.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let wanted = ports.split(',').filter(|p| !p.ends_with("SCTP")).count();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut serving = 0;
        while serving < wanted {
            let line = lines
                .next()
                .expect("probe serve ended before serving")
                .unwrap();
            serving += usize::from(line.starts_with("serving "));
        }
        Server(child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Accepts every connection and resets it at once (SO_LINGER 0).
fn resetting(ip: Ipv4Addr, port: u16) {
    let l = TcpListener::bind((ip, port)).unwrap();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            let s = socket2::SockRef::from(&c);
            let _ = s.set_linger(Some(Duration::ZERO));
        }
    });
}

/// Accepts every connection and keeps it open without a word.
fn holding(ip: Ipv4Addr, port: u16) {
    let l = TcpListener::bind((ip, port)).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in l.incoming().flatten() {
            held.push(c);
        }
    });
}

/// Listens and never accepts, with its accept queue full: the kernel then
/// drops every new SYN, as a dropping policy does. Returns what keeps it so.
fn dropping(ip: Ipv4Addr, port: u16) -> (Socket, Vec<TcpStream>) {
    let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
    s.bind(&SocketAddr::from((ip, port)).into()).unwrap();
    s.listen(0).unwrap();
    let mut queued = Vec::new();
    for _ in 0..16 {
        match TcpStream::connect_timeout(&(ip, port).into(), Duration::from_millis(300)) {
            Ok(c) => queued.push(c),
            Err(_) => return (s, queued),
        }
    }
    panic!("the accept queue of {ip}:{port} never filled");
}

fn check(from: &str, to: &str, port: u16, protocol: &str, expect: &str) -> Value {
    json!({"from": from, "to": to, "port": port, "protocol": protocol, "expect": expect})
}

fn matrix(probes: &[(&str, Ipv4Addr)], checks: Vec<Value>) -> Value {
    let probes: Vec<Value> = probes
        .iter()
        .map(|(id, ip)| json!({"id": id, "host": ip.to_string()}))
        .collect();
    json!({"format": "netpolgen.io/probe-matrix/v1", "probes": probes, "checks": checks})
}

/// Runs `probe run` on `matrix`, waiting `wait` for destinations: the exit
/// code, stdout and the JSON report.
fn run(matrix: &Value, wait: &str, extra: &[&str]) -> (i32, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("matrix.json");
    let report = dir.path().join("report.json");
    std::fs::write(&file, matrix.to_string()).unwrap();
    let out = Command::new(common::bin_path())
        .args(["probe", "run", "--matrix"])
        .arg(&file)
        .args([
            "--timeout",
            "1s",
            "--attempts",
            "2",
            "--wait",
            wait,
            "--json",
        ])
        .arg(&report)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (out.status.code().unwrap(), stdout, json)
}

/// `(to, port, protocol, observed, verdict)` of every row.
fn rows(report: &Value) -> Vec<(String, u64, String, String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_string();
            (
                s("to"),
                r["port"].as_u64().unwrap(),
                s("protocol"),
                s("observed"),
                s("verdict"),
            )
        })
        .collect()
}

fn sctp_here() -> bool {
    Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::SCTP)).is_ok()
}

#[test]
fn every_outcome_against_its_expectation() {
    let (a, b, reset, drop, silent, other, mute) = (
        addr(1, 2),
        addr(1, 3),
        addr(1, 4),
        addr(1, 5),
        addr(1, 6),
        addr(1, 7),
        addr(1, 8),
    );
    let _a = Server::start("x/a", a, "8000/TCP,8001/UDP,8002/SCTP");
    let _b = Server::start("x/b", b, "8000/TCP");
    let _other = Server::start("x/somebody-else", other, "8000/TCP");
    resetting(reset, 8000);
    holding(mute, 8000);
    let _held = dropping(drop, 8000);
    let _quiet = UdpSocket::bind((silent, 8001)).unwrap();
    let m = matrix(
        &[
            ("x/a", a),
            ("x/b", b),
            ("x/reset", reset),
            ("x/drop", drop),
            ("x/silent", silent),
            ("x/other", other),
            ("x/mute", mute),
        ],
        vec![
            check("x/c", "x/a", 8000, "TCP", "allowed"),
            check("x/c", "x/a", 8001, "UDP", "allowed"),
            check("x/c", "x/a", 8002, "SCTP", "allowed"),
            check("x/c", "x/a", 8003, "TCP", "denied"),
            check("x/c", "x/a", 8004, "UDP", "denied"),
            check("x/c", "x/b", 8000, "TCP", "denied"),
            check("x/c", "x/b", 8001, "TCP", "allowed"),
            check("x/c", "x/reset", 8000, "TCP", "allowed"),
            check("x/c", "x/drop", 8000, "TCP", "denied"),
            check("x/c", "x/silent", 8001, "UDP", "denied"),
            check("x/c", "x/other", 8000, "TCP", "allowed"),
            check("x/c", "x/mute", 8000, "TCP", "allowed"),
        ],
    );
    let (code, stdout, report) = run(&m, "2s", &[]);
    let sctp = if sctp_here() {
        ("reached", "agrees")
    } else {
        ("unsupported", "skipped")
    };
    let want = [
        ("x/a", 8000, "TCP", "reached", "agrees"),
        ("x/a", 8001, "UDP", "reached", "agrees"),
        ("x/a", 8002, "SCTP", sctp.0, sctp.1),
        ("x/a", 8003, "TCP", "refused", "agrees"),
        ("x/a", 8004, "UDP", "refused", "agrees"),
        ("x/b", 8000, "TCP", "reached", "surprise"),
        ("x/b", 8001, "TCP", "refused", "surprise"),
        ("x/reset", 8000, "TCP", "reset", "surprise"),
        ("x/drop", 8000, "TCP", "timeout", "agrees"),
        ("x/silent", 8001, "UDP", "timeout", "agrees"),
        ("x/other", 8000, "TCP", "wrong-peer", "inconclusive"),
        ("x/mute", 8000, "TCP", "silent", "surprise"),
    ];
    let want: Vec<(String, u64, String, String, String)> = want
        .iter()
        .map(|(t, p, pr, o, v)| {
            (
                t.to_string(),
                *p,
                pr.to_string(),
                o.to_string(),
                v.to_string(),
            )
        })
        .collect();
    assert_eq!(rows(&report), want, "{stdout}");
    assert_eq!(code, 1, "{stdout}");
    let agree = if sctp_here() { 7 } else { 6 };
    assert_eq!(report["counts"]["agree"], agree);
    assert_eq!(report["counts"]["surprises"], 4);
    assert_eq!(report["counts"]["inconclusive"], 1);
    assert!(
        stdout.contains("surprises:\n  x/c -> x/b on 8000/TCP: expected denied, observed reached"),
        "{stdout}"
    );
    assert!(
        stdout.contains("x/c -> x/other on 8000/TCP: expected allowed, observed wrong-peer"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"netpolgen-probe x/somebody-else 8000/TCP\""),
        "{stdout}"
    );
}

#[test]
fn all_agree_is_exit_zero_and_as_picks_one_source() {
    let (a, gone) = (addr(2, 2), addr(2, 3));
    let _a = Server::start("x/a", a, "9000/TCP,9001/UDP");
    let m = matrix(
        &[("x/a", a), ("x/gone", gone)],
        vec![
            check("x/c", "x/a", 9000, "TCP", "allowed"),
            check("x/c", "x/a", 9001, "UDP", "allowed"),
            check("x/c", "x/gone", 9000, "TCP", "denied"),
            check("x/d", "x/a", 9000, "TCP", "denied"),
        ],
    );
    let (code, stdout, report) = run(&m, "2s", &["--as", "x/c"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(report["source"], "x/c");
    assert_eq!(report["counts"]["checks"], 3);
    assert_eq!(report["counts"]["agree"], 3);
    assert!(
        stdout.contains("3 check(s): 3 agree, 0 surprise(s), 0 inconclusive, 0 skipped."),
        "{stdout}"
    );
    let (code, stdout, report) = run(&m, "2s", &["--as", "x/d", "-o", "json"]);
    assert_eq!(code, 1);
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap(), report);
    assert_eq!(rows(&report)[0].3, "reached");
}

#[test]
fn a_name_that_does_not_resolve_proves_nothing() {
    let m = matrix(
        &[("x/a", addr(3, 2))],
        vec![check("x/c", "x/nowhere", 9000, "TCP", "denied")],
    );
    let mut m = m;
    // Not a DNS name at all (an empty label): the resolver refuses it
    // without sending a query, so the test stays on this machine.
    m["probes"] = json!([{"id": "x/nowhere", "host": "nowhere..invalid"}]);
    let (code, stdout, report) = run(&m, "0s", &[]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(rows(&report)[0].3, "unresolved");
    assert_eq!(rows(&report)[0].4, "inconclusive");
    assert!(
        stdout.contains("inconclusive:\n  x/c -> x/nowhere on 9000/TCP"),
        "{stdout}"
    );
}

#[test]
fn serve_names_a_port_it_cannot_bind() {
    let ip = addr(4, 2);
    let _taken = TcpListener::bind((ip, 7000)).unwrap();
    let out = Command::new(common::bin_path())
        .args([
            "probe",
            "serve",
            "--ports",
            "7000/TCP",
            "--exit-after",
            "1s",
            "--bind",
        ])
        .arg(ip.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {ip}:7000/TCP")),
        "{stderr}"
    );
}

#[test]
fn an_allowed_check_waits_for_a_late_server() {
    let late = addr(5, 2);
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        Server::start("x/late", late, "9100/TCP")
    });
    let m = matrix(
        &[("x/late", late)],
        vec![check("x/c", "x/late", 9100, "TCP", "allowed")],
    );
    let (code, stdout, report) = run(&m, "20s", &[]);
    let _server = starter.join().unwrap();
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(rows(&report)[0].3, "reached");
    let attempts = report["checks"][0]["attempts"].as_u64().unwrap();
    assert!(attempts >= 2, "reached at the first attempt: {stdout}");
}
