//! Multipath discovery: the Multipath Detection Algorithm (MDA) as a pass of the scheduler.
//!
//! A Paris trace holds every hashed field constant, so it follows one of the paths a load
//! balancer spreads flows over. The MDA (Augustin, Friedman, Teixeira, Veitch) varies the
//! *flow identifier* — the UDP/TCP source port, or the ICMP checksum for balancers that hash it
//! — keeps everything else constant, and asks per vertex how many flows must be seen before
//! it can say with confidence `c` that it has found all of the vertex's next hops: with `k`
//! found, `n_k` flows through the vertex probed at the next TTL, the smallest `n` with
//! `(k + 1) · (k / (k + 1))^n ≤ 1 − c` (6, 11, 16, 21, 27 … at 95 %; 8, 15, 21, 28 … at 99 %).
//!
//! What is kept of the published refinements, to cut probes:
//! - Flows are reused from hop to hop (MDA-Lite, Vermeulen et al. 2018): a flow whose route is
//!   known to TTL `h − 1` is the probe sent at `h`, so links come for free; the hop as a whole
//!   must pass the rule, and new flows go straight to `h`.
//! - Probes are counted as needed from the rule as answers arrive, never in fixed rounds: a
//!   hop with one next hop costs `n_1` probes, not a round's worth.
//! - Inside a diamond the rule is also applied per vertex (as full MDA does), so nested and
//!   meshed diamonds need no separate detection step. A vertex with fewer than `n_1` flows
//!   through it gets new flows at `h − 1` ("node control"), as many as its share of that TTL
//!   suggests; one with enough reuses what it has (full node control, every vertex up to
//!   `n_k`, is [`MdaConfig::node_control`]).
//!
//! A probe without answer is sent once more with the same flow before the flow counts as
//! silent at that TTL (so plain loss does not invent branches); silent flows form an *unknown*
//! vertex per predecessor. After a hop is complete, a vertex with several next hops gets a few
//! of its flows re-probed: a flow that comes back another way marks a per-packet balancer.
//!
//! Pure, like [`super::schedule`]: time comes in as arguments; the scheduler moves the bytes.

use super::matching::{seq_add, seq_offset, SEQUENCE_SPACE};
use super::packet::{Flow, Received, Sequence};
use super::schedule::{reply_to, scale, Answer, Stats};
use crate::trace::{Hop, Reply};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

pub use flows::MAX_FLOWS;
/// Re-probes of a forking vertex's flows that tell per-flow from per-packet balancing.
const BALANCER_CHECKS: usize = 2;
/// Probes of one flow at one TTL before it counts as silent there.
const ATTEMPTS: u8 = 2;
/// The shortest wait at a TTL where something answered (see `schedule`'s HERE floor).
const HERE_FLOOR: Duration = Duration::from_millis(100);
/// The shortest wait at a TTL where nothing answered yet, once anything has.
const TAIL_FLOOR: Duration = Duration::from_secs(1);
/// Most new flows made in one go for one vertex.
const CONTROL_BATCH: u32 = 64;

/// What a discovery needs to know of the options.
#[derive(Debug, Clone)]
pub struct MdaConfig {
    pub first_hop: u8,
    pub max_hops: u8,
    pub max_wait: Duration,
    pub here: f64,
    pub near: f64,
    /// Percent: 95 or 99.
    pub confidence: u8,
    /// Silent TTLs in a row before the discovery stops.
    pub max_unknown: u8,
    /// Probes in flight at once.
    pub parallel: usize,
    /// Full MDA's node control: make new flows at `h - 1` until every vertex inside a diamond
    /// has `n_k` of its own (off: only a vertex with fewer than `n_1` flows gets new ones).
    pub node_control: bool,
}

/// A vertex key: the responder, or an unknown vertex behind a known predecessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Address(IpAddr),
    /// Behind node index, or `ROOT`.
    Unknown(usize),
}

/// The vertex before the first hop: the prober itself.
const ROOT: usize = usize::MAX;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Seen {
    Answered {
        address: IpAddr,
        ends: bool,
        destination: bool,
    },
    Silent,
}

/// A probe waiting to be sent.
#[derive(Debug, Clone, Copy)]
struct Queued {
    flow: u32,
    ttl: u8,
    /// For a balancer check: the vertex checked and the address the flow first met.
    check: Option<(usize, IpAddr)>,
}

#[derive(Debug, Clone)]
enum SlotState {
    InFlight,
    Answered(Reply),
    TimedOut,
}

