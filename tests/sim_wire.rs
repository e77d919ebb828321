//! The simulator checked without root or namespaces: its replies decode in the tracer's
//! decoder and carry checksums pnet agrees with, its model balances per flow, loses and
//! rate-limits as scripted, and every scenario file in `tests/scenarios/` is valid.
//!
//! Probes are the tracer's own (`encode_probe`) in an IP header built here, so a pass means
//! the simulator understands exactly what the tracer sends.

mod common;
mod sim;

use globetrace::probe::packet::{
    decode_icmp, decode_ipv4, encode_probe, Family, Flow, FlowKind, Message, QuotedProbe, Sequence,
};
use globetrace::trace::{MplsLabel, ReplyKind};
use pnet_packet::icmp::IcmpPacket;
use pnet_packet::icmpv6::Icmpv6Packet;
use pnet_packet::ipv4::Ipv4Packet;
use pnet_packet::tcp::TcpPacket;
use sim::model::Model;
use sim::scenario::{scenario_dir, Scenario, SOURCE_V4, SOURCE_V6};
use sim::wire::{checksum, destination_reply, parse_probe, time_exceeded};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

const ROUTER_V4: &str = "203.0.113.9";
const ROUTER_V6: &str = "2001:db8:f00::9";

/// A probe of `flow` with sequence `seq` and TTL `ttl`, as it comes out of the TUN.
fn probe_packet(flow: &Flow, seq: u16, ttl: u8) -> Vec<u8> {
    let l4 = encode_probe(flow, Sequence(seq));
    let protocol = flow.ip_protocol();
    let mut p = Vec::new();
    match (flow.source, flow.destination) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            p.extend_from_slice(&[0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, ttl, protocol, 0, 0]);
            p[2..4].copy_from_slice(&((20 + l4.len()) as u16).to_be_bytes());
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
            let sum = checksum(&p, 0);
            p[10..12].copy_from_slice(&sum.to_be_bytes());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            p.extend_from_slice(&[0x60, 0x0a, 0xbc, 0xde]);
            p.extend_from_slice(&(l4.len() as u16).to_be_bytes());
            p.extend_from_slice(&[protocol, ttl]);
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
        }
        _ => unreachable!(),
    }
    p.extend_from_slice(&l4);
    p
}

fn flows(v6: bool) -> Vec<Flow> {
    let (source, destination) = if v6 {
        (IpAddr::V6(SOURCE_V6), "2001:db8:ffff::7".parse().unwrap())
    } else {
        (IpAddr::V4(SOURCE_V4), "198.51.100.7".parse().unwrap())
    };
    let f = |kind| Flow {
        source,
        destination,
        kind,
    };
    vec![
        f(FlowKind::Icmp {
            ident: 0x4242,
            checksum: 0x1357,
        }),
        f(FlowKind::Udp {
            src_port: 40001,
            dst_port: 33434,
        }),
        f(FlowKind::Tcp {
            src_port: 40002,
            dst_port: 80,
            cookie: 0xabcd,
        }),
    ]
}

/// Decode a reply the simulator wrote with the tracer's decoder, checking checksums with pnet.
fn decode(reply: &[u8], v6: bool) -> (IpAddr, Message) {
    if !v6 {
        let ip = Ipv4Packet::new(reply).unwrap();
        assert_eq!(
            pnet_packet::ipv4::checksum(&ip),
            ip.get_checksum(),
            "IPv4 header"
        );
        let l4 = &reply[20..];
        if ip.get_next_level_protocol().0 == 1 {
            let icmp = IcmpPacket::new(l4).unwrap();
            assert_eq!(
                pnet_packet::icmp::checksum(&icmp),
                icmp.get_checksum(),
                "ICMP"
            );
        } else {
            let tcp = TcpPacket::new(l4).unwrap();
            let sum =
                pnet_packet::tcp::ipv4_checksum(&tcp, &ip.get_source(), &ip.get_destination());
            assert_eq!(sum, tcp.get_checksum(), "TCP");
        }
        let r = decode_ipv4(reply).expect("the tracer decodes it");
        return (r.from, r.message);
    }
    let src: std::net::Ipv6Addr = <[u8; 16]>::try_from(&reply[8..24]).unwrap().into();
    let dst: std::net::Ipv6Addr = <[u8; 16]>::try_from(&reply[24..40]).unwrap().into();
    let l4 = &reply[40..];
    assert_eq!(
        usize::from(u16::from_be_bytes([reply[4], reply[5]])),
        l4.len()
    );
    let message = if reply[6] == 58 {
        let icmp = Icmpv6Packet::new(l4).unwrap();
        let sum = pnet_packet::icmpv6::checksum(&icmp, &src, &dst);
        assert_eq!(sum, icmp.get_checksum(), "ICMPv6");
        decode_icmp(Family::V6, l4).expect("the tracer decodes it")
    } else {
        let tcp = TcpPacket::new(l4).unwrap();
        assert_eq!(
            pnet_packet::tcp::ipv6_checksum(&tcp, &src, &dst),
            tcp.get_checksum()
        );
        globetrace::probe::packet::decode_tcp(l4).expect("the tracer decodes it")
    };
    (IpAddr::V6(src), message)
}

