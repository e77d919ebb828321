//! Many passes over many flows under one send budget: the engine's only source of decisions.
//!
//! A *pass* is one Paris traceroute of one flow over a TTL range (today's [`Schedule`], with its
//! adaptive waits). Everything globetrace observes is made of passes: a single trace is one
//! pass; continuous monitoring (`-c`) starts a new pass of the same flow every interval, passes
//! overlapping when the path is slower than the interval; many targets are many flows. What
//! decides which passes exist is a [`TracePlan`] per flow; what they share is one rate budget
//! (`--rate`, a token bucket) and one bound on probes in flight.
//!
//! Replies never mix. Each flow owns a random base in the sequence space; pass `k` of a flow
//! owns the block `group(k) × capacity` after it, where capacity is the most probes one pass
//! can send. A reply's sequence so names its pass and slot exactly; a reply for a block whose
//! pass has finished is *late* (counted, never used), and a block is never handed to a new pass
//! while an older pass holds it.
//!
//! Like the schedule, this is free of I/O and clocks: time comes in as arguments, so strategies
//! are tested with a synthetic clock (`scheduler_tests.rs`).

use super::budget::TokenBucket;
use super::matching::{destination_of, seq_add, seq_offset, sequence_of_spread, SEQUENCE_SPACE};
use super::packet::{Flow, Sequence};
use super::pass::{Strategy, Work};
use super::recv::Incoming;
use super::schedule::{Answer, ScheduleConfig, Stats};
use crate::trace::Hop;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

/// Which passes of one flow to run.
#[derive(Debug, Clone)]
pub struct TracePlan {
    /// The caller's name for this trace, carried by its [`Progress`].
    pub id: usize,
    pub flow: Flow,
    pub schedule: ScheduleConfig,
    /// How many passes; `None` until stopped.
    pub cycles: Option<u64>,
    /// Time between the starts of two passes.
    pub interval: Duration,
    /// How each pass probes.
    pub strategy: Strategy,
}

/// The shared send budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Probes per second, all flows together; `None` for no limit.
    pub rate: Option<f64>,
    /// Probes that may leave back to back before the rate applies.
    pub burst: u32,
    /// Probes in flight at once, all passes together.
    pub max_in_flight: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            rate: Some(DEFAULT_RATE),
            burst: 100,
            max_in_flight: 4096,
        }
    }
}

/// The default `--rate`: far above what one trace sends (a 30-hop trace is 90 probes, within
/// the burst), low enough that monitoring at `-i 0.01` cannot flood a path.
pub const DEFAULT_RATE: f64 = 1000.0;

/// Finished flows remembered for telling late replies from foreign ones.
const RETIRED_KEPT: usize = 4096;

/// A probe to send now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub trace: usize,
    pub flow: Flow,
    pub seq: Sequence,
    pub ttl: u8,
}

/// What happened, for whoever renders or sums up.
#[derive(Debug, Clone)]
pub enum Progress {
    /// A responder answered (a good moment to start its name lookup).
    Responder(IpAddr),
    /// A hop of a pass is complete; a pass's hops arrive in TTL order.
    Hop { trace: usize, cycle: u64, hop: Hop },
    /// A pass is over: every probe answered or given up (or the run was stopped).
    PassDone(PassResult),
}

/// The outcome of one pass.
#[derive(Debug, Clone)]
pub struct PassResult {
    pub trace: usize,
    /// Counted from 1.
    pub cycle: u64,
    pub hops: Vec<Hop>,
    pub reached: bool,
    /// Cut short by a stop.
    pub interrupted: bool,
    /// The graph of a multipath pass.
    pub multipath: Option<crate::multipath::Multipath>,
}

#[derive(Debug)]
struct Pass {
    cycle: u64,
    group: u32,
    schedule: Work,
}

#[derive(Debug)]
struct Flowing {
    plan: TracePlan,
    base: u16,
    /// The most probes one pass can send: the size of a pass's sequence block.
    capacity: u32,
    /// Blocks in the sequence space.
    groups: u32,
    started: u64,
    next_start: Instant,
    passes: Vec<Pass>,
    /// The TTL at which the destination answered in the last pass that reached it.
    known_end: Option<u8>,
}

impl Flowing {
    fn more_to_start(&self) -> bool {
        self.plan.cycles.is_none_or(|n| self.started < n)
    }

    fn group_busy(&self, group: u32) -> bool {
        self.passes.iter().any(|p| p.group == group)
    }
}

