//! A trace as the reports show it: hops with their responders, names and statistics.
//!
//! `Trace` records observations; `Path` is what the enrichment stages make of them: names,
//! GeoIP answers, where each hop is placed and how far apart the places are. Reports (table,
//! CSV, JSON, maps) render a `Path` and never look at how it was gathered.

use crate::aggregate::{Aggregate, HopStats, LossVerdict};
use crate::distance::{self, DistanceSummary, Leg, Method, PathPoint};
use crate::geo::{Geo, Location};
use crate::hints::{self, HintOptions};
use crate::trace::{Hop, MplsLabel, Trace};
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

mod branches;
pub use branches::{Adjacency, Branches, DistanceRange, Extreme, MAX_BRANCHES};

/// One responding address at one hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Responder {
    pub address: IpAddr,
    pub hostname: Option<String>,
    /// RTTs of this responder's replies at this hop, in milliseconds, in sending order.
    pub rtts_ms: Vec<f64>,
    /// Replies received from this responder at this hop (some may carry no RTT).
    pub received: usize,
    /// Traceroute-style marks of its replies (`!N`, `!H`, ...), deduplicated.
    pub marks: Vec<String>,
    /// The kinds of its replies (`time_exceeded`, `echo_reply`, ...), deduplicated.
    pub kinds: Vec<&'static str>,
    /// MPLS label stack quoted by this responder (the first reply that had one).
    pub mpls: Vec<MplsLabel>,
    /// True when this responder is the destination.
    pub destination: bool,
    /// What the geo databases say of the address (`None` without geo data).
    pub geo: Option<Location>,
}

impl Responder {
    pub fn rtt_min_ms(&self) -> Option<f64> {
        self.rtts_ms.iter().copied().reduce(f64::min)
    }
    pub fn rtt_max_ms(&self) -> Option<f64> {
        self.rtts_ms.iter().copied().reduce(f64::max)
    }
    pub fn rtt_avg_ms(&self) -> Option<f64> {
        (!self.rtts_ms.is_empty())
            .then(|| self.rtts_ms.iter().sum::<f64>() / self.rtts_ms.len() as f64)
    }
}

/// Where a hop's location came from, most trusted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LocationSource {
    /// The user's overrides file (`--overrides`).
    Override,
    /// The network operator's geofeed (`--geofeed`, RFC 8805).
    Geofeed,
    /// A place named in the router's host name.
    Hostname,
    /// A city-level GeoIP answer.
    Geoip,
    /// A country-level answer (a default point): kept out of distances unless nothing better.
    Country,
    /// Not located.
    None,
}

impl LocationSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LocationSource::Override => "override",
            LocationSource::Geofeed => "geofeed",
            LocationSource::Hostname => "hostname",
            LocationSource::Geoip => "geoip",
            LocationSource::Country => "country",
            LocationSource::None => "none",
        }
    }
}

/// How far a hop's place can be trusted: from its source and how many independent signals
/// agree (see `hints::confidence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Where a hop is placed on the map, and whether its place counts toward distances.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    pub latitude: f64,
    pub longitude: f64,
    pub source: LocationSource,
    /// False when the place is not trusted enough to be summed.
    pub counted: bool,
    /// Why it is not counted.
    pub reason: Option<String>,
    /// The place a host name hint named, e.g. `Frankfurt am Main, DE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The token that named it and its kind, e.g. `airport code "fra1"`; for a geofeed or an
    /// override, the file and line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub confidence: Confidence,
    /// City, region and country of a place a hint named (GeoIP places take these from the
    /// responder's [`Location`]); the reports show them through [`PathHop::placed`].
    #[serde(skip)]
    pub named: Option<PlaceName>,
}

/// The names of a place: what CSV and JSON write in `city`, `region`, `country`,
/// `country_code`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaceName {
    pub city: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub country_code: Option<String>,
}

/// Where a hop is placed after the checks, with the place's names: what the user plots.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub name: PlaceName,
    pub latitude: f64,
    pub longitude: f64,
    /// `San Jose, CA, US`.
    pub label: String,
}

impl Placement {
    /// A counted place taken as GeoIP gave it.
    pub fn geoip(latitude: f64, longitude: f64) -> Placement {
        Placement {
            latitude,
            longitude,
            source: LocationSource::Geoip,
            counted: true,
            reason: None,
            place: None,
            hint: None,
            named: None,
            confidence: Confidence::Medium,
        }
    }
}

