//! `globetrace annotate` on a file of many traces: read a record, place its hops, write it,
//! forget it.
//!
//! Each trace goes through the same enrichment as a single one and is written at once to every
//! report asked for (standard output, `--csv`, `--json`), so memory holds one trace, not the
//! file; only `--map` keeps something per trace (its placed stops). Warnings about skipped
//! records go to standard error as they are met, each naming its line. A file that turns out
//! to hold a single trace is shown exactly as a single trace is, with its full table.

use crate::cli::{AnnotateConfig, GeoOptions, OutputConfig};
use crate::dns::ReverseDns;
use crate::geo::Geo;
use crate::import::{self, ImportError, InputFormat, Item, Record, Stream};
use crate::path::Path;
use crate::report::map::{MapOptions, Overview};
use crate::report::multi::MultiWriter;
use crate::report::Format;
use crate::run::{emit, Finish, RunError};
use crate::trace::TraceIdentity;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Duration;

/// Bytes of report gathered before each write: a file of many traces is megabytes of output,
/// and 8 KiB writes (the default) cost a system call per few hops.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Warnings printed before the rest are only counted.
const MAX_PRINTED_WARNINGS: usize = 1000;

/// Every report being written, fed one path at a time (also by a live batch of targets).
pub(crate) struct Reports {
    /// `None` once its reader closed it (`| head`): nothing more is written there.
    stdout: Option<MultiWriter<BufWriter<std::io::Stdout>>>,
    files: Vec<(PathBuf, MultiWriter<BufWriter<File>>)>,
    map: Option<(PathBuf, Overview)>,
}

fn export_err(path: &std::path::Path, source: std::io::Error) -> RunError {
    RunError::Export {
        path: path.to_path_buf(),
        source,
    }
}

impl Reports {
    pub(crate) fn open(output: &OutputConfig, geo: &GeoOptions) -> Result<Self, RunError> {
        let units = geo.units;
        let stdout = BufWriter::with_capacity(OUTPUT_BUFFER, std::io::stdout());
        let stdout = MultiWriter::new(stdout, output.format, units)
            .map_err(|e| export_err(std::path::Path::new("<stdout>"), e))?;
        let mut files = Vec::new();
        for (file, format) in [(&output.csv, Format::Csv), (&output.json, Format::Json)] {
            let Some(file) = file else { continue };
            let handle = File::create(file).map_err(|e| export_err(file, e))?;
            let writer = MultiWriter::new(
                BufWriter::with_capacity(OUTPUT_BUFFER, handle),
                format,
                units,
            )
            .map_err(|e| export_err(file, e))?;
            files.push((file.clone(), writer));
        }
        Ok(Reports {
            stdout: Some(stdout),
            files,
            map: output.map.clone().map(|f| (f, Overview::new(geo.from))),
        })
    }

    pub(crate) fn push(&mut self, identity: &TraceIdentity, path: &Path) -> Result<(), RunError> {
        if let Some(Err(e)) = self.stdout.as_mut().map(|w| w.push(identity, path)) {
            self.stdout = None;
            closed_pipe(e)?;
        }
        for (file, w) in &mut self.files {
            w.push(identity, path).map_err(|e| export_err(file, e))?;
        }
        if let Some((_, overview)) = &mut self.map {
            overview.add(&identity.label, path);
        }
        Ok(())
    }

    pub(crate) fn finish(self, output: &OutputConfig, geo: &GeoOptions) -> Result<(), RunError> {
        if let Some(Err(e)) = self.stdout.map(MultiWriter::finish) {
            closed_pipe(e)?;
        }
        for (file, w) in self.files {
            w.finish().map_err(|e| export_err(&file, e))?;
        }
        if let Some((file, overview)) = self.map {
            let opts = MapOptions {
                world: output.map_world,
                units: geo.units,
                origin: geo.from,
                ..MapOptions::default()
            };
            std::fs::write(&file, overview.render(&opts)).map_err(|e| export_err(&file, e))?;
        }
        Ok(())
    }
}

/// A closed standard output (`| head`) is not an error: its reader has what it wanted.
fn closed_pipe(e: std::io::Error) -> Result<(), RunError> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(export_err(std::path::Path::new("<stdout>"), e))
    }
}

