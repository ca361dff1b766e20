//! `probe serve`: listen on every port of a probe and answer every
//! connection with the greeting, every datagram with the greeting and the
//! datagram (`crate::probe::greeting`).

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use socket2::{Domain, Protocol as SockProtocol, Socket, Type};

use crate::k8s::Protocol;
use crate::probe::greeting;

/// The largest datagram echoed back (the rest is cut).
const MAX_ECHO: usize = 512;

/// Sockets bound and listening, not yet served.
pub struct Listening {
    id: String,
    sockets: Vec<(u16, Protocol, SocketAddr, Bound)>,
    /// What could not be bound but need not stop the server (SCTP on a
    /// kernel without it).
    pub notes: Vec<String>,
}

enum Bound {
    Tcp(TcpListener),
    Udp(UdpSocket),
    Sctp(Socket),
}

/// Binds every `(port, protocol)` on each of `addrs` (when empty: `::`,
/// accepting IPv4 too, or `0.0.0.0` where IPv6 is not available). A port
/// that cannot be bound is an error naming it; SCTP where the kernel has
/// no SCTP is a note.
pub fn bind(id: &str, ports: &[(u16, Protocol)], addrs: &[IpAddr]) -> Result<Listening, String> {
    let addrs: Vec<IpAddr> = if addrs.is_empty() {
        let v6 = Socket::new(Domain::IPV6, Type::STREAM, None).is_ok();
        vec![if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        }]
    } else {
        addrs.to_vec()
    };
    let mut out = Listening {
        id: id.to_string(),
        sockets: Vec::new(),
        notes: Vec::new(),
    };
    for &ip in &addrs {
        for &(port, protocol) in ports {
            let addr = SocketAddr::new(ip, port);
            match open(addr, protocol) {
                Ok(bound) => out.sockets.push((port, protocol, addr, bound)),
                Err(Open::Unsupported(e)) => out.notes.push(format!(
                    "{protocol} is not supported on this host ({e}); {addr}/{protocol} is not served"
                )),
                Err(Open::Failed(e)) => return Err(format!("cannot listen on {addr}/{protocol}: {e}")),
            }
        }
    }
    Ok(out)
}

enum Open {
    Unsupported(std::io::Error),
    Failed(std::io::Error),
}

fn open(addr: SocketAddr, protocol: Protocol) -> Result<Bound, Open> {
    let (ty, proto) = match protocol {
        Protocol::TCP => (Type::STREAM, SockProtocol::TCP),
        Protocol::UDP => (Type::DGRAM, SockProtocol::UDP),
        Protocol::SCTP => (Type::STREAM, SockProtocol::SCTP),
    };
    let socket = Socket::new(Domain::for_address(addr), ty, Some(proto)).map_err(|e| {
        if protocol == Protocol::SCTP {
            Open::Unsupported(e)
        } else {
            Open::Failed(e)
        }
    })?;
    let setup = || -> std::io::Result<()> {
        if addr.is_ipv6() {
            socket.set_only_v6(false)?;
        }
        if ty == Type::STREAM {
            socket.set_reuse_address(true)?;
        }
        socket.bind(&addr.into())?;
        if ty == Type::STREAM {
            socket.listen(128)?;
        }
        Ok(())
    };
    setup().map_err(Open::Failed)?;
    Ok(match protocol {
        Protocol::TCP => Bound::Tcp(socket.into()),
        Protocol::UDP => Bound::Udp(socket.into()),
        Protocol::SCTP => Bound::Sctp(socket),
    })
}

impl Listening {
    /// One line per listening socket: `serving ID on ADDR PORT/PROTOCOL`.
    pub fn lines(&self) -> Vec<String> {
        self.sockets
            .iter()
            .map(|(port, protocol, addr, _)| {
                format!("serving {} on {} {port}/{protocol}", self.id, addr.ip())
            })
            .collect()
    }

    /// Serves until `exit_after` has passed (forever when `None`).
    pub fn serve(self, exit_after: Option<Duration>) {
        let id = self.id;
        for (port, protocol, _, bound) in self.sockets {
            let hello = greeting(&id, port, protocol);
            std::thread::spawn(move || match bound {
                Bound::Tcp(l) => loop {
                    if let Ok((conn, _)) = l.accept() {
                        let _ = conn.set_write_timeout(Some(Duration::from_secs(1)));
                        let mut conn = conn;
                        let _ = conn.write_all(hello.as_bytes());
                        let _ = conn.shutdown(Shutdown::Write);
                    } else {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                },
                Bound::Sctp(l) => loop {
                    if let Ok((mut conn, _)) = l.accept() {
                        let _ = conn.set_write_timeout(Some(Duration::from_secs(1)));
                        let _ = conn.write_all(hello.as_bytes());
                        let _ = conn.shutdown(Shutdown::Write);
                    } else {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                },
                Bound::Udp(s) => {
                    let mut buf = [0u8; 2048];
                    loop {
                        match s.recv_from(&mut buf) {
                            Ok((n, from)) => {
                                let mut reply = hello.as_bytes().to_vec();
                                reply.extend_from_slice(&buf[..n.min(MAX_ECHO)]);
                                let _ = s.send_to(&reply, from);
                            }
                            Err(_) => std::thread::sleep(Duration::from_millis(50)),
                        }
                    }
                }
            });
        }
        match exit_after {
            Some(d) => std::thread::sleep(d),
            None => loop {
                std::thread::park();
            },
        }
    }
}
