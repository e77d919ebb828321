//! What every input format's reader shares: numbered lines, the hop list being built with its
//! warnings, and the small token readers (addresses, RTTs, host names).
//!
//! Keeping these in one place means each format's reader is only its own grammar, and every
//! format applies the same rules: hops strictly increase, names are sanitised once, and a line
//! that cannot be read becomes a warning carrying its line number.

use super::{ImportWarning, WarningReason};
use crate::trace::Hop;
use std::net::IpAddr;
use std::time::Duration;

/// The most warnings kept from one input; the rest are counted in one last warning, so that a
/// large file of garbage costs little memory.
pub(super) const MAX_WARNINGS: usize = 1000;
/// How much of an offending line a warning quotes.
const QUOTE_CHARS: usize = 160;
/// How much of an offending token a warning reason quotes.
pub(super) const TOKEN_CHARS: usize = 64;
/// Longest RTT believed, in milliseconds: no traceroute waits anywhere near an hour.
const MAX_RTT_MS: f64 = 3_600_000.0;

/// One input line with its 1-based number; the line ending (LF or CRLF) is already removed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line<'a> {
    pub number: usize,
    pub text: &'a str,
}

impl<'a> Line<'a> {
    /// Splits text into numbered lines at LF, removing any CRs before it (so CRLF and the
    /// CRCRLF some Windows pipelines write count as one line ending, and line numbers match
    /// what an editor shows). Text with CRs but no LF at all (classic Mac) is split at CR.
    pub fn split(text: &'a str) -> Vec<Line<'a>> {
        let separator = if text.contains('\n') { '\n' } else { '\r' };
        text.split(separator)
            .enumerate()
            .map(|(i, l)| Line {
                number: i + 1,
                text: l.trim_end_matches('\r'),
            })
            .collect()
    }

    /// True for lines every format skips: blank ones and `#` comments.
    pub fn is_blank_or_comment(&self) -> bool {
        let t = self.text.trim();
        t.is_empty() || t.starts_with('#')
    }
}

/// What a format's header says about the trace.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Header {
    /// The target as the user wrote it (sanitised).
    pub target: Option<String>,
    /// The address the target resolved to.
    pub address: Option<IpAddr>,
    /// The local source address, when the header names one.
    pub source: Option<IpAddr>,
}

/// A format reader's output: the hops found, the header if any, and what could not be read.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub header: Option<Header>,
    pub hops: Vec<Hop>,
    pub warnings: Vec<ImportWarning>,
    /// True when the reader recognised the format's own header or banner.
    pub saw_banner: bool,
    /// Warnings beyond [`MAX_WARNINGS`]: how many, and the line of the first.
    pub dropped_warnings: Option<(usize, usize)>,
}

impl Parsed {
    /// Records a warning about `line`.
    pub fn warn(&mut self, line: &Line<'_>, reason: WarningReason) {
        if self.warnings.len() >= MAX_WARNINGS {
            let (count, _) = self.dropped_warnings.get_or_insert((0, line.number));
            *count += 1;
            return;
        }
        self.warnings.push(ImportWarning {
            line: line.number,
            text: quote(line.text, QUOTE_CHARS),
            reason,
        });
    }

    /// Starts a hop numbered by the text `number` on `line`; warns and returns false when the
    /// number is not a TTL or does not follow the previous hop.
    pub fn start_hop(&mut self, line: &Line<'_>, number: &str) -> bool {
        let ttl = match number.parse::<u8>() {
            Ok(ttl) if ttl > 0 => ttl,
            _ => {
                self.warn(line, WarningReason::BadHopNumber(clip(number)));
                return false;
            }
        };
        if let Some(previous) = self.hops.last().map(|h| h.ttl) {
            if ttl <= previous {
                self.warn(line, WarningReason::HopOutOfOrder { ttl, previous });
                return false;
            }
        }
        self.hops.push(Hop::new(ttl));
        true
    }

    /// The warnings, with one more standing for those beyond [`MAX_WARNINGS`].
    pub fn take_warnings(&mut self) -> Vec<ImportWarning> {
        let mut warnings = std::mem::take(&mut self.warnings);
        if let Some((count, line)) = self.dropped_warnings.take() {
            warnings.push(ImportWarning {
                line,
                text: String::new(),
                reason: WarningReason::MoreWarnings(count),
            });
        }
        warnings
    }

    /// The hop being filled.
    pub fn hop(&mut self) -> Option<&mut Hop> {
        self.hops.last_mut()
    }
}

