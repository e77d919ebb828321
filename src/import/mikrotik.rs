//! MikroTik RouterOS `/tool traceroute` (v6 and v7):
//!
//! ```text
//! [admin@MikroTik] > /tool traceroute 192.0.2.9 count=3
//!   # ADDRESS                          LOSS SENT    LAST     AVG    BEST   WORST STD-DEV STATUS
//!   1 10.0.1.17                          0%    3   0.5ms     0.5     0.4     0.5     0.1
//!   2                                  100%    3 timeout
//!   3 192.0.2.9                          0%    3   0.8ms     0.7     0.6     0.8     0.1 <MPLS:L=24005,E=0>
//! ```
//!
//! Each row becomes `SENT` probes, as many answered as `LOSS` says, each with the average RTT;
//! a row without an address never answered. RouterOS redraws the table while it runs, so a
//! pasted session often holds it several times: each new table replaces the one before (it is
//! the same trace, further along). `STATUS` may carry an MPLS label stack (`<MPLS:L=A,E=B>`,
//! several separated by `;`) or `host-unreachable from ADDR`-style text.

use super::common::{clip, is_hop_number, parse_addr, parse_ms, Header, Line, Parsed};
use super::mtr::{fill, MAX_PROBES};
use super::WarningReason;
use crate::trace::{MplsLabel, ReplyKind, Unreachable};

/// Reads RouterOS traceroute output; only the first traceroute command is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut commands = 0;
    for line in lines {
        let text = line.text.trim();
        let tokens: Vec<&str> = text.split_whitespace().collect();
        // The column titles start with `#`, which other formats take for a comment.
        if tokens.first() == Some(&"#") && tokens.contains(&"ADDRESS") && tokens.contains(&"LOSS") {
            // A (re)drawn table: it supersedes what was read so far.
            parsed.saw_banner = true;
            parsed.hops.clear();
            continue;
        }
        if line.is_blank_or_comment() {
            continue;
        }
        if let Some(target) = command_target(text) {
            commands += 1;
            if commands > 1 {
                parsed.warn(line, WarningReason::SecondTrace);
                break;
            }
            parsed.saw_banner = true;
            parsed.header = Some(Header {
                address: parse_addr(target),
                target: Some(crate::text::sanitize_name(target)).filter(|t| !t.is_empty()),
                source: None,
            });
            continue;
        }
        if text.starts_with("Columns:") || text.starts_with("-- [Q quit") {
            continue;
        }
        if tokens.first().is_some_and(|t| is_hop_number(t)) && parsed.saw_banner {
            read_row(&mut parsed, line, &tokens);
        } else {
            parsed.warn(line, WarningReason::Unrecognized);
        }
    }
    parsed
}

/// The target of a `/tool traceroute ADDR ...` (or v7's `/tool/traceroute`) command line.
fn command_target(text: &str) -> Option<&str> {
    let at = text
        .find("/tool traceroute ")
        .map(|i| i + "/tool traceroute ".len())
        .or_else(|| {
            text.find("/tool/traceroute ")
                .map(|i| i + "/tool/traceroute ".len())
        })?;
    text[at..]
        .split_whitespace()
        .find(|t| !t.contains('='))
        .or_else(|| {
            text[at..]
                .split_whitespace()
                .find_map(|t| t.strip_prefix("address="))
        })
}

