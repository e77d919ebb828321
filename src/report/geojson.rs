//! GeoJSON export (`--geojson FILE`): the path as an RFC 7946 FeatureCollection, for GIS
//! tools, web maps and notebooks.
//!
//! - One `Point` per placed hop, with every hop field as properties: the flat fields GIS tools
//!   show in a table (`hop`, `ip`, `hostname`, `city`, `country_code` — where the hop is placed,
//!   as in CSV and JSON, with GeoIP's answer in `geoip_*` — `asn`, RTTs, loss,
//!   `location_source`, `counted`, the leg that ends there, ...) and the full `responders` list
//!   as nested objects. The user's origin (`--from`) is a `Point` of `"kind": "origin"`.
//! - One line per leg, `"kind": "leg"`: the distance summary's legs (`"counted": true`) and
//!   the connectors to places left out of the distance (`"counted": false`, with the reason),
//!   with miles and km. Lines follow the geodesic (densified, about one vertex per 100 km), so
//!   they curve as they should in any viewer; one that crosses the antimeridian is cut there
//!   into a `MultiLineString`, as RFC 7946 §3.1.9 asks.
//! - Coordinates are `[longitude, latitude]` (WGS84, RFC 7946 order); they and every other
//!   fractional number are rounded to 6 decimals, so they read back exactly.
//! - A multipath trace adds a `Point` per placed vertex of its graph, `"kind": "node"` (its
//!   `id`, `ttl`, `ip`, place, fork/join), placed in its own branch's context, and a
//!   `LineString` per link between placed vertices, `"kind": "link"`, with `from`/`to` ids
//!   (an unknown or unplaced vertex is bridged: `"bridged": true`). See `map::branches`.
//! - A foreign member `globetrace` on the collection carries the target and the totals (and
//!   for a multipath trace, `multipath`: width, paths, probes and the distance range).
//!
//! Built with the `geojson` crate so that the output is valid by construction, and tests can
//! read it back with the same crate.

use super::map::branches;
use super::map::route::{self, Route, Segment, Stop};
use crate::path::{Adjacency, LocationSource, Path, PathHop, Responder};
use ::geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue};
use serde_json::json;

/// The collection for `path`; `origin` is the user's `(lat, lon)` when `--from` was given.
pub fn feature_collection(path: &Path, origin: Option<(f64, f64)>) -> FeatureCollection {
    let route = route::route(path, origin);
    let mut features: Vec<Feature> = route.stops.iter().map(|s| stop_feature(path, s)).collect();
    features.extend(route.segments.iter().map(segment_feature));
    features.extend(branch_features(path));
    let mut fc = FeatureCollection::new(features);
    fc.foreign_members = Some(summary(path, &route));
    fc
}

/// The GeoJSON text of `path` (compact, one line).
pub fn geojson_string(path: &Path, origin: Option<(f64, f64)>) -> String {
    feature_collection(path, origin).to_string()
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn position(lat: f64, lon: f64) -> Vec<f64> {
    vec![round6(lon), round6(lat)]
}

fn feature(geometry: GeometryValue, mut properties: JsonObject) -> Feature {
    properties.values_mut().for_each(tidy);
    Feature {
        geometry: Some(Geometry::new(geometry)),
        properties: Some(properties),
        ..Feature::default()
    }
}

/// Rounds every fractional number to 6 decimals (a microsecond of RTT, a millimetre of
/// distance): more is noise, and numbers this short read back exactly, so a reader of the
/// file gets the very values that were written.
fn tidy(value: &mut JsonValue) {
    match value {
        JsonValue::Number(n) if n.is_f64() => {
            if let Some(rounded) = n
                .as_f64()
                .map(round6)
                .and_then(serde_json::Number::from_f64)
            {
                *n = rounded;
            }
        }
        JsonValue::Array(items) => items.iter_mut().for_each(tidy),
        JsonValue::Object(map) => map.values_mut().for_each(tidy),
        _ => {}
    }
}

fn object(value: JsonValue) -> JsonObject {
    match value {
        JsonValue::Object(map) => map,
        _ => JsonObject::new(),
    }
}

fn stop_feature(path: &Path, stop: &Stop) -> Feature {
    let point = GeometryValue::new_point(position(stop.lat, stop.lon));
    match stop.index.and_then(|i| path.hops.get(i)) {
        Some(hop) => feature(point, hop_properties(hop, stop)),
        None => feature(
            point,
            object(json!({ "kind": "origin", "hop": stop.hop, "counted": true })),
        ),
    }
}

/// The responder whose location placed the hop (its coordinates are the placement's), else
/// the first located one, else the first.
fn placed_responder<'a>(hop: &'a PathHop, stop: &Stop) -> Option<&'a Responder> {
    hop.responders
        .iter()
        .find(|r| {
            r.geo
                .as_ref()
                .and_then(|g| g.coordinates())
                .is_some_and(|(lat, lon)| lat == stop.lat && lon == stop.lon)
        })
        .or_else(|| hop.located())
        .or_else(|| hop.responders.first())
}

