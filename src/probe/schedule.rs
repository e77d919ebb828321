//! The tracer's bookkeeping, free of I/O: which probe to send next, which reply answers which
//! probe, when to give up on a silent one, and which hops are complete.
//!
//! Keeping this pure makes the adaptive waits and the matching rules testable with synthetic
//! replies; the engine only moves bytes and time in and out.
//!
//! Waits follow traceroute's `-w MAX,HERE,NEAR`: a probe is given up after MAX, or HERE times
//! the RTT of a reply from the same hop, or NEAR times the RTT of a reply from a later hop. One
//! rule is added for the silent tail of a path (a destination that drops everything): probes
//! beyond the last hop that answered wait at most max(1 s, NEAR × the slowest RTT seen), and no
//! TTL more than `max_unknown` beyond that hop is sent. A silent destination so costs about one
//! such wait, not a full wait per TTL.

use super::matching::{seq_add, seq_offset, sequence_of, SEQUENCE_SPACE};
use super::packet::{Flow, Message, Received, Sequence};
use super::recv::Incoming;
use crate::trace::{Hop, Reply};
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

/// The shortest NEAR wait: below it, scheduler noise would be mistaken for silence.
const WAIT_FLOOR: Duration = Duration::from_millis(5);
/// The shortest HERE wait. A router that answered some probes of a hop may answer the others
/// late (slow-path ICMP, jitter); giving those up costs real replies, not just time.
const HERE_FLOOR: Duration = Duration::from_millis(100);
/// The shortest wait for probes beyond the last hop that answered.
const TAIL_FLOOR: Duration = Duration::from_secs(1);

/// What the schedule needs to know of the options.
#[derive(Debug, Clone)]
pub struct ScheduleConfig {
    pub first_hop: u8,
    pub max_hops: u8,
    pub queries: u8,
    pub max_wait: Duration,
    pub here: f64,
    pub near: f64,
    /// Probes in flight at once.
    pub parallel: usize,
    /// Silent TTLs probed beyond the last hop that answered before giving up.
    pub max_unknown: u8,
}

/// Counts of what arrived besides the answers, shown with `-v`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub sent: u64,
    pub matched: u64,
    /// Well-formed packets that answer someone else's probes (other programs, other traces).
    pub foreign: u64,
    /// Packets that could not be decoded, or that never answer a probe.
    pub undecodable: u64,
    /// A second answer to a probe already answered.
    pub duplicates: u64,
    /// Answers that came after the probe was given up.
    pub late: u64,
}

/// What became of an answer offered to a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// It answered a probe in flight; the responder.
    Matched(IpAddr),
    /// A second answer to an answered probe.
    Duplicate,
    /// An answer to a probe already given up.
    Late,
    /// The sequence is not one this pass sent.
    NotOurs,
}

#[derive(Debug, Clone)]
enum SlotState {
    InFlight,
    Answered(Reply),
    TimedOut,
}

#[derive(Debug, Clone)]
struct Slot {
    ttl: u8,
    sent_at: Instant,
    sent_wall: SystemTime,
    state: SlotState,
}

/// The state of one trace.
#[derive(Debug)]
pub struct Schedule {
    cfg: ScheduleConfig,
    flow: Flow,
    /// Added to slot indices to form wire sequences, so a late reply to an earlier run using the
    /// same identifier is unlikely to fall in our range.
    base: u16,
    slots: Vec<Slot>,
    next_ttl: u16,
    next_query: u8,
    /// The smallest TTL whose reply ended the path (destination or unreachable).
    end_ttl: Option<u8>,
    reached: bool,
    last_answered: Option<u8>,
    next_emit: u16,
    slowest: Duration,
    stats: Stats,
}

impl Schedule {
    /// A fresh schedule for `flow`.
    pub fn new(cfg: ScheduleConfig, flow: Flow, base: u16) -> Self {
        let first = u16::from(cfg.first_hop.max(1));
        Schedule {
            next_ttl: first,
            next_emit: first,
            cfg,
            flow,
            base,
            slots: Vec::new(),
            next_query: 0,
            end_ttl: None,
            reached: false,
            last_answered: None,
            slowest: Duration::ZERO,
            stats: Stats::default(),
        }
    }

