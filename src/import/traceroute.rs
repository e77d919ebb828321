//! Classic traceroute text output.
//!
//! One reader covers the family that prints `traceroute to HOST (ADDR), N hops max...` and then
//! one numbered line per TTL: Linux traceroute 2.x (also `-n`, `-6`, `-e`, `-A`, `--back`),
//! inetutils traceroute (`0.512ms`, and `ADDR (NAME)` the other way round), the BSD/LBL family
//! (further responders of a TTL on indented continuation lines), tcptraceroute (`[open]`) and
//! Juniper Junos (`no-resolve` prints addresses without parentheses; `MPLS Label=… CoS=… TTL=…
//! S=…` lines under a hop carry the label stack of the responder before them).
//!
//! A hop line is read token by token: a responder (`name (addr)`, `addr (name)` or `addr`)
//! applies to the RTTs after it until the next responder, as traceroute prints an address only
//! when it changes; `*` is a silent probe; `!H`-style marks qualify the reply just before them.
//! Text it does not know is skipped with a warning, and an unknown token also forgets the
//! current responder so that no RTT is ever credited to the wrong address.

use super::common::{
    clip, host_name, is_hop_number, paren_inner, parse_addr, parse_ms, Header, Line, Parsed,
};
use super::WarningReason;
use crate::text::sanitize_name;
use crate::trace::{MplsLabel, Reply, ReplyKind, Unreachable};
use std::net::IpAddr;

/// Who the next RTTs on a hop line belong to.
#[derive(Debug, Clone)]
struct Responder {
    address: IpAddr,
    hostname: Option<String>,
    mpls: Vec<MplsLabel>,
    kind: ReplyKind,
}

/// Reads traceroute output; only the first trace in the input is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    // True while the last hop line was accepted, so indented continuation lines extend it.
    let mut in_hop = false;
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let text = line.text.trim();
        if let Some(rest) = text
            .strip_prefix("traceroute to ")
            .or_else(|| text.strip_prefix("traceroute6 to "))
        {
            if parsed.saw_banner || !parsed.hops.is_empty() {
                parsed.warn(line, WarningReason::SecondTrace);
                break;
            }
            parsed.saw_banner = true;
            parsed.header = Some(parse_header(rest));
            continue;
        }
        let mut tokens = text.split_whitespace();
        let first = tokens.next().unwrap_or_default();
        if is_hop_number(first) {
            in_hop = parsed.start_hop(line, first);
            if in_hop {
                let before = parsed.warnings.len();
                read_probes(&mut parsed, line, tokens);
                if parsed.hop().is_some_and(|h| h.probes.is_empty()) {
                    parsed.hops.pop();
                    in_hop = false;
                    if parsed.warnings.len() == before {
                        parsed.warn(line, WarningReason::Unrecognized);
                    }
                }
            }
        } else if let Some(label) = text.strip_prefix("MPLS ").and_then(junos_mpls) {
            // Junos prints a responder's label stack on lines of its own under the hop.
            let Some(last) = parsed
                .hop()
                .and_then(|h| h.replies().last().map(|r| r.address))
            else {
                parsed.warn(line, WarningReason::Unrecognized);
                continue;
            };
            if let Some(hop) = parsed.hop() {
                for reply in hop
                    .probes
                    .iter_mut()
                    .flatten()
                    .filter(|r| r.address == last)
                {
                    reply.mpls.push(label);
                }
            }
        } else if in_hop && line.text.starts_with(char::is_whitespace) {
            read_probes(&mut parsed, line, text.split_whitespace());
        } else {
            in_hop = false;
            parsed.warn(line, WarningReason::Unrecognized);
        }
    }
    parsed
}

/// Reads Junos's `Label=299776 CoS=0 TTL=1 S=1`.
fn junos_mpls(text: &str) -> Option<MplsLabel> {
    let mut label = MplsLabel {
        label: u32::MAX,
        tc: 0,
        bottom: false,
        ttl: 0,
    };
    for pair in text.split_whitespace() {
        let (key, value) = pair.split_once('=')?;
        match key {
            "Label" => label.label = value.parse().ok().filter(|&l| l < 1 << 20)?,
            "CoS" | "Exp" | "TC" => label.tc = value.parse().ok().filter(|&t| t < 8)?,
            "TTL" => label.ttl = value.parse().ok()?,
            "S" => label.bottom = value == "1",
            _ => return None,
        }
    }
    (label.label != u32::MAX).then_some(label)
}

