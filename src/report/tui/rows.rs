//! The hop table's content: path hops (names, places, networks) and statistics (loss, RTTs)
//! joined by TTL, as text cells, and which columns fit a given width.
//!
//! Places and networks are written by the final table's helpers (`report::table`), so the live
//! view and the final table say the same thing of a hop.

use crate::aggregate::{Aggregate, HopStats, LossKind, RttStats};
use crate::path::{Path, PathHop};
use crate::report::table::{hinted, loc_code, short_place, shorten};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Marks a hop whose responder changed between cycles.
pub const ROUTE_CHANGE_MARK: &str = "↻";

/// One line of a hop: a responder and where it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub host: String,
    pub place: String,
    pub network: String,
}

/// One hop of the table (one or more lines).
#[derive(Debug, Clone, PartialEq)]
pub struct HopRow {
    pub ttl: u8,
    /// The responder changed between cycles.
    pub changed: bool,
    /// At least one line; a silent hop has host `???`.
    pub lines: Vec<Line>,
    /// `12.5%` and the loss kind's letter (`R`, `F`, `FR`).
    pub loss: String,
    pub sent: String,
    /// Last, Avg, Best, Wrst, StDev, Jitter.
    pub rtt: [String; 6],
}

/// The table's columns, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Col {
    Hop,
    Host,
    Place,
    Network,
    Loss,
    Snt,
    Last,
    Avg,
    Best,
    Wrst,
    StDev,
    Jitter,
}

impl Col {
    pub const ALL: [Col; 12] = [
        Col::Hop,
        Col::Host,
        Col::Place,
        Col::Network,
        Col::Loss,
        Col::Snt,
        Col::Last,
        Col::Avg,
        Col::Best,
        Col::Wrst,
        Col::StDev,
        Col::Jitter,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Col::Hop => "Hop",
            Col::Host => "Host",
            Col::Place => "Place",
            Col::Network => "Network",
            Col::Loss => "Loss%",
            Col::Snt => "Snt",
            Col::Last => "Last",
            Col::Avg => "Avg",
            Col::Best => "Best",
            Col::Wrst => "Wrst",
            Col::StDev => "StDev",
            Col::Jitter => "Jitter",
        }
    }

    /// Numbers are right-aligned.
    pub fn right(self) -> bool {
        !matches!(self, Col::Host | Col::Place | Col::Network)
    }

    /// The text of this column on line `i` of `row` (numbers on the first line only).
    pub fn text(self, row: &HopRow, i: usize) -> String {
        let line = &row.lines[i];
        let first = i == 0;
        let only_first = |s: &String| if first { s.clone() } else { String::new() };
        match self {
            Col::Hop if first && row.changed => format!("{}{ROUTE_CHANGE_MARK}", row.ttl),
            Col::Hop if first => row.ttl.to_string(),
            Col::Hop => String::new(),
            Col::Host => line.host.clone(),
            Col::Place => line.place.clone(),
            Col::Network => line.network.clone(),
            Col::Loss => only_first(&row.loss),
            Col::Snt => only_first(&row.sent),
            Col::Last => only_first(&row.rtt[0]),
            Col::Avg => only_first(&row.rtt[1]),
            Col::Best => only_first(&row.rtt[2]),
            Col::Wrst => only_first(&row.rtt[3]),
            Col::StDev => only_first(&row.rtt[4]),
            Col::Jitter => only_first(&row.rtt[5]),
        }
    }
}

/// Columns dropped, first to last, when the terminal is too narrow for all of them.
const DROP_ORDER: [Col; 4] = [Col::Network, Col::Jitter, Col::StDev, Col::Place];
/// The host column never gets narrower than this while a column can still go.
const HOST_MIN: usize = 16;
const HOST_MAX: usize = 40;
const PLACE_MAX: usize = 24;
const NETWORK_MAX: usize = 22;
/// Blank columns between two table columns.
pub const SPACING: usize = 1;

/// An RTT in few characters: two decimals under 10 ms (namespace and LAN hops), one under a
/// second, none beyond.
pub fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) if v < 1000.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.0}"),
    }
}

fn rtt_cells(r: &RttStats) -> [String; 6] {
    [
        ms(r.last_ms),
        ms(r.avg_ms()),
        ms(r.best_ms),
        ms(r.worst_ms),
        ms(r.stdev_ms()),
        ms(r.jitter_ms()),
    ]
}

/// Host name when known, else the address; the place (with its source letter) and network.
fn line(address: IpAddr, hop: Option<&PathHop>, first: bool) -> Line {
    let found = hop.and_then(|h| Some((h, h.responders.iter().find(|r| r.address == address)?)));
    let Some((hop, r)) = found else {
        return Line {
            host: address.to_string(),
            ..Line::default()
        };
    };
    let (mut place, network, _) = short_place(r);
    if first {
        if let Some(p) = hinted(hop) {
            place = p.place.clone().unwrap_or_default();
        }
        if hop.placement.is_some() {
            place = format!("{} {place}", loc_code(hop));
        }
    }
    Line {
        host: r.hostname.clone().unwrap_or_else(|| r.address.to_string()),
        place,
        network,
    }
}

