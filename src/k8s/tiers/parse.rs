//! Reading tier policy documents (`serde_json::Value`, as the manifest
//! reader holds them) into [`TierPolicy`], strictly: what the CRD schemas
//! of kubernetes-sigs/network-policy-api reject (unknown fields, a missing
//! required field, an action outside the enum, two fields in a one-of,
//! out-of-range numbers, too many items) is an error with its field path.
//!
//! Schemas: `apis/v1alpha2/clusternetworkpolicy_types.go` and the
//! generated `config/crd/*/policy.networking.k8s.io_clusternetworkpolicies.yaml`
//! for v1alpha2; `apis/v1alpha1/{adminnetworkpolicy,baselineadminnetworkpolicy,shared}_types.go`
//! (CRDs of release v0.1.7) for v1alpha1.

use serde_json::Value;

use crate::diag::FieldPath;

use crate::k8s::fields::{Node, Obj, Result};

use super::TierParseError;
use super::parse_ports::{port_entry, protocol_entry};
use super::types::{
    Subject, Tier, TierAction, TierKind, TierPeer, TierPolicy, TierRule, Unevaluated,
    UnevaluatedReason,
};

/// The API group of the three kinds.
pub const TIER_API_GROUP: &str = "policy.networking.k8s.io";

/// The kind of `doc` if it is one of the three tier kinds of
/// [`TIER_API_GROUP`], whatever its version (a wrong version is then a
/// parse error, not a skipped document). Other groups' kinds of the same
/// name (Antrea's `ClusterNetworkPolicy`, say) are not tier documents.
pub fn tier_kind(doc: &Value) -> Option<TierKind> {
    let group = doc
        .get("apiVersion")
        .and_then(Value::as_str)?
        .split_once('/')?
        .0;
    if group != TIER_API_GROUP {
        return None;
    }
    match doc.get("kind").and_then(Value::as_str)? {
        "ClusterNetworkPolicy" => Some(TierKind::ClusterNetworkPolicy),
        "AdminNetworkPolicy" => Some(TierKind::AdminNetworkPolicy),
        "BaselineAdminNetworkPolicy" => Some(TierKind::BaselineAdminNetworkPolicy),
        _ => None,
    }
}

/// What differs between the three kinds' schemas.
struct Schema {
    kind: TierKind,
    /// Allowed `action` spellings, mapped in [`action`].
    actions: &'static [&'static str],
    /// `MaxItems` of `ingress`/`egress`, of `from`/`to` and of the ports.
    max_items: usize,
    /// `ports` (v1alpha1) or `protocols` (v1alpha2).
    ports_key: &'static str,
    egress_peers: &'static [&'static str],
}

const INGRESS_PEERS: &[&str] = &["namespaces", "pods"];

fn schema(kind: TierKind) -> Schema {
    match kind {
        TierKind::ClusterNetworkPolicy => Schema {
            kind,
            actions: &["Accept", "Deny", "Pass"],
            max_items: 25,
            ports_key: "protocols",
            egress_peers: &["namespaces", "pods", "nodes", "networks", "domainNames"],
        },
        TierKind::AdminNetworkPolicy => Schema {
            kind,
            actions: &["Allow", "Deny", "Pass"],
            max_items: 100,
            ports_key: "ports",
            egress_peers: &["namespaces", "pods", "nodes", "networks", "domainNames"],
        },
        // BANP: no Pass, no domainNames (`baselineadminnetworkpolicy_types.go`).
        TierKind::BaselineAdminNetworkPolicy => Schema {
            kind,
            actions: &["Allow", "Deny"],
            max_items: 100,
            ports_key: "ports",
            egress_peers: &["namespaces", "pods", "nodes", "networks"],
        },
    }
}

