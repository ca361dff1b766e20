//! Address sets, exact: sorted disjoint inclusive intervals of IPv4 and of
//! IPv6 addresses. An `ipBlock` is its `cidr` minus each `except`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::engine::IpBlockRef;

/// A set of IPv4 and IPv6 addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddrSet {
    /// IPv4 intervals, as `u32` values widened.
    v4: Vec<(u128, u128)>,
    /// IPv6 intervals.
    v6: Vec<(u128, u128)>,
}

const V4_MAX: u128 = u32::MAX as u128;
const V6_MAX: u128 = u128::MAX;

impl AddrSet {
    /// No address.
    pub fn empty() -> AddrSet {
        AddrSet::default()
    }

    /// Every IPv4 and IPv6 address.
    pub fn all() -> AddrSet {
        AddrSet {
            v4: vec![(0, V4_MAX)],
            v6: vec![(0, V6_MAX)],
        }
    }

    /// The addresses of one network (host bits ignored).
    pub fn net(net: IpNet) -> AddrSet {
        let net = net.trunc();
        match net {
            IpNet::V4(n) => AddrSet {
                v4: vec![(
                    u128::from(u32::from(n.network())),
                    u128::from(u32::from(n.broadcast())),
                )],
                v6: Vec::new(),
            },
            IpNet::V6(n) => AddrSet {
                v4: Vec::new(),
                v6: vec![(u128::from(n.network()), u128::from(n.broadcast()))],
            },
        }
    }

    /// The addresses of an `ipBlock`: `cidr` without every `except`.
    pub fn block(block: &IpBlockRef) -> AddrSet {
        let mut set = AddrSet::net(block.cidr);
        for e in &block.except {
            set = set.difference(&AddrSet::net(*e));
        }
        set
    }

    /// True if no address is in the set.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// True if `ip` is in the set.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (list, x) = match ip {
            IpAddr::V4(a) => (&self.v4, u128::from(u32::from(a))),
            IpAddr::V6(a) => (&self.v6, u128::from(a)),
        };
        let i = list.partition_point(|&(_, hi)| hi < x);
        list.get(i).is_some_and(|&(lo, _)| lo <= x)
    }

    /// Addresses in either.
    pub fn union(&self, other: &AddrSet) -> AddrSet {
        AddrSet {
            v4: union(&self.v4, &other.v4),
            v6: union(&self.v6, &other.v6),
        }
    }

    /// Addresses in both.
    pub fn intersection(&self, other: &AddrSet) -> AddrSet {
        AddrSet {
            v4: intersect(&self.v4, &other.v4),
            v6: intersect(&self.v6, &other.v6),
        }
    }

    /// Addresses of `self` not in `other`.
    pub fn difference(&self, other: &AddrSet) -> AddrSet {
        AddrSet {
            v4: intersect(&self.v4, &complement(&other.v4, V4_MAX)),
            v6: intersect(&self.v6, &complement(&other.v6, V6_MAX)),
        }
    }

    /// The first interval (IPv4 before IPv6), as first and last address.
    pub fn first_range(&self) -> Option<(IpAddr, IpAddr)> {
        if let Some(&(lo, hi)) = self.v4.first() {
            return Some((v4(lo), v4(hi)));
        }
        self.v6.first().map(|&(lo, hi)| {
            (
                IpAddr::V6(Ipv6Addr::from(lo)),
                IpAddr::V6(Ipv6Addr::from(hi)),
            )
        })
    }
}

fn v4(x: u128) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(u32::try_from(x).unwrap_or(u32::MAX)))
}

