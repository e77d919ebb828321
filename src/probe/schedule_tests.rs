//! Scenario tests of the schedule with synthetic replies and a synthetic clock.

use super::*;
use crate::probe::packet::{udp_checksum_for, FlowKind, Quote, QuotedProbe};
use crate::trace::{ReplyKind, Unreachable};

const SRC: &str = "192.0.2.1";
const DST: &str = "198.51.100.7";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn router(ttl: u8) -> IpAddr {
    ip(&format!("10.0.{ttl}.1"))
}

fn cfg() -> ScheduleConfig {
    ScheduleConfig {
        first_hop: 1,
        max_hops: 30,
        queries: 3,
        max_wait: Duration::from_secs(3),
        here: 3.0,
        near: 10.0,
        parallel: 16,
        max_unknown: 5,
    }
}

fn icmp_flow() -> Flow {
    Flow {
        source: ip(SRC),
        destination: ip(DST),
        kind: FlowKind::Icmp {
            ident: 77,
            checksum: 0x1234,
        },
    }
}

/// Everything the schedule sends, with a clock that starts at `t0`.
struct Run {
    s: Schedule,
    t0: Instant,
    sent: Vec<(Sequence, u8)>,
}

impl Run {
    fn new(cfg: ScheduleConfig, flow: Flow) -> Run {
        Run {
            s: Schedule::new(cfg, flow, 1000),
            t0: Instant::now(),
            sent: Vec::new(),
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn send_all(&mut self, ms: u64) -> usize {
        let mut n = 0;
        while let Some(p) = self.s.next_probe(self.at(ms), SystemTime::now()) {
            self.sent.push(p);
            n += 1;
        }
        n
    }

    fn deliver(&mut self, from: IpAddr, message: Message, ms: u64) -> Option<IpAddr> {
        let incoming = Incoming {
            packet: Ok(Received {
                from,
                reply_ttl: Some(60),
                message,
            }),
            kernel_time: None,
            read_at: self.at(ms),
        };
        self.s.on_packet(incoming)
    }

    fn seqs_at(&self, ttl: u8) -> Vec<Sequence> {
        self.sent
            .iter()
            .filter(|(_, t)| *t == ttl)
            .map(|(s, _)| *s)
            .collect()
    }
}

fn time_exceeded(seq: Sequence) -> Message {
    Message::Error {
        kind: ReplyKind::TimeExceeded,
        quote: Quote {
            source: ip(SRC),
            destination: ip(DST),
            probe: QuotedProbe::Icmp {
                ident: 77,
                seq: seq.0,
            },
        },
        mpls: vec![],
    }
}

fn echo_reply(seq: Sequence) -> Message {
    Message::EchoReply {
        ident: 77,
        seq: seq.0,
    }
}

#[test]
fn chain_reaches_destination_and_emits_in_order() {
    let mut r = Run::new(cfg(), icmp_flow());
    assert_eq!(r.send_all(0), 15, "five TTLs ahead of the last answer");
    // Answers arrive out of order: hop 2 first, then 1, then the destination at hop 3.
    for seq in r.seqs_at(2) {
        assert_eq!(r.deliver(router(2), time_exceeded(seq), 2), Some(router(2)));
    }
    assert!(r.s.take_completed().is_empty(), "hop 1 is still open");
    for seq in r.seqs_at(1) {
        r.deliver(router(1), time_exceeded(seq), 3);
    }
    let done = r.s.take_completed();
    assert_eq!(done.iter().map(|h| h.ttl).collect::<Vec<_>>(), vec![1, 2]);
    for seq in r.seqs_at(3) {
        r.deliver(ip(DST), echo_reply(seq), 4);
    }
    // Probes beyond the destination no longer matter.
    r.s.expire(r.at(4));
    assert_eq!(r.send_all(5), 0);
    assert!(r.s.is_finished());
    let hops = r.s.hops(false);
    assert_eq!(hops.len(), 3);
    assert!(r.s.reached());
    assert_eq!(hops[2].responders(), vec![ip(DST)]);
    assert_eq!(
        hops[2].probes[0].as_ref().unwrap().kind,
        ReplyKind::EchoReply
    );
    assert_eq!(hops[0].received(), 3);
    let rtt = hops[0].probes[0].as_ref().unwrap().rtt.unwrap();
    assert_eq!(rtt, Duration::from_millis(3));
}

#[test]
fn silent_hop_is_given_up_after_near_times_later_rtt() {
    let mut r = Run::new(cfg(), icmp_flow());
    r.send_all(0);
    for seq in r.seqs_at(1) {
        r.deliver(router(1), time_exceeded(seq), 1);
    }
    // Hop 2 is silent; hop 3 answers in 4 ms, so hop 2 waits 10 × 4 = 40 ms.
    for seq in r.seqs_at(3) {
        r.deliver(router(3), time_exceeded(seq), 4);
    }
    assert_eq!(r.s.next_deadline(), Some(r.at(40)));
    r.s.expire(r.at(39));
    assert_eq!(r.s.take_completed().len(), 1);
    r.s.expire(r.at(40));
    let done = r.s.take_completed();
    assert_eq!(done.iter().map(|h| h.ttl).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(done[0].received(), 0);
    assert_eq!(done[0].loss_pct(), 100.0);
}

#[test]
fn lost_probe_at_answering_hop_waits_here_times_its_slowest_rtt() {
    let mut r = Run::new(cfg(), icmp_flow());
    r.send_all(0);
    let hop1 = r.seqs_at(1);
    r.deliver(router(1), time_exceeded(hop1[0]), 40);
    r.deliver(router(1), time_exceeded(hop1[1]), 50);
    // Nothing later has answered and hop 1 is the last answer: HERE × the slowest reply there
    // (3 × 50 ms), so a jittery router's late replies still count.
    assert_eq!(r.s.next_deadline(), Some(r.at(150)));
}

#[test]
fn here_never_gives_up_below_its_floor() {
    let mut r = Run::new(cfg(), icmp_flow());
    r.send_all(0);
    let hop1 = r.seqs_at(1);
    r.deliver(router(1), time_exceeded(hop1[0]), 2);
    assert_eq!(r.s.next_deadline(), Some(r.at(100)));
}

#[test]
fn a_zero_factor_turns_its_rule_off() {
    let mut c = cfg();
    c.here = f64::INFINITY;
    c.near = f64::INFINITY;
    let mut r = Run::new(c, icmp_flow());
    r.send_all(0);
    for seq in r.seqs_at(3) {
        r.deliver(router(3), time_exceeded(seq), 4);
    }
    r.deliver(router(1), time_exceeded(r.seqs_at(1)[0]), 4);
    // Neither HERE nor NEAR applies: every open probe waits the full MAX.
    assert_eq!(r.s.next_deadline(), Some(r.at(3000)));
}

#[test]
fn silent_destination_costs_one_tail_wait() {
    let mut c = cfg();
    c.max_wait = Duration::from_secs(5);
    let mut r = Run::new(c, icmp_flow());
    r.send_all(0);
    for ttl in 1..=2 {
        for seq in r.seqs_at(ttl) {
            r.deliver(router(ttl), time_exceeded(seq), u64::from(ttl));
        }
    }
    r.send_all(3);
    // TTL 3..7 (five unknown beyond hop 2) are in flight and nothing beyond is allowed.
    assert_eq!(r.sent.iter().map(|(_, t)| *t).max(), Some(7));
    assert_eq!(r.s.next_deadline(), Some(r.at(1000)), "tail floor, not 5 s");
    r.s.expire(r.at(1003));
    assert_eq!(r.send_all(1003), 0);
    assert!(r.s.is_finished());
    let hops = r.s.hops(false);
    assert_eq!(hops.len(), 7);
    assert!(!r.s.reached());
    assert!(hops[2..].iter().all(|h| h.received() == 0));
}

#[test]
fn window_bounds_probes_in_flight() {
    let mut c = cfg();
    c.parallel = 4;
    let mut r = Run::new(c, icmp_flow());
    assert_eq!(r.send_all(0), 4);
    let first = r.sent[0].0;
    r.deliver(router(1), time_exceeded(first), 1);
    assert_eq!(r.send_all(1), 1);
}

#[test]
fn foreign_duplicate_and_late_replies_are_counted_not_used() {
    let mut r = Run::new(cfg(), icmp_flow());
    r.send_all(0);
    let seq = r.seqs_at(1)[0];
    // Another program's echo (other identifier), and a quote toward another destination.
    assert_eq!(
        r.deliver(
            ip(DST),
            Message::EchoReply {
                ident: 78,
                seq: seq.0
            },
            1
        ),
        None
    );
    let mut other = time_exceeded(seq);
    if let Message::Error { quote, .. } = &mut other {
        quote.destination = ip("203.0.113.5");
    }
    assert_eq!(r.deliver(router(1), other, 1), None);
    // An echo reply must come from the destination itself.
    assert_eq!(r.deliver(router(1), echo_reply(seq), 1), None);
    // A sequence outside what we sent.
    assert_eq!(r.deliver(router(1), time_exceeded(Sequence(999)), 1), None);
    assert_eq!(r.s.stats().foreign, 4);
    assert!(r.deliver(router(1), time_exceeded(seq), 2).is_some());
    assert!(r.deliver(router(1), time_exceeded(seq), 3).is_none());
    assert_eq!(r.s.stats().duplicates, 1);
    let late = r.seqs_at(1)[1];
    r.s.expire(r.at(10_000));
    assert!(r.deliver(router(1), time_exceeded(late), 10_001).is_none());
    assert_eq!(r.s.stats().late, 1);
    assert_eq!(r.s.stats().matched, 1);
    let hop1 = &r.s.hops(false)[0];
    assert_eq!(hop1.received(), 1);
}

#[test]
fn udp_replies_match_by_checksum_and_ports() {
    let flow = Flow {
        source: ip(SRC),
        destination: ip(DST),
        kind: FlowKind::Udp {
            src_port: 40000,
            dst_port: 33434,
        },
    };
    let mut r = Run::new(cfg(), flow);
    r.send_all(0);
    let seq = r.seqs_at(2)[1];
    let quote = |src_port, checksum| Message::Error {
        kind: ReplyKind::PortUnreachable,
        quote: Quote {
            source: ip(SRC),
            destination: ip(DST),
            probe: QuotedProbe::Udp {
                src_port,
                dst_port: 33434,
                checksum,
            },
        },
        mpls: vec![],
    };
    assert!(r
        .deliver(ip(DST), quote(40001, udp_checksum_for(seq)), 1)
        .is_none());
    assert!(r
        .deliver(ip(DST), quote(40000, udp_checksum_for(seq)), 1)
        .is_some());
    let hops = r.s.hops(false);
    assert_eq!(hops[1].probes[1].as_ref().unwrap().address, ip(DST));
    assert!(r.s.reached());
}

#[test]
fn tcp_answers_match_by_acknowledgement() {
    let flow = Flow {
        source: ip(SRC),
        destination: ip(DST),
        kind: FlowKind::Tcp {
            src_port: 40000,
            dst_port: 443,
            cookie: 0xabcd,
        },
    };
    let mut r = Run::new(cfg(), flow);
    r.send_all(0);
    let seq = r.seqs_at(4)[0];
    let isn = (0xabcd_u32 << 16) | u32::from(seq.0);
    let synack = |ack| Message::Tcp {
        src_port: 443,
        dst_port: 40000,
        ack,
        kind: ReplyKind::TcpSynAck,
    };
    let other_run = (0x1111_u32 << 16) | u32::from(seq.0);
    assert!(
        r.deliver(ip(DST), synack(other_run + 1), 1).is_none(),
        "another run's cookie"
    );
    assert!(r.deliver(router(4), synack(isn + 1), 1).is_none());
    assert!(r.deliver(ip(DST), synack(isn + 1), 1).is_some());
    assert!(r.s.reached());
}

#[test]
fn unreachable_ends_the_path_without_reaching() {
    let mut r = Run::new(cfg(), icmp_flow());
    r.send_all(0);
    let seq = r.seqs_at(2)[0];
    let msg = Message::Error {
        kind: ReplyKind::Unreachable(Unreachable::AdminProhibited),
        quote: Quote {
            source: ip(SRC),
            destination: ip(DST),
            probe: QuotedProbe::Icmp {
                ident: 77,
                seq: seq.0,
            },
        },
        mpls: vec![],
    };
    r.deliver(router(2), msg, 1);
    r.s.expire(r.at(5000));
    assert!(r.s.is_finished());
    assert!(!r.s.reached());
    assert_eq!(r.s.hops(false).len(), 2);
}
