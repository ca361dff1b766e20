//! The rendered policies: a YAML stream (each document after `---`), or as
//! `kubectl get -o json` prints several objects, one `v1` `List`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Format, Options, unsupported};
use crate::k8s::yaml;
use crate::pipeline::Rendered;

/// The formats `render` writes.
pub const FORMATS: [Format; 2] = [Format::Yaml, Format::Json];

/// Writes `objects` in `format`.
pub fn write<T: Serialize + Sync>(
    objects: &[T],
    format: Format,
    _options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Yaml => yaml::stream_parts(objects)
            .iter()
            .try_for_each(|part| out.write_all(part.as_bytes())),
        Format::Json => super::json(
            &serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects}),
            out,
        ),
        other => Err(unsupported("policies", other)),
    }
}

/// Writes what a render writes: its policies, then the objects that open
/// and close its windows.
pub fn write_rendered(r: &Rendered, format: Format, out: &mut dyn Write) -> io::Result<()> {
    let options = Options::default();
    if r.machinery.is_empty() && r.cilium.is_empty() {
        write(&r.policies, format, &options, out)
    } else {
        write(&r.manifests(), format, &options, out)
    }
}

/// [`write_rendered`] into a string.
pub fn rendered(r: &Rendered, format: Format) -> String {
    if r.machinery.is_empty() && r.cilium.is_empty() {
        to_string(&r.policies, format)
    } else {
        to_string(&r.manifests(), format)
    }
}

/// [`write`] into a string.
pub fn to_string<T: Serialize + Sync>(objects: &[T], format: Format) -> String {
    if format == Format::Yaml {
        // The stream as written, not copied.
        return yaml::to_stream(objects);
    }
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and both formats are written.
    let _ = write(objects, format, &Options::default(), &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
