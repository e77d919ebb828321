//! Branch cover, per-vertex placement and the distance range, on the hand-made diamonds of
//! `crate::diamonds` (places from a real overrides file) and on MaxMind's test database.

use super::*;
use crate::diamonds::{self, build, ip, placed_geo, AMS, FRA, LON, PAR};
use crate::geo::{Geo, GeoConfig};
use crate::path::LocationSource;

fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    Method::Geodesic.metres(a, b) / 1000.0
}

/// Every source-to-sink path of the graph, by brute force.
fn all_paths(m: &Multipath) -> Vec<Vec<usize>> {
    fn walk(m: &Multipath, at: usize, so_far: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        so_far.push(at);
        let next = m.successors(at);
        if next.is_empty() {
            out.push(so_far.clone());
        }
        for n in next {
            walk(m, n, so_far, out);
        }
        so_far.pop();
    }
    let mut out = Vec::new();
    for s in (0..m.nodes.len()).filter(|&i| m.predecessors(i).is_empty()) {
        walk(m, s, &mut Vec::new(), &mut out);
    }
    out
}

/// A path's length over its counted places, bridging the rest.
fn length(nodes: &[PathHop], path: &[usize]) -> f64 {
    let pts: Vec<(f64, f64)> = path.iter().filter_map(|&i| counted_at(nodes, i)).collect();
    pts.windows(2).map(|w| km(w[0], w[1])).sum()
}

#[test]
fn the_cover_holds_every_vertex_on_linear_branches() {
    for (name, trace, want) in [
        ("2-wide", diamonds::two_wide(), 2),
        ("4-wide", diamonds::four_wide(), 4),
        ("nested", diamonds::nested(), 3),
        ("unknown", diamonds::with_unknown(), 2),
    ] {
        let m = trace.multipath.unwrap();
        let adj = Adjacency::of(&m);
        let c = cover(&m, &adj);
        assert_eq!(c.len(), want, "{name}: {c:?}");
        assert_eq!(count_paths(&m, &adj), want as u64, "{name}");
        for i in 0..m.nodes.len() {
            assert!(
                c.iter().any(|b| b.contains(&i)),
                "{name}: vertex {i} uncovered"
            );
        }
        for b in &c {
            assert!(
                m.predecessors(b[0]).is_empty(),
                "{name}: {b:?} starts mid-graph"
            );
            assert!(m.successors(*b.last().unwrap()).is_empty(), "{name}: {b:?}");
            for w in b.windows(2) {
                assert!(
                    m.successors(w[0]).contains(&w[1]),
                    "{name}: {b:?} not linked"
                );
            }
        }
    }
}

#[test]
fn each_responder_is_placed_on_its_own() {
    let geo = placed_geo();
    let path = build(diamonds::two_wide(), &geo);
    // The hop row is placed from its first responder (Paris), as for any trace ...
    let hop2 = &path.hops[1];
    assert_eq!(hop2.responders.len(), 2);
    let p = hop2.placement.as_ref().unwrap();
    assert_eq!((p.latitude, p.longitude), PAR);
    // ... and the second responder has its own place, from its own branch.
    let ams = path.node(2, ip("62.115.0.22")).unwrap();
    assert_eq!(ams.responders.len(), 1);
    assert_eq!(ams.responders[0].address, ip("62.115.0.22"));
    let p = ams.placement.as_ref().unwrap();
    assert_eq!((p.latitude, p.longitude), AMS);
    assert_eq!(p.source, LocationSource::Override);
    assert_eq!(p.place.as_deref(), Some("Amsterdam"));
    let b = path.branches.as_ref().unwrap();
    assert_eq!(b.placed_by, vec![Some(0), Some(0), Some(1), Some(0)]);
    // The branch's own leg into the vertex: Frankfurt to Amsterdam.
    let leg = ams.leg.as_ref().unwrap();
    assert!((leg.km - km(FRA, AMS)).abs() < 1e-6);
}

#[test]
fn the_range_runs_from_the_shortest_to_the_longest_branch() {
    let geo = placed_geo();
    let path = build(diamonds::two_wide(), &geo);
    let r = path.branches.as_ref().unwrap().range.clone().unwrap();
    let via_par = km(FRA, PAR) + km(PAR, LON);
    let via_ams = km(FRA, AMS) + km(AMS, LON);
    assert!(via_ams < via_par);
    assert!((r.shortest.km - via_ams).abs() < 1e-6, "{r:?}");
    assert!((r.longest.km - via_par).abs() < 1e-6, "{r:?}");
    assert_eq!(r.shortest.nodes, vec![0, 2, 3]);
    assert_eq!(r.longest.nodes, vec![0, 1, 3]);
    assert_eq!(r.paths, 2);
    assert!((r.longest.miles * METRES_PER_MILE / 1000.0 - r.longest.km).abs() < 1e-9);
}

#[test]
fn an_unknown_vertex_is_bridged() {
    let geo = placed_geo();
    let path = build(diamonds::with_unknown(), &geo);
    let b = path.branches.as_ref().unwrap();
    // The unknown vertex has no responder and no place, but is on a branch.
    assert!(b.nodes[2].responders.is_empty());
    assert!(b.nodes[2].placement.is_none());
    assert_eq!(b.placed_by[2], Some(1));
    let r = b.range.as_ref().unwrap();
    assert!((r.shortest.km - km(FRA, LON)).abs() < 1e-6, "{r:?}");
    assert_eq!(r.shortest.nodes, vec![0, 3]);
    assert!((r.longest.km - (km(FRA, PAR) + km(PAR, LON))).abs() < 1e-6);
}