/// The scheduler of every pass of a run.
#[derive(Debug)]
pub struct Scheduler {
    /// A slab: a finished flow's slot is reused by the next one added.
    flows: Vec<Option<Flowing>>,
    free: Vec<usize>,
    by_destination: HashMap<IpAddr, Vec<usize>>,
    /// Recently finished flows, so their late replies count as late, not foreign.
    retired: HashMap<IpAddr, Vec<(Flow, u32)>>,
    retired_order: VecDeque<IpAddr>,
    /// Passes started, all flows, finished ones included.
    passes_total: u64,
    bucket: TokenBucket,
    max_in_flight: usize,
    in_flight: usize,
    /// What no pass could claim, plus the figures of finished passes.
    stats: Stats,
    progress: Vec<Progress>,
    /// No new passes (paused or stopping).
    paused: bool,
    stopping: bool,
    /// Slots of the flows under way, oldest first: older flows are served first, so traces
    /// finish (and are reported) in the order they started rather than all at the end.
    order: VecDeque<usize>,
    /// The pass the last probe was claimed from, for `unsend_last`.
    last_claim: Option<(usize, usize)>,
}

impl Scheduler {
    /// A scheduler for `plans`, the first passes due at `now`. `bases` seeds each flow's place
    /// in the sequence space (random in the engine, fixed in tests).
    pub fn new(plans: Vec<TracePlan>, budget: Budget, now: Instant, bases: &[u16]) -> Self {
        let mut s = Scheduler {
            flows: Vec::new(),
            free: Vec::new(),
            by_destination: HashMap::new(),
            retired: HashMap::new(),
            retired_order: VecDeque::new(),
            passes_total: 0,
            bucket: TokenBucket::new(budget.rate, budget.burst, now),
            max_in_flight: budget.max_in_flight.max(1),
            in_flight: 0,
            stats: Stats::default(),
            progress: Vec::new(),
            paused: false,
            stopping: false,
            order: VecDeque::new(),
            last_claim: None,
        };
        for (i, plan) in plans.into_iter().enumerate() {
            s.add_flow(plan, bases.get(i).copied().unwrap_or(0), now);
        }
        s
    }

    /// Add a flow whose first pass is due at `now`; `base` is its place in the sequence space.
    pub fn add_flow(&mut self, plan: TracePlan, base: u16, now: Instant) {
        let s = &plan.schedule;
        let ttls = u32::from(s.max_hops.saturating_sub(s.first_hop.max(1))) + 1;
        let capacity = match plan.strategy {
            Strategy::Paris => (ttls * u32::from(s.queries.max(1))).max(1),
            // A discovery's probe count is not known ahead: it owns the whole space.
            Strategy::Multipath { .. } => SEQUENCE_SPACE,
        };
        let destination = plan.flow.destination;
        let flowing = Flowing {
            base,
            capacity,
            groups: (SEQUENCE_SPACE / capacity).max(1),
            started: 0,
            next_start: now,
            passes: Vec::new(),
            known_end: None,
            plan,
        };
        let slot = match self.free.pop() {
            Some(i) => {
                self.flows[i] = Some(flowing);
                i
            }
            None => {
                self.flows.push(Some(flowing));
                self.flows.len() - 1
            }
        };
        self.by_destination
            .entry(destination)
            .or_default()
            .push(slot);
        self.order.push_back(slot);
    }

    /// True when a probe could leave now as far as the shared budget goes, but no pass under
    /// way has one to send: the moment to start another flow.
    pub fn has_room(&mut self, now: Instant) -> bool {
        self.start_due(now);
        self.in_flight < self.max_in_flight
            && self.bucket.ready(now)
            && !self
                .flows
                .iter()
                .flatten()
                .flat_map(|f| &f.passes)
                .any(|p| p.schedule.wants_to_send())
    }

    /// When the budget will next allow a probe, if it does not now.
    pub fn next_token(&self) -> Option<Instant> {
        self.bucket.next_token()
    }

    /// True when a flow to `destination` is under way.
    pub fn has_destination(&self, destination: IpAddr) -> bool {
        self.by_destination.contains_key(&destination)
    }

    /// Flows with passes under way or still to start.
    pub fn active_flows(&self) -> usize {
        self.flows.iter().flatten().count()
    }