/// Places the hops of one trace (names from reverse DNS unless `-n`, then geo and hints).
fn enrich(
    cfg: &AnnotateConfig,
    geo: Option<&Geo>,
    runtime: &tokio::runtime::Runtime,
    dns: &mut Option<ReverseDns>,
    record: import::Record,
) -> (TraceIdentity, Path) {
    let import::Record { identity, trace } = record;
    let names = match dns.as_mut() {
        Some(d) => runtime.block_on(async {
            let unnamed = trace.unnamed_responders();
            d.names(unnamed, tokio::time::Instant::now() + cfg.dns_timeout)
                .await
        }),
        None => HashMap::new(),
    };
    let path = Path::build(trace, &crate::run::enrichment(&names, geo, &cfg.geo));
    (identity, path)
}

/// Annotates every trace of `stream`; `source` names the input in messages.
pub fn annotate_stream(
    cfg: &AnnotateConfig,
    source: &str,
    geo: Option<&Geo>,
    stream: Stream,
) -> Result<Finish, RunError> {
    let format = stream.format;
    annotate_items(cfg, source, geo, Some(format), stream)
}

/// Annotates every trace `items` yields (a file's stream, or a remote measurement's results);
/// `format` names what was read, when it is one of the import formats.
pub fn annotate_items<I>(
    cfg: &AnnotateConfig,
    source: &str,
    geo: Option<&Geo>,
    format: Option<InputFormat>,
    items: I,
) -> Result<Finish, RunError>
where
    I: Iterator<Item = Result<Item, ImportError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let mut dns = cfg.dns.then(|| ReverseDns::new(Duration::from_secs(1)));
    let (mut warnings, mut first, mut reports) = (0usize, None::<Record>, None::<Reports>);
    let mut traces = 0usize;
    for item in items {
        let item = item.map_err(|e| match e {
            ImportError::Read { source: io, .. } => RunError::Import(ImportError::Read {
                name: source.to_string(),
                source: io,
            }),
            other => RunError::Import(other),
        })?;
        let record = match item {
            Item::Warning(w) => {
                warnings += 1;
                if warnings <= MAX_PRINTED_WARNINGS {
                    eprintln!("globetrace: warning: {source} {w}");
                }
                continue;
            }
            Item::Trace(record) => *record,
        };
        traces += 1;
        // The first trace waits until a second shows this is a file of many.
        let Some(reports) = reports.as_mut() else {
            match first.take() {
                None => first = Some(record),
                Some(held) => {
                    let mut opened = Reports::open(&cfg.output, &cfg.geo)?;
                    for r in [held, record] {
                        let (r, path) = enrich(cfg, geo, &runtime, &mut dns, r);
                        opened.push(&r, &path)?;
                    }
                    reports = Some(opened);
                }
            }
            continue;
        };
        let (record, path) = enrich(cfg, geo, &runtime, &mut dns, record);
        reports.push(&record, &path)?;
    }
    if warnings > MAX_PRINTED_WARNINGS {
        eprintln!(
            "globetrace: warning: {source}: {} more warnings not shown",
            warnings - MAX_PRINTED_WARNINGS
        );
    }
    let result = match (reports, first) {
        (Some(reports), _) => reports.finish(&cfg.output, &cfg.geo),
        (None, Some(single)) => {
            let (_, path) = enrich(cfg, geo, &runtime, &mut dns, single);
            emit(&path, &cfg.output, &cfg.geo)
        }
        (None, None) => Err(RunError::Import(ImportError::NoHops {
            name: source.to_string(),
            format,
            warnings: Vec::new(),
        })),
    };
    runtime.shutdown_background();
    result?;
    if cfg.output.verbose || (warnings > 0 && traces > 1) {
        let what = format.map_or("results".to_string(), |f| f.to_string());
        eprintln!("globetrace: {source}: {traces} traces read as {what}; {warnings} warnings");
    }
    if cfg.output.geojson.is_some() && traces > 1 {
        eprintln!(
            "globetrace: warning: --geojson holds one path; not written for a file of {traces} traces"
        );
    }
    Ok(Finish::Done)
}
