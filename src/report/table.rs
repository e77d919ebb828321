//! The final hop table — like a network engineer's notebook: who answered, where it is, who
//! runs it, how fast, and how far each leg went — then a summary of the distances. Boxed and
//! fitted to the terminal when there is one, plain aligned columns otherwise (so it pipes into
//! grep and awk). Columns nobody filled (names with `-n`, places with `--no-geo`) are left out.
//! In a multipath trace each responder's row shows its own place; forks, joins and the
//! distance range come from `table_branches`.

use super::fmt_ms;
use super::table_branches::hop_label;
use crate::distance::Units;
use crate::path::{LocationSource, Path, PathHop, Placement, Responder};
use crate::trace::Origin;
use comfy_table::{
    presets, Cell, CellAlignment, ContentArrangement, ContentLineStyle, LineStyle, Table,
    TableStyle,
};

/// Columns separated by thin rules, a rule under the header, nothing between rows (each hop
/// starts with its number), no outer border: the most data per character of terminal.
const TERMINAL_STYLE: TableStyle = TableStyle::new()
    .header_lines(ContentLineStyle::none().junction('│'))
    .header_separator(LineStyle::none().fill('─').junction('┼'))
    .content_lines(ContentLineStyle::none().junction('│'));

const HOST_MAX: usize = 40;

/// Shorten a long name in the middle, keeping the informative ends.
pub(super) fn shorten(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max {
        return name.to_string();
    }
    let keep = max.saturating_sub(1);
    let head = keep / 3;
    let tail = keep - head;
    let mut s: String = chars[..head].iter().collect();
    s.push('…');
    s.extend(&chars[chars.len() - tail..]);
    s
}

/// `min sep avg sep max` with each value formatted by `fmt`, then the responder's marks and
/// MPLS labels (the labels after `mpls_sep`).
fn rtt_cell(r: &Responder, fmt: fn(f64) -> String, sep: &str, mpls_sep: &str) -> String {
    let mut s = match (r.rtt_min_ms(), r.rtt_avg_ms(), r.rtt_max_ms()) {
        (Some(min), Some(avg), Some(max)) => [fmt(min), fmt(avg), fmt(max)].join(sep),
        _ => "-".to_string(),
    };
    for m in &r.marks {
        s.push(' ');
        s.push_str(m);
    }
    if !r.mpls.is_empty() {
        let labels: Vec<String> = r.mpls.iter().map(|l| l.label.to_string()).collect();
        s.push_str(&format!("{mpls_sep}MPLS {}", labels.join("/")));
    }
    s
}

fn rtt_text(r: &Responder) -> String {
    rtt_cell(r, fmt_ms, " / ", " ")
}

/// One column: its header, whether it is always shown, and how to right-align it.
struct Column {
    header: String,
    always: bool,
    right: bool,
}

fn columns(units: Units) -> Vec<Column> {
    let c = |header: &str, always: bool, right: bool| Column {
        header: header.to_string(),
        always,
        right,
    };
    vec![
        c("Hop", true, true),
        c("IP address", true, false),
        c("Host name", false, false),
        c("City / Region", false, false),
        c("Country", false, false),
        c("ISP (ASN)", false, false),
        c("Latitude", false, true),
        c("Longitude", false, true),
        c("Loc", false, false),
        c("RTT ms (min / avg / max)", true, false),
        c("Loss", true, true),
        c(&format!("Leg {units}"), false, true),
    ]
}

