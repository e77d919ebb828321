//! How far did the packets travel? Path distances from hop locations.
//!
//! Given the located hops of a path, in order, this sums the great-circle legs between them,
//! measures the direct distance from the start (first located hop, or the user's own position)
//! to the last located hop, and reports their ratio, the *stretch*: how much further the packets
//! went than they had to. A stretch near 1 is a direct path; 3 means a detour (often traffic
//! hauled to another country and back).
//!
//! Distances are WGS84 geodesics (Karney's algorithm, via `geo`), accurate to nanometres, since
//! the sphere's error (up to 0.5%) is larger than the differences people compare. Haversine is
//! available for comparison with other tools. Every figure is carried in both miles and
//! kilometres so that reports never convert (and round) twice.
//!
//! This module knows nothing of where coordinates came from. Callers pass hops whose location
//! is untrustworthy (an anycast address, a country centroid) with `counted: false`: they are
//! left out of the sums and listed with the caller's reason, and the legs bridge over them as
//! they do over hops with no location at all.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Metres in an international mile.
pub const METRES_PER_MILE: f64 = 1609.344;

/// How distances between two points are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Shortest path on the WGS84 ellipsoid (Karney 2013).
    #[default]
    Geodesic,
    /// Great circle on a sphere of the IUGG mean radius, 6,371,008.8 m.
    Haversine,
}

impl Method {
    /// Distance in metres between two `(lat, lon)` points in degrees.
    pub fn metres(self, from: (f64, f64), to: (f64, f64)) -> f64 {
        use ::geo::Distance;
        // geo's points are (x, y) = (longitude, latitude).
        let (a, b) = (
            ::geo::Point::new(from.1, from.0),
            ::geo::Point::new(to.1, to.0),
        );
        match self {
            Method::Geodesic => ::geo::Geodesic.distance(a, b),
            Method::Haversine => ::geo::Haversine.distance(a, b),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Geodesic => "geodesic",
            Method::Haversine => "haversine",
        })
    }
}

impl FromStr for Method {
    type Err = DistanceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "geodesic" | "wgs84" | "karney" => Ok(Method::Geodesic),
            "haversine" | "sphere" => Ok(Method::Haversine),
            _ => Err(DistanceError::Method(s.to_string())),
        }
    }
}

/// The unit distances are shown in (`--units mi|km`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    /// Statute miles.
    #[default]
    Miles,
    /// Kilometres.
    Km,
}

impl Units {
    /// Picks the figure in this unit from a miles/km pair.
    pub fn pick(self, miles: f64, km: f64) -> f64 {
        match self {
            Units::Miles => miles,
            Units::Km => km,
        }
    }

    /// Formats a miles/km pair in this unit with one decimal and thousands separators:
    /// `3,470.7 mi`.
    pub fn format(self, miles: f64, km: f64) -> String {
        format!("{} {self}", group_thousands(self.pick(miles, km)))
    }
}

impl fmt::Display for Units {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Units::Miles => "mi",
            Units::Km => "km",
        })
    }
}

impl FromStr for Units {
    type Err = DistanceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mi" | "mile" | "miles" => Ok(Units::Miles),
            "km" | "kilometre" | "kilometres" | "kilometer" | "kilometers" => Ok(Units::Km),
            _ => Err(DistanceError::Units(s.to_string())),
        }
    }
}

/// `1234.56` → `1,234.6`; non-finite values are shown as they are.
pub fn group_thousands(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{:.1}", value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "0"));
    let mut grouped = String::with_capacity(text.len() + int.len() / 3 + 1);
    if value < 0.0 && text != "0.0" {
        grouped.push('-');
    }
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped}.{frac}")
}

/// Errors reading distance options from the command line.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DistanceError {
    /// `--from` was not two numbers.
    #[error("expected LAT,LON in decimal degrees (for example 51.5072,-0.1276), got {0:?}")]
    Coordinates(String),
    /// A latitude outside -90..=90.
    #[error("latitude {0} is out of range -90 to 90 (the order is LAT,LON)")]
    Latitude(f64),
    /// A longitude outside -180..=180.
    #[error("longitude {0} is out of range -180 to 180")]
    Longitude(f64),
    /// An unknown `--units` value.
    #[error("unknown unit {0:?}: use mi or km")]
    Units(String),
    /// An unknown distance method.
    #[error("unknown distance method {0:?}: use geodesic or haversine")]
    Method(String),
}

/// Reads `LAT,LON` (decimal degrees; a comma, spaces or both between them), as for `--from`.
pub fn parse_lat_lon(text: &str) -> Result<(f64, f64), DistanceError> {
    let bad = || DistanceError::Coordinates(text.to_string());
    let parts: Vec<&str> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let [lat, lon] = parts.as_slice() else {
        return Err(bad());
    };
    let number = |p: &str| p.parse::<f64>().ok().filter(|v| v.is_finite());
    let (lat, lon) = (number(lat).ok_or_else(bad)?, number(lon).ok_or_else(bad)?);
    check_lat_lon(lat, lon)?;
    Ok((lat, lon))
}

/// `Ok` when `(lat, lon)` is a place on Earth (degrees in range).
pub fn check_lat_lon(lat: f64, lon: f64) -> Result<(), DistanceError> {
    if !(-90.0..=90.0).contains(&lat) {
        return Err(DistanceError::Latitude(lat));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(DistanceError::Longitude(lon));
    }
    Ok(())
}

/// A located hop, in path order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathPoint {
    /// The hop's TTL.
    pub hop: u8,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// False when the location is not trusted enough to measure with.
    pub counted: bool,
    /// Why it is left out (shown to the user), when `counted` is false.
    pub reason: Option<String>,
}

