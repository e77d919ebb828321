//! `tracepath` and `tracepath6` (iputils) output.
//!
//! tracepath prints one line per probe, so a hop may appear on several lines, and has no
//! header naming the target:
//!
//! ```text
//!  1?: [LOCALHOST]                      pmtu 1500
//!  1:  10.0.0.2                                              0.062ms
//!  1:  10.0.0.2                                              0.008ms
//!  2:  10.0.0.2                                              0.012ms pmtu 1400
//!  2:  no reply
//!  3:  r3.example (10.0.2.2)                                 0.102ms asymm  5
//!  4:  10.0.3.2                                              0.026ms reached
//!      Resume: pmtu 1400 hops 4 back 6
//! ```
//!
//! `N?:` marks a hop number tracepath guessed; `[LOCALHOST]` is this machine (not a hop);
//! `no reply` is a silent probe. After the RTT come notes: `asymm N` (the reply came back over
//! N hops: accepted, the path out is what is mapped), `pmtu N` (the responder could not forward
//! the probe: "fragmentation needed"), `reached` (the destination answered) and `!H`, `!N`,
//! `!A`, `!P` (unreachable). Without `-n` or `-b` tracepath prints only names; such probes are
//! left out with a warning, since a name is not a place.

use super::common::{clip, host_name, is_hop_number, paren_inner, parse_addr, Header, Line};
use super::common::{parse_ms, Parsed};
use super::mtr::MAX_PROBES;
use super::WarningReason;
use crate::trace::{Hop, Reply, ReplyKind, Unreachable};

/// Reads tracepath output; only the first trace in the input is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut finished = false;
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let text = line.text.trim();
        if text.starts_with("Resume: pmtu ") || text.starts_with("Too many hops: pmtu ") {
            parsed.saw_banner = true;
            finished = true;
            continue;
        }
        let mut tokens = text.split_whitespace();
        let first = tokens.next().unwrap_or_default();
        let Some(number) = first
            .strip_suffix(':')
            .map(|n| n.strip_suffix('?').unwrap_or(n))
            .filter(|n| is_hop_number(n))
        else {
            parsed.warn(line, WarningReason::Unrecognized);
            continue;
        };
        let rest: Vec<&str> = tokens.collect();
        if rest.first() == Some(&"[LOCALHOST]") {
            parsed.saw_banner = true;
            continue;
        }
        if rest.as_slice() == ["send", "failed"] {
            continue; // no probe left this machine
        }
        if finished {
            parsed.warn(line, WarningReason::SecondTrace);
            break;
        }
        if !same_hop(&parsed, number) && !parsed.start_hop(line, number) {
            continue;
        }
        read_probe(&mut parsed, line, &rest);
    }
    // A hop whose every line was left out (names only) says nothing.
    parsed.hops.retain(|h| !h.probes.is_empty());
    parsed
}

/// True when `number` is the hop being filled (tracepath prints a hop once per probe).
fn same_hop(parsed: &Parsed, number: &str) -> bool {
    let last = parsed.hops.last().map(|h: &Hop| h.ttl);
    number.parse::<u8>().ok().is_some_and(|n| Some(n) == last)
}