/// Reads `N [ADDR] LOSS% SENT LAST AVG BEST WORST STD-DEV [STATUS]`.
fn read_row(parsed: &mut Parsed, line: &Line<'_>, tokens: &[&str]) {
    let mut i = 1;
    let address = match tokens.get(1) {
        Some(t) if t.ends_with('%') => None,
        Some(t) => match parse_addr(t) {
            Some(a) => {
                i += 1;
                Some(a.to_canonical())
            }
            None => {
                parsed.warn(line, WarningReason::BadAddress(clip(t)));
                return;
            }
        },
        None => {
            parsed.warn(line, WarningReason::Unrecognized);
            return;
        }
    };
    let loss = tokens
        .get(i)
        .and_then(|l| l.strip_suffix('%'))
        .and_then(|l| l.parse::<f64>().ok())
        .filter(|l| (0.0..=100.0).contains(l));
    let sent = tokens.get(i + 1).and_then(|s| s.parse::<u64>().ok());
    let (Some(loss), Some(sent)) = (loss, sent) else {
        parsed.warn(line, WarningReason::Unrecognized);
        return;
    };
    let rtt = tokens.get(i + 3).and_then(|a| parse_ms(a));
    // What follows the statistics (or `timeout`) is the status.
    let status_at = if tokens.get(i + 2) == Some(&"timeout") {
        i + 3
    } else {
        (i + 7).min(tokens.len())
    };
    let status = tokens.get(status_at..).unwrap_or_default().join(" ");
    if sent == 0 || !parsed.start_hop(line, tokens[0]) {
        return;
    }
    let kept = (sent as usize).min(MAX_PROBES);
    let answered = (kept as f64 * (1.0 - loss / 100.0)).round() as usize;
    let (labels, kind) = read_status(parsed, line, &status);
    if let Some(hop) = parsed.hop() {
        fill(hop, address.map(|a| (a, None)), answered, kept, rtt);
        for reply in hop.probes.iter_mut().flatten() {
            reply.mpls.clone_from(&labels);
            reply.kind = kind;
        }
    }
}

/// The MPLS labels and reply kind a status names; anything else is warned about.
fn read_status(parsed: &mut Parsed, line: &Line<'_>, status: &str) -> (Vec<MplsLabel>, ReplyKind) {
    let mut labels = Vec::new();
    let mut kind = ReplyKind::Unknown;
    let mut rest = status.trim();
    if let Some(body) = rest.strip_prefix("<MPLS:") {
        let (inside, after) = body.split_once('>').unwrap_or((body, ""));
        for entry in inside.split(';') {
            match mpls(entry) {
                Some(l) => labels.push(l),
                None => parsed.warn(line, WarningReason::IgnoredText(clip(entry))),
            }
        }
        if let Some(last) = labels.last_mut() {
            last.bottom = true;
        }
        rest = after.trim();
    }
    if !rest.is_empty() {
        let word = rest.split_whitespace().next().unwrap_or_default();
        kind = match word {
            "host-unreachable" => ReplyKind::Unreachable(Unreachable::Host),
            "network-unreachable" | "net-unreachable" => {
                ReplyKind::Unreachable(Unreachable::Network)
            }
            "protocol-unreachable" => ReplyKind::Unreachable(Unreachable::Protocol),
            "port-unreachable" => ReplyKind::PortUnreachable,
            "admin-prohibited" | "communication-administratively-prohibited" => {
                ReplyKind::Unreachable(Unreachable::AdminProhibited)
            }
            _ => {
                parsed.warn(line, WarningReason::IgnoredText(clip(rest)));
                ReplyKind::Unknown
            }
        };
    }
    (labels, kind)
}

/// `L=24005,E=0` as a label (not yet known to be the bottom one).
fn mpls(entry: &str) -> Option<MplsLabel> {
    let mut label = None;
    let mut tc = 0;
    for pair in entry.split(',') {
        match pair.trim().split_once('=')? {
            ("L", v) => label = v.parse::<u32>().ok().filter(|&l| l < 1 << 20),
            ("E", v) => tc = v.parse::<u8>().ok().filter(|&e| e < 8)?,
            _ => return None,
        }
    }
    Some(MplsLabel {
        label: label?,
        tc,
        bottom: false,
        ttl: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_labels() {
        assert_eq!(
            command_target("[admin@MikroTik] > /tool traceroute 192.0.2.9 count=3"),
            Some("192.0.2.9")
        );
        assert_eq!(
            command_target("[admin@r1] > /tool/traceroute address=2001:db8::1 count=1"),
            Some("2001:db8::1")
        );
        assert_eq!(command_target("traceroute to 192.0.2.9"), None);
        let l = mpls("L=24005,E=5").unwrap();
        assert_eq!((l.label, l.tc), (24005, 5));
        assert!(mpls("L=x,E=0").is_none());
    }
}
