//! `mtr --report` text (also `-w`, `-b`, `-n`, `-z`, `-e`, and `-o` column orders).
//!
//! mtr summarises many probes per hop instead of listing them:
//!
//! ```text
//! Start: 2025-03-02T10:11:12+0000
//! HOST: laptop                      Loss%   Snt   Last   Avg  Best  Wrst StDev
//!   1.|-- 192.168.1.1                0.0%    10    0.5   0.6   0.4   0.9   0.1
//!   2.|-- ???                       100.0    10    0.0   0.0   0.0   0.0   0.0
//! ```
//!
//! Each hop becomes `Snt` probes of which as many answered as the loss says (or `Rcv`, if that
//! column is shown), each answered one carrying the average RTT; so a hop's loss and mean RTT
//! survive, and best/worst/deviation do not. Hops with more than [`MAX_PROBES`] probes are
//! scaled down to that many, keeping the loss ratio. The columns are read from the `HOST:`
//! line, counting from the right, so host names of any width work. mtr's default report prints
//! only names, without addresses; such hops are left out with a warning that suggests `-n` or
//! `-b`. Extra responders (`|-- addr` lines) come without statistics and are left out too.

use super::common::{clip, host_name, paren_inner, parse_addr, parse_ms, Line, Parsed};
use super::WarningReason;
use crate::trace::{Hop, MplsLabel, Reply, ReplyKind};
use std::time::Duration;

/// The most probes recorded for one hop.
pub const MAX_PROBES: usize = 1000;

/// Column titles mtr can print (its `-o` field letters' titles).
const TITLES: [&str; 14] = [
    "Loss%", "Drop", "Rcv", "Snt", "Last", "Best", "Avg", "Wrst", "StDev", "Gmean", "Jttr", "Javg",
    "Jmax", "Jint",
];
/// The columns of a report without a `HOST:` line: mtr's default order.
const DEFAULT_COLUMNS: [&str; 7] = ["Loss%", "Snt", "Last", "Avg", "Best", "Wrst", "StDev"];

/// Reads an mtr report; only the first report in the input is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut columns: Vec<&str> = DEFAULT_COLUMNS.to_vec();
    // True while MPLS lines still belong to the last hop line's main responder.
    let mut mpls_target = false;
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let text = line.text.trim();
        let tokens: Vec<&str> = text.split_whitespace().collect();
        if text.starts_with("Start:") || text.starts_with("HOST:") {
            if !parsed.hops.is_empty() {
                parsed.warn(line, WarningReason::SecondTrace);
                break;
            }
            if text.starts_with("HOST:") {
                parsed.saw_banner = true;
                let titles = tokens.iter().skip(1).skip_while(|t| !TITLES.contains(t));
                columns = titles.copied().collect();
            }
            continue;
        }
        if let Some(start) = text.find("[MPLS:") {
            match (parse_mpls(&text[start..]), mpls_target, parsed.hop()) {
                (Some(label), true, Some(hop)) => {
                    for reply in hop.probes.iter_mut().flatten() {
                        reply.mpls.push(label);
                    }
                }
                (Some(_), false, _) => {} // belongs to an extra responder, which is left out
                _ => parsed.warn(line, WarningReason::Unrecognized),
            }
            continue;
        }
        if !tokens[0].ends_with('.') && !tokens[0].ends_with(".|--") {
            // An extra responder: `|  `|-- addr` (plain build) or an indented `name (addr)`
            // (builds with AS lookups), or a stray line.
            mpls_target = false;
            let host: Vec<&str> = tokens
                .iter()
                .copied()
                .skip_while(|t| t.starts_with('|') || t.starts_with('`'))
                .collect();
            let address = match host.as_slice() {
                [a] => parse_addr(a),
                [_, paren] => paren_inner(paren).and_then(parse_addr),
                _ => None,
            };
            let reason = match address {
                Some(_) => WarningReason::ExtraResponder(clip(&host.join(" "))),
                None => WarningReason::Unrecognized,
            };
            parsed.warn(line, reason);
            continue;
        }
        mpls_target = read_hop(&mut parsed, line, &tokens, &columns);
    }
    parsed
}

