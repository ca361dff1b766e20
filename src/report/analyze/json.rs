//! `--output json`: the analyzer contract, one connection per line.
//!
//! ```json
//! {
//!   "workloads": ["ns/name", ...],
//!   "connections": [{"from": "ns/a", "to": "ns/b", "port": 80, "protocol": "TCP", "allowed": true}, ...],
//!   "external": [{"from": "external", "to": "ns/b", "addresses": "any", "ports": "any", "allowed": true, "rule": null}, ...]
//! }
//! ```
//!
//! `external` holds traffic between workloads and addresses outside the
//! cluster (see `crate::analyze::external`); `connections` is exactly the
//! contract's array. `fqdn`, present when a Cilium `toFQDNs` rule applies,
//! lists the names each workload may reach (addresses resolved at run
//! time). `skipped`, present when some input could not be read, lists each
//! file or document left out with the reason; `warnings`, present when
//! some input looks wrong (a window policy past its expiry), lists each in
//! the same shape, the reason as `message`.

use std::io::{self, Write};

use crate::analyze::Analysis;

use crate::report::{Options, ports_text};

/// A JSON string literal.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Streams the JSON document.
pub fn write_json(a: &Analysis<'_>, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let mut ids = vec![String::new(); a.cluster.workloads.len()];
    for &w in &a.order {
        ids[w] = quote(&a.id(w));
    }
    out.write_all(b"{\n  \"workloads\": [")?;
    for (i, &w) in a.order.iter().enumerate() {
        let sep = if i == 0 { "\n" } else { ",\n" };
        write!(out, "{sep}    {}", ids[w])?;
    }
    close(out, !a.order.is_empty())?;
    out.write_all(b",\n  \"connections\": [")?;
    let mut first = true;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    a.try_for_each_connection(|c| {
        if options.allowed_only && !c.allowed {
            return Ok(());
        }
        buf.extend_from_slice(if std::mem::take(&mut first) {
            b"\n"
        } else {
            b",\n"
        });
        connection(
            &mut buf,
            &ids[c.from],
            &ids[c.to],
            c.port,
            c.protocol.as_str(),
            c.allowed,
        );
        if buf.len() >= 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
        Ok::<(), io::Error>(())
    })?;
    out.write_all(&buf)?;
    close(out, !first)?;
    out.write_all(b",\n  \"external\": [")?;
    let mut first = true;
    for row in a.external() {
        if options.allowed_only && !row.allowed {
            continue;
        }
        let (from, to) = row.from_to(a);
        let rule = row
            .rule_text()
            .map_or_else(|| "null".to_string(), |r| quote(&r));
        let sep = if std::mem::take(&mut first) {
            "\n"
        } else {
            ",\n"
        };
        write!(
            out,
            "{sep}    {{\"from\": {}, \"to\": {}, \"addresses\": {}, \"ports\": {}, \"allowed\": {}, \"rule\": {rule}}}",
            quote(&from),
            quote(&to),
            quote(&row.addresses.to_string()),
            quote(&ports_text(&row.ports)),
            row.allowed,
        )?;
    }
    close(out, !first)?;
    let fqdn = a.fqdn();
    if !fqdn.is_empty() {
        out.write_all(b",\n  \"fqdn\": [")?;
        for (i, (w, g)) in fqdn.iter().enumerate() {
            let sep = if i == 0 { "\n" } else { ",\n" };
            let names = serde_json::to_string(&g.names).unwrap_or_else(|_| "[]".into());
            write!(
                out,
                "{sep}    {{\"from\": {}, \"names\": {names}, \"ports\": {}, \"rule\": {}, \"dependsOnDns\": true}}",
                quote(&a.id(*w)),
                quote(&ports_text(&g.ports)),
                quote(&g.rule.to_string()),
            )?;
        }
        close(out, true)?;
    }
    diagnostics(out, "skipped", "reason", &a.skipped)?;
    diagnostics(out, "warnings", "message", &a.warnings)?;
    out.write_all(b"\n}\n")
}

/// `"name": [{"file", "document", "line", "<text>"}]`, left out when empty.
fn diagnostics(
    out: &mut dyn Write,
    name: &str,
    text: &str,
    list: &[crate::diag::Diagnostic],
) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    write!(out, ",\n  \"{name}\": [")?;
    for (i, d) in list.iter().enumerate() {
        let sep = if i == 0 { "\n" } else { ",\n" };
        let line = d.line.map_or_else(|| "null".to_string(), |l| l.to_string());
        let doc = d
            .index
            .map_or_else(|| "null".to_string(), |i| (i + 1).to_string());
        write!(
            out,
            "{sep}    {{\"file\": {}, \"document\": {doc}, \"line\": {line}, \"{text}\": {}}}",
            quote(d.file.as_deref().unwrap_or_default()),
            quote(&match &d.field {
                Some(f) if !f.0.is_empty() => format!("{f}: {}", d.message),
                _ => d.message.clone(),
            }),
        )?;
    }
    close(out, true)
}

/// One line of the `connections` array, built without the formatting
/// machinery: this is the hot loop of the full JSON output.
fn connection(buf: &mut Vec<u8>, from: &str, to: &str, port: u16, protocol: &str, allowed: bool) {
    buf.extend_from_slice(b"    {\"from\": ");
    buf.extend_from_slice(from.as_bytes());
    buf.extend_from_slice(b", \"to\": ");
    buf.extend_from_slice(to.as_bytes());
    buf.extend_from_slice(b", \"port\": ");
    let mut digits = [0u8; 5];
    let mut n = port;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
    buf.extend_from_slice(b", \"protocol\": \"");
    buf.extend_from_slice(protocol.as_bytes());
    buf.extend_from_slice(if allowed {
        b"\", \"allowed\": true}"
    } else {
        b"\", \"allowed\": false}"
    });
}

fn close(out: &mut dyn Write, any: bool) -> io::Result<()> {
    out.write_all(if any { b"\n  ]" } else { b"]" })
}
