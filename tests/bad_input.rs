//! The bad-input corpus: every failing case under `tests/testdata/render/`
//! is a configuration with one defect. `tests/cases.rs` runs each as
//! `netpolgen render` (its `exit` and `stderr.contains` say what must come
//! out); here each also runs as a KRM function, where the output must be
//! a ResourceList with an error result and the input items unchanged.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The render cases that fail: a configuration with one defect each.
fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/render");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("exit").is_file() && p.join("netpolset.yaml").is_file())
        .collect();
    cases.sort();
    cases
}

#[test]
fn corpus_is_large_enough() {
    assert!(cases().len() >= 25, "only {} cases", cases().len());
}
#[test]
fn krm_mode_returns_the_items_with_error_results() {
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let config = std::fs::read_to_string(case.join("netpolset.yaml")).unwrap();
        if netpolgen::k8s::yaml::parse_documents(&config).is_err() {
            continue; // cannot be embedded as a functionConfig
        }
        let indented: String = config.lines().map(|l| format!("  {l}\n")).collect();
        let input = format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: keep}}\n  data: {{flag: \"on\"}}\nfunctionConfig:\n{indented}"
        );
        let out = Command::cargo_bin("netpolgen")
            .unwrap()
            .args(["--root", "."])
            .current_dir(&case)
            .write_stdin(input)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(1) {
            failures.push(format!("{name}: exit {:?}", out.status.code()));
        }
        let list: serde_json::Value = match netpolgen::k8s::yaml::parse(&stdout) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: stdout is not YAML: {e}\n{stdout}"));
                continue;
            }
        };
        if list["kind"] != "ResourceList" || list["items"].as_array().map(Vec::len) != Some(1) {
            failures.push(format!(
                "{name}: items not passed through unchanged:\n{stdout}"
            ));
        }
        if list["items"][0]["data"]["flag"] != "on" {
            failures.push(format!("{name}: item changed:\n{stdout}"));
        }
        let results = list["results"].as_array().cloned().unwrap_or_default();
        if !results.iter().any(|r| {
            r["severity"] == "error" && r["message"].as_str().is_some_and(|m| !m.is_empty())
        }) {
            failures.push(format!("{name}: no error result:\n{stdout}"));
        }
        if list.to_string().contains("\"kind\":\"NetworkPolicy\"") {
            failures.push(format!("{name}: partial output: a policy was emitted"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The mutation suite: `tests/testdata/render/mutation-*` are deliberately
/// wrong templates over one intent; `tests/cases.rs` runs them. Each must
/// fail verification naming the offending rule (or the open pod) and a
/// concrete counterexample.
#[test]
fn the_mutation_suite_has_twenty_ways_to_widen_and_each_is_caught() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/render");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let case = entry.unwrap().path();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("mutation-") {
            continue;
        }
        count += 1;
        let exit = std::fs::read_to_string(case.join("exit")).unwrap();
        assert_eq!(exit.trim(), "1", "{name}");
        let wanted = std::fs::read_to_string(case.join("stderr.contains")).unwrap();
        assert!(
            wanted.contains("verification failed: ")
                && (wanted.contains(", admitted by ")
                    || wanted.contains("is open: no policy isolates it")
                    || wanted.contains("is declared by flow")
                    // Cilium: the L7 and DNS rules, with the connection.
                    || wanted.contains("verification failed: L7 rules lifted: ")
                    || wanted.contains("verification failed: DNS proxy rule missing: ")
                    || wanted.contains("verification failed: HTTP rules differ: ")),
            "{name}: {wanted}"
        );
        assert!(
            wanted.contains(" -> "),
            "{name}: no counterexample in {wanted}"
        );
    }
    assert!(count >= 20, "only {count} mutations");
}
