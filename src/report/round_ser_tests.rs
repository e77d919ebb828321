//! The rounding writer against the value-tree rounding it replaced.
use super::super::round::{tidy, Rounded};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Inner {
    longitude: f64,
    other: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped_km: Option<f64>,
}

#[derive(Serialize)]
enum Shape {
    Unit,
    Newtype(f64),
    #[allow(non_camel_case_types)]
    leg_km(f64, f64),
    Fields {
        latitude: f64,
    },
}

#[derive(Serialize)]
struct Flat {
    geoip_latitude: f64,
    asn: u32,
}

#[derive(Serialize)]
struct Sample {
    rtts_ms: Vec<f64>,
    rtt_min_ms: Option<f64>,
    latitude: f32,
    miles: f64,
    stretch: f64,
    whole_km: f64,
    not_finite_km: f64,
    huge_km: f64,
    hop: u8,
    nested: Vec<Inner>,
    pairs_ms: Vec<(f64, f64)>,
    shapes: Vec<Shape>,
    by_name: BTreeMap<String, f64>,
    by_number: BTreeMap<u32, f64>,
    #[serde(flatten)]
    flat: Flat,
}

fn sample() -> Sample {
    Sample {
        rtts_ms: vec![0.023096000000000002, 12.3456789],
        rtt_min_ms: Some(0.023096000000000002),
        latitude: 37.339_4,
        miles: 5378.54321,
        stretch: 1.004999,
        whole_km: 3.0,
        not_finite_km: f64::NAN,
        huge_km: 1e308,
        hop: 7,
        nested: vec![Inner {
            longitude: 0.000049,
            other: 0.123456789,
            skipped_km: None,
        }],
        pairs_ms: vec![(1.23456, 2.34567)],
        shapes: vec![
            Shape::Unit,
            Shape::Newtype(1.23456),
            Shape::leg_km(1.23456, 2.0),
            Shape::Fields { latitude: 1.234567 },
        ],
        by_name: [
            ("loss_pct".to_string(), 33.3333),
            ("x".to_string(), 0.1234567),
        ]
        .into_iter()
        .collect(),
        by_number: [(1, 0.123456)].into_iter().collect(),
        flat: Flat {
            geoip_latitude: -12.345678,
            asn: 15169,
        },
    }
}

/// What rounding the tree wrote (the old way), compact and pretty.
fn by_tree(value: &impl Serialize, pretty: bool) -> String {
    let mut tree = serde_json::to_value(value).unwrap();
    tidy(&mut tree);
    if pretty {
        serde_json::to_string_pretty(&tree).unwrap()
    } else {
        tree.to_string()
    }
}

#[test]
fn writes_what_rounding_the_tree_wrote() {
    let s = sample();
    let streamed = serde_json::to_string(&Rounded(&s)).unwrap();
    assert_eq!(streamed, by_tree(&s, false));
    assert_eq!(
        serde_json::to_string_pretty(&Rounded(&s)).unwrap(),
        by_tree(&s, true)
    );
    // And the rules did apply: a few values spelled out.
    for want in [
        "\"rtts_ms\":[0.023,12.346]",
        "\"latitude\":37.3394",
        "\"not_finite_km\":null",
        "\"whole_km\":3.0",
        "\"longitude\":0.0,\"other\":0.123456789",
        "\"pairs_ms\":[[1.235,2.346]]",
        "{\"Newtype\":1.23456}",
        "{\"leg_km\":[1.2,2.0]}",
        "\"loss_pct\":33.3,\"x\":0.1234567",
        "\"1\":0.123456",
        "\"geoip_latitude\":-12.3457,\"asn\":15169",
    ] {
        assert!(streamed.contains(want), "{want} not in {streamed}");
    }
}
