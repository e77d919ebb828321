//! Splitting a stream of JSON into its records without holding the whole stream.
//!
//! The field's JSON comes three ways: one object (an Atlas result fetched by id), a top-level
//! array of them (the Atlas download's default), or one object per line (Atlas `format=txt`,
//! `sc_warts2json`). A file can be hundreds of megabytes, so it is never parsed as one value:
//! this scanner walks the bytes once, tracking only string and bracket state, and hands out
//! each record's bytes with the line it starts on. A record that is broken JSON then costs one
//! warning naming that line, and the records after it are still read — which a streaming
//! parser of the whole array could not do.
//!
//! Scanning every byte before parsing it costs as much again as a fast parse, so a record that
//! lies whole in the input's buffer is first parsed where it is ([`Records::next_in_place`]):
//! a well-formed record ends where the parser stops, which is where the scan would have ended
//! it. Only a record the buffer cuts, or one that does not parse, is scanned and copied out
//! (and then its reader says what is wrong with it, as before).

use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::borrow::Cow;
use std::io::{self, BufRead};

/// The largest single record accepted, in bytes. An Atlas result is a few kilobytes and a
/// scamper trace less; a record this large is not a trace, and buffering it would only waste
/// memory.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// One top-level JSON value (or array element) as bytes, with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    pub line: usize,
    pub bytes: Vec<u8>,
}

/// What went wrong with one record's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitProblem {
    /// Text outside any object or array (a stray word between records).
    Stray { line: usize },
    /// A record larger than [`MAX_RECORD_BYTES`]; it was skipped.
    TooLarge { line: usize },
    /// The input ended inside a record.
    Unterminated { line: usize },
}

/// Yields each record of a JSON stream: the elements of a top-level array, or the top-level
/// values one after another (JSON lines, concatenated JSON).
pub struct Records<R> {
    input: R,
    line: usize,
    /// Inside the top-level array (elements at depth 1 are the records).
    in_array: bool,
    done: bool,
    /// The last record's bytes (one buffer, reused: records are read and dropped in turn).
    record: Vec<u8>,
}

/// Where the scan of a record is: bracket depth and string state, carried across buffers.
#[derive(Default)]
struct Scan {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

/// Eight copies of `b`, for the word-at-a-time search below.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The high bit of each byte of `w` that equals `b` (exact for the lowest such byte, which is
/// all the callers use: the classic "has zero byte" test on `w ^ splat(b)`).
#[inline]
fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ splat(b);
    x.wrapping_sub(splat(0x01)) & !x & splat(0x80)
}

/// The index of the first byte at or after `from` for which `hit` marks a word's bytes (eight
/// at a time, then one by one for the tail), or `None`.
#[inline]
fn find(
    buf: &[u8],
    from: usize,
    hit: impl Fn(u64) -> u64,
    one: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut i = from;
    while i + 8 <= buf.len() {
        let w = u64::from_le_bytes(buf[i..i + 8].try_into().expect("8 bytes"));
        let m = hit(w);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    buf[i..].iter().position(|&b| one(b)).map(|k| i + k)
}

impl Scan {
    /// Scans `buf` on from the state left by the previous buffer; returns the length of the
    /// record's end in `buf` (through its closing bracket), or `None` if it goes on.
    fn feed(&mut self, buf: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < buf.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                // The string goes on to its next quote or backslash.
                i = find(
                    buf,
                    i,
                    |w| bytes_equal(w, b'"') | bytes_equal(w, b'\\'),
                    |b| b == b'"' || b == b'\\',
                )?;
                if buf[i] == b'\\' {
                    self.escaped = true;
                } else {
                    self.in_string = false;
                }
            } else {
                // Between strings only quotes and brackets matter (`[`/`]` are `{`/`}`
                // without the 0x20 bit).
                i = find(
                    buf,
                    i,
                    |w| {
                        let folded = w | splat(0x20);
                        bytes_equal(w, b'"') | bytes_equal(folded, b'{') | bytes_equal(folded, b'}')
                    },
                    |b| matches!(b, b'"' | b'{' | b'}' | b'[' | b']'),
                )?;
                match buf[i] {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    _ => {
                        self.depth = self.depth.saturating_sub(1);
                        if self.depth == 0 {
                            return Some(i + 1);
                        }
                    }
                }
            }
            i += 1;
        }
        None
    }
}

impl<R: BufRead> Records<R> {
    pub fn new(input: R) -> Self {
        Records {
            input,
            line: 1,
            in_array: false,
            done: false,
            record: Vec::new(),
        }
    }

