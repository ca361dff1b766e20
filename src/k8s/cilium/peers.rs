//! Reading the selectors and L3 peers of a Cilium rule.
//!
//! Selector keys carry an optional source prefix: `k8s:` and `any:` (or
//! none) match a pod's labels; other sources (`reserved:`, `cidr:`, ...)
//! name identities that are not workloads. Namespace scoping follows
//! `getEndpointSelector` and `ParseToCiliumRule` of
//! `pkg/k8s/apis/cilium.io/utils/utils.go`:
//!
//! - the `endpointSelector` of a CiliumNetworkPolicy always selects pods of
//!   the policy's namespace (a `k8s:io.kubernetes.pod.namespace` match in
//!   it is replaced by the policy's namespace);
//! - a `fromEndpoints`/`toEndpoints` selector of a CiliumNetworkPolicy that
//!   names neither the namespace (`io.kubernetes.pod.namespace`) nor a
//!   namespace label (`io.cilium.k8s.namespace.labels.*`) selects pods of
//!   the policy's namespace only;
//! - selectors of a CiliumClusterwideNetworkPolicy select pods of every
//!   namespace unless they name one.

use ipnet::IpNet;

use crate::k8s::fields::{Node, Result};
use crate::k8s::{LabelSelector, LabelSelectorRequirement, SelectorOperator};

use super::parse::Ctx;
use super::types::{
    CiliumPeer, CiliumPeerKind, CiliumSelector, Entity, FqdnSelector, NAMESPACE_KEY,
    NAMESPACE_LABELS_PREFIX, UnevaluatedReason,
};

/// Where the policy applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Scope {
    /// A CiliumNetworkPolicy of this namespace.
    Namespace(String),
    /// A CiliumClusterwideNetworkPolicy.
    Cluster,
}

/// A key without its source prefix, or `None` for a source that does not
/// name pod labels.
fn pod_key(key: &str) -> Option<&str> {
    match key.split_once(':') {
        None => Some(key),
        Some(("k8s" | "any", rest)) => Some(rest),
        Some(_) => None,
    }
}

/// Keys Cilium derives from pod metadata that are not modelled.
fn unmodelled(key: &str) -> bool {
    key.starts_with("io.cilium.k8s.policy.")
        || (key.starts_with("io.kubernetes.pod.") && key != NAMESPACE_KEY)
}

/// The selector with source prefixes removed; `evaluable` false when a
/// key is not modelled (recorded at `n`'s path).
fn normalized(n: &Node<'_>, ctx: &mut Ctx) -> Result<(LabelSelector, bool)> {
    let raw = n.selector()?;
    let mut evaluable = true;
    let mut sel = LabelSelector::default();
    let mut key = |k: &str| match pod_key(k) {
        Some(k) if !unmodelled(k) => Some(k.to_string()),
        _ => {
            evaluable = false;
            None
        }
    };
    for (k, v) in &raw.match_labels {
        if let Some(k) = key(k) {
            sel.match_labels.insert(k, v.clone());
        }
    }
    for e in &raw.match_expressions {
        if let Some(k) = key(&e.key) {
            sel.match_expressions.push(LabelSelectorRequirement {
                key: k,
                ..e.clone()
            });
        }
    }
    if !evaluable {
        ctx.note(&n.path, UnevaluatedReason::SelectorKey);
    }
    Ok((sel, evaluable))
}

fn names_namespace(raw: &LabelSelector) -> (bool, bool) {
    let keys = raw
        .match_labels
        .keys()
        .chain(raw.match_expressions.iter().map(|e| &e.key));
    let mut ns = false;
    let mut ns_labels = false;
    for k in keys {
        ns |= k == NAMESPACE_KEY;
        ns_labels |= k.starts_with(NAMESPACE_LABELS_PREFIX);
    }
    (ns, ns_labels)
}

fn in_namespace(ns: &str) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key: NAMESPACE_KEY.to_string(),
        operator: SelectorOperator::In,
        values: vec![ns.to_string()],
    }
}

/// `endpointSelector`.
pub(super) fn subject(n: &Node<'_>, ctx: &mut Ctx) -> Result<CiliumSelector> {
    let raw = n.selector()?;
    let (mut sel, evaluable) = normalized(n, ctx)?;
    if let Scope::Namespace(ns) = &ctx.scope {
        // `AddMatch(podPrefixLbl, namespace)` overwrites the `k8s:` entry;
        // any other namespace requirement stays and is ANDed.
        if raw
            .match_labels
            .contains_key(&format!("k8s:{NAMESPACE_KEY}"))
        {
            let others = raw
                .match_labels
                .iter()
                .filter(|(k, _)| pod_key(k) == Some(NAMESPACE_KEY))
                .count();
            if others == 1 {
                sel.match_labels.remove(NAMESPACE_KEY);
            }
        }
        sel.match_expressions.push(in_namespace(ns));
    }
    Ok(CiliumSelector {
        selector: sel,
        evaluable,
    })
}

/// A `fromEndpoints` / `toEndpoints` selector.
fn endpoints(n: &Node<'_>, ctx: &mut Ctx) -> Result<CiliumSelector> {
    let (mut sel, evaluable) = normalized(n, ctx)?;
    let (ns, ns_labels) = names_namespace(&sel);
    if let Scope::Namespace(policy_ns) = &ctx.scope
        && !ns
        && !ns_labels
    {
        sel.match_expressions.push(in_namespace(policy_ns));
    }
    Ok(CiliumSelector {
        selector: sel,
        evaluable,
    })
}

