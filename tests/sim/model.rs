//! The scripted path's behaviour, free of I/O: given a probe and the time it arrived, which
//! node it reaches, whether that node answers, after how long, and with what bytes.
//!
//! A probe with TTL `t` expires at hop `t` (the TUN is the link out of the tracer's host, so
//! nothing has decremented it yet); beyond the last hop it reaches the destination. At a
//! load-balanced hop the branch is `hash(flow) % branches`, salted with the balancer's name so
//! that hops sharing a balancer agree and unrelated balancers do not.
//!
//! Randomness is deterministic: every node draws its loss decisions and its jitter from its
//! own generators seeded from the scenario's seed and the node's position, so the fate of the
//! n-th probe reaching a node does not depend on how probes to other nodes interleave. Loss is
//! the loss of a reply (an overloaded control plane, or loss on the way back), not of
//! forwarding: deeper hops are unaffected.
//!
//! A node that rate-limits its ICMP keeps a token bucket; a probe that finds it empty is
//! unanswered. The counters per node let tests compare what the tracer reports with what the
//! network actually did.

use super::scenario::{Node, Scenario};
use super::wire::{destination_reply, parse_probe, time_exceeded, Probe};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// What happened to the probes reaching one node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Probes that expired at (or reached) this node.
    pub reached: u64,
    /// Replies sent.
    pub answered: u64,
    /// Replies dropped by the scripted loss.
    pub lost: u64,
    /// Probes unanswered because the token bucket was empty.
    pub limited: u64,
    /// Probes a silent node ignored.
    pub ignored: u64,
}

impl Counters {
    fn count(&mut self, outcome: &Outcome) {
        self.reached += 1;
        match outcome {
            Outcome::Ignored => self.ignored += 1,
            Outcome::Limited => self.limited += 1,
            Outcome::Lost => self.lost += 1,
            Outcome::Answered(_) => self.answered += 1,
        }
    }

    /// The counts added since `before`.
    pub fn since(&self, before: &Counters) -> Counters {
        Counters {
            reached: self.reached - before.reached,
            answered: self.answered - before.answered,
            lost: self.lost - before.lost,
            limited: self.limited - before.limited,
            ignored: self.ignored - before.ignored,
        }
    }
}

/// Counters of every node: `hops[ttl - 1][branch]`, and the destination's per TTL (a tracer
/// sends TTLs beyond the destination before it knows where the path ends).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub hops: Vec<Vec<Counters>>,
    /// Indexed by TTL - hops - 1: the first entry is the destination's own TTL.
    pub destination: Vec<Counters>,
    /// Packets from the TUN that were not probes toward the destination.
    pub other_packets: u64,
}

impl Stats {
    /// Counters of the router at `ttl`, summed over its branches.
    pub fn hop(&self, ttl: u8) -> Counters {
        let mut sum = Counters::default();
        for c in &self.hops[usize::from(ttl) - 1] {
            sum.reached += c.reached;
            sum.answered += c.answered;
            sum.lost += c.lost;
            sum.limited += c.limited;
            sum.ignored += c.ignored;
        }
        sum
    }

    /// Counters of the destination for probes with exactly its TTL.
    pub fn at_destination(&self) -> Counters {
        self.destination.first().copied().unwrap_or_default()
    }

    /// The counts added since `before`.
    pub fn since(&self, before: &Stats) -> Stats {
        let zero = Counters::default();
        Stats {
            hops: self
                .hops
                .iter()
                .zip(&before.hops)
                .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x.since(y)).collect())
                .collect(),
            destination: self
                .destination
                .iter()
                .enumerate()
                .map(|(i, a)| a.since(before.destination.get(i).unwrap_or(&zero)))
                .collect(),
            other_packets: self.other_packets - before.other_packets,
        }
    }
}

/// What a node does with one probe.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Ignored,
    Limited,
    Lost,
    Answered(Duration),
}

struct Bucket {
    tokens: f64,
    per_sec: f64,
    burst: f64,
    last: Option<Instant>,
}

