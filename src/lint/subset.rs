//! Containment between selectors, peers, ports and rules, for the
//! shadowed-rule check. Sound, not complete: `true` means every connection
//! the first admits the second admits too; `false` may just mean "cannot
//! tell from the text". Callers pass only structurally valid specs.

use std::collections::BTreeSet;

use crate::engine::{IpBlockRef, NAMESPACE_NAME_LABEL, PortEntry, PortMatcher, PortSpec, Selector};
use crate::k8s::{IpBlock, LabelSelector, Labels, Peer, PolicyPort, SelectorOperator};

use SelectorOperator::{DoesNotExist, Exists, In, NotIn};

/// One requirement, `matchLabels` entries written as `In [v]`.
struct Req<'s> {
    key: &'s str,
    op: SelectorOperator,
    values: BTreeSet<&'s str>,
}

fn reqs(sel: &LabelSelector) -> Vec<Req<'_>> {
    let labels = sel.match_labels.iter().map(|(k, v)| Req {
        key: k,
        op: In,
        values: BTreeSet::from([v.as_str()]),
    });
    let exprs = sel.match_expressions.iter().map(|e| Req {
        key: &e.key,
        op: e.operator,
        values: e.values.iter().map(String::as_str).collect(),
    });
    labels.chain(exprs).collect()
}

/// Every label set satisfying `a` satisfies `b` (same key).
fn implies(a: &Req<'_>, b: &Req<'_>) -> bool {
    a.key == b.key
        && match (a.op, b.op) {
            (In, In) => a.values.is_subset(&b.values),
            (In, NotIn) => a.values.is_disjoint(&b.values),
            (In | Exists, Exists) => true,
            (NotIn, NotIn) => b.values.is_subset(&a.values),
            (DoesNotExist, NotIn | DoesNotExist) => true,
            _ => false,
        }
}

/// Every label set `a` matches, `b` matches.
pub(super) fn selector_subset(a: &LabelSelector, b: &LabelSelector) -> bool {
    let ra = reqs(a);
    reqs(b).iter().all(|rb| ra.iter().any(|x| implies(x, rb)))
}

/// Where a rule lives: the policy's namespace and that namespace's labels.
pub(super) struct Own<'a> {
    pub name: &'a str,
    pub labels: &'a Labels,
}

fn ns_subset(a: Option<&LabelSelector>, b: Option<&LabelSelector>, own: &Own<'_>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => selector_subset(x, y),
        // The own namespace, if the selector surely matches it.
        (None, Some(y)) => {
            let monotone = y
                .match_expressions
                .iter()
                .all(|e| matches!(e.operator, In | Exists));
            monotone && Selector::new(y).matches(own.labels)
        }
        // A selector pinned to the own namespace's name.
        (Some(x), None) => {
            let name = LabelSelector::labels(Labels::from_iter([(
                NAMESPACE_NAME_LABEL.to_string(),
                own.name.to_string(),
            )]));
            selector_subset(x, &name)
        }
    }
}

fn ip_block_subset(a: &IpBlock, b: &IpBlock) -> bool {
    let (Some(a), Some(b)) = (IpBlockRef::parse(a), IpBlockRef::parse(b)) else {
        return false;
    };
    let nested = |x: &ipnet::IpNet, y: &ipnet::IpNet| x.contains(&y.network());
    b.cidr.contains(&a.cidr)
        && b.except.iter().all(|hole| {
            let disjoint = !nested(hole, &a.cidr) && !nested(&a.cidr, hole);
            disjoint || a.except.iter().any(|h| h.contains(hole))
        })
}

/// One peer within another.
pub(super) fn peer_subset(a: &Peer, b: &Peer, own: &Own<'_>) -> bool {
    match (&a.ip_block, &b.ip_block) {
        (Some(x), Some(y)) => ip_block_subset(x, y),
        (None, None) => {
            let all = LabelSelector::default();
            ns_subset(
                a.namespace_selector.as_ref(),
                b.namespace_selector.as_ref(),
                own,
            ) && selector_subset(
                a.pod_selector.as_ref().unwrap_or(&all),
                b.pod_selector.as_ref().unwrap_or(&all),
            )
        }
        _ => false,
    }
}

/// A `from`/`to` list within another (absent or empty: any peer).
pub(super) fn peers_subset(a: Option<&[Peer]>, b: Option<&[Peer]>, own: &Own<'_>) -> bool {
    let any = |p: Option<&[Peer]>| p.is_none_or(<[Peer]>::is_empty);
    if any(b) {
        return true;
    }
    if any(a) {
        return false;
    }
    let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
    a.iter()
        .all(|pa| b.iter().any(|pb| peer_subset(pa, pb, own)))
}

fn entry_subset(a: &PortEntry, b: &PortEntry) -> bool {
    a.protocol == b.protocol
        && match (&a.spec, &b.spec) {
            (_, PortSpec::All) => true,
            (PortSpec::Range(lo, hi), PortSpec::Range(blo, bhi)) => blo <= lo && hi <= bhi,
            (PortSpec::Named(x), PortSpec::Named(y)) => x == y,
            _ => false,
        }
}

