//! The proof against the sampled check, on random intents and random
//! mutations of their rendered policies: wherever the sample sees an
//! over-permissive or missing flow, the proof reports a violation (so a
//! proof without violations means the sample finds none either).

use std::fmt::Write as _;
use std::path::Path;

use netpolgen::k8s::{IntOrString, NetworkPolicy, Peer, PolicyPort, Protocol};
use netpolgen::model::Model;
use proptest::prelude::*;
use serde_json::json;

/// A random intent, as indices turned into text by [`Intent::text`].
#[derive(Debug, Clone)]
struct Intent {
    /// Per service: its tier, whether it is selected by `app` only, and
    /// whether its `http` port is UDP.
    services: Vec<(u8, bool, bool)>,
    /// Per flow: from, to (indices into [`targets`]) and port choices.
    flows: Vec<(u8, u8, Vec<u8>)>,
    deny_egress: bool,
}

/// Flow ends: the services, two tier groups, `"*"`, then peers.
fn targets(services: usize) -> Vec<String> {
    let mut t: Vec<String> = (0..services).map(|i| format!("s{i}")).collect();
    t.extend(
        ["g0", "g1", "\"*\"", "lb", "ext", "team"]
            .iter()
            .map(|s| s.to_string()),
    );
    t
}

const PEERS: [&str; 3] = ["lb", "ext", "team"];

impl Intent {
    fn text(&self) -> String {
        let deny = if self.deny_egress {
            "[Ingress, Egress]"
        } else {
            "[Ingress]"
        };
        let mut s = format!(
            "apiVersion: netpolgen.io/v1alpha1\nkind: NetworkPolicySet\nmetadata: {{name: gen}}\nspec:\n  environment: prod\n  namespace: gen\n  defaultDeny: {deny}\n  services:\n"
        );
        let mut tiers = [false; 2];
        for (i, (tier, app_only, udp)) in self.services.iter().enumerate() {
            let tier = usize::from(tier % 2);
            tiers[tier] = true;
            let selector = if *app_only {
                format!(", selector: {{app: s{i}}}")
            } else {
                String::new()
            };
            let http = if *udp {
                format!("\"{}/UDP\"", 8000 + i)
            } else {
                format!("{}", 8000 + i)
            };
            let _ = writeln!(
                s,
                "    s{i}: {{labels: {{app: s{i}, tier: t{tier}}}{selector}, ports: {{http: {http}, metrics: 9090}}}}"
            );
        }
        s.push_str("  groups:\n");
        for (t, used) in tiers.iter().enumerate() {
            if *used {
                let _ = writeln!(s, "    g{t}: {{selector: {{tier: t{t}}}}}");
            }
        }
        s.push_str(
            "  peers:\n    lb: {namespace: ingress, selector: {app: lb}}\n    ext: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n    team: {namespaceSelector: {team: x}}\n  flows:\n",
        );
        let names = targets(self.services.len());
        for (k, (from, to, ports)) in self.flows.iter().enumerate() {
            let from = &names[usize::from(*from) % names.len()];
            let to = &names[usize::from(*to) % names.len()];
            let peer = |t: &String| PEERS.contains(&t.as_str());
            let group =
                |t: &String| t.starts_with('g') && !tiers[usize::from(t.as_bytes()[1] - b'0')];
            if (peer(from) && peer(to)) || group(from) || group(to) {
                continue;
            }
            let ports: Vec<&str> = ports
                .iter()
                .map(|p| match (p % 6, peer(to)) {
                    (1, false) => "http",
                    (2, false) => "metrics",
                    (1 | 2, true) => "443",
                    (3, _) => "\"53/UDP\"",
                    (4, _) => "\"8000-8003\"",
                    (5, _) => "9090",
                    _ => "8000",
                })
                .collect();
            let _ = writeln!(
                s,
                "    f{k}: {{from: {from}, to: {to}, ports: [{}]}}",
                ports.join(", ")
            );
        }
        s
    }
}

fn intents() -> impl Strategy<Value = Intent> {
    let service = (0u8..2, any::<bool>(), prop::bool::weighted(0.2));
    let flow = (0u8..12, 0u8..12, prop::collection::vec(0u8..6, 1..3));
    (
        prop::collection::vec(service, 1..5),
        prop::collection::vec(flow, 1..6),
        any::<bool>(),
    )
        .prop_map(|(services, flows, deny_egress)| Intent {
            services,
            flows,
            deny_egress,
        })
}

/// The model and rendered (unverified) policies, if the intent is valid.
fn render(text: &str) -> Option<(Model, Vec<NetworkPolicy>)> {
    let files = netpolgen::spec::files::Memory::default().with("netpolset.yaml", text);
    let input = netpolgen::spec::Input::read(&files, Path::new("netpolset.yaml")).ok()?;
    let loaded = netpolgen::spec::load(input, &files).ok()?;
    netpolgen::pipeline::unverified(&files, &loaded).ok()
}

