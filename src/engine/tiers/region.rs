//! Sets of (external address, port) pairs, for tier rules on addresses
//! outside the cluster. Addresses are a CIDR (or every address) minus
//! CIDR holes; because two CIDRs either nest or are disjoint, intersecting
//! with or removing a CIDR keeps that shape, and every result converts
//! back to `ExternalPeer`s (an `ipBlock` with `except`s).

use ipnet::IpNet;

use super::super::eval::ExternalPeer;
use super::super::ir::IpBlockRef;
use super::super::ports::PortSet;
use super::evidence::TierRuleRef;

/// True if `a` contains all of `b` (same family).
fn covers(a: &IpNet, b: &IpNet) -> bool {
    a.prefix_len() <= b.prefix_len() && a.contains(&b.network())
}

fn disjoint(a: &IpNet, b: &IpNet) -> bool {
    !covers(a, b) && !covers(b, a)
}

/// Addresses: `base` (`None`: every address) minus `holes`. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Addrs {
    base: Option<IpNet>,
    /// Disjoint CIDRs strictly inside `base`.
    holes: Vec<IpNet>,
}

impl Addrs {
    /// Every address.
    pub(crate) fn any() -> Addrs {
        Addrs {
            base: None,
            holes: Vec::new(),
        }
    }

    /// The addresses of an external peer; `None` if empty.
    pub(crate) fn of_peer(peer: &ExternalPeer) -> Option<Addrs> {
        match peer {
            ExternalPeer::Any => Some(Addrs::any()),
            ExternalPeer::IpBlock(b) => {
                let mut a = Addrs {
                    base: Some(b.cidr),
                    holes: Vec::new(),
                };
                for e in &b.except {
                    a = a.minus(e)?;
                }
                Some(a)
            }
        }
    }

    fn is_empty(&self) -> bool {
        match self.base {
            Some(b) => self.holes.iter().any(|h| covers(h, &b)),
            None => {
                let all = |h: &IpNet| h.prefix_len() == 0;
                self.holes.iter().filter(|h| all(h)).count() == 2
            }
        }
    }

    fn checked(self) -> Option<Addrs> {
        (!self.is_empty()).then_some(self)
    }

    /// True if `ip` is in the set.
    #[cfg(test)]
    pub(crate) fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.base.is_none_or(|b| b.contains(&ip)) && !self.holes.iter().any(|h| h.contains(&ip))
    }

    /// The addresses also in `d`.
    pub(crate) fn intersect(&self, d: &IpNet) -> Option<Addrs> {
        if self.holes.iter().any(|h| covers(h, d)) {
            return None;
        }
        match self.base {
            Some(b) if covers(d, &b) => Some(self.clone()),
            Some(b) if !covers(&b, d) => None,
            _ => Addrs {
                base: Some(*d),
                holes: self
                    .holes
                    .iter()
                    .filter(|h| covers(d, h))
                    .copied()
                    .collect(),
            }
            .checked(),
        }
    }

    /// The addresses not in `d`.
    pub(crate) fn minus(&self, d: &IpNet) -> Option<Addrs> {
        if let Some(b) = self.base {
            if covers(d, &b) {
                return None;
            }
            if disjoint(&b, d) {
                return Some(self.clone());
            }
        }
        if self.holes.iter().any(|h| covers(h, d)) {
            return Some(self.clone());
        }
        let mut holes: Vec<IpNet> = self
            .holes
            .iter()
            .filter(|h| !covers(d, h))
            .copied()
            .collect();
        holes.push(*d);
        holes.sort();
        Addrs {
            base: self.base,
            holes,
        }
        .checked()
    }

    /// The addresses also in `other`.
    pub(crate) fn intersect_addrs(&self, other: &Addrs) -> Option<Addrs> {
        let mut out = match &other.base {
            Some(b) => self.intersect(b)?,
            None => self.clone(),
        };
        for h in &other.holes {
            out = out.minus(h)?;
        }
        Some(out)
    }

    /// The set as external peers: one `ipBlock`, `Any`, or (every address
    /// minus holes) one `ipBlock` per address family.
    pub(crate) fn peers(&self) -> Vec<ExternalPeer> {
        let block =
            |cidr: IpNet, except: Vec<IpNet>| ExternalPeer::IpBlock(IpBlockRef { cidr, except });
        match self.base {
            Some(b) => vec![block(b, self.holes.clone())],
            None if self.holes.is_empty() => vec![ExternalPeer::Any],
            None => {
                let families: [IpNet; 2] =
                    [IpNet::V4(Default::default()), IpNet::V6(Default::default())];
                families
                    .into_iter()
                    .filter(|all| !self.holes.iter().any(|h| covers(h, all)))
                    .map(|all| {
                        let holes = self.holes.iter().filter(|h| covers(&all, h)).copied();
                        block(all, holes.collect())
                    })
                    .collect()
            }
        }
    }
}

/// A part of the (address, port) space, with the Pass rules it crossed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) addrs: Addrs,
    pub(crate) ports: PortSet,
    pub(crate) passed: Vec<TierRuleRef>,
}

impl Piece {
    /// Every address on every port.
    pub(crate) fn everything() -> Piece {
        Piece {
            addrs: Addrs::any(),
            ports: PortSet::full(),
            passed: Vec::new(),
        }
    }

    fn with(&self, addrs: Addrs, ports: PortSet) -> Option<Piece> {
        (!ports.is_empty()).then(|| Piece {
            addrs,
            ports,
            passed: self.passed.clone(),
        })
    }

