//! Tests for `distance`. The expected metres were computed independently of this crate with
//! Python: `geographiclib` 2.1 (`Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"]`), and
//! checked to agree to 0.1 mm with `pyproj` 3.7.2 (`Geod(ellps="WGS84").inv`, PROJ's own C
//! implementation). Haversine references use R = 6,371,008.8 m (IUGG mean radius) with the
//! textbook formula; interpolated points come from `InverseLine(...).Position(f * s13)`.

use super::*;
use proptest::prelude::*;

const NYC: (f64, f64) = (40.7128, -74.0060);
const LONDON: (f64, f64) = (51.5074, -0.1278);
const FRANKFURT: (f64, f64) = (50.1109, 8.6821);
const SINGAPORE: (f64, f64) = (1.3521, 103.8198);

/// Tolerance for geodesic metres against the Python references.
const TOL_M: f64 = 0.01;

fn close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "{actual} differs from {expected} by more than {tol}"
    );
}

fn point(hop: u8, at: (f64, f64)) -> PathPoint {
    PathPoint::new(hop, at.0, at.1)
}

#[test]
fn new_york_to_london_reference() {
    // The brief's reference pair: 3,470.7 mi geodesic, 3,461.4 mi haversine.
    let (a, b) = (NYC, (51.5002, -0.1262));
    let geodesic = Method::Geodesic.metres(a, b);
    close(geodesic, 5585591.4977, TOL_M);
    assert_eq!(format!("{:.1}", geodesic / METRES_PER_MILE), "3470.7");
    let haversine = Method::Haversine.metres(a, b);
    close(haversine, 5570586.8187, TOL_M);
    assert_eq!(format!("{:.1}", haversine / METRES_PER_MILE), "3461.4");
}

#[test]
fn geodesic_matches_geographiclib() {
    let cases = [
        (LONDON, FRANKFURT, 639667.1597),
        (FRANKFURT, SINGAPORE, 10261274.0786),
        (LONDON, SINGAPORE, 10852378.0974),
        (NYC, LONDON, 5585233.5789),
        (NYC, FRANKFURT, 6219467.1614),
        // Across the antimeridian: Sydney to Santiago.
        ((-33.8688, 151.2093), (-33.4489, -70.6693), 11368984.4803),
        ((0.0, 0.0), (0.0, 90.0), 10018754.1714),
        // Nearly antipodal, where simple iterative methods (Vincenty) fail to converge.
        ((0.0, 0.0), (0.5, 179.5), 19936288.5790),
        ((90.0, 0.0), (-90.0, 0.0), 20003931.4586),
        ((0.0, 0.0), (1.0, 0.0), 110574.3886),
    ];
    for (a, b, expected) in cases {
        close(Method::Geodesic.metres(a, b), expected, TOL_M);
        close(Method::Geodesic.metres(b, a), expected, TOL_M);
    }
    assert_eq!(Method::Geodesic.metres(LONDON, LONDON), 0.0);
}

#[test]
fn legs_totals_direct_and_stretch() {
    let points = [point(2, LONDON), point(5, FRANKFURT), point(9, SINGAPORE)];
    let s = summarize(&points, None, Method::Geodesic);
    assert_eq!(s.method, Method::Geodesic);
    let hops: Vec<_> = s.legs.iter().map(|l| (l.from_hop, l.to_hop)).collect();
    // Hops 3-4 and 6-8 had no location: bridged, not zero.
    assert_eq!(hops, [(2, 5), (5, 9)]);
    close(s.legs[0].km * 1000.0, 639667.1597, TOL_M);
    close(s.legs[1].km * 1000.0, 10261274.0786, TOL_M);
    close(s.legs[0].miles * METRES_PER_MILE, 639667.1597, TOL_M);
    let total_m = 639667.1597 + 10261274.0786;
    close(s.legs[1].cumulative_km * 1000.0, total_m, TOL_M);
    close(s.legs[1].cumulative_miles * METRES_PER_MILE, total_m, TOL_M);
    close(s.total_km * 1000.0, total_m, TOL_M);
    close(s.total_miles * METRES_PER_MILE, total_m, TOL_M);
    close(s.direct_km * 1000.0, 10852378.0974, TOL_M);
    close(s.direct_miles * METRES_PER_MILE, 10852378.0974, TOL_M);
    close(s.stretch.unwrap(), total_m / 10852378.0974, 1e-9);
    assert!(s.left_out.is_empty());
}

