//! `traceroute` as Cisco IOS, IOS-XE and IOS-XR print it, as network engineers paste it into
//! tickets:
//!
//! ```text
//! Type escape sequence to abort.
//! Tracing the route to 192.0.2.9
//!   1 10.1.1.1 [MPLS: Label 24017 Exp 0] 4 msec 2 msec 3 msec
//!   2 10.2.2.2 [AS 65001] 8 msec
//!     10.2.2.3 8 msec
//!   3  *  *  *
//!   4 198.51.100.4 !A  *  !A
//! ```
//!
//! RTTs are `N msec`; a responder applies to the probes after it until the next one, which may
//! be on an indented continuation line; `*` is a silent probe; `!X`-style codes are probes
//! answered with an unreachable (Cisco prints no RTT for them); `[MPLS: Label(s) A/B Exp E]`
//! carries the label stack and `[AS N]` is skipped. IOS-XR writes IPv4 addresses inside IPv6
//! paths as `::FFFF:a.b.c.d`; they become plain IPv4.

use super::common::{clip, host_name, paren_inner, parse_addr, parse_ms, Header, Line, Parsed};
use super::WarningReason;
use crate::trace::{MplsLabel, Reply, ReplyKind, Unreachable};
use std::net::IpAddr;

/// Reads Cisco traceroute output; only the first trace is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut in_hop = false;
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let text = line.text.trim();
        if let Some(rest) = text.strip_prefix("Tracing the route to ") {
            if !parsed.hops.is_empty() {
                parsed.warn(line, WarningReason::SecondTrace);
                break;
            }
            parsed.saw_banner = true;
            parsed.header = Some(header(rest));
            continue;
        }
        if text.starts_with("Type escape sequence")
            || text.starts_with("VRF info:")
            || text.ends_with('#') && !text.contains(' ')
            || text.contains("#traceroute")
        {
            continue;
        }
        let tokens = tokenize(text);
        let starts_hop = tokens.first().is_some_and(|t| {
            !t.is_empty() && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit())
        });
        if starts_hop {
            in_hop = parsed.start_hop(line, tokens[0]);
            if in_hop {
                read_probes(&mut parsed, line, &tokens[1..]);
            }
        } else if in_hop && line.text.starts_with(' ') {
            read_probes(&mut parsed, line, &tokens);
        } else {
            in_hop = false;
            parsed.warn(line, WarningReason::Unrecognized);
        }
    }
    parsed
}

/// `192.0.2.9`, `name (192.0.2.9)` or `name` after `Tracing the route to`.
fn header(rest: &str) -> Header {
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let mut h = Header::default();
    match tokens.as_slice() {
        [a, ..] if address(a).is_some() => {
            h.address = address(a);
            h.target = Some(a.to_string());
        }
        [name, paren, ..] => {
            h.address = paren_inner(paren).and_then(address);
            h.target = Some(crate::text::sanitize_name(name));
        }
        [name] => h.target = Some(crate::text::sanitize_name(name)),
        [] => {}
    }
    h
}

fn address(token: &str) -> Option<IpAddr> {
    parse_addr(token).map(|a| a.to_canonical())
}

/// Splits a line into tokens, keeping each `[...]` group as one token.
fn tokenize(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let end = if rest.starts_with('[') {
            rest.find(']').map_or(rest.len(), |i| i + 1)
        } else {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        };
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    out
}

/// Reads `[MPLS: Label 24017 Exp 0]` or `[MPLS: Labels 3008/9016 Exp 0]`, outermost first.
fn mpls(group: &str) -> Option<Vec<MplsLabel>> {
    let body = group.strip_prefix("[MPLS:")?.strip_suffix(']')?;
    let tokens: Vec<&str> = body.split_whitespace().collect();
    let labels = tokens
        .iter()
        .position(|t| *t == "Label" || *t == "Labels")
        .and_then(|i| tokens.get(i + 1))?;
    let tc = tokens
        .iter()
        .position(|t| *t == "Exp" || *t == "TC")
        .and_then(|i| tokens.get(i + 1))
        .and_then(|e| e.parse::<u8>().ok())
        .unwrap_or(0)
        & 7;
    let stack: Vec<u32> = labels
        .split('/')
        .map(|l| l.parse::<u32>().ok().filter(|&l| l < 1 << 20))
        .collect::<Option<_>>()?;
    let n = stack.len();
    Some(
        stack
            .into_iter()
            .enumerate()
            .map(|(i, label)| MplsLabel {
                label,
                tc,
                bottom: i + 1 == n,
                ttl: 0,
            })
            .collect(),
    )
}

