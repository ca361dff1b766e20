//! The model as templates see it: the same keys, values and order as the
//! model converted through serde (`minijinja::value::Serde`), but built on
//! access instead of up front. A field of the model is converted the first
//! time a template reads it; a flow, its ends and their parts only when a
//! template reaches them, and `toyaml` writes a flow's selectors, peers and
//! ports straight from the model without converting them at all.

use std::fmt;
use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr, Serde};

use crate::model::{End, Flow, Model};

/// The context every template is rendered with.
pub fn context(model: &Arc<Model>) -> Value {
    Value::from_object(Root {
        model: Arc::clone(model),
        fields: Default::default(),
    })
}

/// The model's fields in the order serde writes them (`expects` is skipped).
const ROOT: [&str; 14] = [
    "name",
    "env",
    "namespace",
    "suffix",
    "backend",
    "labels",
    "annotations",
    "default_deny",
    "services",
    "groups",
    "peers",
    "flows",
    "windows",
    "values",
];

struct Root {
    model: Arc<Model>,
    fields: [OnceLock<Value>; ROOT.len()],
}

impl Root {
    fn convert(&self, i: usize) -> Value {
        let m = &*self.model;
        match ROOT[i] {
            "name" => Value::from(m.name.as_str()),
            "env" => Value::from(m.env.as_str()),
            "namespace" => Value::from(m.namespace.as_str()),
            "suffix" => Value::from(m.suffix.as_str()),
            "backend" => Value::from(m.backend.as_str()),
            "labels" => Value::from(Serde(&m.labels)),
            "annotations" => Value::from(Serde(&m.annotations)),
            "default_deny" => Value::from(Serde(&m.default_deny)),
            "services" => Value::from(Serde(&m.services)),
            "groups" => Value::from(Serde(&m.groups)),
            "peers" => Value::from(Serde(&m.peers)),
            "flows" => Value::from_object(Flows(Arc::clone(&self.model))),
            "windows" => Value::from(Serde(&m.windows)),
            _ => Value::from(Serde(&m.values)),
        }
    }
}

impl Object for Root {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let i = ROOT.iter().position(|k| *k == key)?;
        Some(self.fields[i].get_or_init(|| self.convert(i)).clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&ROOT)
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(ROOT.len())
    }
}

impl fmt::Debug for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Value::from(Serde(&*self.model)), f)
    }
}

/// `flows`: a sequence whose items are built when read.
struct Flows(Arc<Model>);

impl Object for Flows {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let i = key.as_usize()?;
        (i < self.0.flows.len()).then(|| {
            Value::from_object(FlowItem {
                model: Arc::clone(&self.0),
                i,
            })
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.flows.len())
    }
}

impl fmt::Debug for Flows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Value::from(Serde(&self.0.flows)), f)
    }
}

/// A flow's fields as serde writes them (`port_specs` is skipped).
const FLOW: [&str; 10] = [
    "id",
    "from",
    "to",
    "ports",
    "ingressName",
    "egressName",
    "dns",
    "http",
    "cilium",
    "window",
];
/// An end's fields.
const END: [&str; 3] = ["target", "selector", "peer"];

/// Flow `i` of the model.
struct FlowItem {
    model: Arc<Model>,
    i: usize,
}

impl FlowItem {
    fn flow(&self) -> &Flow {
        &self.model.flows[self.i]
    }
}

fn optional(s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::from(()), Value::from)
}

impl Object for FlowItem {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let f = self.flow();
        let end = |to: bool| {
            Value::from_object(EndItem {
                model: Arc::clone(&self.model),
                i: self.i,
                to,
            })
        };
        Some(match key {
            "id" => Value::from(f.id.as_str()),
            "from" => end(false),
            "to" => end(true),
            "ports" => Part::value(&self.model, self.i, Which::Ports),
            "ingressName" => optional(&f.ingress_name),
            "egressName" => optional(&f.egress_name),
            "dns" => Value::from(f.dns),
            "http" => Value::from(Serde(&f.http)),
            "cilium" => Value::from(Serde(&f.cilium)),
            "window" => optional(&f.window),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&FLOW)
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(FLOW.len())
    }
}

impl fmt::Debug for FlowItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Value::from(Serde(self.flow())), f)
    }
}

/// The source (`to: false`) or destination of flow `i`.
struct EndItem {
    model: Arc<Model>,
    i: usize,
    to: bool,
}

impl EndItem {
    fn end(&self) -> &End {
        end(&self.model.flows[self.i], self.to)
    }
}

fn end(flow: &Flow, to: bool) -> &End {
    if to { &flow.to } else { &flow.from }
}

impl Object for EndItem {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let e = self.end();
        Some(match key {
            "target" => Value::from(Serde(&e.target)),
            "selector" if e.selector.is_none() => Value::from(()),
            "selector" => Part::value(&self.model, self.i, Which::Selector(self.to)),
            "peer" => Part::value(&self.model, self.i, Which::Peer(self.to)),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&END)
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(END.len())
    }
}

impl fmt::Debug for EndItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Value::from(Serde(self.end())), f)
    }
}

