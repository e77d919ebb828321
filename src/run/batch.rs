//! Many targets at once (several TARGETs, or `-F FILE`): one engine, one socket set and one
//! `--rate` for all of them, each target its own Paris flow with today's waits.
//!
//! Targets are read and resolved one at a time, as the engine asks for more (it keeps a bounded
//! number of traces under way), and every finished trace is enriched and written at once to
//! every report — the same many-trace report `annotate` writes for a file of many traces. So
//! memory holds the traces in flight, not the list. A target that cannot be traced (unknown
//! host, the other address family) is reported with its line and skipped; the run goes on.

use super::{interrupted, stats_line, Finish, RunError};
use crate::cli::{BatchTargets, Config};
use crate::dns::{resolve_target, FamilyPreference, ReverseDns};
use crate::geo::Geo;
use crate::import::ImportError;
use crate::many::Reports;
use crate::path::Path;
use crate::probe::{self, engine::Fed, scheduler::Progress};
use crate::trace::{Trace, TraceIdentity};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::net::IpAddr;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Traces under way at once, at most. The engine starts a new one only when the budget has
/// room the others cannot use, so this bounds memory when many traces wait on silent hops
/// (a trace sends about one probe per round trip or wait).
fn max_active(rate: Option<f64>) -> usize {
    rate.map_or(2048, |r| (r / 2.0) as usize).clamp(16, 2048)
}

/// One target as the user gave it.
#[derive(Debug, Clone)]
struct Target {
    label: String,
    /// 1-based among all targets.
    position: usize,
    /// Where it was given: `argument 2`, `targets.txt line 7`.
    place: String,
}

/// The targets of a batch: those on the command line, then the file's lines, read lazily.
struct Targets {
    inline: std::vec::IntoIter<String>,
    file: Option<(String, Box<dyn BufRead>)>,
    position: usize,
    argument: usize,
    line: u64,
}

impl Targets {
    fn open(b: &BatchTargets) -> Result<Targets, RunError> {
        let file = match b.file.as_deref() {
            None => None,
            Some("-") => Some((
                "<stdin>".to_string(),
                Box::new(std::io::BufReader::new(std::io::stdin())) as Box<dyn BufRead>,
            )),
            Some(path) => {
                let f = std::fs::File::open(path).map_err(|source| {
                    RunError::Import(ImportError::Read {
                        name: path.to_string(),
                        source,
                    })
                })?;
                Some((
                    path.to_string(),
                    Box::new(std::io::BufReader::new(f)) as Box<dyn BufRead>,
                ))
            }
        };
        Ok(Targets {
            inline: b.inline.clone().into_iter(),
            file,
            position: 0,
            argument: 0,
            line: 0,
        })
    }

    /// The next target, or a line that could not be read.
    fn next(&mut self) -> Option<Result<Target, String>> {
        if let Some(label) = self.inline.next() {
            self.argument += 1;
            self.position += 1;
            return Some(Ok(Target {
                label,
                position: self.position,
                place: format!("argument {}", self.argument),
            }));
        }
        let (name, reader) = self.file.as_mut()?;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    let msg = format!("{name}: {e}");
                    self.file = None;
                    return Some(Err(msg));
                }
            }
            self.line += 1;
            let text = String::from_utf8_lossy(&buf);
            let text = text.split('#').next().unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            self.position += 1;
            return Some(Ok(Target {
                label: crate::text::sanitize_name(text),
                position: self.position,
                place: format!("{name} line {}", self.line),
            }));
        }
    }

    /// The next target that resolves in `family` (decided by the first that resolves when
    /// `-4`/`-6` did not); the others are reported on standard error and skipped.
    fn next_resolved(&mut self, family: &mut FamilyPreference) -> Option<(Target, IpAddr)> {
        loop {
            let target = match self.next()? {
                Ok(t) => t,
                Err(msg) => {
                    eprintln!("globetrace: warning: {msg}");
                    continue;
                }
            };
            match resolve_target(&target.label, *family) {
                Ok(addr) => {
                    if *family == FamilyPreference::Any {
                        *family = if addr.is_ipv4() {
                            FamilyPreference::V4
                        } else {
                            FamilyPreference::V6
                        };
                    }
                    return Some((target, addr));
                }
                Err(e) => eprintln!("globetrace: warning: {}: {e}; skipped", target.place),
            }
        }
    }
}

/// What the collector needs to know of a trace under way.
struct Underway {
    target: Target,
    address: IpAddr,
    started: SystemTime,
}

/// Run the batch.
pub(super) fn batch(cfg: &Config, targets: &BatchTargets) -> Result<Finish, RunError> {
    if cfg.probe.cycles != Some(1) {
        return Err(RunError::Usage(
            "-c with several targets is not supported: monitor one target per run".into(),
        ));
    }
    let mut targets = Targets::open(targets)?;
    let mut family = cfg.family;
    let Some((first, first_address)) = targets.next_resolved(&mut family) else {
        return Err(RunError::Usage("no target could be resolved".into()));
    };
    let prepared = probe::open(&first.label, first_address, &cfg.probe)?;
    crate::probe::socket::drop_privileges().map_err(|e| RunError::Privileges(e.to_string()))?;
    let geo = super::open_geo(&cfg.geo)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let result = runtime.block_on(batch_async(
        cfg,
        prepared,
        geo.as_ref(),
        targets,
        family,
        (first, first_address),
    ));
    runtime.shutdown_background();
    result
}

