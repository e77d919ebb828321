//! The MDA against synthetic load-balanced graphs, on a synthetic clock.

use super::*;
use crate::multipath::{Balancer, Multipath};
use crate::probe::packet::{FlowKind, Message};
use crate::probe::packet::{Quote, QuotedProbe};
use crate::trace::ReplyKind;

const SRC: &str = "192.0.2.1";
const DST: &str = "198.51.100.7";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn cfg(confidence: u8) -> MdaConfig {
    MdaConfig {
        first_hop: 1,
        max_hops: 16,
        max_wait: Duration::from_secs(2),
        here: 3.0,
        near: 10.0,
        confidence,
        max_unknown: 3,
        parallel: 16,
        node_control: false,
    }
}

fn template() -> Flow {
    Flow {
        source: ip(SRC),
        destination: ip(DST),
        kind: FlowKind::Udp {
            src_port: 40000,
            dst_port: 33434,
        },
    }
}

/// A router of the synthetic network.
struct Router {
    address: &'static str,
    /// Indices of the next routers (empty: the next hop is the destination).
    next: Vec<usize>,
    silent: bool,
    per_packet: bool,
}

fn r(address: &'static str, next: &[usize]) -> Router {
    Router {
        address,
        next: next.to_vec(),
        silent: false,
        per_packet: false,
    }
}

/// A network: router 0 is the first hop; a router with no next routers leads to the
/// destination. Per-flow balancers hash the source port with their own salt.
struct Net {
    routers: Vec<Router>,
    packets: u64,
}

fn hash(salt: &str, port: u16) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in salt.bytes().chain(port.to_be_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    mix(h)
}

/// A 64-bit finaliser, so the balancers' choices are independent of one another.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

impl Net {
    /// Who answers a probe of `flow` at `ttl`: a router, the destination, or nobody.
    fn answer(&mut self, flow: &Flow, seq: Sequence, ttl: u8) -> Option<Received> {
        let FlowKind::Udp { src_port, dst_port } = flow.kind else {
            unreachable!()
        };
        self.packets += 1;
        let mut at = 0;
        for _ in 1..ttl {
            let router = &self.routers[at];
            if router.next.is_empty() {
                // The destination is the next hop.
                return Some(Received {
                    from: flow.destination,
                    reply_ttl: Some(60),
                    message: error(ReplyKind::PortUnreachable, flow, seq, src_port, dst_port),
                });
            }
            let pick = if router.per_packet {
                mix(self.packets)
            } else {
                hash(router.address, src_port)
            };
            at = router.next[(pick % router.next.len() as u64) as usize];
        }
        let router = &self.routers[at];
        (!router.silent).then(|| Received {
            from: ip(router.address),
            reply_ttl: Some(60),
            message: error(ReplyKind::TimeExceeded, flow, seq, src_port, dst_port),
        })
    }
}

fn error(kind: ReplyKind, flow: &Flow, seq: Sequence, src_port: u16, dst_port: u16) -> Message {
    Message::Error {
        kind,
        quote: Quote {
            source: flow.source,
            destination: flow.destination,
            probe: QuotedProbe::Udp {
                src_port,
                dst_port,
                checksum: crate::probe::packet::udp_checksum_for(seq),
            },
        },
        mpls: Vec::new(),
    }
}

/// Run a discovery over `net` to its end: every probe answered 1 ms later (or never).
fn discover(net: &mut Net, confidence: u8) -> (Mda, Multipath) {
    discover_from(net, confidence, template())
}

fn discover_from(net: &mut Net, confidence: u8, template: Flow) -> (Mda, Multipath) {
    let t0 = Instant::now();
    let mut mda = Mda::new(cfg(confidence), template, 100);
    let mut now = t0;
    let mut guard = 0;
    while !mda.is_finished() {
        let mut answers = Vec::new();
        while let Some((flow, seq, ttl)) = mda.next_probe(now, SystemTime::now()) {
            if let Some(r) = net.answer(&flow, seq, ttl) {
                answers.push((seq, r));
            }
        }
        now += Duration::from_millis(1);
        for (seq, r) in answers {
            mda.on_answer(seq.0, r, None, now);
        }
        now += Duration::from_millis(9);
        mda.expire(now);
        guard += 1;
        assert!(guard < 100_000, "discovery never ends");
    }
    let graph = mda.graph();
    (mda, graph)
}

