//! The title above the map and the legend below it: the figures people look for first (total
//! distance, direct distance, stretch, in both units with the chosen one first), what the line
//! styles mean, and where the data came from.

use super::labels::text_width;
use super::route::Route;
use super::svg::{escape, num};
use super::{MapOptions, Palette};
use crate::distance::{DistanceSummary, Units};
use crate::path::Path;
use std::fmt::Write;

/// Height of the title strip, pixels.
pub const TITLE_HEIGHT: f64 = 34.0;
const ROW: f64 = 22.0;
const PAD: f64 = 12.0;
const SIZE: f64 = 12.0;

/// The title: where the trace went.
pub fn title(path: &Path, palette: &Palette) -> String {
    let t = &path.trace;
    let mut text = format!("globetrace to {}", shorten(&t.target, 80));
    if let Some(addr) = t.address.filter(|a| a.to_string() != t.target) {
        let _ = write!(text, " ({addr})");
    }
    if t.interrupted {
        text.push_str(" (interrupted)");
    } else if !t.reached && !t.hops.is_empty() {
        text.push_str(" (not reached)");
    }
    format!(
        "<text class=\"title\" x=\"{}\" y=\"23\" font-size=\"16\" font-weight=\"bold\" \
         fill=\"{}\">{}</text>\n",
        num(PAD),
        palette.text,
        escape(&text)
    )
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// `1234.6` → `1,235`.
fn whole(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    if value < -0.5 {
        out.insert(0, '-');
    }
    out
}

/// A distance as maps label it: whole units, `5,586 km`.
pub fn short_distance(units: Units, miles: f64, km: f64) -> String {
    format!("{} {units}", whole(units.pick(miles, km)))
}

/// A distance in the chosen unit, then the other: `3,470.7 mi (5,585.6 km)`.
fn both(units: Units, miles: f64, km: f64) -> String {
    let other = match units {
        Units::Miles => Units::Km,
        Units::Km => Units::Miles,
    };
    format!("{} ({})", units.format(miles, km), other.format(miles, km))
}

fn figures(summary: Option<&DistanceSummary>, units: Units) -> String {
    let Some(d) = summary else {
        return "No distances: the hops were not located (no geo data)".to_string();
    };
    if d.legs.is_empty() {
        return "No distances: fewer than two trusted places on the path".to_string();
    }
    let stretch = d
        .stretch
        .map_or_else(|| "n/a".to_string(), |s| format!("{s:.2}×"));
    format!(
        "Total {}   ·   Direct {}   ·   Stretch {stretch}",
        both(units, d.total_miles, d.total_km),
        both(units, d.direct_miles, d.direct_km)
    )
}

/// Hops left out of the sums and why: `hops 7, 9 (country-level location)`.
fn left_out_note(summary: Option<&DistanceSummary>) -> Option<String> {
    let d = summary?;
    let mut groups: Vec<(String, Vec<u8>)> = Vec::new();
    for l in &d.left_out {
        match groups.iter_mut().find(|g| g.0 == l.reason) {
            Some(g) => g.1.push(l.hop),
            None => groups.push((l.reason.clone(), vec![l.hop])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(reason, hops)| {
            let list: Vec<String> = hops.iter().map(u8::to_string).collect();
            let noun = if hops.len() == 1 { "hop" } else { "hops" };
            format!("{noun} {} ({reason})", list.join(", "))
        })
        .collect();
    (!parts.is_empty()).then(|| shorten(&parts.join("; "), 90))
}

/// One legend entry: a sample and its text.
enum Sample {
    Line {
        colour: &'static str,
        dash: Option<&'static str>,
    },
    Marker {
        fill: &'static str,
        stroke: &'static str,
    },
    Square,
}

/// The legend, `width` wide, from `y = 0` down (the caller moves it under the map); returns
/// the SVG and its height.
pub fn legend(
    path: &Path,
    route: &Route,
    opts: &MapOptions,
    width: f64,
    palette: &Palette,
) -> (String, f64) {
    let top = 0.0;
    let summary = path.distance.as_ref();
    let mut entries: Vec<(Sample, String)> = vec![(
        Sample::Line {
            colour: palette.leg,
            dash: None,
        },
        "leg counted in the distance".to_string(),
    )];
    if path.trace.multipath.is_some() {
        let text = match path.branches.as_ref().and_then(|b| b.range.as_ref()) {
            Some(r) => format!(
                "branch of the multipath graph: {} {}, shortest {}, longest {}",
                r.paths,
                if r.paths == 1 { "path" } else { "paths" },
                short_distance(opts.units, r.shortest.miles, r.shortest.km),
                short_distance(opts.units, r.longest.miles, r.longest.km)
            ),
            None => "branch of the multipath graph".to_string(),
        };
        entries.push((
            Sample::Line {
                colour: super::branches::BRANCH_COLOUR,
                dash: None,
            },
            text,
        ));
    }
    if route.segments.iter().any(|s| !s.counted) || summary.is_some_and(|d| !d.left_out.is_empty())
    {
        let note = left_out_note(summary).unwrap_or_else(|| "untrusted location".to_string());
        entries.push((
            Sample::Line {
                colour: palette.left_out,
                dash: Some("6 4"),
            },
            format!("left out of the distance: {note}"),
        ));
    }
    if route.segments.iter().any(|s| s.satellite) {
        entries.push((
            Sample::Line {
                colour: palette.satellite,
                dash: None,
            },
            "satellite link".to_string(),
        ));
    }
    entries.push((
        Sample::Marker {
            fill: "#ffffff",
            stroke: palette.leg,
        },
        "hop (number = TTL)".to_string(),
    ));
    if path
        .hops
        .iter()
        .any(|h| h.placement.is_some() && super::markers::is_destination(path, h))
    {
        entries.push((
            Sample::Marker {
                fill: palette.leg,
                stroke: palette.leg,
            },
            "destination".to_string(),
        ));
    }
    if route.stops.iter().any(|s| s.origin) {
        entries.push((Sample::Square, "start (--from)".to_string()));
    }

    let mut svg = format!(
        "<g class=\"legend\" font-size=\"{SIZE}\" fill=\"{}\">\n",
        palette.text
    );
    let _ = writeln!(
        svg,
        "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"1\" fill=\"{}\"/>",
        num(top),
        num(width),
        palette.rule
    );
    let _ = writeln!(
        svg,
        "<text class=\"distances\" x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        num(PAD),
        num(top + ROW),
        escape(&figures(summary, opts.units))
    );
    // Entries flow left to right and wrap.
    let (mut x, mut y) = (PAD, top + 2.0 * ROW);
    for (sample, text) in &entries {
        let w = 30.0 + text_width(text, SIZE) + 18.0;
        if x > PAD && x + w > width - PAD {
            (x, y) = (PAD, y + ROW);
        }
        let mid = y - SIZE * 0.35;
        match sample {
            Sample::Line { colour, dash } => {
                let dash = dash.map_or(String::new(), |d| format!(" stroke-dasharray=\"{d}\""));
                let _ = writeln!(
                    svg,
                    "<path d=\"M{} {m}H{}\" stroke=\"{colour}\" stroke-width=\"2.5\" fill=\"none\"{dash}/>",
                    num(x),
                    num(x + 24.0),
                    m = num(mid)
                );
            }
            Sample::Marker { fill, stroke } => {
                let _ = writeln!(
                    svg,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"7\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"/>",
                    num(x + 12.0),
                    num(mid)
                );
            }
            Sample::Square => {
                let _ = writeln!(
                    svg,
                    "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>",
                    num(x + 6.0),
                    num(mid - 6.0),
                    palette.text
                );
            }
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            num(x + 30.0),
            num(y),
            escape(text)
        );
        x += w;
    }
    let located = path.hops.iter().filter(|h| h.placement.is_some()).count();
    let method = summary.map_or_else(String::new, |d| format!(" · {} distances", d.method));
    let source = format!(
        "{located} of {} hops located{method} · map: Natural Earth 1:110m (public domain) · globetrace {}",
        path.hops.len(),
        env!("CARGO_PKG_VERSION")
    );
    y += ROW;
    let _ = writeln!(
        svg,
        "<text class=\"source\" x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{}\">{}</text>",
        num(PAD),
        num(y),
        palette.muted,
        escape(&source)
    );
    svg.push_str("</g>\n");
    (svg, y - top + PAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_grouped() {
        assert_eq!(whole(5585.6), "5,586");
        assert_eq!(whole(999.4), "999");
        assert_eq!(
            short_distance(Units::Miles, 3470.7, 5585.6),
            "3,471 mi".to_string()
        );
        assert_eq!(
            both(Units::Km, 1.0, 1.609344),
            "1.6 km (1.0 mi)".to_string()
        );
    }
}
