//! Equivalence classes of workloads.
//!
//! Two workloads are equivalent when they live in the same namespace (so
//! they carry the same namespace labels: every namespace has its own
//! `kubernetes.io/metadata.name`), carry the same values for every label
//! key some selector reads ([`selector_keys`]; other labels are ignored,
//! and so is the difference between two values no selector names) and
//! expose the same container ports. Policies select, and peers match,
//! by exactly those facts, and named ports resolve against exactly those
//! ports, so every member of a class has the same ingress and egress
//! access: the analysis evaluates one representative per class. The same
//! holds for the cluster-wide tier policies: their subjects and
//! `namespaces`/`pods` peers select by namespace labels and pod labels,
//! their named ports resolve against container ports, and `networks` peers
//! match only addresses outside the cluster, so no tier tells two members
//! of a class apart; and for Cilium policies, whose endpoint selectors read
//! pod labels and the namespace's.

use std::collections::BTreeMap;

use crate::engine::{Cluster, selector_keys};
use crate::k8s::{ContainerPort, Labels, Protocol};

/// The distinct `(port, protocol)` pairs a destination serves, sorted: the
/// ports the analyzer contract lists one connection for.
pub type Profile = Vec<(u16, Protocol)>;

/// What stands for a label value no selector names: never a real value
/// (label values cannot hold a NUL).
const UNNAMED: &str = "\0";

/// Workloads grouped into equivalence classes.
#[derive(Debug, Clone, Default)]
pub struct Classes {
    /// Class of each workload.
    pub of: Vec<usize>,
    /// Members of each class, in workload index order (never empty).
    pub members: Vec<Vec<usize>>,
    /// Port profile id of each class.
    pub profile_of: Vec<usize>,
    /// Distinct port profiles.
    pub profiles: Vec<Profile>,
}

impl Classes {
    /// Groups the workloads of `cluster`; classes are numbered in order of
    /// their first member.
    pub fn new(cluster: &Cluster) -> Classes {
        let keys = selector_keys(cluster);
        let mut ids: BTreeMap<(&str, Labels, Vec<ContainerPort>), usize> = BTreeMap::new();
        let mut profile_ids: BTreeMap<Profile, usize> = BTreeMap::new();
        let mut c = Classes::default();
        for (w, wl) in cluster.workloads.iter().enumerate() {
            let mut ports = wl.ports.clone();
            ports.sort();
            ports.dedup();
            let read: Labels = wl
                .labels
                .iter()
                .filter_map(|(k, v)| {
                    let named = keys.get(k.as_str())?;
                    let v = if named.contains(v.as_str()) {
                        v.clone()
                    } else {
                        UNNAMED.to_string()
                    };
                    Some((k.clone(), v))
                })
                .collect();
            let next = c.members.len();
            let class = *ids
                .entry((wl.namespace.as_str(), read, ports))
                .or_insert(next);
            if class == next {
                c.members.push(Vec::new());
                let profile = profile(&wl.ports);
                let next_profile = c.profiles.len();
                let pid = *profile_ids.entry(profile.clone()).or_insert(next_profile);
                if pid == next_profile {
                    c.profiles.push(profile);
                }
                c.profile_of.push(pid);
            }
            c.members[class].push(w);
            c.of.push(class);
        }
        c
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True if there are no workloads.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The workload evaluated for class `c`.
    pub fn representative(&self, c: usize) -> usize {
        self.members[c][0]
    }

    /// The port profile of class `c`.
    pub fn profile(&self, c: usize) -> &Profile {
        &self.profiles[self.profile_of[c]]
    }
}

/// Sorted, deduplicated `(port, protocol)` pairs of some container ports.
pub fn profile(ports: &[ContainerPort]) -> Profile {
    let mut out: Profile = ports.iter().map(|p| (p.port, p.protocol)).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Policy, Workload};