/// Reads what follows `traceroute to `: `HOST (ADDR)[ from SRC], N hops max, M byte packets`.
fn parse_header(rest: &str) -> Header {
    let tokens: Vec<&str> = rest
        .split_whitespace()
        .map(|t| t.trim_end_matches(','))
        .collect();
    let mut header = Header::default();
    let Some(&target) = tokens.first() else {
        return header;
    };
    let target_name = sanitize_name(target);
    header.target = (!target_name.is_empty()).then_some(target_name);
    header.address = tokens
        .get(1)
        .and_then(|t| paren_inner(t))
        .and_then(parse_addr)
        .or_else(|| parse_addr(target));
    if let Some(i) = tokens.iter().position(|&t| t == "from") {
        header.source = tokens[i + 1..]
            .iter()
            .take(2)
            .find_map(|t| parse_addr(paren_inner(t).unwrap_or(t)));
    }
    header
}

/// Reads responders, RTTs, silent probes and marks into the current hop.
fn read_probes<'a>(parsed: &mut Parsed, line: &Line<'_>, tokens: impl Iterator<Item = &'a str>) {
    let tokens: Vec<&str> = tokens.collect();
    let mut responder: Option<Responder> = None;
    let mut ignored: Vec<&str> = Vec::new();
    let mut warnings: Vec<WarningReason> = Vec::new();
    let mut probes = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        let next = tokens.get(i + 1).copied();
        i += 1;
        // Silent probe.
        if token == "*" {
            probes.push(None);
            continue;
        }
        // Responder: `name (addr)` or inetutils' `addr (name)`; checked before RTTs so that a
        // host named like `10ms` is still a host.
        if let Some(inner) = next.and_then(paren_inner) {
            i += 1;
            responder = if let Some(address) = parse_addr(inner) {
                Some(new_responder(address, host_name(token, address)))
            } else if let Some(address) = parse_addr(token) {
                Some(new_responder(address, host_name(inner, address)))
            } else {
                warnings.push(WarningReason::BadAddress(clip(inner)));
                None
            };
            continue;
        }
        // RTT: `0.512 ms` (traceroute, BSD) or `0.512ms` (inetutils).
        let rtt = match (parse_ms(token), next) {
            (Some(rtt), Some("ms")) => {
                i += 1;
                Some(rtt)
            }
            _ => token.strip_suffix("ms").and_then(parse_ms),
        };
        if let Some(rtt) = rtt {
            match &responder {
                Some(r) => probes.push(Some(Reply {
                    address: r.address,
                    rtt: Some(rtt),
                    kind: r.kind,
                    reply_ttl: None,
                    mpls: r.mpls.clone(),
                    hostname: r.hostname.clone(),
                })),
                None => warnings.push(WarningReason::RttWithoutResponder),
            }
            continue;
        }
        // `!H`-style mark on the reply just read.
        if token.starts_with('!') {
            match (unreachable_mark(token), probes.last_mut()) {
                (Some(u), Some(Some(reply))) => reply.kind = ReplyKind::Unreachable(u),
                _ => ignored.push(token),
            }
            continue;
        }
        // Responder given as a bare (or parenthesised) address, as with `-n`.
        if let Some(address) = parse_addr(paren_inner(token).unwrap_or(token)) {
            responder = Some(new_responder(address, None));
            continue;
        }
        // Annotations that carry nothing the trace model keeps: `[AS15169]` (-A), `'-5'`
        // (--back), `F=1400` (--mtu); MPLS `<...>` (-e) and tcptraceroute's `[open]` are kept.
        if let Some(ext) = token.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            match (parse_mpls(ext), responder.as_mut()) {
                (Some(labels), Some(r)) => r.mpls = labels,
                _ => ignored.push(token),
            }
            continue;
        }
        if let Some(r) = responder.as_mut() {
            match token {
                "[open]" => r.kind = ReplyKind::TcpSynAck,
                "[closed]" => r.kind = ReplyKind::TcpReset,
                _ => {}
            }
        }
        if (token.starts_with('[') && token.ends_with(']'))
            || (token.starts_with('\'') && token.ends_with('\''))
            || token.starts_with("F=")
        {
            continue;
        }
        // Anything else: it may have been a responder we cannot read, so forget the current one.
        ignored.push(token);
        responder = None;
    }
    for reason in warnings {
        parsed.warn(line, reason);
    }
    if !ignored.is_empty() {
        parsed.warn(line, WarningReason::IgnoredText(clip(&ignored.join(" "))));
    }
    if let Some(hop) = parsed.hop() {
        hop.probes.extend(probes);
    }
}