fn quoted(flow: &Flow, seq: u16) -> QuotedProbe {
    match flow.kind {
        FlowKind::Icmp { ident, .. } => QuotedProbe::Icmp { ident, seq },
        FlowKind::Udp { src_port, dst_port } => QuotedProbe::Udp {
            src_port,
            dst_port,
            checksum: globetrace::probe::packet::udp_checksum_for(Sequence(seq)),
        },
        FlowKind::Tcp {
            src_port,
            dst_port,
            cookie,
        } => QuotedProbe::Tcp {
            src_port,
            dst_port,
            seq: globetrace::probe::packet::tcp_sequence_for(cookie, Sequence(seq)),
        },
    }
}

#[test]
fn time_exceeded_with_and_without_mpls_decodes_in_the_tracer() {
    for v6 in [false, true] {
        let router: IpAddr = if v6 { ROUTER_V6 } else { ROUTER_V4 }.parse().unwrap();
        for flow in flows(v6) {
            let quote_limits = if v6 {
                [None, Some(48)]
            } else {
                [None, Some(28)]
            };
            for (quote, mpls) in [
                (quote_limits[0], vec![]),
                (quote_limits[1], vec![]),
                (None, vec![24005, 16]),
            ] {
                let probe = parse_probe(&probe_packet(&flow, 77, 4)).expect("a probe");
                let reply = time_exceeded(&probe, router, 250, quote, &mpls);
                let what = format!("{flow:?} quote {quote:?} mpls {mpls:?}");
                let (from, message) = decode(&reply, v6);
                assert_eq!(from, router, "{what}");
                let Message::Error {
                    kind,
                    quote: q,
                    mpls: labels,
                } = message
                else {
                    panic!("{what}: {message:?}");
                };
                assert_eq!(kind, ReplyKind::TimeExceeded, "{what}");
                assert_eq!((q.source, q.destination), (flow.source, flow.destination));
                assert_eq!(q.probe, quoted(&flow, 77), "{what}");
                let expected: Vec<MplsLabel> = mpls
                    .iter()
                    .enumerate()
                    .map(|(i, &label)| MplsLabel {
                        label,
                        tc: 0,
                        bottom: i + 1 == mpls.len(),
                        ttl: 1,
                    })
                    .collect();
                assert_eq!(labels, expected, "{what}");
            }
        }
    }
}

#[test]
fn destination_replies_decode_in_the_tracer() {
    for v6 in [false, true] {
        for flow in flows(v6) {
            let probe = parse_probe(&probe_packet(&flow, 300, 9)).unwrap();
            for open in [&[80u16][..], &[]] {
                let (from, message) = decode(&destination_reply(&probe, 60, open), v6);
                assert_eq!(from, flow.destination);
                match (flow.kind, message) {
                    (FlowKind::Icmp { ident, .. }, Message::EchoReply { ident: i, seq }) => {
                        assert_eq!((i, seq), (ident, 300));
                    }
                    (FlowKind::Udp { .. }, Message::Error { kind, quote, .. }) => {
                        assert_eq!(kind, ReplyKind::PortUnreachable);
                        assert_eq!(quote.probe, quoted(&flow, 300));
                    }
                    (FlowKind::Tcp { cookie, .. }, Message::Tcp { ack, kind, .. }) => {
                        let isn =
                            globetrace::probe::packet::tcp_sequence_for(cookie, Sequence(300));
                        assert_eq!(ack, isn.wrapping_add(1));
                        let want = if open.is_empty() {
                            ReplyKind::TcpReset
                        } else {
                            ReplyKind::TcpSynAck
                        };
                        assert_eq!(kind, want);
                    }
                    (k, m) => panic!("{k:?} answered by {m:?}"),
                }
            }
        }
    }
}

/// The branch (responder address) a packet reaches at TTL `ttl` in `model`.
fn branch(model: &mut Model, packet: &[u8]) -> Option<IpAddr> {
    let (_, reply) = model.handle(packet, Instant::now())?;
    let v6 = reply[0] >> 4 == 6;
    Some(decode(&reply, v6).0)
}

