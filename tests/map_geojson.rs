//! The GeoJSON export, read back with the `geojson` crate: a Point per placed hop with its
//! fields, a line per leg, `[lon, lat]` order, the antimeridian cut, and the origin.

mod map_fixtures;

use geojson::{Feature, FeatureCollection, GeoJson, GeometryValue};
use globetrace::report::geojson::{feature_collection, geojson_string};
use map_fixtures::{detour_and_satellite, pacific, path, place, transatlantic};

fn parse(text: &str) -> FeatureCollection {
    match text.parse::<GeoJson>().expect("valid GeoJSON") {
        GeoJson::FeatureCollection(fc) => fc,
        other => panic!("not a FeatureCollection: {other:?}"),
    }
}

fn kind<'a>(fc: &'a FeatureCollection, kind: &str) -> Vec<&'a Feature> {
    fc.features
        .iter()
        .filter(|f| f.property("kind").and_then(|k| k.as_str()) == Some(kind))
        .collect()
}

#[test]
fn round_trips_through_the_geojson_crate() {
    let p = transatlantic();
    let text = geojson_string(&p, None);
    let fc = parse(&text);
    assert_eq!(fc, feature_collection(&p, None));
    // And once more through its own serialiser.
    assert_eq!(parse(&fc.to_string()), fc);
    let info = fc.foreign_members.as_ref().unwrap()["globetrace"].clone();
    assert_eq!(info["target"], "www.example.com");
    assert!(info["distance"]["total_km"].as_f64().unwrap() > 8000.0);
}

#[test]
fn a_point_per_located_hop_with_its_fields_in_lon_lat_order() {
    let p = transatlantic();
    let fc = parse(&geojson_string(&p, None));
    let points = kind(&fc, "hop");
    let located: Vec<_> = p.hops.iter().filter(|h| h.placement.is_some()).collect();
    assert_eq!(points.len(), located.len());
    for (f, h) in points.iter().zip(&located) {
        let Some(GeometryValue::Point { coordinates: pos }) = f.geometry.as_ref().map(|g| &g.value)
        else {
            panic!("not a Point: {f:?}");
        };
        let placed = h.placement.as_ref().unwrap();
        assert_eq!(
            pos.as_slice(),
            &[placed.longitude, placed.latitude],
            "lon, lat"
        );
        assert_eq!(
            f.property("hop").and_then(|v| v.as_u64()),
            Some(u64::from(h.hop))
        );
        for key in [
            "ip",
            "hostname",
            "city",
            "country_code",
            "asn",
            "rtt_avg_ms",
            "loss_pct",
            "sent",
            "received",
            "location_source",
            "counted",
            "flags",
            "leg_km",
            "responders",
        ] {
            assert!(f.contains_property(key), "hop {} lacks {key}", h.hop);
        }
        // Placed by GeoIP here, so the place's names are GeoIP's.
        let geoip_city = h.responders[0].geo.as_ref().unwrap().city.clone();
        assert_eq!(f.property("city"), Some(&geoip_city.clone().into()));
        assert_eq!(f.property("geoip_city"), Some(&geoip_city.into()));
        assert_eq!(f.property("counted"), Some(&true.into()));
    }
    let san_jose = points.last().unwrap();
    assert_eq!(san_jose.property("destination"), Some(&true.into()));
    assert!(san_jose.property("leg_miles").unwrap().as_f64().unwrap() > 1000.0);
    assert_eq!(
        san_jose.property("responders").unwrap()[0]["address"],
        "203.0.113.6"
    );
}

