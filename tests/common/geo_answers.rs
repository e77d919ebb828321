//! Small GeoIP and ASN databases written for the tests that annotate saved traces and locate
//! names and addresses (`hints_annotate`, `locate_cli`): made-up answers for a handful of
//! addresses, so that only what is written here counts, with an empty directory standing in for
//! the shipped data.
#![allow(dead_code)]

use mmdb_writer::{IpVersion, Value, Writer};
use std::fs;
use std::net::IpAddr;
use std::path::PathBuf;

use super::geo_files::scratch_dir;

/// One made-up GeoIP answer: address, city (None: country-level), country, coordinates,
/// accuracy radius, ASN.
pub type Answer = (
    &'static str,
    Option<&'static str>,
    &'static str,
    (f64, f64),
    u16,
    u32,
);

pub const US_DEFAULT: (f64, f64) = (37.751, -97.822);

pub const ANSWERS: &[Answer] = &[
    // default-point-run.txt
    (
        "68.86.93.25",
        Some("San Jose"),
        "US",
        (37.3394, -121.895),
        20,
        7922,
    ),
    ("4.69.1.1", None, "US", US_DEFAULT, 1000, 3356),
    ("4.69.1.2", None, "US", US_DEFAULT, 1000, 3356),
    ("4.69.1.3", None, "US", US_DEFAULT, 1000, 3356),
    ("4.69.1.4", None, "US", US_DEFAULT, 1000, 3356),
    ("4.69.1.5", None, "US", US_DEFAULT, 1000, 3356),
    (
        "151.101.1.1",
        Some("New York"),
        "US",
        (40.7128, -74.006),
        10,
        54113,
    ),
    // detour-outlier.txt
    (
        "38.104.1.1",
        Some("New York"),
        "US",
        (40.7128, -74.006),
        10,
        174,
    ),
    (
        "38.104.1.2",
        Some("New York"),
        "US",
        (40.7128, -74.006),
        10,
        174,
    ),
    (
        "130.117.1.1",
        Some("London"),
        "GB",
        (51.5072, -0.1276),
        10,
        174,
    ),
    (
        "130.117.1.2",
        Some("Frankfurt am Main"),
        "DE",
        (50.1109, 8.6821),
        10,
        174,
    ),
    (
        "130.117.1.3",
        Some("London"),
        "GB",
        (51.5142, -0.0931),
        10,
        174,
    ),
    (
        "212.58.244.69",
        Some("London"),
        "GB",
        (51.5072, -0.1276),
        10,
        2818,
    ),
    // satellite-leg.txt
    (
        "196.201.1.1",
        Some("Nairobi"),
        "KE",
        (-1.2864, 36.8172),
        20,
        64_501,
    ),
    (
        "5.149.1.1",
        Some("Betzdorf"),
        "LU",
        (49.6833, 6.35),
        20,
        64_502,
    ),
    (
        "5.149.1.2",
        Some("Frankfurt am Main"),
        "DE",
        (50.1109, 8.6821),
        20,
        64_502,
    ),
    (
        "80.81.192.10",
        Some("Frankfurt am Main"),
        "DE",
        (50.1109, 8.6821),
        20,
        6695,
    ),
    // satellite-ground.txt
    (
        "196.201.2.1",
        Some("Nairobi"),
        "KE",
        (-1.2864, 36.8172),
        20,
        64_501,
    ),
    (
        "5.149.2.1",
        Some("Kabul"),
        "AF",
        (34.5553, 69.2075),
        20,
        64_504,
    ),
    (
        "5.149.2.2",
        Some("Frankfurt am Main"),
        "DE",
        (50.1109, 8.6821),
        20,
        64_504,
    ),
    (
        "80.81.192.20",
        Some("Frankfurt am Main"),
        "DE",
        (50.1109, 8.6821),
        20,
        6695,
    ),
    // rtt-bound.txt
    (
        "81.2.69.1",
        Some("London"),
        "GB",
        (51.5142, -0.0931),
        10,
        64_503,
    ),
    (
        "81.2.69.2",
        Some("Sydney"),
        "AU",
        (-33.8688, 151.209),
        10,
        64_503,
    ),
    (
        "81.2.69.3",
        Some("London"),
        "GB",
        (51.5142, -0.0931),
        10,
        64_503,
    ),
];

/// Writes the city (GeoIP2 City layout) and ASN (GeoLite2-ASN layout) databases once per
/// test, into a fresh directory, with an empty directory for the shipped data.
pub fn databases(suite: &str, test: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = scratch_dir(suite, test);
    fs::create_dir_all(dir.join("no-shipped-data")).unwrap();
    let mut city = Writer::builder("GeoIP2-City")
        .ip_version(IpVersion::V6)
        .build();
    let mut asn = Writer::builder("GeoLite2-ASN")
        .ip_version(IpVersion::V6)
        .build();
    for &(ip, name, cc, (lat, lon), radius, number) in ANSWERS {
        let ip: IpAddr = ip.parse().unwrap();
        let mut record = vec![
            ("country", Value::map([("iso_code", Value::from(cc))])),
            (
                "location",
                Value::map([
                    ("latitude", Value::Double(lat)),
                    ("longitude", Value::Double(lon)),
                    ("accuracy_radius", Value::U16(radius)),
                ]),
            ),
        ];
        if let Some(name) = name {
            record.push((
                "city",
                Value::map([("names", Value::map([("en", Value::from(name))]))]),
            ));
        }
        city.insert_range(ip, ip, &Value::map(record)).unwrap();
        let owner = Value::map([
            ("autonomous_system_number", Value::U32(number)),
            (
                "autonomous_system_organization",
                Value::from(format!("AS{number} Networks")),
            ),
        ]);
        asn.insert_range(ip, ip, &owner).unwrap();
    }
    let (city_db, asn_db) = (dir.join("city.mmdb"), dir.join("asn.mmdb"));
    fs::write(&city_db, city.to_bytes().unwrap()).unwrap();
    fs::write(&asn_db, asn.to_bytes().unwrap()).unwrap();
    (city_db, asn_db, dir.join("no-shipped-data"))
}
