//! Reports of many traces: an Atlas measurement, a scamper file, a batch of targets.
//!
//! Many traces arrive as a stream of finished paths, each with a [`TraceIdentity`], and leave
//! the same way: [`MultiWriter`] writes each one as it comes and keeps nothing but a count, so
//! a file of a million traces is reported in the memory of one. It knows nothing of where the
//! paths came from (import or live batch). Each format reuses the single-trace writer:
//!
//! - CSV: the single-trace rows ([`super::csv::rows`]) after a leading `trace` column;
//! - JSON: `{"schema_version", "generator", "traces": [...]}`, each element the single-trace
//!   document ([`super::json::document`]) with `trace` and `identity` in front;
//! - JSON lines: one such element per line;
//! - table: one compact summary line per trace (the full table of hundreds of traces would be
//!   unreadable; export CSV or JSON for the hops).
//!
//! The one map of all paths is drawn by [`super::map::overview`], which keeps only each
//! path's placed stops.

use super::{brief, csv as single_csv, json, Format};
use crate::distance::{group_thousands, Units};
use crate::path::Path;
use crate::trace::TraceIdentity;
use serde::Serialize;
use std::io::{self, Write};

/// The version of the many-trace JSON layout (the single-trace documents inside carry their own).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Entry<'a, D: Serialize> {
    trace: &'a str,
    identity: &'a TraceIdentity,
    #[serde(flatten)]
    path: D,
}

enum Out<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json(W),
    Jsonl(W),
    Table(W),
}

/// Writes many traces, one at a time, in one format.
pub struct MultiWriter<W: Write> {
    out: Out<W>,
    units: Units,
    written: usize,
    /// One JSON trace, serialised here first and handed to `out` whole (small writes into a
    /// growable buffer are cheaper than into a writer), reused from trace to trace.
    line: Vec<u8>,
}

impl<W: Write> MultiWriter<W> {
    /// Starts the report: the CSV header, or the opening of the JSON document.
    pub fn new(mut out: W, format: Format, units: Units) -> io::Result<Self> {
        let out = match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                let header = std::iter::once("trace").chain(single_csv::COLUMNS.iter().copied());
                w.write_record(header).map_err(csv_io)?;
                Out::Csv(Box::new(w))
            }
            Format::Json => {
                write!(
                    out,
                    "{{\"schema_version\":{SCHEMA_VERSION},\"generator\":\"globetrace {}\",\"traces\":[",
                    env!("CARGO_PKG_VERSION")
                )?;
                Out::Json(out)
            }
            Format::Jsonl => Out::Jsonl(out),
            Format::Table => Out::Table(out),
        };
        Ok(MultiWriter {
            out,
            units,
            written: 0,
            line: Vec::new(),
        })
    }

    /// Writes one trace.
    pub fn push(&mut self, id: &TraceIdentity, path: &Path) -> io::Result<()> {
        let entry = || Entry {
            trace: &id.label,
            identity: id,
            path: json::document(path),
        };
        match &mut self.out {
            Out::Csv(w) => {
                let label = single_csv::neutralise(&id.label);
                for row in single_csv::rows(path) {
                    w.write_record(
                        std::iter::once(label.as_str()).chain(row.iter().map(String::as_str)),
                    )
                    .map_err(csv_io)?;
                }
            }
            Out::Json(out) => {
                let line = &mut self.line;
                line.clear();
                if self.written > 0 {
                    line.push(b',');
                }
                line.push(b'\n');
                serde_json::to_writer(&mut *line, &entry()).map_err(io::Error::other)?;
                out.write_all(line)?;
            }
            Out::Jsonl(out) => {
                let line = &mut self.line;
                line.clear();
                serde_json::to_writer(&mut *line, &entry()).map_err(io::Error::other)?;
                line.push(b'\n');
                out.write_all(line)?;
            }
            Out::Table(out) => writeln!(out, "{}", summary_line(id, path, self.units))?,
        }
        self.written += 1;
        Ok(())
    }

    /// How many traces were written.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Ends the report (closes the JSON document) and flushes it.
    pub fn finish(self) -> io::Result<W> {
        match self.out {
            Out::Csv(w) => w.into_inner().map_err(|e| io::Error::other(e.to_string())),
            Out::Json(mut out) => {
                out.write_all(b"\n]}\n")?;
                out.flush()?;
                Ok(out)
            }
            Out::Jsonl(mut out) | Out::Table(mut out) => {
                out.flush()?;
                Ok(out)
            }
        }
    }
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// One line for one trace: who, where to, whether it arrived, how far, from where to where.
///
/// `5001/6001/1513868224  probe 6001 → k.root-servers.net (193.0.14.129): reached in 9 hops ·
/// 9/9 hops answered · 412 mi · Amsterdam, NL → Amsterdam, NL`
pub fn summary_line(id: &TraceIdentity, path: &Path, units: Units) -> String {
    let t = &path.trace;
    let target = match t.address {
        Some(a) if a.to_string() != t.target => format!("{} ({a})", t.target),
        _ => t.target.clone(),
    };
    let last = path.hops.last().map(|h| h.hop).unwrap_or(0);
    let answered = path.hops.iter().filter(|h| h.received > 0).count();
    let mut s = id.label.clone();
    s.push_str("  ");
    if let Some(v) = &id.vantage {
        s.push_str(v);
        s.push_str(" → ");
    }
    s.push_str(&target);
    if t.reached {
        s.push_str(&format!(": reached in {last} hops"));
    } else {
        s.push_str(&format!(": not reached (last hop {last})"));
    }
    s.push_str(&format!(" · {answered}/{} hops answered", path.hops.len()));
    match path.branches.as_ref().and_then(|b| b.range.as_ref()) {
        // A multipath trace: the range over its branches.
        Some(r) => s.push_str(&format!(
            " · {}–{}",
            group_thousands(units.pick(r.shortest.miles, r.shortest.km)),
            units.format(r.longest.miles, r.longest.km)
        )),
        None => {
            if let Some(d) = path.distance.as_ref().filter(|d| !d.legs.is_empty()) {
                s.push_str(" · ");
                s.push_str(&units.format(d.total_miles, d.total_km));
            }
        }
    }
    if let Some(m) = &path.trace.multipath {
        s.push_str(&format!(" · {}-way multipath", m.width()));
    }
    let places: Vec<String> = path
        .hops
        .iter()
        .filter_map(|h| h.located().and_then(|r| r.geo.as_ref()))
        .filter(|g| g.special.is_none())
        .map(brief)
        .filter(|b| !b.is_empty())
        .collect();
    match (places.first(), places.last()) {
        (Some(a), Some(b)) if a != b => s.push_str(&format!(" · {a} → {b}")),
        (Some(a), _) => s.push_str(&format!(" · {a}")),
        _ => {}
    }
    s
}