/// Reads one ClusterNetworkPolicy, AdminNetworkPolicy or
/// BaselineAdminNetworkPolicy document.
pub fn parse_tier_policy(doc: &Value) -> std::result::Result<TierPolicy, TierParseError> {
    let root = Node::root(doc);
    let o = root.object(&["apiVersion", "kind", "metadata", "spec", "status"])?;
    let kind_node = o.req("kind")?;
    let kind = match kind_node.one_of(&[
        "ClusterNetworkPolicy",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
    ])? {
        "ClusterNetworkPolicy" => TierKind::ClusterNetworkPolicy,
        "AdminNetworkPolicy" => TierKind::AdminNetworkPolicy,
        _ => TierKind::BaselineAdminNetworkPolicy,
    };
    let version = o.req("apiVersion")?;
    if version.string()? != kind.api_version() {
        return Err(version.err(format!(
            "{kind} is read as {} (found {:?})",
            kind.api_version(),
            version.string()?
        )));
    }
    let meta = o.req("metadata")?;
    let meta = meta_object(&meta)?;
    let name_node = meta.req("name")?;
    let name = name_node.string()?;
    if name.is_empty() {
        return Err(name_node.err("must not be empty"));
    }
    // `baselineadminnetworkpolicy_types.go`: XValidation name == 'default'.
    if kind == TierKind::BaselineAdminNetworkPolicy && name != "default" {
        return Err(name_node.err(
            "must be \"default\": only one BaselineAdminNetworkPolicy, named default, can exist",
        ));
    }
    let s = schema(kind);
    let spec = o.req("spec")?;
    let spec = match kind {
        TierKind::ClusterNetworkPolicy => {
            spec.object(&["tier", "priority", "subject", "ingress", "egress"])?
        }
        TierKind::AdminNetworkPolicy => {
            spec.object(&["priority", "subject", "ingress", "egress"])?
        }
        TierKind::BaselineAdminNetworkPolicy => spec.object(&["subject", "ingress", "egress"])?,
    };
    let tier = match kind {
        TierKind::ClusterNetworkPolicy => match spec.req("tier")?.one_of(&["Admin", "Baseline"])? {
            "Admin" => Tier::Admin,
            _ => Tier::Baseline,
        },
        TierKind::AdminNetworkPolicy => Tier::Admin,
        TierKind::BaselineAdminNetworkPolicy => Tier::Baseline,
    };
    let priority = match kind {
        TierKind::BaselineAdminNetworkPolicy => None,
        _ => Some(spec.req("priority")?.integer_in(0, 1000)? as u32),
    };
    let subject = subject(&spec.req("subject")?, kind)?;
    let mut unevaluated = Vec::new();
    let mut rules = |key: &str, peers_key: &str, peer_keys: &[&'static str]| {
        let mut out = Vec::new();
        for r in spec.opt_list(key, 0, s.max_items)? {
            out.push(rule(&r, &s, peers_key, peer_keys, &mut unevaluated)?);
        }
        Ok::<_, TierParseError>(out)
    };
    let ingress = rules("ingress", "from", INGRESS_PEERS)?;
    let egress = rules("egress", "to", s.egress_peers)?;
    Ok(TierPolicy {
        kind,
        name: name.to_string(),
        tier,
        priority,
        subject,
        ingress,
        egress,
        unevaluated,
    })
}

/// `metadata`: any keys (ObjectMeta is not ours to police).
fn meta_object<'a>(meta: &Node<'a>) -> Result<Obj<'a>> {
    let Value::Object(map) = meta.value else {
        return Err(meta.err("must be an object"));
    };
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    meta.object(&keys)
}

/// Exactly one of `keys` set, or an error naming them.
pub(super) fn exactly_one(o: &Obj<'_>, keys: &[&'static str]) -> Result<Option<&'static str>> {
    match o.set(keys).as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(o.err(format!(
            "must set exactly one of {}; found {}",
            keys.join(", "),
            many.join(", ")
        ))),
    }
}

/// `spec.subject`: `namespaces` or `pods` (`AdminNetworkPolicySubject`,
/// `ClusterNetworkPolicySubject`: MinProperties=1, MaxProperties=1).
fn subject(n: &Node<'_>, kind: TierKind) -> Result<Subject> {
    let o = n.object(&["namespaces", "pods"])?;
    match exactly_one(&o, &["namespaces", "pods"])? {
        Some("namespaces") => Ok(Subject::Namespaces(o.req("namespaces")?.selector()?)),
        Some(_) => {
            let (namespaces, pods) = namespaced_pod(&o.req("pods")?, kind)?;
            Ok(Subject::Pods { namespaces, pods })
        }
        None => Err(o.err("must set exactly one of namespaces, pods")),
    }
}