#[test]
fn origin_is_hop_zero() {
    let points = [point(1, LONDON), point(3, FRANKFURT)];
    let s = summarize(&points, Some(NYC), Method::Geodesic);
    let hops: Vec<_> = s.legs.iter().map(|l| (l.from_hop, l.to_hop)).collect();
    assert_eq!(hops, [(0, 1), (1, 3)]);
    close(s.legs[0].km * 1000.0, 5585233.5789, TOL_M);
    close(s.total_km * 1000.0, 5585233.5789 + 639667.1597, TOL_M);
    close(s.direct_km * 1000.0, 6219467.1614, TOL_M);
}

#[test]
fn left_out_points_are_excluded_and_listed() {
    let points = [
        point(1, LONDON),
        PathPoint::left_out(2, SINGAPORE.0, SINGAPORE.1, "anycast address"),
        PathPoint {
            reason: None,
            ..PathPoint::left_out(3, 0.0, 0.0, "")
        },
        point(4, (f64::NAN, 0.0)),
        point(5, (95.0, 0.0)),
        point(6, FRANKFURT),
    ];
    let s = summarize(&points, None, Method::Geodesic);
    assert_eq!(s.legs.len(), 1);
    assert_eq!((s.legs[0].from_hop, s.legs[0].to_hop), (1, 6));
    close(s.total_km * 1000.0, 639667.1597, TOL_M);
    let left: Vec<_> = s
        .left_out
        .iter()
        .map(|l| (l.hop, l.reason.as_str()))
        .collect();
    assert_eq!(
        left,
        [
            (2, "anycast address"),
            (3, "left out"),
            (4, "invalid coordinates"),
            (5, "invalid coordinates")
        ]
    );
    let bad_origin = summarize(&[point(1, LONDON)], Some((0.0, 200.0)), Method::Geodesic);
    assert!(bad_origin.legs.is_empty());
    assert_eq!(bad_origin.left_out[0].hop, 0);
}

#[test]
fn same_place_and_degenerate_paths() {
    let same = [point(1, LONDON), point(2, LONDON)];
    let s = summarize(&same, None, Method::Geodesic);
    assert_eq!(s.legs.len(), 1);
    assert_eq!(s.legs[0].km, 0.0);
    assert_eq!((s.total_km, s.direct_km), (0.0, 0.0));
    assert_eq!(s.stretch, None);

    // Out and back: a real distance, but no direct one.
    let round_trip = [point(1, LONDON), point(2, FRANKFURT), point(3, LONDON)];
    let s = summarize(&round_trip, None, Method::Geodesic);
    close(s.total_km * 1000.0, 2.0 * 639667.1597, TOL_M);
    assert_eq!(s.stretch, None);

    for points in [&[][..], &[point(7, LONDON)][..]] {
        let s = summarize(points, None, Method::Haversine);
        assert!(s.legs.is_empty());
        assert_eq!((s.total_miles, s.direct_miles, s.stretch), (0.0, 0.0, None));
    }
}

#[test]
fn points_are_taken_in_hop_order() {
    let shuffled = [point(9, SINGAPORE), point(2, LONDON), point(5, FRANKFURT)];
    let ordered = [point(2, LONDON), point(5, FRANKFURT), point(9, SINGAPORE)];
    assert_eq!(
        summarize(&shuffled, None, Method::Geodesic),
        summarize(&ordered, None, Method::Geodesic)
    );
}

#[test]
fn haversine_option() {
    let s = summarize(
        &[point(1, NYC), point(2, (51.5002, -0.1262))],
        None,
        Method::Haversine,
    );
    close(s.total_km * 1000.0, 5570586.8187, TOL_M);
    assert_eq!(s.stretch, Some(1.0));
}

#[test]
fn units() {
    assert_eq!("mi".parse::<Units>(), Ok(Units::Miles));
    assert_eq!(" Miles ".parse::<Units>(), Ok(Units::Miles));
    assert_eq!("KM".parse::<Units>(), Ok(Units::Km));
    assert_eq!("kilometres".parse::<Units>(), Ok(Units::Km));
    let err = "furlongs".parse::<Units>().unwrap_err();
    assert_eq!(err.to_string(), "unknown unit \"furlongs\": use mi or km");
    assert_eq!(Units::Miles.to_string(), "mi");
    assert_eq!(Units::Km.to_string(), "km");
    assert_eq!(Units::default(), Units::Miles);
    assert_eq!(Units::Miles.format(3470.7256, 5585.5915), "3,470.7 mi");
    assert_eq!(Units::Km.format(3470.7256, 5585.5915), "5,585.6 km");
    assert_eq!(Units::Km.format(0.0, 0.04), "0.0 km");
    assert_eq!(Units::Miles.format(999.96, 0.0), "1,000.0 mi");
    assert_eq!(Units::Miles.format(1_234_567.0, 0.0), "1,234,567.0 mi");
    assert_eq!(Units::Miles.format(-1234.5, 0.0), "-1,234.5 mi");
    assert_eq!(Units::Km.pick(1.0, 2.0), 2.0);
}