    /// Probes sent and neither answered nor given up.
    pub fn in_flight(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s.state, SlotState::InFlight))
            .count()
    }

    /// The highest TTL that may be sent now.
    fn ttl_limit(&self) -> u8 {
        let horizon = self
            .last_answered
            .unwrap_or(self.cfg.first_hop.max(1) - 1)
            .saturating_add(self.cfg.max_unknown);
        let mut limit = self.cfg.max_hops.min(horizon);
        if let Some(end) = self.end_ttl {
            limit = limit.min(end);
        }
        limit
    }

    /// True when the window and the path would let a probe go now.
    pub fn wants_to_send(&self) -> bool {
        self.in_flight() < self.cfg.parallel.max(1)
            && self.next_ttl <= u16::from(self.ttl_limit())
            && self.slots.len() < SEQUENCE_SPACE as usize
    }

    /// Claim the next probe to send, if the window and the path allow one.
    pub fn next_probe(&mut self, now: Instant, wall: SystemTime) -> Option<(Sequence, u8)> {
        if self.in_flight() >= self.cfg.parallel.max(1)
            || self.next_ttl > u16::from(self.ttl_limit())
        {
            return None;
        }
        if self.slots.len() >= SEQUENCE_SPACE as usize {
            return None;
        }
        let ttl = self.next_ttl as u8;
        let seq = self.sequence(self.slots.len());
        self.slots.push(Slot {
            ttl,
            sent_at: now,
            sent_wall: wall,
            state: SlotState::InFlight,
        });
        self.next_query += 1;
        if self.next_query >= self.cfg.queries.max(1) {
            self.next_query = 0;
            self.next_ttl += 1;
        }
        self.stats.sent += 1;
        Some((seq, ttl))
    }

    /// Undo the claim of the probe just returned by `next_probe` (it could not be sent).
    pub fn unsend_last(&mut self) {
        if let Some(s) = self.slots.last_mut() {
            s.state = SlotState::TimedOut;
        }
    }

    fn slot_index(&self, seq: u16) -> Option<usize> {
        let i = seq_offset(self.base, seq) as usize;
        (i < self.slots.len()).then_some(i)
    }

    /// The sequence number of slot `index`.
    fn sequence(&self, index: usize) -> Sequence {
        Sequence(seq_add(self.base, index as u32))
    }

    /// Account for one received packet. Returns the responder's address when it answered one
    /// of our probes.
    pub fn on_packet(&mut self, incoming: Incoming) -> Option<IpAddr> {
        let received = match incoming.packet {
            Ok(r) => r,
            Err(_) => {
                self.stats.undecodable += 1;
                return None;
            }
        };
        let Some(seq) = sequence_of(&self.flow, &received) else {
            self.stats.foreign += 1;
            return None;
        };
        match self.on_answer(seq, received, incoming.kernel_time, incoming.read_at) {
            Answer::Matched(from) => Some(from),
            Answer::NotOurs => {
                self.stats.foreign += 1;
                None
            }
            Answer::Duplicate | Answer::Late => None,
        }
    }

    /// True when `seq` falls among the probes this pass sent.
    pub fn owns(&self, seq: u16) -> bool {
        self.slot_index(seq).is_some()
    }

    /// Account for a packet already known to answer sequence `seq` of this pass's flow.
    pub fn on_answer(
        &mut self,
        seq: u16,
        received: Received,
        kernel_time: Option<SystemTime>,
        read_at: Instant,
    ) -> Answer {
        let Some(index) = self.slot_index(seq) else {
            return Answer::NotOurs;
        };
        let slot = &mut self.slots[index];
        match slot.state {
            SlotState::Answered(_) => {
                self.stats.duplicates += 1;
                return Answer::Duplicate;
            }
            SlotState::TimedOut => {
                self.stats.late += 1;
                return Answer::Late;
            }
            SlotState::InFlight => {}
        }
        let reply = reply_to(received, slot.sent_at, slot.sent_wall, kernel_time, read_at);
        let (rtt, kind, from) = (reply.rtt.unwrap_or_default(), reply.kind, reply.address);
        let ttl = slot.ttl;
        slot.state = SlotState::Answered(reply);
        self.stats.matched += 1;
        self.slowest = self.slowest.max(rtt);
        self.last_answered = Some(self.last_answered.map_or(ttl, |t| t.max(ttl)));
        if kind.ends_path() {
            self.end_ttl = Some(self.end_ttl.map_or(ttl, |t| t.min(ttl)));
            self.reached |= kind.is_destination();
        }
        Answer::Matched(from)
    }

    /// The wait allowed to a probe of `ttl`, given what has been heard so far.
    fn wait_for(&self, ttl: u8, here: Option<Duration>, near: Option<Duration>) -> Duration {
        let mut wait = self.cfg.max_wait;
        if let Some(w) = here.and_then(|r| scale(r, self.cfg.here)) {
            wait = wait.min(w.max(HERE_FLOOR));
        }
        match near {
            Some(r) => {
                if let Some(w) = scale(r, self.cfg.near) {
                    wait = wait.min(w.max(WAIT_FLOOR));
                }
            }
            None => {
                // The tail rule scales by NEAR too: with NEAR off, silent tails wait MAX.
                if self.last_answered.is_some_and(|last| ttl > last) {
                    if let Some(tail) = scale(self.slowest, self.cfg.near) {
                        wait = wait.min(tail.max(TAIL_FLOOR));
                    }
                }
            }
        }
        wait
    }

    /// Per TTL: the slowest reply at that TTL (HERE), and the fastest at any later TTL (NEAR).
    fn rtt_tables(&self) -> (Vec<Option<Duration>>, Vec<Option<Duration>>) {
        // Indexed by TTL up to the highest sent (a few entries for a short path: this runs on
        // every wake-up of every pass under way).
        let top = self
            .slots
            .iter()
            .map(|s| usize::from(s.ttl))
            .max()
            .unwrap_or(0);
        let mut slowest = vec![None::<Duration>; top + 2];
        let mut fastest = vec![None::<Duration>; top + 2];
        for s in &self.slots {
            if let SlotState::Answered(Reply { rtt: Some(r), .. }) = &s.state {
                let t = usize::from(s.ttl);
                slowest[t] = Some(slowest[t].map_or(*r, |x| x.max(*r)));
                fastest[t] = Some(fastest[t].map_or(*r, |x| x.min(*r)));
            }
        }
        let mut later = vec![None::<Duration>; top + 2];
        for t in (0..=top).rev() {
            later[t] = match (later[t + 1], fastest[t + 1]) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        (slowest, later)
    }

    /// When the next in-flight probe will be given up, if any is in flight.
    pub fn next_deadline(&self) -> Option<Instant> {
        let (here, later) = self.rtt_tables();
        self.slots
            .iter()
            .filter(|s| matches!(s.state, SlotState::InFlight))
            .map(|s| {
                let t = usize::from(s.ttl);
                s.sent_at + self.wait_for(s.ttl, here[t], later[t])
            })
            .min()
    }

    /// Give up every in-flight probe whose wait has run out, or that can no longer matter.
    pub fn expire(&mut self, now: Instant) {
        let (here, later) = self.rtt_tables();
        let end = self.end_ttl;
        let waits: Vec<Option<Duration>> = self
            .slots
            .iter()
            .map(|s| {
                let t = usize::from(s.ttl);
                matches!(s.state, SlotState::InFlight)
                    .then(|| self.wait_for(s.ttl, here[t], later[t]))
            })
            .collect();
        for (slot, wait) in self.slots.iter_mut().zip(waits) {
            let Some(wait) = wait else { continue };
            let beyond_end = end.is_some_and(|e| slot.ttl > e);
            if beyond_end || now >= slot.sent_at + wait {
                slot.state = SlotState::TimedOut;
            }
        }
    }

    /// The last TTL the trace will report, once known.
    fn final_ttl(&self) -> u8 {
        if let Some(end) = self.end_ttl {
            return end;
        }
        let sent_max = self.slots.iter().map(|s| s.ttl).max().unwrap_or(0);
        sent_max.min(self.ttl_limit())
    }

    /// True when nothing is in flight and nothing more will be sent.
    pub fn is_finished(&self) -> bool {
        self.in_flight() == 0 && self.next_ttl > u16::from(self.ttl_limit())
    }

    fn hop(&self, ttl: u8) -> Hop {
        Hop {
            ttl,
            probes: self
                .slots
                .iter()
                .filter(|s| s.ttl == ttl)
                .map(|s| match &s.state {
                    SlotState::Answered(r) => Some(r.clone()),
                    _ => None,
                })
                .collect(),
        }
    }

    fn hop_complete(&self, ttl: u8) -> bool {
        let probes: Vec<&Slot> = self.slots.iter().filter(|s| s.ttl == ttl).collect();
        probes.len() >= usize::from(self.cfg.queries.max(1))
            && probes
                .iter()
                .all(|s| !matches!(s.state, SlotState::InFlight))
    }

    /// Hops completed since the last call, in TTL order (a hop waits for all earlier ones).
    pub fn take_completed(&mut self) -> Vec<Hop> {
        let mut out = Vec::new();
        while self.next_emit <= u16::from(self.final_ttl()) {
            let ttl = self.next_emit as u8;
            if !(self.hop_complete(ttl) || self.is_finished()) {
                break;
            }
            if self.slots.iter().any(|s| s.ttl == ttl) {
                out.push(self.hop(ttl));
            }
            self.next_emit += 1;
        }
        out
    }

    /// Every hop up to the last that will be reported (for an interrupted trace: up to the
    /// last hop with any probe sent), with whatever answers arrived.
    pub fn hops(&self, interrupted: bool) -> Vec<Hop> {
        let last = if interrupted {
            let answered = self.last_answered.unwrap_or(0);
            let emitted = self.next_emit.saturating_sub(1) as u8;
            answered.max(emitted).min(self.final_ttl().max(answered))
        } else {
            self.final_ttl()
        };
        (self.cfg.first_hop.max(1)..=last)
            .filter(|t| self.slots.iter().any(|s| s.ttl == *t))
            .map(|t| self.hop(t))
            .collect()
    }

    /// True when the destination answered.
    pub fn reached(&self) -> bool {
        self.reached
    }

    /// What arrived, besides the answers.
    pub fn stats(&self) -> Stats {
        self.stats
    }
}

