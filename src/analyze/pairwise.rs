//! The plain, pair-by-pair connectivity: for every ordered pair of
//! workloads and every containerPort of the destination, is the connection
//! allowed. The reference the faster evaluations are checked against.

use crate::engine::{Access, Cluster, Engine};
use crate::k8s::Protocol;

/// One row of the analyzer contract: `from -> to:port/protocol`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Connection {
    /// Index into `Cluster::workloads`.
    pub from: usize,
    pub to: usize,
    pub port: u16,
    pub protocol: Protocol,
    pub allowed: bool,
}

/// `namespace/name` of a workload.
pub fn workload_id(cluster: &Cluster, w: usize) -> String {
    let w = &cluster.workloads[w];
    format!("{}/{}", w.namespace, w.name)
}

/// Workload indices in `namespace/name` order (ties by index).
pub fn sorted_workloads(cluster: &Cluster) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cluster.workloads.len()).collect();
    order.sort_by_key(|&w| {
        (
            &cluster.workloads[w].namespace,
            &cluster.workloads[w].name,
            w,
        )
    });
    order
}

/// Every connection, in (from, to, port, protocol) order of workload ids.
pub fn connections(cluster: &Cluster, engine: &Engine<'_>) -> Vec<Connection> {
    let order = sorted_workloads(cluster);
    let ingress: Vec<Access> = (0..cluster.workloads.len())
        .map(|w| engine.ingress_access(w))
        .collect();
    let mut out = Vec::new();
    for &s in &order {
        let egress = engine.egress_access(s);
        for &d in &order {
            let allowed_ports = ingress[d]
                .workload_ports(s)
                .intersection(&egress.workload_ports(d));
            let mut ports: Vec<(u16, Protocol)> = cluster.workloads[d]
                .ports
                .iter()
                .map(|p| (p.port, p.protocol))
                .collect();
            ports.sort();
            ports.dedup();
            for (port, protocol) in ports {
                out.push(Connection {
                    from: s,
                    to: d,
                    port,
                    protocol,
                    allowed: allowed_ports.contains(port, protocol),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::manifest::{from_docs, parse_text};

    #[test]
    fn default_deny_with_one_allow() {
        let text = "kind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n---\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: b}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}, {containerPort: 81}]}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a-to-b, namespace: x}\nspec: {podSelector: {matchLabels: {app: b}}, ingress: [{from: [{podSelector: {matchLabels: {app: a}}}], ports: [{port: 80}]}]}\n";
        let m = from_docs(&parse_text(text, "t.yaml").unwrap()).unwrap();
        let cluster = Cluster::from_manifests(&m);
        let engine = Engine::new(&cluster);
        let rows: Vec<String> = connections(&cluster, &engine)
            .iter()
            .map(|c| {
                format!(
                    "{} -> {}:{}/{} {}",
                    workload_id(&cluster, c.from),
                    workload_id(&cluster, c.to),
                    c.port,
                    c.protocol,
                    c.allowed
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                "x/a -> x/a:80/TCP false",
                "x/a -> x/b:80/TCP true",
                "x/a -> x/b:81/TCP false",
                "x/b -> x/a:80/TCP false",
                "x/b -> x/b:80/TCP false",
                "x/b -> x/b:81/TCP false",
            ]
        );
    }
}
