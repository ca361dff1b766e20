//! Which labels identify a workload, and which a controller stamps on each
//! pod or revision (those change on every rollout and never go into a
//! selector).

use crate::k8s::Labels;

/// Keys a controller writes per pod, revision or run.
const UNSTABLE_KEYS: [&str; 10] = [
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
];

/// Key prefixes of labels Cilium derives rather than the pod carries.
const DERIVED_PREFIXES: [&str; 2] = ["io.kubernetes.", "io.cilium."];

/// A label that names the workload rather than one pod or revision.
pub fn is_stable(key: &str) -> bool {
    !UNSTABLE_KEYS.contains(&key) && !DERIVED_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// The stable labels of `labels`.
pub fn stable_labels(labels: &Labels) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| is_stable(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controller_labels_are_dropped_and_the_rest_kept() {
        let labels: Labels = [
            ("app", "web"),
            ("pod-template-hash", "7d9f"),
            ("controller-revision-hash", "web-5c"),
            ("statefulset.kubernetes.io/pod-name", "web-0"),
            ("io.kubernetes.pod.namespace", "shop"),
            ("app.kubernetes.io/name", "web"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let stable = stable_labels(&labels);
        let kept: Vec<&str> = stable.keys().map(String::as_str).collect();
        assert_eq!(kept, ["app", "app.kubernetes.io/name"]);
    }
}