fn peer(v: serde_json::Value) -> Peer {
    serde_json::from_value(v).unwrap_or_default()
}

/// A rule's peers and ports, to change in place.
type RuleParts<'a> = (&'a mut Option<Vec<Peer>>, &'a mut Option<Vec<PolicyPort>>);

/// The first rule of a policy, ingress or egress: its peers and ports.
fn first_rule(p: &mut NetworkPolicy) -> Option<RuleParts<'_>> {
    if let Some(r) = p.spec.ingress.as_mut().and_then(|r| r.first_mut()) {
        return Some((&mut r.from, &mut r.ports));
    }
    let r = p.spec.egress.as_mut().and_then(|r| r.first_mut())?;
    Some((&mut r.to, &mut r.ports))
}

/// Applies mutation `kind` (with argument `arg`) to policy `which`.
fn mutate(policies: &mut Vec<NetworkPolicy>, which: usize, kind: u8, arg: u8) {
    if policies.is_empty() {
        return;
    }
    let i = which % policies.len();
    let labels = ["s0", "s1", "lb", "debug"];
    let cidrs = [
        "10.0.0.0/8",
        "0.0.0.0/0",
        "10.1.0.0/16",
        "192.0.2.1/32",
        "2001:db8::/32",
    ];
    let arg = usize::from(arg);
    let p = &mut policies[i];
    match kind {
        1 => {
            policies.remove(i);
        }
        2 => p.spec.pod_selector = Default::default(),
        3 => p.spec.policy_types = None,
        4 => {
            p.spec.pod_selector = serde_json::from_value(json!({"matchExpressions": [
                {"key": "app", "operator": "NotIn", "values": [labels[arg % 2]]}]}))
            .unwrap_or_default();
        }
        _ => {
            let Some((peers, ports)) = first_rule(p) else {
                return;
            };
            match kind {
                5 => *ports = None,
                6 => {
                    if let Some(pp) = ports.as_mut().and_then(|l| l.first_mut())
                        && let Some(IntOrString::Int(n)) = pp.port
                    {
                        pp.end_port = Some(n + 1 + (arg as i64 % 4));
                    }
                }
                7 => {
                    if let Some(l) = ports.as_mut()
                        && let Some(first) = l.first().cloned()
                    {
                        l.push(PolicyPort {
                            protocol: Some([Protocol::UDP, Protocol::SCTP, Protocol::TCP][arg % 3]),
                            ..first
                        });
                    }
                }
                8 => {
                    if let Some(pp) = ports.as_mut().and_then(|l| l.first_mut()) {
                        pp.port = Some(match &pp.port {
                            Some(IntOrString::Int(n)) => IntOrString::Int(n + 1),
                            Some(IntOrString::String(s)) if s == "http" => {
                                IntOrString::String("metrics".into())
                            }
                            _ => IntOrString::String("http".into()),
                        });
                    }
                }
                9 => peers.get_or_insert_with(Vec::new).push(peer(
                    json!({"podSelector": {"matchLabels": {"app": labels[arg % labels.len()]}}}),
                )),
                10 => peers
                    .get_or_insert_with(Vec::new)
                    .push(peer(json!({"ipBlock": {"cidr": cidrs[arg % cidrs.len()]}}))),
                11 => {
                    if let Some(first) = peers.as_mut().and_then(|l| l.first_mut())
                        && first.ip_block.is_none()
                    {
                        first.namespace_selector = Some(Default::default());
                    }
                }
                12 => *peers = None,
                _ => {}
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn the_proof_sees_whatever_the_sample_sees(
        intent in intents(),
        mutations in prop::collection::vec((0usize..64, 0u8..14, 0u8..8), 0..3),
    ) {
        let text = intent.text();
        let rendered = render(&text);
        prop_assume!(rendered.is_some());
        let Some((model, mut policies)) = rendered else {
            return Ok(());
        };
        for (which, kind, arg) in mutations {
            mutate(&mut policies, which, kind, arg);
        }
        let sample: Vec<String> = netpolgen::verify::verify(&model, &policies)
            .into_iter()
            .filter(|f| f.expect().is_none())
            .map(|f| f.to_string())
            .collect();
        let proof = netpolgen::proof::prove(&model, &policies);
        prop_assert!(
            sample.is_empty() || !proof.is_proven(),
            "the sample finds\n{}\nbut the proof none, for\n{text}\n{}",
            sample.join("\n"),
            netpolgen::k8s::yaml::to_stream(&policies)
        );
    }
}