    /// The next byte without consuming it.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    fn bump(&mut self) {
        self.input.consume(1);
    }

    /// Skips whitespace, commas, a UTF-8 byte-order mark and the array's brackets; returns
    /// the first byte of the next record, not consumed.
    fn skip_between(&mut self) -> io::Result<Option<u8>> {
        loop {
            let Some(b) = self.peek()? else {
                return Ok(None);
            };
            match b {
                b'\n' => {
                    self.line += 1;
                    self.bump();
                }
                b' ' | b'\t' | b'\r' | b',' | 0xef | 0xbb | 0xbf => self.bump(),
                b']' if self.in_array => {
                    self.in_array = false;
                    self.bump();
                }
                _ => return Ok(Some(b)),
            }
        }
    }

    /// Reads one value starting at an `{` or `[` (already peeked) into `self.record`,
    /// keeping at most [`MAX_RECORD_BYTES`] of it; returns the line it starts on.
    fn take_value(&mut self) -> io::Result<Result<usize, SplitProblem>> {
        let start = self.line;
        self.record.clear();
        let mut scan = Scan::default();
        let mut too_large = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                self.done = true;
                return Ok(Err(SplitProblem::Unterminated { line: start }));
            }
            let end = scan.feed(buf);
            let used = end.unwrap_or(buf.len());
            self.line += buf[..used].iter().filter(|&&b| b == b'\n').count();
            if !too_large {
                if self.record.len() + used > MAX_RECORD_BYTES {
                    too_large = true;
                    // Give the memory back: the next records are small again.
                    self.record = Vec::new();
                } else {
                    self.record.extend_from_slice(&buf[..used]);
                }
            }
            self.input.consume(used);
            if end.is_some() {
                return Ok(if too_large {
                    Err(SplitProblem::TooLarge { line: start })
                } else {
                    Ok(start)
                });
            }
        }
    }

    /// Skips a stray token up to the next line, so one bad word is one warning.
    fn skip_stray(&mut self) -> io::Result<SplitProblem> {
        let line = self.line;
        let mut skipped = Vec::new();
        self.input.read_until(b'\n', &mut skipped)?;
        if skipped.last() == Some(&b'\n') {
            self.line += 1;
        }
        Ok(SplitProblem::Stray { line })
    }

    /// Skips to the next record (into the top-level array if one opens); returns its first
    /// byte, not consumed.
    fn at_record(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.skip_between()? {
                Some(b'[') if !self.in_array => {
                    // The top-level array: its elements are the records.
                    self.in_array = true;
                    self.bump();
                }
                other => return Ok(other),
            }
        }
    }

    /// Reads the next record in place, when it is an object that lies whole in the input's
    /// buffer and `read` parses it there: `read` gets the bytes from its `{` to the end of the
    /// buffer and says how many were the record. Returns the line it starts on and what
    /// `read` made of it; `None` when [`Records::next_record`] must read the record instead
    /// (cut by the buffer's end, broken, a stray word, or the end of the input).
    pub fn next_in_place<T>(
        &mut self,
        read: impl FnOnce(&[u8]) -> Option<(usize, T)>,
    ) -> io::Result<Option<(usize, T)>> {
        if self.done {
            return Ok(None);
        }
        let first = self.at_record().inspect_err(|_| self.done = true)?;
        if first != Some(b'{') {
            return Ok(None);
        }
        let buf = self.input.fill_buf().inspect_err(|_| self.done = true)?;
        let Some((used, value)) = read(buf) else {
            return Ok(None);
        };
        let used = used.min(buf.len());
        let line = self.line;
        self.line += buf[..used].iter().filter(|&&b| b == b'\n').count();
        self.input.consume(used);
        Ok(Some((line, value)))
    }

    /// Reads the next record: the line it starts on, its bytes then in [`Records::record`]
    /// (until the next call); or what was wrong; `None` at the end.
    pub fn next_record(&mut self) -> Option<io::Result<Result<usize, SplitProblem>>> {
        if self.done {
            return None;
        }
        let step = (|| -> io::Result<Option<Result<usize, SplitProblem>>> {
            match self.at_record()? {
                None => Ok(None),
                Some(b'{') => self.take_value().map(Some),
                Some(_) => self.skip_stray().map(|p| Some(Err(p))),
            }
        })();
        match step {
            Ok(None) => {
                self.done = true;
                None
            }
            Ok(Some(r)) => Some(Ok(r)),
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// The bytes of the record [`Records::next_record`] last read.
    pub fn record(&self) -> &[u8] {
        &self.record
    }
}

impl<R: BufRead> Iterator for Records<R> {
    type Item = io::Result<Result<RawRecord, SplitProblem>>;

    /// Each record in its own buffer (a stream uses [`Records::next_record`], which reuses one).
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.next_record()?.map(|r| {
            r.map(|line| RawRecord {
                line,
                bytes: self.record.clone(),
            })
        }))
    }
}