/// A `ports` list within another (absent or empty: every port).
pub(super) fn ports_subset(a: Option<&[PolicyPort]>, b: Option<&[PolicyPort]>) -> bool {
    match (PortMatcher::new(a), PortMatcher::new(b)) {
        (_, PortMatcher::Any) => true,
        (PortMatcher::Any, PortMatcher::List(_)) => false,
        (PortMatcher::List(ea), PortMatcher::List(eb)) => {
            ea.iter().all(|x| eb.iter().any(|y| entry_subset(x, y)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::yaml;

    fn sel(text: &str) -> LabelSelector {
        yaml::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn peer(text: &str) -> Peer {
        yaml::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn ports(text: &str) -> Vec<PolicyPort> {
        yaml::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn selector_containment_table() {
        // (a, b, a within b)
        let cases = [
            ("{}", "{}", true),
            ("{matchLabels: {app: a}}", "{}", true),
            ("{}", "{matchLabels: {app: a}}", false),
            (
                "{matchLabels: {app: a, t: x}}",
                "{matchLabels: {app: a}}",
                true,
            ),
            ("{matchLabels: {app: a}}", "{matchLabels: {app: b}}", false),
            (
                "{matchLabels: {app: a}}",
                "{matchExpressions: [{key: app, operator: In, values: [a, b]}]}",
                true,
            ),
            (
                "{matchLabels: {app: a}}",
                "{matchExpressions: [{key: app, operator: NotIn, values: [b]}]}",
                true,
            ),
            (
                "{matchLabels: {app: a}}",
                "{matchExpressions: [{key: app, operator: NotIn, values: [a]}]}",
                false,
            ),
            (
                "{matchLabels: {app: a}}",
                "{matchExpressions: [{key: app, operator: Exists}]}",
                true,
            ),
            (
                "{matchExpressions: [{key: app, operator: Exists}]}",
                "{matchLabels: {app: a}}",
                false,
            ),
            (
                "{matchExpressions: [{key: app, operator: NotIn, values: [a, b]}]}",
                "{matchExpressions: [{key: app, operator: NotIn, values: [a]}]}",
                true,
            ),
            (
                "{matchExpressions: [{key: app, operator: DoesNotExist}]}",
                "{matchExpressions: [{key: app, operator: NotIn, values: [a]}]}",
                true,
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(selector_subset(&sel(a), &sel(b)), want, "{a} within {b}");
        }
    }

    #[test]
    fn peer_containment_table() {
        let labels = Labels::from_iter([
            (NAMESPACE_NAME_LABEL.to_string(), "prod".to_string()),
            ("team".to_string(), "x".to_string()),
        ]);
        let own = Own {
            name: "prod",
            labels: &labels,
        };
        let cases = [
            (
                "{podSelector: {matchLabels: {app: a}}}",
                "{podSelector: {}}",
                true,
            ),
            (
                "{podSelector: {}}",
                "{podSelector: {matchLabels: {app: a}}}",
                false,
            ),
            (
                "{podSelector: {}}",
                "{namespaceSelector: {matchLabels: {team: x}}}",
                true,
            ),
            (
                "{podSelector: {}}",
                "{namespaceSelector: {matchLabels: {team: y}}}",
                false,
            ),
            (
                "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}}",
                "{podSelector: {}}",
                true,
            ),
            ("{namespaceSelector: {}}", "{podSelector: {}}", false),
            (
                "{namespaceSelector: {}, podSelector: {matchLabels: {app: a}}}",
                "{namespaceSelector: {}}",
                true,
            ),
            (
                "{ipBlock: {cidr: 10.1.0.0/16}}",
                "{ipBlock: {cidr: 10.0.0.0/8}}",
                true,
            ),
            (
                "{ipBlock: {cidr: 10.1.0.0/16}}",
                "{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.2.0/24]}}",
                false,
            ),
            (
                "{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.0.0/20]}}",
                "{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.2.0/24]}}",
                true,
            ),
            ("{ipBlock: {cidr: 10.0.0.0/8}}", "{podSelector: {}}", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(
                peer_subset(&peer(a), &peer(b), &own),
                want,
                "{a} within {b}"
            );
        }
        let one = [peer("{podSelector: {}}")];
        assert!(peers_subset(Some(&one), None, &own));
        assert!(peers_subset(Some(&one), Some(&[]), &own));
        assert!(!peers_subset(None, Some(&one), &own));
    }

    #[test]
    fn port_containment_table() {
        let cases = [
            ("[{port: 80}]", "[{port: 80}, {port: 443}]", true),
            ("[{port: 80}]", "[{protocol: UDP, port: 80}]", false),
            (
                "[{port: 8000, endPort: 8010}]",
                "[{port: 7000, endPort: 9000}]",
                true,
            ),
            (
                "[{port: 8000, endPort: 8010}]",
                "[{port: 8005, endPort: 9000}]",
                false,
            ),
            ("[{port: 80}]", "[{protocol: TCP}]", true),
            ("[{port: http}]", "[{port: http}]", true),
            ("[{port: http}]", "[{port: 80}]", false),
            ("[]", "[{port: 80}]", false),
            ("[{port: 80}]", "[]", true),
        ];
        for (a, b, want) in cases {
            let (a_list, b_list) = (ports(a), ports(b));
            assert_eq!(
                ports_subset(Some(&a_list), Some(&b_list)),
                want,
                "{a} within {b}"
            );
        }
        assert!(ports_subset(Some(&ports("[{port: 80}]")), None));
        assert!(!ports_subset(None, Some(&ports("[{port: 80}]"))));
    }
}
