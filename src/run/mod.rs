//! One live trace from start to finish: resolve, open sockets, drop privileges, probe while
//! printing hops live, look names up, then print and export the result.
//!
//! Whatever was found is printed and exported even when the trace is interrupted or an export
//! fails: the user never loses hops they already have.

use crate::cli::{AnnotateConfig, Config, GeoOptions, LocateConfig, OutputConfig};
use crate::dns::{resolve_target, ResolveError, ReverseDns};
use crate::geo::{Feeds, Geo, GeoConfig, GeoError};
use crate::import::{self, ImportError};
use crate::path::{Enrichment, Path};
use crate::probe::scheduler::Progress;
use crate::probe::socket::{drop_privileges, Mode, SocketError};
use crate::probe::{self, schedule::Stats};
use crate::report::{self, live::hop_line, Format};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

mod batch;
mod live_view;
mod monitor;
mod remote;

pub use remote::remote;

/// What can stop a trace, and which exit code it means.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Socket(#[from] SocketError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Geo(#[from] GeoError),
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot drop privileges: {0}")]
    Privileges(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("live view: terminal: {0}")]
    Terminal(std::io::Error),
    #[error("trace failed: {0}")]
    Probe(std::io::Error),
    #[error("cannot write {path}: {source}")]
    Export {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl RunError {
    /// 2 for what the user asked wrongly, 1 for what went wrong at run time.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Resolve(_) => 2,
            RunError::Usage(_) => 2,
            // The file the user named cannot be used as a trace.
            RunError::Import(_) => 2,
            // A database the user named is missing or unreadable.
            RunError::Geo(_) => 2,
            RunError::Remote(e) => e.exit_code(),
            _ => 1,
        }
    }
}

/// How a run ended, when it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Done,
    Interrupted,
}

/// Resolves when SIGINT or SIGTERM arrives.
async fn interrupted() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
}

/// Where live lines go: stdout when it shows the table on a terminal, else stderr when that is
/// a terminal, else nowhere.
enum LiveSink {
    Stdout,
    Stderr,
    None,
}

fn live_sink(out: &OutputConfig) -> LiveSink {
    if !out.live {
        LiveSink::None
    } else if out.format == Format::Table && std::io::stdout().is_terminal() {
        LiveSink::Stdout
    } else if std::io::stderr().is_terminal() {
        LiveSink::Stderr
    } else {
        LiveSink::None
    }
}

/// Run a live trace as configured.
pub fn trace(cfg: &Config) -> Result<Finish, RunError> {
    if let Some(targets) = &cfg.batch {
        return batch::batch(cfg, targets);
    }
    let address = resolve_target(&cfg.target, cfg.family)?;
    let prepared = probe::open(&cfg.target, address, &cfg.probe)?;
    drop_privileges().map_err(|e| RunError::Privileges(e.to_string()))?;
    // Opened without privileges: a database path is read with the user's own rights.
    let geo = open_geo(&cfg.geo)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let result = if cfg.probe.cycles == Some(1) {
        runtime.block_on(trace_async(cfg, address, prepared, geo.as_ref()))
    } else {
        runtime.block_on(monitor::monitor_async(cfg, address, prepared, geo.as_ref()))
    };
    // Lookups still waiting on a slow DNS server must not hold the exit.
    runtime.shutdown_background();
    result
}

/// What enrichment adds to a trace: `names` found, the `geo` databases opened, and the geo
/// options (where distances start, how they are measured, the hint checks).
pub(crate) fn enrichment<'a>(
    names: &'a HashMap<IpAddr, String>,
    geo: Option<&'a Geo>,
    opts: &GeoOptions,
) -> Enrichment<'a> {
    Enrichment {
        names: Some(names),
        geo,
        from: opts.from,
        method: opts.method,
        hints: opts.hint_options(),
    }
}

