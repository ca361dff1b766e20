//! The intent for the proof: what each declared flow means as sets over
//! namespace labels, pod labels, addresses and ports, with the rendered
//! policies compiled beside it (`rules`).
//!
//! Pods are cubes over [`Key::Namespace`] and [`Key::Pod`] labels; every
//! namespace carries `kubernetes.io/metadata.name`, so each such cube
//! requires that key. Addresses are [`AddrSet`]s and never match pods.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::engine::IpBlockRef;
use crate::k8s::{IpBlock, Labels, NetworkPolicy, PolicyType, Protocol};
use crate::model::PortRef;
use crate::model::{Model, NAMESPACE_NAME_LABEL, NamedPort, Target};

use super::addrs::AddrSet;
use super::labels::{Cube, Key, KeyConstraint, Vocabulary};
use super::rules::Policy;

/// Pods (a cube over namespace and pod labels) and addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parties {
    /// The pods, if any.
    pub pods: Option<Cube>,
    /// The addresses outside the cluster.
    pub addrs: AddrSet,
}

impl Parties {
    /// Every pod of every namespace and every address.
    pub fn any() -> Parties {
        Parties {
            pods: Some(universe()),
            addrs: AddrSet::all(),
        }
    }

    /// Only pods.
    pub fn pods(pods: Option<Cube>) -> Parties {
        Parties {
            pods,
            addrs: AddrSet::empty(),
        }
    }

    /// Only addresses.
    pub fn addrs(addrs: AddrSet) -> Parties {
        Parties { pods: None, addrs }
    }
}

pub(super) fn name_key() -> Key {
    Key::Namespace(NAMESPACE_NAME_LABEL.to_string())
}

/// Every pod: its namespace has a name.
pub fn universe() -> Cube {
    let exists = KeyConstraint {
        absent: false,
        present: super::labels::Values::Cofinite(BTreeSet::new()),
    };
    Cube::everything()
        .with(name_key(), &exists)
        .unwrap_or_default()
}

/// The pods of namespace `ns` that `pods` (over pod keys) selects.
pub fn in_namespace(ns: &str, pods: &Cube) -> Option<Cube> {
    pods.clone().with(name_key(), &KeyConstraint::value(ns))
}

/// Pods whose namespace `namespaces` selects and whose labels `pods` selects.
pub(super) fn pods_in(namespaces: Option<Cube>, pods: Option<Cube>) -> Option<Cube> {
    namespaces?.intersect(&pods?)?.intersect(&universe())
}

/// A flow end: pods of the namespace (a cube over pod keys), or a peer.
#[derive(Debug, Clone)]
pub enum Side {
    Local(Cube),
    Remote(Parties),
}

impl Side {
    /// This end as the other party of a connection.
    pub fn parties(&self, ns: &str) -> Parties {
        match self {
            Side::Local(c) => Parties::pods(in_namespace(ns, c)),
            Side::Remote(p) => p.clone(),
        }
    }
}

/// For each port name: protocols.
pub type NameProtocols = BTreeMap<String, BTreeSet<Protocol>>;

/// A declared flow.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: String,
    pub from: Side,
    pub to: Side,
    pub specs: Vec<PortRef>,
    /// The intent isolates the source's egress for it.
    pub egress: bool,
    /// For each port name: the protocols the destination services give it.
    pub name_protocols: NameProtocols,
    /// The destination, when it is one service (index into
    /// [`Intent::services`]): its port names mean that service's numbers
    /// at every pod its selector reaches, as rendered.
    pub to_service: Option<usize>,
}

/// A declared service.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// Its pods: those carrying all of its labels (pod keys). A pod its
    /// selector reaches without them is of no declared service.
    pub pods: Cube,
    /// The labels its pods carry.
    pub labels: Labels,
    pub ports: BTreeMap<String, NamedPort>,
}

/// A peer of pods, as a hint for naming a witness.
#[derive(Debug, Clone)]
pub struct PeerPods {
    pub name: String,
    /// Its namespaces and its pods' labels.
    pub cube: Cube,
    /// The labels its pods carry, as far as the intent says.
    pub labels: Labels,
}

/// The intent and the rendered policies, compiled for the proof.
#[derive(Debug, Clone)]
pub struct Intent {
    pub namespace: String,
    pub default_deny: Vec<PolicyType>,
    /// Policies of the namespace, in input order.
    pub policies: Vec<Policy>,
    pub flows: Vec<Flow>,
    pub services: Vec<Service>,
    pub peers: Vec<PeerPods>,
    pub vocabulary: Vocabulary,
}

impl Intent {
    pub fn new(model: &Model, policies: &[NetworkPolicy]) -> Intent {
        let ns = model.namespace.as_str();
        // The policies are compiled beside the intent's own sets, on a
        // second core when there are enough of them to pay for it.
        let ((services, peers, flows), policies) = if policies.len() < PARALLEL_POLICIES {
            (declared(model), compile(policies, ns))
        } else {
            std::thread::scope(|s| {
                let compiled = s.spawn(|| compile(policies, ns));
                let declared = declared(model);
                (
                    declared,
                    compiled.join().expect("the policy compiler panicked"),
                )
            })
        };
        let mut intent = Intent {
            namespace: model.namespace.clone(),
            default_deny: model.default_deny.clone(),
            policies,
            flows,
            services,
            peers,
            vocabulary: Vocabulary::new(),
        };
        intent.vocabulary = vocabulary(&intent);
        intent
    }