/// The reply `received` makes of a probe sent at `sent_at` (`sent_wall` on the wall clock): the
/// kernel's receive time when it agrees with the monotonic clock, else the time it was read.
pub(super) fn reply_to(
    received: Received,
    sent_at: Instant,
    sent_wall: SystemTime,
    kernel_time: Option<SystemTime>,
    read_at: Instant,
) -> Reply {
    let monotonic = read_at.saturating_duration_since(sent_at);
    let rtt = kernel_time
        .and_then(|k| k.duration_since(sent_wall).ok())
        .filter(|k| *k <= monotonic + Duration::from_millis(1))
        .unwrap_or(monotonic);
    let (kind, mpls) = match received.message {
        Message::EchoReply { .. } => (crate::trace::ReplyKind::EchoReply, Vec::new()),
        Message::Error { kind, mpls, .. } => (kind, mpls),
        Message::Tcp { kind, .. } => (kind, Vec::new()),
    };
    Reply {
        address: received.from,
        rtt: Some(rtt),
        kind,
        reply_ttl: received.reply_ttl,
        mpls,
        hostname: None,
    }
}

/// `r × factor`, or `None` when the factor turns the rule off (0 on the command line becomes
/// infinity) or the product is not a duration.
pub(super) fn scale(r: Duration, factor: f64) -> Option<Duration> {
    if !factor.is_finite() || factor < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(r.as_secs_f64() * factor).ok()
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
