//! Compiled `ports` lists of policy rules and their resolution against the
//! destination's container ports.
//!
//! - `ports` absent or `[]`: every port of every protocol.
//! - `protocol` absent: TCP.
//! - `port` absent: every port of that protocol.
//! - numeric `port` with `endPort`: the inclusive range `port..=endPort`.
//! - named `port`: the destination's container ports carrying that name
//!   *and* the entry's protocol; nothing if the destination has none.
//! - an entry Kubernetes would reject (port outside `1..=65535`, `endPort`
//!   without a numeric `port`, `endPort < port`) allows nothing.

use crate::k8s::{ContainerPort, IntOrString, PolicyPort, Protocol};

use super::ports::{MAX_PORT, MIN_PORT, PortSet};

/// The compiled `ports` field of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortMatcher {
    /// `ports` absent or empty: all ports and protocols.
    Any,
    /// A non-empty list; entries are ORed.
    List(Vec<PortEntry>),
}

/// One compiled `ports[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortEntry {
    /// The entry's protocol (TCP when absent).
    pub protocol: Protocol,
    /// Which ports of that protocol.
    pub spec: PortSpec,
}

/// The port part of a `ports[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSpec {
    /// `port` absent: every port of the protocol.
    All,
    /// Numeric `port`, or `port..=endPort`.
    Range(u16, u16),
    /// A container port name, resolved at the destination.
    Named(String),
    /// Structurally invalid: matches nothing.
    Invalid,
}

impl PortEntry {
    /// Compiles one `ports[]` entry.
    pub fn new(pp: &PolicyPort) -> PortEntry {
        let protocol = pp.protocol.unwrap_or_default();
        let spec = match (&pp.port, pp.end_port) {
            (None, None) => PortSpec::All,
            (None, Some(_)) => PortSpec::Invalid,
            (Some(IntOrString::String(name)), None) => PortSpec::Named(name.clone()),
            (Some(IntOrString::String(_)), Some(_)) => PortSpec::Invalid,
            (Some(IntOrString::Int(p)), end) => match (to_port(*p), end.map(to_port)) {
                (Some(p), None) => PortSpec::Range(p, p),
                (Some(p), Some(Some(e))) if e >= p => PortSpec::Range(p, e),
                _ => PortSpec::Invalid,
            },
        };
        PortEntry { protocol, spec }
    }

    /// The ports this entry allows towards a destination with `dst` ports.
    pub fn resolve(&self, dst: &[ContainerPort]) -> PortSet {
        match &self.spec {
            PortSpec::All => PortSet::all_of(self.protocol),
            PortSpec::Range(lo, hi) => PortSet::range(self.protocol, *lo, *hi),
            PortSpec::Invalid => PortSet::empty(),
            PortSpec::Named(name) => {
                let mut s = PortSet::empty();
                for cp in dst {
                    if cp.protocol == self.protocol && cp.name.as_deref() == Some(name.as_str()) {
                        s.insert_all(&PortSet::single(cp.protocol, cp.port));
                    }
                }
                s
            }
        }
    }
}

/// A port number in `1..=65535`, or `None`.
fn to_port(n: i64) -> Option<u16> {
    u16::try_from(n)
        .ok()
        .filter(|p| (MIN_PORT..=MAX_PORT).contains(p))
}

impl PortMatcher {
    /// Compiles a rule's `ports` field (`None` = absent).
    pub fn new(ports: Option<&[PolicyPort]>) -> PortMatcher {
        match ports {
            None | Some([]) => PortMatcher::Any,
            Some(list) => PortMatcher::List(list.iter().map(PortEntry::new).collect()),
        }
    }

    /// True if the result of `resolve` does not depend on the destination.
    pub fn is_dst_independent(&self) -> bool {
        match self {
            PortMatcher::Any => true,
            PortMatcher::List(es) => !es.iter().any(|e| matches!(e.spec, PortSpec::Named(_))),
        }
    }

    /// The ports allowed towards a destination with container ports `dst`
    /// (pass `&[]` for an external destination).
    pub fn resolve(&self, dst: &[ContainerPort]) -> PortSet {
        match self {
            PortMatcher::Any => PortSet::full(),
            PortMatcher::List(es) => {
                let mut s = PortSet::empty();
                for e in es {
                    s.insert_all(&e.resolve(dst));
                }
                s
            }
        }
    }

    /// True if `port`/`protocol` towards a destination with `dst` ports matches.
    pub fn matches(&self, port: u16, protocol: Protocol, dst: &[ContainerPort]) -> bool {
        match self {
            PortMatcher::Any => true,
            PortMatcher::List(es) => es.iter().any(|e| e.resolve(dst).contains(port, protocol)),
        }
    }
}

