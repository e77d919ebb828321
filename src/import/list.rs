//! The simplest saved trace: one address per line.
//!
//! Such lists come from scripts, spreadsheets and other tools' exports, where only the path
//! matters. Each address is one hop with one answered probe, in order from TTL 1; a line holding
//! only `*` is a hop that did not answer. There are no RTTs and no reply kinds to keep.

use super::common::{clip, parse_addr, Line, Parsed};
use super::WarningReason;
use crate::trace::{Hop, Reply, ReplyKind};

/// Reads an address list; blank lines and `#` comments (whole-line or trailing) are skipped.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    for line in lines {
        let content = line.text.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let mut tokens = content.split_whitespace();
        let first = tokens.next().unwrap_or_default();
        if tokens.next().is_some() {
            parsed.warn(line, WarningReason::Unrecognized);
            continue;
        }
        let probe = if first == "*" {
            None
        } else if let Some(address) = parse_addr(first) {
            Some(Reply::new(address, None, ReplyKind::Unknown))
        } else {
            parsed.warn(line, WarningReason::BadAddress(clip(first)));
            continue;
        };
        let Ok(ttl) = u8::try_from(parsed.hops.len() + 1) else {
            parsed.warn(line, WarningReason::TooManyHops);
            continue;
        };
        parsed.hops.push(Hop {
            ttl,
            probes: vec![probe],
        });
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Parsed {
        parse(&Line::split(text))
    }

    #[test]
    fn one_hop_per_address() {
        let p = read("# path to the office\n192.0.2.1\n\n  2001:db8::1  # core\n*\n198.51.100.7\n");
        assert_eq!(p.hops.len(), 4);
        assert_eq!(
            p.hops.iter().map(|h| h.ttl).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let first = p.hops[0].probes[0].as_ref().unwrap();
        assert_eq!(
            first.address,
            "192.0.2.1".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(first.rtt, None);
        assert_eq!(first.kind, ReplyKind::Unknown);
        assert_eq!(p.hops[2].probes, vec![None]);
        assert!(p.warnings.is_empty());
        assert!(!p.saw_banner);
    }

    #[test]
    fn bad_lines_are_warnings() {
        let p = read("192.0.2.1\nrouter.example\n192.0.2.2 extra\n300.0.0.1\n192.0.2.3\n");
        assert_eq!(p.hops.len(), 2);
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert_eq!(
            p.warnings[0].reason,
            WarningReason::BadAddress("router.example".into())
        );
        assert_eq!(p.warnings[1].reason, WarningReason::Unrecognized);
    }

    #[test]
    fn at_most_255_hops() {
        let text = "192.0.2.1\n".repeat(300);
        let p = read(&text);
        assert_eq!(p.hops.len(), 255);
        assert_eq!(p.warnings.len(), 45);
        assert_eq!(p.warnings[0].reason, WarningReason::TooManyHops);
        assert_eq!(p.warnings[0].line, 256);
    }
}
