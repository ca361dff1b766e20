//! NP018: a maintenance window's policy still in the input after the
//! expiry its runner wrote (`netpolgen.io/window-expires`), so its
//! closing job did not run; or an expiry that is not a time.

use crate::diag::field::FieldPath;
use crate::k8s::expiry::EXPIRES;
use crate::lint::context::Ctx;
use crate::lint::{Code, Finding};

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let field = FieldPath::keys(&["metadata", "annotations", EXPIRES]);
    for s in &ctx.stale {
        out.push(Finding {
            code: Code::WindowExpired,
            severity: Code::WindowExpired.severity(),
            message: s.stale.message(),
            file: s.file.clone(),
            index: s.index,
            line: None,
            field: field.clone(),
            resource: s.resource.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::Code;
    use crate::lint::rules::testutil::{findings, table};

    fn window_policy(kind: &str, expires: &str) -> String {
        format!(
            "---\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: allow-x\n  namespace: shop\n  annotations: {{netpolgen.io/window-expires: {expires}}}\nspec: {{podSelector: {{}}}}\n"
        )
    }

    const FIELD: &str = "metadata.annotations[\"netpolgen.io/window-expires\"]";

    #[test]
    fn expired_future_and_unreadable() {
        table(
            Code::WindowExpired,
            &[
                (
                    "expired",
                    &window_policy("NetworkPolicy", "2026-12-05T04:00:00Z"),
                    &[FIELD],
                ),
                (
                    "at the moment",
                    &window_policy("NetworkPolicy", "2026-12-05T05:00:00Z"),
                    &[],
                ),
                (
                    "ahead",
                    &window_policy("NetworkPolicy", "2026-12-05T06:00:00Z"),
                    &[],
                ),
                (
                    "cilium",
                    &window_policy("CiliumNetworkPolicy", "2026-12-01T00:00:00Z"),
                    &[FIELD],
                ),
                (
                    "unreadable",
                    &window_policy("NetworkPolicy", "soon"),
                    &[FIELD],
                ),
                ("other kind", &window_policy("ConfigMap", "soon"), &[]),
            ],
        );
        let got = findings(&window_policy("NetworkPolicy", "soon"), Code::WindowExpired);
        assert!(
            got[0].1.contains("allow-x") && got[0].1.contains("\"soon\""),
            "{got:?}"
        );
    }
}
