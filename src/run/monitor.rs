//! A monitoring run (`-c N`, N ≠ 1): the engine runs the cycles, [`crate::monitor`] sums them up,
//! and the result is reported like a single trace — with statistics — when the cycles end, the
//! user quits, or a signal comes.

use super::live_view::{self, Ending, LiveView};
use super::{emit, emit_files, interrupted, Finish, RunError};
use crate::cli::Config;
use crate::dns::ReverseDns;
use crate::geo::Geo;
use crate::monitor::{self, ProgressLine, Quiet, Watcher};
use crate::path::Enrichment;
use crate::probe;
use crate::report::tui::{self, Header};
use crate::report::Format;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::time::Duration;
use tokio::sync::mpsc;

/// Run the cycles and report.
pub(super) async fn monitor_async(
    cfg: &Config,
    address: IpAddr,
    prepared: probe::Prepared,
    geo: Option<&Geo>,
) -> Result<Finish, RunError> {
    let template = prepared.template();
    let mut dns = cfg.dns.then(|| ReverseDns::new(Duration::from_secs(1)));
    let (tx, rx) = mpsc::unbounded_channel();
    let (control, control_rx) = mpsc::unbounded_channel();
    let (reset, mut reset_rx) = mpsc::unbounded_channel();
    let enrich = Enrichment {
        names: None,
        geo,
        from: cfg.geo.from,
        method: cfg.geo.method,
        hints: cfg.geo.hint_options(),
    };
    let full_screen = full_screen(cfg);
    let mut ending = None;
    let mut terminal_error = None;
    let (outcome, mut collected) = if full_screen {
        let header = Header {
            target: cfg.target.clone(),
            address: template.address.unwrap_or(address),
            source: template.source,
            protocol: cfg.probe.protocol.to_string(),
            cycles_done: 0,
            cycles_total: cfg.probe.cycles,
            elapsed: Duration::ZERO,
            paused: false,
            interval: cfg.probe.interval,
        };
        let (mut view, frames) = LiveView::new(template.clone(), header, enrich);
        let (ui_tx, ui_rx) = mpsc::unbounded_channel();
        let engine = prepared.run(tx, control_rx, interrupted());
        // The watcher (and its sender) goes when the cycles end: the view then shows DONE.
        let collector = async {
            let collected = monitor::collect(rx, dns.as_mut(), &mut view, &mut reset_rx).await;
            drop(view);
            collected
        };
        // A signal from outside (SIGTERM, or SIGINT from kill) also leaves the view; its guard
        // restores the terminal when the future is dropped.
        let ui = async {
            tokio::select! {
                r = tui::run(frames, ui_tx) => r,
                _ = interrupted() => Ok(()),
            }
        };
        // When the view ends (or fails), the forwarder stops the engine.
        let forwarder = live_view::forward(ui_rx, control.clone(), reset.clone());
        let (outcome, collected, shown, end) = tokio::join!(engine, collector, ui, forwarder);
        terminal_error = shown.err();
        ending = Some(end);
        (outcome, collected)
    } else {
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
        let joined = tokio::join!(engine, collector);
        drop(watcher);
        if cfg.output.live && std::io::stderr().is_terminal() {
            eprintln!();
        }
        joined
    };
    drop((control, reset));
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
            ..enrich
        },
    );
    let interrupted = outcome.interrupted || ending == Some(Ending::Interrupt);
    path.trace.interrupted = interrupted;
    if cfg.output.verbose {
        eprintln!("{}", super::stats_line(&outcome.stats));
    }
    if full_screen && terminal_error.is_none() {
        // The view was the display: only the files asked for are written.
        emit_files(&path, &cfg.output, &cfg.geo)?;
    } else {
        // Without the view (or when the terminal failed it), the report as with `-r`.
        emit(&path, &cfg.output, &cfg.geo)?;
    }
    if let Some(e) = terminal_error {
        return Err(RunError::Terminal(e));
    }
    Ok(if interrupted {
        Finish::Interrupted
    } else {
        Finish::Done
    })
}

/// The full-screen view runs for a monitoring run on a terminal, unless `-r`, `--no-live` or a
/// CSV/JSON format on stdout asked for a report.
fn full_screen(cfg: &Config) -> bool {
    !cfg.report
        && cfg.output.live
        && cfg.output.format == Format::Table
        && std::io::stdout().is_terminal()
}
