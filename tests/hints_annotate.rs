//! The hints stage end to end: `globetrace annotate` on saved traces (in
//! `tests/fixtures/hints/`) with small GeoIP and ASN databases written for the tests, for the four
//! scenarios of issue 5: a run of backbone hops on a default point relocated by their host
//! names, a detour outlier left out, a satellite leg labelled, a hop that breaks the RTT
//! bound flagged; then exports, ground stations, geofeeds and overrides.
//!
//! The shipped data is kept out by pointing `GLOBETRACE_DATA_DIR` at an empty directory (the
//! run then warns on stderr that it is unavailable), so only the answers of
//! `common::geo_answers` count.

mod common;

use common::geo_answers::{databases, US_DEFAULT};
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

/// `globetrace annotate -n --format json` on a fixture, with `extra` options.
fn annotate(test: &str, fixture: &str, extra: &[&str]) -> Json {
    let (city_db, asn_db, data_dir) = databases("hints_annotate", test);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hints")
        .join(fixture);
    let out = Command::new(env!("CARGO_BIN_EXE_globetrace"))
        .args(["annotate", "-n", "--format", "json", "--city-db"])
        .arg(&city_db)
        .arg("--asn-db")
        .arg(&asn_db)
        .args(extra)
        .arg(&fixture)
        .env("GLOBETRACE_DATA_DIR", &data_dir)
        .env("XDG_CACHE_HOME", data_dir.join("cache"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn hop(doc: &Json, n: u64) -> &Json {
    doc["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["hop"] == n)
        .unwrap_or_else(|| panic!("no hop {n}"))
}

fn flags(doc: &Json, n: u64) -> Vec<String> {
    hop(doc, n)["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

fn left_out(doc: &Json) -> Vec<(u64, String)> {
    doc["distance"]["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["hop"].as_u64().unwrap(),
                l["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn near(h: &Json, lat: f64, lon: f64) -> bool {
    let p = &h["placement"];
    let (a, o) = (
        p["latitude"].as_f64().unwrap(),
        p["longitude"].as_f64().unwrap(),
    );
    (a - lat).abs() < 0.5 && (o - lon).abs() < 0.5
}

#[test]
fn backbone_hops_on_a_default_point_are_relocated_by_their_names() {
    let doc = annotate("default_point", "default-point-run.txt", &[]);
    for (n, lat, lon) in [
        (3, 37.36, -121.93),
        (4, 39.74, -104.98),
        (5, 41.85, -87.65),
        (7, 40.71, -74.0),
    ] {
        let h = hop(&doc, n);
        assert_eq!(h["location_source"], "hostname", "hop {n}: {h}");
        assert!(near(h, lat, lon), "hop {n}: {}", h["placement"]);
        assert!(flags(&doc, n).contains(&"hostname-hint".to_string()));
    }
    // The hop without a name stays on the default point, labelled, and out of the distance.
    assert_eq!(hop(&doc, 6)["location_source"], "country");
    assert_eq!(flags(&doc, 6), ["country-default"]);
    let out = left_out(&doc);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0, 6);
    assert!(out[0].1.contains("country default point"), "{}", out[0].1);
    // San Jose → Denver → Chicago → New York is ~4,200 km, not a detour through Kansas.
    let total = doc["distance"]["total_km"].as_f64().unwrap();
    assert!((4000.0..4500.0).contains(&total), "{total}");

    // --no-hints: the default points are labelled but placed and counted as GeoIP gave them.
    let raw = annotate(
        "default_point_raw",
        "default-point-run.txt",
        &["--no-hints"],
    );
    assert_eq!(hop(&raw, 4)["location_source"], "country");
    assert!(near(hop(&raw, 4), US_DEFAULT.0, US_DEFAULT.1));
    assert!(left_out(&raw).is_empty());
}

#[test]
fn a_detour_outlier_is_flagged_and_left_out() {
    let doc = annotate("detour", "detour-outlier.txt", &[]);
    assert_eq!(flags(&doc, 5), ["outlier"]);
    let h = hop(&doc, 5);
    assert_eq!(h["location_source"], "geoip");
    assert_eq!(h["placement"]["counted"], false);
    let out = left_out(&doc);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0, 5);
    assert!(
        out[0]
            .1
            .starts_with("outlier: far from hops 4 and 6 which are 3 km apart"),
        "{}",
        out[0].1
    );
    for n in [2, 3, 4, 6, 7] {
        assert!(flags(&doc, n).is_empty(), "hop {n}: {:?}", flags(&doc, n));
    }

    let kept = annotate("detour_kept", "detour-outlier.txt", &["--keep-outliers"]);
    assert_eq!(flags(&kept, 5), ["outlier"]);
    assert_eq!(hop(&kept, 5)["placement"]["counted"], true);
    assert!(left_out(&kept).is_empty());
    let (with, without) = (
        kept["distance"]["total_km"].as_f64().unwrap(),
        doc["distance"]["total_km"].as_f64().unwrap(),
    );
    assert!(with > without + 1000.0, "{with} vs {without}");
}

#[test]
fn a_satellite_leg_is_labelled() {
    let doc = annotate("satellite", "satellite-leg.txt", &[]);
    assert_eq!(flags(&doc, 3), ["satellite"]);
    for n in [2, 4, 5] {
        assert!(flags(&doc, n).is_empty(), "hop {n}: {:?}", flags(&doc, n));
    }
    let leg = &hop(&doc, 3)["leg"];
    assert_eq!(leg["from_hop"], 2);
    assert_eq!(leg["satellite"], true);
    assert_eq!(hop(&doc, 4)["leg"]["satellite"], false);
    assert!(left_out(&doc).is_empty());
}

#[test]
fn a_hop_that_breaks_the_rtt_bound_is_flagged() {
    let doc = annotate("rtt_bound", "rtt-bound.txt", &["--from", "51.5072,-0.1276"]);
    assert_eq!(flags(&doc, 3), ["implausible"]);
    assert_eq!(hop(&doc, 3)["placement"]["counted"], false);
    let out = left_out(&doc);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(
        out[0],
        (
            3,
            "implausible: 16,989 km from the origin but min RTT 20 ms allows 2,050 km".to_string()
        )
    );
    assert!(flags(&doc, 4).is_empty());
}

/// CSV and JSON say where each hop is placed (`city`, `latitude`, …) and keep GeoIP's own
/// answer apart (`geoip_*`): a map of the export shows Denver, not Kansas.
#[test]
fn exports_carry_the_placed_location_and_geoip_apart() {
    let csv_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hints-placed.csv");
    let doc = annotate(
        "placed_columns",
        "default-point-run.txt",
        &["--csv", csv_path.to_str().unwrap()],
    );
    assert_eq!(doc["schema_version"], 2);
    let denver = hop(&doc, 4);
    assert_eq!(denver["city"], "Denver", "{denver}");
    assert_eq!(denver["country_code"], "US");
    assert_eq!(denver["country"], "United States");
    assert!(
        (denver["latitude"].as_f64().unwrap() - 39.74).abs() < 0.1,
        "{denver}"
    );
    let geoip = &denver["responders"][0];
    assert_eq!(geoip["geoip_latitude"].as_f64(), Some(US_DEFAULT.0));
    assert_eq!(geoip["geoip_longitude"].as_f64(), Some(US_DEFAULT.1));
    assert!(geoip["geoip_city"].is_null());
    assert!(geoip["latitude"].is_null(), "no unprefixed GeoIP fields");
    // A hop with no name stays on GeoIP's default point, and says so.
    let unnamed = hop(&doc, 6);
    assert_eq!(unnamed["location_source"], "country");
    assert_eq!(unnamed["latitude"].as_f64(), Some(US_DEFAULT.0));
    // Numbers as people read them: no float noise anywhere.
    let text = doc.to_string();
    let noisy = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|n| n.split('.').nth(1).is_some_and(|d| d.len() > 4) && n.matches('.').count() == 1)
        .collect::<Vec<_>>();
    assert!(noisy.is_empty(), "{noisy:?}");

    let text = fs::read_to_string(&csv_path).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let row = records.iter().find(|r| &r[col("hop")] == "4").unwrap();
    assert_eq!(&row[col("city")], "Denver");
    assert_eq!(&row[col("location_source")], "hostname");
    assert!(row[col("latitude")].starts_with("39.7"), "{row:?}");
    assert_eq!(&row[col("geoip_latitude")], "37.7510");
    assert_eq!(&row[col("geoip_city")], "");
    assert_eq!(row.len(), headers.len());
    let last = records.last().unwrap();
    let km = &last[col("cumulative_km")];
    assert_eq!(km.split('.').nth(1).map(str::len), Some(1), "{km}");
}

#[test]
fn a_satellite_ground_station_in_another_country_is_left_out() {
    let doc = annotate("satellite_ground", "satellite-ground.txt", &[]);
    let f = flags(&doc, 3);
    assert!(f.contains(&"satellite".to_string()), "{f:?}");
    assert!(f.contains(&"outlier".to_string()), "{f:?}");
    assert_eq!(hop(&doc, 3)["placement"]["counted"], false);
    let out = left_out(&doc);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0, 3);
    assert!(
        out[0].1.starts_with("satellite ground station: "),
        "{}",
        out[0].1
    );
    // The hops after it, in one place, still count.
    assert_eq!(hop(&doc, 4)["placement"]["counted"], true);
    // The table's summary says why.
    let (city_db, asn_db, data_dir) = databases("hints_annotate", "satellite_ground_table");
    let out = Command::new(env!("CARGO_BIN_EXE_globetrace"))
        .args(["annotate", "-n", "--city-db"])
        .arg(&city_db)
        .arg("--asn-db")
        .arg(&asn_db)
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hints/satellite-ground.txt"),
        )
        .env("GLOBETRACE_DATA_DIR", &data_dir)
        .env("XDG_CACHE_HOME", data_dir.join("cache"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("satellite ground station"), "{text}");
}

#[test]
fn a_geofeed_and_an_override_beat_geoip_and_say_so() {
    let dir = std::env::temp_dir().join(format!("globetrace-feeds-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let feed = dir.join("geofeed.csv");
    fs::write(
        &feed,
        "# prefix,country,region,city,postal\n81.2.69.0/25,GB,GB-ENG,London,\n",
    )
    .unwrap();
    let overrides = dir.join("overrides.txt");
    fs::write(&overrides, "81.2.69.1/32 51.4545,-2.5879 Bristol lab\n").unwrap();
    let doc = annotate(
        "feeds",
        "rtt-bound.txt",
        &[
            "--geofeed",
            feed.to_str().unwrap(),
            "--overrides",
            overrides.to_str().unwrap(),
        ],
    );
    // Hop 2: the override, even though the geofeed names it too.
    let h = hop(&doc, 2);
    assert_eq!(h["location_source"], "override", "{h}");
    assert!(near(h, 51.45, -2.59), "{}", h["placement"]);
    assert_eq!(h["placement"]["confidence"], "high");
    // Hop 3: GeoIP says Sydney (and the RTT bound would flag it); the geofeed says London.
    let h = hop(&doc, 3);
    assert_eq!(h["location_source"], "geofeed", "{h}");
    assert!(near(h, 51.51, -0.13), "{}", h["placement"]);
    assert_eq!(h["placement"]["counted"], true);
    assert!(!flags(&doc, 3).contains(&"implausible".to_string()));
    assert!(flags(&doc, 3).contains(&"geofeed".to_string()));
    // The CSV says so too.
    let csv = dir.join("out.csv");
    annotate(
        "feeds_csv",
        "rtt-bound.txt",
        &[
            "--geofeed",
            feed.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    let text = fs::read_to_string(&csv).unwrap();
    assert!(
        text.lines().next().unwrap().ends_with(",confidence"),
        "{text}"
    );
    let row = text.lines().find(|l| l.starts_with("3,")).unwrap();
    // Placed in London (the feed's names), GeoIP's Sydney kept apart.
    assert!(
        row.contains(",London,GB-ENG,United Kingdom,GB,51.5085,-0.1257,\"London, GB\",geofeed,"),
        "{row}"
    );
    assert!(row.contains(",Sydney,,Australia,AU,"), "{row}");
    assert!(row.ends_with(",high"), "{row}");
    // A bad feed line is a usage error naming the file and line.
    fs::write(&feed, "81.2.69.0/25,GB\nnonsense,GB\n").unwrap();
    let (city_db, _, data_dir) = databases("hints_annotate", "feeds_bad");
    let out = Command::new(env!("CARGO_BIN_EXE_globetrace"))
        .args(["annotate", "-n", "--city-db"])
        .arg(&city_db)
        .arg("--geofeed")
        .arg(&feed)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hints/rtt-bound.txt"))
        .env("GLOBETRACE_DATA_DIR", &data_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("geofeed.csv:2:"), "{err}");
    let _ = fs::remove_dir_all(&dir);
}