/// Reads `N.|-- host  values...` (or `N. AS123 host values...` with `-z`); true when a hop with
/// an address was added.
fn read_hop(parsed: &mut Parsed, line: &Line<'_>, tokens: &[&str], columns: &[&str]) -> bool {
    let Some((&first, rest)) = tokens.split_first() else {
        return false;
    };
    let (number, mut rest) = match first.strip_suffix("|--") {
        Some(n) => (n, rest),
        // With -z the AS number column replaces the tree drawing.
        None if rest.first().is_some_and(|t| t.starts_with("AS")) => (first, &rest[1..]),
        None => (first, rest),
    };
    let Some(number) = number
        .strip_suffix('.')
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    else {
        parsed.warn(line, WarningReason::Unrecognized);
        return false;
    };
    if rest.first() == Some(&"|--") {
        rest = &rest[1..];
    }
    if rest.len() <= columns.len() {
        parsed.warn(line, WarningReason::Unrecognized);
        return false;
    }
    let (host, values) = rest.split_at(rest.len() - columns.len());
    let value = |title: &str| {
        columns
            .iter()
            .position(|c| *c == title)
            .map(|i| values[i].trim_end_matches('%'))
    };
    let responder = match host {
        ["???"] => None,
        [address] if parse_addr(address).is_some() => parse_addr(address).map(|a| (a, None)),
        [name, paren] => match paren_inner(paren).and_then(parse_addr) {
            Some(a) => Some((a, host_name(name, a))),
            None if paren.starts_with('(') && !paren.ends_with(')') => {
                // `-b` without `-w` cuts the address short.
                let shown = clip(&host.join(" "));
                parsed.warn(line, WarningReason::NameWithoutAddress(shown));
                return false;
            }
            None => {
                parsed.warn(line, WarningReason::BadAddress(clip(paren)));
                return false;
            }
        },
        [name] => {
            parsed.warn(line, WarningReason::NameWithoutAddress(clip(name)));
            return false;
        }
        _ => {
            parsed.warn(line, WarningReason::IgnoredText(clip(&host.join(" "))));
            return false;
        }
    };
    let count = |title| value(title).and_then(|v| v.parse::<u64>().ok());
    let loss: Option<f64> = value("Loss%")
        .and_then(|v| v.parse().ok())
        .filter(|l: &f64| (0.0..=100.0).contains(l));
    let sent = count("Snt")
        .or_else(|| Some(count("Rcv")? + count("Drop")?))
        .unwrap_or(1);
    let received = match (count("Rcv"), loss) {
        (Some(r), _) => r.min(sent),
        (None, Some(loss)) => (sent as f64 * (1.0 - loss / 100.0)).round() as u64,
        (None, None) => {
            parsed.warn(line, WarningReason::Unrecognized);
            return false;
        }
    };
    if sent == 0 || !parsed.start_hop(line, number) {
        return false;
    }
    // Scale to at most MAX_PROBES, keeping the share answered.
    let kept = (sent as usize).min(MAX_PROBES);
    let answered = ((received as f64 / sent as f64) * kept as f64).round() as usize;
    let rtt: Option<Duration> = ["Avg", "Last", "Best"]
        .iter()
        .find_map(|t| value(t).and_then(parse_ms));
    let Some(hop) = parsed.hop() else {
        return false;
    };
    fill(hop, responder, answered, kept, rtt)
}

/// Fills `hop` with `answered` replies from `responder` followed by silent probes up to `kept`.
pub(super) fn fill(
    hop: &mut Hop,
    responder: Option<(std::net::IpAddr, Option<String>)>,
    answered: usize,
    kept: usize,
    rtt: Option<Duration>,
) -> bool {
    let Some((address, hostname)) = responder else {
        hop.probes = vec![None; kept];
        return false;
    };
    let mut reply = Reply::new(address, rtt, ReplyKind::Unknown);
    reply.hostname = hostname;
    hop.probes = (0..kept)
        .map(|i| (i < answered).then(|| reply.clone()))
        .collect();
    true
}

/// Reads `[MPLS: Lbl 24000 Exp 0 S 1 TTL 1]` (newer mtr may say `TC` for `Exp`).
fn parse_mpls(text: &str) -> Option<MplsLabel> {
    let body = text.strip_prefix("[MPLS:")?.split(']').next()?;
    let tokens: Vec<&str> = body.split_whitespace().collect();
    let mut label = MplsLabel {
        label: 0,
        tc: 0,
        bottom: false,
        ttl: 0,
    };
    let mut seen = 0;
    for pair in tokens.chunks(2) {
        let [key, value] = pair else { return None };
        let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
        match *key {
            "Lbl" => label.label = digits.parse().ok().filter(|&l| l < 1 << 20)?,
            "Exp" | "TC" => label.tc = digits.parse().ok().filter(|&t| t < 8)?,
            "S" => label.bottom = digits == "1",
            "TTL" => label.ttl = digits.parse().ok()?,
            _ => return None,
        }
        seen += 1;
    }
    (seen > 0).then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpls_lines() {
        assert_eq!(
            parse_mpls("[MPLS: Lbl 24000 Exp 0 S 1 TTL 1]"),
            Some(MplsLabel {
                label: 24000,
                tc: 0,
                bottom: true,
                ttl: 1
            })
        );
        assert_eq!(parse_mpls("[MPLS: Lbl]"), None);
        assert_eq!(parse_mpls("[MPLS: Foo 1]"), None);
    }

    #[test]
    fn loss_becomes_silent_probes() {
        let text = "HOST: h Loss%   Snt   Last   Avg  Best  Wrst StDev\n  \
                    1.|-- 192.0.2.1  30.0%    10    1.0   2.5   0.9   4.0   0.3\n";
        let p = parse(&Line::split(text));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let hop = &p.hops[0];
        assert_eq!((hop.sent(), hop.received()), (10, 7));
        let reply = hop.replies().next().unwrap();
        assert_eq!(reply.rtt, Some(Duration::from_micros(2500)));
    }

    #[test]
    fn probes_are_capped() {
        let text = "HOST: h Loss% Snt Last Avg Best Wrst StDev\n\
                    1.|-- 192.0.2.1 25.0% 100000 1.0 1.0 1.0 1.0 0.0\n";
        let p = parse(&Line::split(text));
        assert_eq!((p.hops[0].sent(), p.hops[0].received()), (MAX_PROBES, 750));
    }
}
