//! NP003 (a policy's podSelector selects no workload) and NP004 (a peer
//! selects no workload). Judged only where the input shows every workload
//! that could match: namespaces with at least one workload in the input.

use crate::diag::field::FieldPath;
use crate::lint::context::{Ctx, effective_rules};
use crate::lint::{Code, Finding};

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (pi, p) in ctx.policies.iter().enumerate() {
        if !p.valid {
            continue;
        }
        if ctx.observed.contains(&p.namespace) && p.selected.is_empty() {
            let n = ctx
                .cluster
                .workloads
                .iter()
                .filter(|w| w.namespace == p.namespace)
                .count();
            let msg = format!(
                "selects no workload: none of the {n} workload(s) in namespace {} carries these labels, so the policy has no effect",
                p.namespace
            );
            let field = FieldPath::keys(&["spec", "podSelector"]);
            out.push(ctx.policy_finding(pi, Code::PolicySelectsNothing, field, msg));
        }
        for rule in effective_rules(&p.np) {
            for (i, peer) in rule.peers.unwrap_or_default().iter().enumerate() {
                if peer.ip_block.is_some() {
                    continue;
                }
                let namespaces = ctx.peer_namespaces(pi, peer);
                // No namespace at all is NP005/NP006; unobserved ones may hold matches.
                if namespaces.is_empty() || !ctx.all_observed(&namespaces) {
                    continue;
                }
                if ctx
                    .workloads_in(&namespaces, peer.pod_selector.as_ref())
                    .is_empty()
                {
                    let msg = format!(
                        "matches no workload (looked in namespace {}), so this peer admits nothing",
                        namespaces.join(", ")
                    );
                    out.push(ctx.policy_finding(
                        pi,
                        Code::PeerSelectsNothing,
                        rule.peer_path(i),
                        msg,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, policy, table};
    use super::*;

    #[test]
    fn policy_selects_nothing() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let typo = format!(
            "{web}{}",
            policy("app", "p", "{podSelector: {matchLabels: {app: wbe}}}")
        );
        let hit = format!(
            "{web}{}",
            policy("app", "p", "{podSelector: {matchLabels: {app: web}}}")
        );
        let unobserved = policy("app", "p", "{podSelector: {matchLabels: {app: wbe}}}");
        table(
            Code::PolicySelectsNothing,
            &[
                ("typo in podSelector", &typo, &["spec.podSelector"]),
                ("selects web", &hit, &[]),
                ("no workloads in the input", &unobserved, &[]),
            ],
        );
    }

    #[test]
    fn peer_selects_nothing() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let db = deploy("data", "db", "{app: db}", &[("pg", 5432, "TCP")]);
        let spec = |from: &str| format!("{{podSelector: {{}}, ingress: [{{from: [{from}]}}]}}");
        let dead = format!(
            "{web}{db}{}",
            policy(
                "app",
                "p",
                &spec(
                    "{podSelector: {matchLabels: {app: gateway}}}, {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}, podSelector: {matchLabels: {app: web}}}"
                )
            )
        );
        let live = format!(
            "{web}{db}{}",
            policy(
                "app",
                "p",
                &spec(
                    "{podSelector: {matchLabels: {app: web}}}, {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}, {ipBlock: {cidr: 10.0.0.0/8}}"
                )
            )
        );
        let outside = format!(
            "{web}{}",
            policy(
                "app",
                "p",
                &spec(
                    "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}, podSelector: {matchLabels: {app: nginx}}}"
                )
            )
        );
        table(
            Code::PeerSelectsNothing,
            &[
                (
                    "no such pods",
                    &dead,
                    &["spec.ingress[0].from[0]", "spec.ingress[0].from[1]"],
                ),
                ("every peer matches", &live, &[]),
                ("namespace not in the input", &outside, &[]),
            ],
        );
    }
}
