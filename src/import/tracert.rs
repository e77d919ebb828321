//! Windows `tracert` output (English).
//!
//! Windows users send these more than anything else:
//!
//! ```text
//! Tracing route to example.com [93.184.215.14]
//! over a maximum of 30 hops:
//!
//!   1    <1 ms    <1 ms    <1 ms  192.168.1.1
//!   2     *        *        *     Request timed out.
//!   3    12 ms    11 ms    13 ms  core1.isp.example [203.0.113.1]
//!   4  203.0.113.9  reports: Destination host unreachable.
//! ```
//!
//! Each line holds the RTTs first and the responder last. `<1 ms` is read as 1 ms: an upper
//! bound is the safe reading, since RTTs later bound how far away a hop can be, and 0 ms would
//! claim every hop sits next to the user.

use super::common::{clip, host_name, is_hop_number, parse_addr, parse_ms, Header, Line, Parsed};
use super::WarningReason;
use crate::text::sanitize_name;
use crate::trace::{Reply, ReplyKind, Unreachable};
use std::time::Duration;

/// Reads tracert output; only the first trace in the input is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let text = line.text.trim();
        if let Some(rest) = text.strip_prefix("Tracing route to ") {
            if parsed.saw_banner || !parsed.hops.is_empty() {
                parsed.warn(line, WarningReason::SecondTrace);
                break;
            }
            parsed.saw_banner = true;
            parsed.header = Some(parse_header(rest));
            continue;
        }
        if text.starts_with("over a maximum of ") || text == "Trace complete." {
            continue;
        }
        let mut tokens = text.split_whitespace();
        let first = tokens.next().unwrap_or_default();
        if !is_hop_number(first) {
            parsed.warn(line, WarningReason::Unrecognized);
            continue;
        }
        if parsed.start_hop(line, first) {
            read_hop(&mut parsed, line, tokens.collect());
        }
    }
    parsed
}

/// Reads what follows `Tracing route to `: `NAME [ADDR]`, or `ADDR`, possibly followed by
/// `over a maximum of N hops` on the same line.
fn parse_header(rest: &str) -> Header {
    let mut tokens = rest.split_whitespace();
    let mut header = Header::default();
    let Some(target) = tokens.next() else {
        return header;
    };
    let name = sanitize_name(target);
    header.target = (!name.is_empty()).then_some(name);
    header.address = tokens
        .next()
        .and_then(|t| t.strip_prefix('[')?.strip_suffix(']'))
        .and_then(parse_addr)
        .or_else(|| parse_addr(target));
    header
}

/// Reads one hop line after its number: up to three RTT columns, then the responder, then an
/// optional `reports: Destination ... unreachable.`
fn read_hop(parsed: &mut Parsed, line: &Line<'_>, tokens: Vec<&str>) {
    let warned = parsed.warnings.len();
    let mut rtts: Vec<Option<Duration>> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match (tokens[i], tokens.get(i + 1)) {
            ("*", _) => {
                rtts.push(None);
                i += 1;
            }
            ("<1", Some(&"ms")) => {
                rtts.push(Some(Duration::from_millis(1)));
                i += 2;
            }
            (t, Some(&"ms")) if parse_ms(t).is_some() => {
                rtts.push(parse_ms(t));
                i += 2;
            }
            _ => break,
        }
    }
    let rest = &tokens[i..];
    let (host, message) = match rest.iter().position(|&t| t == "reports:") {
        Some(p) => (&rest[..p], Some(rest[p + 1..].join(" "))),
        None => (rest, None),
    };
    let responder = match host {
        [] => None,
        [name, bracketed] if bracketed.starts_with('[') => {
            match bracketed
                .strip_suffix(']')
                .and_then(|b| parse_addr(&b[1..]))
            {
                Some(address) => Some((address, host_name(name, address))),
                None => {
                    parsed.warn(line, WarningReason::BadAddress(clip(bracketed)));
                    None
                }
            }
        }
        [address] if parse_addr(address).is_some() => parse_addr(address).map(|a| (a, None)),
        _ if rtts.iter().all(Option::is_none) && host.join(" ") == "Request timed out." => None,
        _ => {
            parsed.warn(line, WarningReason::IgnoredText(clip(&host.join(" "))));
            None
        }
    };
    let kind = match message.as_deref().map(unreachable_message) {
        None => ReplyKind::Unknown,
        Some(Some(kind)) => kind,
        Some(None) => {
            let text = message.clone().unwrap_or_default();
            parsed.warn(line, WarningReason::IgnoredText(clip(&text)));
            ReplyKind::Unknown
        }
    };
    let reply = |rtt: Option<Duration>| {
        responder.as_ref().map(|(address, hostname)| {
            let mut reply = Reply::new(*address, rtt, kind);
            reply.hostname.clone_from(hostname);
            reply
        })
    };
    let probes: Vec<Option<Reply>> = if rtts.is_empty() && message.is_some() {
        // `X reports: ...` with no RTT columns is still one answered probe.
        vec![reply(None)]
    } else {
        rtts.iter()
            .map(|rtt| rtt.and_then(|r| reply(Some(r))))
            .collect()
    };
    if responder.is_none() && rtts.iter().any(Option::is_some) {
        parsed.warn(line, WarningReason::RttWithoutResponder);
    }
    let all_silent = !rtts.is_empty() && rtts.iter().all(Option::is_none);
    if probes.iter().all(Option::is_none) && !all_silent {
        // Nothing usable: drop the hop rather than invent silent probes.
        parsed.hops.pop();
        if parsed.warnings.len() == warned {
            parsed.warn(line, WarningReason::Unrecognized);
        }
        return;
    }
    if let Some(hop) = parsed.hop() {
        hop.probes = probes;
    }
}

/// The reply kind for the message after `reports:`.
fn unreachable_message(message: &str) -> Option<ReplyKind> {
    let unreachable = match message.trim_end_matches('.') {
        "Destination net unreachable" => Unreachable::Network,
        "Destination host unreachable" => Unreachable::Host,
        "Destination protocol unreachable" => Unreachable::Protocol,
        "Destination port unreachable" => return Some(ReplyKind::PortUnreachable),
        "Communication administratively prohibited"
        | "Destination prohibited"
        | "Communication prohibited by administrative filtering" => Unreachable::AdminProhibited,
        "Source route failed" => Unreachable::SourceRoute,
        "Packet needs to be fragmented but DF set" => Unreachable::FragmentationNeeded,
        _ => return None,
    };
    Some(ReplyKind::Unreachable(unreachable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = parse_header("example.com [93.184.215.14]");
        assert_eq!(h.target.as_deref(), Some("example.com"));
        assert_eq!(h.address, Some("93.184.215.14".parse().unwrap()));
        let h = parse_header("192.0.2.1 over a maximum of 30 hops");
        assert_eq!(h.target.as_deref(), Some("192.0.2.1"));
        assert_eq!(h.address, Some("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn messages() {
        assert_eq!(
            unreachable_message("Destination host unreachable."),
            Some(ReplyKind::Unreachable(Unreachable::Host))
        );
        assert_eq!(unreachable_message("General failure."), None);
    }
}