/// Which part of a flow a [`Part`] is.
#[derive(Debug, Clone, Copy)]
enum Which {
    /// The selector of the destination (`true`) or source; never `None`.
    Selector(bool),
    Peer(bool),
    Ports,
}

/// A selector, peer or port list of a flow: converted on first access,
/// written by `toyaml` from the model itself.
pub struct Part {
    model: Arc<Model>,
    i: usize,
    which: Which,
    value: OnceLock<Value>,
}

impl Part {
    fn value(model: &Arc<Model>, i: usize, which: Which) -> Value {
        Value::from_object(Part {
            model: Arc::clone(model),
            i,
            which,
            value: OnceLock::new(),
        })
    }

    /// Calls `f` with the part as the model holds it.
    fn with<R>(&self, f: impl FnOnce(&dyn Typed) -> R) -> R {
        let flow = &self.model.flows[self.i];
        match self.which {
            Which::Selector(to) => f(&end(flow, to).selector),
            Which::Peer(to) => f(&end(flow, to).peer),
            Which::Ports => f(&flow.ports),
        }
    }

    /// The part as YAML, written from the model; `None` where the fast
    /// writer gives up.
    pub fn yaml(&self) -> Option<String> {
        let mut out = String::new();
        self.with(|p| p.append_yaml(&mut out)).then_some(out)
    }

    /// The part converted, as the whole model would have been.
    pub fn converted(&self) -> &Value {
        self.value.get_or_init(|| self.with(|p| p.to_value()))
    }

    fn inner(&self) -> &minijinja::value::DynObject {
        self.converted()
            .as_object()
            .expect("selectors, peers and port lists convert to objects")
    }
}

/// The typed parts a [`Part`] stands for, behind one interface.
trait Typed {
    /// Appends the part as YAML, or `false` for the slow path.
    fn append_yaml(&self, out: &mut String) -> bool;
    fn to_value(&self) -> Value;
}

impl<T: serde::Serialize> Typed for T {
    fn append_yaml(&self, out: &mut String) -> bool {
        crate::k8s::yaml::emit::append(out, self)
    }
    fn to_value(&self) -> Value {
        Value::from(Serde(self))
    }
}

impl Object for Part {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        self.inner().repr()
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.inner().get_value(key)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        self.inner().get_value_by_str(key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.inner().enumerate()
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        self.inner().enumerator_len()
    }

    fn is_true(self: &Arc<Self>) -> bool {
        self.inner().is_true()
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner().render(f)
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{self, NetworkPolicySet};

    fn model() -> Arc<Model> {
        let text = "apiVersion: netpolgen.io/v1alpha1\nkind: NetworkPolicySet\nmetadata: {name: t}\nspec:\n  environment: dev\n  namespace: ns\n  labels: {team: a}\n  defaultDeny: [Ingress, Egress]\n  services:\n    web: {labels: {app: web}, ports: {http: 80}}\n    db: {labels: {app: db, tier: data}, ports: {sql: 5432}}\n  groups:\n    data: {selector: {tier: data}}\n  peers:\n    lb: {namespace: lb, selector: {app: lb}}\n    net: {cidr: 10.0.0.0/8}\n  flows:\n    a: {from: lb, to: web, ports: [http]}\n    b: {from: web, to: data, ports: [sql]}\n    c: {from: '*', to: net, ports: [443]}\n  values: {x: [1, 2]}\n";
        let set: NetworkPolicySet = crate::k8s::yaml::parse(text).unwrap();
        let _ = spec::API_VERSION;
        Arc::new(crate::model::build(&set).unwrap())
    }

    /// Every value, reached any way a template can, is the one the eager
    /// conversion gives.
    #[test]
    fn the_lazy_context_is_the_converted_model() {
        let m = model();
        let eager = Value::from(Serde(&*m));
        let lazy = context(&m);
        assert_eq!(lazy, eager);
        assert_eq!(
            serde_json::to_value(&lazy).unwrap(),
            serde_json::to_value(&eager).unwrap()
        );
        let env = minijinja::Environment::new();
        for expr in [
            "flows",
            "flows[1].to",
            "flows[-1]",
            "flows | length",
            "flows | reverse | list",
            "flows[0].from.peer",
            "flows[0].ports[0]",
            "flows[2].to.selector",
            "flows[1].to.selector.matchLabels",
            "flows[0] | list",
            "flows[0].to.peer | items | list",
            "flows[0].ports | first",
            "flows[1].from.selector is mapping",
            "flows[0].ports is sequence",
            "flows[0].from.selector is none",
            "services.db.labels",
            "backend",
            "flows[0].http",
            "flows[0].cilium",
            "default_deny",
            "values.x",
        ] {
            let e = env.compile_expression(expr).unwrap();
            let (want, got) = (e.eval(&eager).unwrap(), e.eval(&lazy).unwrap());
            assert_eq!(got, want, "{expr}");
            assert_eq!(got.to_string(), want.to_string(), "{expr}");
            assert_eq!(got.is_true(), want.is_true(), "{expr}");
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{expr}");
        }
    }
}
