//! `mtr --json`: one run's report as a JSON document, `{"report": {"mtr": {...}, "hubs": [...]}}`.
//!
//! Each hub is what one line of `mtr --report` shows (`count` is the hop, `host` the responder
//! as mtr printed it: an address with `-n`, `name (address)` with `-b`, a bare name by
//! default), so it is read exactly as the report reader reads that line: `Snt` probes of which
//! as many answered as `Loss%` says, each carrying the average RTT. Warnings name the line of
//! the hub's `host` field.

use super::common::{clip, host_name, paren_inner, parse_addr, Header, Line, Parsed};
use super::mtr::{fill, MAX_PROBES};
use super::{ImportError, Imported, InputFormat, WarningReason};
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
struct Document {
    report: Report,
}

#[derive(Deserialize)]
struct Report {
    mtr: Option<Run>,
    #[serde(default)]
    hubs: Vec<Hub>,
}

#[derive(Deserialize)]
struct Run {
    dst: Option<String>,
}

#[derive(Deserialize)]
struct Hub {
    count: Option<serde_json::Value>,
    host: Option<String>,
    #[serde(rename = "Loss%")]
    loss: Option<f64>,
    #[serde(rename = "Snt")]
    sent: Option<u64>,
    #[serde(rename = "Avg")]
    avg: Option<f64>,
}

/// Reads an `mtr --json` document.
pub(super) fn parse(bytes: &[u8], name: &str) -> Result<Imported, ImportError> {
    let text = String::from_utf8_lossy(bytes);
    let no_hops = |warnings| ImportError::NoHops {
        name: name.into(),
        format: Some(InputFormat::MtrJson),
        warnings,
    };
    let doc: Document = match serde_json::from_slice(bytes) {
        Ok(d) => d,
        Err(e) => {
            let line = Line {
                number: e.line().max(1),
                text: "",
            };
            let mut parsed = Parsed::default();
            parsed.warn(
                &line,
                WarningReason::BadRecord(format!("not mtr JSON: {e}")),
            );
            return Err(no_hops(parsed.take_warnings()));
        }
    };
    let lines = Line::split(&text);
    // The line of each hub's "host" field, for warnings.
    let host_lines: Vec<usize> = lines
        .iter()
        .filter(|l| l.text.contains("\"host\""))
        .map(|l| l.number)
        .collect();
    let mut parsed = Parsed {
        saw_banner: true,
        ..Parsed::default()
    };
    let target = doc
        .report
        .mtr
        .and_then(|m| m.dst)
        .map(|d| crate::text::sanitize_name(&d));
    parsed.header = Some(Header {
        address: target.as_deref().and_then(parse_addr),
        target,
        source: None,
    });
    for (i, hub) in doc.report.hubs.iter().enumerate() {
        let line = Line {
            number: host_lines.get(i).copied().unwrap_or(1),
            text: hub.host.as_deref().unwrap_or(""),
        };
        read_hub(&mut parsed, &line, hub);
    }
    if parsed.hops.iter().all(|h| h.received() == 0) {
        return Err(no_hops(parsed.take_warnings()));
    }
    let warnings = parsed.take_warnings();
    Ok(Imported {
        trace: super::build_trace(parsed, InputFormat::MtrJson),
        format: InputFormat::MtrJson,
        warnings,
    })
}

fn read_hub(parsed: &mut Parsed, line: &Line<'_>, hub: &Hub) {
    let number = match &hub.count {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let host: Vec<&str> = line.text.split_whitespace().collect();
    let responder = match host.as_slice() {
        ["???"] => None,
        [address] if parse_addr(address).is_some() => parse_addr(address).map(|a| (a, None)),
        [name, paren] => match paren_inner(paren).and_then(parse_addr) {
            Some(a) => Some((a, host_name(name, a))),
            None => {
                parsed.warn(line, WarningReason::BadAddress(clip(paren)));
                return;
            }
        },
        [name] => {
            parsed.warn(line, WarningReason::NameWithoutAddress(clip(name)));
            return;
        }
        _ => {
            parsed.warn(line, WarningReason::Unrecognized);
            return;
        }
    };
    let sent = hub.sent.unwrap_or(1);
    let loss = hub
        .loss
        .filter(|l| (0.0..=100.0).contains(l))
        .unwrap_or(0.0);
    if sent == 0 || !parsed.start_hop(line, &number) {
        return;
    }
    let kept = (sent as usize).min(MAX_PROBES);
    let answered = (kept as f64 * (1.0 - loss / 100.0)).round() as usize;
    let rtt: Option<Duration> = hub.avg.and_then(super::common::ms_duration);
    if let Some(hop) = parsed.hop() {
        fill(hop, responder, answered, kept, rtt);
    }
}
