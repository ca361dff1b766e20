use super::*;
use crate::k8s::{IntOrString, PolicyPort};
use Protocol::*;

fn pp(protocol: Option<Protocol>, port: Option<IntOrString>, end: Option<i64>) -> PolicyPort {
    PolicyPort {
        protocol,
        port,
        end_port: end,
    }
}

fn num(n: i64) -> Option<IntOrString> {
    Some(IntOrString::Int(n))
}

fn name(n: &str) -> Option<IntOrString> {
    Some(IntOrString::String(n.to_string()))
}

fn matcher(list: &[PolicyPort]) -> PortMatcher {
    PortMatcher::new(Some(list))
}

fn service() -> BTreeMap<String, NamedPort> {
    BTreeMap::from([
        (
            "http".to_string(),
            NamedPort {
                port: 8080,
                protocol: TCP,
            },
        ),
        (
            "dns".to_string(),
            NamedPort {
                port: 53,
                protocol: UDP,
            },
        ),
    ])
}

fn numbers(items: &[(Protocol, u16, u16)]) -> Ports {
    let mut s = PortSet::empty();
    for &(p, lo, hi) in items {
        s.insert_all(&PortSet::range(p, lo, hi));
    }
    Ports::numbers(s)
}

fn names(items: &[(Protocol, &str)]) -> Ports {
    Ports {
        numbers: PortSet::empty(),
        names: items.iter().map(|(p, n)| (*p, n.to_string())).collect(),
    }
}

#[test]
fn rule_ports_per_destination() {
    let svc = service();
    let at = |list: &[PolicyPort], dest: Dest<'_>| admitted(&matcher(list), dest);
    // (entries, at the service, at a pod of no service, at an address)
    let cases: Vec<(Vec<PolicyPort>, Ports, Ports, Ports)> = vec![
        (
            vec![pp(None, num(80), None)],
            numbers(&[(TCP, 80, 80)]),
            numbers(&[(TCP, 80, 80)]),
            numbers(&[(TCP, 80, 80)]),
        ),
        (
            vec![pp(Some(UDP), num(8000), Some(8010))],
            numbers(&[(UDP, 8000, 8010)]),
            numbers(&[(UDP, 8000, 8010)]),
            numbers(&[(UDP, 8000, 8010)]),
        ),
        (
            vec![pp(Some(SCTP), None, None)],
            numbers(&[(SCTP, 1, 65535)]),
            numbers(&[(SCTP, 1, 65535)]),
            numbers(&[(SCTP, 1, 65535)]),
        ),
        (
            vec![pp(None, name("http"), None)],
            numbers(&[(TCP, 8080, 8080)]),
            names(&[(TCP, "http")]),
            Ports::empty(),
        ),
        // The protocol must match the container port's: dns is UDP.
        (
            vec![pp(None, name("dns"), None)],
            Ports::empty(),
            names(&[(TCP, "dns")]),
            Ports::empty(),
        ),
        (
            vec![pp(Some(UDP), name("dns"), None)],
            numbers(&[(UDP, 53, 53)]),
            names(&[(UDP, "dns")]),
            Ports::empty(),
        ),
        (
            vec![pp(None, name("missing"), None)],
            Ports::empty(),
            names(&[(TCP, "missing")]),
            Ports::empty(),
        ),
        (
            vec![pp(None, num(90), Some(80))],
            Ports::empty(),
            Ports::empty(),
            Ports::empty(),
        ),
        (vec![], Ports::all(), Ports::all(), Ports::all()),
    ];
    for (list, svc_want, pod_want, addr_want) in cases {
        assert_eq!(
            at(&list, Dest::Service(&svc)),
            svc_want,
            "{list:?} at service"
        );
        assert_eq!(at(&list, Dest::Pod), pod_want, "{list:?} at pod");
        assert_eq!(at(&list, Dest::Address), addr_want, "{list:?} at address");
    }
    assert_eq!(
        admitted(&PortMatcher::new(None), Dest::Address),
        Ports::all()
    );
    assert!(has_names(&matcher(&[pp(None, name("http"), None)])));
    assert!(!has_names(&matcher(&[pp(None, num(80), None)])));
}

#[test]
fn declared_ports_per_destination() {
    let svc = service();
    let protocols = BTreeMap::from([("http".to_string(), BTreeSet::from([TCP, UDP]))]);
    let specs = [
        PortRef::Named("http".into()),
        PortRef::Number {
            port: 9000,
            end: Some(9001),
            protocol: SCTP,
        },
    ];
    let mut at_service = numbers(&[(TCP, 8080, 8080), (SCTP, 9000, 9001)]);
    assert_eq!(
        declared(&specs, Dest::Service(&svc), &protocols),
        at_service
    );
    at_service = numbers(&[(SCTP, 9000, 9001)]);
    at_service.names = names(&[(TCP, "http"), (UDP, "http")]).names;
    assert_eq!(declared(&specs, Dest::Pod, &protocols), at_service);
    assert_eq!(
        declared(&specs, Dest::Address, &protocols),
        numbers(&[(SCTP, 9000, 9001)])
    );
}

#[test]
fn names_lie_inside_whole_protocols_only() {
    let http = Atom::Name(TCP, "http".into());
    assert!(names(&[(TCP, "http")]).contains(&http));
    assert!(!names(&[(UDP, "http")]).contains(&http));
    assert!(numbers(&[(TCP, 1, 65535)]).contains(&http));
    assert!(!numbers(&[(TCP, 1, 65534)]).contains(&http));
    assert!(Ports::all().contains(&http));
    // A number is never inside a name: the pod's port of that name is unknown.
    assert!(!names(&[(TCP, "http")]).contains(&Atom::Numbers(TCP, 8080, 8080)));
    let d = names(&[(TCP, "http"), (UDP, "dns")]).difference(&numbers(&[(TCP, 1, 65535)]));
    assert_eq!(d, names(&[(UDP, "dns")]));
    assert!(Ports::all().is_all() && !numbers(&[(TCP, 1, 65535)]).is_all());
}

#[test]
fn atoms_cut_at_every_boundary() {
    let a = numbers(&[(TCP, 1, 100)]);
    let b = numbers(&[(TCP, 50, 60), (TCP, 100, 200), (UDP, 53, 53)]);
    let c = names(&[(TCP, "http")]);
    let got = atoms([&a, &b, &c]);
    assert_eq!(
        got,
        vec![
            Atom::Numbers(TCP, 1, 49),
            Atom::Numbers(TCP, 50, 60),
            Atom::Numbers(TCP, 61, 99),
            Atom::Numbers(TCP, 100, 100),
            Atom::Numbers(TCP, 101, 200),
            Atom::Numbers(UDP, 53, 53),
            Atom::Name(TCP, "http".into()),
        ]
    );
    for atom in &got {
        for s in [&a, &b, &c] {
            let inside = s.contains(atom);
            let Atom::Numbers(p, lo, hi) = atom else {
                continue;
            };
            let touches = (*lo..=*hi).any(|x| s.numbers.contains(x, *p));
            assert_eq!(inside, touches, "{atom:?} is split by {s:?}");
        }
    }
    let everything = atoms([&Ports::all()]);
    assert_eq!(everything.len(), 3);
    assert!(atoms([&Ports::empty()]).is_empty());
}
