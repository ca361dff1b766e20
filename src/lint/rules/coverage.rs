//! NP012: a workload that no policy isolates in a direction, while some
//! other namespace of the input has a default deny for that direction.
//!
//! A namespace "has a default deny" for a direction when one of its
//! policies has an empty podSelector (`{}`) and isolates that direction,
//! whatever rules it holds: then every pod there is isolated. If the input
//! shows that some namespaces are locked down this way, a workload left
//! open elsewhere is most likely an oversight (a namespace the overlay
//! forgot, a workload whose labels no policy matches). A workload that a
//! cluster-wide policy's subject selects in that direction is covered: its
//! traffic is not all allowed.

use std::collections::BTreeSet;

use crate::engine::{Engine, effective_policy_types};
use crate::k8s::PolicyType;
use crate::lint::context::Ctx;
use crate::lint::{Code, Finding};

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let engine = (!ctx.tiers.is_empty()).then(|| Engine::new(&ctx.cluster));
    for dir in [PolicyType::Ingress, PolicyType::Egress] {
        let isolating: Vec<usize> = (0..ctx.policies.len())
            .filter(|&pi| {
                let p = &ctx.policies[pi];
                p.valid && effective_policy_types(&p.np.spec).contains(&dir)
            })
            .collect();
        let deny_ns: BTreeSet<&str> = isolating
            .iter()
            .map(|&pi| &ctx.policies[pi])
            .filter(|p| p.np.spec.pod_selector.is_empty())
            .map(|p| p.namespace.as_str())
            .collect();
        if deny_ns.is_empty() {
            continue;
        }
        for (w, wl) in ctx.cluster.workloads.iter().enumerate() {
            let isolated = ctx.selected_by[w]
                .iter()
                .any(|pi| isolating.binary_search(pi).is_ok());
            let tiered = engine
                .as_ref()
                .is_some_and(|e| !e.tier_policies(w, dir).is_empty());
            if isolated || tiered || ctx.workloads[w].stand_in {
                continue;
            }
            let elsewhere: Vec<&str> = deny_ns
                .iter()
                .copied()
                .filter(|ns| *ns != wl.namespace)
                .collect();
            let msg = format!(
                "no policy isolates its {dir} traffic, so all {} is allowed, while namespace {} {} a default deny for {dir}",
                dir.as_str().to_lowercase(),
                elsewhere.join(", "),
                if elsewhere.len() == 1 { "has" } else { "have" },
                dir = dir.as_str(),
            );
            out.push(ctx.workload_finding(w, Code::NotIsolated, msg));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, policy, table};
    use super::*;

    #[test]
    fn not_isolated() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let db = deploy("data", "db", "{app: db}", &[("pg", 5432, "TCP")]);
        let deny = "{podSelector: {}, policyTypes: [Ingress]}";
        let only_web = "{podSelector: {matchLabels: {app: web}}, ingress: [{}]}";
        table(
            Code::NotIsolated,
            &[
                (
                    "data has no policy",
                    &format!("{web}{db}{}", policy("app", "deny", deny)),
                    &["spec.template.metadata.labels"],
                ),
                (
                    "both namespaces deny",
                    &format!(
                        "{web}{db}{}{}",
                        policy("app", "deny", deny),
                        policy("data", "deny", deny)
                    ),
                    &[],
                ),
                (
                    "db selected by a policy of its own",
                    &format!(
                        "{web}{db}{}{}",
                        policy("app", "deny", deny),
                        policy(
                            "data",
                            "db",
                            "{podSelector: {matchLabels: {app: db}}, ingress: [{}]}"
                        )
                    ),
                    &[],
                ),
                (
                    "data is the subject of a baseline policy",
                    &format!(
                        "{web}{db}{}---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {{name: default}}\nspec: {{subject: {{namespaces: {{}}}}, ingress: [{{name: closed, action: Deny, from: [{{namespaces: {{}}}}]}}]}}\n",
                        policy("app", "deny", deny)
                    ),
                    &[],
                ),
                (
                    "no default deny anywhere",
                    &format!("{web}{db}{}", policy("app", "web", only_web)),
                    &[],
                ),
            ],
        );
    }
}