    /// Forget flows whose every pass is over: their slots and sequence blocks are free again.
    fn retire_flows(&mut self) {
        for i in 0..self.flows.len() {
            let over = self.flows[i]
                .as_ref()
                .is_some_and(|f| f.passes.is_empty() && (self.stopping || !f.more_to_start()));
            if !over {
                continue;
            }
            let f = self.flows[i].take().expect("checked");
            self.order.retain(|&x| x != i);
            if let Some(list) = self.by_destination.get_mut(&f.plan.flow.destination) {
                list.retain(|&x| x != i);
                if list.is_empty() {
                    self.by_destination.remove(&f.plan.flow.destination);
                }
            }
            self.free.push(i);
            let dest = f.plan.flow.destination;
            self.retired
                .entry(dest)
                .or_default()
                .push((f.plan.flow, f.plan.strategy.spread()));
            self.retired_order.push_back(dest);
            while self.retired_order.len() > RETIRED_KEPT {
                let old = self.retired_order.pop_front().expect("non-empty");
                if let Some(list) = self.retired.get_mut(&old) {
                    list.remove(0);
                    if list.is_empty() {
                        self.retired.remove(&old);
                    }
                }
            }
        }
    }

    /// Start the passes that are due.
    fn start_due(&mut self, now: Instant) {
        if self.paused || self.stopping {
            return;
        }
        for f in self.flows.iter_mut().flatten() {
            if !f.more_to_start() || now < f.next_start {
                continue;
            }
            let group = (f.started % u64::from(f.groups)) as u32;
            if f.group_busy(group) {
                // The oldest pass still holds this block: wait for it to finish.
                continue;
            }
            let mut cfg = f.plan.schedule.clone();
            if let Some(end) = f.known_end {
                // Probing beyond the destination only finds the destination again; a pass
                // that finds the path longer forgets this for the next one.
                cfg.max_hops = cfg.max_hops.min(end);
            }
            let base = seq_add(f.base, group * f.capacity);
            f.started += 1;
            self.passes_total += 1;
            f.passes.push(Pass {
                cycle: f.started,
                group,
                schedule: Work::new(f.plan.strategy, cfg, f.plan.flow, base),
            });
            let interval = f.plan.interval;
            f.next_start += interval;
            if f.next_start + interval < now {
                // Behind (a pause, a stalled machine): start afresh rather than in a burst.
                f.next_start = now + interval;
            }
        }
    }

    /// Claim the next probe to send, if the budget and some pass allow one.
    pub fn next_probe(&mut self, now: Instant, wall: SystemTime) -> Option<Probe> {
        self.start_due(now);
        if self.in_flight >= self.max_in_flight || !self.bucket.ready(now) {
            return None;
        }
        for &t in &self.order {
            let Some(f) = self.flows[t].as_mut() else {
                continue;
            };
            // Older passes first, so cycles finish in order.
            for (pi, pass) in f.passes.iter_mut().enumerate() {
                if let Some((flow, seq, ttl)) = pass.schedule.next_probe(&f.plan.flow, now, wall) {
                    self.bucket.take();
                    self.in_flight += 1;
                    self.last_claim = Some((t, pi));
                    return Some(Probe {
                        trace: f.plan.id,
                        flow,
                        seq,
                        ttl,
                    });
                }
            }
        }
        None
    }

    /// Undo the last claim (the probe could not be sent).
    pub fn unsend_last(&mut self) {
        if let Some((t, pi)) = self.last_claim.take() {
            if let Some(p) = self.flows[t].as_mut().and_then(|f| f.passes.get_mut(pi)) {
                p.schedule.unsend_last();
            }
        }
    }

    /// Account for one received packet; the responder when it answered a probe in flight.
    pub fn on_packet(&mut self, incoming: Incoming) -> Option<IpAddr> {
        let received = match incoming.packet {
            Ok(r) => r,
            Err(_) => {
                self.stats.undecodable += 1;
                return None;
            }
        };
        let dest = destination_of(&received);
        let candidates = self.by_destination.get(&dest).cloned().unwrap_or_default();
        for t in candidates {
            let Some(f) = self.flows[t].as_mut() else {
                continue;
            };
            let Some(seq) = sequence_of_spread(&f.plan.flow, f.plan.strategy.spread(), &received)
            else {
                continue;
            };
            let offset = seq_offset(f.base, seq);
            let group = offset / f.capacity;
            if group >= f.groups {
                break;
            }
            let Some(pass) = f
                .passes
                .iter_mut()
                .find(|p| p.group == group && p.schedule.owns(seq))
            else {
                // Its pass is over (or the block was never used): late, or not ours at all.
                if u64::from(group) < f.started {
                    self.stats.late += 1;
                } else {
                    self.stats.foreign += 1;
                }
                return None;
            };
            let answer =
                pass.schedule
                    .on_answer(seq, received, incoming.kernel_time, incoming.read_at);
            return match answer {
                Answer::Matched(from) => {
                    self.progress.push(Progress::Responder(from));
                    Some(from)
                }
                Answer::NotOurs => {
                    self.stats.late += 1;
                    None
                }
                Answer::Duplicate | Answer::Late => None,
            };
        }
        let late = self.retired.get(&dest).is_some_and(|flows| {
            flows
                .iter()
                .any(|(f, spread)| sequence_of_spread(f, *spread, &received).is_some())
        });
        if late {
            self.stats.late += 1;
        } else {
            self.stats.foreign += 1;
        }
        None
    }

