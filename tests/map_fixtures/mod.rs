//! Paths for the map and GeoJSON tests (`mod map_fixtures;` in `tests/map_*.rs`), built by hand
//! from places so each test says exactly which hops are where, counted or not, and flagged.
//! Distances come from the real `distance::summarize`, attached to hops the way
//! `Path::build` attaches them.

#![allow(dead_code)]

use globetrace::distance::{summarize, Method, PathPoint};
use globetrace::geo::Location;
use globetrace::path::{Confidence, LocationSource, Path, PathHop, Placement, Responder};
use globetrace::trace::{Origin, Trace};
use std::net::IpAddr;

/// One hop of a hand-made path.
#[derive(Debug, Clone)]
pub struct Place {
    pub hop: u8,
    pub city: &'static str,
    pub country_code: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// `Some(reason)`: placed but left out of the distance.
    pub left_out: Option<&'static str>,
    pub flags: Vec<&'static str>,
    pub hostname: Option<&'static str>,
}

pub fn place(hop: u8, city: &'static str, cc: &'static str, lat: f64, lon: f64) -> Place {
    Place {
        hop,
        city,
        country_code: cc,
        lat,
        lon,
        left_out: None,
        flags: Vec::new(),
        hostname: None,
    }
}

impl Place {
    pub fn left_out(mut self, reason: &'static str) -> Place {
        self.left_out = Some(reason);
        self
    }

    pub fn flag(mut self, flag: &'static str) -> Place {
        self.flags.push(flag);
        self
    }

    pub fn named(mut self, hostname: &'static str) -> Place {
        self.hostname = Some(hostname);
        self
    }
}

fn address(hop: u8) -> IpAddr {
    // Documentation range: hop n is 203.0.113.n.
    IpAddr::from([203, 0, 113, hop])
}

fn responder(p: &Place, destination: bool) -> Responder {
    let rtt = 1.0 + f64::from(p.hop) * 7.5;
    Responder {
        address: address(p.hop),
        hostname: p.hostname.map(str::to_string),
        rtts_ms: vec![rtt, rtt + 0.4, rtt + 0.2],
        received: 3,
        marks: Vec::new(),
        kinds: vec![if destination {
            "echo_reply"
        } else {
            "time_exceeded"
        }],
        mpls: Vec::new(),
        destination,
        geo: Some(Location {
            city: Some(p.city.to_string()),
            country_code: Some(p.country_code.to_string()),
            latitude: Some(p.lat),
            longitude: Some(p.lon),
            location_db: Some("test".to_string()),
            ..Location::default()
        }),
    }
}

fn silent(hop: u8) -> PathHop {
    PathHop {
        hop,
        sent: 3,
        received: 0,
        loss_pct: 100.0,
        responders: Vec::new(),
        placement: None,
        flags: Vec::new(),
        leg: None,
    }
}

/// A path through `places` (the last is the destination), with the hops in `silent_hops`
/// unanswered, measured from `origin` when given.
pub fn path(places: &[Place], silent_hops: &[u8], origin: Option<(f64, f64)>) -> Path {
    let last = places.iter().map(|p| p.hop).max().unwrap_or(0);
    let mut hops: Vec<PathHop> = places
        .iter()
        .map(|p| PathHop {
            hop: p.hop,
            sent: 3,
            received: 3,
            loss_pct: 0.0,
            responders: vec![responder(p, p.hop == last)],
            placement: Some(Placement {
                latitude: p.lat,
                longitude: p.lon,
                source: LocationSource::Geoip,
                counted: p.left_out.is_none(),
                reason: p.left_out.map(str::to_string),
                place: None,
                hint: None,
                named: None,
                confidence: Confidence::Medium,
            }),
            flags: p.flags.iter().map(|f| f.to_string()).collect(),
            leg: None,
        })
        .chain(silent_hops.iter().map(|&h| silent(h)))
        .collect();
    hops.sort_by_key(|h| h.hop);
    let points: Vec<PathPoint> = places
        .iter()
        .map(|p| match p.left_out {
            None => PathPoint::new(p.hop, p.lat, p.lon),
            Some(reason) => PathPoint::left_out(p.hop, p.lat, p.lon, reason),
        })
        .collect();
    let summary = summarize(&points, origin, Method::Geodesic);
    for leg in &summary.legs {
        if let Some(h) = hops.iter_mut().find(|h| h.hop == leg.to_hop) {
            h.leg = Some(leg.clone());
        }
    }
    let mut trace = Trace::new("www.example.com", Some(address(last)), Origin::Imported);
    trace.reached = true;
    Path {
        stats: None,
        branches: None,
        trace,
        hops,
        distance: Some(summary),
    }
}

/// London → New York → San Jose, hop 3 silent.
pub fn transatlantic() -> Path {
    path(
        &[
            place(1, "London", "GB", 51.5072, -0.1276),
            place(2, "London", "GB", 51.5072, -0.1276),
            place(4, "New York", "US", 40.7128, -74.006),
            place(5, "Chicago", "US", 41.8781, -87.6298),
            place(6, "San Jose", "US", 37.3382, -121.8863),
        ],
        &[3],
        None,
    )
}

/// Tokyo → Los Angeles: one leg across the Pacific.
pub fn pacific() -> Path {
    path(
        &[
            place(1, "Tokyo", "JP", 35.6762, 139.6503),
            place(2, "Los Angeles", "US", 34.0549, -118.2426),
        ],
        &[],
        None,
    )
}

/// London → Frankfurt → Amsterdam.
pub fn europe() -> Path {
    path(
        &[
            place(1, "London", "GB", 51.5072, -0.1276),
            place(2, "Frankfurt am Main", "DE", 50.1109, 8.6821),
            place(3, "Amsterdam", "NL", 52.3676, 4.9041),
        ],
        &[],
        None,
    )
}

/// London → (an anycast address placed in Sydney, left out) → Paris → (satellite) → Lagos.
pub fn detour_and_satellite() -> Path {
    path(
        &[
            place(1, "London", "GB", 51.5072, -0.1276),
            place(2, "Sydney", "AU", -33.8688, 151.2093).left_out("anycast address"),
            place(3, "Paris", "FR", 48.8566, 2.3522),
            place(4, "Lagos", "NG", 6.5244, 3.3792).flag("satellite"),
        ],
        &[],
        None,
    )
}
