//! A structured NetworkPolicySet from unstructured bytes: services, groups,
//! peers (namespace, namespace selector, pod selector, cidr and except),
//! flows with ports, defaultDeny and expectations. Names and labels are
//! drawn mostly from a small vocabulary, so references resolve and
//! selectors overlap often enough to matter; now and then any text.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Value, json};

const SERVICES: [&str; 5] = ["web", "api", "db", "cache", "worker"];
const GROUPS: [&str; 3] = ["backends", "frontends", "all"];
const PEERS: [&str; 5] = ["lb", "prometheus", "payments", "team", "internet"];
const LABEL_KEYS: [&str; 6] = [
    "app",
    "tier",
    "app.kubernetes.io/component",
    "team",
    "env",
    "kubernetes.io/metadata.name",
];
const LABEL_VALUES: [&str; 8] = ["web", "api", "db", "be", "fe", "x", "prod", ""];
const NAMESPACES: [&str; 6] = ["shop", "ingress", "monitoring", "kube-system", "other", ""];
const PORT_NAMES: [&str; 5] = ["http", "metrics", "sql", "dns", "grpc"];
const CIDRS: [&str; 10] = [
    "10.0.0.0/8",
    "10.1.0.0/16",
    "0.0.0.0/0",
    "192.0.2.0/24",
    "192.0.2.128/25",
    "192.0.2.1/32",
    "2001:db8::/32",
    "::/0",
    "10.0.0.1",
    "300.0.0.0/8",
];

/// The intent as a JSON value, and a custom template (file name, text)
/// when the bytes ask for one (the intent then names `tpl`).
pub fn intent(u: &mut Unstructured) -> Result<(Value, Option<(String, String)>)> {
    let mut spec = Map::new();
    spec.insert(
        "environment".into(),
        json!(word(u, &["prod", "dev", "test"])?),
    );
    spec.insert("namespace".into(), json!(word(u, &NAMESPACES)?));
    if u.ratio(1, 8)? {
        spec.insert("nameSuffix".into(), json!(word(u, &["", "-x", "-prod"])?));
    }
    if u.ratio(1, 4)? {
        spec.insert("labels".into(), labels(u)?);
    }
    if u.ratio(3, 4)? {
        let mut deny = Vec::new();
        for _ in 0..u.int_in_range(0..=2)? {
            deny.push(json!(word(u, &["Ingress", "Egress"])?));
        }
        spec.insert("defaultDeny".into(), Value::Array(deny));
    }

    let mut services = Map::new();
    for _ in 0..u.int_in_range(0..=4)? {
        let name = word(u, &SERVICES)?;
        let mut s = Map::new();
        s.insert("labels".into(), labels(u)?);
        if u.ratio(1, 3)? {
            s.insert("selector".into(), labels(u)?);
        }
        let mut ports = Map::new();
        for _ in 0..u.int_in_range(0..=3)? {
            ports.insert(word(u, &PORT_NAMES)?, port(u, false)?);
        }
        s.insert("ports".into(), Value::Object(ports));
        services.insert(name, Value::Object(s));
    }
    spec.insert("services".into(), Value::Object(services));

    let mut groups = Map::new();
    for _ in 0..u.int_in_range(0..=2)? {
        groups.insert(word(u, &GROUPS)?, json!({"selector": labels(u)?}));
    }
    spec.insert("groups".into(), Value::Object(groups));

    let mut peers = Map::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let name = word(u, &PEERS)?;
        let mut p = Map::new();
        if u.ratio(1, 2)? {
            p.insert("namespace".into(), json!(word(u, &NAMESPACES)?));
        }
        if u.ratio(1, 4)? {
            p.insert("namespaceSelector".into(), labels(u)?);
        }
        if u.ratio(1, 2)? {
            p.insert("selector".into(), labels(u)?);
        }
        if u.ratio(1, 3)? {
            p.insert("cidr".into(), json!(word(u, &CIDRS)?));
            let mut except = Vec::new();
            for _ in 0..u.int_in_range(0..=2)? {
                except.push(json!(word(u, &CIDRS)?));
            }
            p.insert("except".into(), Value::Array(except));
        }
        peers.insert(name, Value::Object(p));
    }
    spec.insert("peers".into(), Value::Object(peers));

    let ends: Vec<&str> = SERVICES
        .iter()
        .chain(&GROUPS)
        .chain(&PEERS)
        .chain(&["*"])
        .copied()
        .collect();
    let mut flows = Map::new();
    for i in 0..u.int_in_range(0..=5)? {
        let from = word(u, &ends)?;
        let to = word(u, &ends)?;
        let mut ports = Vec::new();
        for _ in 0..u.int_in_range(0..=3)? {
            ports.push(port(u, true)?);
        }
        flows.insert(
            format!("f{i}"),
            json!({"from": from, "to": to, "ports": ports}),
        );
    }
    spec.insert("flows".into(), Value::Object(flows));

    if u.ratio(1, 4)? {
        let mut expect = Vec::new();
        for _ in 0..u.int_in_range(1..=2)? {
            expect.push(json!({
                "from": word(u, &ends)?,
                "to": word(u, &ends)?,
                "port": port(u, true)?,
                "allowed": u.arbitrary::<bool>()?,
            }));
        }
        spec.insert("expect".into(), Value::Array(expect));
    }

    let template = if u.ratio(1, 8)? {
        let name = word(
            u,
            &[
                "flows-ingress.yaml.j2",
                "flows-egress.yaml.j2",
                "default-deny.yaml.j2",
                "custom.yaml.j2",
            ],
        )?;
        spec.insert("templates".into(), json!(["tpl"]));
        Some((name, u.arbitrary::<String>()?))
    } else {
        None
    };
    let set = json!({
        "apiVersion": "netpolgen.io/v1alpha1",
        "kind": "NetworkPolicySet",
        "metadata": {"name": "fuzz"},
        "spec": spec,
    });
    Ok((set, template))
}

/// One of `words`, or rarely any text.
fn word(u: &mut Unstructured, words: &[&str]) -> Result<String> {
    if u.ratio(1, 32)? {
        return u.arbitrary::<String>();
    }
    Ok(u.choose(words)?.to_string())
}

fn labels(u: &mut Unstructured) -> Result<Value> {
    let mut m = Map::new();
    for _ in 0..u.int_in_range(0..=3)? {
        m.insert(word(u, &LABEL_KEYS)?, json!(word(u, &LABEL_VALUES)?));
    }
    Ok(Value::Object(m))
}

/// A port as a service declares it (`named` false) or as a flow names it.
fn port(u: &mut Unstructured, named: bool) -> Result<Value> {
    let base = *u.choose(&[53u16, 80, 443, 5432, 8000, 8080, 9090])?;
    Ok(match u.int_in_range(0..=7)? {
        0 | 1 => json!(base),
        2 => json!(format!(
            "{base}/{}",
            word(u, &["UDP", "TCP", "SCTP", "udp"])?
        )),
        3 => {
            let end = base.saturating_add(u.int_in_range(0..=10)?);
            json!(format!("{base}-{end}/TCP"))
        }
        4 if named => json!(word(u, &PORT_NAMES)?),
        5 => json!(u.arbitrary::<i64>()?),
        6 => json!(u.arbitrary::<u16>()?),
        _ => json!(word(u, &PORT_NAMES)?),
    })
}
