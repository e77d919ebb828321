//! Windows `pathping` output (English).
//!
//! pathping first lists the path as `tracert` does (without RTTs), then pings every hop for a
//! while and prints a statistics table:
//!
//! ```text
//! Tracing route to contoso1 [10.54.1.196]
//! over a maximum of 30 hops:
//!   0  172.16.87.35
//!   1  172.16.87.218
//! Computing statistics for 125 seconds...
//!             Source to Here   This Node/Link
//! Hop  RTT    Lost/Sent = Pct  Lost/Sent = Pct  Address
//!   0                                           172.16.87.35
//!                                 0/ 100 =  0%   |
//!   1   41ms     0/ 100 =  0%     0/ 100 =  0%  172.16.87.218
//! Trace complete.
//! ```
//!
//! Hop 0 is this machine (the trace's source). Each hop of the table becomes `Sent` probes of
//! which `Sent - Lost` ("Source to Here") were answered, each with the RTT shown; the link
//! lines (`|`) are about the links, not the routers, and are skipped. When the table is missing
//! (pathping stopped before it), the list gives one answered probe per hop, with no RTT.

use super::common::{clip, host_name, is_hop_number, parse_addr, parse_ms, Header, Line, Parsed};
use super::mtr::{fill, MAX_PROBES};
use super::WarningReason;
use std::net::IpAddr;

/// Which part of the output is being read.
#[derive(PartialEq)]
enum Part {
    List,
    Table,
}

/// Reads pathping output; only the first trace in the input is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut list = Parsed::default();
    let mut table = Parsed::default();
    let mut part = Part::List;
    let mut header: Option<Header> = None;
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let text = line.text.trim();
        if is_shell_prompt(text) {
            continue;
        }
        if let Some(rest) = text.strip_prefix("Tracing route to ") {
            if header.is_some() {
                table.warn(line, WarningReason::SecondTrace);
                break;
            }
            header = Some(target(rest));
            continue;
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("computing statistics for") {
            part = Part::Table;
            table.saw_banner = true;
            continue;
        }
        if text.starts_with("over a maximum of ")
            || text == "Trace complete."
            || text == "Source to Here   This Node/Link"
            || lower.starts_with("hop  rtt")
            || text.ends_with('|') && text.contains("/")
        {
            continue;
        }
        let tokens: Vec<&str> = text.split_whitespace().collect();
        if !tokens.first().is_some_and(|t| is_hop_number(t)) {
            let target = if part == Part::List {
                &mut list
            } else {
                &mut table
            };
            target.warn(line, WarningReason::Unrecognized);
            continue;
        }
        match part {
            Part::List => list_line(&mut list, line, &tokens, &mut header),
            Part::Table => table_line(&mut table, line, &tokens, &mut header),
        }
    }
    let mut parsed = if table.saw_banner { table } else { list };
    // `tracert` never prints a hop 0: with the banner, it tells pathping's list apart.
    parsed.saw_banner |= header.as_ref().is_some_and(|h| h.source.is_some());
    parsed.header = header;
    parsed
}

/// `C:\Users\me>pathping …` or `PS C:\> pathping …`: the command typed, not output.
fn is_shell_prompt(text: &str) -> bool {
    let text = text.strip_prefix("PS ").unwrap_or(text);
    let bytes = text.as_bytes();
    bytes.len() > 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'\\'
        && text
            .split_once('>')
            .is_some_and(|(_, command)| command.trim_start().starts_with("pathping"))
}

/// `NAME [ADDR]` or `ADDR` after `Tracing route to `.
fn target(rest: &str) -> Header {
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let name = tokens.first().map(|t| crate::text::sanitize_name(t));
    let address = tokens
        .get(1)
        .and_then(|t| t.strip_prefix('[')?.strip_suffix(']'))
        .and_then(parse_addr)
        .or_else(|| tokens.first().and_then(|t| parse_addr(t)));
    Header {
        target: name.filter(|n| !n.is_empty()),
        address,
        source: None,
    }
}

/// The responder at the end of a line: `NAME [ADDR]` or `ADDR`. `Err` quotes what it was.
fn responder(tokens: &[&str]) -> Result<(IpAddr, Option<String>), String> {
    match tokens {
        [.., name, bracketed] if bracketed.starts_with('[') => {
            let address = bracketed
                .strip_prefix('[')
                .and_then(|b| b.strip_suffix(']'))
                .and_then(parse_addr)
                .ok_or_else(|| clip(bracketed))?;
            Ok((address, host_name(name, address)))
        }
        [.., last] => parse_addr(last)
            .map(|a| (a, None))
            .ok_or_else(|| clip(last)),
        [] => Err(String::new()),
    }
}

