//! A run on remote vantage points: ask the service, wait with a progress line, then annotate
//! what came back exactly as a file of many traces is annotated.

use super::{open_geo, Finish, RunError};
use crate::cli::{RemoteConfig, RemoteJob};
use crate::import::{InputFormat, Item, Stream};
use crate::remote::atlas::{self, Atlas, ResultsQuery};
use crate::remote::globalping::{self, Globalping};
use std::io::{BufReader, IsTerminal, Write};

/// Runs `cfg`: Globalping or RIPE Atlas, then the many-trace report.
pub fn remote(cfg: &RemoteConfig) -> Result<Finish, RunError> {
    // Databases first: a bad --city-db is reported before anything is sent.
    let geo = open_geo(&cfg.annotate.geo)?;
    let source = cfg.annotate.input.as_str();
    match &cfg.job {
        RemoteJob::Globalping(spec) => {
            let gp = Globalping::from_env()?;
            let (id, probes) = gp.create(spec)?;
            let mut line = ProgressLine::new();
            line.show(&format!(
                "Globalping measurement {id}: {} probe(s) found, waiting",
                probes.map_or("?".to_string(), |n| n.to_string())
            ));
            let waited = gp.wait(
                &id,
                globalping::POLL_INTERVAL,
                globalping::MAX_WAIT,
                &mut |done, all| {
                    line.show(&format!(
                        "Globalping measurement {id}: {done}/{all} probes finished"
                    ))
                },
            );
            line.end();
            let measurement = waited?;
            let (records, warnings) = globalping::records(&measurement);
            for w in warnings {
                eprintln!("globetrace: warning: Globalping {w}");
            }
            // Which probe each trace came from (the report of a single trace does not say).
            for r in &records {
                let vantage = r.identity.vantage.as_deref().unwrap_or("unknown probe");
                eprintln!("globetrace: trace {}: from {vantage}", r.identity.position);
            }
            let items = records.into_iter().map(|r| Ok(Item::Trace(Box::new(r))));
            crate::many::annotate_items(&cfg.annotate, source, geo.as_ref(), None, items)
        }
        RemoteJob::AtlasResults(query) => atlas_results(cfg, &Atlas::from_env()?, query, geo),
        RemoteJob::AtlasCreate(spec) => {
            let client = Atlas::from_env()?;
            if crate::remote::token(atlas::KEY_ENV).is_none() {
                return Err(crate::remote::RemoteError::Usage(format!(
                    "--atlas-create needs a RIPE Atlas API key in {}",
                    atlas::KEY_ENV
                ))
                .into());
            }
            let id = client.create(spec)?;
            let mut line = ProgressLine::new();
            line.show(&format!("RIPE Atlas measurement {id} created"));
            let waited = client.wait(id, atlas::POLL_INTERVAL, atlas::MAX_WAIT, &mut |s| {
                line.show(&format!("RIPE Atlas measurement {id}: {s}"))
            });
            line.end();
            waited?;
            let query = ResultsQuery {
                measurement: id,
                start: Some(0),
                ..ResultsQuery::default()
            };
            atlas_results(cfg, &client, &query, geo)
        }
    }
}

fn atlas_results(
    cfg: &RemoteConfig,
    client: &Atlas,
    query: &ResultsQuery,
    geo: Option<crate::geo::Geo>,
) -> Result<Finish, RunError> {
    let body = client.results(query)?;
    let stream = Stream::new(Box::new(BufReader::new(body)), InputFormat::Atlas);
    crate::many::annotate_stream(&cfg.annotate, &cfg.annotate.input, geo.as_ref(), stream)
}

/// One status line on standard error: redrawn in place on a terminal, a line per change
/// otherwise (so logs keep every step).
struct ProgressLine {
    terminal: bool,
    last: String,
}

impl ProgressLine {
    fn new() -> Self {
        ProgressLine {
            terminal: std::io::stderr().is_terminal(),
            last: String::new(),
        }
    }

    fn show(&mut self, text: &str) {
        if text == self.last {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r\x1b[2K{text}")
        } else {
            writeln!(err, "globetrace: {text}")
        };
        let _ = err.flush();
        self.last = text.to_string();
    }

    fn end(&mut self) {
        if self.terminal && !self.last.is_empty() {
            eprintln!();
        }
    }
}
