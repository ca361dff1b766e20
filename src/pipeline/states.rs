//! The verification of a render over every state its windows can be in:
//! every set of windows open at once, from all closed to all open. In
//! each, the policies in force (those always in force, and those of the
//! open windows) must admit exactly the flows without a window plus the
//! open windows' flows. Windows are not assumed apart: two whose
//! schedules never meet are proved together all the same, which costs
//! time, never soundness. `spec.expect` is checked with every window
//! closed.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::diag::{Diagnostic, Errors, FieldPath};
use crate::engine::RuleRef;
use crate::k8s::{NetworkPolicy, PolicyType};
use crate::model::Model;
use crate::render::{CiliumRendered, Origins, windows};
use crate::spec::{Backend, Loaded};
use crate::{proof, verify};

/// The most windows one set may have: their 2^N combinations are each
/// proved.
pub const MAX_WINDOWS: usize = 8;

/// Verifies every combination of open windows, smallest first. A
/// violation already reported for fewer windows is not repeated for more.
pub(super) fn check_states(
    loaded: &Loaded,
    model: &Model,
    split: &windows::Split,
    origins: &Origins,
) -> Result<(), Errors> {
    let names: Vec<&str> = model.windows.keys().map(String::as_str).collect();
    if names.len() > MAX_WINDOWS {
        return Err(loaded
            .map
            .error(
                FieldPath::keys(&["spec", "windows"]),
                format!(
                    "{} windows: every combination of open windows is proved, {} states; at most {MAX_WINDOWS} windows ({} states) are allowed in one set, so merge windows or split the set",
                    names.len(),
                    1u64 << names.len(),
                    1u64 << MAX_WINDOWS,
                ),
            )
            .into());
    }
    let mut masks: Vec<u32> = (0..1u32 << names.len()).collect();
    masks.sort_by_key(|m| (m.count_ones(), *m));
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for mask in masks {
        let open: Vec<&str> = (0..names.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| names[i])
            .collect();
        let label = label(&names, &open);
        let m = in_state(model, &open);
        let (policies, cilium) = policies_in(split, &open);
        let found = match model.backend {
            Backend::Kubernetes => check(
                loaded,
                &m,
                &policies,
                origins,
                &label,
                open.is_empty(),
                None,
            ),
            Backend::Cilium => check_cilium(loaded, &m, &cilium, origins, &label, open.is_empty()),
        };
        for d in found.err().into_iter().flat_map(|e| e.0) {
            let key = (
                d.message.replacen(&label, "", 1),
                d.file.clone(),
                d.field.as_ref().map(ToString::to_string),
            );
            if seen.insert(key) {
                errors.push(d);
            }
        }
    }
    Errors::check(errors)
}

/// The model with only the flows open in the state: the model itself,
/// not a copy, when every flow is.
fn in_state<'a>(model: &'a Model, open: &[&str]) -> Cow<'a, Model> {
    let is_open = |f: &crate::model::Flow| f.window.as_deref().is_none_or(|w| open.contains(&w));
    if model.flows.iter().all(is_open) {
        return Cow::Borrowed(model);
    }
    let mut m = model.clone();
    m.flows.retain(is_open);
    Cow::Owned(m)
}

/// [`windows::Split::state`], borrowed rather than copied when the open
/// windows add no policy to those always in force (already in name order).
fn policies_in<'a>(
    split: &'a windows::Split,
    open: &[&str],
) -> (Cow<'a, [NetworkPolicy]>, Cow<'a, [CiliumRendered]>) {
    let adds = open.iter().any(|w| {
        split.windows.get(*w).is_some_and(|p| !p.is_empty())
            || split.cilium_windows.get(*w).is_some_and(|c| !c.is_empty())
    });
    let sorted = split
        .policies
        .is_sorted_by(|a, b| a.metadata.name <= b.metadata.name)
        && split.cilium.is_sorted_by(|a, b| a.name() <= b.name());
    if adds || !sorted {
        let (policies, cilium) = split.state(open);
        return (Cow::Owned(policies), Cow::Owned(cilium));
    }
    (Cow::Borrowed(&split.policies), Cow::Borrowed(&split.cilium))
}

/// ` (window a open)`, ` (windows a and b open)`, ` (all windows
/// closed)`; nothing without windows.
fn label(names: &[&str], open: &[&str]) -> String {
    match open {
        [] if names.is_empty() => String::new(),
        [] => " (all windows closed)".into(),
        [one] => format!(" (window {one} open)"),
        [init @ .., last] => format!(" (windows {} and {last} open)", init.join(", ")),
    }
}

