//! Many passes over one path, summed up: mtr's statistics per hop and per responder, which loss
//! is a router throttling its own ICMP and which is real forward loss, and when a hop's
//! responder changed.
//!
//! Why a module of its own: the engine knows probes, the reports know paths; what a person
//! watching a path for an hour wants to know (is hop 4 losing packets, or only not answering?
//! did the route move at cycle 812?) is neither. The aggregator reads finished passes (one
//! [`Hop`] list per cycle) and keeps running figures only — Welford's mean and variance, the last
//! RTT for jitter, a bounded list of route changes — so memory does not grow with the number of
//! cycles (`-c 0` runs for days).
//!
//! Definitions (also in the README):
//! - loss % = 1 − received / sent, per hop over all cycles;
//! - jitter = the mean absolute difference between successive RTTs of the hop (RFC 3550's idea
//!   without its smoothing), and its largest single value;
//! - stdev = the population standard deviation of the RTTs;
//! - forward loss at a hop = the smallest loss of that hop and every later hop that ever
//!   answered: loss that carries on to the end of the path. A hop's loss above its forward loss
//!   is its own ICMP going missing (rate limiting), not lost traffic.

use crate::trace::{Hop, ReplyKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

/// Route changes kept per hop (the count goes on beyond it).
pub const MAX_CHANGES_KEPT: usize = 32;

/// Running RTT figures of a series of samples, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RttStats {
    /// Samples with an RTT.
    pub count: u64,
    pub last_ms: Option<f64>,
    pub best_ms: Option<f64>,
    pub worst_ms: Option<f64>,
    mean: f64,
    m2: f64,
    jitter_sum: f64,
    jitter_count: u64,
    pub jitter_max_ms: Option<f64>,
}

impl RttStats {
    /// Add one RTT.
    pub fn add(&mut self, rtt: Duration) {
        let ms = rtt.as_secs_f64() * 1000.0;
        if let Some(last) = self.last_ms {
            let d = (ms - last).abs();
            self.jitter_sum += d;
            self.jitter_count += 1;
            self.jitter_max_ms = Some(self.jitter_max_ms.map_or(d, |m| m.max(d)));
        }
        self.count += 1;
        let delta = ms - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (ms - self.mean);
        self.last_ms = Some(ms);
        self.best_ms = Some(self.best_ms.map_or(ms, |b| b.min(ms)));
        self.worst_ms = Some(self.worst_ms.map_or(ms, |w| w.max(ms)));
    }

    pub fn avg_ms(&self) -> Option<f64> {
        (self.count > 0).then_some(self.mean)
    }

    /// Population standard deviation (mtr's StDev).
    pub fn stdev_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| (self.m2 / self.count as f64).sqrt())
    }

    /// Mean absolute difference of successive RTTs.
    pub fn jitter_ms(&self) -> Option<f64> {
        (self.jitter_count > 0).then(|| self.jitter_sum / self.jitter_count as f64)
    }
}

/// One responder's share of a hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponderStats {
    pub address: IpAddr,
    /// Replies from this responder at this hop.
    pub received: u64,
    pub rtt: RttStats,
    /// The first and last cycle it answered in.
    pub first_cycle: u64,
    pub last_cycle: u64,
    /// What its latest reply was (time exceeded, echo reply, ...).
    pub kind: ReplyKind,
}

/// A hop whose responder changed between two cycles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteChange {
    /// The cycle in which the new responder first answered (cycles count from 1).
    pub cycle: u64,
    pub from: IpAddr,
    pub to: IpAddr,
}

/// What kind of loss a hop shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// No loss worth the name.
    None,
    /// The hop loses more than the hops after it: its own ICMP is throttled or dropped.
    RateLimited,
    /// Loss that carries on to every later hop: traffic is really lost at or before here.
    Forward,
    /// Both: forward loss, and more of its own on top.
    ForwardAndRateLimited,
    /// The hop never answered: nothing to tell apart (mtr shows 100 % alone too).
    NoReply,
}

