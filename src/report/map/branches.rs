//! The lines of a multipath trace's graph on a map, for the SVG map and the GeoJSON export:
//! one per link between placed vertices, each vertex at the place its own branch gave it.
//!
//! A link whose end is an unknown vertex (a router that never answered) or a vertex with no
//! place is *bridged*: the line runs from the placed vertex before it to each placed vertex
//! after it, as the distance summary bridges unplaced hops, and says so (`bridged`). A line
//! is `counted` when both ends count toward distances; others are drawn dashed. The primary
//! route (`route.rs`, the hop rows' places) is drawn as before, on top.

use super::route::{self, Segment};
use super::svg::{escape, num, polyline};
use super::view::View;
use super::Palette;
use crate::distance::{Method, METRES_PER_MILE};
use crate::path::{Adjacency, Path};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// The colour branch lines are drawn in.
pub const BRANCH_COLOUR: &str = "#2b6cb0";

/// One line between two placed vertices.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchLink {
    /// Vertex indices of the ends.
    pub from: usize,
    pub to: usize,
    pub from_at: (f64, f64),
    pub to_at: (f64, f64),
    /// True when it passes over unknown or unplaced vertices.
    pub bridged: bool,
    /// True when both ends count toward distances.
    pub counted: bool,
    /// Flows seen on the link (a direct link only).
    pub flows: Option<u32>,
    pub miles: f64,
    pub km: f64,
}

/// A vertex's place on the map: `(lat, lon)` and whether it counts.
pub fn place(path: &Path, i: usize) -> Option<((f64, f64), bool)> {
    let p = path.branches.as_ref()?.nodes.get(i)?.placement.as_ref()?;
    crate::distance::check_lat_lon(p.latitude, p.longitude).ok()?;
    Some(((p.latitude, p.longitude), p.counted))
}

/// Every line of the graph between placed vertices, bridging the others; empty for a trace
/// without a graph.
pub fn links(path: &Path) -> Vec<BranchLink> {
    let Some(m) = &path.trace.multipath else {
        return Vec::new();
    };
    let method = path
        .distance
        .as_ref()
        .map_or(Method::default(), |d| d.method);
    let adj = Adjacency::of(m);
    let flows: HashMap<(usize, usize), u32> =
        m.links.iter().map(|l| ((l.from, l.to), l.flows)).collect();
    let mut out: Vec<BranchLink> = Vec::new();
    for from in 0..m.nodes.len() {
        let Some((from_at, from_counted)) = place(path, from) else {
            continue;
        };
        for (to, bridged) in reach(path, &adj, from) {
            let Some((to_at, to_counted)) = place(path, to) else {
                continue;
            };
            let flows = (!bridged)
                .then(|| flows.get(&(from, to)).copied())
                .flatten();
            let metres = method.metres(from_at, to_at);
            out.push(BranchLink {
                from,
                to,
                from_at,
                to_at,
                bridged,
                counted: from_counted && to_counted,
                flows,
                miles: metres / METRES_PER_MILE,
                km: metres / 1000.0,
            });
        }
    }
    out
}

/// The placed vertices `from` leads to, over unplaced ones: `(vertex, bridged)`; each once.
fn reach(path: &Path, adj: &Adjacency, from: usize) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    // Direct links first, so a vertex reached both ways is not called bridged.
    let (placed, mut stack): (Vec<usize>, Vec<usize>) = adj.successors[from]
        .iter()
        .partition(|&&to| place(path, to).is_some());
    for to in placed {
        if seen.insert(to) {
            out.push((to, false));
        }
    }
    while let Some(v) = stack.pop() {
        if !seen.insert(v) {
            continue;
        }
        if place(path, v).is_some() {
            out.push((v, true));
            continue;
        }
        stack.extend(adj.successors[v].iter().copied());
    }
    out.sort_unstable();
    out
}

/// A link's geodesic for drawing, longitudes unwrapped and moved to within 180° of `near`.
pub fn curve(link: &BranchLink, near: Option<f64>) -> Vec<(f64, f64)> {
    let mut c = route::curve(&Segment {
        from_hop: 0,
        to_hop: 0,
        from: link.from_at,
        to: link.to_at,
        counted: link.counted,
        satellite: false,
        miles: link.miles,
        km: link.km,
        cumulative: None,
        reason: None,
    });
    if let (Some(near), Some(first)) = (near, c.first().copied()) {
        let shift = route::nearest_turn(first.1, near) - first.1;
        for p in &mut c {
            p.1 += shift;
        }
    }
    c
}

/// The branch lines (under the primary route) and a small dot at each placed vertex.
pub(crate) fn draw(
    out: &mut String,
    path: &Path,
    links: &[BranchLink],
    curves: &[Vec<(f64, f64)>],
    view: &View,
    palette: &Palette,
) {
    let Some(m) = &path.trace.multipath else {
        return;
    };
    out.push_str("<g class=\"branches\" fill=\"none\" stroke-linecap=\"round\">\n");
    for (l, c) in links.iter().zip(curves) {
        let dash = if l.counted && !l.bridged {
            ""
        } else {
            " stroke-dasharray=\"5 4\""
        };
        let _ = writeln!(
            out,
            "<g class=\"branch\" data-from=\"{}\" data-to=\"{}\" data-km=\"{:.1}\" \
             stroke=\"{BRANCH_COLOUR}\" stroke-width=\"1.6\"{dash}>",
            escape(&m.node_id(l.from)),
            escape(&m.node_id(l.to)),
            l.km
        );
        for piece in view.pieces(c) {
            let d = polyline(&piece);
            if d.contains('L') {
                let _ = writeln!(out, "<path d=\"{d}\"/>");
            }
        }
        out.push_str("</g>\n");
    }
    for i in 0..m.nodes.len() {
        let Some(((lat, lon), counted)) = place(path, i) else {
            continue;
        };
        let near = (view.west + view.east) / 2.0;
        let (x, y) = view.xy(lat, route::nearest_turn(lon, near));
        let _ = writeln!(
            out,
            "<circle class=\"node\" data-id=\"{}\" cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\" \
             stroke=\"#ffffff\" stroke-width=\"1\"/>",
            escape(&m.node_id(i)),
            num(x),
            num(y),
            if counted {
                BRANCH_COLOUR
            } else {
                palette.left_out
            }
        );
    }
    out.push_str("</g>\n");
}