/// The table's rows: every TTL the statistics or the path know, up to the destination.
pub fn rows(path: &Path, stats: &Aggregate) -> Vec<HopRow> {
    let end = stats.destination_ttl;
    let path_hops: BTreeMap<u8, &PathHop> = path
        .hops
        .iter()
        .filter(|h| end.is_none_or(|e| h.hop <= e))
        .map(|h| (h.hop, h))
        .collect();
    let stat_hops: BTreeMap<u8, &HopStats> = stats.hops().map(|h| (h.ttl, h)).collect();
    let verdicts: BTreeMap<u8, LossKind> = stats
        .loss_verdicts()
        .into_iter()
        .map(|(ttl, v)| (ttl, v.kind))
        .collect();
    let ttls: BTreeSet<u8> = path_hops.keys().chain(stat_hops.keys()).copied().collect();
    ttls.into_iter()
        .map(|ttl| {
            let p = path_hops.get(&ttl).copied();
            let s = stat_hops.get(&ttl).copied();
            // Responders in the order they first answered, then any only the path knows.
            let mut addresses: Vec<IpAddr> = s
                .map(|s| s.responders.iter().map(|r| r.address).collect())
                .unwrap_or_default();
            for r in p.map(|p| p.responders.as_slice()).unwrap_or_default() {
                if !addresses.contains(&r.address) {
                    addresses.push(r.address);
                }
            }
            let mut lines: Vec<Line> = addresses
                .iter()
                .enumerate()
                .map(|(i, &a)| line(a, p, i == 0))
                .collect();
            if lines.is_empty() {
                lines.push(Line {
                    host: "???".into(),
                    ..Line::default()
                });
            }
            let (loss, sent, rtt) = match s {
                Some(s) => (s.loss_pct(), s.sent.to_string(), rtt_cells(&s.rtt)),
                None => {
                    let p = p.expect("a TTL comes from the path or the statistics");
                    (
                        p.loss_pct,
                        p.sent.to_string(),
                        std::array::from_fn(|_| "-".to_string()),
                    )
                }
            };
            let letter = verdicts.get(&ttl).map_or("", |k| k.letter());
            HopRow {
                ttl,
                changed: s.is_some_and(|s| s.route_change_count > 0),
                lines,
                loss: format!("{loss:.1}%{letter}"),
                sent,
                rtt,
            }
        })
        .collect()
}

/// The columns shown in `width` cells and the width of each.
pub fn layout(rows: &[HopRow], width: usize) -> Vec<(Col, usize)> {
    let natural = |c: Col| -> usize {
        rows.iter()
            .flat_map(|r| (0..r.lines.len()).map(move |i| c.text(r, i).chars().count()))
            .max()
            .unwrap_or(0)
            .max(c.title().len())
    };
    let mut cols: Vec<(Col, usize)> = Col::ALL
        .iter()
        .map(|&c| {
            let w = match c {
                Col::Host => natural(c).min(HOST_MAX),
                Col::Place => natural(c).min(PLACE_MAX),
                Col::Network => natural(c).min(NETWORK_MAX),
                // Numbers keep their width as they change, so columns do not jump.
                Col::Loss => natural(c).max(7),
                Col::Hop => natural(c).max(3),
                Col::Snt => natural(c).max(4),
                _ => natural(c).max(5),
            };
            (c, w)
        })
        .collect();
    // Place and network are worth showing only when someone filled them.
    cols.retain(|&(c, _)| {
        !matches!(c, Col::Place | Col::Network)
            || rows
                .iter()
                .any(|r| (0..r.lines.len()).any(|i| !c.text(r, i).is_empty()))
    });
    let others = |cols: &[(Col, usize)]| -> usize {
        cols.iter()
            .filter(|(c, _)| *c != Col::Host)
            .map(|(_, w)| w + SPACING)
            .sum()
    };
    let host_wanted = natural(Col::Host).min(HOST_MIN);
    for drop in DROP_ORDER {
        if width.saturating_sub(others(&cols)) >= host_wanted {
            break;
        }
        cols.retain(|&(c, _)| c != drop);
    }
    let room = width.saturating_sub(others(&cols));
    for (c, w) in cols.iter_mut() {
        if *c == Col::Host {
            *w = (*w).max(Col::Host.title().len()).min(room);
        }
    }
    cols
}

/// A cell's text fitted to its column: long names lose their middle, not their ends.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        shorten(text, width)
    }
}
