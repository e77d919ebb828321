//! One pass of one flow, whichever strategy makes it: a Paris trace ([`Schedule`]) or a
//! multipath discovery ([`Mda`]). The scheduler sees only this, so strategies are added here
//! and nowhere in the loop that shares the budget between them.

use super::mda::{Mda, MdaConfig};
use super::packet::{Flow, Received, Sequence};
use super::schedule::{Answer, Schedule, ScheduleConfig, Stats};
use crate::multipath::Multipath;
use crate::trace::Hop;
use std::time::{Instant, SystemTime};

/// How a flow's passes probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// One flow identifier, every TTL (Paris traceroute).
    #[default]
    Paris,
    /// Many flow identifiers, as many per TTL as the MDA's stopping rule asks (`--multipath`).
    Multipath {
        /// Percent: 95 or 99.
        confidence: u8,
    },
}

impl Strategy {
    /// Consecutive flow identifiers a pass may use: the width of its source port range.
    pub fn spread(self) -> u32 {
        match self {
            Strategy::Paris => 1,
            Strategy::Multipath { .. } => super::mda::MAX_FLOWS,
        }
    }
}

/// The work of one pass.
#[derive(Debug)]
pub enum Work {
    Paris(Schedule),
    Multipath(Box<Mda>),
}

impl Work {
    /// A pass of `strategy` over `flow` with the plan's options, its sequences from `base`.
    pub fn new(strategy: Strategy, cfg: ScheduleConfig, flow: Flow, base: u16) -> Work {
        match strategy {
            Strategy::Paris => Work::Paris(Schedule::new(cfg, flow, base)),
            Strategy::Multipath { confidence } => Work::Multipath(Box::new(Mda::new(
                MdaConfig {
                    first_hop: cfg.first_hop,
                    max_hops: cfg.max_hops,
                    max_wait: cfg.max_wait,
                    here: cfg.here,
                    near: cfg.near,
                    confidence,
                    max_unknown: cfg.max_unknown,
                    parallel: cfg.parallel,
                    node_control: false,
                },
                flow,
                base,
            ))),
        }
    }

    /// Claim the next probe: the flow it belongs to, its sequence and TTL.
    pub fn next_probe(
        &mut self,
        flow: &Flow,
        now: Instant,
        wall: SystemTime,
    ) -> Option<(Flow, Sequence, u8)> {
        match self {
            Work::Paris(s) => s.next_probe(now, wall).map(|(seq, ttl)| (*flow, seq, ttl)),
            Work::Multipath(m) => m.next_probe(now, wall),
        }
    }

    pub fn unsend_last(&mut self) {
        match self {
            Work::Paris(s) => s.unsend_last(),
            Work::Multipath(m) => m.unsend_last(),
        }
    }

    pub fn owns(&self, seq: u16) -> bool {
        match self {
            Work::Paris(s) => s.owns(seq),
            Work::Multipath(m) => m.owns(seq),
        }
    }

    pub fn on_answer(
        &mut self,
        seq: u16,
        received: Received,
        kernel_time: Option<SystemTime>,
        read_at: Instant,
    ) -> Answer {
        match self {
            Work::Paris(s) => s.on_answer(seq, received, kernel_time, read_at),
            Work::Multipath(m) => m.on_answer(seq, received, kernel_time, read_at),
        }
    }

    pub fn expire(&mut self, now: Instant) {
        match self {
            Work::Paris(s) => s.expire(now),
            Work::Multipath(m) => m.expire(now),
        }
    }

    pub fn take_completed(&mut self) -> Vec<Hop> {
        match self {
            Work::Paris(s) => s.take_completed(),
            Work::Multipath(m) => m.take_completed(),
        }
    }

    pub fn is_finished(&self) -> bool {
        match self {
            Work::Paris(s) => s.is_finished(),
            Work::Multipath(m) => m.is_finished(),
        }
    }

    pub fn reached(&self) -> bool {
        match self {
            Work::Paris(s) => s.reached(),
            Work::Multipath(m) => m.reached(),
        }
    }

    /// Every hop to report (for an interrupted pass, what it has).
    pub fn hops(&self, interrupted: bool) -> Vec<Hop> {
        match self {
            Work::Paris(s) => s.hops(interrupted),
            Work::Multipath(m) => m.hops(),
        }
    }

    /// The graph of a multipath pass.
    pub fn multipath(&mut self) -> Option<Multipath> {
        match self {
            Work::Paris(_) => None,
            Work::Multipath(m) => Some(m.graph()),
        }
    }

    pub fn stats(&self) -> Stats {
        match self {
            Work::Paris(s) => s.stats(),
            Work::Multipath(m) => m.stats(),
        }
    }

    pub fn in_flight(&self) -> usize {
        match self {
            Work::Paris(s) => s.in_flight(),
            Work::Multipath(m) => m.in_flight(),
        }
    }

    pub fn wants_to_send(&self) -> bool {
        match self {
            Work::Paris(s) => s.wants_to_send(),
            Work::Multipath(m) => m.wants_to_send(),
        }
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        match self {
            Work::Paris(s) => s.next_deadline(),
            Work::Multipath(m) => m.next_deadline(),
        }
    }
}