/// A line of the first list: `N  RESPONDER`, or `N  *  *  *`.
fn list_line(parsed: &mut Parsed, line: &Line<'_>, tokens: &[&str], header: &mut Option<Header>) {
    let rest = &tokens[1..];
    if tokens[0] == "0" {
        if let (Ok((a, _)), Some(h)) = (responder(rest), header.as_mut()) {
            h.source = Some(a);
        }
        return;
    }
    if !parsed.start_hop(line, tokens[0]) {
        return;
    }
    if !rest.is_empty() && rest.iter().all(|t| *t == "*") {
        if let Some(hop) = parsed.hop() {
            hop.probes = vec![None; rest.len()];
        }
        return;
    }
    match responder(rest) {
        Ok(r) if rest.len() <= 2 => {
            if let Some(hop) = parsed.hop() {
                fill(hop, Some(r), 1, 1, None);
            }
        }
        Ok(_) | Err(_) => {
            parsed.hops.pop();
            parsed.warn(line, WarningReason::IgnoredText(clip(&rest.join(" "))));
        }
    }
}

/// A line of the statistics table: `N  RTT  L/S = P%  L/S = P%  RESPONDER` (hop 0: only the
/// responder).
fn table_line(parsed: &mut Parsed, line: &Line<'_>, tokens: &[&str], header: &mut Option<Header>) {
    let rest = &tokens[1..];
    if tokens[0] == "0" {
        match (responder(rest), header.as_mut()) {
            (Ok((a, _)), Some(h)) => h.source = Some(a),
            (Ok(_), None) => {}
            (Err(bad), _) => parsed.warn(line, WarningReason::BadAddress(bad)),
        }
        return;
    }
    let Some(rtt_token) = rest.first() else {
        parsed.warn(line, WarningReason::Unrecognized);
        return;
    };
    let rtt = match *rtt_token {
        "---" => None,
        t => match t.strip_suffix("ms").and_then(parse_ms) {
            Some(rtt) => Some(rtt),
            None => {
                parsed.warn(line, WarningReason::IgnoredText(clip(t)));
                return;
            }
        },
    };
    // The counts, spaces removed: "0/100=0%0/100=0%".
    let end = rest.len().saturating_sub(match rest.last() {
        Some(t) if t.starts_with('[') => 2,
        _ => 1,
    });
    let counts: String = rest[1..end.max(1)].concat();
    let Some((lost, sent)) = counts.split('%').next().and_then(lost_sent) else {
        parsed.warn(line, WarningReason::Unrecognized);
        return;
    };
    let who = match responder(&rest[end.max(1)..]) {
        Ok(r) => r,
        Err(bad) => {
            parsed.warn(line, WarningReason::BadAddress(bad));
            return;
        }
    };
    if sent == 0 || lost > sent || !parsed.start_hop(line, tokens[0]) {
        return;
    }
    let kept = (sent as usize).min(MAX_PROBES);
    let answered = ((sent - lost) as f64 / sent as f64 * kept as f64).round() as usize;
    if let Some(hop) = parsed.hop() {
        fill(hop, Some(who), answered, kept, rtt);
    }
}

/// `L/S=P` as (lost, sent).
fn lost_sent(group: &str) -> Option<(u64, u64)> {
    let (counts, _pct) = group.split_once('=')?;
    let (lost, sent) = counts.split_once('/')?;
    Some((lost.parse().ok()?, sent.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(lost_sent("13/100=13"), Some((13, 100)));
        assert_eq!(lost_sent("100/100=100"), Some((100, 100)));
        assert_eq!(lost_sent("x/100=1"), None);
    }

    #[test]
    fn a_list_without_its_table() {
        let text = "Tracing route to 192.0.2.9 over a maximum of 30 hops\n  0  host.example [192.0.2.200]\n  1  192.0.2.1\n  2     *        *        *\n  3  gw.example [192.0.2.9]\n";
        let p = parse(&Line::split(text));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let h = p.header.as_ref().unwrap();
        assert_eq!(h.source, Some("192.0.2.200".parse().unwrap()));
        let shape: Vec<(u8, usize, usize)> = p
            .hops
            .iter()
            .map(|h| (h.ttl, h.sent(), h.received()))
            .collect();
        assert_eq!(shape, [(1, 1, 1), (2, 3, 0), (3, 1, 1)]);
    }
}
