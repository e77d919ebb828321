//! Opening any saved input and telling one trace from a file of many.
//!
//! The format is detected from the first bytes, so it works on standard input too (nothing is
//! read twice): JSON with Atlas fields is a RIPE Atlas measurement, JSON with scamper records a
//! scamper file, JSON with mtr's `report` one mtr run, globetrace's own JSON saved runs (one
//! or many), the warts magic a scamper binary file (read object by object, [`super::warts`]), and anything
//! else text for the line readers. Files of many traces are never read whole:
//! [`Stream`] hands out one [`Item`] at a time, holding only the record being read, so an
//! Atlas download of hundreds of megabytes costs the memory of one result. Text and mtr JSON
//! hold one trace and keep the [`MAX_INPUT_BYTES`] cap.

use super::records::{Records, SplitProblem};
use super::{
    atlas, globetrace_json, scamper, warts, ImportError, ImportWarning, Imported, InputFormat,
};
use super::{WarningReason, MAX_INPUT_BYTES};
use crate::trace::{Trace, TraceIdentity};
use std::io::{BufRead, BufReader, Read};

/// How much of the input is looked at to detect its format.
const SNIFF_BYTES: usize = 64 * 1024;
/// The first two bytes of a warts file (its magic number, 0x1205).
const WARTS_MAGIC: [u8; 2] = [0x12, 0x05];

/// One trace of many, with what names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub identity: TraceIdentity,
    pub trace: Trace,
}

/// What a stream yields: a trace, or a warning about a record that was (partly) skipped.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Trace(Box<Record>),
    Warning(ImportWarning),
}

/// The input, opened: a single trace (text, mtr JSON) or a stream of many.
pub enum Opened {
    Single(Box<Imported>),
    Many(Stream),
}

/// Where a stream's records come from: JSON split into records, or warts objects.
enum Source {
    Json(Records<Box<dyn BufRead>>),
    Warts(Box<warts::Reader<Box<dyn BufRead>>>),
}

/// The traces of a many-trace file, read as they are asked for.
pub struct Stream {
    /// The format detected (or forced).
    pub format: InputFormat,
    source: Source,
    scamper: scamper::Reader,
    position: usize,
    pending: Vec<Item>,
}

impl Stream {
    /// A stream over `input` read as `format` (one of the many-trace formats).
    pub fn new(input: Box<dyn BufRead>, format: InputFormat) -> Stream {
        Stream {
            format,
            source: if format == InputFormat::Warts {
                Source::Warts(Box::new(warts::Reader::new(input)))
            } else {
                Source::Json(Records::new(input))
            },
            scamper: scamper::Reader::default(),
            position: 0,
            pending: Vec::new(),
        }
    }

    fn warning(line: usize, reason: WarningReason) -> Item {
        Item::Warning(ImportWarning {
            line,
            text: String::new(),
            reason,
        })
    }

    /// Queues what one record was (pushed in reverse onto `pending`).
    fn push(&mut self, line: usize, read: RecordRead) {
        let mut items = Vec::new();
        match read {
            Ok(None) => {}
            Ok(Some((trace, mut identity, notes))) => {
                self.position += 1;
                identity.position = self.position;
                // Labels name the record; the position makes them unique within the file.
                identity.label = format!("{}#{}", identity.label, self.position);
                for note in notes {
                    items.push(Self::warning(line, WarningReason::RecordNote(note)));
                }
                items.push(Item::Trace(Box::new(Record { identity, trace })));
            }
            Err(why) => items.push(Self::warning(line, WarningReason::BadRecord(why))),
        }
        items.reverse();
        self.pending.extend(items);
    }
}

