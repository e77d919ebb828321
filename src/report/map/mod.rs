//! The path on a world map, as one self-contained SVG file (`--map FILE.svg`).
//!
//! People would rather look at a path than read twenty rows of coordinates, and a picture is
//! where a detour shows: London → Frankfurt → London → New York is obvious on a map and easy
//! to miss in a table. So the map draws what the distance summary measured, and nothing else:
//!
//! - each counted leg as a geodesic (interpolated, so a transatlantic leg curves as it does on
//!   a globe), cut where it crosses the edge of the map rather than drawn across it;
//! - places left out of the distance (untrusted locations) with dashed connectors, so the
//!   reader sees both where the hop was placed and that it was not summed; satellite legs in
//!   their own colour;
//! - for a multipath trace, every branch: a thin line per link between placed vertices (each
//!   where its own branch placed it; unknown vertices bridged) and a dot per vertex, under
//!   the primary route (see `branches`);
//! - a numbered marker per placed hop (numbers are TTLs, as in the table), labels naming the
//!   places, and a legend with total distance, direct distance and stretch in both units.
//!
//! The view fits the path with a margin (a trace within Europe shows Europe, not a dot on the
//! world); `MapOptions::world` shows the whole world. A path across the Pacific is drawn in a
//! view that runs past 180° so it stays in one piece (see `view`).
//!
//! The file is self-contained so it can be mailed, attached to a ticket or embedded in a
//! README: the world outline is built in (Natural Earth, public domain; see `world`), text uses
//! the generic `sans-serif` family, and there are no scripts, external fonts, images or links.

pub mod branches;
mod labels;
mod legend;
mod markers;
mod overview;
pub mod route;
mod svg;
mod view;
pub(crate) mod world;

pub use overview::Overview;

use crate::distance::Units;
use crate::path::Path;
use labels::{text_width, Placer, Rect};
use route::{Route, Segment};
use std::fmt::Write;
use svg::{escape, num, polyline, polyline_into};
use view::View;

/// How the map is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct MapOptions {
    /// Show the whole world instead of fitting the view to the path (`--map-world`).
    pub world: bool,
    /// The unit shown first (the other follows in parentheses).
    pub units: Units,
    /// Width of the picture, pixels.
    pub width: u32,
    /// Height of the picture, pixels; `None` chooses one from the shape of the view.
    pub height: Option<u32>,
    /// The user's own `(lat, lon)` (`--from`): where the distance summary's hop 0 is.
    pub origin: Option<(f64, f64)>,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            world: false,
            units: Units::Miles,
            width: 1200,
            height: None,
            origin: None,
        }
    }
}

/// The colours of the map, in one place.
pub(crate) struct Palette {
    pub leg: &'static str,
    pub left_out: &'static str,
    pub satellite: &'static str,
    pub text: &'static str,
    pub muted: &'static str,
    pub rule: &'static str,
    sea: &'static str,
    land: &'static str,
    border: &'static str,
    graticule: &'static str,
}

/// The colour counted legs are drawn in (tests look for it in rendered pixels).
pub const LEG_COLOUR: &str = "#d62d20";

pub(crate) const PALETTE: Palette = Palette {
    leg: LEG_COLOUR,
    left_out: "#7a7a7a",
    satellite: "#7b3fb5",
    text: "#222222",
    muted: "#666666",
    rule: "#cccccc",
    sea: "#dbe9f4",
    land: "#f4f1e8",
    border: "#c2b9a3",
    graticule: "#c5d7e6",
};

/// Narrowest picture drawn, pixels.
const MIN_WIDTH: u32 = 320;
/// Smallest map area when a height is given, pixels.
const MIN_MAP_HEIGHT: f64 = 120.0;
/// Counted legs at least this long on the map get their length written along them.
const LEG_LABEL_PX: f64 = 150.0;