impl PathPoint {
    /// A point that counts.
    pub fn new(hop: u8, lat: f64, lon: f64) -> Self {
        PathPoint {
            hop,
            lat,
            lon,
            counted: true,
            reason: None,
        }
    }

    /// A point that is left out of the sums, and why.
    pub fn left_out(hop: u8, lat: f64, lon: f64, reason: impl Into<String>) -> Self {
        PathPoint {
            counted: false,
            reason: Some(reason.into()),
            ..PathPoint::new(hop, lat, lon)
        }
    }
}

/// One leg between consecutive counted points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leg {
    /// Where the leg starts: a hop's TTL, or 0 for the user-given origin.
    pub from_hop: u8,
    /// Where the leg ends.
    pub to_hop: u8,
    /// Leg length.
    pub miles: f64,
    /// Leg length.
    pub km: f64,
    /// Path length up to the end of this leg.
    pub cumulative_miles: f64,
    /// Path length up to the end of this leg.
    pub cumulative_km: f64,
    /// True when the leg crosses a geostationary satellite link (set by the caller, which
    /// knows the hops): its length is the ground distance, not the way the signal went.
    pub satellite: bool,
}

/// A point left out of the sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// The hop's TTL.
    pub hop: u8,
    /// Why.
    pub reason: String,
}

/// Path distances: legs, total, direct distance and stretch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceSummary {
    /// Legs in path order.
    pub legs: Vec<Leg>,
    /// Sum of the legs.
    pub total_miles: f64,
    /// Sum of the legs.
    pub total_km: f64,
    /// From the start (origin or first counted point) to the last counted point.
    pub direct_miles: f64,
    /// From the start (origin or first counted point) to the last counted point.
    pub direct_km: f64,
    /// `total / direct`; `None` when the direct distance is zero (one place, or no points).
    pub stretch: Option<f64>,
    /// Points not counted, in path order.
    pub left_out: Vec<LeftOut>,
    /// How distances were measured.
    pub method: Method,
}

/// The reason shown for a point (or origin) with coordinates that are not on Earth.
const INVALID_COORDINATES: &str = "invalid coordinates";

/// Measures a path. `points` are the located hops (unlocated hops are simply absent and are
/// bridged); they are taken in hop order. With `origin` (the user's `(lat, lon)`), the first leg
/// runs from it (as hop 0) to the first counted point, and the direct distance starts there too.
pub fn summarize(
    points: &[PathPoint],
    origin: Option<(f64, f64)>,
    method: Method,
) -> DistanceSummary {
    let mut ordered: Vec<&PathPoint> = points.iter().collect();
    ordered.sort_by_key(|p| p.hop); // stable: same-hop points keep the caller's order
    let mut left_out = Vec::new();
    let mut stops: Vec<(u8, (f64, f64))> = Vec::with_capacity(ordered.len() + 1);
    match origin {
        Some(o) if check_lat_lon(o.0, o.1).is_ok() => stops.push((0, o)),
        Some(_) => left_out.push(LeftOut {
            hop: 0,
            reason: INVALID_COORDINATES.to_string(),
        }),
        None => {}
    }
    for p in ordered {
        if !p.counted {
            let reason = p.reason.clone().unwrap_or_else(|| "left out".to_string());
            left_out.push(LeftOut { hop: p.hop, reason });
        } else if check_lat_lon(p.lat, p.lon).is_err() {
            left_out.push(LeftOut {
                hop: p.hop,
                reason: INVALID_COORDINATES.to_string(),
            });
        } else {
            stops.push((p.hop, (p.lat, p.lon)));
        }
    }
    let mut legs = Vec::with_capacity(stops.len().saturating_sub(1));
    let mut total_m = 0.0;
    for pair in stops.windows(2) {
        let ((from_hop, a), (to_hop, b)) = (pair[0], pair[1]);
        let metres = method.metres(a, b);
        total_m += metres;
        legs.push(Leg {
            from_hop,
            to_hop,
            miles: metres / METRES_PER_MILE,
            km: metres / 1000.0,
            cumulative_miles: total_m / METRES_PER_MILE,
            cumulative_km: total_m / 1000.0,
            satellite: false,
        });
    }
    let direct_m = match (stops.first(), stops.last()) {
        (Some(first), Some(last)) => method.metres(first.1, last.1),
        _ => 0.0,
    };
    DistanceSummary {
        legs,
        total_miles: total_m / METRES_PER_MILE,
        total_km: total_m / 1000.0,
        direct_miles: direct_m / METRES_PER_MILE,
        direct_km: direct_m / 1000.0,
        stretch: (direct_m > 0.0).then(|| total_m / direct_m),
        left_out,
        method,
    }
}

/// `n` points evenly spaced along the geodesic from `a` to `b` (both `(lat, lon)`), including
/// both ends: for drawing a leg as a curve on a map. `n == 1` gives `[a]`; `n == 0` nothing.
/// Longitudes stay within -180..=180, so a leg across the antimeridian jumps from 180 to -180
/// and the map must split it there.
pub fn interpolate(a: (f64, f64), b: (f64, f64), n: usize) -> Vec<(f64, f64)> {
    use ::geo::InterpolatePoint;
    let (pa, pb) = (::geo::Point::new(a.1, a.0), ::geo::Point::new(b.1, b.0));
    match n {
        0 => Vec::new(),
        1 => vec![a],
        _ => (0..n)
            .map(|i| match i {
                0 => a,
                i if i == n - 1 => b,
                _ => {
                    let p =
                        ::geo::Geodesic.point_at_ratio_between(pa, pb, i as f64 / (n - 1) as f64);
                    (p.y(), p.x())
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
