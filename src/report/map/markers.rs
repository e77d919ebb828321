//! Hop markers and place labels.
//!
//! Consecutive hops are very often in one city (five routers in London, then the ocean), and
//! markers drawn on top of each other would hide all numbers but the last. So stops that fall
//! within a marker's width of each other on the map form a *cluster*: its markers are laid out
//! in a small grid centred on the place, each still numbered by its hop, and the cluster gets
//! one label naming its place(s).

use super::labels::{text_width, Placer, Rect};
use super::route::{Route, Stop};
use super::svg::{escape, num};
use super::view::View;
use super::Palette;
use crate::path::{Path, PathHop};
use std::fmt::Write;

/// Marker radius and grid spacing, pixels.
const RADIUS: f64 = 9.0;
const STEP: f64 = 20.0;
/// Stops closer than this on the map share a cluster.
const CLUSTER_PX: f64 = 14.0;
/// At most this many markers in a row of a cluster.
const COLUMNS: usize = 6;
/// Label font size, pixels.
pub const LABEL_SIZE: f64 = 12.0;
/// Longest place label, characters.
const LABEL_MAX: usize = 40;

/// Stops drawn at one place.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Where the first stop is, in pixels.
    pub anchor: (f64, f64),
    /// Indexes into `Route::stops`, in path order.
    pub members: Vec<usize>,
}

impl Cluster {
    fn columns(&self) -> usize {
        self.members.len().clamp(1, COLUMNS)
    }

    /// The box the cluster's markers cover.
    pub fn bounds(&self) -> Rect {
        let cols = self.columns();
        let rows = self.members.len().div_ceil(cols);
        let (w, h) = (cols as f64 * STEP, rows as f64 * STEP);
        Rect::centred(self.anchor.0, self.anchor.1, w, h)
    }

    /// Centre of the `i`-th marker.
    fn marker_centre(&self, i: usize) -> (f64, f64) {
        let b = self.bounds();
        let cols = self.columns();
        let (col, row) = (i % cols, i / cols);
        (
            b.x + STEP * (col as f64 + 0.5),
            b.y + STEP * (row as f64 + 0.5),
        )
    }
}

/// Groups the stops (at `positions`, pixels; `None` when off the map) into clusters: stops
/// within [`CLUSTER_PX`] of a cluster's place join it, then clusters whose marker grids would
/// overlap are merged (placed at their members' mean), until none overlap.
pub fn clusters(positions: &[Option<(f64, f64)>]) -> Vec<Cluster> {
    let mut out: Vec<Cluster> = Vec::new();
    for (i, pos) in positions.iter().enumerate() {
        let Some(p) = *pos else { continue };
        let near = out.iter_mut().find(|c| {
            let (dx, dy) = (c.anchor.0 - p.0, c.anchor.1 - p.1);
            dx.hypot(dy) < CLUSTER_PX
        });
        match near {
            Some(c) => c.members.push(i),
            None => out.push(Cluster {
                anchor: p,
                members: vec![i],
            }),
        }
    }
    while let Some((a, b)) = overlapping(&out) {
        let gone = out.remove(b);
        let keep = &mut out[a];
        keep.members.extend(gone.members);
        keep.members.sort_unstable();
        let points: Vec<(f64, f64)> = keep.members.iter().filter_map(|&m| positions[m]).collect();
        let n = points.len().max(1) as f64;
        keep.anchor = (
            points.iter().map(|p| p.0).sum::<f64>() / n,
            points.iter().map(|p| p.1).sum::<f64>() / n,
        );
    }
    out
}

/// The first two clusters whose marker grids touch, `(earlier, later)`.
fn overlapping(clusters: &[Cluster]) -> Option<(usize, usize)> {
    for (i, a) in clusters.iter().enumerate() {
        for (j, b) in clusters.iter().enumerate().skip(i + 1) {
            if a.bounds().overlap(&b.bounds()) > 0.0 {
                return Some((i, j));
            }
        }
    }
    None
}

/// Pixel position of each stop (`None` when outside the view).
pub fn positions(route: &Route, unwrapped: &[f64], view: &View) -> Vec<Option<(f64, f64)>> {
    route
        .stops
        .iter()
        .zip(unwrapped)
        .map(|(s, &lon)| view.wrap(lon).map(|lon| view.xy(s.lat, lon)))
        .collect()
}

