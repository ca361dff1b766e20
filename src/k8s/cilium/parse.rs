//! Reading CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy documents
//! into [`CiliumPolicy`], strictly: what the CRD schema
//! (`pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml`)
//! or the agent's validation (`pkg/policy/api/rule_validation.go`,
//! `CiliumNetworkPolicy.Parse` in `pkg/k8s/apis/cilium.io/v2/cnp_types.go`)
//! rejects is an error with its field path; the agent would not apply
//! such a policy at all. Fields outside the evaluated subset are read far
//! enough to be recorded in [`CiliumPolicy::unevaluated`].

use serde_json::Value;

use crate::k8s::fields::{FieldError, Node, Obj, Result};

use super::peers::{self, Scope};
use super::ports::port_rules;
use super::types::{
    CiliumKind, CiliumPolicy, CiliumRule, CiliumSpec, Unevaluated, UnevaluatedReason,
};

/// The API group of both kinds.
pub const CILIUM_API_GROUP: &str = "cilium.io";

/// The only version read.
pub const CILIUM_API_VERSION: &str = "cilium.io/v2";

/// The kind of `doc` if it is a CiliumNetworkPolicy or
/// CiliumClusterwideNetworkPolicy of [`CILIUM_API_GROUP`], whatever its
/// version (a wrong version is then a parse error, not a skipped document).
pub fn cilium_kind(doc: &Value) -> Option<CiliumKind> {
    let group = doc
        .get("apiVersion")
        .and_then(Value::as_str)?
        .split_once('/')?
        .0;
    if group != CILIUM_API_GROUP {
        return None;
    }
    match doc.get("kind").and_then(Value::as_str)? {
        "CiliumNetworkPolicy" => Some(CiliumKind::CiliumNetworkPolicy),
        "CiliumClusterwideNetworkPolicy" => Some(CiliumKind::CiliumClusterwideNetworkPolicy),
        _ => None,
    }
}

/// What the reader keeps track of while walking one document.
pub(super) struct Ctx {
    pub(super) scope: Scope,
    pub(super) unevaluated: Vec<Unevaluated>,
}

impl Ctx {
    pub(super) fn note(&mut self, path: impl ToString, reason: UnevaluatedReason) {
        self.unevaluated.push(Unevaluated {
            path: path.to_string(),
            reason,
        });
    }
}

/// Reads one document. A CiliumNetworkPolicy without `metadata.namespace`
/// gets `None` here; the manifest reader fills in `default`.
pub fn parse_cilium_policy(doc: &Value) -> std::result::Result<CiliumPolicy, FieldError> {
    let root = Node::root(doc);
    let o = root.object(&["apiVersion", "kind", "metadata", "spec", "specs", "status"])?;
    let kind = match o
        .req("kind")?
        .one_of(&["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"])?
    {
        "CiliumNetworkPolicy" => CiliumKind::CiliumNetworkPolicy,
        _ => CiliumKind::CiliumClusterwideNetworkPolicy,
    };
    let version = o.req("apiVersion")?;
    if version.string()? != CILIUM_API_VERSION {
        return Err(version.err(format!(
            "{kind} is read as {CILIUM_API_VERSION} (found {:?})",
            version.string()?
        )));
    }
    let meta = o.req("metadata")?;
    let Value::Object(map) = meta.value else {
        return Err(meta.err("must be an object"));
    };
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    let meta = meta.object(&keys)?;
    let name_node = meta.req("name")?;
    let name = name_node.string()?;
    if name.is_empty() {
        return Err(name_node.err("must not be empty"));
    }
    let namespace = match (kind, meta.opt("namespace")) {
        (CiliumKind::CiliumNetworkPolicy, Some(n)) if !n.string()?.is_empty() => {
            Some(n.string()?.to_string())
        }
        _ => None,
    };
    let mut ctx = Ctx {
        scope: match kind {
            CiliumKind::CiliumNetworkPolicy => Scope::Namespace(
                namespace
                    .clone()
                    .unwrap_or_else(|| crate::k8s::manifest::DEFAULT_NAMESPACE.to_string()),
            ),
            CiliumKind::CiliumClusterwideNetworkPolicy => Scope::Cluster,
        },
        unevaluated: Vec::new(),
    };
    let mut specs = Vec::new();
    if let Some(s) = o.opt("spec") {
        specs.push(spec(&s, None, kind, &mut ctx)?);
    }
    if let Some(list) = o.opt("specs") {
        for (i, s) in list.list(0, usize::MAX)?.iter().enumerate() {
            specs.push(spec(s, Some(i), kind, &mut ctx)?);
        }
    }
    if o.opt("spec").is_none() && o.opt("specs").is_none() {
        // `ErrEmptyCNP` of `cnp_types.go`.
        return Err(o.err("must have spec or specs (an empty policy is rejected by Cilium)"));
    }
    Ok(CiliumPolicy {
        kind,
        name: name.to_string(),
        namespace,
        specs,
        unevaluated: ctx.unevaluated,
    })
}