/// Union of two normalized interval lists.
fn union(a: &[(u128, u128)], b: &[(u128, u128)]) -> Vec<(u128, u128)> {
    let mut all: Vec<(u128, u128)> = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(all.len());
    for (lo, hi) in all {
        match out.last_mut() {
            Some(last) if last.1 == u128::MAX || lo <= last.1 + 1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// Intersection of two normalized interval lists.
fn intersect(a: &[(u128, u128)], b: &[(u128, u128)]) -> Vec<(u128, u128)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while let (Some(&(alo, ahi)), Some(&(blo, bhi))) = (a.get(i), b.get(j)) {
        let (lo, hi) = (alo.max(blo), ahi.min(bhi));
        if lo <= hi {
            out.push((lo, hi));
        }
        if ahi < bhi {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Complement of a normalized interval list within `0..=max`.
fn complement(rs: &[(u128, u128)], max: u128) -> Vec<(u128, u128)> {
    let mut out = Vec::new();
    let mut next = Some(0u128);
    for &(lo, hi) in rs {
        if let Some(n) = next
            && lo > n
        {
            out.push((n, lo - 1));
        }
        next = hi.checked_add(1);
    }
    if let Some(n) = next
        && n <= max
    {
        out.push((n, max));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(cidr: &str, except: &[&str]) -> AddrSet {
        let b = IpBlockRef::parse(&crate::k8s::IpBlock {
            cidr: cidr.to_string(),
            except: except.iter().map(|e| e.to_string()).collect(),
        });
        b.map(|b| AddrSet::block(&b)).unwrap_or_default()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    fn range(set: &AddrSet) -> String {
        set.first_range()
            .map_or("none".into(), |(a, b)| format!("{a}-{b}"))
    }

    #[test]
    fn blocks_and_their_first_range() {
        // (cidr, except, first range)
        let cases = [
            ("0.0.0.0/1", vec![], "0.0.0.0-127.255.255.255"),
            ("10.0.0.0/8", vec![], "10.0.0.0-10.255.255.255"),
            ("192.0.2.2/32", vec![], "192.0.2.2-192.0.2.2"),
            ("10.1.2.3/8", vec![], "10.0.0.0-10.255.255.255"),
            (
                "10.0.0.0/8",
                vec!["10.0.0.0/9"],
                "10.128.0.0-10.255.255.255",
            ),
            (
                "10.0.0.0/8",
                vec!["10.128.0.0/9"],
                "10.0.0.0-10.127.255.255",
            ),
            ("10.0.0.0/24", vec!["10.0.0.0/25", "10.0.0.128/25"], "none"),
            ("0.0.0.0/0", vec![], "0.0.0.0-255.255.255.255"),
            (
                "8000::/1",
                vec![],
                "8000::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "::/0",
                vec!["::/1"],
                "8000::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "2001:db8::/32",
                vec!["2001:db8::/33"],
                "2001:db8:8000::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
        ];
        for (cidr, except, want) in cases {
            assert_eq!(
                range(&block(cidr, &except)),
                want,
                "{cidr} except {except:?}"
            );
        }
    }

    #[test]
    fn membership_with_holes() {
        let b = block("10.0.0.0/8", &["10.1.0.0/16", "10.2.3.4/32"]);
        for (addr, inside) in [
            ("10.0.0.1", true),
            ("10.1.2.3", false),
            ("10.2.3.4", false),
            ("10.2.3.5", true),
            ("11.0.0.0", false),
            ("9.255.255.255", false),
            ("::a00:1", false),
        ] {
            assert_eq!(b.contains(ip(addr)), inside, "{addr}");
        }
        assert!(AddrSet::all().contains(ip("::")));
        assert!(AddrSet::all().contains(ip("255.255.255.255")));
        assert!(!AddrSet::empty().contains(ip("0.0.0.0")));
    }

    #[test]
    fn algebra_at_the_edges() {
        let all = AddrSet::all();
        let low = block("0.0.0.0/1", &[]);
        let high = block("128.0.0.0/1", &[]);
        let v6 = block("::/0", &[]);
        assert_eq!(low.union(&high).union(&v6), all);
        assert_eq!(all.difference(&low).difference(&high), v6);
        assert!(all.difference(&all).is_empty());
        assert!(low.intersection(&high).is_empty());
        assert_eq!(low.intersection(&all), low);
        // Adjacent intervals merge; the top of IPv6 does not overflow.
        let top = block("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", &[]);
        let below = block("8000::/1", &["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"]);
        assert_eq!(top.union(&below), block("8000::/1", &[]));
        assert_eq!(
            range(&v6.difference(&below).difference(&top)),
            "::-7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
        // A hole in the middle leaves two intervals.
        let holed = block("10.0.0.0/8", &["10.64.0.0/10"]);
        assert_eq!(
            range(&holed.difference(&block("10.0.0.0/10", &[]))),
            "10.128.0.0-10.255.255.255"
        );
    }
}
