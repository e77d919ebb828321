//! A saved multipath run fed to `globetrace annotate`: the real binary reads globetrace's own
//! JSON back (graph included), places every responder on its own with MaxMind's test
//! database, and writes the graph into JSON, CSV, the table, the GeoJSON and the SVG map.
//!
//! The saved document is written here with the library's own JSON export, from a trace built
//! by hand the way a live `--multipath` run hands it over: every reply at every TTL plus the
//! graph. London forks to Boxford, Linköping and a router that never answered; all three
//! rejoin at a second London address. No packet is sent and no name looked up (`-n`).

mod common;

use common::run::binary;
use globetrace::multipath::{Balancer, Link, Multipath, Node};
use globetrace::path::Path;
use globetrace::report::json;
use globetrace::trace::{Hop, Origin, Reply, ReplyKind, Trace};
use serde_json::Value;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

const CITY_DB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/maxmind/GeoIP2-City-Test.mmdb"
);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gt-annotate-mp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `(ttl, address, rtt ms)` per vertex; two replies each, two lost probes for the unknown one.
const VERTICES: &[(u8, Option<&str>, f64)] = &[
    (1, Some("81.2.69.142"), 2.0),
    (2, Some("2.125.160.216"), 3.0),
    (2, Some("89.160.20.112"), 26.0),
    (2, None, 0.0),
    (3, Some("81.2.69.160"), 30.0),
];

fn saved_run() -> Trace {
    let dest = ip("81.2.69.160");
    let mut t = Trace::new("81.2.69.160", Some(dest), Origin::Live);
    for ttl in 1..=3u8 {
        let mut hop = Hop::new(ttl);
        for &(_, a, ms) in VERTICES.iter().filter(|v| v.0 == ttl) {
            for k in 0..2u64 {
                hop.probes.push(a.map(|a| {
                    let kind = if ip(a) == dest {
                        ReplyKind::EchoReply
                    } else {
                        ReplyKind::TimeExceeded
                    };
                    let rtt = Duration::from_micros((ms * 1000.0) as u64 + k * 50);
                    Reply::new(ip(a), Some(rtt), kind)
                }));
            }
        }
        t.hops.push(hop);
    }
    t.reached = true;
    t.multipath = Some(Multipath {
        confidence: 95,
        probes_sent: 31,
        nodes: VERTICES
            .iter()
            .map(|&(ttl, a, _)| Node {
                ttl,
                address: a.map(ip),
                flows: 6,
                balancer: (ttl == 1).then_some(Balancer::PerFlow),
                destination: a == Some("81.2.69.160"),
            })
            .collect(),
        links: [(0, 1), (0, 2), (0, 3), (1, 4), (2, 4), (3, 4)]
            .into_iter()
            .map(|(from, to)| Link { from, to, flows: 2 })
            .collect(),
    });
    t
}

/// The saved document, as `globetrace --multipath --format json -n --no-geo` writes it, under
/// a name of the test's own (tests run in parallel).
fn saved_file(name: &str) -> PathBuf {
    let file = scratch(name);
    let path = Path::new(saved_run(), &Default::default());
    std::fs::write(&file, json::to_string(&path).unwrap()).unwrap();
    file
}