#[test]
fn the_range_matches_every_path_counted_by_hand() {
    let geo = placed_geo();
    for trace in [
        diamonds::two_wide(),
        diamonds::four_wide(),
        diamonds::nested(),
        diamonds::with_unknown(),
    ] {
        let path = build(trace, &geo);
        let m = path.trace.multipath.as_ref().unwrap();
        let b = path.branches.as_ref().unwrap();
        let lengths: Vec<f64> = all_paths(m).iter().map(|p| length(&b.nodes, p)).collect();
        let (lo, hi) = lengths
            .iter()
            .fold((f64::MAX, 0.0f64), |(lo, hi), &l| (lo.min(l), hi.max(l)));
        let r = b.range.as_ref().unwrap();
        assert_eq!(r.paths as usize, lengths.len());
        assert!((r.shortest.km - lo).abs() < 1e-6, "{lengths:?} {r:?}");
        assert!((r.longest.km - hi).abs() < 1e-6, "{lengths:?} {r:?}");
        assert!(r.shortest.km < r.longest.km);
        // Every vertex with an address is placed.
        for (i, n) in m.nodes.iter().enumerate() {
            assert_eq!(
                n.address.is_some(),
                b.nodes[i].placement.is_some(),
                "vertex {i}"
            );
        }
    }
}

#[test]
fn the_range_starts_at_the_users_origin() {
    let geo = placed_geo();
    let enrich = Enrichment {
        geo: Some(&geo),
        from: Some(PAR),
        ..Enrichment::default()
    };
    let path = Path::build(diamonds::with_unknown(), &enrich);
    let r = path.branches.as_ref().unwrap().range.clone().unwrap();
    assert!((r.shortest.km - (km(PAR, FRA) + km(FRA, LON))).abs() < 1e-6);
}

#[test]
fn no_geo_no_range_and_a_plain_trace_has_no_branches() {
    let path = Path::new(diamonds::two_wide(), &Default::default());
    let b = path.branches.as_ref().unwrap();
    assert!(b.range.is_none());
    assert_eq!(b.nodes.len(), 4);
    let mut plain = diamonds::two_wide();
    plain.multipath = None;
    assert!(Path::new(plain, &Default::default()).branches.is_none());
}

/// MaxMind's test database: London, Boxford (52 km away) and Milton, Washington. On the
/// branch through Milton, the checks run with Milton's own neighbours: 5 ms from London and
/// back is no trip to the US, so Milton is flagged and left out, while Boxford, on the other
/// branch, counts.
#[test]
fn the_checks_run_in_each_branchs_context() {
    let city = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/maxmind/GeoIP2-City-Test.mmdb"
    );
    let geo = Geo::open(&GeoConfig {
        city_dbs: vec![city.into()],
        use_shipped: false,
        ..GeoConfig::default()
    })
    .unwrap();
    let m = diamonds::graph(
        &[
            (1, Some("81.2.69.142")),
            (2, Some("2.125.160.216")),
            (2, Some("216.160.83.56")),
            (3, Some("81.2.69.160")),
        ],
        &[(0, 1), (0, 2), (1, 3), (2, 3)],
    );
    let path = build(diamonds::trace_of(&m), &geo);
    let milton = path.node(2, ip("216.160.83.56")).unwrap();
    assert_eq!(
        milton.responders[0].geo.as_ref().unwrap().city.as_deref(),
        Some("Milton")
    );
    let p = milton.placement.as_ref().unwrap();
    assert!(!p.counted, "{p:?} {:?}", milton.flags);
    assert!(
        milton
            .flags
            .iter()
            .any(|f| f == "implausible" || f == "outlier"),
        "{:?}",
        milton.flags
    );
    let boxford = path.node(2, ip("2.125.160.216")).unwrap();
    assert!(boxford.placement.as_ref().unwrap().counted);
    let r = path.branches.as_ref().unwrap().range.clone().unwrap();
    // London → (Milton bridged) → London is 0 km; London → Boxford → London is the longest.
    assert!(r.shortest.km < 1.0, "{r:?}");
    let there_and_back = 2.0 * km((51.5142, -0.0931), (51.75, -1.25));
    assert!((r.longest.km - there_and_back).abs() < 1e-6, "{r:?}");
}

/// A branch whose only other router is silent and whose first hop is unplaced has one place
/// and no leg: it is not "0 km", it is left out of the range.
#[test]
fn a_path_without_a_leg_is_not_the_shortest() {
    let m = diamonds::graph(
        &[
            (1, Some("62.115.0.99")),
            (2, Some("62.115.0.21")),
            (2, None),
            (3, Some("62.115.0.3")),
        ],
        &[(0, 1), (0, 2), (1, 3), (2, 3)],
    );
    let path = build(diamonds::trace_of(&m), &placed_geo());
    let b = path.branches.as_ref().unwrap();
    assert!(b.nodes[0].placement.is_none());
    let r = b.range.as_ref().unwrap();
    assert_eq!(r.shortest.nodes, vec![1, 3]);
    assert!((r.shortest.km - km(PAR, LON)).abs() < 1e-6, "{r:?}");
    assert_eq!(r.shortest, r.longest);
    assert_eq!(r.paths, 2);
}
