//! `resource_list`: a ResourceList through the KRM function and the
//! validator. Never a panic; the output is always a ResourceList; and
//! whenever the input is one, every input item comes out as it went in,
//! as an independent reader ([`super::tree`]) composes both: the same
//! scalars, with the same text and the same resolved tags.

use std::path::Path;

use netpolgen::krm;
use netpolgen::lint::FailOn;
use netpolgen::spec::files::Memory;

use super::tree;

/// The repository the functionConfig sees: the ALT_LAS base and the
/// built-in templates, so `base` and `templates` can resolve.
fn repository() -> Memory {
    Memory::default()
        .with(
            "base/netpolset.yaml",
            include_str!("../../base/netpolset.yaml"),
        )
        .with(
            "templates/default-deny.yaml.j2",
            include_str!("../../templates/default-deny.yaml.j2"),
        )
        .with(
            "templates/flows-ingress.yaml.j2",
            include_str!("../../templates/flows-ingress.yaml.j2"),
        )
        .with(
            "templates/flows-egress.yaml.j2",
            include_str!("../../templates/flows-egress.yaml.j2"),
        )
}

/// Where the function runs: relative paths resolve as from an overlay.
const DIR: &str = "overlays/env";

pub fn run(data: &[u8]) {
    let input = super::text(data);
    let files = repository();
    let processed = krm::process(&input, &files, Path::new(DIR));
    let (validated, _) = krm::validate(&input, FailOn::Error, Default::default());
    let parsed = krm::parse(&input);
    for (mode, out) in [
        ("function", &processed.stdout),
        ("validator", &validated.stdout),
    ] {
        let list = krm::parse(out)
            .unwrap_or_else(|e| panic!("the {mode} wrote no ResourceList ({e:?}):\n{out}"));
        let Ok(parsed) = &parsed else { continue };
        // What netpolgen reads back: the items, with rendered policies
        // replacing items of the same identity (the function only).
        assert!(
            list.items.len() >= parsed.items.len(),
            "the {mode} lost items:\n{out}"
        );
        for (i, (got, want)) in list.items.iter().zip(&parsed.items).enumerate() {
            let replaced = mode == "function" && want["kind"] == "NetworkPolicy";
            assert!(
                got == want || replaced,
                "the {mode} changed item {i}: {want} became {got}\n{out}"
            );
        }
        // Skipped where the independent reader rejects the input, or
        // counts other items than netpolgen does.
        let Some(want) = tree::items(&input).filter(|w| w.len() == parsed.items.len()) else {
            continue;
        };
        let got = tree::items(out).unwrap_or_else(|| {
            panic!("the independent reader takes the input but not the {mode}'s output:\n{out}")
        });
        assert!(got.len() >= want.len(), "the {mode} lost items:\n{out}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            if mode == "function" && parsed.items[i]["kind"] == "NetworkPolicy" {
                continue;
            }
            assert_eq!(g, w, "the {mode} changed item {i}:\n{out}");
        }
    }
}