/// The SVG document of `path` drawn as `opts` says.
pub fn render_svg(path: &Path, opts: &MapOptions) -> String {
    let palette = &PALETTE;
    let route = route::route(path, opts.origin);
    let unwrapped = unwrap_stops(&route);
    let curves: Vec<Vec<(f64, f64)>> = route
        .segments
        .iter()
        .map(|s| curve_from(&route, &unwrapped, s))
        .collect();

    // A multipath trace's branches, each vertex where its own branch placed it.
    let branch_links = branches::links(path);
    let near = unwrapped.first().copied();
    let branch_curves: Vec<Vec<(f64, f64)>> = branch_links
        .iter()
        .map(|l| branches::curve(l, near))
        .collect();

    let width = f64::from(opts.width.max(MIN_WIDTH));
    let (legend_svg, legend_height) = legend::legend(path, &route, opts, width, palette);
    let map_height = opts
        .height
        .map(|h| (f64::from(h) - legend::TITLE_HEIGHT - legend_height).max(MIN_MAP_HEIGHT));
    let view = if opts.world {
        View::world(width, map_height)
    } else {
        let mut points: Vec<(f64, f64)> = route
            .stops
            .iter()
            .zip(&unwrapped)
            .map(|(s, &lon)| (s.lat, lon))
            .collect();
        points.extend(curves.iter().flatten());
        points.extend(branch_curves.iter().flatten());
        View::fit(&points, width, map_height)
    }
    .moved(0.0, legend::TITLE_HEIGHT);
    let area = view.area;
    let height = area.top + area.height + legend_height;

    let mut out = String::with_capacity(64 * 1024);
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" \
         data-view=\"{} {} {} {}\">",
        num(view.west),
        num(view.south),
        num(view.east),
        num(view.north),
        w = num(width),
        h = num(height),
    );
    let _ = writeln!(
        out,
        "<title>{}</title>\n<desc>{}</desc>",
        escape(&format!("globetrace: the path to {}", path.trace.target)),
        escape(&describe(path, &route))
    );
    let _ = writeln!(
        out,
        "<defs><clipPath id=\"gt-map\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\
         </clipPath></defs>\n<rect class=\"background\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        num(area.left),
        num(area.top),
        num(area.width),
        num(area.height),
        num(width),
        num(height)
    );
    out.push_str(&legend::title(path, palette));
    out.push_str("<g class=\"map\" clip-path=\"url(#gt-map)\">\n");
    let _ = writeln!(
        out,
        "<rect class=\"sea\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
        num(area.left),
        num(area.top),
        num(area.width),
        num(area.height),
        palette.sea
    );
    draw_base(&mut out, &view, palette);
    // Each segment's drawn pieces, in pixels.
    let pieces: Vec<Vec<Vec<(f64, f64)>>> = curves.iter().map(|c| view.pieces(c)).collect();
    branches::draw(
        &mut out,
        path,
        &branch_links,
        &branch_curves,
        &view,
        palette,
    );
    draw_legs(&mut out, &route, &pieces, palette);
    out.push_str("</g>\n");

    let mut placer = Placer::new(Rect::new(area.left, area.top, area.width, area.height));
    for piece in pieces.iter().flatten() {
        for (x, y) in samples(piece, 8.0) {
            placer.avoid(Rect::centred(x, y, 6.0, 6.0));
        }
    }
    let positions = markers::positions(&route, &unwrapped, &view);
    let clusters = markers::clusters(&positions);
    markers::draw(&mut out, path, &route, &clusters, &mut placer, palette);
    draw_leg_labels(&mut out, &route, &pieces, &mut placer, opts.units);

    let _ = writeln!(
        out,
        "<g transform=\"translate(0 {})\">\n{legend_svg}</g>\n</svg>",
        num(area.top + area.height)
    );
    out
}

/// A one-sentence account of the map, for screen readers.
fn describe(path: &Path, route: &Route) -> String {
    let located = route.stops.iter().filter(|s| !s.origin).count();
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = format!(
        "{}, {located} placed on the map, {} drawn",
        count(path.hops.len(), "hop", "hops"),
        count(route.segments.len(), "leg", "legs")
    );
    if let Some(d) = &path.distance {
        let _ = write!(
            s,
            "; total {:.0} km, direct {:.0} km",
            d.total_km, d.direct_km
        );
    }
    if let Some(r) = path.branches.as_ref().and_then(|b| b.range.as_ref()) {
        let _ = write!(
            s,
            "; {} branches, shortest {:.0} km, longest {:.0} km",
            r.paths, r.shortest.km, r.longest.km
        );
    }
    s
}

