//! The picture as Graphviz laid it out: the SVG `dot -Tsvg` made of
//! [`dot::for_layout`](crate::report::graph::dot::for_layout), made fit to
//! sit inside the page. The XML prolog, doctype and comments go (the
//! comments name the Graphviz version); the root becomes `svg#graph.dot`;
//! every node, cluster and edge group (`id` `n<i>` or `e<i>`) gets the
//! same classes and `data-*` attributes as on netpolgen's own layout, so
//! the script's clicks and filter work the same on both.

use super::svg::{edge_attrs, hit, node_attrs};
use crate::analyze::graph::Graph;

/// An SVG from dot, ready to inline; only [`prepare`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotSvg(String);

impl DotSvg {
    /// The `<svg>` element.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What may not appear in an inlined picture: nothing is fetched or run.
const FORBIDDEN: [&str; 6] = [
    "<script",
    "href",
    "<image",
    "<foreignobject",
    "<style",
    "@import",
];

/// Prepares dot's SVG of `g`, or says why it cannot be used.
pub fn prepare(g: &Graph, svg: &str) -> Result<DotSvg, String> {
    let svg = strip_comments(svg);
    let start = svg
        .find("<svg")
        .ok_or("dot's output holds no <svg> element")?;
    let svg = &svg[start..];
    let root_end = svg.find('>').ok_or("dot's <svg> tag does not end")? + 1;
    let root = &svg[..root_end];
    let body = svg[root_end..].trim_end();
    if !body.ends_with("</svg>") {
        return Err("dot's SVG does not end with </svg>".into());
    }
    let lower = body.to_ascii_lowercase();
    if let Some(bad) = FORBIDDEN.iter().find(|b| lower.contains(*b)) {
        return Err(format!(
            "dot's SVG holds {bad}, which the page does not inline"
        ));
    }
    let mut out = String::with_capacity(svg.len() + svg.len() / 2);
    out.push_str("<svg id=\"graph\" class=\"dot\" xmlns=\"http://www.w3.org/2000/svg\"");
    for name in ["width", "height", "viewBox"] {
        let value = attr(root, name).ok_or(format!("dot's <svg> has no {name}"))?;
        out.push_str(&format!(" {name}=\"{value}\""));
    }
    out.push('>');
    let (nodes, edges) = groups(g, body, &mut out)?;
    let missing_nodes = nodes.iter().filter(|seen| !**seen).count();
    let missing_edges = edges.iter().filter(|seen| !**seen).count();
    if missing_nodes + missing_edges > 0 {
        return Err(format!(
            "dot's SVG lacks {missing_nodes} node(s) and {missing_edges} edge(s) of the graph"
        ));
    }
    out.push('\n');
    Ok(DotSvg(out))
}

/// Copies `body` to `out`, each `<g id="n<i>">` and `<g id="e<i>">` tag
/// replaced by the page's attributes; returns which nodes and edges were
/// found.
fn groups(g: &Graph, body: &str, out: &mut String) -> Result<(Vec<bool>, Vec<bool>), String> {
    const OPEN: &str = "<g id=\"";
    let mut nodes = vec![false; g.nodes.len()];
    let mut edges = vec![false; g.edges.len()];
    let mut rest = body;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let tag_end = at
            + rest[at..]
                .find('>')
                .ok_or("dot's SVG has a <g> tag that does not end")?
            + 1;
        let tag = &rest[at..tag_end];
        let id = &tag[OPEN.len()..];
        let id = &id[..id.find('"').unwrap_or(0)];
        let index = |prefix: char| {
            id.strip_prefix(prefix)
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<usize>().ok())
        };
        match (index('n'), index('e')) {
            (Some(i), _) if i < nodes.len() => {
                if std::mem::replace(&mut nodes[i], true) {
                    return Err(format!("dot's SVG draws node {i} twice"));
                }
                out.push_str(&format!("<g{}>", node_attrs(g, i)));
            }
            (_, Some(k)) if k < edges.len() => {
                if std::mem::replace(&mut edges[k], true) {
                    return Err(format!("dot's SVG draws edge {k} twice"));
                }
                out.push_str(&format!("<g{}>", edge_attrs(g, k)));
                // The edge's curve is its first path; a wide invisible copy
                // makes it easy to click.
                let group = &rest[tag_end..];
                let group = &group[..group.find("</g>").unwrap_or(group.len())];
                if let Some(d) = group.find("<path").and_then(|p| attr(&group[p..], "d")) {
                    out.push_str(&hit(d));
                }
            }
            _ => out.push_str(tag),
        }
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    Ok((nodes, edges))
}

