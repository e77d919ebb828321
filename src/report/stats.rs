//! The statistics of a monitoring run as every report shows them: one set of figures per hop
//! and per responder, rounded as people read them (microseconds, tenths of a point).
//!
//! Table, CSV and JSON all read their figures here, so the three never disagree on what
//! "avg" or "jitter" means (definitions in [`crate::aggregate`]).

use crate::aggregate::{HopStats, LossKind, ResponderStats, RouteChange, RttStats};
use crate::path::{Path, PathHop};
use serde::Serialize;
use std::net::IpAddr;

/// Milliseconds rounded to the microsecond.
pub fn ms3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn pct1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// RTT figures of a series, rounded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RttView {
    pub last_ms: Option<f64>,
    pub avg_ms: Option<f64>,
    pub best_ms: Option<f64>,
    pub worst_ms: Option<f64>,
    pub stdev_ms: Option<f64>,
    pub jitter_ms: Option<f64>,
    pub jitter_max_ms: Option<f64>,
}

impl From<&RttStats> for RttView {
    fn from(s: &RttStats) -> Self {
        RttView {
            last_ms: s.last_ms.map(ms3),
            avg_ms: s.avg_ms().map(ms3),
            best_ms: s.best_ms.map(ms3),
            worst_ms: s.worst_ms.map(ms3),
            stdev_ms: s.stdev_ms().map(ms3),
            jitter_ms: s.jitter_ms().map(ms3),
            jitter_max_ms: s.jitter_max_ms.map(ms3),
        }
    }
}

/// A hop's figures over all cycles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HopStatsView {
    pub sent: u64,
    pub received: u64,
    pub loss_pct: f64,
    /// `none`, `rate_limited`, `forward`, `forward_and_rate_limited`.
    pub loss_kind: LossKind,
    /// Loss that carries on to the end of the path.
    pub forward_loss_pct: f64,
    /// Loss of the hop's own replies beyond that (ICMP rate limiting).
    pub own_loss_pct: f64,
    #[serde(flatten)]
    pub rtt: RttView,
    pub route_changes: Vec<RouteChange>,
    pub route_change_count: u64,
}

/// A responder's figures at one hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponderStatsView {
    pub received: u64,
    pub first_cycle: u64,
    pub last_cycle: u64,
    #[serde(flatten)]
    pub rtt: RttView,
}

impl From<&ResponderStats> for ResponderStatsView {
    fn from(r: &ResponderStats) -> Self {
        ResponderStatsView {
            received: r.received,
            first_cycle: r.first_cycle,
            last_cycle: r.last_cycle,
            rtt: RttView::from(&r.rtt),
        }
    }
}

/// The figures of `hop`, when `path` has statistics.
pub fn hop_view(path: &Path, hop: &PathHop) -> Option<HopStatsView> {
    let h: &HopStats = path.hop_stats(hop.hop)?;
    let verdict = path.loss_verdict(hop.hop)?;
    Some(HopStatsView {
        sent: h.sent,
        received: h.received,
        loss_pct: pct1(h.loss_pct()),
        loss_kind: verdict.kind,
        forward_loss_pct: pct1(verdict.forward_pct),
        own_loss_pct: pct1(verdict.own_pct),
        rtt: RttView::from(&h.rtt),
        route_changes: h.route_changes.clone(),
        route_change_count: h.route_change_count,
    })
}

/// The figures of responder `address` at `hop`, when `path` has statistics.
pub fn responder_view(path: &Path, hop: &PathHop, address: IpAddr) -> Option<ResponderStatsView> {
    path.hop_stats(hop.hop)?
        .responder(address)
        .map(ResponderStatsView::from)
}

/// Route changes as one cell: `cycle:from>to` separated by spaces.
pub fn changes_cell(changes: &[RouteChange]) -> String {
    changes
        .iter()
        .map(|c| format!("{}:{}>{}", c.cycle, c.from, c.to))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The loss kind as the exports spell it.
pub fn loss_kind_name(k: LossKind) -> &'static str {
    match k {
        LossKind::None => "none",
        LossKind::RateLimited => "rate_limited",
        LossKind::Forward => "forward",
        LossKind::ForwardAndRateLimited => "forward_and_rate_limited",
        LossKind::NoReply => "no_reply",
    }
}