/// Each stop's longitude made continuous with the stop before it, so the path runs on across
/// the antimeridian instead of jumping back.
fn unwrap_stops(route: &Route) -> Vec<f64> {
    route::unwrap(route.stops.iter().map(|s| (s.lat, s.lon)))
        .into_iter()
        .map(|p| p.1)
        .collect()
}

/// A segment's geodesic, moved by whole turns to start where its first stop was unwrapped to.
fn curve_from(route: &Route, unwrapped: &[f64], segment: &Segment) -> Vec<(f64, f64)> {
    let mut curve = route::curve(segment);
    let start = route
        .stops
        .iter()
        .position(|s| s.hop == segment.from_hop)
        .map(|i| unwrapped[i]);
    if let (Some(start), Some(first)) = (start, curve.first().copied()) {
        let shift = route::nearest_turn(first.1, start) - first.1;
        for p in &mut curve {
            p.1 += shift;
        }
    }
    curve
}

/// Graticule, land and country borders.
fn draw_base(out: &mut String, view: &View, palette: &Palette) {
    let span = view.east - view.west;
    let step = [30.0, 15.0, 10.0, 5.0, 2.0, 1.0]
        .into_iter()
        .find(|s| span / s >= 5.0)
        .unwrap_or(1.0);
    let mut d = String::new();
    let mut lon = (view.west / step).ceil() * step;
    while lon <= view.east {
        d = polyline_into(
            d,
            &[view.xy(view.north, lon), view.xy(view.south, lon)],
            false,
        );
        lon += step;
    }
    let mut lat = (view.south / step).ceil() * step;
    while lat <= view.north {
        d = polyline_into(
            d,
            &[view.xy(lat, view.west), view.xy(lat, view.east)],
            false,
        );
        lat += step;
    }
    let _ = writeln!(
        out,
        "<path class=\"graticule\" d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"0.6\"/>",
        palette.graticule
    );
    let w = world::world();
    let shapes = |shapes: &[world::Shape], close: bool| {
        let mut d = String::new();
        for shape in shapes {
            let (south, north) = shape
                .points
                .iter()
                .fold((90.0f64, -90.0f64), |(s, n), p| (s.min(p.1), n.max(p.1)));
            if north < view.south || south > view.north {
                continue;
            }
            for turn in view.turns(shape.west, shape.east) {
                let shift = 360.0 * f64::from(turn);
                if shape.east + shift <= view.west || shape.west + shift >= view.east {
                    continue;
                }
                let px: Vec<(f64, f64)> = shape
                    .points
                    .iter()
                    .map(|&(lon, lat)| view.xy(lat, lon + shift))
                    .collect();
                d = polyline_into(d, &px, close);
            }
        }
        d
    };
    let _ = writeln!(
        out,
        "<path class=\"land\" d=\"{}\" fill=\"{}\" fill-rule=\"evenodd\" stroke=\"none\"/>",
        shapes(&w.land, true),
        palette.land
    );
    let _ = writeln!(
        out,
        "<path class=\"borders\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"0.7\" \
         stroke-linejoin=\"round\"/>",
        shapes(&w.borders, false),
        palette.border
    );
}

