//! The documentation stays in step with the code it describes.

mod common;

use netpolgen::lint::Code;

/// `docs/lint.md` has one `### CODE name (severity)` heading per lint code,
/// in code order, and no heading for a code that does not exist.
#[test]
fn lint_docs_list_every_code() {
    let text = std::fs::read_to_string(common::repo().join("docs/lint.md")).unwrap();
    let headings: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .filter(|h| h.starts_with("NP"))
        .collect();
    let wanted: Vec<String> = Code::ALL
        .iter()
        .map(|c| format!("{} {} ({})", c.id(), c.name(), c.severity().as_str()))
        .collect();
    assert_eq!(headings, wanted);
}
