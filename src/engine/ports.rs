//! `PortSet`: per-protocol sets of inclusive port ranges.
//!
//! Ports are `1..=65535`; intervals are kept sorted, disjoint and
//! non-adjacent, so two sets with the same members compare equal.

use std::fmt;

use crate::k8s::Protocol;

/// Lowest valid port.
pub const MIN_PORT: u16 = 1;
/// Highest valid port.
pub const MAX_PORT: u16 = 65535;

/// A set of (protocol, port) pairs, stored as inclusive intervals.
///
/// `Display` prints `8000/TCP, 8080-8090/TCP, 53/UDP` (protocols in
/// TCP, UDP, SCTP order) and `none` for the empty set.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortSet {
    /// Normalized intervals per protocol, indexed by [`slot`]. An array
    /// rather than a map: the empty lists cost no allocation.
    ranges: [Vec<(u16, u16)>; 3],
}

impl PortSet {
    /// The empty set.
    pub fn empty() -> PortSet {
        PortSet::default()
    }

    /// Every port of every protocol.
    pub fn full() -> PortSet {
        let mut s = PortSet::empty();
        for p in Protocol::ALL {
            s.ranges[slot(p)] = vec![(MIN_PORT, MAX_PORT)];
        }
        s
    }

    /// Every port of one protocol.
    pub fn all_of(protocol: Protocol) -> PortSet {
        PortSet::range(protocol, MIN_PORT, MAX_PORT)
    }

    /// One port. Port 0 gives the empty set.
    pub fn single(protocol: Protocol, port: u16) -> PortSet {
        PortSet::range(protocol, port, port)
    }

    /// The inclusive range `lo..=hi`, clamped to `1..=65535`; empty if `lo > hi`.
    pub fn range(protocol: Protocol, lo: u16, hi: u16) -> PortSet {
        let lo = lo.max(MIN_PORT);
        let mut s = PortSet::empty();
        if lo <= hi {
            s.ranges[slot(protocol)] = vec![(lo, hi)];
        }
        s
    }

    /// True if no port of any protocol is in the set.
    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    /// True if every port of every protocol is in the set.
    pub fn is_full(&self) -> bool {
        *self == PortSet::full()
    }

    /// True if `port`/`protocol` is in the set.
    pub fn contains(&self, port: u16, protocol: Protocol) -> bool {
        let rs = &self.ranges[slot(protocol)];
        let i = rs.partition_point(|&(_, hi)| hi < port);
        rs.get(i).is_some_and(|&(lo, _)| lo <= port)
    }

    /// The intervals of one protocol, sorted and disjoint.
    pub fn intervals(&self, protocol: Protocol) -> &[(u16, u16)] {
        &self.ranges[slot(protocol)]
    }

    /// All `(protocol, lo, hi)` intervals in display order.
    pub fn iter(&self) -> impl Iterator<Item = (Protocol, u16, u16)> + '_ {
        Protocol::ALL.into_iter().flat_map(|p| {
            self.ranges[slot(p)]
                .iter()
                .map(move |&(lo, hi)| (p, lo, hi))
        })
    }

    /// Number of (protocol, port) pairs in the set.
    pub fn len(&self) -> u64 {
        self.iter().map(|(_, lo, hi)| u64::from(hi - lo) + 1).sum()
    }

    /// Adds every member of `other` to `self`.
    pub fn insert_all(&mut self, other: &PortSet) {
        for (mine, theirs) in self.ranges.iter_mut().zip(&other.ranges) {
            if theirs.is_empty() {
                continue;
            }
            if mine.is_empty() {
                mine.clone_from(theirs);
                continue;
            }
            mine.extend_from_slice(theirs);
            *mine = normalize(std::mem::take(mine));
        }
    }

    /// Members of either set.
    pub fn union(&self, other: &PortSet) -> PortSet {
        let mut s = self.clone();
        s.insert_all(other);
        s
    }

    /// Members of both sets.
    pub fn intersection(&self, other: &PortSet) -> PortSet {
        self.combine(other, intersect)
    }

    /// Members of `self` not in `other`.
    pub fn difference(&self, other: &PortSet) -> PortSet {
        self.combine(other, |a, b| intersect(a, &complement(b)))
    }

    fn combine(
        &self,
        other: &PortSet,
        f: impl Fn(&[(u16, u16)], &[(u16, u16)]) -> Vec<(u16, u16)>,
    ) -> PortSet {
        let mut s = PortSet::empty();
        for p in Protocol::ALL {
            let rs = &self.ranges[slot(p)];
            if !rs.is_empty() {
                s.ranges[slot(p)] = f(rs, other.intervals(p));
            }
        }
        s
    }
}