/// One TTL of the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathHop {
    pub hop: u8,
    pub sent: usize,
    pub received: usize,
    pub loss_pct: f64,
    /// Empty for a silent hop.
    pub responders: Vec<Responder>,
    /// Where the hop is placed (from its first located responder).
    pub placement: Option<Placement>,
    /// Notes on the hop's location: `private`, `outlier`, `implausible`, `satellite`, ...
    pub flags: Vec<String>,
    /// The distance leg that ends at this hop, if one does.
    pub leg: Option<Leg>,
}

impl PathHop {
    /// Where the hop is placed, with its names: a hint's place, else the located responder's
    /// GeoIP answer. `None` when the hop is not placed.
    pub fn placed(&self) -> Option<Placed> {
        let p = self.placement.as_ref()?;
        let name = p.named.clone().unwrap_or_else(|| {
            let g = self.located().and_then(|r| r.geo.as_ref());
            PlaceName {
                city: g.and_then(|g| g.city.clone()),
                region: g.and_then(|g| g.region.clone()),
                country: g.and_then(|g| g.country.clone()),
                country_code: g.and_then(|g| g.country_code.clone()),
            }
        });
        let label = p.place.clone().unwrap_or_else(|| {
            [&name.city, &name.country_code]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        });
        Some(Placed {
            name,
            latitude: p.latitude,
            longitude: p.longitude,
            label,
        })
    }

    /// The responder whose location places the hop.
    pub fn located(&self) -> Option<&Responder> {
        self.responders
            .iter()
            .find(|r| r.geo.as_ref().is_some_and(|g| g.coordinates().is_some()))
    }
}

/// The whole enriched path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub trace: Trace,
    pub hops: Vec<PathHop>,
    /// Distances along the located hops (`None` without geo data).
    pub distance: Option<DistanceSummary>,
    /// Statistics over many cycles (`-c`), when the path was watched more than once.
    pub stats: Option<Aggregate>,
    /// For a multipath trace: every vertex of its graph placed in a branch's context, and the
    /// distance range over the branches (see [`Branches`]).
    pub branches: Option<Branches>,
}

/// What enrichment adds to a trace.
#[derive(Debug, Default, Clone, Copy)]
pub struct Enrichment<'a> {
    /// Reverse-DNS names found.
    pub names: Option<&'a HashMap<IpAddr, String>>,
    /// Geo databases, unless geo is off.
    pub geo: Option<&'a Geo>,
    /// The user's own position (`--from`), where distances start.
    pub from: Option<(f64, f64)>,
    pub method: Method,
    /// Host name hints and location checks (`--no-hints`, `--keep-outliers`).
    pub hints: HintOptions,
}