#[test]
fn a_line_per_leg_with_miles_km_and_whether_counted() {
    let p = detour_and_satellite();
    let fc = parse(&geojson_string(&p, None));
    let lines = kind(&fc, "leg");
    let summary = p.distance.as_ref().unwrap();
    let counted: Vec<_> = lines
        .iter()
        .filter(|f| f.property("counted") == Some(&true.into()))
        .collect();
    let left_out: Vec<_> = lines
        .iter()
        .filter(|f| f.property("counted") == Some(&false.into()))
        .collect();
    assert_eq!(counted.len(), summary.legs.len());
    assert_eq!(left_out.len(), 2, "London-Sydney and Sydney-Paris");
    for (f, leg) in counted.iter().zip(&summary.legs) {
        assert_eq!(f.property("from_hop").unwrap(), leg.from_hop);
        assert_eq!(f.property("to_hop").unwrap(), leg.to_hop);
        let close = |key: &str, want: f64| {
            let got = f.property(key).unwrap().as_f64().unwrap();
            assert!((got - want).abs() < 1e-6, "{key}: {got} vs {want}");
        };
        close("miles", leg.miles);
        close("km", leg.km);
        assert!(f.contains_property("cumulative_km"));
    }
    for f in &left_out {
        assert_eq!(f.property("reason").unwrap(), "anycast address");
        assert!(f.property("km").unwrap().as_f64().unwrap() > 10_000.0);
    }
    let satellite: Vec<_> = lines
        .iter()
        .filter(|f| f.property("satellite") == Some(&true.into()))
        .collect();
    assert_eq!(satellite.len(), 1);
    assert_eq!(satellite[0].property("to_hop").unwrap(), 4);
    // A leg is a densified geodesic from its first place to its last, lon first.
    let london_paris = counted[0];
    let Some(GeometryValue::LineString { coordinates: line }) =
        london_paris.geometry.as_ref().map(|g| &g.value)
    else {
        panic!("not a LineString");
    };
    assert!(line.len() >= 3);
    assert_eq!(line[0].as_slice(), &[-0.1276, 51.5072]);
    assert_eq!(line.last().unwrap().as_slice(), &[2.3522, 48.8566]);
}

#[test]
fn a_leg_across_the_pacific_is_cut_at_the_antimeridian() {
    let fc = parse(&geojson_string(&pacific(), None));
    let legs = kind(&fc, "leg");
    assert_eq!(legs.len(), 1);
    let Some(GeometryValue::MultiLineString { coordinates: parts }) =
        legs[0].geometry.as_ref().map(|g| &g.value)
    else {
        panic!("expected a MultiLineString: {:?}", legs[0].geometry);
    };
    assert_eq!(parts.len(), 2);
    for part in parts {
        assert!(part.iter().all(|p| (-180.0..=180.0).contains(&p[0])));
        assert!(part.windows(2).all(|w| (w[1][0] - w[0][0]).abs() < 180.0));
    }
    assert_eq!(parts[0][0].as_slice(), &[139.6503, 35.6762]);
    assert_eq!(parts[0].last().unwrap()[0], 180.0);
    assert_eq!(parts[1][0][0], -180.0);
    assert_eq!(
        parts[0].last().unwrap()[1],
        parts[1][0][1],
        "cut at one latitude"
    );
    assert_eq!(parts[1].last().unwrap().as_slice(), &[-118.2426, 34.0549]);
}

#[test]
fn the_origin_is_a_point_and_starts_the_first_leg() {
    let origin = Some((51.5072, -0.1276));
    let p = path(&[place(1, "Paris", "FR", 48.8566, 2.3522)], &[], origin);
    let fc = parse(&geojson_string(&p, origin));
    let starts = kind(&fc, "origin");
    assert_eq!(starts.len(), 1);
    let Some(GeometryValue::Point { coordinates: pos }) =
        starts[0].geometry.as_ref().map(|g| &g.value)
    else {
        panic!("not a Point");
    };
    assert_eq!(pos.as_slice(), &[-0.1276, 51.5072]);
    let legs = kind(&fc, "leg");
    assert_eq!(legs.len(), 1);
    assert_eq!(legs[0].property("from_hop").unwrap(), 0);
    // Without the origin's coordinates the leg from hop 0 cannot be drawn: it is left out.
    let without = parse(&geojson_string(&p, None));
    assert!(kind(&without, "origin").is_empty());
    assert!(kind(&without, "leg").is_empty());
}
