//! Huawei VRP `tracert` (and `tracert ipv6`), as pasted from a router session:
//!
//! ```text
//! <HUAWEI> tracert 192.0.2.9
//!  traceroute to  192.0.2.9(192.0.2.9), max hops: 30 ,packet length: 40,press CTRL_C to break
//!  1 10.1.1.1 24 ms  26 ms  26 ms
//!  2 * * *
//!  3 192.0.2.9 56 ms  54 ms  55 ms
//! ```
//!
//! The hop lines are classic traceroute's (`-n` style, `*` for silence, `MPLS Label=… Exp=…`
//! lines under a hop), so they are read by [`super::traceroute`]; this reader only knows VRP's
//! own parts: the `<NAME>` / `[NAME]` prompt and the banner, whose `ADDR(ADDR)` target and
//! `max hops:` / `bytes packet` wording no other traceroute prints. H3C/HPE Comware prints the
//! same banner shape (`30 hops at most, 40 bytes each packet, press CTRL_C to break`).

use super::common::{parse_addr, Header, Line, Parsed};
use super::WarningReason;

/// Reads VRP tracert output; only the first trace is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut header: Option<Header> = None;
    let mut second: Option<Line<'_>> = None;
    let mut hop_lines = Vec::new();
    for line in lines {
        let text = line.text.trim();
        if is_prompt(text) {
            continue;
        }
        if let Some(rest) = text
            .strip_prefix("traceroute to ")
            .filter(|r| is_vrp_banner(r))
        {
            if header.is_some() {
                second = Some(*line);
                break;
            }
            header = Some(banner(rest));
            continue;
        }
        hop_lines.push(*line);
    }
    let mut parsed = super::traceroute::parse(&hop_lines);
    // Only VRP's own banner says this is VRP; a Linux banner read by the line reader does not.
    parsed.saw_banner = header.is_some();
    if header.is_some() {
        parsed.header = header;
    }
    if let Some(line) = second {
        parsed.warn(&line, WarningReason::SecondTrace);
    }
    parsed
}

/// `<HUAWEI> tracert …`, `[~HUAWEI] tracert …`: a VRP prompt with the command, or alone.
fn is_prompt(text: &str) -> bool {
    let Some((prompt, command)) = text
        .strip_prefix('<')
        .and_then(|t| t.split_once('>'))
        .or_else(|| text.strip_prefix('[').and_then(|t| t.split_once(']')))
    else {
        return false;
    };
    let command = command.trim();
    !prompt.is_empty()
        && !prompt.contains(char::is_whitespace)
        && (command.is_empty() || command.starts_with("tracert"))
}

/// VRP's banner after `traceroute to `: `ADDR(ADDR), max hops: 30 ,packet length: 40,press
/// CTRL_C to break`, or for IPv6 `ADDR  30 hops max,60 bytes packet`.
fn is_vrp_banner(rest: &str) -> bool {
    rest.contains("press CTRL_C to break")
        || rest.contains("max hops:")
        || rest.contains("hops max,") && rest.contains("bytes packet")
}

fn banner(rest: &str) -> Header {
    let first = rest
        .split([',', ' '])
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    let (name, inner) = match first.split_once('(') {
        Some((name, inner)) => (name, inner.strip_suffix(')')),
        None => (first, None),
    };
    let address = inner.and_then(parse_addr).or_else(|| parse_addr(name));
    let target = crate::text::sanitize_name(name);
    Header {
        target: (!target.is_empty()).then_some(target),
        address: address.map(|a| a.to_canonical()),
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_and_prompts() {
        let h =
            banner(" 192.0.2.9(192.0.2.9), max hops: 30 ,packet length: 40,press CTRL_C to break");
        assert_eq!(h.address, Some("192.0.2.9".parse().unwrap()));
        let h = banner("2001:DB8:2::2  30 hops max,60 bytes packet");
        assert_eq!(h.address, Some("2001:db8:2::2".parse().unwrap()));
        assert!(is_prompt("<HUAWEI> tracert 192.0.2.9"));
        assert!(is_prompt("[~PE1]tracert ipv6 2001:db8::1"));
        assert!(!is_prompt("<MTR SRC=\"h\">"));
        assert!(!is_vrp_banner(
            "192.0.2.9 (192.0.2.9), 30 hops max, 60 byte packets"
        ));
    }
}
