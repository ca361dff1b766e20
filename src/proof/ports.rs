//! Ports as sets: numbers per protocol as intervals, plus named ports kept
//! symbolic where the destination's container ports are unknown.
//!
//! A symbolic `(protocol, name)` stands for "the destination's container
//! port of that name, if it has that protocol": it lies inside a set that
//! lists the same pair, or that holds every number of the protocol, and
//! in nothing else. A named port is resolved where the destination is
//! known: at a pod of a declared service it is that service's port (or
//! nothing, if the service has no such name or the protocol differs), at an
//! address it is nothing.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{MAX_PORT, MIN_PORT, PortMatcher, PortSet, PortSpec as RulePort};
use crate::k8s::Protocol;
use crate::model::NamedPort;
use crate::model::PortRef;

/// A set of ports: numbers, and names not resolved to numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ports {
    /// Port numbers per protocol.
    pub numbers: PortSet,
    /// Named ports of a destination whose container ports are unknown.
    pub names: BTreeSet<(Protocol, String)>,
}

/// A piece of a port set that every set in one comparison holds whole or
/// not at all.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Atom {
    /// The numbers `lo..=hi` of a protocol.
    Numbers(Protocol, u16, u16),
    /// A named port of a destination with unknown container ports.
    Name(Protocol, String),
}

/// Where the ports are resolved: the destination of the traffic.
#[derive(Debug, Clone, Copy)]
pub enum Dest<'a> {
    /// A pod of a declared service, with its ports.
    Service(&'a BTreeMap<String, NamedPort>),
    /// A pod whose container ports are unknown: names stay symbolic.
    Pod,
    /// An address outside the cluster: names resolve to nothing.
    Address,
}

impl Ports {
    /// No port.
    pub fn empty() -> Ports {
        Ports::default()
    }

    /// Every port of every protocol (and so every name).
    pub fn all() -> Ports {
        Ports {
            numbers: PortSet::full(),
            names: BTreeSet::new(),
        }
    }

    /// Numbers only.
    pub fn numbers(numbers: PortSet) -> Ports {
        Ports {
            numbers,
            names: BTreeSet::new(),
        }
    }

    /// True if no port is in the set.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty() && self.names.is_empty()
    }

    /// True if every port of every protocol is in the set.
    pub fn is_all(&self) -> bool {
        self.numbers.is_full()
    }

    /// Adds every member of `other`.
    pub fn insert_all(&mut self, other: &Ports) {
        self.numbers.insert_all(&other.numbers);
        self.names.extend(other.names.iter().cloned());
    }

    /// True if the whole atom lies in the set.
    pub fn contains(&self, atom: &Atom) -> bool {
        match atom {
            Atom::Numbers(p, lo, hi) => self
                .numbers
                .intervals(*p)
                .iter()
                .any(|&(a, b)| a <= *lo && *hi <= b),
            Atom::Name(p, n) => {
                self.names.contains(&(*p, n.clone())) || self.numbers.intervals(*p) == full()
            }
        }
    }

    /// Members of `self` not in `other`.
    pub fn difference(&self, other: &Ports) -> Ports {
        Ports {
            numbers: self.numbers.difference(&other.numbers),
            names: self
                .names
                .iter()
                .filter(|(p, n)| !other.contains(&Atom::Name(*p, n.clone())))
                .cloned()
                .collect(),
        }
    }
}

fn full() -> &'static [(u16, u16)] {
    &[(MIN_PORT, MAX_PORT)]
}

/// The atoms of the union of `sets`: numbers cut at every boundary any set
/// has, and each name.
pub fn atoms<'a>(sets: impl IntoIterator<Item = &'a Ports>) -> Vec<Atom> {
    let sets: Vec<&Ports> = sets.into_iter().collect();
    let mut out = Vec::new();
    for p in Protocol::ALL {
        let mut union = PortSet::empty();
        let mut cuts: BTreeSet<u32> = BTreeSet::new();
        for s in &sets {
            for &(lo, hi) in s.numbers.intervals(p) {
                cuts.insert(u32::from(lo));
                cuts.insert(u32::from(hi) + 1);
            }
            union.insert_all(&s.numbers);
        }
        for &(lo, hi) in union.intervals(p) {
            let mut start = u32::from(lo);
            if lo < hi {
                for &cut in cuts.range(u32::from(lo) + 1..=u32::from(hi)) {
                    out.push(Atom::Numbers(p, port(start), port(cut - 1)));
                    start = cut;
                }
            }
            out.push(Atom::Numbers(p, port(start), hi));
        }
    }
    let names: BTreeSet<&(Protocol, String)> = sets.iter().flat_map(|s| &s.names).collect();
    out.extend(names.into_iter().map(|(p, n)| Atom::Name(*p, n.clone())));
    out
}

fn port(x: u32) -> u16 {
    u16::try_from(x).unwrap_or(MAX_PORT)
}

/// The ports a rule's `ports` admit towards `dest`.
pub fn admitted(matcher: &PortMatcher, dest: Dest<'_>) -> Ports {
    let entries = match matcher {
        PortMatcher::Any => return Ports::all(),
        PortMatcher::List(entries) => entries,
    };
    let mut out = Ports::empty();
    for e in entries {
        match &e.spec {
            RulePort::All => out.numbers.insert_all(&PortSet::all_of(e.protocol)),
            RulePort::Range(lo, hi) => out
                .numbers
                .insert_all(&PortSet::range(e.protocol, *lo, *hi)),
            RulePort::Invalid => {}
            RulePort::Named(name) => match dest {
                Dest::Service(ports) => {
                    if let Some(np) = ports.get(name).filter(|np| np.protocol == e.protocol) {
                        out.numbers
                            .insert_all(&PortSet::single(np.protocol, np.port));
                    }
                }
                Dest::Pod => {
                    out.names.insert((e.protocol, name.clone()));
                }
                Dest::Address => {}
            },
        }
    }
    out
}

/// True if a rule's `ports` name a port.
pub fn has_names(matcher: &PortMatcher) -> bool {
    !matcher.is_dst_independent()
}

/// The ports a flow declares towards `dest`. A name towards a pod of no
/// declared service means that name on each protocol the flow's
/// destination services give it (`name_protocols`), as the render does.
pub fn declared(
    specs: &[PortRef],
    dest: Dest<'_>,
    name_protocols: &BTreeMap<String, BTreeSet<Protocol>>,
) -> Ports {
    let mut out = Ports::empty();
    for spec in specs {
        match spec {
            PortRef::Number {
                port,
                end,
                protocol,
            } => out
                .numbers
                .insert_all(&PortSet::range(*protocol, *port, end.unwrap_or(*port))),
            PortRef::Named(name) => match dest {
                Dest::Service(ports) => {
                    if let Some(np) = ports.get(name) {
                        out.numbers
                            .insert_all(&PortSet::single(np.protocol, np.port));
                    }
                }
                Dest::Pod => {
                    for p in name_protocols.get(name).into_iter().flatten() {
                        out.names.insert((*p, name.clone()));
                    }
                }
                Dest::Address => {}
            },
        }
    }
    out
}

#[cfg(test)]
#[path = "ports_tests.rs"]
mod tests;
