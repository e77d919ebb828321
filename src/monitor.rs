//! Watching a path over time (`-c`): passes stream in from the engine, the aggregator sums them
//! up, and the result is shown live or reported at the end.
//!
//! The engine does not know it is monitoring: it runs the passes its plan asks for. This module
//! only turns finished passes into statistics and the statistics into a [`Path`] that every
//! report (table, CSV, JSON, maps) already knows how to render, with `Path::stats` filled in.
//! The path is rebuilt from the statistics, not from the samples, so its size does not depend
//! on how long the run lasted: one entry per (hop, responder).

use crate::aggregate::Aggregate;
use crate::dns::ReverseDns;
use crate::path::{Enrichment, Path};
use crate::probe::engine::Control;
use crate::probe::scheduler::Progress;
use crate::trace::{Hop, Reply, Trace};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Hops for a path of everything the statistics have seen: per TTL one reply per responder
/// (its best RTT, so the location checks judge by the fastest the path allowed), or one silent
/// probe for a hop that never answered.
pub fn summary_hops(stats: &Aggregate) -> Vec<Hop> {
    stats
        .hops()
        .map(|h| Hop {
            ttl: h.ttl,
            probes: if h.responders.is_empty() {
                vec![None]
            } else {
                h.responders
                    .iter()
                    .map(|r| {
                        let best = r.rtt.best_ms.map(|ms| Duration::from_secs_f64(ms / 1000.0));
                        Some(Reply::new(r.address, best, r.kind))
                    })
                    .collect()
            },
        })
        .collect()
}

/// The path of a monitoring run so far: `template` (target, addresses, options) with the hops
/// the statistics know, enriched, and the statistics attached.
pub fn summary_path(template: &Trace, stats: &Aggregate, enrich: &Enrichment<'_>) -> Path {
    let mut trace = template.clone();
    trace.hops = summary_hops(stats);
    trace.reached = stats.reached > 0;
    let mut path = Path::build(trace, enrich);
    for hop in &mut path.hops {
        if let Some(h) = stats.hop(hop.hop) {
            hop.sent = h.sent as usize;
            hop.received = h.received as usize;
            hop.loss_pct = h.loss_pct();
        }
    }
    path.stats = Some(stats.clone());
    path
}

/// What a monitoring run collected.
#[derive(Debug, Default)]
pub struct Collected {
    pub stats: Aggregate,
    /// Names found for responders (reverse DNS).
    pub names: HashMap<IpAddr, String>,
}

/// Something that shows a monitoring run while it goes on (the full-screen view, a progress
/// line) and may ask the engine to pause or quit.
pub trait Watcher {
    /// A pass was added to `stats`.
    fn update(&mut self, stats: &Aggregate, names: &HashMap<IpAddr, String>);
}

/// A watcher that shows nothing.
pub struct Quiet;

impl Watcher for Quiet {
    fn update(&mut self, _: &Aggregate, _: &HashMap<IpAddr, String>) {}
}

/// Sum up the engine's progress until it ends. Interrupted passes (cut short by a quit) add
/// only their answers' hops when nothing else was seen; otherwise their unanswered probes
/// would count as lost when they were merely not waited for.
pub async fn collect(
    mut events: UnboundedReceiver<Progress>,
    mut dns: Option<&mut ReverseDns>,
    watcher: &mut dyn Watcher,
    reset: &mut UnboundedReceiver<()>,
) -> Collected {
    let mut out = Collected::default();
    let mut reset_open = true;
    loop {
        tokio::select! {
            r = reset.recv(), if reset_open => match r {
                Some(()) => {
                    out.stats.reset();
                    watcher.update(&out.stats, &out.names);
                }
                None => reset_open = false,
            },
            e = events.recv() => {
                let Some(event) = e else { break };
                match event {
                    Progress::Responder(addr) => {
                        if let Some(d) = dns.as_deref_mut() {
                            d.prefetch(addr);
                        }
                    }
                    Progress::Hop { .. } => {}
                    Progress::PassDone(pass) => {
                        if pass.interrupted && out.stats.cycles > 0 {
                            continue;
                        }
                        out.stats.add_pass(pass.cycle, &pass.hops, pass.reached);
                        if let Some(d) = dns.as_deref_mut() {
                            let known: Vec<IpAddr> = pass
                                .hops
                                .iter()
                                .flat_map(|h| h.responders())
                                .filter(|a| !out.names.contains_key(a))
                                .collect();
                            if !known.is_empty() {
                                // Names already resolved come back at once; others wait for a
                                // later cycle rather than hold this one.
                                let now = tokio::time::Instant::now();
                                out.names.extend(d.names(known, now).await);
                            }
                        }
                        watcher.update(&out.stats, &out.names);
                    }
                }
            }
        }
    }
    out
}

/// A progress line on standard error for a report run on a terminal: cycles done, elapsed.
pub struct ProgressLine {
    pub total: Option<u64>,
    pub started: std::time::Instant,
}

impl Watcher for ProgressLine {
    fn update(&mut self, stats: &Aggregate, _: &HashMap<IpAddr, String>) {
        use std::io::Write;
        let total = self
            .total
            .map_or_else(|| "until q/Ctrl-C".to_string(), |t| format!("of {t}"));
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[Kcycle {} {total}, {:.1} s",
            stats.cycles,
            self.started.elapsed().as_secs_f64()
        );
        let _ = err.flush();
    }
}

/// Keys of the live view turned into engine controls.
pub fn control_for_pause(paused: bool, to_engine: &UnboundedSender<Control>) {
    let _ = to_engine.send(Control::Pause(paused));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Origin, ReplyKind};

    #[test]
    fn the_summary_path_has_one_reply_per_responder_and_the_statistics() {
        let mut stats = Aggregate::new();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let d: IpAddr = "10.0.9.9".parse().unwrap();
        let te = |x, ms| {
            Some(Reply::new(
                x,
                Some(Duration::from_millis(ms)),
                ReplyKind::TimeExceeded,
            ))
        };
        let er = |ms| {
            Some(Reply::new(
                d,
                Some(Duration::from_millis(ms)),
                ReplyKind::EchoReply,
            ))
        };
        for c in 1..=10u64 {
            let first = if c % 2 == 0 { te(a, 5 + c) } else { te(b, 7) };
            let hops = vec![
                Hop {
                    ttl: 1,
                    probes: vec![first],
                },
                Hop {
                    ttl: 2,
                    probes: vec![None],
                },
                Hop {
                    ttl: 3,
                    probes: vec![if c == 3 { None } else { er(20) }],
                },
            ];
            stats.add_pass(c, &hops, c != 3);
        }
        let template = Trace::new("t", Some(d), Origin::Live);
        let path = summary_path(&template, &stats, &Enrichment::default());
        assert_eq!(path.hops.len(), 3);
        assert_eq!(path.hops[0].responders.len(), 2);
        // Best RTT of a: cycle 2 → 7 ms.
        let ra = path.hops[0]
            .responders
            .iter()
            .find(|r| r.address == a)
            .unwrap();
        assert_eq!(ra.rtts_ms, vec![7.0]);
        assert!(path.hops[1].responders.is_empty());
        assert_eq!(path.hops[1].loss_pct, 100.0);
        assert_eq!((path.hops[2].sent, path.hops[2].received), (10, 9));
        assert!(path.hops[2].responders[0].destination);
        assert!(path.trace.reached);
        assert_eq!(path.hop_stats(1).unwrap().route_change_count, 9);
    }
}
