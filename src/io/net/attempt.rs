//! One attempt at one connection, and what it saw.

use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use socket2::{Domain, Protocol as SockProtocol, Socket, Type};

use crate::k8s::Protocol;
use crate::probe::{GREETING_WORD, Observed, greeting};

/// The longest greeting read.
const MAX_GREETING: usize = 256;

/// Tries `addr` once over `protocol`, expecting the greeting of probe `id`
/// on `port` (UDP: the greeting and the echo of `nonce`), each step within
/// `timeout`. The detail says what answered instead, or the system's words
/// for a failure that is not one of the usual outcomes.
pub fn attempt(
    addr: SocketAddr,
    protocol: Protocol,
    id: &str,
    nonce: &str,
    timeout: Duration,
) -> (Observed, Option<String>) {
    let want = greeting(id, addr.port(), protocol);
    match protocol {
        Protocol::TCP => match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => match s.set_read_timeout(Some(timeout)) {
                Ok(()) => read_greeting(s, &want),
                Err(e) => (Observed::Error, Some(e.to_string())),
            },
            Err(e) => failed(&e),
        },
        Protocol::UDP => udp(addr, &want, nonce, timeout),
        Protocol::SCTP => sctp(addr, &want, timeout),
    }
}

/// What a failed connect or read means.
fn failed(e: &io::Error) -> (Observed, Option<String>) {
    const EPERM: i32 = 1;
    const EACCES: i32 = 13;
    const ENETUNREACH: i32 = 101;
    const EHOSTUNREACH: i32 = 113;
    match (e.kind(), e.raw_os_error()) {
        (ErrorKind::ConnectionRefused, _) => (Observed::Refused, None),
        (ErrorKind::TimedOut | ErrorKind::WouldBlock, _) => (Observed::Timeout, None),
        (ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted, _) => (Observed::Reset, None),
        (_, Some(ENETUNREACH | EHOSTUNREACH)) => (Observed::Unreachable, None),
        // A local packet filter's refusal.
        (_, Some(EPERM | EACCES)) => (Observed::Unreachable, Some(e.to_string())),
        _ => (Observed::Error, Some(e.to_string())),
    }
}

/// Reads one line from a connected stream and compares it with `want`.
fn read_greeting(mut s: impl Read, want: &str) -> (Observed, Option<String>) {
    let mut got = Vec::new();
    let mut buf = [0u8; MAX_GREETING];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if got.contains(&b'\n') || got.len() >= MAX_GREETING {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if got.is_empty() => {
                return match failed(&e) {
                    (Observed::Timeout, d) => (Observed::Silent, d),
                    other => other,
                };
            }
            Err(_) => break,
        }
    }
    if got.is_empty() {
        return (
            Observed::Reset,
            Some("closed before the greeting".to_string()),
        );
    }
    compare(&got, want.as_bytes())
}

fn compare(got: &[u8], want: &[u8]) -> (Observed, Option<String>) {
    let line = got.split(|&b| b == b'\n').next().unwrap_or_default();
    if got.starts_with(want) {
        return (Observed::Reached, None);
    }
    let text = String::from_utf8_lossy(line);
    let shown: String = text.chars().take(80).collect();
    (Observed::WrongPeer, Some(format!("answered: {shown:?}")))
}

fn udp(addr: SocketAddr, want: &str, nonce: &str, timeout: Duration) -> (Observed, Option<String>) {
    let local: SocketAddr = if addr.is_ipv4() {
        "0.0.0.0:0".parse().expect("an address")
    } else {
        "[::]:0".parse().expect("an address")
    };
    let socket = match UdpSocket::bind(local) {
        Ok(s) => s,
        Err(e) => return (Observed::Error, Some(e.to_string())),
    };
    let payload = format!("{GREETING_WORD}? {nonce}");
    let sent = socket
        .connect(addr)
        .and_then(|()| socket.set_read_timeout(Some(timeout)))
        .and_then(|()| socket.send(payload.as_bytes()));
    if let Err(e) = sent {
        return failed(&e);
    }
    let mut buf = [0u8; 2048];
    match socket.recv(&mut buf) {
        Ok(n) => {
            let expected = format!("{want}{payload}");
            match compare(&buf[..n], expected.as_bytes()) {
                (Observed::Reached, _) if n == expected.len() => (Observed::Reached, None),
                (Observed::Reached, _) => (Observed::WrongPeer, Some("another echo".into())),
                other => other,
            }
        }
        Err(e) => failed(&e),
    }
}

fn sctp(addr: SocketAddr, want: &str, timeout: Duration) -> (Observed, Option<String>) {
    let socket = match Socket::new(
        Domain::for_address(addr),
        Type::STREAM,
        Some(SockProtocol::SCTP),
    ) {
        Ok(s) => s,
        Err(e) => {
            return (
                Observed::Unsupported,
                Some(format!("SCTP is not available on this host: {e}")),
            );
        }
    };
    if let Err(e) = socket.connect_timeout(&addr.into(), timeout) {
        return failed(&e);
    }
    match socket.set_read_timeout(Some(timeout)) {
        Ok(()) => read_greeting(socket, want),
        Err(e) => (Observed::Error, Some(e.to_string())),
    }
}
