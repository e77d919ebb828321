//! Reading saved traces, so `globetrace annotate` can place a path without sending a packet.
//!
//! People keep traceroutes as text: pasted into tickets, saved from a terminal, mailed by a
//! customer. This module turns that text into the same [`Trace`] a live run makes, so nothing
//! downstream knows the difference. The format is detected, not asked for:
//!
//! - a plain list of addresses, one hop per line;
//! - classic traceroute output (Linux traceroute 2.x, inetutils, the BSD/LBL family);
//! - `mtr --report` (or `-r -w`, `-b`, `-n`) text, `mtr --csv` and `mtr --raw`;
//! - Windows `tracert` output (English);
//! - Cisco IOS, IOS-XE and IOS-XR `traceroute`;
//! - `mtr --json` and `mtr --xml`;
//! - `tracepath` / `tracepath6` (iputils), Windows `pathping` and WinMTR's text export;
//! - Huawei VRP `tracert`, MikroTik RouterOS `/tool traceroute` and Arista EOS `traceroute`;
//! - globetrace's own JSON (`--format json`), multipath graph included, to annotate a saved run
//!   again;
//! - files of many traces, streamed one record at a time ([`stream`]): RIPE Atlas traceroute
//!   results (one object, an array, or JSON lines), scamper's JSON (`sc_warts2json`) and
//!   scamper's warts binary, their multipath `tracelb` records included ([`tracelb`]).
//!
//! The input is untrusted and often mangled, so reading never fails on a bad line: each line
//! that cannot be read becomes an [`ImportWarning`] with its line number and is skipped. Only
//! input that yields no answered hop at all (nothing to annotate), or is not text, is an
//! [`ImportError`]. Host names are sanitised here, where they enter the program.

mod arista;
mod atlas;
mod cisco;
mod common;
mod decode;
mod globetrace_json;
mod huawei;
mod list;
mod mikrotik;
mod mtr;
mod mtr_csv;
mod mtr_json;
mod mtr_raw;
mod mtr_xml;
mod pathping;
pub mod records;
mod scamper;
pub mod stream;
mod tracelb;
mod tracelb_json;
mod tracepath;
mod traceroute;
mod tracert;
mod warts;
mod warts_tracelb;
mod winmtr;

pub use stream::{open, Item, Opened, Record, Stream};

#[cfg(test)]
mod formats_tests;
#[cfg(test)]
mod many_tests;
#[cfg(test)]
mod robustness_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tracelb_tests;
#[cfg(test)]
mod warts_tests;

use crate::trace::{Origin, Trace};
use common::{Line, Parsed};
use serde::Serialize;
use std::fmt;
use std::io::Read;
use thiserror::Error;

/// The largest input read, in bytes. Saved traces are a few kilobytes; anything near this size
/// is something else, and reading it whole would only waste memory.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The kinds of saved trace recognised (and the names `--input-format` takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// One address per line.
    #[value(name = "list")]
    AddressList,
    /// Classic traceroute text output.
    Traceroute,
    /// `mtr --report` output.
    Mtr,
    /// Windows `tracert` output.
    Tracert,
    /// `traceroute` on Cisco IOS, IOS-XE and IOS-XR.
    Cisco,
    /// `mtr --json` output.
    MtrJson,
    /// `mtr --csv` output.
    MtrCsv,
    /// `mtr --raw` output.
    MtrRaw,
    /// RIPE Atlas traceroute results (many traces).
    Atlas,
    /// scamper JSON, as `sc_warts2json` writes it (many traces).
    ScamperJson,
    /// scamper's warts binary (many traces).
    Warts,
    /// `tracepath` / `tracepath6` output (iputils).
    Tracepath,
    /// `mtr --xml` output.
    MtrXml,
    /// Windows `pathping` output.
    Pathping,
    /// WinMTR's text export.
    Winmtr,
    /// Huawei VRP `tracert` (also H3C/HPE Comware).
    Huawei,
    /// MikroTik RouterOS `/tool traceroute`.
    Mikrotik,
    /// Arista EOS `traceroute` with its prompt.
    Arista,
    /// globetrace's own JSON (`--format json`, one trace, multipath ones included).
    GlobetraceJson,
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputFormat::AddressList => "address list",
            InputFormat::Traceroute => "traceroute output",
            InputFormat::Mtr => "mtr report",
            InputFormat::Tracert => "tracert output",
            InputFormat::Cisco => "Cisco traceroute output",
            InputFormat::MtrJson => "mtr JSON",
            InputFormat::MtrCsv => "mtr CSV",
            InputFormat::MtrRaw => "mtr raw output",
            InputFormat::Atlas => "RIPE Atlas results",
            InputFormat::ScamperJson => "scamper JSON",
            InputFormat::Warts => "scamper warts",
            InputFormat::Tracepath => "tracepath output",
            InputFormat::MtrXml => "mtr XML",
            InputFormat::Pathping => "pathping output",
            InputFormat::Winmtr => "WinMTR export",
            InputFormat::Huawei => "Huawei tracert output",
            InputFormat::Mikrotik => "MikroTik traceroute output",
            InputFormat::Arista => "Arista EOS traceroute output",
            InputFormat::GlobetraceJson => "globetrace JSON",
        })
    }
}

