//! Addresses outside the cluster as address ranges: one per address, or
//! aggregated per network when asked.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;

/// One network per address, or with `aggregate`, per `/N` network the
/// smallest one covering its addresses.
pub fn cover(addresses: &BTreeSet<IpAddr>, aggregate: Option<u8>) -> Vec<IpNet> {
    let host = |ip: IpAddr| IpNet::from(ip);
    let Some(n) = aggregate else {
        return addresses.iter().map(|ip| host(*ip)).collect();
    };
    let mut groups: BTreeMap<IpNet, Vec<IpAddr>> = BTreeMap::new();
    for ip in addresses {
        let len = n.min(host(*ip).max_prefix_len());
        let net = IpNet::new(*ip, len).map(|n| n.trunc()).unwrap_or(host(*ip));
        groups.entry(net).or_default().push(*ip);
    }
    groups
        .into_iter()
        .map(|(outer, ips)| {
            (outer.prefix_len()..=outer.max_prefix_len())
                .rev()
                .filter_map(|len| IpNet::new(ips[0], len).ok().map(|n| n.trunc()))
                .find(|net| ips.iter().all(|ip| net.contains(ip)))
                .unwrap_or(outer)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_aggregate_to_the_smallest_covering_network_only_when_asked() {
        let ips: BTreeSet<IpAddr> = ["10.0.0.5", "10.0.0.9", "192.168.1.1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let text = |nets: Vec<IpNet>| nets.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(
            text(cover(&ips, None)),
            ["10.0.0.5/32", "10.0.0.9/32", "192.168.1.1/32"]
        );
        assert_eq!(
            text(cover(&ips, Some(24))),
            ["10.0.0.0/28", "192.168.1.1/32"]
        );
    }
}