impl LossKind {
    /// The letter the table shows.
    pub fn letter(self) -> &'static str {
        match self {
            LossKind::None => "",
            LossKind::RateLimited => "R",
            LossKind::Forward => "F",
            LossKind::ForwardAndRateLimited => "FR",
            LossKind::NoReply => "",
        }
    }
}

/// Everything known of one TTL over all cycles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HopStats {
    pub ttl: u8,
    pub sent: u64,
    pub received: u64,
    pub rtt: RttStats,
    /// In the order they first answered.
    pub responders: Vec<ResponderStats>,
    /// Responder changes between cycles, the first [`MAX_CHANGES_KEPT`].
    pub route_changes: Vec<RouteChange>,
    /// All responder changes, including those not kept.
    pub route_change_count: u64,
    /// The responder of the most recent cycle that had one.
    #[serde(skip)]
    current: Option<IpAddr>,
}

impl HopStats {
    fn new(ttl: u8) -> Self {
        HopStats {
            ttl,
            sent: 0,
            received: 0,
            rtt: RttStats::default(),
            responders: Vec::new(),
            route_changes: Vec::new(),
            route_change_count: 0,
            current: None,
        }
    }

    /// Loss in percent (0 when nothing was sent).
    pub fn loss_pct(&self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            100.0 * (1.0 - self.received as f64 / self.sent as f64)
        }
    }

    pub fn responder(&self, address: IpAddr) -> Option<&ResponderStats> {
        self.responders.iter().find(|r| r.address == address)
    }

    fn add(&mut self, cycle: u64, hop: &Hop) {
        // One responder per cycle for change tracking: the first that answered.
        let mut first_this_cycle = None;
        for probe in &hop.probes {
            self.sent += 1;
            let Some(reply) = probe else { continue };
            self.received += 1;
            first_this_cycle.get_or_insert(reply.address);
            let r = match self
                .responders
                .iter_mut()
                .position(|r| r.address == reply.address)
            {
                Some(i) => &mut self.responders[i],
                None => {
                    self.responders.push(ResponderStats {
                        address: reply.address,
                        received: 0,
                        rtt: RttStats::default(),
                        first_cycle: cycle,
                        last_cycle: cycle,
                        kind: reply.kind,
                    });
                    self.responders.last_mut().expect("just pushed")
                }
            };
            r.received += 1;
            r.last_cycle = cycle;
            r.kind = reply.kind;
            if let Some(rtt) = reply.rtt {
                r.rtt.add(rtt);
                self.rtt.add(rtt);
            }
        }
        if let Some(now) = first_this_cycle {
            if let Some(before) = self.current.filter(|b| *b != now) {
                self.route_change_count += 1;
                if self.route_changes.len() < MAX_CHANGES_KEPT {
                    self.route_changes.push(RouteChange {
                        cycle,
                        from: before,
                        to: now,
                    });
                }
            }
            self.current = Some(now);
        }
    }
}

/// The loss analysis of one hop, computed from the whole path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LossVerdict {
    pub kind: LossKind,
    /// Loss that carries on to the end of the path, in percent.
    pub forward_pct: f64,
    /// Loss of the hop's own replies beyond the forward loss, in percent.
    pub own_pct: f64,
}

/// The statistics of every hop over many cycles.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Aggregate {
    /// Passes added.
    pub cycles: u64,
    /// Passes that reached the destination.
    pub reached: u64,
    hops: BTreeMap<u8, HopStats>,
    /// The smallest TTL at which the destination answered, over all cycles.
    pub destination_ttl: Option<u8>,
}

