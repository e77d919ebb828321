//! Rendering a path: the live lines, the final table, and the CSV and JSON exports.
//!
//! Reports read a finished [`Path`](crate::path::Path) (or, for live lines, one hop) and know
//! nothing of how it was gathered.

pub mod csv;
pub mod geojson;
pub mod json;
mod json_multipath;
pub mod live;
pub mod map;
pub mod multi;
#[cfg(test)]
mod multipath_tests;
pub mod round;
pub mod round_ser;
pub mod stats;
pub mod stats_table;
pub mod table;
pub mod table_branches;
pub mod tui;

use std::fmt;
use std::str::FromStr;

/// What goes to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
    /// One JSON document per line: per trace for many traces, the trace for one.
    Jsonl,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
        })
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            other => Err(format!(
                "unknown format {other:?} (expected table, csv, json or jsonl)"
            )),
        }
    }
}

/// Format an RTT in milliseconds the way the table and live lines show it.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.3}")
    }
}

/// A short description of a location: `London, GB · AS2856`, `private`, or empty.
pub fn brief(loc: &crate::geo::Location) -> String {
    if let Some(special) = loc.special {
        return special.label().to_string();
    }
    let place: Vec<&str> = [loc.city.as_deref(), loc.country_code.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut s = place.join(", ");
    if let Some(asn) = loc.asn {
        if !s.is_empty() {
            s.push_str(" · ");
        }
        s.push_str(&format!("AS{asn}"));
    }
    s
}
