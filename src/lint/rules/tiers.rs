//! NP016, NP017: cluster-wide policies (ClusterNetworkPolicy,
//! AdminNetworkPolicy, BaselineAdminNetworkPolicy) against the input.
//!
//! - NP016: a cluster-wide policy with rules whose `spec.subject` selects
//!   no workload of the input (said only when the input has workloads).
//! - NP017: a NetworkPolicy rule that admits connections among the
//!   input's workloads, every one of which an Admin-tier Deny decides
//!   first: the rule can never take effect while that policy stands.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::field::FieldPath;
use crate::engine::{Endpoint, Engine, TierPolicyRef};
use crate::k8s::PolicyType;
use crate::lint::context::{Ctx, RuleView, effective_rules};
use crate::lint::{Code, Finding};

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.tiers.is_empty() {
        return;
    }
    let engine = Engine::new(&ctx.cluster);
    subjects(ctx, &engine, out);
    overridden(ctx, &engine, out);
}

fn subjects(ctx: &Ctx, engine: &Engine<'_>, out: &mut Vec<Finding>) {
    if ctx.cluster.workloads.is_empty() {
        return;
    }
    let mut selecting: BTreeSet<TierPolicyRef> = BTreeSet::new();
    for w in 0..ctx.cluster.workloads.len() {
        for dir in [PolicyType::Ingress, PolicyType::Egress] {
            selecting.extend(engine.tier_policies(w, dir));
        }
    }
    for (ti, t) in ctx.tiers.iter().enumerate() {
        let p = &t.policy;
        if p.ingress.is_empty() && p.egress.is_empty() {
            continue;
        }
        let selects = selecting
            .iter()
            .any(|r| r.kind == p.kind && r.name == p.name);
        if !selects {
            let msg =
                "matches no workload of the input, so this policy decides nothing here".to_string();
            out.push(ctx.tier_finding(
                ti,
                Code::SubjectSelectsNothing,
                FieldPath::parse("spec.subject"),
                msg,
            ));
        }
    }
}

/// How the connections one NetworkPolicy rule admits were decided.
#[derive(Default)]
struct Tally {
    admitted: usize,
    /// Admin-tier Deny rules that decided, by policy.
    denied_by: BTreeMap<String, usize>,
}

fn overridden(ctx: &Ctx, engine: &Engine<'_>, out: &mut Vec<Finding>) {
    let workloads = &ctx.cluster.workloads;
    for (pi, p) in ctx.policies.iter().enumerate().filter(|(_, p)| p.valid) {
        for rule in effective_rules(&p.np) {
            let mut tally = Tally::default();
            for &own in &p.selected {
                for other in 0..workloads.len() {
                    let (src, dst) = match rule.dir {
                        PolicyType::Ingress => (other, own),
                        PolicyType::Egress => (own, other),
                    };
                    for cp in &workloads[dst].ports {
                        let v = engine.verdict(
                            &Endpoint::Workload(src),
                            &Endpoint::Workload(dst),
                            cp.port,
                            cp.protocol,
                        );
                        let side = match rule.dir {
                            PolicyType::Ingress => &v.ingress,
                            PolicyType::Egress => &v.egress,
                        };
                        if !side.allowed_by.iter().any(|r| is_rule(r, p, &rule)) {
                            continue;
                        }
                        tally.admitted += 1;
                        if let (false, Some(by)) = (side.allowed, &side.decision.rule) {
                            *tally.denied_by.entry(by.to_string()).or_default() += 1;
                        }
                    }
                }
            }
            let denied: usize = tally.denied_by.values().sum();
            if tally.admitted > 0 && denied == tally.admitted {
                let by: Vec<&str> = tally.denied_by.keys().map(String::as_str).collect();
                let msg = format!(
                    "every connection this rule admits here ({} connection(s)) is denied first at the Admin tier by {}, so the rule has no effect",
                    tally.admitted,
                    by.join(", ")
                );
                out.push(ctx.policy_finding(pi, Code::OverriddenByTier, rule.path(), msg));
            }
        }
    }
}

fn is_rule(
    r: &crate::engine::RuleRef,
    p: &crate::lint::context::PolicyCtx,
    rule: &RuleView<'_>,
) -> bool {
    r.direction == rule.dir
        && r.rule == rule.index
        && r.policy.name == p.np.metadata.name
        && r.policy.namespace == p.namespace
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, namespace, policy, table};
    use super::*;

    const ADMIN_DENY_LAB: &str = "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: lab-out}\nspec: {priority: 10, subject: {namespaces: {matchLabels: {team: shop}}}, ingress: [{name: lab, action: Deny, from: [{namespaces: {matchLabels: {team: lab}}}]}]}\n";

    fn cluster(extra: &str) -> String {
        [
            namespace("shop", "{team: shop}"),
            namespace("lab", "{team: lab}"),
            deploy("shop", "db", "{app: db}", &[("pg", 5432, "TCP")]),
            deploy("lab", "probe", "{app: probe}", &[("http", 80, "TCP")]),
            extra.to_string(),
        ]
        .concat()
    }

    #[test]
    fn overridden_by_tier() {
        let from_lab = policy(
            "shop",
            "from-lab",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: lab}}}]}]}",
        );
        let from_all = policy(
            "shop",
            "from-all",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {}}]}]}",
        );
        table(
            Code::OverriddenByTier,
            &[
                (
                    "admin deny takes every connection the rule admits",
                    &cluster(&format!("{from_lab}{ADMIN_DENY_LAB}")),
                    &["spec.ingress[0]"],
                ),
                (
                    "the rule also admits shop to itself",
                    &cluster(&format!("{from_all}{ADMIN_DENY_LAB}")),
                    &[],
                ),
                ("no admin policy", &cluster(&from_lab), &[]),
            ],
        );
    }

    #[test]
    fn subject_selects_nothing() {
        let nobody = ADMIN_DENY_LAB.replace("team: shop", "team: nobody");
        table(
            Code::SubjectSelectsNothing,
            &[
                ("selects shop", &cluster(ADMIN_DENY_LAB), &[]),
                ("selects no namespace", &cluster(&nobody), &["spec.subject"]),
                ("no workloads in the input", &nobody, &[]),
            ],
        );
    }
}
