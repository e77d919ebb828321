//! CSV export: a header, then one row per (hop, responder); a silent hop has one row with an
//! empty `ip`. Cells that a spreadsheet would run as a formula are neutralised.
//!
//! `city` … `longitude` say where the hop is *placed* after the checks (what a map of the
//! file should show: a router named `losangeles1` is in Los Angeles there); `geoip_*` keep
//! what the databases said of the responder. Numbers are rounded as people read them: RTTs to
//! the microsecond, coordinates to 4 decimals (11 m), distances to 0.1.
//!
//! A multipath trace (`--multipath`) places every responder on its own, so each row's place
//! columns are that responder's (in its branch's context), an unknown vertex has a row with an
//! empty `ip`, and a last column, `linked_from`, names the previous-hop responders that lead to
//! it (`;`-separated, `*` for an unknown vertex). Other traces have neither.

use super::stats;
use crate::geo::Location;
use crate::multipath::Multipath;
use crate::path::{Adjacency, LocationSource, Path, PathHop, Responder};
use std::io::Write;

/// The columns, in order.
pub const COLUMNS: &[&str] = &[
    "hop",
    "ip",
    "hostname",
    "city",
    "region",
    "country",
    "country_code",
    "latitude",
    "longitude",
    "place",
    "location_source",
    "flags",
    "asn",
    "isp",
    "geoip_city",
    "geoip_region",
    "geoip_country",
    "geoip_country_code",
    "geoip_latitude",
    "geoip_longitude",
    "accuracy_km",
    "special",
    "location_db",
    "asn_db",
    "rtt_min_ms",
    "rtt_avg_ms",
    "rtt_max_ms",
    "loss_pct",
    "sent",
    "received",
    "rtts_ms",
    "marks",
    "mpls_labels",
    "leg_miles",
    "leg_km",
    "cumulative_miles",
    "cumulative_km",
    "last_ms",
    "stdev_ms",
    "jitter_ms",
    "jitter_max_ms",
    "loss_kind",
    "forward_loss_pct",
    "route_changes",
    "confidence",
];