#[derive(Debug, Clone)]
struct Slot {
    flow: u32,
    ttl: u8,
    /// A balancer check: its answer is compared, not recorded.
    check: bool,
    sent_at: Instant,
    sent_wall: SystemTime,
    state: SlotState,
}

impl Queued {
    fn probe(flow: u32, ttl: u8) -> Queued {
        Queued {
            flow,
            ttl,
            check: None,
        }
    }
}

/// One multipath discovery toward one destination.
#[derive(Debug)]
pub struct Mda {
    cfg: MdaConfig,
    template: Flow,
    base: u16,
    slots: Vec<Slot>,
    queue: VecDeque<Queued>,
    /// Flow identifiers made so far: `0..flows`.
    flows: u32,
    seen: HashMap<(u32, u8), Seen>,
    attempts: HashMap<(u32, u8), u8>,
    nodes: Vec<(u8, Key)>,
    node_index: HashMap<(u8, Key), usize>,
    /// Vertices whose balancing was checked, and those found per-packet.
    checked: BTreeSet<usize>,
    per_packet: BTreeSet<usize>,
    /// Balancer checks: (vertex, flow, ttl, the address first seen).
    pending_checks: HashMap<usize, (usize, IpAddr)>,
    ttl: u8,
    silent_run: u8,
    finished: bool,
    reached: bool,
    slowest: HashMap<u8, Duration>,
    slowest_any: Option<Duration>,
    emitted: bool,
    stats: Stats,
}

impl Mda {
    /// A discovery starting from `template` (flow 0), its sequences from `base`.
    pub fn new(cfg: MdaConfig, template: Flow, base: u16) -> Self {
        let first = cfg.first_hop.max(1);
        let mut m = Mda {
            ttl: first,
            cfg,
            template,
            base,
            slots: Vec::new(),
            queue: VecDeque::new(),
            flows: 0,
            seen: HashMap::new(),
            attempts: HashMap::new(),
            nodes: Vec::new(),
            node_index: HashMap::new(),
            checked: BTreeSet::new(),
            per_packet: BTreeSet::new(),
            pending_checks: HashMap::new(),
            silent_run: 0,
            finished: false,
            reached: false,
            slowest: HashMap::new(),
            slowest_any: None,
            emitted: false,
            stats: Stats::default(),
        };
        m.plan();
        m
    }

