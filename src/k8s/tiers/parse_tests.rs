//! Parsing tier policy documents: every kind, null-as-absent, and errors
//! with their field paths.

use serde_json::Value;

use super::types::*;
use super::{parse_tier_policy, tier_kind};
use crate::k8s::{LabelSelector, Labels, Protocol};

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn doc(yaml: &str) -> Value {
    match crate::k8s::yaml::parse_documents(yaml) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0),
        other => panic!("bad test document: {other:?}\n{yaml}"),
    }
}

fn parse(yaml: &str) -> TierPolicy {
    parse_tier_policy(&doc(yaml)).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

fn error(yaml: &str) -> String {
    match parse_tier_policy(&doc(yaml)) {
        Ok(p) => panic!("parsed, expected an error: {p:?}"),
        Err(e) => e.to_string(),
    }
}

const CNP: &str = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: p}\n";
const ANP: &str = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: p}\n";
const BANP: &str = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n";

fn sel(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector::labels(labels(pairs))
}

#[test]
fn cluster_network_policy_all_fields() {
    let p = parse(&format!(
        r#"{CNP}spec:
  tier: Admin
  priority: 10
  subject:
    pods: {{namespaceSelector: {{matchLabels: {{ns: x}}}}, podSelector: {{matchLabels: {{pod: a}}}}}}
  ingress:
  - name: from-y
    action: Deny
    from: [{{namespaces: {{matchLabels: {{ns: y}}}}}}]
    protocols:
    - tcp: {{destinationPort: {{number: 80}}}}
    - udp: {{destinationPort: {{range: {{start: 8000, end: 8010}}}}}}
    - destinationNamedPort: serve-81-tcp
    - sctp: {{}}
  egress:
  - action: Pass
    to:
    - pods: {{podSelector: {{}}}}
    - networks: [10.1.2.3/8, "2001:db8::/32"]
    - nodes: {{matchLabels: {{role: worker}}}}
    - domainNames: ["*.example.com"]
status: {{conditions: []}}
"#
    ));
    assert_eq!(
        (p.kind, p.name.as_str(), p.tier, p.priority),
        (TierKind::ClusterNetworkPolicy, "p", Tier::Admin, Some(10))
    );
    assert_eq!(
        p.subject,
        Subject::Pods {
            namespaces: sel(&[("ns", "x")]),
            pods: sel(&[("pod", "a")])
        }
    );
    let r = &p.ingress[0];
    assert_eq!(
        (r.name.as_deref(), r.action),
        (Some("from-y"), TierAction::Deny)
    );
    assert_eq!(r.peers, [TierPeer::Namespaces(sel(&[("ns", "y")]))]);
    assert_eq!(
        r.ports.as_deref(),
        Some(
            &[
                TierPort::Range {
                    protocol: Protocol::TCP,
                    start: 80,
                    end: 80
                },
                TierPort::Range {
                    protocol: Protocol::UDP,
                    start: 8000,
                    end: 8010
                },
                TierPort::Named("serve-81-tcp".into()),
                TierPort::AllOf(Protocol::SCTP),
            ][..]
        )
    );
    let e = &p.egress[0];
    assert_eq!(e.action, TierAction::Pass);
    assert!(e.ports.is_none());
    // v1alpha2: an absent namespaceSelector selects every namespace.
    assert_eq!(
        e.peers[0],
        TierPeer::Pods {
            namespaces: LabelSelector::default(),
            pods: LabelSelector::default()
        }
    );
    let nets = match &e.peers[1] {
        TierPeer::Networks(n) => n.iter().map(ToString::to_string).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(nets, ["10.0.0.0/8", "2001:db8::/32"]);
    assert_eq!(
        e.peers[2],
        TierPeer::NotEvaluated(UnevaluatedReason::NodesPeer)
    );
    assert_eq!(
        e.peers[3],
        TierPeer::NotEvaluated(UnevaluatedReason::DomainNamesPeer)
    );
    let notes: Vec<String> = p.unevaluated.iter().map(|u| u.path.clone()).collect();
    assert_eq!(
        notes,
        [
            "spec.egress[0].to[1].networks",
            "spec.egress[0].to[2].nodes",
            "spec.egress[0].to[3].domainNames"
        ]
    );
    assert!(
        p.unevaluated[1]
            .to_string()
            .starts_with("spec.egress[0].to[2].nodes: nodes peers")
    );
}

#[test]
fn admin_network_policy_reads_allow_and_v1alpha1_ports() {
    let p = parse(&format!(
        r#"{ANP}spec:
  priority: 5
  subject: {{namespaces: {{}}}}
  egress:
  - action: Allow
    to: [{{namespaces: {{}}}}]
    ports:
    - portNumber: {{port: 53, protocol: UDP}}
    - portNumber: {{port: 80}}
    - namedPort: dns
    - portRange: {{start: 9000, end: 9000}}
    - portRange: {{protocol: SCTP, start: 1, end: 10}}
"#
    ));
    assert_eq!((p.tier, p.priority), (Tier::Admin, Some(5)));
    assert_eq!(p.subject, Subject::Namespaces(LabelSelector::default()));
    let r = &p.egress[0];
    assert_eq!(r.action, TierAction::Accept);
    assert_eq!(r.action.spelled(p.kind), "Allow");
    assert_eq!(
        r.ports.as_deref(),
        Some(
            &[
                TierPort::Range {
                    protocol: Protocol::UDP,
                    start: 53,
                    end: 53
                },
                TierPort::Range {
                    protocol: Protocol::TCP,
                    start: 80,
                    end: 80
                },
                TierPort::Named("dns".into()),
                TierPort::Range {
                    protocol: Protocol::TCP,
                    start: 9000,
                    end: 9000
                },
                TierPort::Range {
                    protocol: Protocol::SCTP,
                    start: 1,
                    end: 10
                },
            ][..]
        )
    );
}

#[test]
fn baseline_admin_network_policy_is_a_priority_less_singleton() {
    let p = parse(&format!(
        "{BANP}spec:\n  subject: {{namespaces: {{}}}}\n  ingress:\n  - action: Deny\n    from: [{{namespaces: {{}}}}]\n"
    ));
    assert_eq!(
        (p.kind, p.tier, p.priority),
        (TierKind::BaselineAdminNetworkPolicy, Tier::Baseline, None)
    );
    let named = BANP.replace("name: default", "name: other");
    assert_eq!(
        error(&format!("{named}spec: {{subject: {{namespaces: {{}}}}}}\n")),
        "metadata.name: must be \"default\": only one BaselineAdminNetworkPolicy, named default, can exist"
    );
    assert_eq!(
        error(&format!(
            "{BANP}spec: {{priority: 1, subject: {{namespaces: {{}}}}}}\n"
        )),
        "spec.priority: unknown field \"priority\"; known fields: subject, ingress, egress"
    );
    assert_eq!(
        error(&format!(
            "{BANP}spec:\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Pass, to: [{{namespaces: {{}}}}]}}]\n"
        )),
        "spec.egress[0].action: unsupported value \"Pass\": supported values: \"Allow\", \"Deny\""
    );
    assert!(error(&format!("{BANP}spec:\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{domainNames: [a.b]}}]}}]\n"))
        .starts_with("spec.egress[0].to[0].domainNames: unknown field"));
}

#[test]
fn null_reads_as_absent() {
    let p = parse(&format!(
        r#"{CNP}spec:
  tier: Baseline
  priority: 0
  subject: {{namespaces: {{matchLabels: null, matchExpressions: null}}, pods: null}}
  ingress: null
  egress:
  - name: null
    action: Deny
    to: [{{pods: {{namespaceSelector: null, podSelector: {{matchExpressions: [{{key: app, operator: Exists, values: null}}]}}}}, namespaces: null}}]
    protocols: null
"#
    ));
    assert_eq!(p.subject, Subject::Namespaces(LabelSelector::default()));
    assert!(p.ingress.is_empty());
    assert!(p.egress[0].name.is_none() && p.egress[0].ports.is_none());
    assert!(
        matches!(&p.egress[0].peers[0], TierPeer::Pods { namespaces, .. } if namespaces.is_empty())
    );
    // A required field that is null is missing.
    assert_eq!(
        error(&format!(
            "{CNP}spec: {{tier: Admin, priority: null, subject: {{namespaces: {{}}}}}}\n"
        )),
        "spec.priority: required field is missing"
    );
}

#[test]
fn unknown_fields_are_errors_with_their_path() {
    let cases = [
        (
            format!(
                "{CNP}spec: {{tier: Admin, priority: 1, subject: {{namespaces: {{}}}}, podSelector: {{}}}}\n"
            ),
            "spec.podSelector: unknown field \"podSelector\"; known fields: tier, priority, subject, ingress, egress",
        ),
        (
            format!(
                "{CNP}spec:\n  tier: Admin\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Deny, from: [{{ipBlock: {{cidr: 10.0.0.0/8}}}}]}}]\n"
            ),
            "spec.ingress[0].from[0].ipBlock: unknown field \"ipBlock\"; known fields: namespaces, pods",
        ),
        (
            // The ANP blog example's `namespaces: {namespaceSelector: {}}`
            // is not a LabelSelector.
            format!(
                "{ANP}spec:\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Deny, from: [{{namespaces: {{namespaceSelector: {{}}}}}}]}}]\n"
            ),
            "spec.ingress[0].from[0].namespaces.namespaceSelector: unknown field \"namespaceSelector\"; known fields: matchLabels, matchExpressions",
        ),
        (
            format!(
                "{ANP}spec:\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{namespaces: {{}}}}], protocols: [{{tcp: {{}}}}]}}]\n"
            ),
            "spec.egress[0].protocols: unknown field \"protocols\"; known fields: name, action, to, ports",
        ),
    ];
    for (yaml, want) in cases {
        assert_eq!(error(&yaml), want);
    }
}

#[test]
fn bad_values_name_their_field() {
    let spec = |body: &str| {
        format!("{CNP}spec:\n  tier: Admin\n  priority: 1\n  subject: {{namespaces: {{}}}}\n{body}")
    };
    let cases = [
        (
            "  egress:\n  - {action: Deny, to: [{namespaces: {}}]}\n  - {action: Allowed, to: [{namespaces: {}}]}\n",
            "spec.egress[1].action: unsupported value \"Allowed\": supported values: \"Accept\", \"Deny\", \"Pass\"",
        ),
        (
            "  egress: [{action: Deny, to: []}]\n",
            "spec.egress[0].to: must have at least 1 item",
        ),
        (
            "  egress: [{to: [{namespaces: {}}]}]\n",
            "spec.egress[0].action: required field is missing",
        ),
        (
            "  egress: [{action: Deny, to: [{networks: [10.0.0.0]}]}]\n",
            "spec.egress[0].to[0].networks[0]: invalid CIDR \"10.0.0.0\"",
        ),
        (
            "  egress: [{action: Deny, to: [{namespaces: {}, networks: [10.0.0.0/8]}]}]\n",
            "spec.egress[0].to[0]: must set exactly one of namespaces, pods, nodes, networks, domainNames; found namespaces, networks",
        ),
        (
            "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 0}}}]}]\n",
            "spec.ingress[0].protocols[0].tcp.destinationPort.number: 0 must be between 1 and 65535, inclusive",
        ),
        (
            "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 90, end: 90}}}}]}]\n",
            "spec.ingress[0].protocols[0].tcp.destinationPort.range.end: 90 must be greater than start (90)",
        ),
        (
            "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {}, udp: {}}]}]\n",
            "spec.ingress[0].protocols[0]: must set exactly one of tcp, udp, sctp, destinationNamedPort; found tcp, udp",
        ),
        (
            "  ingress: [{action: Deny, from: [{namespaces: {matchExpressions: [{key: a, operator: In}]}}]}]\n",
            "spec.ingress[0].from[0].namespaces.matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(error(&spec(body)), want, "{body}");
    }
    assert_eq!(
        error(&format!(
            "{CNP}spec: {{tier: Admin, priority: 1001, subject: {{namespaces: {{}}}}}}\n"
        )),
        "spec.priority: 1001 must be between 0 and 1000, inclusive"
    );
    assert_eq!(
        error(&format!(
            "{CNP}spec: {{tier: Admin, priority: 1, subject: {{}}}}\n"
        )),
        "spec.subject: must set exactly one of namespaces, pods"
    );
    assert_eq!(
        error(&format!(
            "{ANP}spec:\n  priority: 1\n  subject: {{pods: {{podSelector: {{}}}}}}\n"
        )),
        "spec.subject.pods.namespaceSelector: required field is missing"
    );
    assert_eq!(
        error(&format!(
            "{ANP}spec:\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{namespaces: {{}}}}], ports: [{{portRange: {{start: 9, end: 8}}}}]}}]\n"
        )),
        "spec.egress[0].ports[0].portRange.end: 8 must be at least start (9)"
    );
    assert_eq!(
        error(&format!(
            "{ANP}spec:\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{namespaces: {{}}}}], ports: [{{portNumber: {{port: 53, protocol: ICMP}}}}]}}]\n"
        )),
        "spec.egress[0].ports[0].portNumber.protocol: unsupported value \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\""
    );
}

#[test]
fn empty_peer_fails_closed_and_is_recorded() {
    let p = parse(&format!(
        "{CNP}spec:\n  tier: Admin\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Pass, from: [{{namespaces: {{}}}}, {{}}]}}]\n"
    ));
    assert_eq!(p.ingress[0].peers[1], TierPeer::Empty);
    assert_eq!(
        p.unevaluated,
        [Unevaluated {
            path: "spec.ingress[0].from[1]".into(),
            reason: UnevaluatedReason::EmptyPeer
        }]
    );
}

#[test]
fn kinds_are_recognised_by_group_and_versions_checked() {
    let antrea =
        doc("apiVersion: crd.antrea.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {name: p}\n");
    assert_eq!(tier_kind(&antrea), None);
    assert_eq!(tier_kind(&doc(CNP)), Some(TierKind::ClusterNetworkPolicy));
    assert_eq!(
        tier_kind(&doc(BANP)),
        Some(TierKind::BaselineAdminNetworkPolicy)
    );
    let wrong = CNP.replace("v1alpha2", "v1alpha1");
    assert_eq!(
        tier_kind(&doc(&wrong)),
        Some(TierKind::ClusterNetworkPolicy)
    );
    assert_eq!(
        error(&format!("{wrong}spec: {{}}\n")),
        "apiVersion: ClusterNetworkPolicy is read as policy.networking.k8s.io/v1alpha2 (found \"policy.networking.k8s.io/v1alpha1\")"
    );
    assert_eq!(
        error(&format!("{ANP}spec: {{priority: 1}}\n")),
        "spec.subject: required field is missing"
    );
}