    /// Give up what has waited long enough, report completed hops and retire finished passes.
    pub fn expire(&mut self, now: Instant) {
        for f in self.flows.iter_mut().flatten() {
            let t = f.plan.id;
            for pass in &mut f.passes {
                pass.schedule.expire(now);
                for hop in pass.schedule.take_completed() {
                    self.progress.push(Progress::Hop {
                        trace: t,
                        cycle: pass.cycle,
                        hop,
                    });
                }
            }
            let mut i = 0;
            while i < f.passes.len() {
                if f.passes[i].schedule.is_finished() {
                    let mut pass = f.passes.remove(i);
                    let multipath = pass.schedule.multipath();
                    let reached = pass.schedule.reached();
                    let hops = pass.schedule.hops(false);
                    if reached {
                        f.known_end = hops.iter().find(|h| h.reached_destination()).map(|h| h.ttl);
                    } else {
                        f.known_end = None;
                    }
                    add_stats(&mut self.stats, &pass.schedule.stats());
                    self.progress.push(Progress::PassDone(PassResult {
                        trace: t,
                        cycle: pass.cycle,
                        hops,
                        reached,
                        interrupted: false,
                        multipath,
                    }));
                } else {
                    i += 1;
                }
            }
        }
        self.retire_flows();
        self.in_flight = self
            .flows
            .iter()
            .flatten()
            .flat_map(|f| &f.passes)
            .map(|p| p.schedule.in_flight())
            .sum();
    }

    /// When something will next need doing (a give-up, a pass to start, a token for a waiting
    /// probe), if anything will.
    pub fn next_wakeup(&self) -> Option<Instant> {
        let deadlines = self
            .flows
            .iter()
            .flatten()
            .flat_map(|f| &f.passes)
            .filter_map(|p| p.schedule.next_deadline());
        let starts = self
            .flows
            .iter()
            .flatten()
            .filter(|f| !(self.paused || self.stopping) && f.more_to_start())
            .map(|f| f.next_start);
        let waiting = self
            .flows
            .iter()
            .flatten()
            .flat_map(|f| &f.passes)
            .any(|p| p.schedule.wants_to_send());
        let token = waiting.then(|| self.bucket.next_token()).flatten();
        deadlines.chain(starts).chain(token).min()
    }

    /// True when every pass is over and none is left to start.
    pub fn is_finished(&self) -> bool {
        self.flows
            .iter()
            .flatten()
            .all(|f| f.passes.is_empty() && (self.stopping || !f.more_to_start()))
    }

    /// Start no more passes; those under way run to their end.
    pub fn finish_started(&mut self) {
        self.stopping = true;
    }

    /// Pause or resume starting passes. On resume the next pass starts at once.
    pub fn set_paused(&mut self, paused: bool, now: Instant) {
        if self.paused && !paused {
            for f in self.flows.iter_mut().flatten() {
                f.next_start = f.next_start.min(now);
            }
        }
        self.paused = paused;
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Stop now: every pass under way ends with what it has (hops up to the last answered or
    /// reported), marked interrupted.
    pub fn abandon(&mut self) {
        self.stopping = true;
        for f in self.flows.iter_mut().flatten() {
            let t = f.plan.id;
            for mut pass in f.passes.drain(..) {
                add_stats(&mut self.stats, &pass.schedule.stats());
                let multipath = pass.schedule.multipath();
                self.progress.push(Progress::PassDone(PassResult {
                    trace: t,
                    cycle: pass.cycle,
                    hops: pass.schedule.hops(true),
                    reached: pass.schedule.reached(),
                    interrupted: true,
                    multipath,
                }));
            }
        }
        self.in_flight = 0;
    }

    /// What happened since the last call.
    pub fn take_progress(&mut self) -> Vec<Progress> {
        std::mem::take(&mut self.progress)
    }

    /// Passes started so far, over all flows.
    pub fn passes_started(&self) -> u64 {
        self.passes_total
    }

    /// Counts over the whole run: sent and matched by every pass, and what no pass used.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats;
        for p in self.flows.iter().flatten().flat_map(|f| &f.passes) {
            add_stats(&mut s, &p.schedule.stats());
        }
        s
    }
}

fn add_stats(into: &mut Stats, s: &Stats) {
    into.sent += s.sent;
    into.matched += s.matched;
    into.foreign += s.foreign;
    into.undecodable += s.undecodable;
    into.duplicates += s.duplicates;
    into.late += s.late;
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
