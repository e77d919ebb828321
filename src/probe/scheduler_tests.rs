//! The scheduler with a synthetic clock and synthetic replies: passes, cycles, the budget.

use super::*;
use crate::probe::packet::{FlowKind, Message, Quote, QuotedProbe, Received};
use crate::trace::ReplyKind;

const SRC: &str = "192.0.2.1";
const DST: &str = "198.51.100.7";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn router(ttl: u8) -> IpAddr {
    ip(&format!("10.0.{ttl}.1"))
}

fn flow(dst: &str, ident: u16) -> Flow {
    Flow {
        source: ip(SRC),
        destination: ip(dst),
        kind: FlowKind::Icmp {
            ident,
            checksum: 0x1234,
        },
    }
}

fn schedule_cfg(max_hops: u8, queries: u8) -> ScheduleConfig {
    ScheduleConfig {
        first_hop: 1,
        max_hops,
        queries,
        max_wait: Duration::from_secs(2),
        here: f64::INFINITY,
        near: f64::INFINITY,
        parallel: 16,
        max_unknown: 5,
    }
}

fn plan(dst: &str, cycles: Option<u64>, interval_ms: u64) -> TracePlan {
    TracePlan {
        id: 0,
        flow: flow(dst, 7),
        schedule: schedule_cfg(10, 1),
        cycles,
        interval: Duration::from_millis(interval_ms),
        strategy: Default::default(),
    }
}

fn unlimited() -> Budget {
    Budget {
        rate: None,
        burst: 1,
        max_in_flight: 10_000,
    }
}

/// A path `hops` long whose last hop is the destination, answering every probe after 1 ms per
/// TTL unless `drop(cycle-free probe)` says otherwise.
struct Net {
    t0: Instant,
    len: u8,
}

impl Net {
    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn answer(&self, p: &Probe) -> Option<Received> {
        let FlowKind::Icmp { ident, .. } = p.flow.kind else {
            unreachable!()
        };
        if p.ttl >= self.len {
            return Some(Received {
                from: p.flow.destination,
                reply_ttl: Some(60),
                message: Message::EchoReply {
                    ident,
                    seq: p.seq.0,
                },
            });
        }
        Some(Received {
            from: router(p.ttl),
            reply_ttl: Some(60),
            message: Message::Error {
                kind: ReplyKind::TimeExceeded,
                quote: Quote {
                    source: p.flow.source,
                    destination: p.flow.destination,
                    probe: QuotedProbe::Icmp {
                        ident,
                        seq: p.seq.0,
                    },
                },
                mpls: Vec::new(),
            },
        })
    }
}

fn incoming(r: Received, at: Instant) -> Incoming {
    Incoming {
        packet: Ok(r),
        kernel_time: None,
        read_at: at,
    }
}

fn send_all(s: &mut Scheduler, at: Instant) -> Vec<Probe> {
    let mut out = Vec::new();
    while let Some(p) = s.next_probe(at, SystemTime::now()) {
        out.push(p);
    }
    out
}

