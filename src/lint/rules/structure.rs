//! NP001 (specs Kubernetes would reject), NP002 (rules in a direction
//! `policyTypes` leaves out) and NP015 (policies in namespaces without
//! workloads in the input).

use std::collections::BTreeMap;

use crate::diag::field::FieldPath;
use crate::engine::{effective_policy_types, validate};
use crate::k8s::PolicyType;
use crate::lint::context::{Ctx, list_key};
use crate::lint::{Code, Finding};

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut unobserved: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (pi, p) in ctx.policies.iter().enumerate() {
        if !p.valid {
            for problem in validate(&p.np.spec) {
                let field = FieldPath::parse(&problem.path);
                out.push(ctx.policy_finding(pi, Code::InvalidManifest, field, problem.message));
            }
            continue;
        }
        let spec = &p.np.spec;
        let types = effective_policy_types(spec);
        for (dir, n) in [
            (
                PolicyType::Ingress,
                spec.ingress.as_ref().map_or(0, Vec::len),
            ),
            (PolicyType::Egress, spec.egress.as_ref().map_or(0, Vec::len)),
        ] {
            if n > 0 && !types.contains(&dir) {
                let listed: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
                let msg = format!(
                    "policyTypes is [{}], so the {n} {} rule(s) here have no effect; add {} to policyTypes or remove them",
                    listed.join(", "),
                    list_key(dir),
                    dir.as_str()
                );
                let field = FieldPath::keys(&["spec", list_key(dir)]);
                out.push(ctx.policy_finding(pi, Code::IgnoredRules, field, msg));
            }
        }
        if !ctx.observed.contains(&p.namespace) {
            unobserved.entry(&p.namespace).or_default().push(pi);
        }
    }
    for (ns, pis) in unobserved {
        let msg = format!(
            "namespace {ns} has no workloads in the input, so the selectors and ports of its {} are not checked against workloads (add its Deployments, Pods, ... to lint them)",
            if pis.len() == 1 {
                "policy".to_string()
            } else {
                format!("{} policies", pis.len())
            }
        );
        let field = FieldPath::keys(&["metadata", "namespace"]);
        out.push(ctx.policy_finding(pis[0], Code::NamespaceWithoutWorkloads, field, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, policy, table};
    use super::*;

    #[test]
    fn invalid_specs() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let bad = format!(
            "{web}{}",
            policy(
                "app",
                "p",
                "{podSelector: {}, ingress: [{from: [{}], ports: [{port: 0}]}]}"
            )
        );
        let good = format!(
            "{web}{}",
            policy(
                "app",
                "p",
                "{podSelector: {}, ingress: [{ports: [{port: 80}]}]}"
            )
        );
        let malformed =
            "kind: NetworkPolicy\nmetadata: {name: p, namespace: app}\nspec: {podSelecter: {}}\n";
        table(
            Code::InvalidManifest,
            &[
                (
                    "rejected spec",
                    &bad,
                    &["spec.ingress[0].from[0]", "spec.ingress[0].ports[0].port"],
                ),
                ("valid spec", &good, &[]),
                ("unknown field", malformed, &["spec.podSelecter"]),
            ],
        );
    }

    #[test]
    fn ignored_rules() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let ignored = format!(
            "{web}{}",
            policy(
                "app",
                "p",
                "{podSelector: {}, policyTypes: [Ingress], egress: [{ports: [{port: 53, protocol: UDP}]}]}"
            )
        );
        let defaulted = format!(
            "{web}{}",
            policy(
                "app",
                "p",
                "{podSelector: {}, egress: [{ports: [{port: 53, protocol: UDP}]}]}"
            )
        );
        table(
            Code::IgnoredRules,
            &[
                ("egress rules without Egress", &ignored, &["spec.egress"]),
                ("policyTypes defaulted from egress", &defaulted, &[]),
            ],
        );
    }

    #[test]
    fn namespace_without_workloads() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let deny = "{podSelector: {}, policyTypes: [Ingress]}";
        let elsewhere = format!(
            "{web}{}{}",
            policy("other", "a", deny),
            policy("other", "b", deny)
        );
        let here = format!("{web}{}", policy("app", "a", deny));
        table(
            Code::NamespaceWithoutWorkloads,
            &[
                ("policies only", &elsewhere, &["metadata.namespace"]),
                ("workloads present", &here, &[]),
            ],
        );
    }
}
