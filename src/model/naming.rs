//! How netpolgen names what it renders: the one place for policy names.
//!
//! - a flow's ingress policy (and its egress policy when the destination is
//!   a peer): `allow-<flow id><suffix>`;
//! - a flow's egress policy when both ends are in the namespace:
//!   `allow-<flow id>-egress<suffix>`;
//! - a default-deny policy: `default-deny-<direction, lowercased><suffix>`;
//! - the suffix defaults to `-<environment>`.

use crate::k8s::PolicyType;

/// `spec.nameSuffix`, or `-<environment>`; empty when neither is known.
pub fn suffix(explicit: Option<&str>, environment: &str) -> String {
    match (explicit, environment.is_empty()) {
        (Some(s), _) => s.to_string(),
        (None, false) => format!("-{environment}"),
        (None, true) => String::new(),
    }
}

/// The policy that lets a flow in (or out, towards a peer).
pub fn flow_policy(flow: &str, suffix: &str) -> String {
    format!("allow-{flow}{suffix}")
}

/// The egress policy of a flow between two ends in the namespace.
pub fn flow_egress_policy(flow: &str, suffix: &str) -> String {
    format!("allow-{flow}-egress{suffix}")
}

/// The default-deny policy of one direction.
pub fn default_deny_policy(direction: PolicyType, suffix: &str) -> String {
    format!(
        "default-deny-{}{suffix}",
        direction.as_str().to_ascii_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_the_reference_document_spells_them() {
        let s = suffix(None, "prod");
        assert_eq!(s, "-prod");
        assert_eq!(suffix(Some(""), "prod"), "");
        assert_eq!(suffix(None, ""), "");
        assert_eq!(
            default_deny_policy(PolicyType::Ingress, &s),
            "default-deny-ingress-prod"
        );
        assert_eq!(
            flow_policy("ingress-to-api-gateway", &s),
            "allow-ingress-to-api-gateway-prod"
        );
        assert_eq!(flow_egress_policy("a-to-b", &s), "allow-a-to-b-egress-prod");
    }
}
