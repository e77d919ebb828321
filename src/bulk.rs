//! Bulk annotation: a list of independent addresses, any length, one row each, streamed.
//!
//! A saved trace is a path of at most 255 hops; a list of addresses from a log is not a path at
//! all, and can have millions of lines. Bulk mode reads it line by line, looks each address up,
//! and writes its row at once, so memory stays flat and nothing waits for the end.

use crate::geo::{Geo, Location};
use crate::report::csv::{geo_cells, neutralise, opt};
use crate::report::Format;
use std::io::{self, BufRead, Write};
use std::net::IpAddr;

/// The CSV columns of bulk output.
pub const COLUMNS: &[&str] = &[
    "line",
    "ip",
    "city",
    "region",
    "country",
    "country_code",
    "asn",
    "isp",
    "latitude",
    "longitude",
    "accuracy_km",
    "special",
    "location_db",
    "asn_db",
];

/// What a bulk run saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkStats {
    pub addresses: u64,
    /// Lines that were neither an address, blank, nor a comment.
    pub skipped: u64,
}

fn cells(line: u64, ip: IpAddr, g: &Location) -> Vec<String> {
    let mut cells = vec![line.to_string(), ip.to_string()];
    cells.extend(geo_cells(Some(g)));
    cells.extend([opt(g.location_db.clone()), opt(g.asn_db.clone())]);
    cells
}

#[derive(serde::Serialize)]
struct JsonRow<'a> {
    line: u64,
    ip: IpAddr,
    #[serde(flatten)]
    geo: &'a Location,
}

/// The addresses of `input` with their line numbers; other lines go to `warn` (the first 20)
/// and are counted in `stats.skipped`.
fn addresses<'a>(
    input: impl BufRead + 'a,
    stats: &'a mut BulkStats,
    mut warn: impl FnMut(u64, &str) + 'a,
) -> impl Iterator<Item = io::Result<(u64, IpAddr)>> + 'a {
    input
        .split(b'\n')
        .enumerate()
        .filter_map(move |(index, line)| {
            let line_no = index as u64 + 1;
            let raw = match line {
                Ok(raw) => raw,
                Err(e) => return Some(Err(e)),
            };
            let text = String::from_utf8_lossy(&raw);
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                return None;
            }
            match text.parse::<IpAddr>() {
                Ok(ip) => {
                    stats.addresses += 1;
                    Some(Ok((line_no, ip)))
                }
                Err(_) => {
                    stats.skipped += 1;
                    if stats.skipped <= 20 {
                        warn(line_no, text);
                    }
                    None
                }
            }
        })
}

/// Annotate every address in `input`, writing rows to `out` as they come. Lines that are not
/// addresses are reported to `warn` with their line numbers (the first 20) and skipped.
pub fn annotate(
    input: impl BufRead,
    geo: Option<&Geo>,
    format: Format,
    mut out: impl Write,
    warn: impl FnMut(u64, &str),
) -> io::Result<BulkStats> {
    let mut stats = BulkStats::default();
    let empty = Location::default();
    let look = |ip: IpAddr| geo.map(|g| g.lookup_uncached(ip));
    {
        let rows = addresses(input, &mut stats, warn);
        match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(COLUMNS)?;
                for row in rows {
                    let (line, ip) = row?;
                    let found = look(ip);
                    let record = cells(line, ip, found.as_ref().unwrap_or(&empty));
                    w.write_record(record.iter().map(|c| neutralise(c)))?;
                }
                w.flush()?;
            }
            Format::Json => {
                write!(
                    out,
                    "{{\"schema_version\":{},\"addresses\":[",
                    crate::report::json::SCHEMA_VERSION
                )?;
                for (i, row) in rows.enumerate() {
                    let (line, ip) = row?;
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    let found = look(ip);
                    let geo = found.as_ref().unwrap_or(&empty);
                    let mut row = serde_json::to_value(JsonRow { line, ip, geo })?;
                    crate::report::round::tidy(&mut row);
                    serde_json::to_writer(&mut out, &row)?;
                }
                out.write_all(b"]}\n")?;
            }
            Format::Jsonl => {
                for row in rows {
                    let (line, ip) = row?;
                    let found = look(ip);
                    let geo = found.as_ref().unwrap_or(&empty);
                    serde_json::to_writer(&mut out, &JsonRow { line, ip, geo })?;
                    out.write_all(b"\n")?;
                }
            }
            Format::Table => {
                for row in rows {
                    let (line, ip) = row?;
                    let found = look(ip);
                    let c = cells(line, ip, found.as_ref().unwrap_or(&empty));
                    let place: Vec<&str> = [&c[11], &c[2], &c[3], &c[5]]
                        .into_iter()
                        .map(String::as_str)
                        .filter(|s| !s.is_empty())
                        .collect();
                    let asn = if c[6].is_empty() {
                        String::new()
                    } else {
                        format!("AS{} {}", c[6], c[7])
                    };
                    writeln!(out, "{line:>7}  {ip:<39}  {:<40}  {asn}", place.join(", "))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str, format: Format) -> (String, BulkStats, Vec<u64>) {
        let mut out = Vec::new();
        let mut warned = Vec::new();
        let stats = annotate(input.as_bytes(), None, format, &mut out, |n, _| {
            warned.push(n)
        })
        .unwrap();
        (String::from_utf8(out).unwrap(), stats, warned)
    }

    #[test]
    fn rows_stream_with_line_numbers_and_skips() {
        let (csv, stats, warned) =
            run("# list\n192.0.2.1\n\nnot-an-ip\n2001:db8::7\n", Format::Csv);
        assert_eq!(
            stats,
            BulkStats {
                addresses: 2,
                skipped: 1
            }
        );
        assert_eq!(warned, vec![4]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert!(lines[1].starts_with("2,192.0.2.1,"));
        assert!(lines[2].starts_with("5,2001:db8::7,"));
    }

    #[test]
    fn json_is_one_valid_document() {
        let (json, _, _) = run("192.0.2.1\n198.51.100.2\n", Format::Json);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["addresses"].as_array().unwrap().len(), 2);
        assert_eq!(v["addresses"][1]["ip"], "198.51.100.2");
        let (empty, _, _) = run("", Format::Json);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&empty).unwrap()["addresses"],
            serde_json::json!([])
        );
    }
}
