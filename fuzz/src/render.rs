//! `render`: an intent rendered from end to end, the proof as the oracle.
//! Never a panic; either the policies render and are proven (by the proof,
//! and again by the sampled check on a synthetic cluster), or the render
//! fails with error diagnostics that say what and where.
//!
//! The first byte picks the form of the rest: odd, the text of an intent,
//! then after NUL bytes the file name and text of a custom template in
//! `tpl/` (the form the seeds from `tests/testdata/render` take); even,
//! bytes from which [`super::intent`] builds a structured intent.

use std::path::Path;

use arbitrary::Unstructured;
use netpolgen::k8s::NetworkPolicy;
use netpolgen::k8s::yaml;
use netpolgen::model::Model;
use netpolgen::spec::Input;
use netpolgen::spec::files::Memory;
use netpolgen::{pipeline, proof, verify};

const FILE: &str = "netpolset.yaml";

pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (intent, template) = if mode % 2 == 1 {
        let parts = super::parts(rest, 3);
        let template = match parts.as_slice() {
            [_, name, text] => Some((
                super::text(name).into_owned(),
                super::text(text).into_owned(),
            )),
            _ => None,
        };
        (super::text(parts[0]).into_owned(), template)
    } else {
        let Ok((set, template)) = super::intent::intent(&mut Unstructured::new(rest)) else {
            return;
        };
        (yaml::to_string(&set), template)
    };
    render(&intent, template)
}

/// Renders `intent` (at the root) with `template` in `tpl/`, and checks.
pub fn render(intent: &str, template: Option<(String, String)>) {
    let mut files = Memory::default().with(FILE, intent);
    let shown = match &template {
        Some((name, text)) => format!("{intent}--- tpl/{name}:\n{text}"),
        None => intent.to_string(),
    };
    if let Some((name, text)) = template {
        // One plain file name in `tpl/`, as a template directory holds.
        let name: String = name.chars().filter(|c| !matches!(c, '/' | '\\')).collect();
        let name = match name.as_str() {
            "" | "." | ".." => "custom.yaml.j2".to_string(),
            _ => name,
        };
        files = files.with(Path::new("tpl").join(name), text);
    }
    let input = Input::read(&files, Path::new(FILE)).expect("the intent is held in memory");
    match pipeline::render_input(&files, input) {
        Ok(r) => {
            // Every state the windows can be in, each proven on its own.
            for (open, model, policies) in states(&r) {
                let proof = proof::prove(&model, &policies);
                assert!(
                    proof.is_proven(),
                    "rendered but not proven with windows {open:?} open: {:?}\n{shown}",
                    proof.violations
                );
                let findings = verify::verify(&model, &policies);
                assert!(
                    findings.is_empty(),
                    "proven, but the sampled check finds with windows {open:?} open: {}\n{shown}",
                    findings
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
        }
        Err(errors) => {
            super::check_errors(&errors, None);
            for d in &errors.0 {
                assert!(
                    d.file.is_some(),
                    "an error that names no file: {d:?}\n{shown}"
                );
            }
        }
    }
}

/// Each set of open windows (all closed first): the intent's flows of that
/// state and the NetworkPolicies in force (a Cilium render's translated).
fn states(r: &pipeline::Rendered) -> Vec<(Vec<String>, Model, Vec<NetworkPolicy>)> {
    let names: Vec<&String> = r.model.windows.keys().collect();
    (0..1u32 << names.len())
        .map(|mask| {
            let open: Vec<String> = (0..names.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| names[i].clone())
                .collect();
            let mut model = r.model.clone();
            model
                .flows
                .retain(|f| f.window.as_ref().is_none_or(|w| open.contains(w)));
            let mut policies = r.policies.clone();
            let mut cilium: Vec<_> = r.cilium.iter().map(|c| c.policy.clone()).collect();
            for w in &open {
                policies.extend(r.windows.get(w).into_iter().flatten().cloned());
                cilium.extend(
                    r.cilium_windows
                        .get(w)
                        .into_iter()
                        .flatten()
                        .map(|c| c.policy.clone()),
                );
            }
            policies.extend(proof::cilium::network_policies(&cilium, &model.namespace));
            policies.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
            (open, model, policies)
        })
        .collect()
}
