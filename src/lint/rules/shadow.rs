//! NP013: duplicate or shadowed rules.
//!
//! Rule R is shadowed by rule S when both are in the same direction, S's
//! policy selects at least the pods R's does (same namespace, podSelector
//! a superset by its text), and R's peers and ports are each a subset of
//! S's (see `subset`: sound, so a finding is never wrong, though some
//! overlaps go unreported). R is then reported once, naming the first such
//! S in input order. When R and S are equivalent (a duplicate), only the
//! later of the two is reported.

use std::collections::BTreeMap;

use crate::k8s::{Labels, PolicyType};
use crate::lint::context::{Ctx, RuleView, effective_rules, list_key};
use crate::lint::subset::{Own, peers_subset, ports_subset, selector_subset};
use crate::lint::{Code, Finding};

struct Entry<'p> {
    pi: usize,
    rule: RuleView<'p>,
}

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut groups: BTreeMap<(&str, PolicyType), Vec<Entry<'_>>> = BTreeMap::new();
    for (pi, p) in ctx.policies.iter().enumerate() {
        if !p.valid {
            continue;
        }
        for rule in effective_rules(&p.np) {
            groups
                .entry((p.namespace.as_str(), rule.dir))
                .or_default()
                .push(Entry { pi, rule });
        }
    }
    let none = Labels::new();
    for ((ns, _), entries) in &groups {
        let own = Own {
            name: ns,
            labels: ctx.cluster.namespaces.get(*ns).unwrap_or(&none),
        };
        let within = |a: &Entry<'_>, b: &Entry<'_>| {
            selector_subset(
                &ctx.policies[a.pi].np.spec.pod_selector,
                &ctx.policies[b.pi].np.spec.pod_selector,
            ) && peers_subset(a.rule.peers, b.rule.peers, &own)
                && ports_subset(a.rule.ports, b.rule.ports)
        };
        for (i, r) in entries.iter().enumerate() {
            let cover = entries.iter().enumerate().find_map(|(j, s)| {
                if i == j || !within(r, s) {
                    return None;
                }
                let equivalent = within(s, r);
                // Of two duplicates, the earlier one stays unreported.
                (!(equivalent && j > i)).then_some((s, equivalent))
            });
            let Some((s, equivalent)) = cover else {
                continue;
            };
            let other = if s.pi == r.pi {
                format!(
                    "spec.{}[{}] of this policy",
                    list_key(s.rule.dir),
                    s.rule.index
                )
            } else {
                let sp = &ctx.policies[s.pi];
                format!(
                    "{}/{} spec.{}[{}]",
                    sp.namespace,
                    sp.np.metadata.name,
                    list_key(s.rule.dir),
                    s.rule.index
                )
            };
            let msg = if equivalent {
                format!("duplicates {other}: same pods, peers and ports; remove one")
            } else {
                format!(
                    "is shadowed by {other}, which admits every peer and port this rule does for at least the same pods; this rule adds nothing"
                )
            };
            out.push(ctx.policy_finding(r.pi, Code::ShadowedRule, r.rule.path(), msg));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, policy, table};
    use super::*;

    #[test]
    fn shadowed_rules() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let gw = "{podSelector: {matchLabels: {app: gw}}}";
        let twice = format!(
            "{{podSelector: {{matchLabels: {{app: web}}}}, ingress: [{{from: [{gw}], ports: [{{port: 80}}]}}, {{from: [{gw}], ports: [{{port: 80}}]}}]}}"
        );
        let narrower = format!(
            "{{podSelector: {{matchLabels: {{app: web}}}}, ingress: [{{from: [{gw}], ports: [{{port: 80}}]}}]}}"
        );
        let wider = format!(
            "{{podSelector: {{}}, ingress: [{{from: [{gw}, {{podSelector: {{matchLabels: {{app: x}}}}}}]}}]}}"
        );
        let other_port = format!(
            "{{podSelector: {{matchLabels: {{app: web}}}}, ingress: [{{from: [{gw}], ports: [{{port: 80}}]}}, {{from: [{gw}], ports: [{{port: 81}}]}}]}}"
        );
        let narrower_pods = format!(
            "{{podSelector: {{matchLabels: {{app: web, tier: x}}}}, ingress: [{{from: [{gw}]}}]}}"
        );
        table(
            Code::ShadowedRule,
            &[
                (
                    "duplicate in one policy",
                    &format!("{web}{}", policy("app", "p", &twice)),
                    &["spec.ingress[1]"],
                ),
                (
                    "covered by a policy selecting more pods",
                    &format!(
                        "{web}{}{}",
                        policy("app", "a", &narrower),
                        policy("app", "b", &wider)
                    ),
                    &["spec.ingress[0]"],
                ),
                (
                    "different ports",
                    &format!("{web}{}", policy("app", "p", &other_port)),
                    &[],
                ),
                (
                    "other policy selects fewer pods",
                    &format!(
                        "{web}{}{}",
                        policy("app", "a", &narrower),
                        policy("app", "b", &narrower_pods)
                    ),
                    &[],
                ),
                (
                    "other namespace",
                    &format!(
                        "{web}{}{}",
                        policy("app", "a", &narrower),
                        policy("data", "b", &narrower)
                    ),
                    &[],
                ),
            ],
        );
    }
}
