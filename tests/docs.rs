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

/// The README stays short; the rest lives in docs/, and every page it
/// links exists.
#[test]
fn readme_is_short_and_links_its_docs() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    assert!(
        readme.lines().count() <= 300,
        "README.md is {} lines",
        readme.lines().count()
    );
    let mut linked = 0;
    for (i, _) in readme.match_indices("](docs/") {
        let rest = &readme[i + 2..];
        let path = &rest[..rest.find([')', '#']).unwrap()];
        assert!(
            common::repo().join(path).is_file(),
            "README links {path}, which is missing"
        );
        linked += 1;
    }
    assert!(linked >= 7, "only {linked} links to docs/");
}
