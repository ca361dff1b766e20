//! `probe serve` and `probe run`: the commands that run inside the
//! cluster, over `crate::io::net`.

use std::path::Path;

use super::{RunArgs, ServeArgs};
use crate::cli::{Ctx, Outcome};
use crate::diag::{Diagnostic, Errors, FieldPath, Status, locate};
use crate::io::{self, net};
use crate::probe::{Matrix, Report};
use crate::report::{self, Format, Options};

pub fn serve(args: &ServeArgs, ctx: &mut Ctx<'_>) -> Outcome {
    let listening = match net::bind(&args.id, &args.ports, &args.bind) {
        Ok(l) => l,
        Err(e) => return Outcome::usage(e),
    };
    let mut text = String::new();
    for note in &listening.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    for line in listening.lines() {
        text.push_str(&line);
        text.push('\n');
    }
    if let Err(o) = ctx.emit(text.as_bytes()) {
        return o;
    }
    listening.serve(args.exit_after);
    Outcome::ok()
}

/// Reads and checks a matrix file: errors name the file, field and line.
fn read_matrix(path: &Path) -> Result<Matrix, Errors> {
    let (file, text) = if path.as_os_str() == "-" {
        let text = io::read_stdin()
            .map_err(|e| Diagnostic::error(format!("reading stdin: {e}")).in_file("stdin"))?;
        ("stdin".to_string(), text)
    } else {
        let file = path.display().to_string();
        let text =
            io::read_regular(path).map_err(|e| Diagnostic::error(e).in_file(file.clone()))?;
        (file, text)
    };
    let mut de = serde_json::Deserializer::from_str(&text);
    let matrix: Matrix = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = FieldPath::parse(&e.path().to_string());
        let text = e.inner().to_string();
        let message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        Diagnostic::error(message)
            .in_file(file.clone())
            .at_line(Some(e.inner().line()))
            .at_field(field)
    })?;
    let problems: Vec<Diagnostic> = matrix
        .problems()
        .into_iter()
        .map(|(field, message)| {
            let path = FieldPath::parse(&field);
            Diagnostic::error(message)
                .in_file(file.clone())
                .at_line(locate(&text, 0, &path.0))
                .at_field(path)
        })
        .collect();
    Errors::check(problems).map(|()| matrix)
}

pub fn run_checks(args: &RunArgs, ctx: &mut Ctx<'_>) -> Outcome {
    let matrix = match read_matrix(&args.matrix) {
        Ok(m) => m,
        Err(e) => return Outcome::io_failed(ctx, &e),
    };
    let checks: Vec<_> = match &args.source {
        None => matrix.checks.clone(),
        Some(s) => matrix
            .checks
            .iter()
            .filter(|c| &c.from == s)
            .cloned()
            .collect(),
    };
    if let (Some(s), true) = (&args.source, checks.is_empty()) {
        return Outcome::usage(format!(
            "--as {s}: the matrix has no checks from it (sources: {})",
            matrix.sources().join(", ")
        ));
    }
    let tuning = net::Tuning {
        timeout: args.timeout,
        attempts: args.attempts.max(1),
        wait: args.wait,
        parallel: args.parallel,
    };
    let seen = net::run(&matrix, &checks, &tuning);
    let report = Report::new(args.source.clone(), checks.into_iter().zip(seen).collect());
    if let Some(path) = &args.json {
        let mut bytes = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = report::probe::write(&report, Format::Json, &Options::default(), &mut bytes);
        if let Err(e) = std::fs::write(path, bytes) {
            return Outcome::usage(format!("{}: {e}", path.display()));
        }
    }
    let mut out = Vec::new();
    let _ = report::probe::write(&report, args.output, &Options::default(), &mut out);
    if let Err(o) = ctx.emit(&out) {
        return o;
    }
    Outcome {
        stderr: String::new(),
        status: Status::findings_if(!report.all_agree()),
    }
}
