//! CSV export: a header, then one row per (hop, responder); a silent hop has one row with an
//! empty `ip`. Cells that a spreadsheet would run as a formula are neutralised.

use crate::path::{Path, PathHop, Responder};
use std::io::Write;

/// The columns, in order.
pub const COLUMNS: &[&str] = &[
    "hop",
    "ip",
    "hostname",
    "rtt_min_ms",
    "rtt_avg_ms",
    "rtt_max_ms",
    "loss_pct",
    "sent",
    "received",
    "rtts_ms",
    "marks",
    "mpls_labels",
];

/// Prefix text that a spreadsheet would take for a formula with `'` (OWASP's advice); numbers,
/// including negative ones, are left alone.
pub fn neutralise(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_default()
}

fn record(hop: &PathHop, r: Option<&Responder>) -> Vec<String> {
    let rtts = r
        .map(|r| {
            r.rtts_ms
                .iter()
                .map(|x| format!("{x:.3}"))
                .collect::<Vec<_>>()
                .join(";")
        })
        .unwrap_or_default();
    vec![
        hop.hop.to_string(),
        r.map(|r| r.address.to_string()).unwrap_or_default(),
        r.and_then(|r| r.hostname.clone()).unwrap_or_default(),
        num(r.and_then(Responder::rtt_min_ms)),
        num(r.and_then(Responder::rtt_avg_ms)),
        num(r.and_then(Responder::rtt_max_ms)),
        format!("{:.1}", hop.loss_pct),
        hop.sent.to_string(),
        r.map(|r| r.received).unwrap_or(0).to_string(),
        rtts,
        r.map(|r| r.marks.join(" ")).unwrap_or_default(),
        r.map(|r| {
            r.mpls
                .iter()
                .map(|l| l.label.to_string())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default(),
    ]
}

/// Write the CSV of `path` to `out`.
pub fn write(path: &Path, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for hop in &path.hops {
        if hop.responders.is_empty() {
            w.write_record(record(hop, None).iter().map(|c| neutralise(c)))?;
        }
        for r in &hop.responders {
            w.write_record(record(hop, Some(r)).iter().map(|c| neutralise(c)))?;
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(neutralise("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("+1+1"), "'+1+1");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("-12.5"), "-12.5");
        assert_eq!(neutralise("r1.example"), "r1.example");
    }
}
