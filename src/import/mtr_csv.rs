//! `mtr --csv`: mtr's report as comma-separated rows, one per hop, after a header naming the
//! columns (`Mtr_Version,Start_Time,Status,Host,Hop,Ip,Loss%,Snt, ,Last,Avg,Best,Wrst,StDev,`).
//!
//! Columns are found by their titles, so `-o` orders work. Each row is read as a line of
//! `mtr --report` is (`Snt` probes, as many answered as `Loss%` says, each with the average
//! RTT). Rows of a second target or run start a second trace: only the first is read.

use super::common::{clip, parse_addr, parse_ms, Header, Line, Parsed};
use super::mtr::{fill, MAX_PROBES};
use super::WarningReason;

/// Reads `mtr --csv` output.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut titles: Vec<String> = Vec::new();
    let mut run: Option<(String, String)> = None;
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let cells: Vec<&str> = line.text.split(',').map(str::trim).collect();
        if cells.first() == Some(&"Mtr_Version") {
            parsed.saw_banner = true;
            titles = cells.iter().map(|c| c.to_string()).collect();
            continue;
        }
        let cell = |title: &str| -> Option<&str> {
            let i = titles.iter().position(|t| t == title)?;
            cells.get(i).copied()
        };
        let (Some(host), Some(start), Some(number), Some(ip)) =
            (cell("Host"), cell("Start_Time"), cell("Hop"), cell("Ip"))
        else {
            parsed.warn(line, WarningReason::Unrecognized);
            continue;
        };
        match &run {
            Some(r) if r.0 != host || r.1 != start => {
                parsed.warn(line, WarningReason::SecondTrace);
                break;
            }
            Some(_) => {}
            None => {
                let target = crate::text::sanitize_name(host);
                parsed.header = Some(Header {
                    address: parse_addr(&target),
                    target: Some(target),
                    source: None,
                });
                run = Some((host.to_string(), start.to_string()));
            }
        }
        let responder = match ip {
            "???" => None,
            a => match parse_addr(a) {
                Some(a) => Some((a, None)),
                None => {
                    parsed.warn(line, WarningReason::NameWithoutAddress(clip(a)));
                    continue;
                }
            },
        };
        let sent = cell("Snt").and_then(|s| s.parse::<u64>().ok()).unwrap_or(1);
        let loss = cell("Loss%")
            .and_then(|l| l.trim_end_matches('%').parse::<f64>().ok())
            .filter(|l| (0.0..=100.0).contains(l));
        let Some(loss) = loss else {
            parsed.warn(line, WarningReason::Unrecognized);
            continue;
        };
        if sent == 0 || !parsed.start_hop(line, number) {
            continue;
        }
        let kept = (sent as usize).min(MAX_PROBES);
        let answered = (kept as f64 * (1.0 - loss / 100.0)).round() as usize;
        let rtt = cell("Avg").and_then(parse_ms);
        if let Some(hop) = parsed.hop() {
            fill(hop, responder, answered, kept, rtt);
        }
    }
    parsed
}