#[test]
fn methods() {
    assert_eq!("Geodesic".parse::<Method>(), Ok(Method::Geodesic));
    assert_eq!("haversine".parse::<Method>(), Ok(Method::Haversine));
    assert!("vincenty".parse::<Method>().is_err());
    assert_eq!(Method::Haversine.to_string(), "haversine");
}

#[test]
fn summary_serialises_both_units() {
    let s = summarize(
        &[point(1, LONDON), point(2, FRANKFURT)],
        None,
        Method::Geodesic,
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["method"], "geodesic");
    for key in [
        "total_miles",
        "total_km",
        "direct_miles",
        "direct_km",
        "stretch",
    ] {
        assert!(json[key].is_number(), "{key}");
    }
    assert!(json["legs"][0]["cumulative_km"].is_number());
    assert!(json["left_out"].as_array().unwrap().is_empty());
}

#[test]
fn lat_lon_arguments() {
    assert_eq!(parse_lat_lon("51.5072,-0.1276"), Ok((51.5072, -0.1276)));
    assert_eq!(parse_lat_lon(" 51.5072, -0.1276 "), Ok((51.5072, -0.1276)));
    assert_eq!(parse_lat_lon("-33.87 151.21"), Ok((-33.87, 151.21)));
    assert_eq!(parse_lat_lon("90,180"), Ok((90.0, 180.0)));
    assert_eq!(parse_lat_lon("91,0"), Err(DistanceError::Latitude(91.0)));
    assert_eq!(
        parse_lat_lon("0,-180.5"),
        Err(DistanceError::Longitude(-180.5))
    );
    for bad in ["", "51.5", "a,b", "1,2,3", "NaN,0", "inf,0", "51.5;0"] {
        assert_eq!(
            parse_lat_lon(bad),
            Err(DistanceError::Coordinates(bad.to_string())),
            "{bad}"
        );
    }
    assert_eq!(
        parse_lat_lon("0,181").unwrap_err().to_string(),
        "longitude 181 is out of range -180 to 180"
    );
    let swapped = parse_lat_lon("-122.4,37.8").unwrap_err();
    assert!(
        swapped.to_string().contains("the order is LAT,LON"),
        "{swapped}"
    );
}

#[test]
fn interpolation_follows_the_geodesic() {
    let (nyc, london) = (NYC, (51.5002, -0.1262));
    assert!(interpolate(nyc, london, 0).is_empty());
    assert_eq!(interpolate(nyc, london, 1), [nyc]);
    assert_eq!(interpolate(nyc, london, 2), [nyc, london]);
    let points = interpolate(nyc, london, 5);
    assert_eq!(points.len(), 5);
    assert_eq!((points[0], points[4]), (nyc, london));
    let expected = [
        (47.723553712, -59.449497762),
        (52.386396960, -41.273878947),
        (53.764792016, -20.488125174),
    ];
    for (got, want) in points[1..4].iter().zip(expected) {
        close(got.0, want.0, 1e-7);
        close(got.1, want.1, 1e-7);
    }
    // Across the antimeridian (and far south of both ends, as geodesics between them go).
    let mid = interpolate((-33.8688, 151.2093), (-33.4489, -70.6693), 3)[1];
    close(mid.0, -61.865269540, 1e-7);
    close(mid.1, -139.365653676, 1e-7);
    assert_eq!(interpolate(nyc, nyc, 3), [nyc, nyc, nyc]);
}

fn lat_lon() -> impl Strategy<Value = (f64, f64)> {
    (-90.0..=90.0f64, -180.0..=180.0f64)
}

proptest! {
    #[test]
    fn total_is_never_shorter_than_direct(
        stops in proptest::collection::vec(lat_lon(), 0..8),
        origin in proptest::option::of(lat_lon()),
    ) {
        let points: Vec<PathPoint> =
            stops.iter().enumerate().map(|(i, &p)| point(i as u8 + 1, p)).collect();
        let s = summarize(&points, origin, Method::Geodesic);
        // The geodesic is the shortest path, so the legs can only add up to more (up to
        // rounding).
        prop_assert!(s.total_km + 1e-6 >= s.direct_km);
        prop_assert!(s.legs.windows(2).all(|w| w[0].cumulative_km <= w[1].cumulative_km));
        if let Some(stretch) = s.stretch {
            prop_assert!(stretch >= 1.0 - 1e-9);
        }
        prop_assert!((s.total_miles * METRES_PER_MILE - s.total_km * 1000.0).abs() < 1e-6);
    }
}