/// Reads one probe's line after the hop number.
fn read_probe(parsed: &mut Parsed, line: &Line<'_>, rest: &[&str]) {
    if parsed.hop().is_some_and(|h| h.probes.len() >= MAX_PROBES) {
        parsed.warn(
            line,
            WarningReason::IgnoredText(format!("more than {MAX_PROBES} probes at one hop")),
        );
        return;
    }
    if rest == ["no", "reply"] {
        if let Some(hop) = parsed.hop() {
            hop.probes.push(None);
        }
        return;
    }
    let (responder, mut i) = match rest {
        [a, ..] if parse_addr(a).is_some() => (parse_addr(a).map(|a| (a, None)), 1),
        [name, paren, ..] if paren_inner(paren).is_some() => {
            match paren_inner(paren).and_then(parse_addr) {
                Some(a) => (Some((a, host_name(name, a))), 2),
                None if *paren == "(???)" => match parse_addr(name) {
                    Some(a) => (Some((a, None)), 2),
                    None => (None, 2),
                },
                None => {
                    parsed.warn(line, WarningReason::BadAddress(clip(paren)));
                    return;
                }
            }
        }
        [name, ..] => {
            parsed.warn(line, WarningReason::NameOnly(clip(name)));
            return;
        }
        [] => {
            parsed.warn(line, WarningReason::Unrecognized);
            return;
        }
    };
    let Some((address, hostname)) = responder else {
        parsed.warn(line, WarningReason::NameOnly(clip(rest[0])));
        return;
    };
    let rtt = rest
        .get(i)
        .and_then(|t| t.strip_suffix("ms"))
        .and_then(parse_ms);
    if rtt.is_some() {
        i += 1;
    }
    let mut kind = ReplyKind::TimeExceeded;
    while i < rest.len() {
        let t = rest[i];
        i += 1;
        match t {
            "reached" => kind = ReplyKind::PortUnreachable,
            "asymm" | "pmtu" if rest.get(i).is_some_and(|n| n.parse::<u32>().is_ok()) => {
                i += 1;
                if t == "pmtu" {
                    kind = ReplyKind::Unreachable(Unreachable::FragmentationNeeded);
                }
            }
            "!H" => kind = ReplyKind::Unreachable(Unreachable::Host),
            "!N" => kind = ReplyKind::Unreachable(Unreachable::Network),
            "!A" => kind = ReplyKind::Unreachable(Unreachable::AdminProhibited),
            "!P" => kind = ReplyKind::Unreachable(Unreachable::Protocol),
            "(This" if rest[i..].join(" ") == "broken router returned corrupted payload)" => {
                i = rest.len();
            }
            _ => {
                parsed.warn(
                    line,
                    WarningReason::IgnoredText(clip(&rest[i - 1..].join(" "))),
                );
                break;
            }
        }
    }
    if kind == ReplyKind::PortUnreachable {
        parsed.header = Some(Header {
            target: Some(hostname.clone().unwrap_or_else(|| address.to_string())),
            address: Some(address),
            source: None,
        });
    }
    let mut reply = Reply::new(address.to_canonical(), rtt, kind);
    reply.hostname = hostname;
    if let Some(hop) = parsed.hop() {
        hop.probes.push(Some(reply));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Parsed {
        parse(&Line::split(text))
    }

    #[test]
    fn notes_after_the_rtt() {
        let p = read(
            " 1?: [LOCALHOST]  pmtu 1500\n 1:  192.0.2.1  0.5ms asymm  3\n 2:  192.0.2.2  1.0ms !H\n",
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(p.saw_banner);
        let kinds: Vec<ReplyKind> = p
            .hops
            .iter()
            .flat_map(|h| h.replies().map(|r| r.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ReplyKind::TimeExceeded,
                ReplyKind::Unreachable(Unreachable::Host)
            ]
        );
    }

    #[test]
    fn names_alone_and_unknown_notes_are_warned_about() {
        let p = read(" 1:  gw.example  0.5ms\n 2:  192.0.2.2  1.0ms frobbed\n");
        let reasons: Vec<&WarningReason> = p.warnings.iter().map(|w| &w.reason).collect();
        assert_eq!(
            reasons,
            [
                &WarningReason::NameOnly("gw.example".into()),
                &WarningReason::IgnoredText("frobbed".into())
            ]
        );
        assert_eq!(p.hops.len(), 1);
        assert_eq!(p.hops[0].ttl, 2);
    }

    #[test]
    fn probes_per_hop_are_bounded() {
        let text = " 1:  no reply\n".repeat(MAX_PROBES + 5);
        let p = read(&text);
        assert_eq!(p.hops[0].probes.len(), MAX_PROBES);
        assert_eq!(p.warnings.len(), 5);
    }

    #[test]
    fn a_second_run_is_not_read() {
        let one = " 1:  192.0.2.1  0.5ms reached\n     Resume: pmtu 1500 hops 1 back 1\n";
        let p = read(&format!("{one}{one}"));
        assert_eq!(p.hops.len(), 1);
        assert_eq!(p.warnings[0].reason, WarningReason::SecondTrace);
    }
}
