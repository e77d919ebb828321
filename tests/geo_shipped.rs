//! The geo data shipped in `data/`: unpacked once into the cache, read from memory when the
//! cache cannot be written, refused when it does not match its manifest, and answering for
//! well-known addresses.

mod common;

use common::geo_files::{ip, scratch_dir};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use globetrace::geo::{packed, DbKind, Geo, GeoConfig, GeoError, Location};
use mmdb_writer::{Ipv4Aliasing, Value, Writer};
use sha2::{Digest, Sha256};

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
    let dir = scratch_dir("geo_shipped", "unpack-once");
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
    let dir = scratch_dir("geo_shipped", "no-cache");
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
    let dir = scratch_dir("geo_shipped", "mismatch");
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