fn place(r: &Responder) -> [String; 5] {
    let Some(g) = &r.geo else {
        return Default::default();
    };
    if let Some(special) = g.special {
        return [
            special.label().to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
    }
    let city: Vec<&str> = [g.city.as_deref(), g.region.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let country = match (&g.country, &g.country_code) {
        (Some(name), Some(code)) => format!("{name} ({code})"),
        (Some(name), None) => name.clone(),
        (None, Some(code)) => code.clone(),
        (None, None) => String::new(),
    };
    let isp = match (&g.isp, g.asn) {
        (Some(isp), Some(asn)) => format!("{isp} (AS{asn})"),
        (None, Some(asn)) => format!("AS{asn}"),
        (Some(isp), None) => isp.clone(),
        (None, None) => String::new(),
    };
    let (lat, lon) = g
        .coordinates()
        .map(|(a, o)| (format!("{a:.4}"), format!("{o:.4}")))
        .unwrap_or_default();
    [city.join(", "), country, isp, lat, lon]
}

fn rows(path: &Path, hop: &PathHop, units: Units) -> Vec<Vec<String>> {
    let label = hop_label(path, hop.hop);
    let loss = format!("{:.0}%", hop.loss_pct);
    let leg = hop
        .leg
        .as_ref()
        .map(|l| format!("{:.1}", units.pick(l.miles, l.km)))
        .unwrap_or_default();
    if hop.responders.is_empty() {
        let mut row = vec![String::new(); 12];
        row[0] = label;
        row[1] = "*".into();
        row[9] = "*".into();
        row[10] = loss;
        return vec![row];
    }
    hop.responders
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let [mut city, mut country, isp, mut lat, mut lon] = place(r);
            let first = i == 0;
            // In a multipath trace every responder has its own place (in its branch).
            let own = path.node(hop.hop, r.address);
            let (at, placed_here) = (own.unwrap_or(hop), first || own.is_some());
            if let Some(p) = hinted(at).filter(|_| placed_here) {
                // The hint's place, in the same columns as a GeoIP answer.
                let name = at.placed().map(|placed| placed.name).unwrap_or_default();
                city = [name.city, name.region]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                country = match (name.country, name.country_code) {
                    (Some(c), Some(cc)) => format!("{c} ({cc})"),
                    (None, Some(cc)) => cc,
                    _ => String::new(),
                };
                if city.is_empty() {
                    city = p.place.clone().unwrap_or_default();
                }
                lat = format!("{:.4}", p.latitude);
                lon = format!("{:.4}", p.longitude);
            }
            vec![
                if first { label.clone() } else { String::new() },
                r.address.to_string(),
                shorten(r.hostname.as_deref().unwrap_or(""), HOST_MAX),
                city,
                country,
                isp,
                lat,
                lon,
                if placed_here {
                    loc_code(at)
                } else {
                    String::new()
                },
                rtt_text(r),
                if first { loss.clone() } else { String::new() },
                if first { leg.clone() } else { String::new() },
            ]
        })
        .collect()
}

/// Render the table and its summary: the compact layout fitted to the terminal (whose width
/// comfy-table reads) when `terminal` is true, every column as plain aligned text otherwise.
pub fn render(path: &Path, terminal: bool, units: Units) -> String {
    let mut out = if terminal {
        compact(path, units, detected_width())
    } else {
        wide(path, units)
    };
    out.push('\n');
    // The legend, once any hop is placed other than by a plain GeoIP city answer.
    if path
        .hops
        .iter()
        .any(|h| !matches!(base_code(h).as_str(), "" | "G" | "-"))
    {
        out.push_str(crate::hints::LOCATION_LEGEND);
        out.push('\n');
    }
    out.push_str(&super::table_branches::section(path));
    out.push_str(&summary(path, units));
    out
}

/// A hop placed by its host name shows that place and its coordinates on its first row.
pub(super) fn hinted(hop: &PathHop) -> Option<&Placement> {
    hop.placement.as_ref().filter(|p| {
        matches!(
            p.source,
            LocationSource::Hostname | LocationSource::Geofeed | LocationSource::Override
        )
    })
}

/// The location code of a hop that was looked up, then its confidence (`H h`, `G! l`).
pub(super) fn loc_code(hop: &PathHop) -> String {
    let code = base_code(hop);
    match hop.placement.as_ref().filter(|_| !code.is_empty()) {
        Some(p) => format!("{code} {}", &p.confidence.as_str()[..1]),
        None => code,
    }
}

/// The location code (`H`, `G!`, …; see `hints::location_code`) of a hop that was looked up.
fn base_code(hop: &PathHop) -> String {
    if hop.responders.iter().any(|r| r.geo.is_some()) {
        crate::hints::location_code(hop)
    } else {
        String::new()
    }
}

/// The terminal's width as comfy-table detects it, within what the layout supports.
fn detected_width() -> u16 {
    Table::new().width().unwrap_or(100).clamp(60, 240)
}