fn hop_properties(hop: &PathHop, stop: &Stop) -> JsonObject {
    let r = placed_responder(hop, stop);
    let g = r.and_then(|r| r.geo.as_ref());
    let placement = hop.placement.as_ref();
    // The point is where the hop is placed, so its names are the place's (as in CSV and
    // JSON); GeoIP's own answer is under `geoip_*`.
    let placed = hop.placed();
    let name = placed.as_ref().map(|p| &p.name);
    let mut p = object(json!({
        "kind": "hop",
        "hop": hop.hop,
        "ip": r.map(|r| r.address.to_string()),
        "hostname": r.and_then(|r| r.hostname.clone()),
        "city": name.and_then(|n| n.city.clone()),
        "region": name.and_then(|n| n.region.clone()),
        "country": name.and_then(|n| n.country.clone()),
        "country_code": name.and_then(|n| n.country_code.clone()),
        "place": placed.as_ref().map(|p| p.label.clone()),
        "geoip_city": g.and_then(|g| g.city.clone()),
        "geoip_region": g.and_then(|g| g.region.clone()),
        "geoip_country": g.and_then(|g| g.country.clone()),
        "geoip_country_code": g.and_then(|g| g.country_code.clone()),
        "geoip_latitude": g.and_then(|g| g.latitude),
        "geoip_longitude": g.and_then(|g| g.longitude),
        "asn": g.and_then(|g| g.asn),
        "isp": g.and_then(|g| g.isp.clone()),
        "accuracy_km": g.and_then(|g| g.accuracy_km),
        "location_db": g.and_then(|g| g.location_db.clone()),
        "asn_db": g.and_then(|g| g.asn_db.clone()),
        "location_source": placement.map_or(LocationSource::None, |p| p.source).as_str(),
        "counted": stop.counted,
        "reason": placement.and_then(|p| p.reason.clone()),
        "flags": hop.flags,
        "destination": hop.responders.iter().any(|r| r.destination),
        "rtt_min_ms": r.and_then(Responder::rtt_min_ms),
        "rtt_avg_ms": r.and_then(Responder::rtt_avg_ms),
        "rtt_max_ms": r.and_then(Responder::rtt_max_ms),
        "loss_pct": hop.loss_pct,
        "sent": hop.sent,
        "received": hop.received,
        "leg_from_hop": hop.leg.as_ref().map(|l| l.from_hop),
        "leg_miles": hop.leg.as_ref().map(|l| l.miles),
        "leg_km": hop.leg.as_ref().map(|l| l.km),
        "cumulative_miles": hop.leg.as_ref().map(|l| l.cumulative_miles),
        "cumulative_km": hop.leg.as_ref().map(|l| l.cumulative_km),
    }));
    p.insert(
        "responders".into(),
        serde_json::to_value(&hop.responders).unwrap_or(JsonValue::Null),
    );
    p
}

fn segment_feature(s: &Segment) -> Feature {
    let pieces = split_at_antimeridian(&route::curve(s));
    let geometry = match pieces.as_slice() {
        [one] => GeometryValue::new_line_string(one.clone()),
        _ => GeometryValue::new_multi_line_string(pieces),
    };
    let mut p = object(json!({
        "kind": "leg",
        "from_hop": s.from_hop,
        "to_hop": s.to_hop,
        "counted": s.counted,
        "satellite": s.satellite,
        "miles": s.miles,
        "km": s.km,
    }));
    if let Some((miles, km)) = s.cumulative {
        p.insert("cumulative_miles".into(), json!(miles));
        p.insert("cumulative_km".into(), json!(km));
    }
    if let Some(reason) = &s.reason {
        p.insert("reason".into(), json!(reason));
    }
    feature(geometry, p)
}

/// A line of `(lat, unwrapped lon)` points as `[lon, lat]` pieces within -180..=180, cut
/// where it crosses the antimeridian (the cut point is on both pieces, at 180 and -180).
fn split_at_antimeridian(line: &[(f64, f64)]) -> Vec<Vec<Vec<f64>>> {
    let turn = |lon: f64| ((lon + 180.0) / 360.0).floor();
    let mut pieces: Vec<Vec<Vec<f64>>> = vec![Vec::new()];
    for (i, &(lat, lon)) in line.iter().enumerate() {
        if i > 0 {
            let (plat, plon) = line[i - 1];
            let (ta, tb) = (turn(plon), turn(lon));
            if ta != tb {
                let edge = -180.0 + 360.0 * ta.max(tb);
                let t = (edge - plon) / (lon - plon);
                let cut_lat = plat + (lat - plat) * t;
                let current = pieces.last_mut().expect("never empty");
                current.push(position(cut_lat, edge - 360.0 * ta));
                pieces.push(vec![position(cut_lat, edge - 360.0 * tb)]);
            }
        }
        let current = pieces.last_mut().expect("never empty");
        current.push(position(lat, lon - 360.0 * turn(lon)));
    }
    pieces.retain(|p| p.len() >= 2);
    pieces
}