    /// Splits by what a rule matches (`cidrs`: `None` for every address,
    /// on `ports`): `(inside, outside)`, both disjoint lists.
    pub(crate) fn split(
        &self,
        cidrs: Option<&[IpNet]>,
        ports: &PortSet,
    ) -> (Vec<Piece>, Vec<Piece>) {
        let p_in = self.ports.intersection(ports);
        let p_out = self.ports.difference(ports);
        let Some(cidrs) = cidrs else {
            let inside = self.with(self.addrs.clone(), p_in);
            let outside = self.with(self.addrs.clone(), p_out);
            return (inside.into_iter().collect(), outside.into_iter().collect());
        };
        let mut rest = Some(self.addrs.clone());
        let mut hit = Vec::new();
        for d in cidrs {
            let Some(r) = rest else { break };
            if let Some(i) = r.intersect(d) {
                hit.push(i);
            }
            rest = r.minus(d);
        }
        let inside = hit
            .iter()
            .filter_map(|a| self.with(a.clone(), p_in.clone()));
        let mut outside: Vec<Piece> = rest
            .and_then(|r| self.with(r, self.ports.clone()))
            .into_iter()
            .collect();
        outside.extend(
            hit.iter()
                .filter_map(|a| self.with(a.clone(), p_out.clone())),
        );
        (inside.collect(), outside)
    }

    /// The part of this piece outside `addrs` on `ports` (for deny rules
    /// that cut into grants): disjoint pieces.
    pub(crate) fn minus(&self, addrs: &Addrs, ports: &PortSet) -> Vec<Piece> {
        let p_in = self.ports.intersection(ports);
        if p_in.is_empty() {
            return vec![self.clone()];
        }
        let mut out: Vec<Piece> = self
            .with(self.addrs.clone(), self.ports.difference(ports))
            .into_iter()
            .collect();
        // Outside `base - holes`: outside `base`, or inside a hole.
        let mut outside: Vec<Addrs> = match &addrs.base {
            None => Vec::new(),
            Some(b) => self.addrs.minus(b).into_iter().collect(),
        };
        outside.extend(addrs.holes.iter().filter_map(|h| self.addrs.intersect(h)));
        out.extend(
            outside
                .into_iter()
                .filter_map(|a| self.with(a, p_in.clone())),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::Protocol::TCP;
    use std::net::IpAddr;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap_or_else(|_| panic!("bad test net {s}"))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn text(a: &Addrs) -> Vec<String> {
        a.peers()
            .iter()
            .map(|p| match p {
                ExternalPeer::Any => "any".to_string(),
                ExternalPeer::IpBlock(b) => b.to_string(),
            })
            .collect()
    }

    #[test]
    fn intersect_and_minus_keep_the_cidr_shape() {
        let a = Addrs::any().minus(&net("10.0.0.0/8")).unwrap();
        assert_eq!(text(&a), ["0.0.0.0/0 except 10.0.0.0/8", "::/0"]);
        assert!(a.intersect(&net("10.1.0.0/16")).is_none());
        let b = a.intersect(&net("0.0.0.0/1")).unwrap();
        assert_eq!(text(&b), ["0.0.0.0/1 except 10.0.0.0/8"]);
        assert!(b.contains(ip("11.0.0.1")) && !b.contains(ip("10.0.0.1")));
        assert!(!b.contains(ip("200.0.0.1")));
        // Removing a CIDR around an existing hole replaces the hole.
        let c = b.minus(&net("8.0.0.0/5")).unwrap();
        assert_eq!(text(&c), ["0.0.0.0/1 except 8.0.0.0/5"]);
        assert!(c.minus(&net("0.0.0.0/0")).is_none());
        let all = Addrs::any()
            .minus(&net("0.0.0.0/0"))
            .and_then(|a| a.minus(&net("::/0")));
        assert!(all.is_none());
    }

    #[test]
    fn intersect_with_an_ip_block_peer() {
        let block = IpBlockRef {
            cidr: net("10.0.0.0/8"),
            except: vec![net("10.9.0.0/16"), net("11.0.0.0/8")],
        };
        let p = Addrs::of_peer(&ExternalPeer::IpBlock(block)).unwrap();
        assert_eq!(text(&p), ["10.0.0.0/8 except 10.9.0.0/16"]);
        let q = Addrs::any().minus(&net("10.1.0.0/16")).unwrap();
        assert_eq!(
            text(&q.intersect_addrs(&p).unwrap()),
            ["10.0.0.0/8 except 10.1.0.0/16, 10.9.0.0/16"]
        );
    }

    #[test]
    fn split_by_cidrs_and_ports() {
        let piece = Piece::everything();
        let web = PortSet::single(TCP, 443);
        let cidrs = [net("10.0.0.0/8"), net("10.1.0.0/16"), net("192.168.0.0/16")];
        let (inside, outside) = piece.split(Some(&cidrs), &web);
        let show = |ps: &[Piece]| -> Vec<String> {
            ps.iter()
                .map(|p| format!("{} {}", text(&p.addrs).join(" + "), p.ports))
                .collect()
        };
        assert_eq!(
            show(&inside),
            ["10.0.0.0/8 443/TCP", "192.168.0.0/16 443/TCP"]
        );
        assert_eq!(outside.len(), 3);
        assert!(
            show(&outside)[0].starts_with("0.0.0.0/0 except 10.0.0.0/8, 192.168.0.0/16 + ::/0")
        );
        let (all_in, none_out) = piece.split(None, &PortSet::full());
        assert_eq!(all_in.len(), 1);
        assert!(none_out.is_empty());
    }
}