    fn wl(ns: &str, name: &str, app: &str, ports: &[(u16, Protocol)]) -> Workload {
        Workload {
            namespace: ns.into(),
            name: name.into(),
            labels: Labels::from_iter([("app".to_string(), app.to_string())]),
            ports: ports
                .iter()
                .map(|&(port, protocol)| ContainerPort {
                    name: None,
                    port,
                    protocol,
                })
                .collect(),
        }
    }

    #[test]
    fn same_namespace_labels_and_ports_share_a_class() {
        use Protocol::*;
        let cluster = Cluster::new(
            BTreeMap::new(),
            vec![
                wl("a", "one", "web", &[(80, TCP), (53, UDP)]),
                wl("a", "two", "web", &[(53, UDP), (80, TCP), (80, TCP)]),
                wl("b", "three", "web", &[(80, TCP), (53, UDP)]),
                wl("a", "four", "web", &[(80, TCP)]),
                wl("a", "five", "db", &[(80, TCP)]),
            ],
            vec![reads_app_of("db")],
        );
        let c = Classes::new(&cluster);
        assert_eq!(c.of, [0, 0, 1, 2, 3]);
        assert_eq!(c.members[0], [0, 1]);
        assert_eq!(c.representative(1), 2);
        assert_eq!(c.profile(0), &vec![(53, UDP), (80, TCP)]);
        assert_eq!(c.profile_of, [0, 0, 1, 1]);
        assert_eq!(c.profiles.len(), 2);
    }

    /// A policy whose selector reads the `app` label, naming `app`.
    fn reads_app_of(app: &str) -> Policy {
        let spec =
            serde_saphyr::from_str(&format!("podSelector: {{matchLabels: {{app: {app}}}}}\n"))
                .unwrap();
        Policy::new("a", "db", spec)
    }

    /// Labels no selector reads do not separate workloads, nor do values
    /// no selector names: 25 services told apart by `app`, which no policy
    /// reads, and by five `tier` values, of which policies name two, make
    /// three classes.
    #[test]
    fn labels_no_selector_reads_do_not_separate_classes() {
        let workloads: Vec<Workload> = (0..25)
            .map(|i| {
                let mut w = wl("a", &format!("svc-{i:02}"), &format!("svc-{i:02}"), &[]);
                w.labels.insert("tier".into(), format!("t{}", i % 5));
                w
            })
            .collect();
        let spec = serde_saphyr::from_str(
            "podSelector: {matchLabels: {tier: t1}}\ningress:\n- from: [{podSelector: {matchExpressions: [{key: tier, operator: In, values: [t0]}]}}]\n",
        )
        .unwrap();
        let mut cluster = Cluster::new(
            BTreeMap::new(),
            workloads,
            vec![Policy::new("a", "p", spec)],
        );
        let c = Classes::new(&cluster);
        assert_eq!(c.len(), 3);
        assert_eq!(c.members[0], [0, 5, 10, 15, 20]);
        assert_eq!(c.members[1], [1, 6, 11, 16, 21]);
        assert_eq!(c.members[2].len(), 15);
        // A policy naming one `app` value sets that service apart only.
        cluster.policies.push(reads_app_of("svc-03"));
        let c = Classes::new(&cluster);
        assert_eq!(c.len(), 4);
        assert_eq!(c.members[3], [3]);
        // `NotIn` names its values too; `Exists` names none.
        let spec = serde_saphyr::from_str(
            "podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [svc-07]}, {key: tier, operator: Exists}]}\n",
        )
        .unwrap();
        cluster.policies.push(Policy::new("a", "q", spec));
        assert_eq!(Classes::new(&cluster).len(), 5);
    }

    #[test]
    fn a_port_name_alone_separates_classes() {
        let mut a = wl("a", "one", "web", &[(80, Protocol::TCP)]);
        let b = a.clone();
        a.ports[0].name = Some("http".into());
        let c = Classes::new(&Cluster::new(BTreeMap::new(), vec![a, b], Vec::new()));
        assert_eq!(c.len(), 2);
        assert_eq!(c.profiles.len(), 1);
    }
}