/// The graph's placed vertices and the lines between them (module docs).
fn branch_features(path: &Path) -> Vec<Feature> {
    let (Some(m), Some(b)) = (&path.trace.multipath, &path.branches) else {
        return Vec::new();
    };
    let adj = Adjacency::of(m);
    let mut out = Vec::new();
    for (i, n) in m.nodes.iter().enumerate() {
        let Some(((lat, lon), counted)) = branches::place(path, i) else {
            continue;
        };
        let hop = &b.nodes[i];
        let r = hop.responders.first();
        let placed = hop.placed();
        let placement = hop.placement.as_ref();
        out.push(feature(
            GeometryValue::new_point(position(lat, lon)),
            object(json!({
                "kind": "node",
                "id": m.node_id(i),
                "ttl": n.ttl,
                "ip": n.address.map(|a| a.to_string()),
                "hostname": r.and_then(|r| r.hostname.clone()),
                "place": placed.map(|p| p.label),
                "location_source": placement.map_or(LocationSource::None, |p| p.source).as_str(),
                "counted": counted,
                "reason": placement.and_then(|p| p.reason.clone()),
                "flags": hop.flags,
                "rtt_min_ms": r.and_then(Responder::rtt_min_ms),
                "fork": adj.forks(i),
                "join": adj.joins(i),
                "balancer": n.balancer.map(|b| b.as_str()),
                "destination": n.destination,
            })),
        ));
    }
    for l in branches::links(path) {
        let pieces = split_at_antimeridian(&branches::curve(&l, None));
        let geometry = match pieces.as_slice() {
            [one] => GeometryValue::new_line_string(one.clone()),
            _ => GeometryValue::new_multi_line_string(pieces),
        };
        out.push(feature(
            geometry,
            object(json!({
                "kind": "link",
                "from": m.node_id(l.from),
                "to": m.node_id(l.to),
                "from_ttl": m.nodes[l.from].ttl,
                "to_ttl": m.nodes[l.to].ttl,
                "bridged": l.bridged,
                "counted": l.counted,
                "flows": l.flows,
                "miles": l.miles,
                "km": l.km,
            })),
        ));
    }
    out
}

fn summary(path: &Path, route: &Route) -> JsonObject {
    let t = &path.trace;
    let d = path.distance.as_ref();
    let mut info = object(json!({
        "generator": format!("globetrace {}", env!("CARGO_PKG_VERSION")),
        "target": t.target,
        "address": t.address.map(|a| a.to_string()),
        "reached": t.reached,
        "interrupted": t.interrupted,
        "hops": path.hops.len(),
        "placed_hops": route.stops.iter().filter(|s| !s.origin).count(),
    }));
    if let Some(d) = d {
        info.insert(
            "distance".into(),
            json!({
                "total_miles": d.total_miles,
                "total_km": d.total_km,
                "direct_miles": d.direct_miles,
                "direct_km": d.direct_km,
                "stretch": d.stretch,
                "method": d.method,
                "left_out": d.left_out,
            }),
        );
    }
    if let (Some(m), Some(b)) = (&path.trace.multipath, &path.branches) {
        let r = b.range.as_ref();
        info.insert(
            "multipath".into(),
            json!({
                "width": m.width(),
                "paths": b.paths,
                "probes_sent": m.probes_sent,
                "confidence": m.confidence,
                "shortest_miles": r.map(|r| r.shortest.miles),
                "shortest_km": r.map(|r| r.shortest.km),
                "longest_miles": r.map(|r| r.longest.miles),
                "longest_km": r.map(|r| r.longest.km),
            }),
        );
    }
    let mut info = JsonValue::Object(info);
    tidy(&mut info);
    let mut members = JsonObject::new();
    members.insert("globetrace".into(), info);
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pacific_line_is_cut_at_180() {
        // Tokyo-ish to Los Angeles-ish, unwrapped.
        let pieces =
            split_at_antimeridian(&[(35.0, 140.0), (40.0, 170.0), (44.0, 190.0), (34.0, 242.0)]);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].last().unwrap()[0], 180.0);
        assert_eq!(pieces[1][0][0], -180.0);
        assert_eq!(pieces[0].last().unwrap()[1], pieces[1][0][1]);
        assert_eq!(pieces[1].last().unwrap(), &vec![-118.0, 34.0]);
        let all = pieces.iter().flatten();
        assert!(all.clone().all(|p| (-180.0..=180.0).contains(&p[0])));
    }

    #[test]
    fn a_line_that_stays_on_one_side_is_one_piece() {
        let pieces = split_at_antimeridian(&[(51.5, -0.1), (40.7, -74.0)]);
        assert_eq!(pieces, vec![vec![vec![-0.1, 51.5], vec![-74.0, 40.7]]]);
    }
}