impl Aggregate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one finished pass (cycle numbers count from 1).
    pub fn add_pass(&mut self, cycle: u64, hops: &[Hop], reached: bool) {
        self.cycles += 1;
        self.reached += u64::from(reached);
        for hop in hops {
            if hop.reached_destination() {
                self.destination_ttl =
                    Some(self.destination_ttl.map_or(hop.ttl, |t| t.min(hop.ttl)));
            }
        }
        // Probes sent beyond the destination are not hops of the path.
        let end = self.destination_ttl;
        for hop in hops.iter().filter(|h| end.is_none_or(|e| h.ttl <= e)) {
            self.hops
                .entry(hop.ttl)
                .or_insert_with(|| HopStats::new(hop.ttl))
                .add(cycle, hop);
        }
    }

    /// Forget every figure (the live view's `r`), keeping the known path length.
    pub fn reset(&mut self) {
        let end = self.destination_ttl;
        *self = Aggregate::default();
        self.destination_ttl = end;
    }

    /// Hops in TTL order, up to the destination when it is known.
    pub fn hops(&self) -> impl Iterator<Item = &HopStats> {
        let end = self.destination_ttl;
        self.hops
            .values()
            .filter(move |h| end.is_none_or(|e| h.ttl <= e))
    }

    pub fn hop(&self, ttl: u8) -> Option<&HopStats> {
        self.hops.get(&ttl)
    }

    /// Which loss each hop shows, in TTL order: forward loss is the least loss of the hop and
    /// every later hop that answered at all; what a hop loses beyond that is its own. A share
    /// counts only when it exceeds sampling noise, and at least 1 point: forward loss two
    /// standard errors of the hop's loss; its own share three standard errors of the
    /// difference between its loss and the later hop's it is measured against. Both are
    /// samples (two hops behind one lossy link, 20 % each, read 23.5 % and 16.5 % in 200
    /// cycles), and the least of several later hops is biased low, so the margin is wider.
    pub fn loss_verdicts(&self) -> Vec<(u8, LossVerdict)> {
        let hops: Vec<&HopStats> = self.hops().collect();
        let mut out = vec![None; hops.len()];
        // The least loss of the hops seen so far (from the end), and how many probes it is of.
        let mut forward_after: Option<(f64, u64)> = None;
        for (i, h) in hops.iter().enumerate().rev() {
            let loss = h.loss_pct();
            if h.received > 0 && forward_after.is_none_or(|(f, _)| loss < f) {
                forward_after = Some((loss, h.sent));
            }
            let (forward, reference) = match forward_after {
                Some((f, sent)) if f < loss => (f, Some((f, sent))),
                _ => (loss, None),
            };
            let own = (loss - forward).max(0.0);
            let forward_noise = 2.0 * standard_error(h.sent, loss);
            let own_noise = match reference {
                Some((f, sent)) => {
                    3.0 * (standard_error(h.sent, loss).powi(2) + standard_error(sent, f).powi(2))
                        .sqrt()
                }
                None => 3.0 * standard_error(h.sent, loss),
            };
            let kind = match (forward > forward_noise.max(1.0), own > own_noise.max(1.0)) {
                _ if h.received == 0 => LossKind::NoReply,
                (false, false) => LossKind::None,
                (false, true) => LossKind::RateLimited,
                (true, false) => LossKind::Forward,
                (true, true) => LossKind::ForwardAndRateLimited,
            };
            out[i] = Some((
                h.ttl,
                LossVerdict {
                    kind,
                    forward_pct: forward,
                    own_pct: own,
                },
            ));
        }
        out.into_iter().flatten().collect()
    }
}

/// Two standard errors of a loss share measured over `sent` probes, in points, at least 1.
/// The standard error of a loss share measured over `sent` probes, in points (the share
/// clamped to 5–95 %, so that no loss seen in a few probes is not taken as certain).
fn standard_error(sent: u64, loss_pct: f64) -> f64 {
    if sent == 0 {
        return f64::INFINITY;
    }
    let p = (loss_pct / 100.0).clamp(0.05, 0.95);
    100.0 * (p * (1.0 - p) / sent as f64).sqrt()
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
