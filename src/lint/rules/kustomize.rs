//! NP014: a peer podSelector that requires a label the policy itself
//! carries in `metadata.labels`.
//!
//! kustomize's `commonLabels`, and `labels` with `includeSelectors: true`,
//! add their labels to `metadata.labels` and also to every
//! `from[].podSelector.matchLabels` / `to[].podSelector.matchLabels` that
//! exists (kubernetes-sigs/kustomize#5912), so a peer that meant "pods of
//! the ingress controller" becomes "pods of the ingress controller that
//! also carry this app's labels": usually none. The rule fires when a peer
//! podSelector's matchLabels shares a key=value pair with the policy's own
//! labels.

use crate::k8s::{LabelSelector, Labels};
use crate::lint::context::{Ctx, effective_rules};
use crate::lint::{Code, Finding};

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (pi, p) in ctx.policies.iter().enumerate() {
        let own = &p.np.metadata.labels;
        if !p.valid || own.is_empty() {
            continue;
        }
        for rule in effective_rules(&p.np) {
            for (i, peer) in rule.peers.unwrap_or_default().iter().enumerate() {
                let Some(sel) = &peer.pod_selector else {
                    continue;
                };
                let shared: Labels = sel
                    .match_labels
                    .iter()
                    .filter(|(k, v)| own.get(*k) == Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if shared.is_empty() {
                    continue;
                }
                let pairs: Vec<String> = shared.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let mut msg = format!(
                    "requires {}, which the policy itself carries in metadata.labels: the trace of kustomize labels/commonLabels with includeSelectors (kubernetes-sigs/kustomize#5912), which narrows the peer to pods carrying it",
                    pairs.join(", ")
                );
                msg.push_str(&narrowing(ctx, pi, peer, sel, &shared));
                let field = rule.peer_path(i).key("podSelector").key("matchLabels");
                out.push(ctx.policy_finding(pi, Code::PeerCarriesPolicyLabels, field, msg));
            }
        }
    }
}

/// What the peer would match without the shared labels, when the input shows it.
fn narrowing(
    ctx: &Ctx,
    pi: usize,
    peer: &crate::k8s::Peer,
    sel: &LabelSelector,
    shared: &Labels,
) -> String {
    let namespaces = ctx.peer_namespaces(pi, peer);
    if namespaces.is_empty() || !ctx.all_observed(&namespaces) {
        return String::new();
    }
    let mut without = sel.clone();
    without.match_labels.retain(|k, _| !shared.contains_key(k));
    let now = ctx.workloads_in(&namespaces, Some(sel));
    let before = ctx.workloads_in(&namespaces, Some(&without));
    let lost: Vec<usize> = before.into_iter().filter(|w| !now.contains(w)).collect();
    if lost.is_empty() {
        String::new()
    } else {
        format!(
            "; without it the peer would also match {}",
            ctx.wnames(&lost)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{deploy, table};
    use super::*;

    fn policy_with_labels(peer_labels: &str) -> String {
        format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-gw\n  namespace: app\n  labels: {{team: blue, app.kubernetes.io/part-of: shop}}\nspec:\n  podSelector: {{matchLabels: {{app: web, team: blue}}}}\n  ingress:\n  - from:\n    - podSelector: {{matchLabels: {peer_labels}}}\n"
        )
    }

    #[test]
    fn peer_carries_policy_labels() {
        let web = deploy(
            "app",
            "web",
            "{app: web, team: blue}",
            &[("http", 80, "TCP")],
        );
        let gw = deploy("app", "gw", "{app: gw}", &[("http", 8080, "TCP")]);
        let traced = format!("{web}{gw}{}", policy_with_labels("{app: gw, team: blue}"));
        let clean = format!("{web}{gw}{}", policy_with_labels("{app: gw}"));
        table(
            Code::PeerCarriesPolicyLabels,
            &[
                (
                    "commonLabels in the peer",
                    &traced,
                    &["spec.ingress[0].from[0].podSelector.matchLabels"],
                ),
                ("peer without the policy's labels", &clean, &[]),
            ],
        );
        let msg = &super::super::testutil::findings(&traced, Code::PeerCarriesPolicyLabels)[0].1;
        assert!(msg.ends_with("would also match app/gw"), "{msg}");
    }
}