/// The graph's links as address pairs (`*` for unknown vertices).
fn links(g: &Multipath) -> Vec<(String, String)> {
    let name = |i: usize| {
        g.nodes[i]
            .address
            .map_or_else(|| "*".to_string(), |a| a.to_string())
    };
    let mut out: Vec<_> = g.links.iter().map(|l| (name(l.from), name(l.to))).collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<_> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn stopping_points_match_the_published_tables() {
    let at95: Vec<u32> = (1..=6).map(|k| stopping_point(k, 95)).collect();
    assert_eq!(at95, vec![6, 11, 16, 21, 27, 33]);
    let at99: Vec<u32> = (1..=4).map(|k| stopping_point(k, 99)).collect();
    assert_eq!(at99, vec![8, 15, 21, 28]);
    assert_eq!(stopping_point(0, 95), 1);
}

#[test]
fn flow_identifiers_vary_one_field_only() {
    let t = template();
    let f = flow_for(&t, 5);
    assert_eq!(
        f.kind,
        FlowKind::Udp {
            src_port: 40005,
            dst_port: 33434
        }
    );
    assert_eq!((f.source, f.destination), (t.source, t.destination));
    assert_eq!(port_index(40000, 40005), Some(5));
    for base in [1024u16, 40000, 65535] {
        for i in [0u32, 1, 4095] {
            assert_eq!(port_index(base, port_for(base, i)), Some(i));
            assert!(port_for(base, i) >= 1024);
        }
    }
    let icmp = Flow {
        kind: FlowKind::Icmp {
            ident: 9,
            checksum: 0xFFFE,
        },
        ..t
    };
    let FlowKind::Icmp { ident, checksum } = flow_for(&icmp, 1).kind else {
        unreachable!()
    };
    assert_eq!(
        (ident, checksum),
        (9, 1),
        "checksums wrap past 0xFFFE to 1, never 0 or 0xFFFF"
    );
}

#[test]
fn a_straight_path_costs_one_rule_per_hop() {
    let mut net = Net {
        routers: vec![r("10.0.1.1", &[1]), r("10.0.2.1", &[])],
        packets: 0,
    };
    let (mda, g) = discover(&mut net, 95);
    assert!(mda.reached());
    assert_eq!(
        links(&g),
        pairs(&[("10.0.1.1", "10.0.2.1"), ("10.0.2.1", DST)])
    );
    // n_1 = 6 flows at each router, one at the destination (it ends every branch).
    assert_eq!(g.probes_sent, 13);
    assert!(g.nodes.iter().all(|n| n.balancer.is_none()));
}

#[test]
fn a_two_way_diamond_is_found_whole() {
    let mut net = Net {
        routers: vec![
            r("10.0.1.1", &[1, 2]),
            r("10.0.2.1", &[3]),
            r("10.0.2.2", &[3]),
            r("10.0.3.1", &[]),
        ],
        packets: 0,
    };
    let (mda, g) = discover(&mut net, 95);
    assert!(mda.reached());
    assert_eq!(
        links(&g),
        pairs(&[
            ("10.0.1.1", "10.0.2.1"),
            ("10.0.1.1", "10.0.2.2"),
            ("10.0.2.1", "10.0.3.1"),
            ("10.0.2.2", "10.0.3.1"),
            ("10.0.3.1", DST),
        ])
    );
    let fork = g.find(1, ip("10.0.1.1")).unwrap();
    assert_eq!(g.nodes[fork].balancer, Some(Balancer::PerFlow));
    assert!(g.joins(g.find(3, ip("10.0.3.1")).unwrap()));
}

#[test]
fn four_wide_and_nested_diamonds_have_no_phantoms() {
    let mut wide = Net {
        routers: vec![
            r("10.0.1.1", &[1, 2, 3, 4]),
            r("10.0.2.1", &[5]),
            r("10.0.2.2", &[5]),
            r("10.0.2.3", &[5]),
            r("10.0.2.4", &[5]),
            r("10.0.3.1", &[]),
        ],
        packets: 0,
    };
    let (_, g) = discover(&mut wide, 95);
    assert_eq!(g.width(), 4);
    assert_eq!(g.links.len(), 9);
    // A fork inside a fork: 10.0.2.1 splits again, 10.0.2.2 does not.
    let mut nested = Net {
        routers: vec![
            r("10.0.1.1", &[1, 2]),
            r("10.0.2.1", &[3, 4]),
            r("10.0.2.2", &[5]),
            r("10.0.3.1", &[6]),
            r("10.0.3.2", &[6]),
            r("10.0.3.3", &[6]),
            r("10.0.4.1", &[]),
        ],
        packets: 0,
    };
    let (_, g) = discover(&mut nested, 95);
    assert_eq!(
        links(&g),
        pairs(&[
            ("10.0.1.1", "10.0.2.1"),
            ("10.0.1.1", "10.0.2.2"),
            ("10.0.2.1", "10.0.3.1"),
            ("10.0.2.1", "10.0.3.2"),
            ("10.0.2.2", "10.0.3.3"),
            ("10.0.3.1", "10.0.4.1"),
            ("10.0.3.2", "10.0.4.1"),
            ("10.0.3.3", "10.0.4.1"),
            ("10.0.4.1", DST),
        ])
    );
}

#[test]
fn a_silent_branch_is_an_unknown_vertex() {
    let mut silent = r("10.0.2.2", &[3]);
    silent.silent = true;
    let mut net = Net {
        routers: vec![
            r("10.0.1.1", &[1, 2]),
            r("10.0.2.1", &[3]),
            silent,
            r("10.0.3.1", &[]),
        ],
        packets: 0,
    };
    let (_, g) = discover(&mut net, 95);
    assert_eq!(
        links(&g),
        pairs(&[
            ("10.0.1.1", "10.0.2.1"),
            ("10.0.1.1", "*"),
            ("10.0.2.1", "10.0.3.1"),
            ("*", "10.0.3.1"),
            ("10.0.3.1", DST),
        ])
    );
    let unknown = g.nodes.iter().position(|n| n.address.is_none()).unwrap();
    assert_eq!(g.node_id(unknown), "2:*1");
}

#[test]
fn a_per_packet_balancer_is_told_apart() {
    let mut lb = r("10.0.1.1", &[1, 2]);
    lb.per_packet = true;
    let mut net = Net {
        routers: vec![
            lb,
            r("10.0.2.1", &[3]),
            r("10.0.2.2", &[3]),
            r("10.0.3.1", &[]),
        ],
        packets: 0,
    };
    let (_, g) = discover(&mut net, 95);
    let fork = g.find(1, ip("10.0.1.1")).unwrap();
    assert_eq!(g.nodes[fork].balancer, Some(Balancer::PerPacket));
}

#[test]
fn higher_confidence_costs_more_probes() {
    let make = || Net {
        routers: vec![
            r("10.0.1.1", &[1, 2]),
            r("10.0.2.1", &[3]),
            r("10.0.2.2", &[3]),
            r("10.0.3.1", &[]),
        ],
        packets: 0,
    };
    let (_, a) = discover(&mut make(), 95);
    let (_, b) = discover(&mut make(), 99);
    assert!(
        b.probes_sent > a.probes_sent,
        "{} vs {}",
        b.probes_sent,
        a.probes_sent
    );
    assert_eq!(links(&a), links(&b));
}

/// Over 500 flow sets on a nested diamond whose inner branches carry a quarter of the flows
/// each (the hop rule's uniform assumption does not hold there): never a phantom link, and at
/// 99 % a branch missed in at most one run in twenty. (Measured: 95 % misses 31 of 500 runs at
/// 78 probes on average; 99 % misses 10 at 101 — docs/multipath.md.)
#[test]
fn a_nested_diamond_over_many_flow_sets() {
    let truth = pairs(&[
        ("10.0.1.1", "10.0.2.1"),
        ("10.0.1.1", "10.0.2.2"),
        ("10.0.2.1", "10.0.3.1"),
        ("10.0.2.1", "10.0.3.2"),
        ("10.0.2.2", "10.0.3.3"),
        ("10.0.3.1", "10.0.4.1"),
        ("10.0.3.2", "10.0.4.1"),
        ("10.0.3.3", "10.0.4.1"),
        ("10.0.4.1", DST),
    ]);
    let mut misses = [0u32; 2];
    for (k, confidence) in [95u8, 99].into_iter().enumerate() {
        let mut probes = 0;
        for port in 0..500u16 {
            let mut nested = Net {
                routers: vec![
                    r("10.0.1.1", &[1, 2]),
                    r("10.0.2.1", &[3, 4]),
                    r("10.0.2.2", &[5]),
                    r("10.0.3.1", &[6]),
                    r("10.0.3.2", &[6]),
                    r("10.0.3.3", &[6]),
                    r("10.0.4.1", &[]),
                ],
                packets: 0,
            };
            let mut t = template();
            t.kind = FlowKind::Udp {
                src_port: 20000 + port * 67,
                dst_port: 33434,
            };
            let (_, g) = discover_from(&mut nested, confidence, t);
            probes += g.probes_sent;
            let got = links(&g);
            assert!(
                got.iter().all(|l| truth.contains(l)),
                "phantom link at port {port}: {got:?}"
            );
            if got != truth {
                misses[k] += 1;
            }
        }
        eprintln!(
            "{confidence} %: a branch missed in {} of 500 runs, {} probes on average",
            misses[k],
            probes / 500
        );
    }
    assert!(misses[1] <= 25, "{misses:?}");
    assert!(misses[1] < misses[0], "{misses:?}");
}
