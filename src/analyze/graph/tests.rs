//! The picture on small clusters written as manifests: what collapses,
//! what counts as declared, what a focus keeps, what a diff colours.

use super::*;
use crate::analyze::Analysis;
use crate::engine::Cluster;
use crate::k8s::manifest::{from_docs, parse_text};

/// `web` and `db` in `shop` (ingress denied, db admits web on 5432),
/// `prom` in the open `monitoring`, two identical `batch` pods.
const SHOP: &str = "\
kind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}\n---
kind: Pod\nmetadata: {name: db, namespace: shop, labels: {app: db}}\nspec: {containers: [{name: c, ports: [{containerPort: 5432}, {containerPort: 9090}]}]}\n---
kind: Pod\nmetadata: {name: batch-1, namespace: jobs, labels: {app: batch}}\nspec: {containers: [{name: c}]}\n---
kind: Pod\nmetadata: {name: batch-2, namespace: jobs, labels: {app: batch}}\nspec: {containers: [{name: c}]}\n---
kind: Pod\nmetadata: {name: prom, namespace: monitoring, labels: {app: prom}}\nspec: {containers: [{name: c, ports: [{containerPort: 9090}]}]}\n---
apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n---
apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-to-db, namespace: shop}\nspec: {podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}, {from: [{namespaceSelector: {}}], ports: [{port: 9090}]}]}\n";

/// Lets everything into `web`: a hole in an isolated namespace.
const HOLE: &str = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-open, namespace: shop}\nspec: {podSelector: {matchLabels: {app: web}}, ingress: [{}]}\n";

fn cluster(text: &str) -> Cluster {
    Cluster::from_manifests(&from_docs(&parse_text(text, "t.yaml").unwrap()).unwrap())
}

/// Edges as `from -> to ports (declared|open) change`.
fn edges(g: &Graph) -> Vec<String> {
    g.edges
        .iter()
        .map(|e| {
            format!(
                "{} -> {} {} {} {}",
                g.nodes[e.from].id,
                g.nodes[e.to].id,
                if e.ports.is_full() {
                    "any".to_string()
                } else {
                    e.ports.to_string()
                },
                if e.declared { "declared" } else { "open" },
                e.change.name()
            )
        })
        .collect()
}

fn picture(text: &str, options: &Options) -> Graph {
    let c = cluster(text);
    let a = Analysis::new(&c);
    Graph::build(&[View::new(&a)], &["analysis"], options).unwrap()
}

#[test]
fn open_namespaces_are_one_node_and_their_open_traffic_is_not_drawn() {
    let g = picture(SHOP, &Options::default());
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "cluster:shop",
            "shop/db",
            "shop/web",
            "ns:jobs",
            "ns:monitoring",
            "external"
        ]
    );
    assert_eq!(
        g.nodes[3].lines,
        ["jobs", "open: nothing isolates it", "batch-1", "batch-2"]
    );
    assert_eq!(
        edges(&g),
        [
            "cluster:shop -> external any open unchanged",
            "external -> ns:jobs any open unchanged",
            "external -> ns:monitoring any open unchanged",
            "ns:jobs -> external any open unchanged",
            "ns:jobs -> shop/db 9090/TCP declared unchanged",
            "ns:monitoring -> external any open unchanged",
            "ns:monitoring -> shop/db 9090/TCP declared unchanged",
            "shop/db -> shop/db 9090/TCP declared unchanged",
            "shop/web -> shop/db 5432/TCP, 9090/TCP declared unchanged",
        ]
    );
}

#[test]
fn a_hole_in_an_isolated_namespace_is_drawn_open() {
    let g = picture(&format!("{SHOP}{HOLE}"), &Options::default());
    let e = edges(&g);
    // web admits everything: declared by its rule, so solid, from every node.
    assert!(
        e.contains(&"ns:monitoring -> shop/web 8080/TCP declared unchanged".to_string()),
        "{e:#?}"
    );
    // Without the rule, only ingress isolation decides: with the egress
    // view nothing is declared and nothing is isolated, so all collapses.
    let g = picture(
        SHOP,
        &Options {
            direction: Some(PolicyType::Egress),
            ..Options::default()
        },
    );
    assert!(
        g.nodes
            .iter()
            .all(|n| !matches!(n.kind, NodeKind::Class(_)))
    );
    assert_eq!(
        edges(&g),
        [
            "ns:jobs -> external any open unchanged",
            "ns:monitoring -> external any open unchanged",
            "ns:shop -> external any open unchanged",
        ]
    );
}

#[test]
fn a_focus_draws_its_namespace_in_full_with_the_open_traffic() {
    let options = Options {
        focus: Some("monitoring/prom".into()),
        ..Options::default()
    };
    let g = picture(SHOP, &options);
    assert_eq!(
        edges(&g),
        [
            "external -> monitoring/prom any open unchanged",
            "monitoring/prom -> external any open unchanged",
            "monitoring/prom -> monitoring/prom 9090/TCP open unchanged",
            "monitoring/prom -> shop/db 9090/TCP declared unchanged",
            "ns:jobs -> monitoring/prom 9090/TCP open unchanged",
            "shop/db -> monitoring/prom 9090/TCP open unchanged",
            "shop/web -> monitoring/prom 9090/TCP open unchanged",
        ]
    );
    let err = Graph::build(
        &[View::new(&Analysis::new(&cluster(SHOP)))],
        &["analysis"],
        &Options {
            focus: Some("monitoring/nope".into()),
            ..Options::default()
        },
    )
    .unwrap_err();
    assert!(
        err.starts_with("--focus \"monitoring/nope\": no workload"),
        "{err}"
    );
}

#[test]
fn ids_come_from_names_so_a_new_workload_renames_nothing() {
    let before = picture(SHOP, &Options::default());
    let more = "---\nkind: Pod\nmetadata: {name: aaa, namespace: shop, labels: {app: aaa}}\nspec: {containers: [{name: c}]}\n";
    let after = picture(&format!("{SHOP}{more}"), &Options::default());
    let ids = |g: &Graph| g.nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>();
    let (b, a) = (ids(&before), ids(&after));
    assert_eq!(a.len(), b.len() + 1);
    assert!(b.iter().all(|id| a.contains(id)));
    // Every edge stays as it was; the new one joins them.
    let (eb, ea) = (edges(&before), edges(&after));
    assert!(eb.iter().all(|e| ea.contains(e)), "{ea:#?}");
    assert_eq!(ea.len(), eb.len() + 1);
}

#[test]
fn a_diff_colours_by_side() {
    let (ca, cb) = (
        cluster(SHOP),
        cluster(&SHOP.replace("port: 5432", "port: 9090")),
    );
    let (aa, ab) = (Analysis::new(&ca), Analysis::new(&cb));
    let g = Graph::build(
        &[View::new(&aa), View::new(&ab)],
        &["a", "b"],
        &Options::default(),
    )
    .unwrap();
    let e = edges(&g);
    assert!(
        e.contains(&"shop/web -> shop/db 9090/TCP declared unchanged".to_string()),
        "{e:#?}"
    );
    assert!(
        e.contains(&"shop/web -> shop/db 5432/TCP declared removed".to_string()),
        "{e:#?}"
    );
    assert!(g.is_diff());
}

#[test]
fn identical_workloads_are_one_class() {
    let c = cluster(SHOP);
    let a = Analysis::new(&c);
    let (classes, _) = joint::classes(&[View::new(&a)]);
    let jobs: Vec<&Class> = classes.iter().filter(|c| c.namespace == "jobs").collect();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].members, ["batch-1", "batch-2"]);
    assert_eq!(jobs[0].id(), "jobs/batch-1");
}