const SPEC_KEYS: &[&str] = &[
    "endpointSelector",
    "nodeSelector",
    "ingress",
    "ingressDeny",
    "egress",
    "egressDeny",
    "enableDefaultDeny",
    "labels",
    "description",
    "log",
];

fn spec(n: &Node<'_>, index: Option<usize>, kind: CiliumKind, ctx: &mut Ctx) -> Result<CiliumSpec> {
    let o = n.object(SPEC_KEYS)?;
    let endpoints = match (o.opt("endpointSelector"), o.opt("nodeSelector")) {
        (Some(_), Some(_)) => {
            return Err(o.err("rule cannot have both endpointSelector and nodeSelector"));
        }
        (None, None) => {
            return Err(o.err("rule must have one of endpointSelector or nodeSelector"));
        }
        (Some(es), None) => Some(peers::subject(&es, ctx)?),
        (None, Some(ns)) => {
            if kind == CiliumKind::CiliumNetworkPolicy {
                return Err(ns.err(
                    "a CiliumNetworkPolicy cannot have a nodeSelector (only the cluster-wide kind can)",
                ));
            }
            ns.selector()?;
            ctx.note(&ns.path, UnevaluatedReason::NodeSelector);
            None
        }
    };
    let mut spec = CiliumSpec {
        index,
        endpoints,
        ..CiliumSpec::default()
    };
    spec.ingress = rules(&o, "ingress", Direction::Ingress, ctx)?;
    spec.ingress_deny = rules(&o, "ingressDeny", Direction::IngressDeny, ctx)?;
    spec.egress = rules(&o, "egress", Direction::Egress, ctx)?;
    spec.egress_deny = rules(&o, "egressDeny", Direction::EgressDeny, ctx)?;
    // `Rule.Validate` in `pkg/policy/api/rule_validation.go`.
    if spec.ingress.is_empty()
        && spec.ingress_deny.is_empty()
        && spec.egress.is_empty()
        && spec.egress_deny.is_empty()
    {
        return Err(o.err(
            "rule must have at least one of ingress, ingressDeny, egress, egressDeny (Cilium rejects it)",
        ));
    }
    if let Some(d) = o.opt("enableDefaultDeny") {
        let d = d.object(&["ingress", "egress"])?;
        spec.default_deny_ingress = d.opt("ingress").map(|b| boolean(&b)).transpose()?;
        spec.default_deny_egress = d.opt("egress").map(|b| boolean(&b)).transpose()?;
    }
    if let Some(d) = o.opt("description") {
        d.string()?;
    }
    Ok(spec)
}

fn boolean(n: &Node<'_>) -> Result<bool> {
    n.value.as_bool().ok_or_else(|| n.err("must be a boolean"))
}

/// Which list a rule is in: the fields it may have differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Ingress,
    IngressDeny,
    Egress,
    EgressDeny,
}