/// A hop number as traceroute-like tools print it: digits, possibly followed by `.` (mtr).
pub(super) fn is_hop_number(token: &str) -> bool {
    !token.is_empty() && token.len() <= 5 && token.bytes().all(|b| b.is_ascii_digit())
}

/// The text inside `(...)`, if `token` is parenthesised.
pub(super) fn paren_inner(token: &str) -> Option<&str> {
    token.strip_prefix('(')?.strip_suffix(')')
}

/// Reads an address token: a plain IPv4/IPv6 address, optionally in brackets or with an IPv6
/// zone (`fe80::1%eth0`, whose zone is dropped).
pub(super) fn parse_addr(token: &str) -> Option<IpAddr> {
    let t = token
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(token);
    if let Ok(a) = t.parse() {
        return Some(a);
    }
    let (addr, _zone) = t.split_once('%')?;
    addr.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
}

/// Reads a number of milliseconds (`12.345`), rejecting negative, non-finite and absurd values.
pub(super) fn parse_ms(token: &str) -> Option<Duration> {
    // Only digits and one dot: `f64::from_str` would also take "inf", "NaN" and "1e3".
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    ms_duration(token.parse().ok()?)
}

/// A number of milliseconds as a duration, rejecting negative, non-finite and absurd values.
pub(super) fn ms_duration(ms: f64) -> Option<Duration> {
    if !(0.0..=MAX_RTT_MS).contains(&ms) {
        return None;
    }
    // Rounded to whole nanoseconds so that "12.345" is exactly 12.345 ms.
    Some(Duration::from_nanos((ms * 1e6).round() as u64))
}

/// A host name as printed next to an address, sanitised by [`crate::text::sanitize_name`] (as
/// DNS names are); `None` when it is empty or merely the address again (traceroute prints
/// `192.0.2.1 (192.0.2.1)` when there is no PTR record).
pub(super) fn host_name(name: &str, address: IpAddr) -> Option<String> {
    let clean = crate::text::sanitize_name(name);
    if clean.is_empty() || parse_addr(&clean) == Some(address) {
        None
    } else {
        Some(clean)
    }
}

/// A token quoted in a warning reason, made safe to print and short.
pub(super) fn clip(token: &str) -> String {
    quote(token, TOKEN_CHARS)
}

/// Untrusted text quoted in a warning: control, format and bidi characters are shown as
/// escapes (`\u{1b}`), so the warning reveals what was wrong with the line yet cannot act on
/// the terminal; at most `max_chars` characters are kept, with `…` when cut.
pub(super) fn quote(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    let mut out: String = text.chars().take(max_chars).collect::<String>();
    let cut = out.len() < text.len();
    out = out.escape_debug().to_string();
    if cut {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_accept_every_line_ending() {
        let numbered = |text| -> Vec<(usize, &str)> {
            Line::split(text)
                .iter()
                .map(|l| (l.number, l.text))
                .collect()
        };
        assert_eq!(
            numbered("a\r\nb\nc\r\r\nd\r\n"),
            [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "")]
        );
        assert_eq!(numbered("a\rb\r"), [(1, "a"), (2, "b"), (3, "")]);
    }

    #[test]
    fn addresses() {
        assert_eq!(parse_addr("192.0.2.1"), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(
            parse_addr("[2001:db8::1]"),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(parse_addr("fe80::1%eth0"), Some("fe80::1".parse().unwrap()));
        assert_eq!(parse_addr("192.0.2.1%eth0"), None);
        assert_eq!(parse_addr("router.example"), None);
        assert_eq!(parse_addr("300.1.1.1"), None);
    }

    #[test]
    fn milliseconds() {
        assert_eq!(parse_ms("12.345"), Some(Duration::from_micros(12_345)));
        assert_eq!(parse_ms("0"), Some(Duration::ZERO));
        for bad in ["", "-1", "inf", "NaN", "1e3", "1.2.3", "99999999"] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn quotes_are_safe_to_print() {
        assert_eq!(quote("  1  gw (192.0.2.1)  ", 40), "1  gw (192.0.2.1)");
        assert_eq!(quote("a\u{1b}[2Jb\u{202e}c", 40), "a\\u{1b}[2Jb\\u{202e}c");
        assert_eq!(quote("abcdef", 3), "abc…");
        assert_eq!(quote("\"x\"", 9), "\\\"x\\\"");
    }

    #[test]
    fn host_names() {
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(host_name("192.0.2.1", a), None);
        assert_eq!(host_name("\u{1b}\u{202e}", a), None);
        assert_eq!(host_name("gw.example", a), Some("gw.example".into()));
    }
}