    /// Probes sent and neither answered nor given up.
    pub fn in_flight(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s.state, SlotState::InFlight))
            .count()
    }

    /// True when a probe is waiting to go and the window has room.
    pub fn wants_to_send(&self) -> bool {
        !self.queue.is_empty()
            && self.in_flight() < self.cfg.parallel.max(1)
            && self.slots.len() < SEQUENCE_SPACE as usize
    }

    /// Claim the next probe: its flow, sequence and TTL.
    pub fn next_probe(&mut self, now: Instant, wall: SystemTime) -> Option<(Flow, Sequence, u8)> {
        if !self.wants_to_send() {
            return None;
        }
        let Queued { flow, ttl, check } = self.queue.pop_front()?;
        let seq = Sequence(seq_add(self.base, self.slots.len() as u32));
        if let Some(c) = check {
            self.pending_checks.insert(self.slots.len(), c);
        }
        let check = check.is_some();
        self.slots.push(Slot {
            flow,
            ttl,
            check,
            sent_at: now,
            sent_wall: wall,
            state: SlotState::InFlight,
        });
        if !check {
            *self.attempts.entry((flow, ttl)).or_default() += 1;
        }
        self.stats.sent += 1;
        Some((flow_for(&self.template, flow), seq, ttl))
    }

    /// Undo the claim of the probe just returned (it could not be sent): it counts as lost.
    pub fn unsend_last(&mut self) {
        if let Some(s) = self.slots.last_mut() {
            s.state = SlotState::TimedOut;
        }
        self.settle();
    }

    /// True when `seq` falls among the probes this discovery sent.
    pub fn owns(&self, seq: u16) -> bool {
        (seq_offset(self.base, seq) as usize) < self.slots.len()
    }

    /// Account for a packet already known to answer sequence `seq` of this discovery.
    pub fn on_answer(
        &mut self,
        seq: u16,
        received: Received,
        kernel_time: Option<SystemTime>,
        read_at: Instant,
    ) -> Answer {
        let index = seq_offset(self.base, seq) as usize;
        let Some(slot) = self.slots.get_mut(index) else {
            return Answer::NotOurs;
        };
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
        slot.state = SlotState::Answered(reply);
        let (flow, ttl, check) = (slot.flow, slot.ttl, slot.check);
        self.stats.matched += 1;
        let slow = self.slowest.entry(ttl).or_default();
        *slow = (*slow).max(rtt);
        self.slowest_any = Some(self.slowest_any.map_or(rtt, |s| s.max(rtt)));
        if check {
            if let Some((vertex, first)) = self.pending_checks.remove(&index) {
                if first != from {
                    self.per_packet.insert(vertex);
                }
            }
        } else {
            self.seen.entry((flow, ttl)).or_insert(Seen::Answered {
                address: from,
                ends: kind.ends_path(),
                destination: kind.is_destination(),
            });
            self.reached |= kind.is_destination();
        }
        self.plan();
        Answer::Matched(from)
    }

    fn wait_for(&self, ttl: u8) -> Duration {
        let max = self.cfg.max_wait;
        if let Some(slow) = self.slowest.get(&ttl) {
            return scale(*slow, self.cfg.here).map_or(max, |w| w.max(HERE_FLOOR).min(max));
        }
        match self.slowest_any {
            Some(slow) => scale(slow, self.cfg.near).map_or(max, |w| w.max(TAIL_FLOOR).min(max)),
            None => max,
        }
    }

    /// When the next in-flight probe will be given up.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter(|s| matches!(s.state, SlotState::InFlight))
            .map(|s| s.sent_at + self.wait_for(s.ttl))
            .min()
    }

    /// Give up every probe whose wait has run out, then plan what that changes.
    pub fn expire(&mut self, now: Instant) {
        let waits: Vec<Option<Duration>> = self
            .slots
            .iter()
            .map(|s| matches!(s.state, SlotState::InFlight).then(|| self.wait_for(s.ttl)))
            .collect();
        let mut changed = false;
        for (slot, wait) in self.slots.iter_mut().zip(waits) {
            if wait.is_some_and(|w| now >= slot.sent_at + w) {
                slot.state = SlotState::TimedOut;
                changed = true;
            }
        }
        if changed {
            self.settle();
        }
    }

    /// Turn given-up probes into retries or silence, and plan on.
    fn settle(&mut self) {
        let mut retry = Vec::new();
        for (i, s) in self.slots.iter().enumerate() {
            if !matches!(s.state, SlotState::TimedOut) {
                continue;
            }
            if s.check {
                self.pending_checks.remove(&i);
                continue;
            }
            let key = (s.flow, s.ttl);
            if self.seen.contains_key(&key) || self.queued_or_flying(key) {
                continue;
            }
            if self.attempts.get(&key).copied().unwrap_or(0) < ATTEMPTS {
                retry.push(key);
            } else {
                self.seen.insert(key, Seen::Silent);
            }
        }
        for (f, t) in retry {
            if !self.queued_or_flying((f, t)) {
                self.queue.push_front(Queued::probe(f, t));
            }
        }
        self.plan();
    }

    pub(super) fn queued_or_flying(&self, key: (u32, u8)) -> bool {
        self.queue
            .iter()
            .any(|q| q.check.is_none() && (q.flow, q.ttl) == key)
            || self.slots.iter().any(|s| {
                !s.check && (s.flow, s.ttl) == key && matches!(s.state, SlotState::InFlight)
            })
    }

    /// True when nothing is in flight and nothing more will be sent.
    pub fn is_finished(&self) -> bool {
        self.finished && self.in_flight() == 0 && self.queue.is_empty()
    }

    /// True when the destination answered a flow.
    pub fn reached(&self) -> bool {
        self.reached
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Every TTL probed, with every probe's answer in sending order.
    pub fn hops(&self) -> Vec<Hop> {
        let mut by_ttl: BTreeMap<u8, Hop> = BTreeMap::new();
        for s in &self.slots {
            let hop = by_ttl.entry(s.ttl).or_insert_with(|| Hop::new(s.ttl));
            hop.probes.push(match &s.state {
                SlotState::Answered(r) => Some(r.clone()),
                _ => None,
            });
        }
        by_ttl.into_values().collect()
    }

    /// The hops once, when the discovery is over (hops are not final before: node control
    /// probes earlier TTLs again).
    pub fn take_completed(&mut self) -> Vec<Hop> {
        if !self.is_finished() || self.emitted {
            return Vec::new();
        }
        self.emitted = true;
        self.hops()
    }
}

mod flows;
mod graph;
mod plan;
#[cfg(test)]
mod tests;

pub use flows::{flow_for, port_for, port_index, stopping_point};
