//! scamper `tracelb` records read from warts and from JSON, against scamper's own tools on the
//! same files (`sc_warts2json`, `sc_warts2text`) and against the topologies they were measured
//! on (tests/fixtures/many/tracelb-*: real scamper runs over kernel ECMP diamonds, made by
//! `generate.sh tracelb`).

use super::stream::{Item, Stream};
use super::test_support::{fixture, read};
use super::InputFormat;
use crate::multipath::Multipath;
use crate::trace::Trace;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

const CASES: [&str; 5] = ["2wide", "2wide6", "4wide", "nested", "silent"];

/// The one trace of a fixture, read as `format`, without warnings.
fn one(name: &str, format: InputFormat) -> Trace {
    let (traces, warnings) = read(fixture(name), format);
    assert!(warnings.is_empty(), "{name}: {warnings:?}");
    assert_eq!(traces.len(), 1, "{name}");
    traces.into_iter().next().unwrap().trace
}

type Links = BTreeSet<(String, String)>;

/// A graph as node names and links between them.
fn shape(m: &Multipath) -> (BTreeSet<String>, Links) {
    let nodes = (0..m.nodes.len()).map(|i| m.node_id(i)).collect();
    let links = m
        .links
        .iter()
        .map(|l| (m.node_id(l.from), m.node_id(l.to)))
        .collect();
    (nodes, links)
}

/// Replies per TTL as (address, RTT in microseconds), sorted.
fn replies(t: &Trace) -> BTreeMap<u8, Vec<(IpAddr, Option<u128>)>> {
    t.hops
        .iter()
        .map(|h| {
            let mut r: Vec<_> = h
                .replies()
                .map(|r| (r.address, r.rtt.map(|d| d.as_micros())))
                .collect();
            r.sort();
            (h.ttl, r)
        })
        .collect()
}

fn links(pairs: &[(&str, &str)]) -> Links {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn warts_and_its_sc_warts2json_give_one_graph() {
    for case in CASES {
        let warts = one(&format!("tracelb-{case}.warts"), InputFormat::Warts);
        let json = one(&format!("tracelb-{case}.json"), InputFormat::ScamperJson);
        let (wm, jm) = (warts.multipath.as_ref(), json.multipath.as_ref());
        let (wm, jm) = (wm.unwrap(), jm.unwrap());
        assert_eq!(shape(wm), shape(jm), "{case}");
        assert_eq!((wm.confidence, wm.probes_sent), (95, jm.probes_sent));
        assert_eq!(wm.nodes.len(), jm.nodes.len());
        // Every answered probe, to the microsecond (the JSON lists no unanswered ones).
        assert_eq!(replies(&warts), replies(&json), "{case}");
        assert!(warts.reached && json.reached, "{case}");
        assert_eq!(
            (warts.source, warts.address, &warts.options),
            (json.source, json.address, &json.options)
        );
        // warts keeps the probes that got no answer; JSON only marks them `*`.
        for (w, j) in warts.hops.iter().zip(&json.hops) {
            assert_eq!(w.ttl, j.ttl);
            assert!(w.sent() >= j.received(), "{case} TTL {}", w.ttl);
        }
    }
}

/// One `sc_warts2text` line: its elements, each a list of addresses (`None` for `*`).
fn text_chain(line: &str) -> Vec<Vec<Option<IpAddr>>> {
    line.split(" -> ")
        .map(|e| {
            e.trim_matches(['(', ')'])
                .split(", ")
                .map(|a| a.parse().ok())
                .collect()
        })
        .collect()
}

#[test]
fn every_node_and_link_sc_warts2text_prints() {
    for case in CASES {
        let t = one(&format!("tracelb-{case}.warts"), InputFormat::Warts);
        let m = t.multipath.unwrap();
        let text = String::from_utf8(fixture(&format!("tracelb-{case}.txt"))).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("tracelb from"), "{header}");
        assert!(
            header.contains(&format!("{} probes", m.probes_sent)),
            "{header}"
        );
        let linked = |a: Option<IpAddr>, b: Option<IpAddr>| {
            m.links.iter().any(|l| {
                let (f, to) = (&m.nodes[l.from], &m.nodes[l.to]);
                f.address == a && to.address == b
            })
        };
        let mut printed = BTreeSet::new();
        for line in lines {
            let chain = text_chain(line);
            for pair in chain.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                printed.extend(a.iter().chain(b).flatten().copied());
                if a.len() == 1 || b.len() == 1 {
                    // scamper's clump next to one node: every member is linked to it.
                    for x in a {
                        for y in b {
                            assert!(linked(*x, *y), "{case}: {x:?} -> {y:?} in {line}");
                        }
                    }
                } else {
                    // Two clumps: the flows join every member to the other side, and only
                    // within these two.
                    for x in a.iter().filter(|x| x.is_some()) {
                        assert!(b.iter().any(|y| linked(*x, *y)), "{case}: {x:?} in {line}");
                    }
                    for y in b.iter().filter(|y| y.is_some()) {
                        assert!(a.iter().any(|x| linked(*x, *y)), "{case}: {y:?} in {line}");
                    }
                }
            }
        }
        let ours: BTreeSet<IpAddr> = m.nodes.iter().filter_map(|n| n.address).collect();
        assert_eq!(ours, printed, "{case}: the nodes scamper prints");
    }
}

