//! The name and label rules the Kubernetes API server enforces, so a bad
//! value fails here, with its field, instead of at `kubectl apply`.

/// RFC 1123 label: lowercase alphanumerics and `-`, at most 63, alphanumeric ends.
pub fn dns1123_label(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 63 {
        return Err(format!("{s:?} must be 1 to 63 characters"));
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !s.chars().all(ok_char) || !s.starts_with(alnum) || !s.ends_with(alnum) {
        return Err(format!(
            "{s:?} must be lowercase letters, digits and '-', starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err(format!("{s:?} must be 1 to 253 characters"));
    }
    for part in s.split('.') {
        dns1123_label(part).map_err(|_| {
            format!("{s:?} must be lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit")
        })?;
    }
    Ok(())
}

/// A label key: optional DNS subdomain prefix and `/`, then a name of at
/// most 63 characters: alphanumerics, `-`, `_`, `.`, alphanumeric ends.
pub fn label_key(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(prefix) = prefix {
        dns1123_subdomain(prefix).map_err(|e| format!("label key prefix: {e}"))?;
    }
    if name.is_empty() || name.len() > 63 || !qualified_chars(name) {
        return Err(format!(
            "label key {s:?}: the name part must be 1 to 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// A label value: empty, or like a label key's name part.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    if s.len() > 63 || !qualified_chars(s) {
        return Err(format!(
            "label value {s:?} must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// A container port name (IANA_SVC_NAME): at most 15 lowercase
/// alphanumerics and `-`, at least one letter, no `--`, alphanumeric ends.
pub fn port_name(s: &str) -> Result<(), String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let valid = !s.is_empty()
        && s.len() <= 15
        && s.chars().all(|c| alnum(c) || c == '-')
        && s.chars().any(|c| c.is_ascii_lowercase())
        && !s.contains("--")
        && s.starts_with(alnum)
        && s.ends_with(alnum);
    if valid {
        Ok(())
    } else {
        Err(format!(
            "port name {s:?} must be 1 to 15 lowercase letters, digits and single '-', with at least one letter"
        ))
    }
}

fn qualified_chars(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    s.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
        && s.starts_with(alnum)
        && s.ends_with(alnum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_api_server() {
        for ok in [
            "app",
            "app.kubernetes.io/name",
            "kubernetes.io/metadata.name",
            "a_b-c.d",
        ] {
            assert!(label_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-app",
            "app-",
            "Bad_Prefix/x",
            "a/b/c",
            &"x".repeat(64),
            "has space",
        ] {
            assert!(label_key(bad).is_err(), "{bad}");
        }
        for ok in ["", "prod", "v1.2_3", "Prod"] {
            assert!(label_value(ok).is_ok(), "{ok}");
        }
        for bad in ["-x", "x-", "a b", &"v".repeat(64)] {
            assert!(label_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_follow_the_api_server() {
        assert!(dns1123_label("alt-las-prod").is_ok());
        assert!(dns1123_label("Alt").is_err());
        assert!(dns1123_label("a_b").is_err());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
        assert!(dns1123_subdomain("allow-x.y").is_ok());
        assert!(dns1123_subdomain("allow-.x").is_err());
        assert!(port_name("metrics").is_ok());
        assert!(port_name("http-2").is_ok());
        assert!(port_name("8080").is_err());
        assert!(port_name("a--b").is_err());
        assert!(port_name("averyveryverylongname").is_err());
    }
}