/// The verification of a Cilium render: the proof on the NetworkPolicies
/// that admit the same at L3 and L4, then the HTTP, FQDN and DNS rules.
fn check_cilium(
    loaded: &Loaded,
    model: &Model,
    rendered: &[CiliumRendered],
    origins: &Origins,
    state: &str,
    expects: bool,
) -> Result<(), Errors> {
    let cilium: Vec<_> = rendered.iter().map(|c| c.policy.clone()).collect();
    let (translated, fields) = proof::cilium::translate(&cilium, &model.namespace);
    let l3 = check(
        loaded,
        model,
        &translated,
        origins,
        state,
        expects,
        Some(&fields),
    );
    let mut errors: Vec<Diagnostic> = l3.err().into_iter().flat_map(|e| e.0).collect();
    let map = &loaded.map;
    let flows = FieldPath::keys(&["spec", "flows"]);
    errors.extend(proof::cilium::l7(model, &cilium).into_iter().map(|v| {
        let message = format!("verification failed{state}: {v}");
        match (&v.rule, &v.flow) {
            (Some((policy, path)), _) if origins.contains_key(policy) => Diagnostic::error(message)
                .in_file(origins[policy].clone())
                .at_field(FieldPath::parse(path)),
            (_, Some(flow)) if loaded.set.spec.flows.contains_key(flow) => {
                map.error(flows.key(flow), message)
            }
            _ => Diagnostic::error(message).in_file(map.locate(&flows).0),
        }
    }));
    Errors::check(errors)
}

/// The verification stage: the proof that the policies admit exactly
/// the declared flows, then the `expect` entries. A missing flow is placed
/// on the flow; an over-permissive one on the rule of the template output
/// that admits it.
fn check(
    loaded: &Loaded,
    model: &Model,
    policies: &[NetworkPolicy],
    origins: &Origins,
    state: &str,
    expects: bool,
    cilium: Option<&proof::cilium::Fields>,
) -> Result<(), Errors> {
    let map = &loaded.map;
    let flows = FieldPath::keys(&["spec", "flows"]);
    let proof = proof::prove(model, policies);
    let mut errors: Vec<Diagnostic> = proof
        .violations
        .iter()
        .map(|v| {
            // On a Cilium render, the Cilium fields the translation came from.
            let described = match cilium {
                Some(c) => v.describe(&|r| c.rule(r).unwrap_or_else(|| r.to_string()), &|p| {
                    c.policy(p).unwrap_or_else(|| p.to_string())
                }),
                None => v.to_string(),
            };
            let message = format!("verification failed{state}: {described}");
            match (&v.kind, &v.flow, v.rules.first()) {
                (proof::Kind::Missing, Some(flow), _) if is_dns(model, flow) => map.error(
                    dns_field(loaded),
                    format!("{message} (spec.dns: DNS is allowed wherever egress is isolated)"),
                ),
                (proof::Kind::Missing, Some(flow), _) => map.error(flows.key(flow), message),
                (proof::Kind::Extra, _, Some(rule)) => match origins.get(&rule.policy.name) {
                    Some(origin) => Diagnostic::error(message)
                        .in_file(origin.clone())
                        .at_field(rule_field(rule, cilium)),
                    None => Diagnostic::error(message).in_file(map.locate(&flows).0),
                },
                _ => Diagnostic::error(message).in_file(map.locate(&flows).0),
            }
        })
        .collect();
    if proof.omitted > 0 {
        errors.push(
            Diagnostic::error(format!(
                "verification failed{state}: ... and {} more violations",
                proof.omitted
            ))
            .in_file(map.locate(&flows).0),
        );
    }
    let found = if expects {
        verify::expects(model, policies)
    } else {
        Vec::new()
    };
    errors.extend(found.into_iter().map(|f| {
        let at = FieldPath::keys(&["spec", "expect"]).index(f.expect().unwrap_or_default());
        map.error(at, f.to_string())
    }));
    Errors::check(errors)
}

fn is_dns(model: &Model, flow: &str) -> bool {
    model.flows.iter().any(|f| f.dns && f.id == flow)
}

/// Where the DNS flows come from: `spec.dns` when written, else the
/// `defaultDeny` that isolates egress.
fn dns_field(loaded: &Loaded) -> FieldPath {
    let key = if loaded.set.spec.dns.is_some() {
        "dns"
    } else {
        "defaultDeny"
    };
    FieldPath::keys(&["spec", key])
}

/// `spec.ingress[R].from[P]` of a rule reference; for a rendered
/// CiliumNetworkPolicy, the Cilium field it came from
/// (`spec.ingress[R].fromEndpoints[P]`, ...).
fn rule_field(rule: &RuleRef, cilium: Option<&proof::cilium::Fields>) -> FieldPath {
    if let Some(path) = cilium.and_then(|c| c.path(rule)) {
        return FieldPath::parse(&path);
    }
    let (list, peers) = match rule.direction {
        PolicyType::Ingress => ("ingress", "from"),
        PolicyType::Egress => ("egress", "to"),
    };
    let at = FieldPath::keys(&["spec", list]).index(rule.rule);
    match rule.peer {
        Some(p) => at.key(peers).index(p),
        None => at,
    }
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn states_are_named_by_their_open_windows() {
        assert_eq!(label(&[], &[]), "");
        assert_eq!(label(&["a", "b"], &[]), " (all windows closed)");
        assert_eq!(label(&["a", "b"], &["b"]), " (window b open)");
        assert_eq!(label(&["a", "b"], &["a", "b"]), " (windows a and b open)");
        assert_eq!(
            label(&["a", "b", "c"], &["a", "b", "c"]),
            " (windows a, b and c open)"
        );
    }
}
