//! The names and labels of the probe objects.

use std::collections::BTreeSet;

/// The label every probe object and pod carries (value `"true"`); the
/// selector of cleanup and of the headless Services.
pub const PROBE_LABEL: &str = "netpolgen.io/probe";

/// The headless Service (one per namespace) whose name is the subdomain of
/// every probe server pod, and the ConfigMap holding the matrix.
pub const SERVICE_NAME: &str = "netpolgen-probe";

/// Prefix of server Deployments (and their pods' hostnames).
pub const SERVER_PREFIX: &str = "netpolgen-probe-";

/// Prefix of runner Jobs.
pub const JOB_PREFIX: &str = "netpolgen-probe-run-";

/// A base name may be this long: a Job name becomes a label value (63).
const MAX_BASE: usize = 63 - JOB_PREFIX.len();

/// Base names for workload names, one per entry, unique among `taken`
/// (which they join): lowercase letters, digits and `-`, at most
/// [`MAX_BASE`] characters; a clash gets `-2`, `-3`, ...
pub fn base(name: &str, taken: &mut BTreeSet<String>) -> String {
    let mut clean = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            clean.push(c);
        } else if !clean.ends_with('-') {
            clean.push('-');
        }
    }
    let trimmed = |s: &str, max: usize| -> String {
        let mut s: String = s.chars().take(max).collect();
        while s.ends_with('-') {
            s.pop();
        }
        s.trim_start_matches('-').to_string()
    };
    let mut stem = trimmed(&clean, MAX_BASE);
    if stem.is_empty() {
        stem = "workload".to_string();
    }
    let mut candidate = stem.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        let suffix = format!("-{n}");
        candidate = format!("{}{suffix}", trimmed(&stem, MAX_BASE - suffix.len()));
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::names::dns1123_label;

    #[test]
    fn bases_are_dns_labels_and_unique() {
        let mut taken = BTreeSet::new();
        let long = "x".repeat(100);
        let cases = [
            ("api-gateway", "api-gateway"),
            ("api-gateway", "api-gateway-2"),
            ("Web_Server.v2", "web-server-v2"),
            ("--", "workload"),
            (long.as_str(), &"x".repeat(MAX_BASE)),
            (long.as_str(), &format!("{}-2", "x".repeat(MAX_BASE - 2))),
        ];
        for (name, want) in cases {
            let got = base(name, &mut taken);
            assert_eq!(got, want, "{name}");
            dns1123_label(&got).unwrap();
            dns1123_label(&format!("{JOB_PREFIX}{got}")).unwrap();
        }
    }
}
