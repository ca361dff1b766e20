//! HTTP rules in what the L7 check reports: a declared or rendered set in
//! words, and where a rendered rule is written.

use std::collections::BTreeSet;

use crate::engine::CiliumRuleRef;
use crate::k8s::PolicyType;
use crate::k8s::cilium::{CiliumPolicy, HttpRule, L7Rules};

/// The rule of a rendered HTTP rule, and the rule's field path:
/// `spec.ingress[0].toPorts[1].rules.http[2]`.
pub(super) fn http_path<'r>(
    policies: &[CiliumPolicy],
    at: &'r CiliumRuleRef,
    h: &HttpRule,
) -> Option<(&'r CiliumRuleRef, String)> {
    let p = policies.iter().find(|p| {
        p.kind == at.policy.kind
            && p.name == at.policy.name
            && p.namespace.as_deref().unwrap_or_default() == at.policy.namespace
    })?;
    let spec = p.specs.iter().find(|s| s.index == at.spec)?;
    let rules = match (at.direction, at.deny) {
        (PolicyType::Ingress, false) => &spec.ingress,
        (PolicyType::Egress, false) => &spec.egress,
        (PolicyType::Ingress, true) => &spec.ingress_deny,
        (PolicyType::Egress, true) => &spec.egress_deny,
    };
    let rule = rules.get(at.rule)?;
    let whole = CiliumRuleRef {
        peer: None,
        ..at.clone()
    };
    rule.to_ports
        .iter()
        .enumerate()
        .find_map(|(i, e)| match &e.rules {
            L7Rules::Http(list) => list
                .iter()
                .position(|x| x == h)
                .map(|j| (at, format!("{}.toPorts[{i}].rules.http[{j}]", whole.path()))),
            _ => None,
        })
}

pub(super) fn describe(rules: &Option<BTreeSet<HttpRule>>) -> String {
    match rules {
        None => "no HTTP rules (every request)".into(),
        Some(r) => {
            let list: Vec<String> = r.iter().map(|h| format!("[{h}]")).collect();
            format!("HTTP rules {}", list.join(" "))
        }
    }
}