fn annotate(args: &[&str]) -> Output {
    Command::new(binary())
        .args(["annotate", "-n", "--city-db", CITY_DB])
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn node<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["multipath"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no vertex {id}"))
}

#[test]
fn a_saved_multipath_run_is_placed_vertex_by_vertex() {
    let file = saved_file("saved-1.json");
    let doc = json_of(annotate(&["--format", "json", file.to_str().unwrap()]));
    assert_eq!(doc["origin"], "imported");
    assert_eq!(doc["probes_sent"], 31);
    let m = &doc["multipath"];
    assert_eq!(
        (m["width"].as_u64(), m["paths"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(m["links"].as_array().unwrap().len(), 6);
    // Each responder at hop 2 has its own place, from the database, in its branch.
    let boxford = node(&doc, "2:2.125.160.216");
    assert_eq!(boxford["city"], "Boxford");
    assert_eq!(boxford["latitude"], 51.75);
    let linkoping = node(&doc, "2:89.160.20.112");
    assert_eq!(linkoping["city"], "Linköping");
    assert_eq!(linkoping["geoip_country_code"], "SE");
    assert_eq!(linkoping["rtt_min_ms"], 26.0);
    let star = node(&doc, "2:*1");
    assert!(star["address"].is_null() && star["latitude"].is_null());
    assert_eq!(node(&doc, "1:81.2.69.142")["fork"], true);
    assert_eq!(node(&doc, "1:81.2.69.142")["balancer"], "per_flow");
    assert_eq!(node(&doc, "3:81.2.69.160")["join"], true);
    // The hop row is still its first responder's.
    assert_eq!(doc["hops"][1]["city"], "Boxford");
    // The range: London to London over the silent router (0 km) up to the trip via Sweden.
    let d = &m["distance"];
    assert_eq!(d["shortest_km"], 0.0, "{d}");
    assert_eq!(
        d["shortest_via"],
        serde_json::json!(["1:81.2.69.142", "3:81.2.69.160"])
    );
    let longest = d["longest_km"].as_f64().unwrap();
    assert!(longest > 2500.0 && longest < 3200.0, "{d}");
    assert_eq!(d["longest_via"][1], "2:89.160.20.112");

    // The annotated document reads back to the same graph.
    let again = scratch("again.json");
    std::fs::write(&again, serde_json::to_string(&doc).unwrap()).unwrap();
    let doc2 = json_of(annotate(&["--format", "json", again.to_str().unwrap()]));
    assert_eq!(doc2["multipath"]["links"], doc["multipath"]["links"]);
    assert_eq!(doc2["multipath"]["distance"], doc["multipath"]["distance"]);
}

#[test]
fn csv_table_and_maps_show_every_branch() {
    let file = saved_file("saved-2.json");
    let (csv, geojson, svg) = (
        scratch("out.csv"),
        scratch("out.geojson"),
        scratch("out.svg"),
    );
    let out = annotate(&[
        "--csv",
        csv.to_str().unwrap(),
        "--geojson",
        geojson.to_str().unwrap(),
        "--map",
        svg.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: Vec<&str> = table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(first.contains(&"1<") && first.contains(&"3>"), "{table}");
    assert!(table.contains("forks to 2.125.160.216 (Boxford, GB), 89.160.20.112 (Linköping, SE), *, per-flow balancer"), "{table}");
    // Both London addresses share one point 28 ms apart: a default point, kept out of the
    // mixed hop rows' distance but counted on the branches where nothing better is placed.
    assert!(
        table.contains(
            "Distance over 3 branches: shortest 0.0 mi (0.0 km), longest 1,567.0 mi (2,521.8 km)."
        ),
        "{table}"
    );

    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = ::csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.last().unwrap(), "linked_from");
    let col = |n: &str| header.iter().position(|c| c == n).unwrap();
    let rows: Vec<Vec<String>> = rows
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let hop2: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "2").collect();
    assert_eq!(hop2.len(), 3, "two responders and the unknown vertex");
    assert_eq!(hop2[1][col("ip")], "89.160.20.112");
    assert_eq!(hop2[1][col("city")], "Linköping");
    assert_eq!(hop2[2][col("ip")], "");
    assert_eq!(hop2[2][col("linked_from")], "81.2.69.142");
    let last = rows.last().unwrap();
    assert_eq!(last[col("linked_from")], "2.125.160.216;89.160.20.112;*");

    let gj: Value = serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let kind = |k: &str| {
        gj["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["kind"] == k)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(kind("node").len(), 4);
    let links = kind("link");
    assert_eq!(
        links.len(),
        5,
        "four direct links and one bridged over the silent router"
    );
    let bridged: Vec<&Value> = links
        .iter()
        .filter(|l| l["properties"]["bridged"] == true)
        .collect();
    assert_eq!(bridged.len(), 1);
    assert_eq!(bridged[0]["properties"]["from"], "1:81.2.69.142");
    assert_eq!(bridged[0]["properties"]["to"], "3:81.2.69.160");

    let map = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&map).expect("well-formed SVG");
    let drawn: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("branch"))
        .collect();
    assert_eq!(drawn.len(), 5);
    assert!(drawn
        .iter()
        .any(|b| b.attribute("data-to") == Some("2:89.160.20.112")
            && b.children().any(|c| c.has_tag_name("path"))));
}

#[test]
fn a_bad_graph_is_reported_and_a_many_trace_document_refused() {
    let file = saved_file("saved-3.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let links = doc["multipath"]["links"].as_array_mut().unwrap();
    links.push(serde_json::json!({"from": "1:81.2.69.142", "to": "9:\u{1b}[2Jx", "flows": 1}));
    links.push(serde_json::json!({"from": "3:81.2.69.160", "to": "1:81.2.69.142", "flows": 1}));
    let bad = scratch("bad-links.json");
    std::fs::write(&bad, serde_json::to_string(&doc).unwrap()).unwrap();
    let out = annotate(&["--format", "json", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    assert!(err.contains("names an unknown vertex"), "{err}");
    assert!(err.contains("does not lead to a later hop"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    let annotated: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(annotated["multipath"]["links"].as_array().unwrap().len(), 6);

    let many = scratch("many.json");
    std::fs::write(
        &many,
        format!(
            "{{\"schema_version\":2,\"generator\":\"globetrace 0.1.0\",\"traces\":[{}]}}",
            std::fs::read_to_string(&file).unwrap()
        ),
    )
    .unwrap();
    let out = annotate(&[many.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("a globetrace document of many traces"),
        "{err}"
    );
    assert!(err.contains("--format jsonl"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A batch saved with `--format jsonl` (one trace per line, each with its label and identity)
/// is read back trace by trace, graphs included.
#[test]
fn a_saved_batch_of_multipath_runs_is_read_back() {
    use globetrace::distance::Units;
    use globetrace::report::{multi::MultiWriter, Format};
    use globetrace::trace::TraceIdentity;
    let mut w = MultiWriter::new(Vec::new(), Format::Jsonl, Units::Km).unwrap();
    for (i, vantage) in ["lab-a", "lab-b"].into_iter().enumerate() {
        let id = TraceIdentity {
            label: format!("run{i}#{}", i + 1),
            position: i + 1,
            tool: Some("globetrace".into()),
            vantage: Some(vantage.into()),
            ..TraceIdentity::default()
        };
        w.push(&id, &Path::new(saved_run(), &Default::default()))
            .unwrap();
    }
    let file = scratch("batch.jsonl");
    std::fs::write(&file, w.finish().unwrap()).unwrap();
    let doc = json_of(annotate(&["--format", "json", file.to_str().unwrap()]));
    let traces = doc["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 2);
    assert_eq!(traces[0]["trace"], "run0#1");
    assert_eq!(traces[1]["identity"]["vantage"], "lab-b");
    for t in traces {
        assert_eq!(t["multipath"]["links"].as_array().unwrap().len(), 6);
        assert_eq!(t["probes_sent"], 31);
    }
    let out = annotate(&[file.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        table
            .lines()
            .filter(|l| l.contains("3-way multipath"))
            .count(),
        2,
        "{table}"
    );
}
