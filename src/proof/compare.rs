//! One comparison: the traffic rules admit against the traffic flows
//! declare, towards one destination (so ports are resolved already).
//!
//! Each side is a union of pieces `parties x ports`. Ports are cut into
//! atoms that every piece holds whole or not at all; for each distinct
//! pattern of which pieces hold an atom, the admitted parties must lie in
//! the declared ones (Extra otherwise) and the declared in the admitted
//! (Missing otherwise). Pods are compared as cubes, addresses as intervals.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::Kind;
use super::addrs::AddrSet;
use super::cover::uncovered;
use super::labels::Cube;
use super::ports::{Atom, Ports, atoms};
use super::traffic::Parties;

/// Parties on some ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub parties: Parties,
    pub ports: Ports,
}

/// Where one side is not inside the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// Pods in this cube (no piece of the other side meets it).
    Pods(Cube),
    /// An interval of addresses the other side lacks.
    Addrs(IpAddr, IpAddr),
}

/// A piece not inside the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    /// Index of the admitted piece (Extra) or declared piece (Missing).
    pub piece: usize,
    pub gap: Gap,
    /// Ports on which the gap holds.
    pub atom: Atom,
}

/// Compares both ways. Pods inside a cube of `free` are settled elsewhere
/// and count as covered. At most one finding per piece and kind.
pub fn compare(admitted: &[Piece], declared: &[Piece], free: &[&Cube]) -> Vec<Finding> {
    let all_ports = admitted.iter().chain(declared).map(|p| &p.ports);
    let mut seen: BTreeSet<(Vec<usize>, Vec<usize>)> = BTreeSet::new();
    let mut done: BTreeSet<(Kind, usize)> = BTreeSet::new();
    let mut out = Vec::new();
    for atom in atoms(all_ports) {
        let holding = |pieces: &[Piece]| -> Vec<usize> {
            (0..pieces.len())
                .filter(|&i| pieces[i].ports.contains(&atom))
                .collect()
        };
        let (a, d) = (holding(admitted), holding(declared));
        if !seen.insert((a.clone(), d.clone())) {
            continue;
        }
        for (kind, these, pieces, others, other_pieces) in [
            (Kind::Extra, &a, admitted, &d, declared),
            (Kind::Missing, &d, declared, &a, admitted),
        ] {
            let cover: Vec<&Cube> = others
                .iter()
                .filter_map(|&j| other_pieces[j].parties.pods.as_ref())
                .chain(free.iter().copied())
                .collect();
            let mut addrs: Option<AddrSet> = None;
            for &i in these {
                if done.contains(&(kind, i)) {
                    continue;
                }
                let piece = &pieces[i].parties;
                let gap = piece
                    .pods
                    .as_ref()
                    .and_then(|c| uncovered(c, &cover))
                    .map(Gap::Pods)
                    .or_else(|| {
                        if piece.addrs.is_empty() {
                            return None;
                        }
                        let covered = addrs.get_or_insert_with(|| {
                            others.iter().fold(AddrSet::empty(), |acc, &j| {
                                acc.union(&other_pieces[j].parties.addrs)
                            })
                        });
                        let (first, last) = piece.addrs.difference(covered).first_range()?;
                        Some(Gap::Addrs(first, last))
                    });
                if let Some(gap) = gap {
                    done.insert((kind, i));
                    out.push(Finding {
                        kind,
                        piece: i,
                        gap,
                        atom: atom.clone(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PortSet;
    use crate::k8s::{Labels, Protocol};
    use crate::proof::labels::Key;
    use crate::proof::traffic::{in_namespace, universe};

    fn pods(ns: &str, pairs: &[(&str, &str)]) -> Parties {
        let l: Labels = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Parties::pods(in_namespace(ns, &Cube::labels(&l, Key::Pod)))
    }

    fn tcp(lo: u16, hi: u16) -> Ports {
        Ports::numbers(PortSet::range(Protocol::TCP, lo, hi))
    }

    fn piece(parties: Parties, ports: Ports) -> Piece {
        Piece { parties, ports }
    }

    fn block(cidr: &str) -> Parties {
        let net = cidr.parse::<ipnet::IpNet>().ok();
        Parties::addrs(net.map_or_else(AddrSet::empty, AddrSet::net))
    }

    #[test]
    fn equal_sides_have_no_findings() {
        let web = piece(pods("prod", &[("app", "web")]), tcp(80, 80));
        let same = std::slice::from_ref(&web);
        assert!(compare(same, same, &[]).is_empty());
        assert!(compare(&[], &[], &[]).is_empty());
    }

    #[test]
    fn extra_pods_ports_and_addresses() {
        let declared = [
            piece(pods("prod", &[("app", "web")]), tcp(80, 80)),
            piece(block("10.0.0.0/8"), tcp(443, 443)),
        ];
        // (admitted, kind, gap, atom) of the single finding
        let cases = [
            (
                piece(pods("prod", &[("role", "debug")]), tcp(80, 80)),
                Kind::Extra,
                "pods",
                Atom::Numbers(Protocol::TCP, 80, 80),
            ),
            (
                piece(pods("prod", &[("app", "web")]), tcp(80, 81)),
                Kind::Extra,
                "pods",
                Atom::Numbers(Protocol::TCP, 81, 81),
            ),
            (
                piece(block("0.0.0.0/1"), tcp(443, 443)),
                Kind::Extra,
                "0.0.0.0-9.255.255.255",
                Atom::Numbers(Protocol::TCP, 443, 443),
            ),
        ];
        for (admitted, kind, gap, atom) in cases {
            let got = compare(&[admitted.clone(), declared[1].clone()], &declared, &[]);
            let extra: Vec<&Finding> = got.iter().filter(|f| f.kind == Kind::Extra).collect();
            assert_eq!(extra.len(), 1, "{admitted:?}: {got:?}");
            assert_eq!((extra[0].kind, extra[0].piece), (kind, 0));
            assert_eq!(extra[0].atom, atom);
            match &extra[0].gap {
                Gap::Pods(_) => assert_eq!(gap, "pods"),
                Gap::Addrs(a, b) => assert_eq!(format!("{a}-{b}"), gap),
            }
        }
    }

    #[test]
    fn missing_pieces_are_found() {
        let declared = [piece(pods("prod", &[("app", "web")]), tcp(80, 80))];
        let admitted = [piece(pods("prod", &[("app", "web")]), tcp(81, 81))];
        let got = compare(&admitted, &declared, &[]);
        let kinds: Vec<(Kind, usize)> = got.iter().map(|f| (f.kind, f.piece)).collect();
        assert_eq!(kinds, [(Kind::Missing, 0), (Kind::Extra, 0)]);
    }

    #[test]
    fn any_party_is_more_than_pods() {
        let any = piece(Parties::any(), tcp(80, 80));
        let all_pods = piece(Parties::pods(Some(universe())), tcp(80, 80));
        let got = compare(&[any], &[all_pods], &[]);
        assert!(
            matches!(
                got.as_slice(),
                [Finding {
                    kind: Kind::Extra,
                    gap: Gap::Addrs(..),
                    ..
                }]
            ),
            "{got:?}"
        );
        // Free cubes count as covered.
        let web = piece(pods("prod", &[("app", "web")]), tcp(80, 80));
        let free = in_namespace("prod", &Cube::everything()).unwrap_or_default();
        assert!(compare(&[web], &[], &[&free]).is_empty());
    }
}