/// Parses a `T` from the start of `bytes`, which may go on past it: the bytes it took and
/// the value, or `None` if no whole, well-formed `T` starts there.
pub fn parse_prefix<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<(usize, T)> {
    let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((values.byte_offset(), value))
}

/// A string field of a record, borrowed from the record's bytes when it has no escapes.
///
/// Readers parse most of a record's text (addresses, names of kinds) and keep little of it,
/// so copying every string into its own allocation was a large part of reading a record.
/// (serde's `#[serde(borrow)]` does not reach a `Cow` inside an `Option`, hence this type.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        deserializer.deserialize_str(Visit).map(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<Result<(usize, String), SplitProblem>> {
        Records::new(text.as_bytes())
            .map(|r| {
                r.unwrap()
                    .map(|r| (r.line, String::from_utf8(r.bytes).unwrap()))
            })
            .collect()
    }

    #[test]
    fn arrays_lines_and_single_objects() {
        let want = vec![
            Ok((1, "{\"a\":1}".into())),
            Ok((2, "{\"b\":[1,{}]}".into())),
        ];
        assert_eq!(split("{\"a\":1}\n{\"b\":[1,{}]}\n"), want);
        assert_eq!(split("[{\"a\":1},\n{\"b\":[1,{}]}]"), want);
        assert_eq!(
            split("\u{feff}{\"a\":1}"),
            vec![Ok((1, "{\"a\":1}".into()))]
        );
        assert_eq!(split(""), vec![]);
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        let text = "{\"s\":\"}]\\\"{\"}\n{\"t\":2}";
        assert_eq!(
            split(text),
            vec![
                Ok((1, "{\"s\":\"}]\\\"{\"}".into())),
                Ok((2, "{\"t\":2}".into()))
            ]
        );
    }

    #[test]
    fn stray_text_and_truncation_are_problems() {
        assert_eq!(
            split("garbage here\n{\"a\":1}\n{\"cut\":"),
            vec![
                Err(SplitProblem::Stray { line: 1 }),
                Ok((2, "{\"a\":1}".into())),
                Err(SplitProblem::Unterminated { line: 3 })
            ]
        );
    }

    #[test]
    fn text_is_borrowed_unless_it_has_escapes() {
        let plain: Vec<Text> = serde_json::from_str(r#"["10.0.0.1", "a\"b"]"#).unwrap();
        assert!(matches!(plain[0].0, Cow::Borrowed("10.0.0.1")));
        assert_eq!(&*plain[1], "a\"b");
        let wrong = serde_json::from_str::<Text>("5").unwrap_err().to_string();
        assert!(wrong.contains("expected a string"), "{wrong}");
    }

    /// The plain byte-by-byte scan the word-at-a-time one replaced: where a record ends.
    fn reference_end(bytes: &[u8]) -> Option<usize> {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (i, &b) in bytes.iter().enumerate() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }

    #[test]
    fn the_word_scan_ends_records_where_the_byte_scan_did() {
        // Records made of the bytes that matter (and some that do not, and high bytes that
        // must not be mistaken for them), cut into buffers of every small size.
        let alphabet = b"{}[]\"\\ax:,\n\xfb\xfd\xdb\xdd\x7b\x22";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 1 + (seed % 40) as usize;
            let mut bytes = vec![b'{'];
            let mut x = seed;
            for _ in 0..len {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                bytes.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            let want = reference_end(&bytes);
            for chunk in [1, 3, 7, 8, 9, 16, 64] {
                let mut scan = Scan::default();
                let mut got = None;
                for (k, piece) in bytes.chunks(chunk).enumerate() {
                    if let Some(end) = scan.feed(piece) {
                        got = Some(k * chunk + end);
                        break;
                    }
                }
                assert_eq!(
                    got,
                    want,
                    "{:?} in chunks of {chunk}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    }

    #[test]
    fn records_are_read_into_one_reused_buffer() {
        let mut records = Records::new(&b"[{\"a\":1},\n{\"b\":\"}\"}]"[..]);
        assert_eq!(records.next_record().unwrap().unwrap(), Ok(1));
        assert_eq!(records.record(), b"{\"a\":1}");
        assert_eq!(records.next_record().unwrap().unwrap(), Ok(2));
        assert_eq!(records.record(), b"{\"b\":\"}\"}");
        assert!(records.next_record().is_none());
    }
}
