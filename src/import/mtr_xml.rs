//! `mtr --xml`: mtr's report as XML, one element per line, as mtr writes it:
//!
//! ```text
//! <?xml version="1.0"?>
//! <MTR SRC="vm" DST="10.0.3.2" TOS="0x0" PSIZE="64" BITPATTERN="0x00" TESTS="5">
//!     <HUB COUNT="1" HOST="10.0.0.2">
//!         <Loss>  0.0%</Loss>
//!         <Snt>     5</Snt>
//!         <Avg>   0.1</Avg>
//!         ...
//!     </HUB>
//! </MTR>
//! ```
//!
//! Each `HUB` is read as a line of `mtr --report` is (`Snt` probes, as many answered as `Loss`
//! says, each with the average RTT); fields mtr's `-o` adds or leaves out are looked up by
//! name. This is not a general XML reader: it reads mtr's own layout, line by line, so every
//! line that is not part of it gets its own warning with its number.

use super::common::{clip, parse_addr, parse_ms, Header, Line, Parsed};
use super::mtr::{fill, MAX_PROBES};
use super::WarningReason;
use std::collections::HashMap;

/// A `HUB` being read: its line, number, host and fields so far.
struct Hub<'a> {
    line: Line<'a>,
    count: String,
    host: String,
    fields: HashMap<&'a str, &'a str>,
}

/// Reads `mtr --xml` output; only the first `MTR` element is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut hub: Option<Hub<'_>> = None;
    let mut finished = false;
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let text = line.text.trim();
        if text.starts_with("<?xml") {
            continue;
        }
        if let Some(attrs) = text.strip_prefix("<MTR ") {
            if parsed.saw_banner {
                parsed.warn(line, WarningReason::SecondTrace);
                break;
            }
            parsed.saw_banner = true;
            let target = attribute(attrs, "DST").map(|d| crate::text::sanitize_name(&d));
            parsed.header = Some(Header {
                address: target.as_deref().and_then(parse_addr),
                target,
                source: None,
            });
            continue;
        }
        if text == "</MTR>" {
            finished = true;
            continue;
        }
        if finished || !parsed.saw_banner {
            parsed.warn(line, WarningReason::Unrecognized);
            continue;
        }
        if let Some(attrs) = text.strip_prefix("<HUB ") {
            if let Some(open) = hub.take() {
                parsed.warn(&open.line, WarningReason::Unterminated);
            }
            match (attribute(attrs, "COUNT"), attribute(attrs, "HOST")) {
                (Some(count), Some(host)) => {
                    hub = Some(Hub {
                        line: *line,
                        count,
                        host,
                        fields: HashMap::new(),
                    })
                }
                _ => parsed.warn(line, WarningReason::Unrecognized),
            }
            continue;
        }
        if text == "</HUB>" {
            match hub.take() {
                Some(h) => finish_hub(&mut parsed, h),
                None => parsed.warn(line, WarningReason::Unrecognized),
            }
            continue;
        }
        match (field(text), hub.as_mut()) {
            (Some((name, value)), Some(h)) => {
                h.fields.insert(name, value);
            }
            _ => parsed.warn(line, WarningReason::Unrecognized),
        }
    }
    if let Some(open) = hub {
        parsed.warn(&open.line, WarningReason::Unterminated);
    }
    parsed
}

/// Turns a complete `HUB` into a hop.
fn finish_hub(parsed: &mut Parsed, hub: Hub<'_>) {
    let line = &hub.line;
    let responder = match hub.host.as_str() {
        "???" => None,
        host => match parse_addr(host) {
            Some(a) => Some((a.to_canonical(), None)),
            None => {
                parsed.warn(line, WarningReason::NameWithoutAddress(clip(host)));
                return;
            }
        },
    };
    let sent = hub
        .fields
        .get("Snt")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(1);
    let loss = hub
        .fields
        .get("Loss")
        .and_then(|l| l.trim_end_matches('%').trim().parse::<f64>().ok())
        .filter(|l| (0.0..=100.0).contains(l));
    let Some(loss) = loss else {
        parsed.warn(
            line,
            WarningReason::IgnoredText("HUB without a Loss%".into()),
        );
        return;
    };
    // mtr counts hubs from 1 (`COUNT`) after its first TTL (`-f`); the count is the TTL.
    if sent == 0 || !parsed.start_hop(line, &hub.count) {
        return;
    }
    let kept = (sent as usize).min(MAX_PROBES);
    let answered = (kept as f64 * (1.0 - loss / 100.0)).round() as usize;
    let rtt = hub.fields.get("Avg").and_then(|a| parse_ms(a));
    if let Some(hop) = parsed.hop() {
        fill(hop, responder, answered, kept, rtt);
    }
}

/// The value of `name="..."` among `attrs`, with XML's entities decoded.
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    loop {
        let at = rest.find(name)?;
        let before_ok = at == 0 || rest.as_bytes()[at - 1].is_ascii_whitespace();
        let after = &rest[at + name.len()..];
        if before_ok {
            if let Some(value) = after.strip_prefix("=\"") {
                return Some(unescape(&value[..value.find('"')?]));
            }
        }
        rest = after;
    }
}

/// `<Name>value</Name>` on one line: the name and the trimmed value.
fn field(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('<')?;
    let (name, rest) = inner.split_once('>')?;
    let value = rest
        .strip_suffix('>')?
        .strip_suffix(name)?
        .strip_suffix("</")?;
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then_some((name, value.trim()))
}

/// Decodes the five XML entities (mtr writes names as they are, but other tools escape them).
fn unescape(value: &str) -> String {
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_and_fields() {
        let attrs = r#"SRC="vm" DST="a&amp;b" TOS="0x0""#;
        assert_eq!(attribute(attrs, "DST").as_deref(), Some("a&b"));
        assert_eq!(attribute(attrs, "SRC").as_deref(), Some("vm"));
        assert_eq!(attribute(attrs, "S"), None);
        assert_eq!(field("<Loss>  0.0%</Loss>"), Some(("Loss", "0.0%")));
        assert_eq!(field("<Loss>1</Snt>"), None);
        assert_eq!(field("<>1</>"), None);
    }

    #[test]
    fn broken_hubs_are_warned_about_by_line() {
        let text = "<MTR SRC=\"h\" DST=\"192.0.2.9\">\n<HUB COUNT=\"1\" HOST=\"192.0.2.1\">\n\
                    <Loss>0.0%</Loss>\n<Snt>2</Snt>\n</HUB>\n<HUB COUNT=\"2\" HOST=\"gw.example\">\n\
                    <Loss>0.0%</Loss>\n</HUB>\n<HUB COUNT=\"3\" HOST=\"192.0.2.9\">\n<Snt>2</Snt>\n\
                    </HUB>\nstray\n</MTR>\n";
        let p = parse(&Line::split(text));
        let lines: Vec<usize> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [6, 9, 12]);
        assert_eq!(p.hops.len(), 1);
        assert_eq!((p.hops[0].sent(), p.hops[0].received()), (2, 2));
    }
}