/// Why a line (or part of one) was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum WarningReason {
    /// The line is nothing the detected format prints.
    Unrecognized,
    /// A hop number that is not a TTL from 1 to 255.
    BadHopNumber(String),
    /// A hop number not greater than the one before it; the line is skipped.
    HopOutOfOrder {
        /// The number on this line.
        ttl: u8,
        /// The hop before it.
        previous: u8,
    },
    /// Text where an address was expected.
    BadAddress(String),
    /// A round-trip time with no responder named before it.
    RttWithoutResponder,
    /// Text that was skipped; the rest of the line was read.
    IgnoredText(String),
    /// A name printed without its address (mtr run without `-n` or `-b`, or `-b` without `-w`
    /// cutting the address short); the hop is left out.
    NameWithoutAddress(String),
    /// A name printed instead of the address (tracepath without `-n`/`-b`, WinMTR resolving
    /// names); the probe or hop is left out.
    NameOnly(String),
    /// An extra responder mtr lists for a hop without statistics of its own; left out.
    ExtraResponder(String),
    /// More hops than a TTL can count; the line is skipped.
    TooManyHops,
    /// Another trace starts here; only the first one in the input is imported.
    SecondTrace,
    /// This many more lines (from this one on) could not be read either; their warnings were
    /// not kept.
    MoreWarnings(usize),
    /// The input was not valid text in its encoding: undecodable bytes, first on this line,
    /// were replaced with U+FFFD.
    InvalidEncoding,
    /// A record (of a many-trace file) that is not a usable trace; it is skipped.
    BadRecord(String),
    /// Part of a record that was skipped; the rest of the trace was read.
    RecordNote(String),
    /// A record larger than [`records::MAX_RECORD_BYTES`]; it is skipped.
    RecordTooLarge,
    /// The input ends in the middle of a record.
    Unterminated,
}

impl fmt::Display for WarningReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarningReason::Unrecognized => f.write_str("not a line this format prints"),
            WarningReason::BadHopNumber(n) => write!(f, "hop number \"{n}\" is not 1 to 255"),
            WarningReason::HopOutOfOrder { ttl, previous } => {
                write!(f, "hop {ttl} does not follow hop {previous}")
            }
            WarningReason::BadAddress(t) => write!(f, "\"{t}\" is not an IP address"),
            WarningReason::RttWithoutResponder => f.write_str("round-trip time with no responder"),
            WarningReason::IgnoredText(t) => write!(f, "ignored \"{t}\""),
            WarningReason::NameWithoutAddress(n) => write!(
                f,
                "\"{n}\" has no complete address (save mtr reports with -n, or -b -w); left out"
            ),
            WarningReason::NameOnly(n) => {
                write!(f, "\"{n}\" is a name without its address; left out")
            }
            WarningReason::ExtraResponder(a) => {
                write!(
                    f,
                    "extra responder \"{a}\" has no statistics of its own; left out"
                )
            }
            WarningReason::TooManyHops => f.write_str("more than 255 hops"),
            WarningReason::SecondTrace => {
                f.write_str("another trace starts here; only the first is imported")
            }
            WarningReason::MoreWarnings(n) => write!(f, "{n} more lines not read"),
            WarningReason::InvalidEncoding => {
                f.write_str("invalid text encoding; bad bytes replaced")
            }
            WarningReason::BadRecord(why) => write!(f, "record skipped: {why}"),
            WarningReason::RecordNote(why) => write!(f, "{why}"),
            WarningReason::RecordTooLarge => write!(
                f,
                "record larger than {} bytes; skipped",
                records::MAX_RECORD_BYTES
            ),
            WarningReason::Unterminated => f.write_str("the input ends inside this record"),
        }
    }
}

/// A line (or part of one) that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportWarning {
    /// 1-based line number in the input.
    pub line: usize,
    /// The line, shortened, with unprintable characters escaped (`\u{1b}`): safe to print.
    pub text: String,
    /// What was wrong with it.
    pub reason: WarningReason,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(f, "line {}: {}: \"{}\"", self.line, self.reason, self.text)
        }
    }
}

/// A saved trace, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The trace, with `origin` [`Origin::Imported`] (or [`Origin::AddressList`]).
    pub trace: Trace,
    /// The format detected.
    pub format: InputFormat,
    /// Lines that were skipped, in input order.
    pub warnings: Vec<ImportWarning>,
}

