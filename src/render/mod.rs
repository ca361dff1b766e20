//! Model -> templates -> typed policies.
//!
//! Pure: a validated model and the template sources come in, the policies
//! (or every problem found) come out, sorted by name. Verification is the
//! pipeline's next stage (`crate::verify`).

pub mod cilium;
pub mod collect;
mod context;
pub mod templates;
pub mod windows;

use std::sync::Arc;

use crate::diag::Errors;
use crate::k8s::NetworkPolicy;
use crate::model::Model;

pub use cilium::CiliumRendered;
pub use collect::Origins;
pub use templates::{Source, TemplateSet};

/// Renders the templates over the model and collects the policies, with
/// the template and document each came from.
pub fn render(
    model: &Arc<Model>,
    templates: &TemplateSet,
) -> Result<(Vec<NetworkPolicy>, Origins), Errors> {
    let rendered = templates::expand(templates, model)?;
    collect::collect(&rendered, model)
}

/// What a set renders: NetworkPolicies (kubernetes backend) or
/// CiliumNetworkPolicies (cilium backend), sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub policies: Vec<NetworkPolicy>,
    pub cilium: Vec<CiliumRendered>,
    pub origins: Origins,
}

impl Output {
    /// Every policy as the document emitted, in name order.
    pub fn documents(&self) -> Vec<serde_json::Value> {
        let mut docs: Vec<(String, serde_json::Value)> = self
            .policies
            .iter()
            .map(|p| {
                let v = serde_json::to_value(p).expect("a NetworkPolicy is plain data");
                (p.metadata.name.clone(), v)
            })
            .chain(
                self.cilium
                    .iter()
                    .map(|c| (c.name().to_string(), c.value.clone())),
            )
            .collect();
        docs.sort_by(|a, b| a.0.cmp(&b.0));
        docs.into_iter().map(|(_, v)| v).collect()
    }
}

/// Renders the templates of the model's backend over the model.
pub fn render_backend(model: &Arc<Model>, templates: &TemplateSet) -> Result<Output, Errors> {
    let rendered = templates::expand(templates, model)?;
    match model.backend {
        crate::spec::Backend::Kubernetes => {
            let (policies, origins) = collect::collect(&rendered, model)?;
            Ok(Output {
                policies,
                cilium: Vec::new(),
                origins,
            })
        }
        crate::spec::Backend::Cilium => {
            let (cilium, origins) = cilium::collect(&rendered, model)?;
            Ok(Output {
                policies: Vec::new(),
                cilium,
                origins,
            })
        }
    }
}