impl Iterator for Stream {
    type Item = Result<Item, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.pop() {
                return Some(Ok(item));
            }
            let records = match &mut self.source {
                Source::Json(records) => records,
                Source::Warts(reader) => {
                    let (n, object) = match reader.next_object()? {
                        Ok(o) => o,
                        Err(source) => {
                            return Some(Err(ImportError::Read {
                                name: String::new(),
                                source,
                            }))
                        }
                    };
                    let reason = match object {
                        warts::Object::Read(scamper::Outcome::Nothing) => continue,
                        warts::Object::Read(scamper::Outcome::Trace(t, notes)) => {
                            self.push(n, Ok(Some((t.0, t.1, notes))));
                            continue;
                        }
                        warts::Object::Bad(why) => WarningReason::BadRecord(why),
                        warts::Object::TooLarge => WarningReason::RecordTooLarge,
                        warts::Object::Unterminated => WarningReason::Unterminated,
                    };
                    return Some(Ok(Self::warning(n, reason)));
                }
            };
            // Most records are parsed where they lie in the input's buffer.
            let (format, scamper) = (self.format, &mut self.scamper);
            match records.next_in_place(|bytes| read_json_prefix(format, scamper, bytes)) {
                Ok(Some((line, read))) => {
                    self.push(line, read);
                    continue;
                }
                Ok(None) => {}
                Err(source) => {
                    return Some(Err(ImportError::Read {
                        name: String::new(),
                        source,
                    }))
                }
            }
            let raw = match records.next_record()? {
                Ok(raw) => raw,
                Err(source) => {
                    return Some(Err(ImportError::Read {
                        name: String::new(),
                        source,
                    }))
                }
            };
            match raw {
                Ok(line) => {
                    let read = read_json(self.format, &mut self.scamper, records.record());
                    self.push(line, read);
                }
                Err(problem) => {
                    let (line, reason) = match problem {
                        SplitProblem::Stray { line } => (line, WarningReason::Unrecognized),
                        SplitProblem::TooLarge { line } => (line, WarningReason::RecordTooLarge),
                        SplitProblem::Unterminated { line } => (line, WarningReason::Unterminated),
                    };
                    return Some(Ok(Self::warning(line, reason)));
                }
            }
        }
    }
}

/// What one record was: a trace with its identity and notes, nothing to report, or why it was
/// skipped.
type RecordRead = Result<Option<(Trace, TraceIdentity, Vec<String>)>, String>;

/// Reads one JSON record's bytes as `format` (Atlas or scamper JSON).
fn read_json(format: InputFormat, scamper: &mut scamper::Reader, bytes: &[u8]) -> RecordRead {
    match format {
        InputFormat::Atlas => atlas::read(bytes).map(|r| Some((r.trace, r.identity, r.notes))),
        InputFormat::GlobetraceJson => globetrace_json::read(bytes).map(Some),
        _ => scamper.read(bytes).map(|o| match o {
            scamper::Outcome::Trace(t, notes) => Some((t.0, t.1, notes)),
            scamper::Outcome::Nothing => None,
        }),
    }
}

/// Reads the JSON record at the start of `bytes` as `format`, if it is whole and well-formed
/// there: the bytes it took and what it was.
fn read_json_prefix(
    format: InputFormat,
    scamper: &mut scamper::Reader,
    bytes: &[u8],
) -> Option<(usize, RecordRead)> {
    match format {
        InputFormat::Atlas => atlas::read_prefix(bytes)
            .map(|(n, r)| (n, r.map(|r| Some((r.trace, r.identity, r.notes))))),
        // A saved globetrace document is read from its record's own bytes.
        InputFormat::GlobetraceJson => None,
        _ => scamper.read_prefix(bytes).map(|(n, o)| {
            let read = o.map(|o| match o {
                scamper::Outcome::Trace(t, notes) => Some((t.0, t.1, notes)),
                scamper::Outcome::Nothing => None,
            });
            (n, read)
        }),
    }
}

/// The format the first bytes of an input suggest.
pub fn sniff(prefix: &[u8]) -> InputFormat {
    if prefix.starts_with(&WARTS_MAGIC) {
        return InputFormat::Warts;
    }
    let text = String::from_utf8_lossy(prefix);
    let body = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !super::decode::looks_like_json(body) {
        return InputFormat::Traceroute;
    }
    let has = |needle: &str| body.contains(needle);
    if has("\"prb_id\"") || has("\"msm_id\"") {
        InputFormat::Atlas
    } else if has("\"cycle-start\"")
        || has("\"stop_reason\"")
        || has("\"hop_count\"")
        || has("\"tracelb\"")
    {
        InputFormat::ScamperJson
    } else if has("\"report\"") && has("\"hubs\"") {
        InputFormat::MtrJson
    } else if has("\"schema_version\"") && has("\"generator\"") && has("\"globetrace") {
        InputFormat::GlobetraceJson
    } else {
        // JSON, but of nothing known: the Atlas reader names what is missing, record by record.
        InputFormat::Atlas
    }
}