/// `text` without its `<!-- ... -->` comments (and the line break after
/// each).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("<!--") {
        out.push_str(&rest[..at]);
        match rest[at..].find("-->") {
            Some(end) => {
                rest = &rest[at + end + 3..];
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The value of attribute `name` in the first tag of `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let mut from = 0;
    while let Some(at) = tag[from..].find(name) {
        let at = from + at;
        let before = tag[..at].chars().next_back();
        let after = &tag[at + name.len()..];
        if before.is_some_and(char::is_whitespace)
            && let Some(v) = after.strip_prefix("=\"")
        {
            return v.find('"').map(|end| &v[..end]);
        }
        from = at + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analysis;
    use crate::analyze::graph::{Options, View};
    use crate::engine::Cluster;
    use crate::k8s::manifest::{from_docs, parse_text};

    /// `web` admits `lb` on 8080 in the isolated `shop`.
    const SHOP: &str = "\
kind: Pod\nmetadata: {name: lb, namespace: shop, labels: {app: lb}}\nspec: {containers: [{name: c}]}\n---
kind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}\n---
apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: lb-to-web, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {app: lb}}}], ports: [{port: 8080}]}]}\n";

    /// What dot makes of the graph: a group per node and edge, by id.
    fn fake_svg(g: &Graph, skip_edge: Option<usize>, extra: &str) -> String {
        let mut s = String::from(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"x\"\n \"http://www.w3.org/x.dtd\">\n<!-- Generated by graphviz version 9\n -->\n<svg width=\"100pt\" height=\"50pt\"\n viewBox=\"0.00 0.00 100.00 50.00\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<g id=\"graph0\" class=\"graph\">\n",
        );
        for i in 0..g.nodes.len() {
            s.push_str(&format!("<!-- n{i} -->\n<g id=\"n{i}\" class=\"node\"><title>x</title><path d=\"M0,0\"/></g>\n"));
        }
        for k in (0..g.edges.len()).filter(|k| Some(*k) != skip_edge) {
            s.push_str(&format!("<g id=\"e{k}\" class=\"edge\"><title>y</title><path fill=\"none\" d=\"M1,2C3,4 5,6 7,8\"/><polygon points=\"0,0\"/></g>\n"));
        }
        s.push_str(extra);
        s.push_str("</g>\n</svg>\n");
        s
    }

    fn with_graph(check: impl Fn(&Graph)) {
        let c = Cluster::from_manifests(&from_docs(&parse_text(SHOP, "t.yaml").unwrap()).unwrap());
        let a = Analysis::new(&c);
        let g = Graph::build(&[View::new(&a)], &["analysis"], &Options::default()).unwrap();
        assert!(!g.edges.is_empty());
        check(&g);
    }

    #[test]
    fn groups_get_the_pages_attributes_and_the_rest_goes() {
        with_graph(|g| {
            let svg = prepare(g, &fake_svg(g, None, "")).unwrap();
            let svg = svg.as_str();
            assert!(svg.starts_with("<svg id=\"graph\" class=\"dot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100pt\" height=\"50pt\" viewBox=\"0.00 0.00 100.00 50.00\">"), "{svg}");
            for gone in ["<?xml", "DOCTYPE", "<!--", "graphviz", "xlink", "id=\"n0\""] {
                assert!(!svg.contains(gone), "{gone} in {svg}");
            }
            assert!(
                svg.contains("<g id=\"graph0\" class=\"graph\">"),
                "other groups stay"
            );
            for i in 0..g.nodes.len() {
                assert!(
                    svg.contains(&format!("<g{}>", node_attrs(g, i))),
                    "node {i}"
                );
            }
            for k in 0..g.edges.len() {
                assert!(
                    svg.contains(&format!(
                        "<g{}>{}<title>",
                        edge_attrs(g, k),
                        hit("M1,2C3,4 5,6 7,8")
                    )),
                    "edge {k}: {svg}"
                );
            }
        });
    }

    #[test]
    fn a_missing_edge_or_a_script_is_refused() {
        with_graph(|g| {
            let err = prepare(g, &fake_svg(g, Some(0), "")).unwrap_err();
            assert_eq!(err, "dot's SVG lacks 0 node(s) and 1 edge(s) of the graph");
            let err = prepare(g, &fake_svg(g, None, "<script>x</script>")).unwrap_err();
            assert!(err.contains("<script"), "{err}");
            let err = prepare(g, &fake_svg(g, None, "<a xlink:href=\"http://x\"/>")).unwrap_err();
            assert!(err.contains("href"), "{err}");
            assert!(prepare(g, "digraph {}").is_err());
        });
    }

    #[test]
    fn attributes_are_found_by_whole_name() {
        let tag = "<svg width=\"10pt\" height=\"20pt\"\n viewBox=\"0 0 10 20\" xmlns=\"x\">";
        assert_eq!(attr(tag, "width"), Some("10pt"));
        assert_eq!(attr(tag, "height"), Some("20pt"));
        assert_eq!(attr(tag, "viewBox"), Some("0 0 10 20"));
        assert_eq!(attr("<path fill=\"none\" d=\"M1,2\"/>", "d"), Some("M1,2"));
        assert_eq!(attr("<path id=\"d\"/>", "d"), None);
    }

    #[test]
    fn comments_go_with_their_line_break() {
        assert_eq!(
            strip_comments("a<!-- Generated by graphviz\n -->\nb<!-- x -->c"),
            "abc"
        );
        assert_eq!(strip_comments("a<!-- open"), "a");
    }
}