    /// True if the intent denies `dir` by default.
    pub fn denies(&self, dir: PolicyType) -> bool {
        self.default_deny.contains(&dir)
    }
}

/// Below this many policies one thread compiles them and the intent.
const PARALLEL_POLICIES: usize = 1_000;

/// The rendered policies of namespace `ns`, compiled.
fn compile(policies: &[NetworkPolicy], ns: &str) -> Vec<Policy> {
    let mut compiled = super::rules::Compiled::default();
    policies
        .iter()
        .filter_map(|p| super::rules::policy_in(p, ns, &mut compiled))
        .collect()
}

/// The intent's services, peers of pods and flows.
fn declared(model: &Model) -> (Vec<Service>, Vec<PeerPods>, Vec<Flow>) {
    let services: Vec<Service> = model
        .services
        .values()
        .map(|s| Service {
            name: s.name.clone(),
            pods: Cube::labels(&s.labels, Key::Pod),
            labels: s.labels.clone(),
            ports: s.ports.clone(),
        })
        .collect();
    let peers = model
        .peers
        .values()
        .filter(|p| p.cidr.is_none())
        .filter_map(|p| {
            let ns = p.namespace_selector.as_ref()?;
            let labels = p.selector.clone().unwrap_or_default();
            let cube = pods_in(
                Some(Cube::labels(ns, Key::Namespace)),
                Some(Cube::labels(&labels, Key::Pod)),
            )?;
            Some(PeerPods {
                name: p.name.clone(),
                cube,
                labels,
            })
        })
        .collect();
    let service_index: BTreeMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut sides: BTreeMap<&Target, Side> = BTreeMap::new();
    let mut side = |t| sides.entry(t).or_insert_with(|| side(model, t)).clone();
    // Flows to one destination on the same ports share their protocols.
    let mut protocols: BTreeMap<(&Target, &[PortRef]), NameProtocols> = BTreeMap::new();
    let mut name_protocols = |to, specs| {
        protocols
            .entry((to, specs))
            .or_insert_with(|| name_protocols(model, to, specs))
            .clone()
    };
    let flows = model
        .flows
        .iter()
        .map(|f| Flow {
            id: f.id.clone(),
            from: side(&f.from.target),
            to: side(&f.to.target),
            specs: f.port_specs.clone(),
            egress: f.egress_name.is_some(),
            name_protocols: name_protocols(&f.to.target, &f.port_specs),
            to_service: match &f.to.target {
                Target::Service(s) => service_index.get(s.as_str()).copied(),
                _ => None,
            },
        })
        .collect();
    (services, peers, flows)
}

/// Every value the proof's cubes and the intent's labels name.
fn vocabulary(it: &Intent) -> Vocabulary {
    let mut v = Vocabulary::new();
    v.entry(name_key())
        .or_default()
        .insert(it.namespace.clone());
    // Flows and policies share their cubes: each copy is read once.
    let mut seen = HashSet::new();
    let mut name = |c: &Cube| {
        if seen.insert(c.identity()) {
            c.name_values(&mut v);
        }
    };
    for s in &it.services {
        name(&s.pods);
    }
    for p in &it.peers {
        name(&p.cube);
    }
    let sides = it.flows.iter().flat_map(|f| [&f.from, &f.to]);
    for side in sides {
        match side {
            Side::Local(c) => name(c),
            Side::Remote(p) => p.pods.iter().for_each(&mut name),
        }
    }
    for p in &it.policies {
        p.selector.iter().for_each(&mut name);
        let rules = p.ingress.iter().chain(&p.egress).flatten();
        for (_, parties) in rules.flat_map(|r| &r.peers) {
            parties.pods.iter().for_each(&mut name);
        }
    }
    v
}

fn side(model: &Model, target: &Target) -> Side {
    let local = |labels: &Labels| Side::Local(Cube::labels(labels, Key::Pod));
    match target {
        Target::Service(s) => local(&model.services[s].selector),
        Target::Group(g) => local(&model.groups[g].selector),
        Target::All => Side::Local(Cube::everything()),
        Target::Peer(p) => {
            let p = &model.peers[p];
            if let Some(cidr) = &p.cidr {
                let block = IpBlockRef::parse(&IpBlock {
                    cidr: cidr.clone(),
                    except: p.except.clone(),
                });
                return Side::Remote(Parties::addrs(
                    block.map_or_else(AddrSet::empty, |b| AddrSet::block(&b)),
                ));
            }
            let namespaces = p
                .namespace_selector
                .as_ref()
                .map(|l| Cube::labels(l, Key::Namespace));
            let pods = Cube::labels(&p.selector.clone().unwrap_or_default(), Key::Pod);
            Side::Remote(Parties::pods(pods_in(namespaces, Some(pods))))
        }
    }
}

/// The protocols each named port of a flow has at its destination services.
fn name_protocols(model: &Model, to: &Target, specs: &[PortRef]) -> NameProtocols {
    let members: Vec<&String> = match to {
        Target::Service(s) => vec![s],
        Target::Group(g) => model.groups[g].members.iter().collect(),
        Target::All => model.services.keys().collect(),
        Target::Peer(_) => Vec::new(),
    };
    let mut out = NameProtocols::new();
    for spec in specs {
        if let PortRef::Named(name) = spec {
            let protocols = members
                .iter()
                .filter_map(|m| model.services.get(*m)?.ports.get(name))
                .map(|np| np.protocol);
            out.entry(name.clone()).or_default().extend(protocols);
        }
    }
    out
}
