//! What a picture of a path shows, worked out once for the SVG map and the GeoJSON export:
//! the places (the user's origin and each placed hop) and the lines between them.
//!
//! Two kinds of line. A *counted* leg is one of the distance summary's legs: it joins two
//! trusted places and its length is in the total. A *left-out* connector joins a place that
//! is not trusted enough to be summed (an anycast address, a country-level default point) to
//! its neighbours: it is drawn so the reader sees where the hop was placed, but dashed, and the
//! counted leg bridges over it, exactly as the distance summary does.

use crate::distance::{self, DistanceSummary, Method, METRES_PER_MILE};
use crate::path::{Path, PathHop};

/// The hop number the distance summary gives the user's own position (`--from`).
pub const ORIGIN_HOP: u8 = 0;

/// The flag the hints stage puts on a hop reached over a satellite link.
pub const SATELLITE_FLAG: &str = "satellite";

/// A place on the route.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// The hop's TTL, or [`ORIGIN_HOP`] for the user's origin.
    pub hop: u8,
    pub lat: f64,
    pub lon: f64,
    /// True when the place counts toward distances.
    pub counted: bool,
    /// True for the user's origin.
    pub origin: bool,
    /// Index into `Path::hops` (`None` for the origin).
    pub index: Option<usize>,
}

/// A line between two stops.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub from_hop: u8,
    pub to_hop: u8,
    /// `(lat, lon)` of each end.
    pub from: (f64, f64),
    pub to: (f64, f64),
    /// True for a leg of the distance summary; false for a connector to a left-out place.
    pub counted: bool,
    /// True when a hop on this stretch (after `from_hop`, up to `to_hop`) is flagged satellite.
    pub satellite: bool,
    pub miles: f64,
    pub km: f64,
    /// Path length at the end of a counted leg, `(miles, km)`.
    pub cumulative: Option<(f64, f64)>,
    /// Why the place at one end is left out (connectors only).
    pub reason: Option<String>,
}

/// The places and lines of a path, in path order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Route {
    pub stops: Vec<Stop>,
    pub segments: Vec<Segment>,
}

fn on_earth(lat: f64, lon: f64) -> bool {
    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

/// The route of `path`. `origin` is the user's `(lat, lon)` when `--from` was given: the
/// distance summary's first leg starts there (hop 0) but does not carry its coordinates.
pub fn route(path: &Path, origin: Option<(f64, f64)>) -> Route {
    let mut stops = Vec::new();
    if let Some((lat, lon)) = origin.filter(|&(lat, lon)| on_earth(lat, lon)) {
        stops.push(Stop {
            hop: ORIGIN_HOP,
            lat,
            lon,
            counted: true,
            origin: true,
            index: None,
        });
    }
    let mut placed: Vec<(usize, &PathHop)> = path
        .hops
        .iter()
        .enumerate()
        .filter(|(_, h)| h.placement.is_some())
        .collect();
    placed.sort_by_key(|(_, h)| h.hop);
    for (index, hop) in placed {
        let Some(p) = &hop.placement else { continue };
        if on_earth(p.latitude, p.longitude) {
            stops.push(Stop {
                hop: hop.hop,
                lat: p.latitude,
                lon: p.longitude,
                counted: p.counted,
                origin: false,
                index: Some(index),
            });
        }
    }
    let satellite = |from: u8, to: u8| {
        path.hops
            .iter()
            .any(|h| h.hop > from && h.hop <= to && h.flags.iter().any(|f| f == SATELLITE_FLAG))
    };
    let find = |hop: u8| {
        stops
            .iter()
            .find(|s| s.hop == hop && (hop == ORIGIN_HOP) == s.origin)
    };
    let mut segments = Vec::new();
    if let Some(summary) = &path.distance {
        for leg in &summary.legs {
            let (Some(a), Some(b)) = (find(leg.from_hop), find(leg.to_hop)) else {
                continue;
            };
            segments.push(Segment {
                from_hop: leg.from_hop,
                to_hop: leg.to_hop,
                from: (a.lat, a.lon),
                to: (b.lat, b.lon),
                counted: true,
                satellite: satellite(leg.from_hop, leg.to_hop),
                miles: leg.miles,
                km: leg.km,
                cumulative: Some((leg.cumulative_miles, leg.cumulative_km)),
                reason: None,
            });
        }
    }
    let method = path
        .distance
        .as_ref()
        .map_or(Method::default(), |d: &DistanceSummary| d.method);
    for pair in stops.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.counted && b.counted {
            continue;
        }
        let metres = method.metres((a.lat, a.lon), (b.lat, b.lon));
        let reason = [b, a]
            .into_iter()
            .filter(|s| !s.counted)
            .find_map(|s| left_out_reason(path, s));
        segments.push(Segment {
            from_hop: a.hop,
            to_hop: b.hop,
            from: (a.lat, a.lon),
            to: (b.lat, b.lon),
            counted: false,
            satellite: satellite(a.hop, b.hop),
            miles: metres / METRES_PER_MILE,
            km: metres / 1000.0,
            cumulative: None,
            reason,
        });
    }
    // Path order: by where a line starts, counted legs before connectors from the same place.
    segments.sort_by_key(|s| (s.from_hop, s.to_hop, !s.counted));
    Route { stops, segments }
}

fn left_out_reason(path: &Path, stop: &Stop) -> Option<String> {
    let hop = &path.hops[stop.index?];
    let from_placement = hop.placement.as_ref().and_then(|p| p.reason.clone());
    from_placement.or_else(|| {
        path.distance.as_ref().and_then(|d| {
            d.left_out
                .iter()
                .find(|l| l.hop == stop.hop)
                .map(|l| l.reason.clone())
        })
    })
}

/// Points along a segment's geodesic for drawing: about one per 100 km, 2 to 128 of them.
/// Longitudes are unwrapped (each step takes the short way), so they may leave -180..=180.
pub fn curve(segment: &Segment) -> Vec<(f64, f64)> {
    let n = ((segment.km / 100.0).ceil() as usize + 1).clamp(2, 128);
    let points = distance::interpolate(segment.from, segment.to, n);
    unwrap(points.into_iter())
}

/// Longitudes made continuous: each point is moved by whole turns to within 180° of the one
/// before, so a line across the antimeridian runs on past ±180 instead of jumping.
pub fn unwrap(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (lat, lon) in points {
        let lon = match out.last() {
            Some(&(_, prev)) => nearest_turn(lon, prev),
            None => lon,
        };
        out.push((lat, lon));
    }
    out
}

/// `lon` moved by whole turns to lie within 180° of `near`.
pub fn nearest_turn(lon: f64, near: f64) -> f64 {
    lon + 360.0 * ((near - lon) / 360.0).round()
}
