//! Cutting a YAML stream into parts, one per core, at document markers.

/// The text cut into about one part per core, each cut just before a
/// `---` line.
pub fn split_documents(text: &str) -> Vec<&str> {
    let cores = crate::parallel::cores();
    let mut parts = Vec::new();
    let mut rest = text;
    for i in (1..cores).rev() {
        let target = rest.len() / (i + 1);
        let Some(at) = rest[target..].find("\n---").map(|p| target + p + 1) else {
            break;
        };
        let marker = &rest[at + 3..];
        if !(marker.is_empty() || marker.starts_with(['\n', ' ', '\r'])) {
            break;
        }
        parts.push(&rest[..at]);
        rest = &rest[at..];
    }
    parts.push(rest);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_cut_only_at_markers() {
        let text = "---\na: 1\n".repeat(1000);
        let parts = split_documents(&text);
        assert_eq!(parts.concat(), text);
        for p in &parts {
            assert!(p.starts_with("---\n"), "{p:.20}");
        }
    }
}