/// Resolves one `PolicyPort` against a destination's container ports.
pub fn resolve_policy_port(pp: &PolicyPort, dst: &[ContainerPort]) -> PortSet {
    PortEntry::new(pp).resolve(dst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Protocol::*;

    fn pp(protocol: Option<Protocol>, port: Option<IntOrString>, end: Option<i64>) -> PolicyPort {
        PolicyPort {
            protocol,
            port,
            end_port: end,
        }
    }

    fn cp(name: &str, port: u16, protocol: Protocol) -> ContainerPort {
        ContainerPort {
            name: Some(name.to_string()),
            port,
            protocol,
        }
    }

    fn named(n: &str) -> Option<IntOrString> {
        Some(IntOrString::String(n.to_string()))
    }

    #[test]
    fn absent_or_empty_ports_allow_everything() {
        assert_eq!(PortMatcher::new(None).resolve(&[]), PortSet::full());
        assert_eq!(PortMatcher::new(Some(&[])).resolve(&[]), PortSet::full());
    }

    #[test]
    fn protocol_defaults_to_tcp_and_absent_port_means_all() {
        assert_eq!(
            resolve_policy_port(&pp(None, None, None), &[]),
            PortSet::all_of(TCP)
        );
        assert_eq!(
            resolve_policy_port(&pp(Some(UDP), None, None), &[]),
            PortSet::all_of(UDP)
        );
    }

    #[test]
    fn numeric_port_and_end_port_range() {
        let p = pp(None, Some(IntOrString::Int(80)), None);
        assert_eq!(resolve_policy_port(&p, &[]), PortSet::single(TCP, 80));
        let r = pp(Some(SCTP), Some(IntOrString::Int(8000)), Some(8010));
        let s = resolve_policy_port(&r, &[]);
        assert!(s.contains(8000, SCTP) && s.contains(8010, SCTP));
        assert!(!s.contains(8011, SCTP) && !s.contains(8005, TCP));
    }

    #[test]
    fn named_port_needs_same_name_and_protocol() {
        let dst = [
            cp("serve-80-tcp", 80, TCP),
            cp("serve-81-udp", 81, UDP),
            cp("dns", 53, UDP),
            cp("dns", 5353, TCP),
        ];
        assert_eq!(
            resolve_policy_port(&pp(None, named("serve-80-tcp"), None), &dst),
            PortSet::single(TCP, 80)
        );
        // Protocol defaults to TCP; the UDP container port does not match.
        assert!(resolve_policy_port(&pp(None, named("serve-81-udp"), None), &dst).is_empty());
        assert_eq!(
            resolve_policy_port(&pp(Some(UDP), named("serve-81-udp"), None), &dst),
            PortSet::single(UDP, 81)
        );
        assert_eq!(
            resolve_policy_port(&pp(Some(UDP), named("dns"), None), &dst),
            PortSet::single(UDP, 53)
        );
        assert!(resolve_policy_port(&pp(None, named("missing"), None), &dst).is_empty());
        assert!(resolve_policy_port(&pp(None, named("serve-80-tcp"), None), &[]).is_empty());
    }

    #[test]
    fn invalid_entries_allow_nothing() {
        for p in [
            pp(None, Some(IntOrString::Int(0)), None),
            pp(None, Some(IntOrString::Int(65536)), None),
            pp(None, Some(IntOrString::Int(-1)), None),
            pp(None, Some(IntOrString::Int(90)), Some(80)),
            pp(None, Some(IntOrString::Int(90)), Some(70000)),
            pp(None, None, Some(80)),
            pp(None, named("http"), Some(80)),
        ] {
            assert_eq!(PortEntry::new(&p).spec, PortSpec::Invalid, "{p:?}");
        }
    }

    #[test]
    fn matcher_matches_and_dst_independence() {
        let list = [
            pp(None, Some(IntOrString::Int(80)), None),
            pp(Some(UDP), named("dns"), None),
        ];
        let m = PortMatcher::new(Some(&list));
        assert!(!m.is_dst_independent());
        let dst = [cp("dns", 53, UDP)];
        assert!(m.matches(80, TCP, &[]));
        assert!(m.matches(53, UDP, &dst));
        assert!(!m.matches(53, UDP, &[]));
        assert!(!m.matches(53, TCP, &dst));
        assert!(PortMatcher::Any.matches(1, SCTP, &[]));
        assert!(PortMatcher::new(Some(&list[..1])).is_dst_independent());
    }
}