/// Open the geo databases. A database the user named that cannot be used is an error; shipped
/// data that cannot be used is a warning, and the run goes on with what is left.
pub fn open_geo(opts: &GeoOptions) -> Result<Option<Geo>, RunError> {
    if !opts.enabled {
        return Ok(None);
    }
    let user_only = GeoConfig {
        city_dbs: opts.city_dbs.clone(),
        asn_dbs: opts.asn_dbs.clone(),
        use_shipped: false,
        ..GeoConfig::default()
    };
    let has_user_dbs = !(opts.city_dbs.is_empty() && opts.asn_dbs.is_empty());
    if has_user_dbs {
        // Fail on the user's own files first, so the error names them.
        Geo::open(&user_only)?;
    }
    let full = GeoConfig {
        use_shipped: true,
        ..user_only.clone()
    };
    // Geofeeds and overrides are the user's files: a bad one is an error before anything runs.
    let feeds = Feeds::load(&opts.geofeeds, &opts.overrides).map_err(GeoError::from)?;
    match Geo::open(&full) {
        Ok(g) => Ok(Some(g.with_feeds(feeds))),
        Err(e) => {
            eprintln!(
                "globetrace: warning: shipped geo data unavailable ({e}); hops are not located"
            );
            if has_user_dbs {
                Ok(Some(Geo::open(&user_only)?.with_feeds(feeds)))
            } else {
                Ok(None)
            }
        }
    }
}

/// `locate`: the evidence for each name or address, as text or JSON, offline.
pub fn locate(cfg: &LocateConfig) -> Result<Finish, RunError> {
    let geo = open_geo(&cfg.geo)?;
    let items = crate::locate::items(&cfg.items, &mut std::io::stdin().lock());
    let all: Vec<_> = items
        .iter()
        .map(|i| crate::locate::locate(i, geo.as_ref()))
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = if cfg.json {
        serde_json::to_string_pretty(&all)
            .map_err(std::io::Error::other)
            .and_then(|j| writeln!(out, "{j}"))
    } else {
        crate::locate::render_text(&all, &mut out)
    };
    written.map_err(|source| RunError::Export {
        path: "<stdout>".into(),
        source,
    })?;
    Ok(Finish::Done)
}