async fn batch_async(
    cfg: &Config,
    prepared: probe::Prepared,
    geo: Option<&Geo>,
    mut targets: Targets,
    mut family: FamilyPreference,
    first: (Target, IpAddr),
) -> Result<Finish, RunError> {
    let template = prepared.template();
    let underway: Rc<RefCell<HashMap<usize, Underway>>> = Rc::default();
    let mut next_id = 0usize;
    let mut first = Some(first);
    let template_plan = prepared.plan(0, first.as_ref().expect("set").1);
    let feed_underway = Rc::clone(&underway);
    let limit = max_active(cfg.probe.rate);
    let mut next = move || {
        // Traces under way or finished but not yet written: when the writing falls behind, the
        // engine waits instead of piling results up.
        if feed_underway.borrow().len() >= limit {
            return Fed::Later;
        }
        let Some((target, address)) = first.take().or_else(|| targets.next_resolved(&mut family))
        else {
            return Fed::Done;
        };
        let id = next_id;
        next_id += 1;
        feed_underway.borrow_mut().insert(
            id,
            Underway {
                target,
                address,
                started: SystemTime::now(),
            },
        );
        let mut plan = template_plan.clone();
        plan.id = id;
        plan.flow.destination = address;
        Fed::Plan(plan)
    };
    let mut reports = Reports::open(&cfg.output, &cfg.geo)?;
    let mut dns = cfg.dns.then(|| ReverseDns::new(Duration::from_secs(1)));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (_control, control_rx) = mpsc::unbounded_channel();
    let engine = prepared.run_many(
        &mut next,
        max_active(cfg.probe.rate),
        tx,
        control_rx,
        interrupted(),
    );
    let progress_line = cfg.output.live && std::io::stderr().is_terminal();
    let started = Instant::now();
    let consumer = async {
        let mut done = 0usize;
        let mut probes = 0usize;
        let mut first_error = None;
        while let Some(event) = rx.recv().await {
            let pass = match event {
                Progress::Responder(addr) => {
                    if let Some(d) = dns.as_mut() {
                        d.prefetch(addr);
                    }
                    continue;
                }
                Progress::Hop { .. } => continue,
                Progress::PassDone(pass) => pass,
            };
            let Some(u) = underway.borrow_mut().remove(&pass.trace) else {
                continue;
            };
            if pass.interrupted && pass.hops.is_empty() {
                // Stopped before its first probe: nothing was learnt of it.
                continue;
            }
            probes += pass.hops.iter().map(|h| h.sent()).sum::<usize>();
            let mut trace: Trace = template.clone();
            trace.target = u.target.label.clone();
            trace.address = Some(u.address);
            trace.hops = pass.hops;
            trace.reached = pass.reached;
            trace.interrupted = pass.interrupted;
            trace.multipath = pass.multipath;
            let names = match dns.as_mut() {
                Some(d) => {
                    let addrs: Vec<IpAddr> =
                        trace.hops.iter().flat_map(|h| h.responders()).collect();
                    let until = tokio::time::Instant::now() + Duration::from_millis(300);
                    d.names(addrs, until).await
                }
                None => HashMap::new(),
            };
            let path = Path::build(trace, &crate::run::enrichment(&names, geo, &cfg.geo));
            let identity = TraceIdentity {
                label: u.target.label,
                position: u.target.position,
                tool: Some("globetrace".into()),
                vantage: template.source.map(|s| s.to_string()),
                measurement: None,
                time: u
                    .started
                    .duration_since(UNIX_EPOCH)
                    .ok()
                    .map(|d| d.as_secs() as i64),
            };
            if first_error.is_none() {
                if let Err(e) = reports.push(&identity, &path) {
                    first_error = Some(e);
                }
            }
            done += 1;
            if progress_line {
                let secs = started.elapsed().as_secs_f64().max(1e-3);
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[K{done} traces done, {:.0} traces/s, {:.0} probes/s",
                    done as f64 / secs,
                    probes as f64 / secs
                );
                let _ = err.flush();
            }
        }
        if progress_line {
            eprintln!();
        }
        first_error
    };
    let (outcome, first_error) = tokio::join!(engine, consumer);
    let outcome = outcome.map_err(RunError::Probe)?;
    // Whatever was written is closed properly, even when one export failed.
    let finished = reports.finish(&cfg.output, &cfg.geo);
    if let Some(e) = first_error {
        return Err(e);
    }
    finished?;
    if cfg.output.verbose {
        eprintln!("{}", stats_line(&outcome.stats));
    }
    Ok(if outcome.interrupted {
        Finish::Interrupted
    } else {
        Finish::Done
    })
}