/// One item of an L3 field.
pub(super) fn peer(
    n: &Node<'_>,
    field: &'static str,
    index: usize,
    ctx: &mut Ctx,
) -> Result<CiliumPeer> {
    let kind = match field {
        "fromEndpoints" | "toEndpoints" => CiliumPeerKind::Endpoints(endpoints(n, ctx)?),
        "fromCIDR" | "toCIDR" => {
            let (cidr, except) = (cidr(n, true)?, Vec::new());
            CiliumPeerKind::Cidr { cidr, except }
        }
        "fromCIDRSet" | "toCIDRSet" => cidr_rule(n, ctx)?,
        "fromEntities" | "toEntities" => CiliumPeerKind::Entity(match entity(n)? {
            Some(e) => e,
            None => {
                ctx.note(&n.path, UnevaluatedReason::Entity);
                return Ok(not_evaluated(field, index));
            }
        }),
        "toFQDNs" => CiliumPeerKind::Fqdn(fqdn(n)?),
        _ => {
            // fromNodes, toNodes (selectors), fromGroups, toGroups,
            // toServices (objects): read as objects, not evaluated.
            if !n.value.is_object() {
                return Err(n.err("must be an object"));
            }
            ctx.note(&n.path, UnevaluatedReason::Peer);
            CiliumPeerKind::NotEvaluated
        }
    };
    Ok(CiliumPeer { field, index, kind })
}

fn not_evaluated(field: &'static str, index: usize) -> CiliumPeer {
    CiliumPeer {
        field,
        index,
        kind: CiliumPeerKind::NotEvaluated,
    }
}

/// A CIDR; `fromCIDR`/`toCIDR` also take a bare address (`CIDR.Validate`).
fn cidr(n: &Node<'_>, bare_ok: bool) -> Result<IpNet> {
    let text = n.string()?;
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    if bare_ok && let Ok(ip) = text.parse::<std::net::IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    Err(n.err(format!("invalid CIDR {text:?}")))
}

/// A `CIDRRule`: `cidr` with `except`s inside it (`CIDRRule.Validate`), or
/// a `cidrGroupRef` / `cidrGroupSelector`, which are not evaluated.
fn cidr_rule(n: &Node<'_>, ctx: &mut Ctx) -> Result<CiliumPeerKind> {
    let o = n.object(&["cidr", "cidrGroupRef", "cidrGroupSelector", "except"])?;
    let set = o.set(&["cidr", "cidrGroupRef", "cidrGroupSelector"]);
    match set.as_slice() {
        ["cidr"] => {}
        [] => return Err(o.err("one of cidr, cidrGroupRef or cidrGroupSelector is required")),
        [_] => {
            ctx.note(&n.path, UnevaluatedReason::Peer);
            return Ok(CiliumPeerKind::NotEvaluated);
        }
        _ => {
            return Err(
                o.err("more than one of cidr, cidrGroupRef or cidrGroupSelector may not be set")
            );
        }
    }
    let base = cidr(&o.req("cidr")?, false)?;
    let mut except = Vec::new();
    for e in o.opt_list("except", 0, usize::MAX)? {
        let hole = cidr(&e, false)?;
        if !base.contains(&hole.network()) || hole.prefix_len() < base.prefix_len() {
            return Err(e.err(format!("{hole} is not inside cidr {base}")));
        }
        except.push(hole);
    }
    Ok(CiliumPeerKind::Cidr { cidr: base, except })
}

/// An entity, `None` for one that is valid but not evaluated.
fn entity(n: &Node<'_>) -> Result<Option<Entity>> {
    let name = n.one_of(&[
        "all",
        "world",
        "world-ipv4",
        "world-ipv6",
        "cluster",
        "host",
        "init",
        "ingress",
        "unmanaged",
        "remote-node",
        "health",
        "none",
        "kube-apiserver",
    ])?;
    Ok(match name {
        "all" => Some(Entity::All),
        "world" => Some(Entity::World),
        "world-ipv4" => Some(Entity::WorldIpv4),
        "world-ipv6" => Some(Entity::WorldIpv6),
        "cluster" => Some(Entity::Cluster),
        "none" => Some(Entity::None),
        _ => None,
    })
}

/// An `FQDNSelector`: exactly one of `matchName` (`^([-a-zA-Z0-9_]+[.]?)+$`)
/// or `matchPattern` (`^([-a-zA-Z0-9_*]+[.]?)+$`), at most 255 characters
/// (`pkg/policy/api/fqdn.go`).
pub(super) fn fqdn(n: &Node<'_>) -> Result<FqdnSelector> {
    let o = n.object(&["matchName", "matchPattern"])?;
    let (key, star) = match o.set(&["matchName", "matchPattern"]).as_slice() {
        ["matchName"] => ("matchName", false),
        ["matchPattern"] => ("matchPattern", true),
        [] => return Err(o.err("must set one of matchName, matchPattern")),
        _ => return Err(o.err("must set only one of matchName, matchPattern")),
    };
    let v = o.req(key)?;
    let text = v.string()?;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || (star && c == '*');
    let labels_ok = text
        .trim_end_matches('.')
        .split('.')
        .all(|l| !l.is_empty() && l.chars().all(ok_char));
    if text.is_empty() || text.len() > 255 || !labels_ok {
        let allowed = if star {
            "letters, digits, -, _, * and ."
        } else {
            "letters, digits, -, _ and ."
        };
        return Err(v.err(format!("{text:?} is not a valid DNS {key}: only {allowed}")));
    }
    let text = text.to_string();
    Ok(if star {
        FqdnSelector::MatchPattern(text)
    } else {
        FqdnSelector::MatchName(text)
    })
}
