//! Reading Cilium policy documents: the evaluated subset, namespace
//! scoping of selectors, what is recorded as not evaluated, and errors
//! with their field paths.

use serde_json::Value;

use super::types::*;
use super::{cilium_kind, parse_cilium_policy};
use crate::k8s::{LabelSelectorRequirement, Protocol, SelectorOperator};

fn doc(yaml: &str) -> Value {
    match crate::k8s::yaml::parse_documents(yaml) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0),
        other => panic!("bad test document: {other:?}\n{yaml}"),
    }
}

fn parse(yaml: &str) -> CiliumPolicy {
    parse_cilium_policy(&doc(yaml)).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

fn error(yaml: &str) -> String {
    match parse_cilium_policy(&doc(yaml)) {
        Ok(p) => panic!("parsed, expected an error: {p:?}"),
        Err(e) => e.to_string(),
    }
}

const CNP: &str =
    "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: shop}\n";
const CCNP: &str =
    "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: c}\n";

fn ns_in(ns: &str) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key: NAMESPACE_KEY.into(),
        operator: SelectorOperator::In,
        values: vec![ns.into()],
    }
}

#[test]
fn the_evaluated_subset_reads() {
    let p = parse(&format!(
        r#"{CNP}spec:
  endpointSelector: {{matchLabels: {{"k8s:app": web}}}}
  enableDefaultDeny: {{egress: false}}
  ingress:
  - fromEndpoints: [{{matchLabels: {{app: lb}}}}]
    toPorts:
    - ports: [{{port: "8080", protocol: TCP}}, {{port: HTTP, protocol: TCP}}]
      rules: {{http: [{{method: GET, path: "/api/.*", headers: [X-Token]}}]}}
  ingressDeny:
  - fromCIDRSet: [{{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
  egress:
  - toFQDNs: [{{matchName: api.example.com}}, {{matchPattern: "*.example.org"}}]
    toPorts: [{{ports: [{{port: 443, endPort: 445, protocol: ANY}}]}}]
  - toEntities: [world, cluster]
  - toPorts: [{{ports: [{{port: "53", protocol: UDP}}], rules: {{dns: [{{matchPattern: "*"}}]}}}}]
"#
    ));
    assert_eq!(
        (p.kind, p.name.as_str(), p.namespace.as_deref()),
        (CiliumKind::CiliumNetworkPolicy, "p", Some("shop"))
    );
    assert!(p.unevaluated.is_empty(), "{:?}", p.unevaluated);
    let s = &p.specs[0];
    let subject = s.endpoints.clone().unwrap_or_default();
    assert_eq!(subject.selector.match_labels.get("app").unwrap(), "web");
    assert_eq!(subject.selector.match_expressions, [ns_in("shop")]);
    assert_eq!(
        (s.default_deny_ingress, s.default_deny_egress),
        (None, Some(false))
    );
    let i = &s.ingress[0];
    let CiliumPeerKind::Endpoints(from) = &i.peers[0].kind else {
        panic!("{:?}", i.peers)
    };
    // No namespace named: the policy's own.
    assert_eq!(from.selector.match_expressions, [ns_in("shop")]);
    assert_eq!(
        i.to_ports[0].ports,
        [
            CiliumPort {
                port: CiliumPortSpec::Range(8080, 8080),
                protocol: Some(Protocol::TCP)
            },
            CiliumPort {
                port: CiliumPortSpec::Named("http".into()),
                protocol: Some(Protocol::TCP)
            }
        ]
    );
    assert_eq!(
        i.to_ports[0].rules,
        L7Rules::Http(vec![HttpRule {
            method: Some("GET".into()),
            path: Some("/api/.*".into()),
            host: None,
            headers: vec!["X-Token".into()],
        }])
    );
    let CiliumPeerKind::Cidr { cidr, except } = &s.ingress_deny[0].peers[0].kind else {
        panic!()
    };
    assert_eq!(
        (cidr.to_string(), except[0].to_string()),
        ("10.0.0.0/8".into(), "10.1.0.0/16".into())
    );
    let e = &s.egress;
    assert_eq!(
        e[0].peers[1].kind,
        CiliumPeerKind::Fqdn(FqdnSelector::MatchPattern("*.example.org".into()))
    );
    assert_eq!(
        e[0].to_ports[0].ports[0].port,
        CiliumPortSpec::Range(443, 445)
    );
    assert_eq!(
        (e[1].peers[0].field, &e[1].peers[1].kind),
        ("toEntities", &CiliumPeerKind::Entity(Entity::Cluster))
    );
    assert!(e[2].peers.is_empty());
    assert_eq!(
        e[2].to_ports[0].rules,
        L7Rules::Dns(vec![FqdnSelector::MatchPattern("*".into())])
    );
}

#[test]
fn namespaces_in_selectors() {
    let p = parse(&format!(
        r#"{CNP}specs:
- endpointSelector: {{matchLabels: {{"k8s:io.kubernetes.pod.namespace": other, app: a}}}}
  egress:
  - toEndpoints:
    - {{matchLabels: {{"k8s:io.kubernetes.pod.namespace": kube-system}}}}
    - {{matchLabels: {{"k8s:io.cilium.k8s.namespace.labels.team": blue}}}}
    - {{}}
"#
    ));
    let s = &p.specs[0];
    assert_eq!(s.index, Some(0));
    let subject = s.endpoints.clone().unwrap_or_default().selector;
    // The endpointSelector always applies in the policy's namespace.
    assert!(!subject.match_labels.contains_key(NAMESPACE_KEY));
    assert_eq!(subject.match_expressions, [ns_in("shop")]);
    let sels: Vec<_> = s.egress[0]
        .peers
        .iter()
        .map(|p| match &p.kind {
            CiliumPeerKind::Endpoints(s) => s.selector.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        sels[0].match_labels.get(NAMESPACE_KEY).unwrap(),
        "kube-system"
    );
    assert!(sels[0].match_expressions.is_empty());
    // Namespace labels: every namespace carrying them.
    assert_eq!(
        sels[1]
            .match_labels
            .get("io.cilium.k8s.namespace.labels.team")
            .unwrap(),
        "blue"
    );
    assert!(sels[1].match_expressions.is_empty());
    assert_eq!(sels[2].match_expressions, [ns_in("shop")]);
    // Cluster-wide: no namespace is added.
    let c = parse(&format!(
        "{CCNP}spec:\n  endpointSelector: {{}}\n  ingress: [{{fromEndpoints: [{{}}]}}]\n"
    ));
    assert!(c.namespace.is_none());
    let CiliumPeerKind::Endpoints(any) = &c.specs[0].ingress[0].peers[0].kind else {
        panic!()
    };
    assert!(any.selector.is_empty() && any.evaluable);
    assert!(
        c.specs[0]
            .endpoints
            .clone()
            .unwrap_or_default()
            .selector
            .is_empty()
    );
}

#[test]
fn parts_outside_the_subset_are_recorded() {
    let p = parse(&format!(
        r#"{CCNP}specs:
- nodeSelector: {{matchLabels: {{role: worker}}}}
  ingress: [{{fromEntities: [cluster]}}]
- endpointSelector: {{matchLabels: {{"reserved:host": ""}}}}
  ingress:
  - fromEntities: [host, world]
  - fromRequires: [{{matchLabels: {{env: prod}}}}]
    fromEndpoints: [{{matchLabels: {{"k8s:io.cilium.k8s.policy.serviceaccount": sa}}}}]
  - icmps: [{{fields: [{{type: 8}}]}}]
  egress:
  - toServices: [{{k8sService: {{serviceName: s, namespace: n}}}}]
    toPorts: [{{ports: [{{port: "9092", protocol: TCP}}], rules: {{kafka: [{{topic: t}}]}}, serverNames: [x.io]}}]
  - toCIDRSet: [{{cidrGroupRef: group}}]
    authentication: {{mode: required}}
  - toPorts: [{{ports: [{{port: "80", protocol: TCP}}], rules: {{http: [{{headerMatches: [{{name: X}}]}}]}}}}]
  - toPorts: [{{ports: [{{protocol: VRRP, port: "0"}}]}}]
"#
    ));
    let notes: Vec<String> = p.unevaluated.iter().map(ToString::to_string).collect();
    let paths: Vec<&str> = p.unevaluated.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "specs[0].nodeSelector",
            "specs[1].endpointSelector",
            "specs[1].ingress[0].fromEntities[0]",
            "specs[1].ingress[1].fromEndpoints[0]",
            "specs[1].ingress[1].fromRequires",
            "specs[1].ingress[2].icmps",
            "specs[1].egress[0].toServices[0]",
            "specs[1].egress[0].toPorts[0].serverNames",
            "specs[1].egress[0].toPorts[0].rules.kafka",
            "specs[1].egress[1].toCIDRSet[0]",
            "specs[1].egress[1].authentication",
            "specs[1].egress[2].toPorts[0].rules.http[0].headerMatches",
            "specs[1].egress[3].toPorts[0].ports[0]",
        ],
        "{notes:#?}"
    );
    assert!(p.specs[0].endpoints.is_none());
    assert!(!p.specs[1].endpoints.clone().unwrap_or_default().evaluable);
    assert_eq!(
        p.specs[1].ingress[0].peers[0].kind,
        CiliumPeerKind::NotEvaluated
    );
    assert!(p.specs[1].ingress[2].icmps);
    assert_eq!(
        p.specs[1].egress[0].to_ports[0].rules,
        L7Rules::NotEvaluated("kafka")
    );
}

#[test]
fn errors_name_their_field() {
    let cases = [
        (
            "spec:\n  endpointSelector: {}\n  ingres: []\n",
            "spec.ingres: unknown field",
        ),
        (
            "spec:\n  endpointSelector: {}\n",
            "spec: rule must have at least one of ingress",
        ),
        (
            "spec:\n  endpointSelector: {}\n  ingress: []\n",
            "spec: rule must have at least one",
        ),
        (
            "spec:\n  ingress: [{}]\n",
            "spec: rule must have one of endpointSelector",
        ),
        (
            "spec:\n  nodeSelector: {}\n  ingress: [{}]\n",
            "spec.nodeSelector: a CiliumNetworkPolicy cannot",
        ),
        (
            "spec:\n  endpointSelector: {}\n  ingress: [{fromEndpoints: [{}], fromCIDR: [10.0.0.0/8]}]\n",
            "spec.ingress[0]: combining fromEndpoints and fromCIDR",
        ),
        (
            "spec:\n  endpointSelector: {}\n  egress: [{toCIDR: [10.0.0.300/8]}]\n",
            "spec.egress[0].toCIDR[0]: invalid CIDR",
        ),
        (
            "spec:\n  endpointSelector: {}\n  egress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [11.0.0.0/16]}]}]\n",
            "spec.egress[0].toCIDRSet[0].except[0]: 11.0.0.0/16 is not inside cidr 10.0.0.0/8",
        ),
        (
            "spec:\n  endpointSelector: {}\n  egress: [{toEntities: [planet]}]\n",
            "spec.egress[0].toEntities[0]: unsupported value \"planet\"",
        ),
        (
            "spec:\n  endpointSelector: {}\n  egress: [{toPorts: [{ports: [{port: \"70000\"}]}]}]\n",
            "spec.egress[0].toPorts[0].ports[0].port: 70000 must be between 0 and 65535",
        ),
        (
            "spec:\n  endpointSelector: {}\n  egress: [{toPorts: [{ports: [{port: \"80\", protocol: ICMP}]}]}]\n",
            "spec.egress[0].toPorts[0].ports[0].protocol: unsupported value \"ICMP\"",
        ),
        (
            "spec:\n  endpointSelector: {}\n  ingress: [{toPorts: [{ports: [{port: \"80\"}], rules: {http: [{}]}}]}]\n",
            "spec.ingress[0].toPorts[0].ports[0]: L7 rules can only apply to TCP (not ANY)",
        ),
        (
            "spec:\n  endpointSelector: {}\n  ingress: [{toPorts: [{ports: [{port: \"53\", protocol: UDP}], rules: {dns: [{matchName: a.b}]}}]}]\n",
            "spec.ingress[0].toPorts[0].rules.dns: DNS rules are not allowed on ingress",
        ),
        (
            "spec:\n  endpointSelector: {}\n  egress: [{toFQDNs: [{matchName: a.b, matchPattern: \"*\"}]}]\n",
            "spec.egress[0].toFQDNs[0]: must set only one of matchName, matchPattern",
        ),
        (
            "spec:\n  endpointSelector: {}\n  egress: [{toFQDNs: [{matchName: \"a b\"}]}]\n",
            "spec.egress[0].toFQDNs[0].matchName: \"a b\" is not a valid DNS matchName",
        ),
        (
            "spec:\n  endpointSelector: {}\n  egressDeny: [{toPorts: [{ports: [{port: \"80\"}], rules: {}}]}]\n",
            "spec.egressDeny[0].toPorts[0].rules: unknown field",
        ),
        (
            "spec:\n  endpointSelector: {}\n  enableDefaultDeny: {ingress: \"no\"}\n  ingress: [{}]\n",
            "spec.enableDefaultDeny.ingress: must be a boolean",
        ),
        ("metadata2: {}\n", "metadata2: unknown field"),
    ];
    for (body, want) in cases {
        let got = error(&format!("{CNP}{body}"));
        assert!(got.starts_with(want), "{body}\n got: {got}\nwant: {want}");
    }
    assert!(
        error("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\n")
            .contains("must have spec or specs")
    );
    assert!(
        error(
            "apiVersion: cilium.io/v1\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\nspec: {}\n"
        )
        .starts_with("apiVersion: CiliumNetworkPolicy is read as cilium.io/v2")
    );
}

#[test]
fn kinds_are_recognised_by_group_and_null_is_absent() {
    let k = |y: &str| cilium_kind(&doc(y));
    assert_eq!(
        k("apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\n"),
        Some(CiliumKind::CiliumClusterwideNetworkPolicy)
    );
    assert_eq!(k("apiVersion: cilium.io/v2\nkind: CiliumEndpoint\n"), None);
    assert_eq!(
        k("apiVersion: other.io/v2\nkind: CiliumNetworkPolicy\n"),
        None
    );
    let p = parse(&format!(
        "{CNP}spec:\n  endpointSelector: {{matchLabels: null}}\n  ingress: [{{fromEndpoints: null, toPorts: [{{ports: [{{port: \"80\", endPort: null}}], rules: null}}]}}]\n  egress: null\nstatus: null\n"
    ));
    let r = &p.specs[0].ingress[0];
    assert!(r.peers.is_empty());
    assert_eq!(r.to_ports[0].rules, L7Rules::None);
    assert!(p.specs[0].egress.is_empty());
}
