//! The render pipeline: model -> templates -> policies -> verification.
//!
//! Pure: the loaded configuration and the template sources come in, typed
//! policies (or every problem found) come out.

pub mod collect;
pub mod templates;

use crate::diag::{Diagnostic, Errors};
use crate::diag::field::FieldPath;
use crate::k8s::NetworkPolicy;
use crate::load::Loaded;
use crate::model;
use crate::verify;

pub use templates::{Source, TemplateSet};

/// Renders and verifies a loaded configuration.
pub fn render(loaded: &Loaded, templates: &TemplateSet) -> Result<Vec<NetworkPolicy>, Errors> {
    let model = model::build(loaded)?;
    let rendered = templates::expand(templates, &model)?;
    let policies = collect::collect(&rendered, &model)?;
    let findings = verify::verify(&model, &policies);
    if findings.is_empty() {
        return Ok(policies);
    }
    let errors = findings
        .into_iter()
        .map(|f| match f.expect {
            Some(i) => loaded.error(FieldPath::keys(&["spec", "expect"]).index(i), f.message),
            None => {
                let (file, _) = loaded.locate(&FieldPath::keys(&["spec", "flows"]));
                Diagnostic::error(format!("verification failed: {}", f.message)).in_file(file)
            }
        })
        .collect();
    Err(Errors(errors))
}

/// The policies as a YAML stream.
pub fn to_yaml(policies: &[NetworkPolicy]) -> String {
    crate::k8s::yaml::to_stream(policies)
}
