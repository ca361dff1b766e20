//! Address-range arithmetic for external peers: how much of a queried
//! CIDR a set of `ipBlock`s (each minus its `except` holes) covers.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::engine::IpBlockRef;

/// How much of a queried range some blocks cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Every address.
    All,
    /// Some addresses, not all.
    Part,
    /// No address.
    None,
}

/// An inclusive address interval; IPv4 and IPv6 never overlap.
type Interval = (bool, u128, u128);

fn interval(net: &IpNet) -> Interval {
    match net {
        IpNet::V4(n) => (
            false,
            u128::from(u32::from(n.network())),
            u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (true, u128::from(n.network()), u128::from(n.broadcast())),
    }
}

/// `a` minus each of `holes`.
fn subtract(a: Interval, holes: &[Interval]) -> Vec<Interval> {
    let mut parts = vec![a];
    for &(v6, lo, hi) in holes {
        let mut next = Vec::new();
        for (pv6, plo, phi) in parts {
            if pv6 != v6 || hi < plo || lo > phi {
                next.push((pv6, plo, phi));
                continue;
            }
            if lo > plo {
                next.push((pv6, plo, lo - 1));
            }
            if hi < phi {
                next.push((pv6, hi + 1, phi));
            }
        }
        parts = next;
    }
    parts
}

/// The part of `query` covered by `blocks`; `None` in `blocks` stands for
/// "every address" (a rule without peers).
pub fn coverage(query: &IpNet, blocks: &[Option<&IpBlockRef>]) -> Coverage {
    let q = interval(query);
    let mut covered: Vec<Interval> = Vec::new();
    for b in blocks {
        match b {
            None => return Coverage::All,
            Some(b) => {
                let holes: Vec<Interval> = b.except.iter().map(interval).collect();
                covered.extend(subtract(interval(&b.cidr), &holes));
            }
        }
    }
    let left = subtract(q, &covered);
    if left.is_empty() {
        Coverage::All
    } else if left == [q] {
        Coverage::None
    } else {
        Coverage::Part
    }
}

/// True if `block` shares at least one address with `query`.
pub fn overlaps(query: &IpNet, block: &IpBlockRef) -> bool {
    coverage(query, &[Some(block)]) != Coverage::None
}

/// Parses `10.0.0.0/8`, `10.1.2.3` or `2001:db8::/32` (host bits cleared).
pub fn parse_net(s: &str) -> Option<IpNet> {
    if let Ok(net) = s.parse::<IpNet>() {
        return Some(net.trunc());
    }
    s.parse::<IpAddr>().ok().map(IpNet::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::IpBlock;

    fn block(cidr: &str, except: &[&str]) -> IpBlockRef {
        let b = IpBlock {
            cidr: cidr.into(),
            except: except.iter().map(|s| s.to_string()).collect(),
        };
        IpBlockRef::parse(&b).unwrap_or_else(|| panic!("bad test block {cidr}"))
    }

    fn q(s: &str) -> IpNet {
        parse_net(s).unwrap_or_else(|| panic!("bad test net {s}"))
    }

    #[test]
    fn coverage_with_holes_and_overlaps() {
        let b = block("10.0.0.0/8", &["10.1.0.0/16"]);
        assert_eq!(coverage(&q("10.2.0.0/16"), &[Some(&b)]), Coverage::All);
        assert_eq!(coverage(&q("10.1.2.3"), &[Some(&b)]), Coverage::None);
        assert_eq!(coverage(&q("10.0.0.0/8"), &[Some(&b)]), Coverage::Part);
        assert_eq!(coverage(&q("0.0.0.0/0"), &[Some(&b)]), Coverage::Part);
        assert_eq!(coverage(&q("11.0.0.1"), &[Some(&b)]), Coverage::None);
        // Another block fills the hole (upstream: overlapping except and cidr).
        let hole = block("10.1.0.0/16", &[]);
        assert_eq!(
            coverage(&q("10.0.0.0/8"), &[Some(&b), Some(&hole)]),
            Coverage::All
        );
        assert_eq!(coverage(&q("10.0.0.0/8"), &[None]), Coverage::All);
        assert_eq!(coverage(&q("10.0.0.0/8"), &[]), Coverage::None);
    }

    #[test]
    fn families_do_not_mix() {
        let v6 = block("::/0", &[]);
        assert_eq!(coverage(&q("10.0.0.1"), &[Some(&v6)]), Coverage::None);
        assert_eq!(coverage(&q("2001:db8::1"), &[Some(&v6)]), Coverage::All);
        assert_eq!(
            coverage(&q("0.0.0.0/0"), &[Some(&block("0.0.0.0/0", &[]))]),
            Coverage::All
        );
        assert!(overlaps(&q("10.0.0.0/8"), &block("10.9.0.0/16", &[])));
        assert!(parse_net("10.0.0.1/33").is_none());
        assert_eq!(q("10.0.0.7/24").to_string(), "10.0.0.0/24");
        assert_eq!(q("10.0.0.7").to_string(), "10.0.0.7/32");
    }
}