#[test]
fn graphs_are_the_diamonds_measured() {
    let two = links(&[
        ("1:10.0.0.2", "2:10.0.1.2"),
        ("1:10.0.0.2", "2:10.0.2.2"),
        ("2:10.0.1.2", "3:10.0.3.2"),
        ("2:10.0.2.2", "3:10.0.3.2"),
        ("3:10.0.3.2", "4:10.0.5.2"),
    ]);
    let two6 = links(&[
        ("1:fd00::2", "2:fd00:0:0:1::2"),
        ("1:fd00::2", "2:fd00:0:0:2::2"),
        ("2:fd00:0:0:1::2", "3:fd00:0:0:3::2"),
        ("2:fd00:0:0:2::2", "3:fd00:0:0:3::2"),
        ("3:fd00:0:0:3::2", "4:fd00:0:0:5::2"),
    ]);
    let mut four = links(&[("3:10.0.5.2", "4:10.0.9.2")]);
    for k in 1..=4 {
        four.insert(("1:10.0.0.2".into(), format!("2:10.0.{k}.2")));
        four.insert((format!("2:10.0.{k}.2"), "3:10.0.5.2".into()));
    }
    // The nested clump (x, y) -> (x1, x2, y1) resolved by the flows seen at both TTLs.
    let nested = links(&[
        ("1:10.0.0.2", "2:10.0.1.2"),
        ("1:10.0.0.2", "2:10.0.2.2"),
        ("2:10.0.1.2", "3:10.0.3.2"),
        ("2:10.0.1.2", "3:10.0.4.2"),
        ("2:10.0.2.2", "3:10.0.5.2"),
        ("3:10.0.3.2", "4:10.0.6.2"),
        ("3:10.0.4.2", "4:10.0.6.2"),
        ("3:10.0.5.2", "4:10.0.6.2"),
        ("4:10.0.6.2", "5:10.0.9.2"),
    ]);
    let silent = links(&[
        ("1:10.0.0.2", "2:10.0.1.2"),
        ("1:10.0.0.2", "2:*1"),
        ("2:10.0.1.2", "3:10.0.3.2"),
        ("2:*1", "3:10.0.3.2"),
        ("3:10.0.3.2", "4:10.0.5.2"),
    ]);
    for (case, want) in [
        ("2wide", &two),
        ("2wide6", &two6),
        ("4wide", &four),
        ("nested", &nested),
        ("silent", &silent),
        ("2wide-direct", &two),
    ] {
        let (name, format) = if case.ends_with("direct") {
            (format!("tracelb-{case}.json"), InputFormat::ScamperJson)
        } else {
            (format!("tracelb-{case}.warts"), InputFormat::Warts)
        };
        let t = one(&name, format);
        let m = t.multipath.as_ref().unwrap();
        assert_eq!(&shape(m).1, want, "{case}");
        // Each link joins consecutive TTLs; flows were seen on every answered one.
        for l in &m.links {
            assert_eq!(m.nodes[l.from].ttl + 1, m.nodes[l.to].ttl, "{case}");
        }
        let dst = m.nodes.iter().filter(|n| n.destination).count();
        assert_eq!(dst, 1, "{case}: one destination vertex");
        assert!(m.forks(0), "{case}: the first router balances");
        assert!(t.hops[0].replies().any(|r| r.rtt.is_none()), "{case}");
    }
    // The silent branch: the flows scamper saw answered from the other branch only.
    let t = one("tracelb-silent.warts", InputFormat::Warts);
    let m = t.multipath.unwrap();
    let hidden = m.nodes.iter().find(|n| n.address.is_none()).unwrap();
    assert!(hidden.flows > 0, "warts keeps the unanswered probes");
    assert!(t.hops[1].sent() > t.hops[1].received());
}