/// Opens `path_or_dash` (`-` is standard input) and reads it as `forced`, or as detected.
///
/// Text formats come back as one [`Imported`] trace (with the text readers' detection among
/// them unless one was forced); Atlas and scamper JSON as a [`Stream`].
pub fn open(path_or_dash: &str, forced: Option<InputFormat>) -> Result<Opened, ImportError> {
    let name = if path_or_dash == "-" {
        "<stdin>"
    } else {
        path_or_dash
    };
    let read_err = |source| ImportError::Read {
        name: name.to_string(),
        source,
    };
    let raw: Box<dyn Read> = if path_or_dash == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path_or_dash).map_err(read_err)?)
    };
    let mut input: Box<dyn BufRead> = Box::new(BufReader::with_capacity(SNIFF_BYTES, raw));
    let detected = sniff(input.fill_buf().map_err(read_err)?);
    let format = forced.unwrap_or(detected);
    match format {
        InputFormat::Atlas
        | InputFormat::ScamperJson
        | InputFormat::Warts
        | InputFormat::GlobetraceJson => Ok(Opened::Many(Stream::new(input, format))),
        _ => {
            let mut bytes = Vec::new();
            (&mut input)
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(read_err)?;
            if bytes.len() as u64 > MAX_INPUT_BYTES {
                return Err(ImportError::TooLarge {
                    name: name.to_string(),
                    limit: MAX_INPUT_BYTES,
                });
            }
            let forced = (format == InputFormat::MtrJson)
                .then_some(format)
                .or(forced);
            let imported = super::parse_bytes_as(&bytes, name, forced)?;
            Ok(Opened::Single(Box::new(imported)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item of `text` read as `format` through a buffer of `capacity` bytes.
    fn items(text: &[u8], format: InputFormat, capacity: usize) -> Vec<Item> {
        let input = BufReader::with_capacity(capacity, std::io::Cursor::new(text.to_vec()));
        Stream::new(Box::new(input), format)
            .map(|i| i.unwrap())
            .collect()
    }

    /// Records parsed where they lie in the buffer and records scanned out of it (a buffer
    /// too small to hold any) give the same traces and the same warnings, good input or bad.
    #[test]
    fn in_place_and_scanned_records_read_alike() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/many");
        let atlas = std::fs::read_to_string(format!("{dir}/atlas-pantrace.jsonl")).unwrap();
        let lines: Vec<&str> = atlas.lines().collect();
        let mut mangled = String::new();
        for (i, line) in lines.iter().enumerate() {
            let line = match i % 7 {
                1 => "garbage words".to_string(),
                2 => line.replacen("\"prb_id\":", "\"prb_id\":\"x\",\"y\":", 1),
                3 => line.replacen("\"from\"", "\"from\":\"192.0.2.1\",\"from\"", 1),
                4 => format!("{line}{line}"),
                5 => line.replacen("\"from\":\"", "\"from\":\"\\u0031", 1),
                _ => line.to_string(),
            };
            mangled.push_str(&line);
            mangled.push('\n');
        }
        mangled.push_str(&lines[0][..100]);
        let array = format!("[\n{}\n]", atlas.lines().collect::<Vec<_>>().join(",\n"));
        let scamper = std::fs::read(format!("{dir}/scamper-chain.json")).unwrap();
        for (text, format) in [
            (atlas.as_bytes(), InputFormat::Atlas),
            (array.as_bytes(), InputFormat::Atlas),
            (mangled.as_bytes(), InputFormat::Atlas),
            (&scamper[..], InputFormat::ScamperJson),
        ] {
            let in_place = items(text, format, 1 << 20);
            assert!(in_place.iter().any(|i| matches!(i, Item::Trace(_))));
            assert_eq!(in_place, items(text, format, 16), "{format}");
            assert_eq!(in_place, items(text, format, 1000), "{format}");
        }
        let bad = items(mangled.as_bytes(), InputFormat::Atlas, 1 << 20);
        let warnings = bad.iter().filter(|i| matches!(i, Item::Warning(_))).count();
        assert!(warnings >= 6, "{warnings} warnings");
    }
}