/// The index of a protocol's intervals.
fn slot(p: Protocol) -> usize {
    match p {
        Protocol::TCP => 0,
        Protocol::UDP => 1,
        Protocol::SCTP => 2,
    }
}

/// Sorts and merges overlapping or adjacent intervals.
fn normalize(mut rs: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    rs.retain(|&(lo, hi)| lo <= hi);
    rs.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(rs.len());
    for (lo, hi) in rs {
        match out.last_mut() {
            Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// Intersection of two normalized interval lists.
fn intersect(a: &[(u16, u16)], b: &[(u16, u16)]) -> Vec<(u16, u16)> {
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

/// Complement of a normalized interval list within `1..=65535`.
fn complement(rs: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    let mut next = u32::from(MIN_PORT);
    for &(lo, hi) in rs {
        if u32::from(lo) > next {
            out.push((next as u16, lo - 1));
        }
        next = u32::from(hi) + 1;
    }
    if next <= u32::from(MAX_PORT) {
        out.push((next as u16, MAX_PORT));
    }
    out
}

impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, (p, lo, hi)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if lo == hi {
                write!(f, "{lo}/{p}")?;
            } else {
                write!(f, "{lo}-{hi}/{p}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Protocol::*;

    fn set(items: &[(Protocol, u16, u16)]) -> PortSet {
        let mut s = PortSet::empty();
        for &(p, lo, hi) in items {
            s.insert_all(&PortSet::range(p, lo, hi));
        }
        s
    }

    #[test]
    fn display() {
        let s = set(&[(TCP, 8080, 8090), (TCP, 8000, 8000), (UDP, 53, 53)]);
        assert_eq!(s.to_string(), "8000/TCP, 8080-8090/TCP, 53/UDP");
        assert_eq!(PortSet::empty().to_string(), "none");
        assert_eq!(
            PortSet::full().to_string(),
            "1-65535/TCP, 1-65535/UDP, 1-65535/SCTP"
        );
    }

    #[test]
    fn union_merges_overlapping_and_adjacent() {
        let s = set(&[(TCP, 10, 20), (TCP, 21, 30), (TCP, 15, 25), (TCP, 40, 40)]);
        assert_eq!(s.intervals(TCP), &[(10, 30), (40, 40)]);
        let u = s.union(&PortSet::single(TCP, 31));
        assert_eq!(u.intervals(TCP), &[(10, 31), (40, 40)]);
        assert_eq!(
            set(&[(TCP, 1, 65535)]).union(&PortSet::single(TCP, 65535)),
            PortSet::all_of(TCP)
        );
    }

    #[test]
    fn intersection() {
        let a = set(&[(TCP, 1, 100), (UDP, 53, 53)]);
        let b = set(&[(TCP, 50, 60), (TCP, 90, 200), (SCTP, 1, 10)]);
        assert_eq!(a.intersection(&b), set(&[(TCP, 50, 60), (TCP, 90, 100)]));
        assert!(a.intersection(&PortSet::empty()).is_empty());
        assert_eq!(a.intersection(&PortSet::full()), a);
    }

    #[test]
    fn difference() {
        let a = set(&[(TCP, 1, 100), (UDP, 53, 53)]);
        let b = set(&[(TCP, 1, 1), (TCP, 50, 60), (TCP, 100, 100), (UDP, 1, 65535)]);
        assert_eq!(a.difference(&b), set(&[(TCP, 2, 49), (TCP, 61, 99)]));
        assert!(a.difference(&PortSet::full()).is_empty());
        assert_eq!(
            PortSet::full().difference(&set(&[(TCP, 2, 65535)])),
            set(&[(TCP, 1, 1), (UDP, 1, 65535), (SCTP, 1, 65535)])
        );
    }

    #[test]
    fn contains_and_len() {
        let s = set(&[(TCP, 80, 80), (TCP, 8080, 8090)]);
        assert!(s.contains(80, TCP));
        assert!(s.contains(8085, TCP));
        assert!(s.contains(8090, TCP));
        assert!(!s.contains(8091, TCP));
        assert!(!s.contains(79, TCP));
        assert!(!s.contains(80, UDP));
        assert_eq!(s.len(), 12);
        assert!(PortSet::full().is_full());
        assert!(!s.is_full());
        assert_eq!(PortSet::full().len(), 3 * 65535);
    }

    #[test]
    fn degenerate_ranges() {
        assert!(PortSet::single(TCP, 0).is_empty());
        assert!(PortSet::range(TCP, 10, 9).is_empty());
        assert_eq!(PortSet::range(TCP, 0, 5), PortSet::range(TCP, 1, 5));
    }
}