/// Prefix text that a spreadsheet would take for a formula with `'` (OWASP's advice); numbers,
/// including negative ones, are left alone.
pub fn neutralise(cell: &str) -> String {
    if risky(cell) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// [`neutralise`] of a cell already owned: most cells are safe and are kept as they are.
fn neutralised(cell: String) -> String {
    if risky(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

fn risky(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err()
}

fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_default()
}

pub(crate) fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn coordinate(v: f64) -> String {
    format!("{v:.4}")
}

/// What the databases said: `geoip_city` to `geoip_longitude`, `accuracy_km`, `special`.
fn geoip_cells(g: Option<&Location>) -> [String; 8] {
    [
        opt(g.and_then(|g| g.city.clone())),
        opt(g.and_then(|g| g.region.clone())),
        opt(g.and_then(|g| g.country.clone())),
        opt(g.and_then(|g| g.country_code.clone())),
        opt(g.and_then(|g| g.latitude).map(coordinate)),
        opt(g.and_then(|g| g.longitude).map(coordinate)),
        opt(g.and_then(|g| g.accuracy_km)),
        opt(g.and_then(|g| g.special).map(|s| s.label())),
    ]
}

/// The bulk geo columns `city` to `special` (an address list has no checks: its place is
/// GeoIP's answer), empty cells where nothing is known.
pub fn geo_cells(g: Option<&Location>) -> [String; 10] {
    [
        opt(g.and_then(|g| g.city.clone())),
        opt(g.and_then(|g| g.region.clone())),
        opt(g.and_then(|g| g.country.clone())),
        opt(g.and_then(|g| g.country_code.clone())),
        opt(g.and_then(|g| g.asn)),
        opt(g.and_then(|g| g.isp.clone())),
        opt(g.and_then(|g| g.latitude).map(coordinate)),
        opt(g.and_then(|g| g.longitude).map(coordinate)),
        opt(g.and_then(|g| g.accuracy_km)),
        opt(g.and_then(|g| g.special).map(|s| s.label())),
    ]
}

fn record(path: &Path, hop: &PathHop, r: Option<&Responder>, first: bool) -> Vec<String> {
    // In a multipath trace each responder is placed on its own, in its branch's context (its
    // leg is the branch's leg into it), on every row.
    let own = r.and_then(|r| path.node(hop.hop, r.address));
    let (place_hop, first) = match own {
        Some(node) => (node, true),
        None => (hop, first),
    };
    let rtts = r
        .map(|r| {
            r.rtts_ms
                .iter()
                .map(|x| format!("{x:.3}"))
                .collect::<Vec<_>>()
                .join(";")
        })
        .unwrap_or_default();
    let g = r.and_then(|r| r.geo.as_ref());
    let source = place_hop
        .placement
        .as_ref()
        .map(|p| p.source)
        .unwrap_or(LocationSource::None);
    // The leg belongs to the hop: it is written once, on the hop's first row.
    let leg = place_hop.leg.as_ref().filter(|_| first);
    // Where the hop is placed after the checks (a host name hint may move it from GeoIP's
    // answer); on the hop's first row, like the leg.
    let placed = if first { place_hop.placed() } else { None };
    let name = placed.as_ref().map(|p| &p.name);
    let mut cells = vec![
        hop.hop.to_string(),
        opt(r.map(|r| r.address)),
        opt(r.and_then(|r| r.hostname.clone())),
        opt(name.and_then(|n| n.city.clone())),
        opt(name.and_then(|n| n.region.clone())),
        opt(name.and_then(|n| n.country.clone())),
        opt(name.and_then(|n| n.country_code.clone())),
        opt(placed.as_ref().map(|p| coordinate(p.latitude))),
        opt(placed.as_ref().map(|p| coordinate(p.longitude))),
        opt(placed.as_ref().map(|p| p.label.clone())),
        source.as_str().to_string(),
        place_hop.flags.join(" "),
        opt(g.and_then(|g| g.asn)),
        opt(g.and_then(|g| g.isp.clone())),
    ];
    cells.extend(geoip_cells(g));
    cells.extend([
        opt(g.and_then(|g| g.location_db.clone())),
        opt(g.and_then(|g| g.asn_db.clone())),
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
        opt(leg.map(|l| format!("{:.1}", l.miles))),
        opt(leg.map(|l| format!("{:.1}", l.km))),
        opt(leg.map(|l| format!("{:.1}", l.cumulative_miles))),
        opt(leg.map(|l| format!("{:.1}", l.cumulative_km))),
    ]);
    monitored(path, hop, r, &mut cells);
    let placement = place_hop.placement.as_ref().filter(|_| first);
    cells.push(opt(placement.map(|p| p.confidence.as_str())));
    cells
}

/// Over many cycles (`-c`), the RTT and count columns hold the responder's figures over all
/// cycles, and the statistics columns are filled; a single trace leaves them empty.
fn monitored(path: &Path, hop: &PathHop, r: Option<&Responder>, cells: &mut Vec<String>) {
    let col = |name: &str| {
        COLUMNS
            .iter()
            .position(|c| *c == name)
            .expect("known column")
    };
    let Some(h) = stats::hop_view(path, hop) else {
        cells.extend(std::iter::repeat_n(String::new(), 7));
        return;
    };
    let rv = r.and_then(|r| stats::responder_view(path, hop, r.address));
    let rtt = rv.as_ref().map(|v| v.rtt).unwrap_or(h.rtt);
    cells[col("rtt_min_ms")] = num(rtt.best_ms);
    cells[col("rtt_avg_ms")] = num(rtt.avg_ms);
    cells[col("rtt_max_ms")] = num(rtt.worst_ms);
    cells[col("received")] = rv.as_ref().map_or(h.received, |v| v.received).to_string();
    cells[col("rtts_ms")] = String::new();
    cells.extend([
        num(rtt.last_ms),
        num(rtt.stdev_ms),
        num(rtt.jitter_ms),
        num(rtt.jitter_max_ms),
        stats::loss_kind_name(h.loss_kind).to_string(),
        format!("{:.1}", h.forward_loss_pct),
        stats::changes_cell(&h.route_changes),
    ]);
}

/// The rows of `path` under [`COLUMNS`], neutralised: one per (hop, responder), one for a
/// silent hop (in a multipath trace, one per unknown vertex). The many-trace export writes
/// these same rows after its `trace` column.
pub fn rows(path: &Path) -> impl Iterator<Item = Vec<String>> + '_ {
    rows_of(path, false)
}

/// The rows, with the `linked_from` cell last when `linked`.
fn rows_of(path: &Path, linked: bool) -> impl Iterator<Item = Vec<String>> + '_ {
    let graph = path.trace.multipath.as_ref();
    let adj = graph.map(Adjacency::of).unwrap_or_default();
    path.hops.iter().flat_map(move |hop| {
        let mut out: Vec<(Vec<String>, String)> = Vec::new();
        let unknown: Vec<usize> = graph.map_or(Vec::new(), |m| {
            (0..m.nodes.len())
                .filter(|&i| m.nodes[i].ttl == hop.hop && m.nodes[i].address.is_none())
                .collect()
        });
        for (i, r) in hop.responders.iter().enumerate() {
            let from = graph
                .and_then(|m| Some((m, m.find(hop.hop, r.address)?)))
                .map(|(m, v)| linked_from(m, &adj, v))
                .unwrap_or_default();
            out.push((record(path, hop, Some(r), i == 0), from));
        }
        for &v in &unknown {
            let first = out.is_empty();
            let from = graph.map(|m| linked_from(m, &adj, v)).unwrap_or_default();
            out.push((record(path, hop, None, first), from));
        }
        if out.is_empty() {
            out.push((record(path, hop, None, true), String::new()));
        }
        out.into_iter().map(move |(mut cells, from)| {
            if linked {
                cells.push(from);
            }
            cells.into_iter().map(neutralised).collect()
        })
    })
}

/// The previous-hop vertices that lead to vertex `v`: addresses, `*` for an unknown one,
/// `;`-separated.
fn linked_from(m: &Multipath, adj: &Adjacency, v: usize) -> String {
    adj.predecessors[v]
        .iter()
        .map(|&p| {
            m.nodes[p]
                .address
                .map_or("*".to_string(), |a| a.to_string())
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The columns of `path`'s CSV: [`COLUMNS`], and `linked_from` for a multipath trace.
pub fn columns(path: &Path) -> Vec<&'static str> {
    let mut c = COLUMNS.to_vec();
    if path.trace.multipath.is_some() {
        c.push("linked_from");
    }
    c
}

/// Write the CSV of `path` to `out`.
pub fn write(path: &Path, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns(path))?;
    for row in rows_of(path, path.trace.multipath.is_some()) {
        w.write_record(&row)?;
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
