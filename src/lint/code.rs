//! The lint rules: one stable code each, with a default severity and the
//! one-line description that `docs/lint.md` and SARIF `rules[]` show.

use std::fmt;

use crate::diag::Severity;

/// A lint rule. Codes are stable: a rule may be retired, never renumbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// A manifest Kubernetes would reject.
    InvalidManifest,
    /// Rules in a direction the policy's `policyTypes` leaves out.
    IgnoredRules,
    /// `spec.podSelector` selects no workload.
    PolicySelectsNothing,
    /// A `from`/`to` peer selects no workload.
    PeerSelectsNothing,
    /// A `namespaceSelector` matches no namespace of the input.
    NamespaceLabelMissing,
    /// A `namespaceSelector` names, by `kubernetes.io/metadata.name`, a
    /// namespace the input does not have (or that the build renamed).
    UnknownNamespaceName,
    /// A numeric port no destination pod exposes.
    PortNotExposed,
    /// A named port no destination defines.
    NamedPortMissing,
    /// A named port a destination defines with another protocol.
    NamedPortWrongProtocol,
    /// A named port some destinations lack.
    NamedPortPartlyMissing,
    /// Egress isolation without a DNS allowance.
    NoDnsEgress,
    /// A workload isolated by no policy while other namespaces deny by default.
    NotIsolated,
    /// A rule that another rule already covers.
    ShadowedRule,
    /// A peer podSelector carrying the policy's own labels (kustomize#5912).
    PeerCarriesPolicyLabels,
    /// Policies in a namespace without workloads in the input.
    NamespaceWithoutWorkloads,
    /// A cluster-wide policy whose subject selects no workload.
    SubjectSelectsNothing,
    /// A NetworkPolicy rule every connection of which an Admin-tier Deny
    /// decides first.
    OverriddenByTier,
    /// A window policy still present after its expiry, or with an
    /// unreadable one.
    WindowExpired,
}

impl Code {
    /// Every rule, in code order.
    pub const ALL: [Code; 18] = [
        Code::InvalidManifest,
        Code::IgnoredRules,
        Code::PolicySelectsNothing,
        Code::PeerSelectsNothing,
        Code::NamespaceLabelMissing,
        Code::UnknownNamespaceName,
        Code::PortNotExposed,
        Code::NamedPortMissing,
        Code::NamedPortWrongProtocol,
        Code::NamedPortPartlyMissing,
        Code::NoDnsEgress,
        Code::NotIsolated,
        Code::ShadowedRule,
        Code::PeerCarriesPolicyLabels,
        Code::NamespaceWithoutWorkloads,
        Code::SubjectSelectsNothing,
        Code::OverriddenByTier,
        Code::WindowExpired,
    ];

    /// `NP001` ...
    pub fn id(self) -> &'static str {
        self.info().0
    }

    /// A short kebab-case name (`policy-selects-nothing`).
    pub fn name(self) -> &'static str {
        self.info().1
    }

    /// The severity every finding of this rule carries.
    pub fn severity(self) -> Severity {
        self.info().2
    }

    /// One sentence describing what the rule reports.
    pub fn summary(self) -> &'static str {
        self.info().3
    }

    fn info(self) -> (&'static str, &'static str, Severity, &'static str) {
        use Severity::*;
        match self {
            Code::InvalidManifest => (
                "NP001",
                "invalid-manifest",
                Error,
                "The manifest is malformed or the NetworkPolicy spec is one the Kubernetes API server would reject.",
            ),
            Code::IgnoredRules => (
                "NP002",
                "ignored-rules",
                Warning,
                "spec.ingress or spec.egress holds rules, but policyTypes leaves that direction out, so the rules have no effect.",
            ),
            Code::PolicySelectsNothing => (
                "NP003",
                "policy-selects-nothing",
                Warning,
                "spec.podSelector matches no workload of the policy's namespace.",
            ),
            Code::PeerSelectsNothing => (
                "NP004",
                "peer-selects-nothing",
                Warning,
                "A from/to peer matches no workload in the namespaces it looks in.",
            ),
            Code::NamespaceLabelMissing => (
                "NP005",
                "namespace-label-missing",
                Warning,
                "A namespaceSelector matches no namespace: no declared Namespace carries the labels it requires.",
            ),
            Code::UnknownNamespaceName => (
                "NP006",
                "unknown-namespace-name",
                Warning,
                "A namespaceSelector names a namespace by kubernetes.io/metadata.name that the input neither declares nor uses, or that the build renamed.",
            ),
            Code::PortNotExposed => (
                "NP007",
                "port-not-exposed",
                Warning,
                "A numeric port (or range) that no destination pod declares as a containerPort with that protocol.",
            ),
            Code::NamedPortMissing => (
                "NP008",
                "named-port-missing",
                Error,
                "A named port that no destination pod defines: the entry admits nothing.",
            ),
            Code::NamedPortWrongProtocol => (
                "NP009",
                "named-port-wrong-protocol",
                Error,
                "A named port that a destination defines with a different protocol than the rule's: the entry admits nothing there.",
            ),
            Code::NamedPortPartlyMissing => (
                "NP010",
                "named-port-partly-missing",
                Warning,
                "A named port that some destination pods lack: the entry admits nothing to them.",
            ),
            Code::NoDnsEgress => (
                "NP011",
                "no-dns-egress",
                Warning,
                "Egress is isolated, but no egress rule admits DNS (UDP or TCP port 53): name resolution fails.",
            ),
            Code::NotIsolated => (
                "NP012",
                "not-isolated",
                Warning,
                "A workload no policy isolates in a direction, while another namespace of the input has a default deny for it.",
            ),
            Code::ShadowedRule => (
                "NP013",
                "shadowed-rule",
                Warning,
                "A rule whose peers and ports are a subset of another rule's, in the same policy or in a policy selecting at least the same pods.",
            ),
            Code::PeerCarriesPolicyLabels => (
                "NP014",
                "peer-carries-policy-labels",
                Warning,
                "A peer podSelector requires a label the policy itself carries: the trace of kustomize labels/commonLabels with includeSelectors (kustomize#5912), which narrows peers.",
            ),
            Code::NamespaceWithoutWorkloads => (
                "NP015",
                "namespace-without-workloads",
                Info,
                "Policies live in a namespace without workloads in the input, so their selectors and ports are not checked against workloads.",
            ),
            Code::SubjectSelectsNothing => (
                "NP016",
                "subject-selects-nothing",
                Warning,
                "A ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy whose spec.subject matches no workload of the input.",
            ),
            Code::OverriddenByTier => (
                "NP017",
                "overridden-by-tier",
                Warning,
                "A NetworkPolicy rule whose every admitted connection among the input's workloads an Admin-tier Deny decides first: the rule has no effect.",
            ),
            Code::WindowExpired => (
                "NP018",
                "window-expired",
                Warning,
                "A maintenance window's policy whose netpolgen.io/window-expires is in the past (its closing job did not run), or is not a time.",
            ),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_numbered_in_order_and_unique() {
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(code.id(), format!("NP{:03}", i + 1));
        }
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