#[test]
fn balancer_is_per_flow_consistent_within_a_flow_and_spreads_flows() {
    for name in ["diamond", "diamond_v6"] {
        let s = Scenario::load(name).unwrap();
        let mut model = Model::new(&s);
        let v6 = s.is_v6();
        for template in flows(v6) {
            let mut seen = BTreeSet::new();
            for port in 0..32u16 {
                let mut flow = template;
                flow.destination = s.target();
                match &mut flow.kind {
                    FlowKind::Icmp { checksum, .. } => *checksum = 0x1000 + port * 7,
                    FlowKind::Udp { src_port, .. } | FlowKind::Tcp { src_port, .. } => {
                        *src_port = 40000 + port
                    }
                }
                // Paris: probes of one flow differ in sequence (and UDP checksum) only.
                let at2: BTreeSet<_> = (0..8)
                    .filter_map(|seq| branch(&mut model, &probe_packet(&flow, seq, 2)))
                    .collect();
                let at3: BTreeSet<_> = (0..8)
                    .filter_map(|seq| branch(&mut model, &probe_packet(&flow, seq, 3)))
                    .collect();
                assert_eq!((at2.len(), at3.len()), (1, 1), "{name} {flow:?}");
                let a2 = s.addresses(2).iter().position(|a| at2.contains(a));
                let a3 = s.addresses(3).iter().position(|a| at3.contains(a));
                assert_eq!(a2, a3, "{name}: one balancer, one branch index");
                seen.insert(a2);
            }
            assert_eq!(seen.len(), 2, "{name} {template:?}: 32 flows, one branch");
        }
    }
}

#[test]
fn loss_is_seeded_and_near_its_rate() {
    let s = Scenario::load("loss").unwrap();
    let flow = flows(false)[0];
    let mut flow = flow;
    flow.destination = s.target();
    let run = || {
        let mut model = Model::new(&s);
        (0..2000u16)
            .map(|seq| {
                model
                    .handle(&probe_packet(&flow, seq, 3), Instant::now())
                    .is_some()
            })
            .collect::<Vec<bool>>()
    };
    let first = run();
    assert_eq!(first, run(), "same seed, same losses");
    let lost = first.iter().filter(|ok| !**ok).count() as f64 / 2000.0;
    // 2000 draws at p = 0.2: sd 0.9 points; 3 points is more than 3 sd.
    assert!((0.17..=0.23).contains(&lost), "lost {lost}");
}

#[test]
fn rate_limit_is_a_token_bucket() {
    let s = Scenario::load("ratelimit").unwrap();
    let mut flow = flows(false)[1];
    flow.destination = s.target();
    let mut model = Model::new(&s);
    let t0 = Instant::now();
    let at = |model: &mut Model, t: Duration, n: u16| {
        (0..n)
            .filter(|seq| {
                model
                    .handle(&probe_packet(&flow, *seq, 2), t0 + t)
                    .is_some()
            })
            .count()
    };
    assert_eq!(at(&mut model, Duration::ZERO, 10), 2, "a burst of 2");
    assert_eq!(
        at(&mut model, Duration::from_millis(100), 5),
        0,
        "0.2 tokens"
    );
    assert_eq!(
        at(&mut model, Duration::from_millis(600), 5),
        1,
        "1.2 tokens"
    );
    assert_eq!(
        at(&mut model, Duration::from_secs(10), 5),
        2,
        "full again, never over"
    );
    assert_eq!(model.stats().hop(2).limited, 8 + 5 + 4 + 3);
}

#[test]
fn every_scenario_file_is_valid() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(scenario_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            Scenario::load(&name).unwrap_or_else(|e| panic!("{e}"));
            names.push(name);
        }
    }
    assert!(names.len() >= 10, "{names:?}");
}

#[test]
fn invalid_scenarios_are_refused() {
    let ok = "[destination]\naddress = \"198.51.100.1\"\n";
    assert!(Scenario::parse(ok).is_ok());
    for (bad, why) in [
        ("[destination]\naddress = \"10.0.0.1\"\n", "documentation"),
        ("[destination]\naddress = \"192.0.2.1\"\n", "own address"),
        (
            &format!("{ok}[[hop]]\naddress = \"2001:db8::5\"\n"),
            "family",
        ),
        (
            &format!("{ok}[[hop]]\nrtt_ms = 1.0\n"),
            "address is required",
        ),
        (
            &format!("{ok}[[hop]]\naddress = \"203.0.113.1\"\nloss = 1.5\n"),
            "loss",
        ),
        (
            &format!("{ok}[[hop]]\naddress = \"203.0.113.1\"\nmpls = [1048576]\n"),
            "20 bits",
        ),
        (
            &format!("{ok}[[hop]]\naddress = \"203.0.113.1\"\nquote_bytes = 20\n"),
            "at least",
        ),
        (
            &format!("{ok}[[hop]]\naddres = \"203.0.113.1\"\n"),
            "unknown field",
        ),
        (
            &format!("{ok}[[hop]]\nbranches = [{{ address = \"203.0.113.1\" }}]\n"),
            "at least two",
        ),
    ] {
        let err = Scenario::parse(bad).expect_err(bad);
        assert!(err.contains(why), "{bad:?}: {err}");
    }
}
