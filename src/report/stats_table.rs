//! The report of a monitoring run (`-c N -r`): mtr's columns — loss, sent, last, average, best,
//! worst, standard deviation — plus jitter, each hop's place and network, which loss is rate
//! limiting and which is forward loss, and where the route changed. Plain aligned text, one
//! row per (hop, responder), then the same summary as a single trace.

use super::stats::{self, HopStatsView, RttView};
use super::table::summary;
use crate::aggregate::LossKind;
use crate::distance::Units;
use crate::path::{Path, PathHop, Responder};
use comfy_table::{presets, Cell, CellAlignment, Table};

const HEADERS: [&str; 13] = [
    "Hop", "Host", "Place", "Network", "Loss%", "Snt", "Last", "Avg", "Best", "Wrst", "StDev",
    "Jttr", "Route",
];
/// Columns aligned right (numbers).
const RIGHT: [bool; 13] = [
    true, false, false, false, true, true, true, true, true, true, true, true, false,
];

/// What the letters mean, printed under the table when any hop shows one.
pub const LOSS_LEGEND: &str = "Loss: R the hop's own replies go missing (ICMP rate limiting), \
F forward loss: carries on to every later hop";

fn ms(v: Option<f64>) -> String {
    v.map(|x| {
        if x < 10.0 {
            format!("{x:.2}")
        } else if x < 100.0 {
            format!("{x:.1}")
        } else {
            format!("{x:.0}")
        }
    })
    .unwrap_or_default()
}

fn place(r: &Responder, hop: &PathHop) -> (String, String) {
    let Some(g) = &r.geo else {
        return Default::default();
    };
    if let Some(special) = g.special {
        return (special.label().to_string(), String::new());
    }
    let placed = hop.placement.as_ref().and_then(|p| p.place.clone());
    let city = placed.unwrap_or_else(|| {
        [g.city.as_deref(), g.country_code.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    });
    let network = match (g.asn, &g.isp) {
        (Some(asn), Some(isp)) => format!("AS{asn} {isp}"),
        (Some(asn), None) => format!("AS{asn}"),
        (None, Some(isp)) => isp.clone(),
        (None, None) => String::new(),
    };
    (city, network)
}

fn loss_cell(h: &HopStatsView) -> String {
    // The letter slot is always there, so the percentages line up.
    format!("{:.1}% {:<2}", h.loss_pct, h.loss_kind.letter())
}

fn route_cell(h: &HopStatsView) -> String {
    match h.route_changes.as_slice() {
        [] => String::new(),
        [one] if h.route_change_count == 1 => format!("changed at {}", one.cycle),
        [first, ..] => format!("{} changes, first at {}", h.route_change_count, first.cycle),
    }
}

fn rtt_cells(r: &RttView) -> [String; 6] {
    [
        ms(r.last_ms),
        ms(r.avg_ms),
        ms(r.best_ms),
        ms(r.worst_ms),
        ms(r.stdev_ms),
        ms(r.jitter_ms),
    ]
}

fn rows(path: &Path, hop: &PathHop) -> Vec<Vec<String>> {
    let Some(h) = stats::hop_view(path, hop) else {
        return Vec::new();
    };
    let hop_cells = |host: String, place: (String, String), rtt: &RttView, first: bool| {
        let mut row = vec![
            if first {
                hop.hop.to_string()
            } else {
                String::new()
            },
            host,
            place.0,
            place.1,
        ];
        if first {
            row.extend([loss_cell(&h), h.sent.to_string()]);
        } else {
            row.extend([String::new(), String::new()]);
        }
        row.extend(rtt_cells(rtt));
        row.push(if first { route_cell(&h) } else { String::new() });
        row
    };
    if hop.responders.is_empty() {
        return vec![hop_cells("???".into(), Default::default(), &h.rtt, true)];
    }
    let several = hop.responders.len() > 1;
    hop.responders
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let host = r
                .hostname
                .clone()
                .map(|n| format!("{n} ({})", r.address))
                .unwrap_or_else(|| r.address.to_string());
            // With several responders each shows its own RTTs; the hop's line is the first.
            let rtt = if several {
                stats::responder_view(path, hop, r.address).map_or(h.rtt, |v| v.rtt)
            } else {
                h.rtt
            };
            hop_cells(host, place(r, hop), &rtt, i == 0)
        })
        .collect()
}

/// The report of `path`, whose statistics must be set (`Path::stats`).
pub fn render(path: &Path, units: Units) -> String {
    let body: Vec<Vec<String>> = path.hops.iter().flat_map(|h| rows(path, h)).collect();
    let keep: Vec<usize> = (0..HEADERS.len())
        .filter(|&i| i < 2 || (4..12).contains(&i) || body.iter().any(|r| !r[i].is_empty()))
        .collect();
    let mut table = Table::new();
    table.load_style(presets::NOTHING).force_no_tty();
    table.set_header(keep.iter().map(|&i| Cell::new(HEADERS[i])));
    for row in &body {
        table.add_row(keep.iter().map(|&i| {
            let cell = Cell::new(&row[i]);
            if RIGHT[i] {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    let mut out = table.to_string();
    out.push('\n');
    let any_letter = path
        .hops
        .iter()
        .filter_map(|h| path.loss_verdict(h.hop))
        .any(|v| !matches!(v.kind, LossKind::None | LossKind::NoReply));
    if any_letter {
        out.push_str(LOSS_LEGEND);
        out.push('\n');
    }
    if let Some(s) = &path.stats {
        let reached = if s.reached == s.cycles {
            "every cycle".to_string()
        } else {
            format!("{} of them", s.reached)
        };
        out.push_str(&format!(
            "{} cycles; the destination answered in {reached}.\n",
            s.cycles
        ));
    }
    out.push_str(&summary(path, units));
    out
}