/// Why a saved trace could not be imported at all.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file (or standard input) could not be read.
    #[error("cannot read {name}: {source}")]
    Read {
        /// The file, or `<stdin>`.
        name: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error("{name} is larger than {limit} bytes, too large for a saved trace")]
    TooLarge {
        /// The file, or `<stdin>`.
        name: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The input holds no text at all.
    #[error("{name} is empty")]
    Empty {
        /// The file, or `<stdin>`.
        name: String,
    },
    /// The input is binary data, not text.
    #[error("{name} is binary data, not a saved trace")]
    Binary {
        /// The file, or `<stdin>`.
        name: String,
    },
    /// A format that is recognised but not read.
    #[error("{name} is {what}")]
    Unsupported {
        /// The file, or `<stdin>`.
        name: String,
        /// What it is, and what to do.
        what: String,
    },
    /// Text in which no hop with a reply could be read.
    #[error("no answered hops found in {name} ({}; {} warnings)",
        .format.map_or("in no format globetrace reads".to_string(),
            |f| format!("read as {f}")),
        warning_count(.warnings))]
    NoHops {
        /// The file, or `<stdin>`.
        name: String,
        /// The format recognised, if any.
        format: Option<InputFormat>,
        /// The lines that could not be read.
        warnings: Vec<ImportWarning>,
    },
}

/// How many warnings `warnings` stands for, counting those summed up in a last
/// [`WarningReason::MoreWarnings`].
fn warning_count(warnings: &[ImportWarning]) -> usize {
    warnings
        .iter()
        .map(|w| match w.reason {
            WarningReason::MoreWarnings(n) => n,
            _ => 1,
        })
        .sum()
}

/// Reads a saved trace from the file `path_or_dash`, or from standard input for `-`.
///
/// Invalid UTF-8 is decoded lossily with a warning; UTF-16 with a byte-order mark (what
/// Windows PowerShell writes for `tracert > file`) is decoded too.
pub fn read(path_or_dash: &str) -> Result<Imported, ImportError> {
    let name = if path_or_dash == "-" {
        "<stdin>"
    } else {
        path_or_dash
    };
    let read_err = |source| ImportError::Read {
        name: name.to_string(),
        source,
    };
    let mut bytes = Vec::new();
    if path_or_dash == "-" {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        (&mut lock)
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
    } else {
        std::fs::File::open(path_or_dash)
            .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
            .map_err(read_err)?;
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge {
            name: name.to_string(),
            limit: MAX_INPUT_BYTES,
        });
    }
    parse_bytes(&bytes, name)
}

/// Parses a saved trace held in memory as bytes, decoding it as [`read`] does.
pub fn parse_bytes(bytes: &[u8], name: &str) -> Result<Imported, ImportError> {
    parse_bytes_as(bytes, name, None)
}

/// [`parse_bytes`], reading only as `forced` when it names a text format.
pub fn parse_bytes_as(
    bytes: &[u8],
    name: &str,
    forced: Option<InputFormat>,
) -> Result<Imported, ImportError> {
    if forced == Some(InputFormat::MtrJson) {
        return mtr_json::parse(bytes, name);
    }
    if forced == Some(InputFormat::GlobetraceJson) {
        return globetrace_json::parse(bytes, name);
    }
    let (text, bad_line) = decode::decode(bytes);
    let encoding_warning = bad_line.map(|line| ImportWarning {
        line,
        text: Line::split(&text)
            .get(line - 1)
            .map_or(String::new(), |l| common::clip(l.text)),
        reason: WarningReason::InvalidEncoding,
    });
    let mut result = parse_as(&text, name, forced);
    let warnings = match &mut result {
        Ok(imported) => &mut imported.warnings,
        Err(ImportError::NoHops { warnings, .. }) => warnings,
        Err(_) => return result,
    };
    if let Some(warning) = encoding_warning {
        warnings.insert(0, warning);
    }
    result
}

/// Parses the text of a saved trace; `name` (a file name, or `<stdin>`) is used in errors.
pub fn parse(text: &str, name: &str) -> Result<Imported, ImportError> {
    parse_as(text, name, None)
}