impl Direction {
    pub(super) fn is_ingress(self) -> bool {
        matches!(self, Direction::Ingress | Direction::IngressDeny)
    }

    pub(super) fn is_deny(self) -> bool {
        matches!(self, Direction::IngressDeny | Direction::EgressDeny)
    }

    /// The L3 fields (`l3Members` of `rule_validation.go`), evaluated or not.
    fn l3_keys(self) -> &'static [&'static str] {
        match self {
            Direction::Ingress | Direction::IngressDeny => &[
                "fromEndpoints",
                "fromCIDR",
                "fromCIDRSet",
                "fromEntities",
                "fromNodes",
                "fromGroups",
            ],
            Direction::Egress => &[
                "toEndpoints",
                "toCIDR",
                "toCIDRSet",
                "toEntities",
                "toServices",
                "toGroups",
                "toNodes",
                "toFQDNs",
            ],
            Direction::EgressDeny => &[
                "toEndpoints",
                "toCIDR",
                "toCIDRSet",
                "toEntities",
                "toServices",
                "toGroups",
                "toNodes",
            ],
        }
    }

    fn keys(self) -> Vec<&'static str> {
        let mut keys = self.l3_keys().to_vec();
        keys.push(if self.is_ingress() {
            "fromRequires"
        } else {
            "toRequires"
        });
        keys.extend(["toPorts", "icmps"]);
        if !self.is_deny() {
            keys.push("authentication");
        }
        keys
    }
}

fn rules(o: &Obj<'_>, key: &str, dir: Direction, ctx: &mut Ctx) -> Result<Vec<CiliumRule>> {
    let mut out = Vec::new();
    for r in o.opt_list(key, 0, usize::MAX)? {
        out.push(rule(&r, dir, ctx)?);
    }
    Ok(out)
}

fn rule(n: &Node<'_>, dir: Direction, ctx: &mut Ctx) -> Result<CiliumRule> {
    let keys = dir.keys();
    let o = n.object(&keys)?;
    let set: Vec<&str> = dir
        .l3_keys()
        .iter()
        .copied()
        .filter(|k| {
            o.opt(k)
                .is_some_and(|v| v.value.as_array().is_none_or(|a| !a.is_empty()))
        })
        .collect();
    // `IngressCommonRule.Validate` / `EgressCommonRule.Validate`.
    if let [first, second, ..] = set.as_slice() {
        return Err(o.err(format!(
            "combining {first} and {second} is not supported by Cilium; use one rule for each"
        )));
    }
    let mut rule = CiliumRule::default();
    for key in dir.l3_keys() {
        let Some(list) = o.opt(key) else { continue };
        for (i, item) in list.list(0, usize::MAX)?.iter().enumerate() {
            rule.peers.push(peers::peer(item, key, i, ctx)?);
        }
    }
    let requires = if dir.is_ingress() {
        "fromRequires"
    } else {
        "toRequires"
    };
    if let Some(r) = o.opt(requires) {
        r.list(0, usize::MAX)?;
        ctx.note(&r.path, UnevaluatedReason::Requires);
    }
    if let Some(p) = o.opt("toPorts") {
        rule.to_ports = port_rules(&p, dir, ctx)?;
    }
    if let Some(i) = o.opt("icmps")
        && !i.list(0, usize::MAX)?.is_empty()
    {
        if !rule.to_ports.is_empty() {
            return Err(i.err(
                "the icmps block may only be present without toPorts (Cilium rejects it); define a separate rule",
            ));
        }
        rule.icmps = true;
        ctx.note(&i.path, UnevaluatedReason::Icmp);
    }
    if let Some(a) = o.opt("authentication") {
        let a = a.object(&["mode"])?;
        a.req("mode")?
            .one_of(&["disabled", "required", "test-always-fail"])?;
        ctx.note(&a.path, UnevaluatedReason::Authentication);
    }
    Ok(rule)
}
