//! Errors and warnings for a person: each headed `error: field: message`,
//! with the file, line and source line under it where known.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use crate::diag::{Diagnostic, Errors, Severity};

/// Writes every diagnostic; `color` styles the headings and the marks.
pub fn write(diagnostics: &[Diagnostic], color: bool, out: &mut dyn Write) -> io::Result<()> {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for d in diagnostics {
        let (Some(file), Some(line), Some(source)) = (&d.file, d.line, &d.source) else {
            writeln!(out, "{}: {d}", d.severity.as_str())?;
            continue;
        };
        let title = match d.field.as_ref().filter(|f| !f.0.is_empty()) {
            Some(field) => format!("{field}: {}", d.message),
            None => d.message.clone(),
        };
        let start = source.len() - source.trim_start().len();
        let end = source.trim_end().len().max(start);
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Info => Level::INFO,
        };
        let report = [level.primary_title(title).element(
            Snippet::source(source.as_str())
                .line_start(line)
                .path(file.as_str())
                .annotation(AnnotationKind::Primary.span(start..end)),
        )];
        writeln!(out, "{}", renderer.render(&report))?;
    }
    Ok(())
}

/// [`write`] into a string.
pub fn to_string(errors: &Errors, color: bool) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(&errors.0, color, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FieldPath;

    #[test]
    fn errors_show_the_source_line() {
        let text = "a: 1\nspec:\n  flows:\n    x: {from: nope}\n";
        let d = Diagnostic::error("\"nope\" is not a service")
            .in_file("n.yaml")
            .at_line(Some(4))
            .at_field(FieldPath::parse("spec.flows.x.from"))
            .with_source_from(text);
        let report = to_string(&Errors::one(d), false);
        assert!(
            report.starts_with("error: spec.flows.x.from: \"nope\" is not a service\n"),
            "{report}"
        );
        assert!(report.contains("--> n.yaml:4:5"), "{report}");
        assert!(report.contains("4 |     x: {from: nope}"), "{report}");
        assert!(report.contains("^^^^^^^^^^^^^^^"), "{report}");
        // Without a source line it is the one-line form.
        let plain = to_string(
            &Errors::one(Diagnostic::error("boom").in_file("f.yaml")),
            false,
        );
        assert_eq!(plain, "error: f.yaml: boom\n");
        // Colour only when asked.
        let d = Diagnostic::error("x")
            .in_file("f")
            .at_line(Some(1))
            .with_source_from("a");
        assert!(!to_string(&Errors::one(d.clone()), false).contains('\u{1b}'));
        assert!(to_string(&Errors::one(d), true).contains('\u{1b}'));
    }
}