#[test]
fn identity_options_and_first_hop() {
    let (traces, _) = read(fixture("tracelb-nested.json"), InputFormat::ScamperJson);
    let r = &traces[0];
    assert_eq!(r.identity.label, "default/0/10.0.9.2#1");
    assert_eq!(r.identity.tool.as_deref(), Some("scamper"));
    let o = r.trace.options.as_ref().unwrap();
    assert_eq!(
        (o.protocol, o.port, o.first_hop, o.queries),
        (crate::trace::Protocol::Udp, Some(33435), 1, 2)
    );
    // scamper stores no probe for the first node: one reply without an RTT stands for it.
    let first: Vec<_> = r.trace.hops[0].replies().collect();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].address.to_string(), "10.0.0.2");
    assert_eq!(first[0].rtt, None);
    assert_eq!(r.trace.hops.last().unwrap().ttl, 5);
    // Without the cycle-start line, a lone tracelb record is still detected as scamper JSON.
    let text = String::from_utf8(fixture("tracelb-nested.json")).unwrap();
    let lone = text.lines().nth(1).unwrap();
    assert_eq!(
        super::stream::sniff(lone.as_bytes()),
        InputFormat::ScamperJson
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A real tracelb warts file cut anywhere or with one byte changed: no panic, a cut file
    /// keeps what came before, and every graph read is well-formed.
    #[test]
    fn tracelb_warts_cut_or_flipped(cut in 0usize..1657, at in 0usize..1657, byte in any::<u8>()) {
        let file = fixture("tracelb-nested.warts");
        let (all, _) = read(file.clone(), InputFormat::Warts);
        let (some, _) = read(file[..cut].to_vec(), InputFormat::Warts);
        prop_assert!(some.len() <= all.len());
        prop_assert_eq!(&all[..some.len()], &some[..]);
        let mut flipped = file;
        flipped[at] = byte;
        for item in Stream::new(Box::new(std::io::Cursor::new(flipped)), InputFormat::Warts) {
            prop_assert!(item.is_ok());
            if let Ok(Item::Trace(r)) = item {
                let m = r.trace.multipath.as_ref().unwrap();
                for l in &m.links {
                    prop_assert!(l.from < m.nodes.len() && l.to < m.nodes.len());
                }
                prop_assert!(r.trace.hops.iter().all(|h| h.ttl > 0));
            }
        }
    }

    /// A tracelb JSON record with one byte changed: no panic.
    #[test]
    fn tracelb_json_flipped(at in 0usize..9000, byte in any::<u8>()) {
        let mut file = fixture("tracelb-nested.json");
        let at = at % file.len();
        file[at] = byte;
        for item in Stream::new(Box::new(std::io::Cursor::new(file)), InputFormat::ScamperJson) {
            prop_assert!(item.is_ok());
        }
    }
}