fn unreachable(code: &str) -> Option<ReplyKind> {
    Some(ReplyKind::Unreachable(match code {
        "!H" => Unreachable::Host,
        "!N" => Unreachable::Network,
        "!P" => Unreachable::Protocol,
        "!A" => Unreachable::AdminProhibited,
        "!U" | "!Q" | "!T" | "?" => Unreachable::Other(0),
        _ => return None,
    }))
}

/// Reads the probes of one hop line (or continuation line).
fn read_probes(parsed: &mut Parsed, line: &Line<'_>, tokens: &[&str]) {
    let mut current: Option<(IpAddr, Option<String>, Vec<MplsLabel>)> = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        i += 1;
        if t == "*" {
            if let Some(hop) = parsed.hop() {
                hop.probes.push(None);
            }
            continue;
        }
        if t.starts_with("[MPLS:") {
            match (mpls(t), current.as_mut()) {
                (Some(labels), Some(c)) => c.2 = labels,
                _ => parsed.warn(line, WarningReason::IgnoredText(clip(t))),
            }
            continue;
        }
        if t.starts_with('[') {
            continue; // [AS 65001] and other annotations
        }
        if let Some(kind) = unreachable(t) {
            match &current {
                Some((a, name, labels)) => {
                    let mut reply = Reply::new(*a, None, kind);
                    reply.hostname = name.clone();
                    reply.mpls = labels.clone();
                    if let Some(hop) = parsed.hop() {
                        hop.probes.push(Some(reply));
                    }
                }
                None => parsed.warn(line, WarningReason::RttWithoutResponder),
            }
            continue;
        }
        if let Some(rtt) = parse_ms(t).filter(|_| tokens.get(i) == Some(&"msec")) {
            i += 1;
            match &current {
                Some((a, name, labels)) => {
                    let mut reply = Reply::new(*a, Some(rtt), ReplyKind::Unknown);
                    reply.hostname = name.clone();
                    reply.mpls = labels.clone();
                    if let Some(hop) = parsed.hop() {
                        hop.probes.push(Some(reply));
                    }
                }
                None => parsed.warn(line, WarningReason::RttWithoutResponder),
            }
            continue;
        }
        if let Some(a) = address(t) {
            current = Some((a, None, Vec::new()));
            continue;
        }
        if let Some(a) = tokens.get(i).and_then(|p| paren_inner(p)).and_then(address) {
            i += 1;
            current = Some((a, host_name(t, a), Vec::new()));
            continue;
        }
        parsed.warn(line, WarningReason::IgnoredText(clip(t)));
        current = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/import/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ios_hops_responders_labels_and_codes() {
        let p = parse(&Line::split(&fixture("cisco-ios.txt")));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(p.saw_banner);
        assert_eq!(p.header.as_ref().unwrap().address, Some(ip("192.0.2.9")));
        let shape: Vec<(u8, Vec<IpAddr>, usize, usize)> = p
            .hops
            .iter()
            .map(|h| (h.ttl, h.responders(), h.sent(), h.received()))
            .collect();
        assert_eq!(
            shape,
            [
                (1, vec![ip("10.1.1.1")], 3, 3),
                (2, vec![ip("10.2.2.2"), ip("10.2.2.3")], 3, 3),
                (3, vec![], 3, 0),
                (4, vec![ip("198.51.100.4")], 3, 2),
                (5, vec![ip("192.0.2.9")], 3, 2),
            ]
        );
        let first = p.hops[0].replies().next().unwrap();
        assert_eq!(first.mpls[0].label, 24017);
        assert_eq!(first.rtt, Some(std::time::Duration::from_millis(4)));
        assert_eq!(
            p.hops[3].replies().next().unwrap().kind,
            ReplyKind::Unreachable(Unreachable::AdminProhibited)
        );
    }

    #[test]
    fn xr_label_stacks_and_mapped_addresses() {
        let p = parse(&Line::split(&fixture("cisco-xr6.txt")));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.hops.len(), 5);
        assert_eq!(p.hops[1].responders(), vec![ip("198.51.100.2")]);
        let labels: Vec<(u32, bool)> = p.hops[1]
            .replies()
            .next()
            .unwrap()
            .mpls
            .iter()
            .map(|l| (l.label, l.bottom))
            .collect();
        assert_eq!(labels, [(3008, false), (9016, true)]);
        assert_eq!(p.hops[4].responders(), vec![ip("2001:db8:20::20")]);
    }

    #[test]
    fn detected_among_the_text_formats() {
        let read = crate::import::parse(&fixture("cisco-ios.txt"), "ios").unwrap();
        assert_eq!(read.format, crate::import::InputFormat::Cisco);
        assert!(read.trace.reached);
        let xr = crate::import::parse(&fixture("cisco-xr6.txt"), "xr").unwrap();
        assert_eq!(xr.format, crate::import::InputFormat::Cisco);
    }
}