/// `NamespacedPod`: v1alpha1 requires both selectors
/// (`shared_types.go`); v1alpha2 makes `namespaceSelector` optional, empty
/// meaning every namespace (`clusternetworkpolicy_types.go`).
fn namespaced_pod(
    n: &Node<'_>,
    kind: TierKind,
) -> Result<(crate::k8s::LabelSelector, crate::k8s::LabelSelector)> {
    let o = n.object(&["namespaceSelector", "podSelector"])?;
    let namespaces = match kind {
        TierKind::ClusterNetworkPolicy => o
            .opt("namespaceSelector")
            .map_or(Ok(Default::default()), |s| s.selector())?,
        _ => o.req("namespaceSelector")?.selector()?,
    };
    let pods = o.req("podSelector")?.selector()?;
    Ok((namespaces, pods))
}

fn rule(
    n: &Node<'_>,
    s: &Schema,
    peers_key: &str,
    peer_keys: &[&'static str],
    unevaluated: &mut Vec<Unevaluated>,
) -> Result<TierRule> {
    let o = n.object(&["name", "action", peers_key, s.ports_key])?;
    let name = match o.opt("name") {
        Some(n) if n.string()?.len() > 100 => return Err(n.err("must be at most 100 characters")),
        Some(n) => Some(n.string()?.to_string()),
        None => None,
    };
    let action = match o.req("action")?.one_of(s.actions)? {
        "Accept" | "Allow" => TierAction::Accept,
        "Deny" => TierAction::Deny,
        _ => TierAction::Pass,
    };
    let mut peers = Vec::new();
    for p in o.req(peers_key)?.list(1, s.max_items)? {
        peers.push(peer(&p, s.kind, peer_keys, unevaluated)?);
    }
    let ports = match o.opt(s.ports_key) {
        None => None,
        Some(list) => {
            let mut out = Vec::new();
            for p in list.list(1, s.max_items)? {
                out.push(match s.kind {
                    TierKind::ClusterNetworkPolicy => protocol_entry(&p)?,
                    _ => port_entry(&p)?,
                });
            }
            Some(out)
        }
    };
    Ok(TierRule {
        name,
        action,
        peers,
        ports,
    })
}

fn peer(
    n: &Node<'_>,
    kind: TierKind,
    keys: &[&'static str],
    unevaluated: &mut Vec<Unevaluated>,
) -> Result<TierPeer> {
    let o = n.object(keys)?;
    let mut note = |path: FieldPath, reason| {
        unevaluated.push(Unevaluated {
            path: path.to_string(),
            reason,
        })
    };
    let Some(key) = exactly_one(&o, keys)? else {
        note(n.path.clone(), UnevaluatedReason::EmptyPeer);
        return Ok(TierPeer::Empty);
    };
    let field = o.req(key)?;
    Ok(match key {
        "namespaces" => TierPeer::Namespaces(field.selector()?),
        "pods" => {
            let (namespaces, pods) = namespaced_pod(&field, kind)?;
            TierPeer::Pods { namespaces, pods }
        }
        "nodes" => {
            field.selector()?;
            note(field.path.clone(), UnevaluatedReason::NodesPeer);
            TierPeer::NotEvaluated(UnevaluatedReason::NodesPeer)
        }
        "networks" => {
            let mut nets = Vec::new();
            for c in field.list(1, 25)? {
                let text = c.string()?;
                let net = text
                    .parse::<ipnet::IpNet>()
                    .map_err(|_| c.err(format!("invalid CIDR {text:?}")))?;
                nets.push(net.trunc());
            }
            note(field.path.clone(), UnevaluatedReason::NetworksInsideCluster);
            TierPeer::Networks(nets)
        }
        _ => {
            for d in field.list(1, 25)? {
                if d.string()?.is_empty() {
                    return Err(d.err("must not be empty"));
                }
            }
            note(field.path.clone(), UnevaluatedReason::DomainNamesPeer);
            TierPeer::NotEvaluated(UnevaluatedReason::DomainNamesPeer)
        }
    })
}
