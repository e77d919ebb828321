//! A monitoring run (`-c N`, N ≠ 1): the engine runs the cycles, [`crate::monitor`] sums them up,
//! and the result is reported like a single trace — with statistics — when the cycles end, the
//! user quits, or a signal comes.

use super::{emit, interrupted, Finish, RunError};
use crate::cli::Config;
use crate::dns::ReverseDns;
use crate::geo::Geo;
use crate::monitor::{self, ProgressLine, Quiet, Watcher};
use crate::path::Enrichment;
use crate::probe;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::time::Duration;
use tokio::sync::mpsc;

/// Run the cycles and report.
pub(super) async fn monitor_async(
    cfg: &Config,
    _address: IpAddr,
    prepared: probe::Prepared,
    geo: Option<&Geo>,
) -> Result<Finish, RunError> {
    let template = prepared.template();
    let mut dns = cfg.dns.then(|| ReverseDns::new(Duration::from_secs(1)));
    let (tx, rx) = mpsc::unbounded_channel();
    let (_control, control_rx) = mpsc::unbounded_channel();
    let (_reset, mut reset_rx) = mpsc::unbounded_channel();
    let mut watcher: Box<dyn Watcher> = if cfg.output.live && std::io::stderr().is_terminal() {
        Box::new(ProgressLine {
            total: cfg.probe.cycles,
            started: std::time::Instant::now(),
        })
    } else {
        Box::new(Quiet)
    };
    let engine = prepared.run(tx, control_rx, interrupted());
    let collector = monitor::collect(rx, dns.as_mut(), watcher.as_mut(), &mut reset_rx);
    let (outcome, mut collected) = tokio::join!(engine, collector);
    drop(watcher);
    if cfg.output.live && std::io::stderr().is_terminal() {
        eprintln!();
    }
    let outcome = outcome.map_err(RunError::Probe)?;
    if let Some(d) = dns.as_mut() {
        let budget = if outcome.interrupted {
            Duration::from_millis(200)
        } else {
            cfg.dns_timeout
        };
        let addrs: Vec<IpAddr> = collected
            .stats
            .hops()
            .flat_map(|h| h.responders.iter().map(|r| r.address))
            .collect();
        let found = d.names(addrs, tokio::time::Instant::now() + budget).await;
        collected.names.extend(found);
    }
    let mut path = monitor::summary_path(
        &template,
        &collected.stats,
        &Enrichment {
            names: Some(&collected.names),
            geo,
            from: cfg.geo.from,
            method: cfg.geo.method,
            hints: cfg.geo.hint_options(),
        },
    );
    path.trace.interrupted = outcome.interrupted;
    if cfg.output.verbose {
        eprintln!("{}", super::stats_line(&outcome.stats));
    }
    emit(&path, &cfg.output, &cfg.geo)?;
    Ok(if outcome.interrupted {
        Finish::Interrupted
    } else {
        Finish::Done
    })
}
