//! Model -> templates -> typed policies.
//!
//! Pure: a validated model and the template sources come in, the policies
//! (or every problem found) come out, sorted by name. Verification is the
//! pipeline's next stage (`crate::verify`).

pub mod collect;
pub mod templates;
pub mod windows;

use crate::diag::Errors;
use crate::k8s::NetworkPolicy;
use crate::model::Model;

pub use collect::Origins;
pub use templates::{Source, TemplateSet};

/// Renders the templates over the model and collects the policies, with
/// the template and document each came from.
pub fn render(
    model: &Model,
    templates: &TemplateSet,
) -> Result<(Vec<NetworkPolicy>, Origins), Errors> {
    let rendered = templates::expand(templates, model)?;
    collect::collect(&rendered, model)
}
