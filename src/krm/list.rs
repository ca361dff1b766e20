//! Reading a ResourceList: any apiVersion, kind `ResourceList` (or `List`,
//! as kyaml accepts), `items` a list (absent or null: none), an optional
//! `functionConfig`.

use serde_json::{Map, Value};

use super::passthrough::Source;
use crate::diag::Diagnostic;
use crate::k8s::yaml;

/// How messages name the input.
pub const STDIN: &str = "stdin";

/// A parsed ResourceList and the source lines of its items.
#[derive(Debug, Clone)]
pub struct ResourceList {
    pub items: Vec<Value>,
    pub function_config: Option<Value>,
    /// How each item's text can come back unchanged.
    pub source: Source,
}

/// Parses one ResourceList text.
pub fn parse(input: &str) -> Result<ResourceList, Box<Diagnostic>> {
    let mut docs = yaml::parse_documents(input).map_err(|e| {
        Box::new(
            Diagnostic::error(format!("input is not valid YAML: {}", e.message))
                .in_file(STDIN)
                .at_line(e.line),
        )
    })?;
    if docs.len() != 1 {
        return Err(Box::new(
            Diagnostic::error(format!(
                "expected one ResourceList document on stdin, found {}",
                docs.len()
            ))
            .in_file(STDIN),
        ));
    }
    let Value::Object(mut list) = docs.remove(0) else {
        return Err(Box::new(
            Diagnostic::error("expected a ResourceList mapping on stdin").in_file(STDIN),
        ));
    };
    let kind = list
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("nothing");
    if kind != "ResourceList" && kind != "List" {
        return Err(Box::new(
            Diagnostic::error(format!(
                "expected kind ResourceList on stdin, found {kind:?}"
            ))
            .in_file(STDIN),
        ));
    }
    let items = match list.remove("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(Box::new(
                Diagnostic::error("ResourceList items must be a list").in_file(STDIN),
            ));
        }
    };
    Ok(ResourceList {
        items,
        function_config: function_config(&mut list),
        source: Source::of(input),
    })
}

fn function_config(list: &mut Map<String, Value>) -> Option<Value> {
    list.remove("functionConfig").filter(|c| !c.is_null())
}