fn passes(progress: &[Progress]) -> Vec<&PassResult> {
    progress
        .iter()
        .filter_map(|p| match p {
            Progress::PassDone(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn one_cycle_is_one_pass_like_a_single_trace() {
    let net = Net {
        t0: Instant::now(),
        len: 4,
    };
    let mut s = Scheduler::new(
        vec![plan(DST, Some(1), 1000)],
        unlimited(),
        net.at(0),
        &[100],
    );
    let sent = send_all(&mut s, net.at(0));
    assert_eq!(
        sent.len(),
        5,
        "TTLs up to --max-unknown beyond what answered"
    );
    for p in &sent {
        s.on_packet(incoming(net.answer(p).unwrap(), net.at(1)));
    }
    s.expire(net.at(2));
    let progress = s.take_progress();
    let done = passes(&progress);
    assert_eq!(done.len(), 1);
    assert!(done[0].reached);
    assert_eq!(done[0].hops.len(), 4);
    assert!(s.is_finished());
    assert_eq!(s.stats().sent, 5);
    assert_eq!(s.stats().matched, 5);
}

#[test]
fn cycles_start_every_interval_and_learn_the_path_length() {
    let net = Net {
        t0: Instant::now(),
        len: 3,
    };
    let mut s = Scheduler::new(vec![plan(DST, Some(3), 100)], unlimited(), net.at(0), &[5]);
    let mut all = Vec::new();
    for (i, ms) in [0u64, 100, 200].into_iter().enumerate() {
        let sent = send_all(&mut s, net.at(ms));
        // The first pass probes up to --max-unknown TTLs; later ones stop at the destination.
        assert_eq!(sent.len(), if i == 0 { 5 } else { 3 }, "cycle {}", i + 1);
        for p in &sent {
            s.on_packet(incoming(net.answer(p).unwrap(), net.at(ms + 1)));
        }
        s.expire(net.at(ms + 2));
        all.extend(s.take_progress());
        // Nothing more before the next interval.
        assert!(s.next_probe(net.at(ms + 50), SystemTime::now()).is_none());
    }
    let done = passes(&all);
    assert_eq!(
        done.iter().map(|r| r.cycle).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(done.iter().all(|r| r.reached && r.hops.len() == 3));
    assert!(s.is_finished());
}

#[test]
fn overlapping_cycles_never_mix_and_late_replies_stay_late() {
    let net = Net {
        t0: Instant::now(),
        len: 2,
    };
    let mut cfg = plan(DST, Some(2), 50);
    cfg.schedule.max_hops = 2;
    let mut s = Scheduler::new(vec![cfg], unlimited(), net.at(0), &[0xFFF0]);
    let first = send_all(&mut s, net.at(0));
    assert_eq!(first.len(), 2);
    // Cycle 2 starts while cycle 1 is still waiting for both its probes.
    let second = send_all(&mut s, net.at(50));
    assert_eq!(second.len(), 2);
    assert!(first.iter().all(|a| second.iter().all(|b| a.seq != b.seq)));
    // Cycle 2 is answered at once.
    for p in &second {
        s.on_packet(incoming(net.answer(p).unwrap(), net.at(51)));
    }
    s.expire(net.at(52));
    let done = s.take_progress();
    let done = passes(&done);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].cycle, 2);
    // Cycle 1 is given up at its wait; its replies then come, late.
    s.expire(net.at(2001));
    let progress = s.take_progress();
    let done = passes(&progress);
    assert_eq!(done[0].cycle, 1);
    assert_eq!(done[0].hops.iter().map(|h| h.received()).sum::<usize>(), 0);
    for p in &first {
        assert_eq!(
            s.on_packet(incoming(net.answer(p).unwrap(), net.at(2100))),
            None
        );
    }
    assert_eq!(s.stats().late, 2);
    assert_eq!(s.stats().matched, 2);
    assert!(s.is_finished());
}

#[test]
fn the_rate_budget_spaces_probes() {
    let net = Net {
        t0: Instant::now(),
        len: 30,
    };
    let budget = Budget {
        rate: Some(100.0),
        burst: 4,
        max_in_flight: 1000,
    };
    let mut p = plan(DST, Some(1), 1000);
    p.schedule.max_unknown = 30;
    let mut s = Scheduler::new(vec![p], budget, net.at(0), &[0]);
    assert_eq!(send_all(&mut s, net.at(0)).len(), 4, "the burst");
    assert_eq!(send_all(&mut s, net.at(5)).len(), 0);
    let wake = s.next_wakeup().unwrap();
    assert!(
        wake <= net.at(10) && wake > net.at(0),
        "next token in 10 ms"
    );
    assert_eq!(send_all(&mut s, net.at(10)).len(), 1);
    assert_eq!(send_all(&mut s, net.at(40)).len(), 3);
}

#[test]
fn many_flows_share_the_budget_oldest_first_and_replies_find_their_flow() {
    let net = Net {
        t0: Instant::now(),
        len: 2,
    };
    let plans: Vec<TracePlan> = (1..=3)
        .map(|i| {
            let mut p = plan(&format!("198.51.100.{i}"), Some(1), 1000);
            p.id = i - 1;
            p.schedule.max_hops = 2;
            p
        })
        .collect();
    let budget = Budget {
        rate: None,
        burst: 1,
        max_in_flight: 4,
    };
    let mut s = Scheduler::new(plans, budget, net.at(0), &[1, 1, 1]);
    let sent = send_all(&mut s, net.at(0));
    assert_eq!(sent.len(), 4, "bounded by probes in flight");
    // Oldest flows first: the first two flows' whole paths, the third waits its turn.
    let traces: Vec<usize> = sent.iter().map(|p| p.trace).collect();
    assert_eq!(traces, vec![0, 0, 1, 1]);
    for p in &sent {
        s.on_packet(incoming(net.answer(p).unwrap(), net.at(1)));
    }
    s.expire(net.at(1));
    let rest = send_all(&mut s, net.at(1));
    for p in &rest {
        s.on_packet(incoming(net.answer(p).unwrap(), net.at(2)));
    }
    s.expire(net.at(2));
    let progress = s.take_progress();
    let done = passes(&progress);
    assert_eq!(done.len(), 3);
    for r in done {
        assert!(r.reached);
        let dst = ip(&format!("198.51.100.{}", r.trace + 1));
        assert_eq!(r.hops[1].replies().next().unwrap().address, dst);
    }
}

#[test]
fn a_reply_for_another_destination_or_identifier_is_foreign() {
    let net = Net {
        t0: Instant::now(),
        len: 3,
    };
    let mut s = Scheduler::new(vec![plan(DST, Some(1), 1000)], unlimited(), net.at(0), &[9]);
    let sent = send_all(&mut s, net.at(0));
    let mut other = sent[0];
    other.flow = flow("203.0.113.5", 7);
    assert_eq!(
        s.on_packet(incoming(net.answer(&other).unwrap(), net.at(1))),
        None
    );
    other.flow = flow(DST, 8);
    assert_eq!(
        s.on_packet(incoming(net.answer(&other).unwrap(), net.at(1))),
        None
    );
    assert_eq!(s.stats().foreign, 2);
}

#[test]
fn unbounded_cycles_keep_a_bounded_number_of_passes() {
    let net = Net {
        t0: Instant::now(),
        len: 3,
    };
    let mut s = Scheduler::new(vec![plan(DST, None, 10)], unlimited(), net.at(0), &[77]);
    let mut done = 0;
    for c in 0..5000u64 {
        let ms = c * 10;
        for p in send_all(&mut s, net.at(ms)) {
            // Every third cycle loses its probes; they are given up after the 2 s wait.
            if c % 3 != 0 {
                s.on_packet(incoming(net.answer(&p).unwrap(), net.at(ms + 1)));
            }
        }
        s.expire(net.at(ms + 2));
        done += passes(&s.take_progress()).len();
        assert!(
            s.flows[0].as_ref().unwrap().passes.len() <= 80,
            "passes under way stay bounded"
        );
    }
    assert!(done > 4800);
    assert!(!s.is_finished());
    s.finish_started();
    s.expire(net.at(60_000));
    done += passes(&s.take_progress()).len();
    assert_eq!(done as u64, s.passes_started());
    assert!(s.is_finished());
}

#[test]
fn pause_holds_new_passes_and_abandon_ends_those_under_way() {
    let net = Net {
        t0: Instant::now(),
        len: 3,
    };
    let mut s = Scheduler::new(vec![plan(DST, None, 100)], unlimited(), net.at(0), &[3]);
    assert!(!send_all(&mut s, net.at(0)).is_empty());
    s.set_paused(true, net.at(10));
    assert!(send_all(&mut s, net.at(500)).is_empty());
    s.set_paused(false, net.at(600));
    assert!(!send_all(&mut s, net.at(600)).is_empty());
    s.abandon();
    let progress = s.take_progress();
    let done = passes(&progress);
    assert_eq!(done.len(), 2);
    assert!(done.iter().all(|r| r.interrupted));
    assert!(s.is_finished());
}

#[test]
fn flows_added_later_run_and_finished_ones_are_forgotten() {
    let net = Net {
        t0: Instant::now(),
        len: 2,
    };
    let budget = Budget {
        rate: None,
        burst: 1,
        max_in_flight: 1000,
    };
    let mut s = Scheduler::new(Vec::new(), budget, net.at(0), &[]);
    assert!(s.is_finished(), "nothing to do yet");
    let mut results = Vec::new();
    for i in 0..50usize {
        let mut p = plan(
            &format!("198.51.{}.{}", 100 + i / 200, i % 200 + 1),
            Some(1),
            1000,
        );
        p.id = 1000 + i;
        p.schedule.max_hops = 2;
        s.add_flow(p, (i * 977) as u16, net.at(i as u64));
        for probe in send_all(&mut s, net.at(i as u64)) {
            s.on_packet(incoming(net.answer(&probe).unwrap(), net.at(i as u64)));
        }
        s.expire(net.at(i as u64));
        results.extend(s.take_progress());
        assert!(s.active_flows() <= 1, "finished flows are forgotten");
    }
    let done = passes(&results);
    assert_eq!(done.len(), 50);
    for (i, r) in done.iter().enumerate() {
        assert_eq!(r.trace, 1000 + i);
        let dst = ip(&format!("198.51.{}.{}", 100 + i / 200, i % 200 + 1));
        assert_eq!(
            r.hops.last().unwrap().replies().next().unwrap().address,
            dst
        );
    }
    assert_eq!(s.flows.len(), 1, "one slot, reused");
    assert!(s.is_finished());
}
