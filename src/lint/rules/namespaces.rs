//! NP005 (a namespaceSelector matches no namespace: no declared Namespace
//! carries its labels) and NP006 (a namespaceSelector names, by
//! `kubernetes.io/metadata.name`, a namespace the input does not have, or
//! one the build renamed).
//!
//! Both need evidence about namespaces: NP005 and the plain NP006 fire
//! only when the input declares at least one Namespace; NP006 also fires
//! when kustomize annotated a rename (`previousNamespaces`), the trace of
//! its `namespace:` transformer, which rewrites `metadata.namespace` but
//! not namespaceSelectors.

use std::collections::BTreeSet;

use crate::engine::{NAMESPACE_NAME_LABEL, Selector};
use crate::k8s::{LabelSelector, SelectorOperator};
use crate::lint::context::{Ctx, effective_rules};
use crate::lint::{Code, Finding};

/// The namespace names a selector pins by `kubernetes.io/metadata.name`.
fn pinned_names(sel: &LabelSelector) -> BTreeSet<&str> {
    let mut names: BTreeSet<&str> = sel
        .match_labels
        .get(NAMESPACE_NAME_LABEL)
        .map(String::as_str)
        .into_iter()
        .collect();
    for e in &sel.match_expressions {
        if e.key == NAMESPACE_NAME_LABEL && e.operator == SelectorOperator::In {
            names.extend(e.values.iter().map(String::as_str));
        }
    }
    names
}

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (pi, p) in ctx.policies.iter().enumerate() {
        if !p.valid {
            continue;
        }
        for rule in effective_rules(&p.np) {
            for (i, peer) in rule.peers.unwrap_or_default().iter().enumerate() {
                let Some(sel) = &peer.namespace_selector else {
                    continue;
                };
                let field = rule.peer_path(i).key("namespaceSelector");
                let missing: Vec<&str> = pinned_names(sel)
                    .into_iter()
                    .filter(|n| !ctx.cluster.namespaces.contains_key(*n))
                    .collect();
                let mut named = false;
                for name in &missing {
                    let msg = match ctx.renamed.get(*name) {
                        Some(now) => format!(
                            "selects namespace {name:?} by {NAMESPACE_NAME_LABEL}, but the build renamed that namespace to {}: kustomize's namespace transformer does not rewrite namespaceSelectors, so this peer no longer matches it",
                            now.iter()
                                .map(|n| format!("{n:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        None if !ctx.declared.is_empty() => format!(
                            "selects namespace {name:?} by {NAMESPACE_NAME_LABEL}, but the input neither declares it nor has workloads or policies in it (misspelt, or renamed by the build?)"
                        ),
                        None => continue,
                    };
                    named = true;
                    out.push(ctx.policy_finding(
                        pi,
                        Code::UnknownNamespaceName,
                        field.clone(),
                        msg,
                    ));
                }
                if named || !missing.is_empty() || ctx.declared.is_empty() {
                    continue;
                }
                let compiled = Selector::new(sel);
                if ctx.cluster.namespaces.values().any(|l| compiled.matches(l)) {
                    continue;
                }
                let absent: Vec<String> = sel
                    .match_labels
                    .iter()
                    .filter(|(k, v)| {
                        !ctx.cluster
                            .namespaces
                            .values()
                            .any(|l| l.get(*k) == Some(*v))
                    })
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let why = if absent.is_empty() {
                    "no namespace of the input satisfies all of its requirements".to_string()
                } else {
                    format!("no declared Namespace carries {}", absent.join(", "))
                };
                let msg = format!(
                    "matches no namespace: {why}; label the Namespace (e.g. the ingress controller's or monitoring's) or fix the selector"
                );
                out.push(ctx.policy_finding(pi, Code::NamespaceLabelMissing, field, msg));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, namespace, policy, table};
    use super::*;

    fn from_ns(sel: &str) -> String {
        policy(
            "app",
            "p",
            &format!("{{podSelector: {{}}, ingress: [{{from: [{{namespaceSelector: {sel}}}]}}]}}"),
        )
    }

    #[test]
    fn namespace_label_missing() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let mon = namespace("monitoring", "{team: obs}");
        let unlabelled = format!(
            "{web}{mon}{}",
            from_ns("{matchLabels: {purpose: monitoring}}")
        );
        let labelled = format!("{web}{mon}{}", from_ns("{matchLabels: {team: obs}}"));
        let undeclared = format!("{web}{}", from_ns("{matchLabels: {purpose: monitoring}}"));
        table(
            Code::NamespaceLabelMissing,
            &[
                (
                    "label no Namespace carries",
                    &unlabelled,
                    &["spec.ingress[0].from[0].namespaceSelector"],
                ),
                ("label carried", &labelled, &[]),
                ("no Namespaces declared", &undeclared, &[]),
            ],
        );
    }

    #[test]
    fn unknown_namespace_name() {
        let web = deploy("app", "web", "{app: web}", &[("http", 80, "TCP")]);
        let ns = namespace("app", "{}");
        let by_name = "{matchLabels: {kubernetes.io/metadata.name: monitoring}}";
        let unknown = format!("{web}{ns}{}", from_ns(by_name));
        let declared = format!(
            "{web}{ns}{}{}",
            namespace("monitoring", "{}"),
            from_ns(by_name)
        );
        let no_namespaces = format!("{web}{}", from_ns(by_name));
        // What kustomize hands a validator after `namespace: prod` renamed `app`.
        let renamed = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n  annotations: {internal.config.kubernetes.io/previousNamespaces: app}\nspec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [app]}]}}]}]}\n";
        table(
            Code::UnknownNamespaceName,
            &[
                (
                    "undeclared name",
                    &unknown,
                    &["spec.ingress[0].from[0].namespaceSelector"],
                ),
                ("declared", &declared, &[]),
                ("nothing declared", &no_namespaces, &[]),
                (
                    "renamed by the build",
                    renamed,
                    &["spec.ingress[0].from[0].namespaceSelector"],
                ),
            ],
        );
        let msg = &super::super::testutil::findings(renamed, Code::UnknownNamespaceName)[0].1;
        assert!(msg.contains("renamed that namespace to \"prod\""), "{msg}");
    }
}
