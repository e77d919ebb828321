//! JSON export: one document with the target, its address, the options used, and the hops.
//! `schema_version` changes whenever a field changes meaning or goes away.
//!
//! Version 2: a hop's `city`, `region`, `country`, `country_code`, `latitude`, `longitude`
//! and `place` say where it is placed after the checks (what a map should show); each
//! responder's `geoip_*` fields keep what the databases said (version 1 had them, unprefixed,
//! in a `geo` object). Numbers are rounded as people read them (see [`super::round`]).
//!
//! A multipath trace adds two top-level keys, `probes_sent` and `multipath` (the graph, see
//! `json_multipath`); other documents are unchanged, so the version stays 2 (it counts
//! changed or removed fields, not new ones).

use super::stats::{self, HopStatsView, ResponderStatsView};
use crate::distance::{DistanceSummary, Leg};
use crate::geo::Location;
use crate::path::{LocationSource, Path, PathHop, PlaceName, Placement, Responder};
use crate::trace::{MplsLabel, Origin, TraceOptions};
use serde::Serialize;
use std::net::IpAddr;

/// The version of the document layout below.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    generator: String,
    target: &'a str,
    address: Option<IpAddr>,
    source: Option<IpAddr>,
    origin: Origin,
    options: Option<&'a TraceOptions>,
    reached: bool,
    interrupted: bool,
    /// Cycles summed up (`-c`); absent for a single trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    cycles: Option<u64>,
    hops: Vec<HopView<'a>>,
    distance: Option<&'a DistanceSummary>,
    /// Probes sent over the whole run (multipath traces only).
    #[serde(skip_serializing_if = "Option::is_none")]
    probes_sent: Option<u64>,
    /// The graph of a multipath trace, every vertex placed (see `json_multipath`).
    #[serde(skip_serializing_if = "Option::is_none")]
    multipath: Option<super::json_multipath::MultipathView<'a>>,
}

#[derive(Serialize)]
struct HopView<'a> {
    hop: u8,
    sent: usize,
    received: usize,
    loss_pct: f64,
    city: Option<String>,
    region: Option<String>,
    country: Option<String>,
    country_code: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    place: Option<String>,
    responders: Vec<ResponderView<'a>>,
    location_source: LocationSource,
    placement: Option<&'a Placement>,
    flags: &'a [String],
    leg: Option<&'a Leg>,
    /// Figures over all cycles (`-c`).
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<HopStatsView>,
}

#[derive(Serialize)]
struct ResponderView<'a> {
    ip: IpAddr,
    hostname: Option<&'a str>,
    rtts_ms: &'a [f64],
    rtt_min_ms: Option<f64>,
    rtt_avg_ms: Option<f64>,
    rtt_max_ms: Option<f64>,
    received: usize,
    destination: bool,
    kinds: &'a [&'static str],
    marks: &'a [String],
    mpls: &'a [MplsLabel],
    #[serde(flatten)]
    geoip: Option<GeoipView<'a>>,
    /// Figures over all cycles (`-c`).
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<ResponderStatsView>,
}

/// What the databases said of a responder, under `geoip_*` names where a field could be
/// mistaken for where the hop is placed.
#[derive(Serialize)]
pub(super) struct GeoipView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    geoip_city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geoip_region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geoip_country: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geoip_country_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geoip_latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geoip_longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accuracy_km: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    asn: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    isp: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    special: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_db: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country_db: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    asn_db: Option<&'a str>,
}

pub(super) fn geoip(g: &Location) -> GeoipView<'_> {
    GeoipView {
        geoip_city: g.city.as_deref(),
        geoip_region: g.region.as_deref(),
        geoip_country: g.country.as_deref(),
        geoip_country_code: g.country_code.as_deref(),
        geoip_latitude: g.latitude,
        geoip_longitude: g.longitude,
        accuracy_km: g.accuracy_km,
        asn: g.asn,
        isp: g.isp.as_deref(),
        special: g.special.map(|s| s.label()),
        location_db: g.location_db.as_deref(),
        country_db: g.country_db.as_deref(),
        asn_db: g.asn_db.as_deref(),
    }
}

fn responder<'a>(path: &Path, h: &PathHop, r: &'a Responder) -> ResponderView<'a> {
    ResponderView {
        stats: stats::responder_view(path, h, r.address),
        ip: r.address,
        hostname: r.hostname.as_deref(),
        rtts_ms: &r.rtts_ms,
        rtt_min_ms: r.rtt_min_ms(),
        rtt_avg_ms: r.rtt_avg_ms(),
        rtt_max_ms: r.rtt_max_ms(),
        received: r.received,
        destination: r.destination,
        kinds: &r.kinds,
        marks: &r.marks,
        mpls: &r.mpls,
        geoip: r.geo.as_ref().map(geoip),
    }
}

fn hop<'a>(path: &Path, h: &'a PathHop) -> HopView<'a> {
    let placed = h.placed();
    let (name, at, place) = match placed {
        Some(p) => (p.name, Some((p.latitude, p.longitude)), Some(p.label)),
        None => (PlaceName::default(), None, None),
    };
    HopView {
        stats: stats::hop_view(path, h),
        hop: h.hop,
        sent: h.sent,
        received: h.received,
        loss_pct: h.loss_pct,
        city: name.city,
        region: name.region,
        country: name.country,
        country_code: name.country_code,
        latitude: at.map(|a| a.0),
        longitude: at.map(|a| a.1),
        place: place.filter(|p| !p.is_empty()),
        responders: h.responders.iter().map(|r| responder(path, h, r)).collect(),
        location_source: h
            .placement
            .as_ref()
            .map(|p| p.source)
            .unwrap_or(LocationSource::None),
        placement: h.placement.as_ref(),
        flags: &h.flags,
        leg: h.leg.as_ref(),
    }
}

/// The JSON document of `path`, pretty-printed, numbers rounded.
pub fn to_string(path: &Path) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&document(path))
}

/// The JSON document of `path`, as a value to serialise (the many-trace export puts each one
/// in its `traces` array, or on its own line).
pub fn document(path: &Path) -> impl Serialize + '_ {
    let t = &path.trace;
    super::round::Rounded(Document {
        schema_version: SCHEMA_VERSION,
        generator: format!("globetrace {}", env!("CARGO_PKG_VERSION")),
        target: &t.target,
        address: t.address,
        source: t.source,
        origin: t.origin,
        options: t.options.as_ref(),
        reached: t.reached,
        interrupted: t.interrupted,
        cycles: path.stats.as_ref().map(|s| s.cycles),
        hops: path.hops.iter().map(|h| hop(path, h)).collect(),
        distance: path.distance.as_ref(),
        probes_sent: t.multipath.as_ref().map(|m| m.probes_sent),
        multipath: super::json_multipath::view(path),
    })
}
