//! WinMTR's text export ("Export TEXT" or "Copy Text to clipboard"):
//!
//! ```text
//! |------------------------------------------------------------------------------------------|
//! |                                      WinMTR statistics                                   |
//! |                       Host              -   %  | Sent | Recv | Best | Avrg | Wrst | Last |
//! |------------------------------------------------|------|------|------|------|------|------|
//! |                             192.168.1.1 -    0 |   22 |   22 |    0 |    0 |    3 |    1 |
//! |                   No response from host -  100 |    9 |    0 |    0 |    0 |    0 |    0 |
//! |________________________________________________|______|______|______|______|______|______|
//!    WinMTR v0.92 GPL V2 by Appnor MSP - Fully Managed Hosting & Cloud Provider
//! ```
//!
//! The rows carry no hop numbers: row N is TTL N. Each row becomes `Sent` probes of which
//! `Recv` were answered, each with the average RTT (whole milliseconds). WinMTR prints a name
//! instead of the address when it resolved one; such rows are left out with a warning (the TTLs
//! of the rows after them still count), since a name is not a place. WinMTR versions align the
//! host right or left; both are read.

use super::common::{clip, ms_duration, parse_addr, Line, Parsed};
use super::mtr::{fill, MAX_PROBES};
use super::WarningReason;

/// What WinMTR prints for a hop that never answered.
const NO_RESPONSE: &str = "No response from host";

/// Reads a WinMTR text export; only the first table is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut row = 0usize;
    let mut done = false;
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let text = line.text.trim();
        let inner = text
            .strip_prefix('|')
            .and_then(|t| t.strip_suffix('|'))
            .map(str::trim);
        match inner {
            Some("WinMTR statistics") => {
                if parsed.saw_banner {
                    parsed.warn(line, WarningReason::SecondTrace);
                    break;
                }
                parsed.saw_banner = true;
                continue;
            }
            Some(i) if i.bytes().all(|b| b == b'-' || b == b'_' || b == b'|') => {
                if i.starts_with('_') && parsed.saw_banner {
                    done = true;
                }
                continue;
            }
            Some(i) if i.starts_with("Host") && i.contains("| Sent |") => continue,
            _ => {}
        }
        if text.starts_with("WinMTR") && done {
            continue; // the program's name and version, after the table
        }
        let Some(inner) = inner.filter(|_| !done) else {
            parsed.warn(line, WarningReason::Unrecognized);
            continue;
        };
        row += 1;
        read_row(&mut parsed, line, inner, row);
    }
    parsed
}

/// Reads `HOST - PCT | SENT | RECV | BEST | AVRG | WRST | LAST` as TTL `row`.
fn read_row(parsed: &mut Parsed, line: &Line<'_>, inner: &str, row: usize) {
    let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
    let Some((host, _pct)) = cells.first().and_then(|c| c.rsplit_once(" - ")) else {
        parsed.warn(line, WarningReason::Unrecognized);
        return;
    };
    let number = |i: usize| cells.get(i).and_then(|c| c.parse::<u64>().ok());
    let (Some(sent), Some(received), Some(avg)) = (number(1), number(2), number(4)) else {
        parsed.warn(line, WarningReason::Unrecognized);
        return;
    };
    let host = host.trim();
    let responder = if host == NO_RESPONSE {
        None
    } else {
        match parse_addr(host) {
            Some(a) => Some((a.to_canonical(), None)),
            None => {
                parsed.warn(line, WarningReason::NameOnly(clip(host)));
                return;
            }
        }
    };
    if row > 255 {
        parsed.warn(line, WarningReason::TooManyHops);
        return;
    }
    if sent == 0 || received > sent || !parsed.start_hop(line, &row.to_string()) {
        if received > sent {
            parsed.warn(line, WarningReason::Unrecognized);
        }
        return;
    }
    let kept = (sent as usize).min(MAX_PROBES);
    let answered = (received as f64 / sent as f64 * kept as f64).round() as usize;
    let rtt = (received > 0).then(|| ms_duration(avg as f64)).flatten();
    if let Some(hop) = parsed.hop() {
        fill(hop, responder, answered, kept, rtt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_numbered_in_order_and_names_left_out() {
        let text = "|   WinMTR statistics   |\n\
                    | 192.0.2.1 -    0 |   10 |   10 |    1 |    2 |    3 |    2 |\n\
                    | gw.example -    0 |   10 |   10 |    1 |    2 |    3 |    2 |\n\
                    | No response from host -  100 |   10 |    0 |    0 |    0 |    0 |    0 |\n\
                    | 192.0.2.9 -   20 |   10 |    8 |    5 |    6 |    9 |    6 |\n\
                    | 192.0.2.10 - x |   1 |   2 |\n";
        let p = parse(&Line::split(text));
        let shape: Vec<(u8, usize, usize)> = p
            .hops
            .iter()
            .map(|h| (h.ttl, h.sent(), h.received()))
            .collect();
        assert_eq!(shape, [(1, 10, 10), (3, 10, 0), (4, 10, 8)]);
        let lines: Vec<usize> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [3, 6]);
    }
}
