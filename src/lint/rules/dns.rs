//! NP011: egress isolation without a DNS allowance.
//!
//! A workload whose egress some policy isolates needs an egress rule (of a
//! policy selecting it) that admits UDP or TCP port 53 to some peer; named
//! ports count when they resolve to 53 on a workload of the input. Each
//! workload lacking one is reported once, on the first policy (in input
//! order) that isolates its egress. In a namespace without workloads in
//! the input, the namespace's policies are taken together: if some isolate
//! egress and none admits DNS, the first of them is reported.

use std::collections::BTreeMap;

use crate::diag::field::FieldPath;
use crate::engine::{PortMatcher, effective_policy_types};
use crate::k8s::{Peer, PolicyType, Protocol};
use crate::lint::context::{Ctx, RuleView, effective_rules};
use crate::lint::{Code, Finding};

const DNS_PORT: u16 = 53;

fn isolates_egress(ctx: &Ctx, pi: usize) -> bool {
    let p = &ctx.policies[pi];
    p.valid && effective_policy_types(&p.np.spec).contains(&PolicyType::Egress)
}

/// A peer that can match something (not the structurally empty `{}`).
fn usable(peer: &Peer) -> bool {
    peer.ip_block.is_some() || peer.pod_selector.is_some() || peer.namespace_selector.is_some()
}

fn admits_dns(ctx: &Ctx, rule: &RuleView<'_>) -> bool {
    if rule.dir != PolicyType::Egress {
        return false;
    }
    if !rule.any_peer() && !rule.peers.unwrap_or_default().iter().any(usable) {
        return false;
    }
    let m = PortMatcher::new(rule.ports);
    [Protocol::UDP, Protocol::TCP].into_iter().any(|proto| {
        m.matches(DNS_PORT, proto, &[])
            || ctx
                .cluster
                .workloads
                .iter()
                .any(|w| m.matches(DNS_PORT, proto, &w.ports))
    })
}

fn policy_admits_dns(ctx: &Ctx, pi: usize) -> bool {
    effective_rules(&ctx.policies[pi].np)
        .iter()
        .any(|r| admits_dns(ctx, r))
}

fn field(ctx: &Ctx, pi: usize) -> FieldPath {
    let spec = &ctx.policies[pi].np.spec;
    let key = if spec.policy_types.as_ref().is_some_and(|t| !t.is_empty()) {
        "policyTypes"
    } else {
        "egress"
    };
    FieldPath::keys(&["spec", key])
}

const WHY: &str = "admits DNS (UDP or TCP port 53), so name lookups will fail; add an egress rule to the cluster DNS (e.g. namespaceSelector kubernetes.io/metadata.name: kube-system, podSelector k8s-app: kube-dns, ports 53/UDP and 53/TCP)";

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let isolating: Vec<usize> = (0..ctx.policies.len())
        .filter(|&pi| isolates_egress(ctx, pi))
        .collect();
    let dns_ok: Vec<bool> = isolating
        .iter()
        .map(|&pi| policy_admits_dns(ctx, pi))
        .collect();
    // Observed namespaces: per workload, attributed to its first isolating policy.
    let mut lacking: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for w in 0..ctx.cluster.workloads.len() {
        let selecting: Vec<usize> = ctx.selected_by[w]
            .iter()
            .filter_map(|pi| isolating.binary_search(pi).ok())
            .collect();
        if let Some(&first) = selecting.first()
            && !selecting.iter().any(|&k| dns_ok[k])
        {
            lacking.entry(isolating[first]).or_default().push(w);
        }
    }
    for (pi, ws) in lacking {
        let msg = format!(
            "isolates the egress of {}, and no egress rule of a policy selecting them {WHY}",
            ctx.wnames(&ws)
        );
        out.push(ctx.policy_finding(pi, Code::NoDnsEgress, field(ctx, pi), msg));
    }
    // Unobserved namespaces: the namespace's policies together.
    let mut by_ns: BTreeMap<&str, (Vec<usize>, bool)> = BTreeMap::new();
    for (k, &pi) in isolating.iter().enumerate() {
        let ns = ctx.policies[pi].namespace.as_str();
        if !ctx.observed.contains(ns) {
            let (pis, ok) = by_ns.entry(ns).or_default();
            pis.push(pi);
            *ok |= dns_ok[k];
        }
    }
    for (ns, (pis, ok)) in by_ns {
        if ok {
            continue;
        }
        let msg = format!(
            "isolates egress in namespace {ns} (which has no workloads in the input), and no egress rule of a policy there {WHY}"
        );
        out.push(ctx.policy_finding(pis[0], Code::NoDnsEgress, field(ctx, pis[0]), msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, policy, table};
    use super::*;

    const DENY: &str = "{podSelector: {}, policyTypes: [Egress]}";

    #[test]
    fn no_dns_egress() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let dns = "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}], ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]}";
        let to_db = "{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: 5432}]}]}";
        table(
            Code::NoDnsEgress,
            &[
                (
                    "deny all egress",
                    &format!("{web}{}", policy("app", "deny", DENY)),
                    &["spec.policyTypes"],
                ),
                (
                    "two isolating policies, one finding",
                    &format!(
                        "{web}{}{}",
                        policy("app", "deny", DENY),
                        policy("app", "db", to_db)
                    ),
                    &["spec.policyTypes"],
                ),
                (
                    "dns allowed by another policy",
                    &format!(
                        "{web}{}{}",
                        policy("app", "deny", DENY),
                        policy("app", "dns", dns)
                    ),
                    &[],
                ),
                (
                    "ingress only",
                    &format!("{web}{}", policy("app", "p", "{podSelector: {}}")),
                    &[],
                ),
                (
                    "unobserved namespace",
                    &policy("other", "deny", DENY),
                    &["spec.policyTypes"],
                ),
                (
                    "unobserved namespace with dns",
                    &format!(
                        "{}{}",
                        policy("other", "deny", DENY),
                        policy("other", "dns", dns)
                    ),
                    &[],
                ),
            ],
        );
    }
}