/// [`parse`], reading only as `forced` when it names a text format.
fn parse_as(text: &str, name: &str, forced: Option<InputFormat>) -> Result<Imported, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ImportError::Empty { name: name.into() });
    }
    if decode::looks_binary(text) {
        return Err(ImportError::Binary { name: name.into() });
    }
    let lines = Line::split(text);
    let (format, mut parsed) = match forced {
        Some(f @ InputFormat::Traceroute) => (f, traceroute::parse(&lines)),
        Some(f @ InputFormat::Tracert) => (f, tracert::parse(&lines)),
        Some(f @ InputFormat::Mtr) => (f, mtr::parse(&lines)),
        Some(f @ InputFormat::AddressList) => (f, list::parse(&lines)),
        Some(f @ InputFormat::Cisco) => (f, cisco::parse(&lines)),
        Some(f @ InputFormat::MtrCsv) => (f, mtr_csv::parse(&lines)),
        Some(f @ InputFormat::MtrRaw) => (f, mtr_raw::parse(&lines)),
        Some(f @ InputFormat::Tracepath) => (f, tracepath::parse(&lines)),
        Some(f @ InputFormat::MtrXml) => (f, mtr_xml::parse(&lines)),
        Some(f @ InputFormat::Pathping) => (f, pathping::parse(&lines)),
        Some(f @ InputFormat::Winmtr) => (f, winmtr::parse(&lines)),
        Some(f @ InputFormat::Huawei) => (f, huawei::parse(&lines)),
        Some(f @ InputFormat::Mikrotik) => (f, mikrotik::parse(&lines)),
        Some(f @ InputFormat::Arista) => (f, arista::parse(&lines)),
        _ => detect_and_parse(&lines),
    };
    if parsed.hops.iter().all(|h| h.received() == 0) {
        return Err(ImportError::NoHops {
            name: name.into(),
            format: (parsed.saw_banner || forced.is_some()).then_some(format),
            warnings: parsed.take_warnings(),
        });
    }
    let warnings = parsed.take_warnings();
    Ok(Imported {
        trace: build_trace(parsed, format),
        format,
        warnings,
    })
}

/// Runs every format's reader and keeps the most convincing result: one whose banner
/// (`traceroute to`, `Tracing route to`, mtr's `HOST:` line) was seen, then the most hops, then
/// the fewest unread lines. Readers are cheap and inputs small, so trying all of them is
/// simpler and sturdier than guessing from the first line (which may be a shell prompt).
fn detect_and_parse(lines: &[Line<'_>]) -> (InputFormat, Parsed) {
    // Readers that wrap the traceroute reader come first: on a tie (their own banner seen, as
    // many hops, as few warnings) the more specific reading wins. Without their banner they
    // are not candidates at all.
    let candidates = [
        (InputFormat::Huawei, huawei::parse(lines)),
        (InputFormat::Arista, arista::parse(lines)),
        (InputFormat::Traceroute, traceroute::parse(lines)),
        (InputFormat::Tracert, tracert::parse(lines)),
        (InputFormat::Mtr, mtr::parse(lines)),
        (InputFormat::Cisco, cisco::parse(lines)),
        (InputFormat::MtrCsv, mtr_csv::parse(lines)),
        (InputFormat::MtrRaw, mtr_raw::parse(lines)),
        (InputFormat::Tracepath, tracepath::parse(lines)),
        (InputFormat::MtrXml, mtr_xml::parse(lines)),
        (InputFormat::Pathping, pathping::parse(lines)),
        (InputFormat::Winmtr, winmtr::parse(lines)),
        (InputFormat::Mikrotik, mikrotik::parse(lines)),
        (InputFormat::AddressList, list::parse(lines)),
    ];
    let mut best: Option<(InputFormat, Parsed)> = None;
    for (format, parsed) in candidates {
        if matches!(format, InputFormat::Huawei | InputFormat::Arista) && !parsed.saw_banner {
            continue; // without their own banner they are the traceroute reader again
        }
        let better = match &best {
            None => true,
            Some((_, b)) => {
                (
                    parsed.saw_banner,
                    parsed.hops.len(),
                    std::cmp::Reverse(parsed.warnings.len()),
                ) > (
                    b.saw_banner,
                    b.hops.len(),
                    std::cmp::Reverse(b.warnings.len()),
                )
            }
        };
        if better {
            best = Some((format, parsed));
        }
    }
    best.expect("at least one reader")
}

/// Makes the [`Trace`]: the header's target and address when there was a header, otherwise the
/// last responder stands in as the target (with no address, and `reached` false, since nothing
/// says it was the destination).
fn build_trace(parsed: Parsed, format: InputFormat) -> Trace {
    let header = parsed.header.unwrap_or_default();
    let last_responder = parsed
        .hops
        .iter()
        .rev()
        .find_map(|h| h.responders().into_iter().next());
    let target = header
        .target
        .clone()
        .or_else(|| header.address.map(|a| a.to_string()))
        .or_else(|| last_responder.map(|a| a.to_string()))
        .unwrap_or_default();
    let origin = match format {
        InputFormat::AddressList => Origin::AddressList,
        _ => Origin::Imported,
    };
    let mut trace = Trace::new(target, header.address, origin);
    trace.source = header.source;
    trace.reached = match (header.address, parsed.hops.last()) {
        (Some(dest), Some(last)) => last.responders().contains(&dest),
        _ => false,
    };
    trace.hops = parsed.hops;
    trace
}