impl Bucket {
    fn take(&mut self, now: Instant) -> bool {
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.per_sec;
            self.tokens = (self.tokens + refill).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct NodeState {
    spec: Node,
    /// IP TTL of replies: 255 for routers less the hops back, 64 for the destination.
    reply_ttl: u8,
    loss_rng: StdRng,
    jitter_rng: StdRng,
    bucket: Option<Bucket>,
}

impl NodeState {
    fn new(spec: &Node, seed: u64, position: u64, reply_ttl: u8) -> Self {
        let base = seed ^ position.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        NodeState {
            spec: spec.clone(),
            reply_ttl,
            loss_rng: StdRng::seed_from_u64(base),
            jitter_rng: StdRng::seed_from_u64(base ^ 0x6A09_E667_F3BC_C909),
            bucket: spec.rate_limit.map(|r| Bucket {
                tokens: f64::from(r.burst),
                per_sec: r.per_sec,
                burst: f64::from(r.burst),
                last: None,
            }),
        }
    }

    /// Decide whether to answer; if so, after how long.
    fn answer(&mut self, now: Instant) -> Outcome {
        if self.spec.silent {
            return Outcome::Ignored;
        }
        if let Some(b) = &mut self.bucket {
            if !b.take(now) {
                return Outcome::Limited;
            }
        }
        // Draw even when loss is 0, so a scenario's other numbers do not shift the stream.
        let draw: f64 = self.loss_rng.random();
        if draw < self.spec.loss {
            return Outcome::Lost;
        }
        let jitter = self.spec.jitter_ms * self.jitter_rng.random::<f64>();
        Outcome::Answered(Duration::from_secs_f64(
            (self.spec.rtt_ms + jitter) / 1000.0,
        ))
    }
}

struct HopState {
    routers: Vec<NodeState>,
    counters: Vec<Counters>,
    salt: String,
}

/// The live state of a scenario.
pub struct Model {
    target: IpAddr,
    hops: Vec<HopState>,
    destination: NodeState,
    destination_counters: Vec<Counters>,
    other_packets: u64,
}

impl Model {
    pub fn new(s: &Scenario) -> Model {
        let hops = s
            .hops
            .iter()
            .enumerate()
            .map(|(i, hop)| HopState {
                routers: hop
                    .routers()
                    .into_iter()
                    .enumerate()
                    .map(|(j, r)| {
                        let position = ((i as u64 + 1) << 8) | j as u64;
                        NodeState::new(r, s.seed, position, 255 - i as u8)
                    })
                    .collect(),
                counters: vec![Counters::default(); hop.routers().len()],
                salt: hop
                    .balancer
                    .clone()
                    .unwrap_or_else(|| format!("hop-{}", i + 1)),
            })
            .collect();
        let back = s.hops.len().min(63) as u8;
        Model {
            target: s.target(),
            hops,
            destination: NodeState::new(&s.destination, s.seed, 0, 64 - back),
            destination_counters: Vec::new(),
            other_packets: 0,
        }
    }

    /// Handle one packet read from the TUN at `now`: the reply to write and when, if any.
    pub fn handle(&mut self, packet: &[u8], now: Instant) -> Option<(Duration, Vec<u8>)> {
        let Some(probe) = parse_probe(packet).filter(|p| p.dst == self.target) else {
            self.other_packets += 1;
            return None;
        };
        let ttl = usize::from(probe.ttl);
        if ttl == 0 {
            self.other_packets += 1;
            return None;
        }
        if let Some(hop) = self.hops.get_mut(ttl - 1) {
            let branch = if hop.routers.len() > 1 {
                (flow_hash(&hop.salt, &probe) % hop.routers.len() as u64) as usize
            } else {
                0
            };
            let router = &mut hop.routers[branch];
            let outcome = router.answer(now);
            hop.counters[branch].count(&outcome);
            let Outcome::Answered(delay) = outcome else {
                return None;
            };
            let from = router.spec.address?;
            let reply = time_exceeded(
                &probe,
                from,
                router.reply_ttl,
                router.spec.quote_bytes,
                &router.spec.mpls,
            );
            return Some((delay, reply));
        }
        let d = &mut self.destination;
        let outcome = d.answer(now);
        let beyond = ttl - self.hops.len() - 1;
        if self.destination_counters.len() <= beyond {
            self.destination_counters
                .resize(beyond + 1, Counters::default());
        }
        self.destination_counters[beyond].count(&outcome);
        let Outcome::Answered(delay) = outcome else {
            return None;
        };
        Some((
            delay,
            destination_reply(&probe, d.reply_ttl, &d.spec.tcp_open),
        ))
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        Stats {
            hops: self.hops.iter().map(|h| h.counters.clone()).collect(),
            destination: self.destination_counters.clone(),
            other_packets: self.other_packets,
        }
    }
}

/// The per-flow hash of a balancer: FNV-1a over the salt and the flow key, then a 64-bit
/// finaliser (FNV's low bits alone are a parity of the input's low bits, far too regular for
/// `% branches`).
pub fn flow_hash(salt: &str, probe: &Probe) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.bytes().chain(probe.flow_key()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // splitmix64's finaliser.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}