/// Every column, plain: for pipes, files and wide screens.
fn wide(path: &Path, units: Units) -> String {
    let cols = columns(units);
    let body: Vec<Vec<String>> = path
        .hops
        .iter()
        .flat_map(|h| rows(path, h, units))
        .collect();
    let keep: Vec<usize> = (0..cols.len())
        .filter(|&i| cols[i].always || body.iter().any(|r| !r[i].is_empty()))
        .collect();
    let mut table = Table::new();
    table.load_style(presets::NOTHING).force_no_tty();
    table.set_header(keep.iter().map(|&i| Cell::new(&cols[i].header)));
    for row in &body {
        table.add_row(keep.iter().map(|&i| {
            let cell = Cell::new(&row[i]);
            if cols[i].right {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    table.to_string()
}

/// RTTs in few characters: `4.79/4.80/4.81`, `139/140/141`.
fn compact_ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn compact_rtt(r: &Responder) -> String {
    rtt_cell(r, compact_ms, "/", "\n")
}

pub(super) fn short_place(r: &Responder) -> (String, String, String) {
    let Some(g) = &r.geo else {
        return Default::default();
    };
    if let Some(special) = g.special {
        return (special.label().to_string(), String::new(), String::new());
    }
    let place: Vec<&str> = [g.city.as_deref(), g.country_code.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let network = match (g.asn, &g.isp) {
        (Some(asn), Some(isp)) => format!("AS{asn} {isp}"),
        (Some(asn), None) => format!("AS{asn}"),
        (None, Some(isp)) => isp.clone(),
        (None, None) => String::new(),
    };
    let coords = g
        .coordinates()
        .map(|(a, o)| format!("{a:.2}, {o:.2}"))
        .unwrap_or_default();
    (place.join(", "), network, coords)
}

/// The terminal layout: host name over address in one cell, `City, CC`, `AS# owner`,
/// min/avg/max RTT in few characters; the network column from 90 columns and coordinates from
/// 118. Every cell is shortened to its column beforehand, so nothing wraps mid-word.
fn compact(path: &Path, units: Units, width: u16) -> String {
    let width = usize::from(width);
    let with_network = width >= 90;
    let with_coords = width >= 118;
    struct Line {
        cells: Vec<String>,
    }
    let mut lines: Vec<Line> = Vec::new();
    for hop in &path.hops {
        let leg = hop
            .leg
            .as_ref()
            .map(|l| format!("{:.0}", units.pick(l.miles, l.km)))
            .unwrap_or_default();
        let loss = format!("{:.0}%", hop.loss_pct);
        if hop.responders.is_empty() {
            lines.push(Line {
                cells: vec![
                    hop_label(path, hop.hop),
                    "*".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    "*".into(),
                    loss,
                    String::new(),
                ],
            });
            continue;
        }
        for (i, r) in hop.responders.iter().enumerate() {
            let first = i == 0;
            let (mut place, network, mut coords) = short_place(r);
            let own = path.node(hop.hop, r.address);
            let at = own.unwrap_or(hop);
            if first || own.is_some() {
                if let Some(p) = hinted(at) {
                    place = p.place.clone().unwrap_or_default();
                    coords = format!("{:.2}, {:.2}", p.latitude, p.longitude);
                }
                if at.placement.is_some() {
                    place = format!("{} {place}", loc_code(at));
                }
            }
            let who = match &r.hostname {
                Some(h) => format!("{h}\n{}", r.address),
                None => r.address.to_string(),
            };
            lines.push(Line {
                cells: vec![
                    if first {
                        hop_label(path, hop.hop)
                    } else {
                        String::new()
                    },
                    who,
                    place,
                    network,
                    coords,
                    compact_rtt(r),
                    if first { loss.clone() } else { String::new() },
                    if first { leg.clone() } else { String::new() },
                ],
            });
        }
    }
    let leg_header = format!("Leg {units}");
    let headers = [
        "Hop",
        "Host / address",
        "Place",
        "Network",
        "Lat, Lon",
        "RTT ms min/avg/max",
        "Loss",
        leg_header.as_str(),
    ];
    let natural = |i: usize, cap: usize| -> usize {
        lines
            .iter()
            .flat_map(|l| l.cells[i].lines().map(|x| x.chars().count()))
            .max()
            .unwrap_or(0)
            .min(cap)
    };
    let mut shown: Vec<usize> = vec![0, 1, 2];
    if with_network {
        shown.push(3);
    }
    if with_coords {
        shown.push(4);
    }
    shown.extend([5, 6, 7]);
    // Widths: every column but the name at its natural size (place and network capped); the
    // name column takes what is left. A column costs its width + 2 of padding, + 1 for the rule
    // between it and the next. Optional columns go, coordinates first, until the name has room.
    let mut widths = [0usize; 8];
    for i in 0..8 {
        widths[i] = match i {
            1 => 0,
            2 => natural(2, 20),
            3 => natural(3, 26),
            _ => natural(i, 24),
        }
        .max(if matches!(i, 1 | 5) {
            0
        } else {
            headers[i].chars().count()
        });
    }
    widths[5] = widths[5].max(6);
    let cost = |shown: &[usize]| -> usize {
        shown
            .iter()
            .filter(|&&i| i != 1)
            .map(|&i| widths[i] + 3)
            .sum::<usize>()
            + 2
    };
    while width.saturating_sub(cost(&shown)) < 15 {
        match shown
            .iter()
            .position(|&i| i == 4)
            .or_else(|| shown.iter().position(|&i| i == 3))
        {
            Some(p) => {
                shown.remove(p);
            }
            None => break,
        }
    }
    widths[1] = width
        .saturating_sub(cost(&shown))
        .clamp(15, HOST_MAX.max(39));
    let mut table = Table::new();
    table
        .load_style(TERMINAL_STYLE)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(shown.iter().map(|&i| {
        let h = if widths[i] < headers[i].len() && i == 5 {
            "RTT ms"
        } else {
            headers[i]
        };
        Cell::new(h)
    }));
    for line in &lines {
        table.add_row(shown.iter().map(|&i| {
            let text: Vec<String> = line.cells[i]
                .lines()
                .map(|x| shorten(x, widths[i]))
                .collect();
            let cell = Cell::new(text.join("\n"));
            if matches!(i, 0 | 6 | 7) {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    table.to_string()
}

/// Both units, the chosen one first: `3,470.7 mi (5,585.6 km)`.
fn both(units: Units, miles: f64, km: f64) -> String {
    let other = match units {
        Units::Miles => Units::Km,
        Units::Km => Units::Miles,
    };
    format!("{} ({})", units.format(miles, km), other.format(miles, km))
}

/// `1 hop`, `2 hops`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The lines under the table: reached or not, then the distances and what they left out.
pub fn summary(path: &Path, units: Units) -> String {
    let t = &path.trace;
    let target = match t.address {
        Some(a) if a.to_string() != t.target => format!("{} ({a})", t.target),
        _ => t.target.clone(),
    };
    let last = path.hops.last().map(|h| h.hop).unwrap_or(0);
    let mut s = if t.origin == Origin::AddressList {
        let located = path.hops.iter().filter(|h| h.placement.is_some()).count();
        format!(
            "Annotated {} ({located} located), taken as a path in list order.",
            plural(path.hops.len(), "address", "addresses"),
        )
    } else if t.reached {
        format!(
            "Reached {target} in {}.",
            plural(last.into(), "hop", "hops")
        )
    } else {
        format!("Did not reach {target}; last hop probed: {last}.")
    };
    if t.interrupted {
        s.push_str(" Interrupted: hops found so far.");
    }
    if let Some(d) = &path.distance {
        if d.legs.is_empty() {
            s.push_str("\nDistance: fewer than two located hops.");
        } else {
            s.push_str(&format!(
                "\nDistance travelled: {} over {}.\nDirect distance: {}",
                both(units, d.total_miles, d.total_km),
                plural(d.legs.len(), "leg", "legs"),
                both(units, d.direct_miles, d.direct_km),
            ));
            if let Some(stretch) = d.stretch {
                s.push_str(&format!("; stretch {stretch:.2}"));
            }
            s.push('.');
        }
        if let Some(line) = super::table_branches::range_line(path, units) {
            s.push('\n');
            s.push_str(&line);
        }
        for l in d.legs.iter().filter(|l| l.satellite) {
            s.push_str(&format!(
                "\nSatellite link between hops {} and {}: the leg is the ground distance; \
                 the signal went ~72,000 km via geostationary orbit.",
                l.from_hop, l.to_hop
            ));
        }
        for l in &d.left_out {
            s.push_str(&format!(
                "\nLeft out of the distance: hop {} ({}).",
                l.hop, l.reason
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hop(origin: Origin, reached: bool) -> Path {
        use crate::trace::{Hop, Reply, ReplyKind, Trace};
        let addr: std::net::IpAddr = "192.0.2.1".parse().unwrap();
        let mut t = Trace::new("192.0.2.1", Some(addr), origin);
        t.hops.push(Hop {
            ttl: 1,
            probes: vec![Some(Reply::new(addr, None, ReplyKind::EchoReply))],
        });
        t.reached = reached;
        Path::new(t, &Default::default())
    }

    #[test]
    fn the_summary_counts_in_words_people_use() {
        let s = summary(&one_hop(Origin::Live, true), Units::Miles);
        assert_eq!(s, "Reached 192.0.2.1 in 1 hop.");
        // An address list is not a trace: it neither reached nor missed anything.
        let s = summary(&one_hop(Origin::AddressList, false), Units::Miles);
        assert_eq!(
            s,
            "Annotated 1 address (0 located), taken as a path in list order."
        );
        assert!(!s.contains("reach"));
        assert_eq!(plural(2, "leg", "legs"), "2 legs");
    }

    #[test]
    fn shorten_keeps_both_ends() {
        let s = shorten(
            "ae-3-3.ebr1.sanjose1.level3.net.very-long-suffix.example",
            30,
        );
        assert_eq!(s.chars().count(), 30);
        assert!(s.starts_with("ae-3-3.e"));
        assert!(s.ends_with("suffix.example"));
        assert_eq!(shorten("short", 30), "short");
    }
}