/// A short name for the place of a stop: the city (and country code) of the responder placed
/// there, else its host name, else its address.
pub fn place_name(path: &Path, stop: &Stop) -> String {
    let Some(hop) = stop.index.and_then(|i| path.hops.get(i)) else {
        return "start".to_string();
    };
    // A responder whose own coordinates are the placement's (a placement from a host-name
    // hint may be elsewhere than the GeoIP answer, and must not borrow its city).
    let here = hop.responders.iter().find(|r| {
        r.geo
            .as_ref()
            .and_then(|g| g.coordinates())
            .is_some_and(|(lat, lon)| (lat - stop.lat).abs() < 0.5 && (lon - stop.lon).abs() < 0.5)
    });
    let city = here.and_then(|r| r.geo.as_ref()).and_then(|g| {
        let parts: Vec<&str> = [
            g.city.as_deref().or(g.country.as_deref()),
            g.country_code.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    });
    let first = hop.located().or(hop.responders.first());
    let name = city
        .or_else(|| first.and_then(|r| r.hostname.clone()))
        .or_else(|| first.map(|r| r.address.to_string()))
        .unwrap_or_else(|| format!("hop {}", hop.hop));
    shorten(&name, LABEL_MAX)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}

/// The label of a cluster: its distinct place names, at most two and a count.
fn cluster_label(path: &Path, route: &Route, cluster: &Cluster) -> String {
    let mut names: Vec<String> = Vec::new();
    for &i in &cluster.members {
        let name = place_name(path, &route.stops[i]);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let more = names.len().saturating_sub(2);
    names.truncate(2);
    let mut label = names.join(" · ");
    if more > 0 {
        let _ = write!(label, " +{more}");
    }
    label
}

/// Draws the markers of every cluster (into `svg`), reserving their boxes in `placer`, then
/// their labels.
pub fn draw(
    svg: &mut String,
    path: &Path,
    route: &Route,
    clusters: &[Cluster],
    placer: &mut Placer,
    palette: &Palette,
) {
    for c in clusters {
        placer.block(c.bounds());
    }
    svg.push_str("<g class=\"markers\">\n");
    for c in clusters {
        for (i, &m) in c.members.iter().enumerate() {
            marker(svg, path, &route.stops[m], c.marker_centre(i), palette);
        }
    }
    svg.push_str("</g>\n<g class=\"labels\" font-size=\"12\">\n");
    for c in clusters {
        let label = cluster_label(path, route, c);
        let (w, h) = (text_width(&label, LABEL_SIZE), LABEL_SIZE * 1.3);
        let Some(r) = placer.place(&Placer::around(&c.bounds(), w, h, 3.0)) else {
            continue;
        };
        let hops: Vec<String> = c
            .members
            .iter()
            .map(|&m| route.stops[m].hop.to_string())
            .collect();
        let _ = writeln!(
            svg,
            "<text class=\"place\" data-hops=\"{}\" x=\"{}\" y=\"{}\" fill=\"{}\" stroke=\"#ffffff\" \
             stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
            hops.join(" "),
            num(r.x),
            num(r.y + h * 0.78),
            palette.text,
            escape(&label)
        );
    }
    svg.push_str("</g>\n");
}

/// True when the hop is the trace's destination: a reply said so, or (for imported traces,
/// whose replies carry no kind) it is the target's address.
pub fn is_destination(path: &Path, hop: &PathHop) -> bool {
    hop.responders
        .iter()
        .any(|r| r.destination || Some(r.address) == path.trace.address)
}

fn marker(svg: &mut String, path: &Path, stop: &Stop, (x, y): (f64, f64), palette: &Palette) {
    if stop.origin {
        let _ = writeln!(
            svg,
            "<g class=\"marker origin\" data-hop=\"0\"><rect x=\"{}\" y=\"{}\" width=\"14\" \
             height=\"14\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1.5\"/></g>",
            num(x - 7.0),
            num(y - 7.0),
            palette.text
        );
        return;
    }
    let hop = stop.index.and_then(|i| path.hops.get(i));
    let destination = hop.is_some_and(|h| is_destination(path, h));
    let satellite = hop.is_some_and(|h| h.flags.iter().any(|f| f == super::route::SATELLITE_FLAG));
    let mut class = String::from("marker hop");
    let (mut fill, mut ink, mut stroke) = ("#ffffff", palette.leg, palette.leg);
    if !stop.counted {
        class.push_str(" left-out");
        (ink, stroke) = (palette.left_out, palette.left_out);
    }
    if satellite {
        class.push_str(" satellite");
        stroke = palette.satellite;
    }
    if destination {
        class.push_str(" destination");
        (fill, ink) = (stroke, "#ffffff");
    }
    let dash = if stop.counted {
        ""
    } else {
        " stroke-dasharray=\"3 2\""
    };
    let size = if stop.hop >= 100 { 8 } else { 10 };
    let _ = writeln!(
        svg,
        "<g class=\"{class}\" data-hop=\"{hop}\"><circle cx=\"{cx}\" cy=\"{cy}\" r=\"{RADIUS}\" \
         fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/><text x=\"{cx}\" \
         y=\"{ty}\" font-size=\"{size}\" font-weight=\"bold\" text-anchor=\"middle\" \
         fill=\"{ink}\">{hop}</text></g>",
        hop = stop.hop,
        cx = num(x),
        cy = num(y),
        ty = num(y + f64::from(size) * 0.36),
    );
}
