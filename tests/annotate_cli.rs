//! `globetrace annotate` end to end, with the shipped geo data: saved traces in, located hops,
//! distances and clear errors out. No packet is sent and no name is looked up (`-n`).

mod common;

use common::run::{binary, parse};
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/annotate/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn annotate(args: &[&str]) -> Output {
    Command::new(binary())
        .arg("annotate")
        .arg("-n")
        .args(args)
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gt-annotate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn saved_traceroute_is_located_and_measured() {
    let run = parse(annotate(&[
        "--format",
        "json",
        &fixture("london-to-newyork.txt"),
    ]));
    assert_eq!(run.status, 0, "{}", run.stderr);
    // The mangled line is reported with its number, and skipped.
    assert!(run.stderr.contains("line 6"), "{}", run.stderr);
    let hop = |n: u64| run.hop(n).clone();
    // Private and shared space: labelled, never placed.
    let h1 = hop(1);
    assert_eq!(h1["responders"][0]["hostname"], "_gateway");
    assert_eq!(h1["responders"][0]["special"], "private");
    assert!(h1["responders"][0]["geoip_latitude"].is_null());
    assert!(h1["placement"].is_null() && h1["latitude"].is_null());
    assert_eq!(h1["flags"][0], "private");
    assert_eq!(hop(2)["responders"][0]["special"], "shared");
    // The silent hop is kept as silent.
    assert!(hop(3)["responders"].as_array().unwrap().is_empty());
    // Public addresses: country, ASN and coordinates from the shipped data.
    let geo = |n: u64| hop(n)["responders"][0].clone();
    assert_eq!(run.json["schema_version"], 2);
    assert_eq!(geo(4)["geoip_country_code"], "GB");
    assert_eq!(geo(5)["asn"], 13335);
    assert_eq!(geo(6)["geoip_country_code"], "US");
    assert_eq!(geo(6)["asn"], 3356);
    assert_eq!(geo(7)["asn"], 15169);
    for n in [4, 5, 6, 7] {
        assert!(
            geo(n)["geoip_latitude"].is_f64() && geo(n)["geoip_longitude"].is_f64(),
            "hop {n}"
        );
        assert!(
            geo(n)["location_db"].as_str().unwrap().contains("DB-IP"),
            "hop {n}"
        );
        assert!(geo(n)["asn_db"].is_string(), "hop {n}");
        let source = if n == 6 { "hostname" } else { "geoip" };
        assert_eq!(hop(n)["location_source"], source, "hop {n}");
    }
    // 1.1.1.1 (anycast) is in Sydney for DB-IP, but 5 ms from London: left out.
    assert_eq!(hop(5)["flags"][0], "implausible");
    assert_eq!(hop(5)["placement"]["counted"], false);
    // Hostnames as given in the file.
    assert_eq!(
        hop(6)["responders"][0]["hostname"],
        "ae-3-3.ebr1.sanjose1.level3.net"
    );
    // Distances: legs join the three counted hops; totals in both units; stretch >= 1.
    let d = &run.json["distance"];
    let legs = d["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    assert_eq!(
        (legs[0]["from_hop"].as_u64(), legs[0]["to_hop"].as_u64()),
        (Some(4), Some(6))
    );
    let total = d["total_miles"].as_f64().unwrap();
    // Rounded to 0.1.
    assert!((d["total_km"].as_f64().unwrap() / total - 1.609344).abs() < 1e-4);
    assert!(total >= d["direct_miles"].as_f64().unwrap());
    assert!(d["stretch"].as_f64().unwrap() >= 1.0);
    let summed: f64 = legs.iter().map(|l| l["miles"].as_f64().unwrap()).sum();
    assert!((summed - total).abs() <= 0.1 + 1e-9);
    assert_eq!(hop(7)["leg"]["to_hop"], 7);
}

#[test]
fn csv_and_table_carry_the_same_places() {
    let csv_path = scratch("hops.csv");
    let out = annotate(&[
        "--csv",
        csv_path.to_str().unwrap(),
        "--units",
        "km",
        &fixture("london-to-newyork.txt"),
    ]);
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("United Kingdom (GB)"), "{table}");
    assert!(table.contains("AS3356"), "{table}");
    assert!(table.contains("Leg km"), "{table}");
    let summary = table
        .lines()
        .find(|l| l.starts_with("Distance travelled"))
        .unwrap();
    assert!(
        summary.contains(" km (") && summary.contains(" mi)"),
        "{summary}"
    );
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    for col in [
        "hop",
        "ip",
        "hostname",
        "city",
        "region",
        "country",
        "country_code",
        "asn",
        "isp",
        "latitude",
        "longitude",
        "rtt_min_ms",
        "rtt_avg_ms",
        "rtt_max_ms",
        "loss_pct",
        "sent",
        "received",
        "leg_miles",
        "leg_km",
        "cumulative_miles",
        "location_source",
        "flags",
        "place",
        "geoip_city",
        "geoip_latitude",
        "geoip_longitude",
    ] {
        assert!(headers.iter().any(|h| h == col), "missing column {col}");
    }
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(
        records.len(),
        7,
        "one row per hop here, the silent one included"
    );
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&records[2][col("ip")], "", "silent hop has an empty ip");
    assert_eq!(&records[3][col("country_code")], "GB");
    // The router named for San Jose is placed there, whatever GeoIP said.
    assert_eq!(&records[5][col("location_source")], "hostname");
    assert_eq!(&records[5][col("place")], "San Jose, CA, US");
    assert_eq!(&records[5][col("city")], "San Jose");
    assert!(records[5][col("latitude")].starts_with("37.3"));
    let last = &records[6];
    assert!(last[col("cumulative_miles")].parse::<f64>().unwrap() > 0.0);
}