fn new_responder(address: IpAddr, hostname: Option<String>) -> Responder {
    Responder {
        address,
        hostname,
        mpls: Vec::new(),
        kind: ReplyKind::Unknown,
    }
}

/// The meaning of a traceroute mark: `!N !H !P !X !S !F !F-1480 !V !C`, the BSD `!A !Z` (admin
/// prohibited), and `!<13>` or `!13` for other codes. `!<11-0>` (an ICMP type other than
/// unreachable) is not an unreachable and is left unread.
fn unreachable_mark(mark: &str) -> Option<Unreachable> {
    let body = mark.strip_prefix('!')?;
    Some(match body {
        "N" => Unreachable::Network,
        "H" => Unreachable::Host,
        "P" => Unreachable::Protocol,
        "X" | "A" | "Z" => Unreachable::AdminProhibited,
        "S" => Unreachable::SourceRoute,
        "V" => Unreachable::PrecedenceViolation,
        "C" => Unreachable::PrecedenceCutoff,
        "F" => Unreachable::FragmentationNeeded,
        _ if body.strip_prefix("F-").is_some_and(is_hop_number) => Unreachable::FragmentationNeeded,
        _ => {
            let code = body
                .strip_prefix('<')
                .and_then(|b| b.strip_suffix('>'))
                .unwrap_or(body);
            Unreachable::Other(code.parse().ok()?)
        }
    })
}

/// Reads traceroute 2.x's `-e` MPLS extension, `MPLS:L=24001,E=0,S=1,T=1` with further label
/// stack entries after `/`.
fn parse_mpls(ext: &str) -> Option<Vec<MplsLabel>> {
    let entries = ext.strip_prefix("MPLS:")?;
    entries
        .split('/')
        .map(|entry| {
            let mut label = MplsLabel {
                label: 0,
                tc: 0,
                bottom: false,
                ttl: 0,
            };
            for field in entry.split(',') {
                let (key, value) = field.split_once('=')?;
                match key {
                    "L" => label.label = value.parse().ok().filter(|&l| l < 1 << 20)?,
                    "E" => label.tc = value.parse().ok().filter(|&tc| tc < 8)?,
                    "S" => label.bottom = value == "1",
                    "T" => label.ttl = value.parse().ok()?,
                    _ => return None,
                }
            }
            Some(label)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks() {
        assert_eq!(unreachable_mark("!H"), Some(Unreachable::Host));
        assert_eq!(unreachable_mark("!X"), Some(Unreachable::AdminProhibited));
        assert_eq!(
            unreachable_mark("!F-1480"),
            Some(Unreachable::FragmentationNeeded)
        );
        assert_eq!(unreachable_mark("!<13>"), Some(Unreachable::Other(13)));
        assert_eq!(unreachable_mark("!9"), Some(Unreachable::Other(9)));
        assert_eq!(unreachable_mark("!<11-0>"), None);
        assert_eq!(unreachable_mark("!<300>"), None);
        assert_eq!(unreachable_mark("!Q"), None);
    }

    #[test]
    fn mpls_extension() {
        let labels = parse_mpls("MPLS:L=24001,E=0,S=0,T=1/L=16,E=5,S=1,T=254").unwrap();
        assert_eq!(
            labels,
            [
                MplsLabel {
                    label: 24001,
                    tc: 0,
                    bottom: false,
                    ttl: 1
                },
                MplsLabel {
                    label: 16,
                    tc: 5,
                    bottom: true,
                    ttl: 254
                }
            ]
        );
        assert_eq!(parse_mpls("MPLS:L=2000000,E=0,S=1,T=1"), None);
        assert_eq!(parse_mpls("INC:12"), None);
    }

    #[test]
    fn headers() {
        let h = parse_header("www.example.com (93.184.215.14), 30 hops max, 60 byte packets");
        assert_eq!(h.target.as_deref(), Some("www.example.com"));
        assert_eq!(h.address, Some("93.184.215.14".parse().unwrap()));
        assert_eq!(h.source, None);
        let h = parse_header("2001:db8::1 (2001:db8::1), 30 hops max, 80 byte packets");
        assert_eq!(h.address, Some("2001:db8::1".parse().unwrap()));
        let h = parse_header("host.example (192.0.2.9) from 192.0.2.100, 64 hops max");
        assert_eq!(h.source, Some("192.0.2.100".parse().unwrap()));
        let h = parse_header("192.0.2.9, 64 hops max");
        assert_eq!(h.address, Some("192.0.2.9".parse().unwrap()));
        assert_eq!(parse_header(""), Header::default());
    }
}
