//! Splitting a stream of JSON into its records without holding the whole stream.
//!
//! The field's JSON comes three ways: one object (an Atlas result fetched by id), a top-level
//! array of them (the Atlas download's default), or one object per line (Atlas `format=txt`,
//! `sc_warts2json`). A file can be hundreds of megabytes, so it is never parsed as one value:
//! this scanner walks the bytes once, tracking only string and bracket state, and hands out
//! each record's bytes with the line it starts on. A record that is broken JSON then costs one
//! warning naming that line, and the records after it are still read — which a streaming
//! parser of the whole array could not do.

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
}

impl<R: BufRead> Records<R> {
    pub fn new(input: R) -> Self {
        Records {
            input,
            line: 1,
            in_array: false,
            done: false,
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

    /// Reads one value starting at an `{` or `[` (already peeked), keeping at most
    /// [`MAX_RECORD_BYTES`] of it.
    fn take_value(&mut self) -> io::Result<Result<RawRecord, SplitProblem>> {
        let start = self.line;
        let mut bytes = Vec::new();
        let (mut depth, mut in_string, mut escaped, mut too_large) = (0usize, false, false, false);
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                self.done = true;
                return Ok(Err(SplitProblem::Unterminated { line: start }));
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if b == b'\n' {
                    self.line += 1;
                }
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
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let used = end.unwrap_or(buf.len());
            if !too_large {
                if bytes.len() + used > MAX_RECORD_BYTES {
                    too_large = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&buf[..used]);
                }
            }
            self.input.consume(used);
            if end.is_some() {
                return Ok(if too_large {
                    Err(SplitProblem::TooLarge { line: start })
                } else {
                    Ok(RawRecord { line: start, bytes })
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
}

impl<R: BufRead> Iterator for Records<R> {
    type Item = io::Result<Result<RawRecord, SplitProblem>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = (|| -> io::Result<Option<Result<RawRecord, SplitProblem>>> {
            loop {
                match self.skip_between()? {
                    None => return Ok(None),
                    Some(b'[') if !self.in_array => {
                        // The top-level array: its elements are the records.
                        self.in_array = true;
                        self.bump();
                    }
                    Some(b'{') => return self.take_value().map(Some),
                    Some(_) => return self.skip_stray().map(|p| Some(Err(p))),
                }
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
}
