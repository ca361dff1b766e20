//! Ports as the intent writes them: `8080`, `"53/UDP"`, `"8000-8010/TCP"`,
//! or the name of a destination's port (`http`).

use crate::k8s::Protocol;
use crate::k8s::names;
use crate::spec::PortValue;

/// A parsed port reference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortRef {
    /// One port, or the inclusive range `port..=end`.
    Number {
        port: u16,
        end: Option<u16>,
        protocol: Protocol,
    },
    /// A port name, resolved at each destination.
    Named(String),
}

/// Parses and checks one port reference.
pub fn parse(value: &PortValue) -> Result<PortRef, String> {
    match value {
        PortValue::Number(n) => Ok(PortRef::Number {
            port: number(*n)?,
            end: None,
            protocol: Protocol::TCP,
        }),
        PortValue::Text(text) => parse_text(text),
    }
}

fn number(n: i64) -> Result<u16, String> {
    match u16::try_from(n) {
        Ok(p) if p >= 1 => Ok(p),
        _ => Err(format!("port {n} is out of range 1-65535")),
    }
}

fn parse_text(text: &str) -> Result<PortRef, String> {
    let (body, protocol) = match text.split_once('/') {
        Some((body, proto)) => (
            body,
            Protocol::parse(proto).ok_or_else(|| {
                format!("protocol {proto:?} in {text:?} must be one of TCP, UDP, SCTP")
            })?,
        ),
        None => (text, Protocol::TCP),
    };
    let num = |s: &str| -> Result<u16, String> {
        let n: i64 = s
            .parse()
            .map_err(|_| format!("{text:?} is not a port number, range or name"))?;
        number(n)
    };
    if let Some((lo, hi)) = body
        .split_once('-')
        .filter(|(lo, _)| lo.chars().all(|c| c.is_ascii_digit()) && !lo.is_empty())
    {
        let (port, end) = (num(lo)?, num(hi)?);
        if end < port {
            return Err(format!("range {text:?} ends before it starts"));
        }
        return Ok(PortRef::Number {
            port,
            end: (end != port).then_some(end),
            protocol,
        });
    }
    if body.chars().all(|c| c.is_ascii_digit()) {
        return Ok(PortRef::Number {
            port: num(body)?,
            end: None,
            protocol,
        });
    }
    if text.contains('/') {
        return Err(format!(
            "{text:?}: a named port takes its protocol from the service; drop the /{protocol}"
        ));
    }
    names::port_name(body)?;
    Ok(PortRef::Named(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Result<PortRef, String> {
        parse(&PortValue::Text(s.into()))
    }

    #[test]
    fn numbers_ranges_protocols_and_names() {
        let tcp = Protocol::TCP;
        assert_eq!(
            parse(&PortValue::Number(8080)),
            Ok(PortRef::Number {
                port: 8080,
                end: None,
                protocol: tcp
            })
        );
        assert_eq!(
            text("53/UDP"),
            Ok(PortRef::Number {
                port: 53,
                end: None,
                protocol: Protocol::UDP
            })
        );
        assert_eq!(
            text("8000-8010/TCP"),
            Ok(PortRef::Number {
                port: 8000,
                end: Some(8010),
                protocol: tcp
            })
        );
        assert_eq!(
            text("8000-8010"),
            Ok(PortRef::Number {
                port: 8000,
                end: Some(8010),
                protocol: tcp
            })
        );
        assert_eq!(
            text("9/SCTP"),
            Ok(PortRef::Number {
                port: 9,
                end: None,
                protocol: Protocol::SCTP
            })
        );
        assert_eq!(text("metrics"), Ok(PortRef::Named("metrics".into())));
        assert_eq!(text("http-2"), Ok(PortRef::Named("http-2".into())));
    }

    #[test]
    fn bad_ports_are_refused_with_the_reason() {
        for (input, needle) in [
            ("0", "out of range"),
            ("65536", "out of range"),
            ("53/udp", "must be one of TCP, UDP, SCTP"),
            ("53/ICMP", "must be one of"),
            ("9000-8000", "ends before"),
            ("80-70000", "out of range"),
            ("Metrics", "port name"),
            ("http/TCP", "named port"),
        ] {
            let err = text(input).unwrap_err();
            assert!(err.contains(needle), "{input}: {err}");
        }
        assert!(
            parse(&PortValue::Number(-1))
                .unwrap_err()
                .contains("out of range")
        );
        assert!(
            parse(&PortValue::Number(70000))
                .unwrap_err()
                .contains("out of range")
        );
    }
}
