//! Reading the port parts of tier rules: v1alpha1 `ports`
//! (`AdminNetworkPolicyPort` in `apis/v1alpha1/shared_types.go`) and
//! v1alpha2 `protocols` (`ClusterNetworkPolicyProtocol` in
//! `apis/v1alpha2/clusternetworkpolicy_types.go`).

use crate::k8s::Protocol;

use super::parse::exactly_one;
use super::types::TierPort;
use crate::k8s::fields::{Node, Obj, Result};

/// A v1alpha1 `AdminNetworkPolicyPort`: one of `portNumber`, `namedPort`,
/// `portRange`; `protocol` defaults to TCP (`shared_types.go`).
pub(super) fn port_entry(n: &Node<'_>) -> Result<TierPort> {
    let keys = ["portNumber", "namedPort", "portRange"];
    let o = n.object(&keys)?;
    let protocol = |o: &Obj<'_>| {
        o.opt("protocol")
            .map_or(Ok(Default::default()), |p| p.protocol())
    };
    match exactly_one(&o, &keys)? {
        Some("portNumber") => {
            let p = o.req("portNumber")?.object(&["protocol", "port"])?;
            let port = p.req("port")?.port()?;
            Ok(TierPort::Range {
                protocol: protocol(&p)?,
                start: port,
                end: port,
            })
        }
        Some("namedPort") => named(&o.req("namedPort")?),
        // "Start value must be less than End" is a comment only in v1alpha1
        // (no validation rule): a range of one port is accepted.
        Some(_) => range(&o.req("portRange")?, protocol, false),
        None => Err(o.err("must set exactly one of portNumber, namedPort, portRange")),
    }
}

/// A v1alpha2 `ClusterNetworkPolicyProtocol`: one of `tcp`, `udp`, `sctp`
/// (each with an optional `destinationPort`: a `number` or a `range`) or
/// `destinationNamedPort`.
pub(super) fn protocol_entry(n: &Node<'_>) -> Result<TierPort> {
    let keys = ["tcp", "udp", "sctp", "destinationNamedPort"];
    let o = n.object(&keys)?;
    let key = exactly_one(&o, &keys)?
        .ok_or_else(|| o.err("must set exactly one of tcp, udp, sctp, destinationNamedPort"))?;
    let field = o.req(key)?;
    let protocol = match key {
        "tcp" => Protocol::TCP,
        "udp" => Protocol::UDP,
        "sctp" => Protocol::SCTP,
        _ => return named(&field),
    };
    let p = field.object(&["destinationPort"])?;
    // api-overview.md: "If destinationPort is omitted, all ports for the
    // specified protocol match" (the CRD's MinProperties=1 would reject
    // `tcp: {}`; the documented meaning is read instead).
    let Some(dp) = p.opt("destinationPort") else {
        return Ok(TierPort::AllOf(protocol));
    };
    let d = dp.object(&["number", "range"])?;
    match exactly_one(&d, &["number", "range"])? {
        Some("number") => {
            let port = d.req("number")?.port()?;
            Ok(TierPort::Range {
                protocol,
                start: port,
                end: port,
            })
        }
        // CEL rule on PortRange: `self.start < self.end`.
        Some(_) => range(&d.req("range")?, |_| Ok(protocol), true),
        None => Err(d.err("must set exactly one of number, range")),
    }
}

fn named(n: &Node<'_>) -> Result<TierPort> {
    let name = n.string()?;
    if name.is_empty() {
        return Err(n.err("must not be empty"));
    }
    Ok(TierPort::Named(name.to_string()))
}

fn range(
    n: &Node<'_>,
    protocol: impl Fn(&Obj<'_>) -> Result<Protocol>,
    strict: bool,
) -> Result<TierPort> {
    let keys: &[&str] = if strict {
        &["start", "end"]
    } else {
        &["protocol", "start", "end"]
    };
    let o = n.object(keys)?;
    let start = o.req("start")?.port()?;
    let end_node = o.req("end")?;
    let end = end_node.port()?;
    if end < start || (strict && end == start) {
        let rel = if strict { "greater than" } else { "at least" };
        return Err(end_node.err(format!("{end} must be {rel} start ({start})")));
    }
    Ok(TierPort::Range {
        protocol: protocol(&o)?,
        start,
        end,
    })
}
