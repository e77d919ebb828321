//! The `multipath` object of the JSON export: the graph of a multipath trace with every vertex
//! placed on its own (see [`crate::path::Branches`]), its links, and the distance range over
//! its branches.
//!
//! Kept apart from `json.rs` because it renders the graph, not the hop list: a vertex is
//! named by [`Multipath::node_id`] (`3:192.0.2.1`, `3:*1` for an unknown one), links name
//! their ends by those ids, and a vertex's place fields mean what a hop's do (where it is
//! placed after the checks, with GeoIP's answer under `geoip_*`).

use super::json::{geoip, GeoipView};
use crate::multipath::{Balancer, Multipath};
use crate::path::{
    Adjacency, Branches, DistanceRange, LocationSource, Path, PathHop, PlaceName, Placement,
};
use serde::Serialize;
use std::net::IpAddr;

#[derive(Serialize)]
pub(super) struct MultipathView<'a> {
    confidence: u8,
    probes_sent: u64,
    /// The most vertices at one TTL.
    width: usize,
    /// Distinct source-to-sink paths through the graph.
    paths: Option<u64>,
    nodes: Vec<NodeView<'a>>,
    links: Vec<LinkView>,
    distance: Option<RangeView>,
}

#[derive(Serialize)]
struct NodeView<'a> {
    id: String,
    ttl: u8,
    address: Option<IpAddr>,
    hostname: Option<&'a str>,
    city: Option<String>,
    region: Option<String>,
    country: Option<String>,
    country_code: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    place: Option<String>,
    location_source: LocationSource,
    placement: Option<&'a Placement>,
    flags: &'a [String],
    rtts_ms: &'a [f64],
    rtt_min_ms: Option<f64>,
    rtt_avg_ms: Option<f64>,
    rtt_max_ms: Option<f64>,
    #[serde(flatten)]
    geoip: Option<GeoipView<'a>>,
    flows: u32,
    balancer: Option<Balancer>,
    fork: bool,
    join: bool,
    destination: bool,
    /// The covering branch (0-based) whose context placed the vertex.
    branch: Option<usize>,
}

#[derive(Serialize)]
struct LinkView {
    from: String,
    to: String,
    flows: u32,
}

#[derive(Serialize)]
struct RangeView {
    shortest_miles: f64,
    shortest_km: f64,
    /// The vertices whose places the shortest path's legs join.
    shortest_via: Vec<String>,
    longest_miles: f64,
    longest_km: f64,
    longest_via: Vec<String>,
    paths: u64,
    method: crate::distance::Method,
}

fn node<'a>(m: &Multipath, adj: &Adjacency, b: Option<&'a Branches>, i: usize) -> NodeView<'a> {
    let n = &m.nodes[i];
    let hop: Option<&'a PathHop> = b.and_then(|b| b.nodes.get(i));
    let r = hop.and_then(|h| h.responders.first());
    let placed = hop.and_then(PathHop::placed);
    let (name, at, place) = match placed {
        Some(p) => (p.name, Some((p.latitude, p.longitude)), Some(p.label)),
        None => (PlaceName::default(), None, None),
    };
    NodeView {
        id: m.node_id(i),
        ttl: n.ttl,
        address: n.address,
        hostname: r.and_then(|r| r.hostname.as_deref()),
        city: name.city,
        region: name.region,
        country: name.country,
        country_code: name.country_code,
        latitude: at.map(|a| a.0),
        longitude: at.map(|a| a.1),
        place: place.filter(|p| !p.is_empty()),
        location_source: hop
            .and_then(|h| h.placement.as_ref())
            .map_or(LocationSource::None, |p| p.source),
        placement: hop.and_then(|h| h.placement.as_ref()),
        flags: hop.map_or(&[], |h| h.flags.as_slice()),
        rtts_ms: r.map_or(&[], |r| r.rtts_ms.as_slice()),
        rtt_min_ms: r.and_then(|r| r.rtt_min_ms()),
        rtt_avg_ms: r.and_then(|r| r.rtt_avg_ms()),
        rtt_max_ms: r.and_then(|r| r.rtt_max_ms()),
        geoip: r.and_then(|r| r.geo.as_ref()).map(geoip),
        flows: n.flows,
        balancer: n.balancer,
        fork: adj.forks(i),
        join: adj.joins(i),
        destination: n.destination,
        branch: b.and_then(|b| b.placed_by.get(i).copied().flatten()),
    }
}

fn range(m: &Multipath, r: &DistanceRange) -> RangeView {
    let ids = |nodes: &[usize]| nodes.iter().map(|&i| m.node_id(i)).collect();
    RangeView {
        shortest_miles: r.shortest.miles,
        shortest_km: r.shortest.km,
        shortest_via: ids(&r.shortest.nodes),
        longest_miles: r.longest.miles,
        longest_km: r.longest.km,
        longest_via: ids(&r.longest.nodes),
        paths: r.paths,
        method: r.method,
    }
}

/// The `multipath` object of `path`; `None` for a trace without a graph.
pub(super) fn view(path: &Path) -> Option<MultipathView<'_>> {
    let m = path.trace.multipath.as_ref()?;
    let b = path.branches.as_ref();
    let adj = Adjacency::of(m);
    Some(MultipathView {
        confidence: m.confidence,
        probes_sent: m.probes_sent,
        width: m.width(),
        paths: b.map(|b| b.paths),
        nodes: (0..m.nodes.len()).map(|i| node(m, &adj, b, i)).collect(),
        links: m
            .links
            .iter()
            .map(|l| LinkView {
                from: m.node_id(l.from),
                to: m.node_id(l.to),
                flows: l.flows,
            })
            .collect(),
        distance: b.and_then(|b| b.range.as_ref()).map(|r| range(m, r)),
    })
}