/// Milliseconds of a duration, as the reports print them.
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn path_hop(hop: &Hop, enrich: &Enrichment<'_>) -> PathHop {
    let empty = HashMap::new();
    let names = enrich.names.unwrap_or(&empty);
    let responders = hop
        .responders()
        .into_iter()
        .map(|address| {
            let replies: Vec<_> = hop.replies().filter(|r| r.address == address).collect();
            let mut marks: Vec<String> = Vec::new();
            for m in replies.iter().filter_map(|r| r.kind.mark()) {
                if !marks.contains(&m) {
                    marks.push(m);
                }
            }
            let mut kinds: Vec<&'static str> = Vec::new();
            for k in replies.iter().map(|r| r.kind.name()) {
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
            Responder {
                address,
                kinds,
                hostname: names
                    .get(&address)
                    .cloned()
                    .or_else(|| replies.iter().find_map(|r| r.hostname.clone())),
                rtts_ms: replies.iter().filter_map(|r| r.rtt).map(millis).collect(),
                received: replies.len(),
                marks,
                mpls: replies
                    .iter()
                    .find(|r| !r.mpls.is_empty())
                    .map(|r| r.mpls.clone())
                    .unwrap_or_default(),
                destination: replies.iter().any(|r| r.kind.is_destination()),
                geo: enrich.geo.map(|g| g.lookup(address)),
            }
        })
        .collect::<Vec<_>>();
    let mut flags = Vec::new();
    for r in &responders {
        if let Some(label) = r.geo.as_ref().and_then(|g| g.special).map(|s| s.label()) {
            if !flags.iter().any(|f| f == label) {
                flags.push(label.to_string());
            }
        }
    }
    let mut hop = PathHop {
        hop: hop.ttl,
        sent: hop.sent(),
        received: hop.received(),
        loss_pct: hop.loss_pct(),
        responders,
        placement: None,
        flags,
        leg: None,
    };
    hop.placement = hop.located().and_then(|r| {
        let (latitude, longitude) = r.geo.as_ref()?.coordinates()?;
        Some(Placement::geoip(latitude, longitude))
    });
    hop
}

/// Distances along the placed hops; each leg is attached to the hop where it ends.
fn measure(hops: &mut [PathHop], from: Option<(f64, f64)>, method: Method) -> DistanceSummary {
    let points: Vec<PathPoint> = hops
        .iter()
        .filter_map(|h| {
            let p = h.placement.as_ref()?;
            Some(if p.counted {
                PathPoint::new(h.hop, p.latitude, p.longitude)
            } else {
                PathPoint::left_out(
                    h.hop,
                    p.latitude,
                    p.longitude,
                    p.reason
                        .clone()
                        .unwrap_or_else(|| "untrusted location".into()),
                )
            })
        })
        .collect();
    let mut summary = distance::summarize(&points, from, method);
    for leg in &mut summary.legs {
        // A leg over a geostationary hop is labelled (its length is still the ground distance).
        leg.satellite = hops.iter().any(|h| {
            h.hop > leg.from_hop && h.hop <= leg.to_hop && h.flags.iter().any(|f| f == "satellite")
        });
    }
    for leg in &summary.legs {
        if let Some(h) = hops.iter_mut().find(|h| h.hop == leg.to_hop) {
            h.leg = Some(leg.clone());
        }
    }
    summary
}

impl Path {
    /// Build the path of `trace` with everything `enrich` offers.
    pub fn build(trace: Trace, enrich: &Enrichment<'_>) -> Path {
        let mut hops: Vec<PathHop> = trace.hops.iter().map(|h| path_hop(h, enrich)).collect();
        hints::apply(&mut hops, &enrich.hints, enrich.geo.map(Geo::feeds));
        let distance = enrich
            .geo
            .map(|_| measure(&mut hops, enrich.from, enrich.method));
        let branches = trace
            .multipath
            .as_ref()
            .map(|graph| Branches::build(&trace, graph, enrich));
        Path {
            trace,
            hops,
            distance,
            stats: None,
            branches,
        }
    }

    /// Build the path of `trace` with names only.
    pub fn new(trace: Trace, names: &HashMap<IpAddr, String>) -> Path {
        Path::build(
            trace,
            &Enrichment {
                names: Some(names),
                ..Enrichment::default()
            },
        )
    }

    /// The vertex `address` answered as at `ttl`, placed in its branch's context (multipath
    /// traces only).
    pub fn node(&self, ttl: u8, address: IpAddr) -> Option<&PathHop> {
        let i = self.trace.multipath.as_ref()?.find(ttl, address)?;
        self.branches.as_ref()?.nodes.get(i)
    }

    /// The statistics of hop `ttl` over all cycles, when there are any.
    pub fn hop_stats(&self, ttl: u8) -> Option<&HopStats> {
        self.stats.as_ref()?.hop(ttl)
    }

    /// Which loss hop `ttl` shows over all cycles, when there are statistics.
    pub fn loss_verdict(&self, ttl: u8) -> Option<LossVerdict> {
        let stats = self.stats.as_ref()?;
        stats
            .loss_verdicts()
            .into_iter()
            .find(|(t, _)| *t == ttl)
            .map(|(_, v)| v)
    }

    /// One hop on its own (for live output, before the trace is complete).
    pub fn hop(hop: &Hop, enrich: &Enrichment<'_>) -> PathHop {
        path_hop(hop, enrich)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Origin, Reply, ReplyKind, Unreachable};

    #[test]
    fn responders_keep_their_own_rtts_and_marks() {
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let r = |addr, ms, kind| Some(Reply::new(addr, Some(Duration::from_millis(ms)), kind));
        let hop = Hop {
            ttl: 4,
            probes: vec![
                r(a, 10, ReplyKind::TimeExceeded),
                r(b, 30, ReplyKind::Unreachable(Unreachable::Host)),
                None,
                r(a, 20, ReplyKind::TimeExceeded),
            ],
        };
        let mut t = Trace::new("x", None, Origin::Live);
        t.hops.push(hop);
        let names = HashMap::from([(a, "r1.example".to_string())]);
        let p = Path::new(t, &names);
        let h = &p.hops[0];
        assert_eq!((h.sent, h.received, h.loss_pct), (4, 3, 25.0));
        assert_eq!(h.responders[0].hostname.as_deref(), Some("r1.example"));
        assert_eq!(h.responders[0].rtts_ms, vec![10.0, 20.0]);
        assert_eq!(h.responders[0].rtt_avg_ms(), Some(15.0));
        assert_eq!(h.responders[1].marks, vec!["!H".to_string()]);
        assert_eq!(h.responders[1].hostname, None);
    }
}
