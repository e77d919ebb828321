//! A trace as the reports show it: hops with their responders, names and statistics.
//!
//! `Trace` records observations; `Path` is what the enrichment stages make of them. Reports
//! (table, CSV, JSON, maps) render a `Path` and never look at how it was gathered.

use crate::trace::{Hop, MplsLabel, Trace};
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// One responding address at one hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Responder {
    pub address: IpAddr,
    pub hostname: Option<String>,
    /// RTTs of this responder's replies at this hop, in milliseconds, in sending order.
    pub rtts_ms: Vec<f64>,
    /// Replies received from this responder at this hop (some may carry no RTT).
    pub received: usize,
    /// Traceroute-style marks of its replies (`!N`, `!H`, ...), deduplicated.
    pub marks: Vec<String>,
    /// The kinds of its replies (`time_exceeded`, `echo_reply`, ...), deduplicated.
    pub kinds: Vec<&'static str>,
    /// MPLS label stack quoted by this responder (the first reply that had one).
    pub mpls: Vec<MplsLabel>,
    /// True when this responder is the destination.
    pub destination: bool,
}

impl Responder {
    pub fn rtt_min_ms(&self) -> Option<f64> {
        self.rtts_ms.iter().copied().reduce(f64::min)
    }
    pub fn rtt_max_ms(&self) -> Option<f64> {
        self.rtts_ms.iter().copied().reduce(f64::max)
    }
    pub fn rtt_avg_ms(&self) -> Option<f64> {
        (!self.rtts_ms.is_empty())
            .then(|| self.rtts_ms.iter().sum::<f64>() / self.rtts_ms.len() as f64)
    }
}

/// One TTL of the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathHop {
    pub hop: u8,
    pub sent: usize,
    pub received: usize,
    pub loss_pct: f64,
    /// Empty for a silent hop.
    pub responders: Vec<Responder>,
}

/// The whole enriched path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub trace: Trace,
    pub hops: Vec<PathHop>,
}

/// Milliseconds of a duration, as the reports print them.
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn path_hop(hop: &Hop, names: &HashMap<IpAddr, String>) -> PathHop {
    let responders = hop
        .responders()
        .into_iter()
        .map(|address| {
            let replies: Vec<_> = hop.replies().filter(|r| r.address == address).collect();
            let mut marks: Vec<String> = Vec::new();
            for m in replies.iter().filter_map(|r| r.kind.mark()) {
                if !marks.contains(&m) {
                    marks.push(m);
                }
            }
            let mut kinds: Vec<&'static str> = Vec::new();
            for k in replies.iter().map(|r| r.kind.name()) {
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
            Responder {
                address,
                kinds,
                hostname: names
                    .get(&address)
                    .cloned()
                    .or_else(|| replies.iter().find_map(|r| r.hostname.clone())),
                rtts_ms: replies.iter().filter_map(|r| r.rtt).map(millis).collect(),
                received: replies.len(),
                marks,
                mpls: replies
                    .iter()
                    .find(|r| !r.mpls.is_empty())
                    .map(|r| r.mpls.clone())
                    .unwrap_or_default(),
                destination: replies.iter().any(|r| r.kind.is_destination()),
            }
        })
        .collect();
    PathHop {
        hop: hop.ttl,
        sent: hop.sent(),
        received: hop.received(),
        loss_pct: hop.loss_pct(),
        responders,
    }
}

impl Path {
    /// Build the path of `trace`, with the names found for its responders.
    pub fn new(trace: Trace, names: &HashMap<IpAddr, String>) -> Path {
        let hops = trace.hops.iter().map(|h| path_hop(h, names)).collect();
        Path { trace, hops }
    }

    /// One hop on its own (for live output, before the trace is complete).
    pub fn hop(hop: &Hop, names: &HashMap<IpAddr, String>) -> PathHop {
        path_hop(hop, names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Origin, Reply, ReplyKind, Unreachable};

    #[test]
    fn responders_keep_their_own_rtts_and_marks() {
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let r = |addr, ms, kind| Some(Reply::new(addr, Some(Duration::from_millis(ms)), kind));
        let hop = Hop {
            ttl: 4,
            probes: vec![
                r(a, 10, ReplyKind::TimeExceeded),
                r(b, 30, ReplyKind::Unreachable(Unreachable::Host)),
                None,
                r(a, 20, ReplyKind::TimeExceeded),
            ],
        };
        let mut t = Trace::new("x", None, Origin::Live);
        t.hops.push(hop);
        let names = HashMap::from([(a, "r1.example".to_string())]);
        let p = Path::new(t, &names);
        let h = &p.hops[0];
        assert_eq!((h.sent, h.received, h.loss_pct), (4, 3, 25.0));
        assert_eq!(h.responders[0].hostname.as_deref(), Some("r1.example"));
        assert_eq!(h.responders[0].rtts_ms, vec![10.0, 20.0]);
        assert_eq!(h.responders[0].rtt_avg_ms(), Some(15.0));
        assert_eq!(h.responders[1].marks, vec!["!H".to_string()]);
        assert_eq!(h.responders[1].hostname, None);
    }
}