#[test]
fn origin_and_no_geo() {
    let run = parse(annotate(&[
        "--format",
        "json",
        "--from",
        "51.5074,-0.1278",
        &fixture("london-to-newyork.txt"),
    ]));
    let legs = run.json["distance"]["legs"].as_array().unwrap().clone();
    assert_eq!(legs.len(), 3, "origin to the first counted hop, then two");
    assert_eq!(legs[0]["from_hop"], 0);
    let run = parse(annotate(&[
        "--format",
        "json",
        "--no-geo",
        &fixture("london-to-newyork.txt"),
    ]));
    assert!(run.json["distance"].is_null());
    assert!(run.hop(4)["responders"][0]["geoip_country_code"].is_null());
    assert!(run.hop(4)["latitude"].is_null());
}

#[test]
fn bad_databases_and_inputs_are_one_line_errors() {
    let garbage = scratch("corrupt.mmdb");
    std::fs::write(
        &garbage,
        b"this is not a MaxMind database at all, just bytes",
    )
    .unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--city-db".into(),
                garbage.display().to_string(),
                fixture("london-to-newyork.txt"),
            ],
            "corrupt.mmdb",
        ),
        (
            vec![
                "--asn-db".into(),
                "/nonexistent/asn.mmdb".into(),
                fixture("london-to-newyork.txt"),
            ],
            "/nonexistent/asn.mmdb",
        ),
        (
            vec!["/nonexistent/trace.txt".into()],
            "/nonexistent/trace.txt",
        ),
        (vec![garbage.display().to_string()], "corrupt.mmdb"),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = annotate(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn missing_shipped_data_warns_and_goes_on() {
    let empty = scratch("no-data");
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(binary())
        .env("GLOBETRACE_DATA_DIR", &empty)
        .args([
            "annotate",
            "-n",
            "--format",
            "json",
            &fixture("london-to-newyork.txt"),
        ])
        .output()
        .unwrap();
    let run = parse(out);
    assert_eq!(run.status, 0);
    assert!(
        run.stderr.contains("shipped geo data unavailable"),
        "{}",
        run.stderr
    );
    assert!(
        run.hop(4)["responders"][0]["geoip_country_code"].is_null()
            || run.json["distance"].is_null()
    );
}

#[test]
fn bulk_lists_stream_one_row_per_address() {
    let list = scratch("many.txt");
    let mut text = String::from("# addresses\n");
    for i in 0..600u32 {
        text.push_str(&format!("2001:db8::{:x}\n", i + 1));
    }
    text.push_str("8.8.8.8\nnot an address\n2001:db8::1\n");
    std::fs::write(&list, text).unwrap();
    let out = annotate(&["--format", "csv", list.to_str().unwrap()]);
    assert!(out.status.success());
    let csv = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 1 + 602, "header + every address");
    assert!(rows[1].starts_with("2,2001:db8::1,"));
    assert!(rows[601].contains(",US,15169,"), "{}", rows[601]);
    assert!(rows[2].contains("documentation"), "{}", rows[2]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 603"), "{err}");
}