/// Every segment as a group of path pieces: connectors to left-out places first (under),
/// then counted legs.
fn draw_legs(out: &mut String, route: &Route, pieces: &[Vec<Vec<(f64, f64)>>], palette: &Palette) {
    out.push_str(
        "<g class=\"legs\" fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\">\n",
    );
    for counted in [false, true] {
        for (s, drawn) in route.segments.iter().zip(pieces) {
            if s.counted != counted {
                continue;
            }
            let mut class = String::from(if counted {
                "leg counted"
            } else {
                "leg left-out"
            });
            let colour = if s.satellite {
                class.push_str(" satellite");
                palette.satellite
            } else if counted {
                palette.leg
            } else {
                palette.left_out
            };
            let style = if counted {
                "stroke-width=\"2.5\"".to_string()
            } else {
                "stroke-width=\"1.8\" stroke-dasharray=\"6 4\"".to_string()
            };
            let _ = writeln!(
                out,
                "<g class=\"{class}\" data-from-hop=\"{}\" data-to-hop=\"{}\" data-miles=\"{:.1}\" \
                 data-km=\"{:.1}\" stroke=\"{colour}\" {style}>",
                s.from_hop, s.to_hop, s.miles, s.km
            );
            for piece in drawn {
                let d = polyline(piece);
                if d.contains('L') {
                    let _ = writeln!(out, "<path d=\"{d}\"/>");
                }
            }
            out.push_str("</g>\n");
        }
    }
    out.push_str("</g>\n");
}

/// The length of each long counted leg, written at its middle where there is room.
fn draw_leg_labels(
    out: &mut String,
    route: &Route,
    pieces: &[Vec<Vec<(f64, f64)>>],
    placer: &mut Placer,
    units: Units,
) {
    out.push_str("<g class=\"leg-labels\" font-size=\"11\">\n");
    for (s, pieces) in route.segments.iter().zip(pieces) {
        if !s.counted {
            continue;
        }
        let length = |p: &Vec<(f64, f64)>| -> f64 {
            p.windows(2)
                .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
                .sum()
        };
        let Some(longest) = pieces.iter().max_by(|a, b| length(a).total_cmp(&length(b))) else {
            continue;
        };
        let total = length(longest);
        if total < LEG_LABEL_PX {
            continue;
        }
        let ((mx, my), (dx, dy)) = point_at(longest, total / 2.0);
        let mut text = legend::short_distance(units, s.miles, s.km);
        if s.satellite {
            text.push_str(" · satellite");
        }
        let (w, h) = (text_width(&text, 11.0), 14.0);
        // Beside the line on either side: far enough along its normal that the box clears it.
        let (nx, ny) = (-dy, dx);
        let clear = (nx.abs() * w + ny.abs() * h) / 2.0 + 3.0;
        let candidates = [
            Rect::centred(mx + nx * clear, my + ny * clear, w, h),
            Rect::centred(mx - nx * clear, my - ny * clear, w, h),
        ];
        if let Some(r) = placer.place_if_free(&candidates) {
            let colour = if s.satellite {
                PALETTE.satellite
            } else {
                PALETTE.leg
            };
            let _ = writeln!(
                out,
                "<text class=\"leg-length\" data-to-hop=\"{}\" x=\"{}\" y=\"{}\" \
                 text-anchor=\"middle\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"3\" \
                 stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
                s.to_hop,
                num(r.x + r.w / 2.0),
                num(r.y + h * 0.75),
                escape(&text)
            );
        }
    }
    out.push_str("</g>\n");
}

/// Points every `step` pixels along a polyline (its vertices included).
fn samples(line: &[(f64, f64)], step: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for w in line.windows(2) {
        let length = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
        let n = (length / step).ceil().max(1.0) as usize;
        for i in 0..n {
            let t = i as f64 / n as f64;
            out.push((
                w[0].0 + (w[1].0 - w[0].0) * t,
                w[0].1 + (w[1].1 - w[0].1) * t,
            ));
        }
    }
    out.extend(line.last());
    out
}

/// The point `at` pixels along a polyline, and the line's unit direction there.
fn point_at(line: &[(f64, f64)], at: f64) -> ((f64, f64), (f64, f64)) {
    let mut left = at;
    let mut direction = (1.0, 0.0);
    for w in line.windows(2) {
        let (dx, dy) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
        let seg = dx.hypot(dy);
        if seg > 0.0 {
            direction = (dx / seg, dy / seg);
            if seg >= left {
                let t = left / seg;
                return ((w[0].0 + dx * t, w[0].1 + dy * t), direction);
            }
        }
        left -= seg;
    }
    (line.last().copied().unwrap_or((0.0, 0.0)), direction)
}