/// Annotate a saved trace: no packet is sent; names come from the file or reverse DNS.
pub fn annotate(cfg: &AnnotateConfig) -> Result<Finish, RunError> {
    let source = if cfg.input == "-" {
        "<stdin>"
    } else {
        cfg.input.as_str()
    };
    // Databases first: a bad --city-db is reported on its own, before any input is read.
    let geo = open_geo(&cfg.geo)?;
    if cfg.bulk {
        return annotate_bulk(cfg, source, geo.as_ref());
    }
    let imported = match import::open(&cfg.input, cfg.input_format)? {
        import::Opened::Single(imported) => *imported,
        import::Opened::Many(stream) => {
            return crate::many::annotate_stream(cfg, source, geo.as_ref(), stream)
        }
    };
    let too_long = imported.format == import::InputFormat::AddressList
        && imported
            .warnings
            .iter()
            .any(|w| w.reason == import::WarningReason::TooManyHops);
    if too_long && cfg.input != "-" {
        eprintln!(
            "globetrace: {source}: more addresses than a path can have; \
             annotating them one by one (--bulk)"
        );
        return annotate_bulk(cfg, source, geo.as_ref());
    }
    for w in &imported.warnings {
        eprintln!("globetrace: warning: {source} {w}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let trace = imported.trace;
    let names = runtime.block_on(async {
        if !cfg.dns {
            return HashMap::new();
        }
        let mut dns = ReverseDns::new(Duration::from_secs(1));
        // Addresses that came with a name keep it; only the others are looked up.
        let unnamed = trace.unnamed_responders();
        dns.names(unnamed, tokio::time::Instant::now() + cfg.dns_timeout)
            .await
    });
    runtime.shutdown_background();
    let path = Path::build(
        trace,
        &Enrichment {
            names: Some(&names),
            geo: geo.as_ref(),
            from: cfg.geo.from,
            method: cfg.geo.method,
            hints: cfg.geo.hint_options(),
        },
    );
    emit(&path, &cfg.output, &cfg.geo)?;
    Ok(Finish::Done)
}

/// `annotate --bulk`: every address its own row, streamed to stdout (and to `--csv`/`--json`
/// files, which are written by a second pass over the input).
fn annotate_bulk(
    cfg: &AnnotateConfig,
    source: &str,
    geo: Option<&Geo>,
) -> Result<Finish, RunError> {
    let open_input = || -> Result<Box<dyn std::io::BufRead>, RunError> {
        if cfg.input == "-" {
            Ok(Box::new(std::io::stdin().lock()))
        } else {
            std::fs::File::open(&cfg.input)
                .map(|f| Box::new(std::io::BufReader::new(f)) as Box<dyn std::io::BufRead>)
                .map_err(|e| {
                    RunError::Import(ImportError::Read {
                        name: cfg.input.clone(),
                        source: e,
                    })
                })
        }
    };
    let warn = |line: u64, text: &str| {
        let shown: String = text.chars().take(80).collect();
        eprintln!(
            "globetrace: warning: {source} line {line}: not an address: {:?}",
            shown
        );
    };
    let stdout = std::io::stdout();
    let stats = crate::bulk::annotate(
        open_input()?,
        geo,
        cfg.output.format,
        std::io::BufWriter::new(stdout.lock()),
        warn,
    )
    .or_else(|e| match e.kind() {
        // `| head` closed the pipe: the reader has what it wanted.
        std::io::ErrorKind::BrokenPipe => Ok(crate::bulk::BulkStats::default()),
        _ => Err(RunError::Export {
            path: PathBuf::from("<stdout>"),
            source: e,
        }),
    })?;
    for (file, format) in [
        (&cfg.output.csv, Format::Csv),
        (&cfg.output.json, Format::Json),
    ] {
        let Some(file) = file else { continue };
        if cfg.input == "-" {
            return Err(RunError::Export {
                path: file.clone(),
                source: std::io::Error::other(
                    "standard input cannot be read twice; redirect stdout instead",
                ),
            });
        }
        write_file(file, |f| {
            crate::bulk::annotate(
                open_input().map_err(std::io::Error::other)?,
                geo,
                format,
                std::io::BufWriter::new(f),
                |_, _| {},
            )
            .map(drop)
        })?;
    }
    if stats.skipped > 20 {
        eprintln!(
            "globetrace: warning: {source}: {} lines were not addresses",
            stats.skipped
        );
    }
    Ok(Finish::Done)
}

async fn trace_async(
    cfg: &Config,
    address: IpAddr,
    prepared: probe::Prepared,
    geo: Option<&Geo>,
) -> Result<Finish, RunError> {
    let sink = live_sink(&cfg.output);
    if !matches!(sink, LiveSink::None) {
        let mode = match prepared.mode() {
            Mode::Raw => "",
            Mode::Ping => ", unprivileged ICMP sockets",
        };
        let head = format!(
            "globetrace to {} ({address}) from {}, {} hops max, {} probes{mode}",
            cfg.target,
            prepared.source(),
            cfg.probe.max_hops,
            cfg.probe.protocol,
        );
        print_live(&sink, &head);
    }
    let mut dns = cfg.dns.then(|| ReverseDns::new(Duration::from_secs(1)));
    let (tx, mut rx) = mpsc::unbounded_channel();
    // A single trace takes no keys; the sender stays alive for the run so the engine's control
    // channel does not close.
    let (_control, control_rx) = mpsc::unbounded_channel();
    let mut trace = prepared.template();
    let engine = prepared.run(tx, control_rx, interrupted());
    let numeric = !cfg.dns;
    let consumer = async {
        let mut names = HashMap::new();
        let mut result = None;
        while let Some(event) = rx.recv().await {
            match event {
                Progress::Responder(addr) => {
                    if let Some(d) = dns.as_mut() {
                        d.prefetch(addr);
                    }
                }
                Progress::Hop { hop, .. } => {
                    if matches!(sink, LiveSink::None) {
                        continue;
                    }
                    if let Some(d) = dns.as_mut() {
                        // A live row waits a little for its names, never long.
                        let until = tokio::time::Instant::now() + Duration::from_millis(300);
                        names.extend(d.names(hop.responders(), until).await);
                    }
                    print_live(&sink, &hop_line(&hop, &names, numeric, geo));
                }
                Progress::PassDone(pass) => result = Some(pass),
            }
        }
        result
    };
    let (outcome, pass) = tokio::join!(engine, consumer);
    let outcome = outcome.map_err(RunError::Probe)?;
    let stats = outcome.stats;
    if let Some(pass) = pass {
        trace.hops = pass.hops;
        trace.reached = pass.reached;
        trace.multipath = pass.multipath;
    }
    trace.interrupted = outcome.interrupted;
    let finish = if trace.interrupted {
        Finish::Interrupted
    } else {
        Finish::Done
    };
    let names = match dns.as_mut() {
        Some(d) => {
            let budget = if trace.interrupted {
                Duration::ZERO
            } else {
                cfg.dns_timeout
            };
            let addrs: Vec<IpAddr> = trace.hops.iter().flat_map(|h| h.responders()).collect();
            d.names(addrs, tokio::time::Instant::now() + budget).await
        }
        None => HashMap::new(),
    };
    let path = Path::build(trace, &crate::run::enrichment(&names, geo, &cfg.geo));
    if cfg.output.verbose {
        eprintln!("{}", stats_line(&stats));
    }
    emit(&path, &cfg.output, &cfg.geo)?;
    Ok(finish)
}

fn print_live(sink: &LiveSink, line: &str) {
    match sink {
        LiveSink::Stdout => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
        LiveSink::Stderr => eprintln!("{line}"),
        LiveSink::None => {}
    }
}

fn stats_line(s: &Stats) -> String {
    format!(
        "probes sent {}, answered {}; ignored: {} foreign, {} undecodable, {} duplicate, {} late",
        s.sent, s.matched, s.foreign, s.undecodable, s.duplicates, s.late
    )
}

/// Write the files asked for (`--map`, `--geojson`, `--csv`, `--json`), nothing to stdout: what
/// the full-screen view leaves behind. Every file is tried; the first failure is returned.
pub fn emit_files(path: &Path, out: &OutputConfig, geo: &GeoOptions) -> Result<(), RunError> {
    let units = geo.units;
    let mut first_error = None;
    if let Some(file) = &out.map {
        let opts = report::map::MapOptions {
            world: out.map_world,
            units,
            origin: geo.from,
            ..Default::default()
        };
        if let Err(e) = std::fs::write(file, report::map::render_svg(path, &opts)) {
            first_error.get_or_insert(RunError::Export {
                path: file.clone(),
                source: e,
            });
        }
    }
    if let Some(file) = &out.geojson {
        let text = report::geojson::geojson_string(path, geo.from) + "\n";
        if let Err(e) = std::fs::write(file, text) {
            first_error.get_or_insert(RunError::Export {
                path: file.clone(),
                source: e,
            });
        }
    }
    if let Some(file) = &out.csv {
        if let Err(e) = write_file(file, |w| report::csv::write(path, w).map_err(csv_io)) {
            first_error.get_or_insert(e);
        }
    }
    if let Some(file) = &out.json {
        let doc = report::json::to_string(path).map_err(std::io::Error::other);
        if let Err(e) = doc.and_then(|d| std::fs::write(file, d + "\n")) {
            first_error.get_or_insert(RunError::Export {
                path: file.clone(),
                source: e,
            });
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Print the result to stdout and write the requested export files. Every export is attempted
/// even if an earlier one fails; the first failure is reported.
pub fn emit(path: &Path, out: &OutputConfig, geo: &GeoOptions) -> Result<(), RunError> {
    let units = geo.units;
    let mut first_error = emit_files(path, out, geo).err();
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let printed = match out.format {
        Format::Table if path.stats.is_some() => {
            writeln!(lock, "{}", report::stats_table::render(path, units))
        }
        Format::Table => {
            let terminal = stdout.is_terminal();
            writeln!(lock, "{}", report::table::render(path, terminal, units))
        }
        Format::Csv => report::csv::write(path, &mut lock).map_err(csv_io),
        Format::Json => report::json::to_string(path)
            .map_err(std::io::Error::other)
            .and_then(|d| writeln!(lock, "{d}")),
        Format::Jsonl => serde_json::to_string(&report::json::document(path))
            .map_err(std::io::Error::other)
            .and_then(|d| writeln!(lock, "{d}")),
    };
    if let Err(e) = printed {
        // A closed pipe (`| head`) is not an error worth reporting.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            first_error.get_or_insert(RunError::Export {
                path: PathBuf::from("<stdout>"),
                source: e,
            });
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

fn write_file(
    file: &std::path::Path,
    f: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), RunError> {
    let mut handle = std::fs::File::create(file).map_err(|source| RunError::Export {
        path: file.to_path_buf(),
        source,
    })?;
    f(&mut handle).map_err(|source| RunError::Export {
        path: file.to_path_buf(),
        source,
    })
}
