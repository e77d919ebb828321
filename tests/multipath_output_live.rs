//! A live `--multipath` run on real Linux routers (kernel ECMP in namespaces, see
//! `tests/common/netns`), written out in every format at once: each discovered router placed on
//! its own (an overrides file puts each namespace router in a European city), the JSON graph,
//! the CSV's `linked_from`, the GeoJSON's lines and the SVG's branches agreeing with each
//! other, and the distance range equal to the longest and shortest of the paths counted by
//! hand. Needs root (skips with a reason otherwise, fails under `CI=true`).

mod common;

use common::netns::diamonds::NESTED;
use common::netns::Topology;
use common::run::{binary, parse, Run};
use globetrace::distance::Method;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gt-mp-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Where the overrides put each role.
const PLACES: &[(&str, (f64, f64))] = &[
    ("r1", (50.1109, 8.6821)),  // Frankfurt
    ("x", (48.8566, 2.3522)),   // Paris
    ("y", (52.3676, 4.9041)),   // Amsterdam
    ("x1", (50.8503, 4.3517)),  // Brussels
    ("x2", (47.3769, 8.5417)),  // Zurich
    ("y1", (40.4168, -3.7038)), // Madrid
    ("j", (51.5072, -0.1276)),  // London
];

struct Outputs {
    run: Run,
    csv: Vec<BTreeMap<String, String>>,
    geojson: Value,
    svg: String,
}

/// Runs the discovery; `roles` are the topology's routers (the overrides place each).
fn discover(topo: &Topology, name: &str, roles: &[&str]) -> Outputs {
    let overrides = scratch(&format!("{name}-overrides.txt"));
    let mut text: String = PLACES
        .iter()
        .filter(|(role, _)| roles.contains(role))
        .map(|(role, (lat, lon))| format!("{}/32 {lat},{lon} {role}\n", topo.role_v4(role)))
        .collect();
    text.push_str(&format!("{}/32 51.5072,-0.1276 dst\n", topo.dst_v4()));
    std::fs::write(&overrides, text).unwrap();
    let (csv, geojson, svg) = (
        scratch(&format!("{name}.csv")),
        scratch(&format!("{name}.geojson")),
        scratch(&format!("{name}.svg")),
    );
    let out = topo
        .command(topo.src(), binary())
        .args(["--format", "json", "-n", "--multipath", "-U"])
        .args(["--source-port", "41000", "--confidence", "99"])
        .arg("--overrides")
        .arg(&overrides)
        .arg("--csv")
        .arg(&csv)
        .arg("--geojson")
        .arg(&geojson)
        .arg("--map")
        .arg(&svg)
        .arg(topo.dst_v4().to_string())
        .output()
        .unwrap();
    let run = parse(out);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let csv = reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();
    Outputs {
        run,
        csv,
        geojson: serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap(),
        svg: std::fs::read_to_string(&svg).unwrap(),
    }
}

/// The graph's links as (from id, to id).
fn links(run: &Run) -> BTreeSet<(String, String)> {
    run.json["multipath"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["from"].as_str().unwrap().into(),
                l["to"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn nodes(run: &Run) -> Vec<Value> {
    run.json["multipath"]["nodes"].as_array().unwrap().clone()
}

#[test]
fn a_live_nested_diamond_in_every_format() {
    let Some(topo) = NESTED.build() else { return };
    let o = discover(&topo, "nested", &["r1", "x", "y", "x1", "x2", "y1", "j"]);
    let links = links(&o.run);
    assert_eq!(links.len(), 9, "{:#}", o.run.json);
    // Every router is placed where the overrides put it, not only each hop's first responder.
    for (role, (lat, lon)) in PLACES {
        let a = topo.role_v4(role).to_string();
        let n = nodes(&o.run)
            .into_iter()
            .find(|n| n["address"] == a.as_str())
            .unwrap_or_else(|| panic!("{role} ({a}) not found"));
        assert_eq!(
            (n["latitude"].as_f64(), n["longitude"].as_f64()),
            (Some(*lat), Some(*lon))
        );
        assert_eq!(n["location_source"], "override", "{role}");
    }
    // CSV: one row per (hop, responder), each linked from what the graph says.
    let ids: BTreeMap<String, String> = nodes(&o.run)
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap().into(),
                n["address"].as_str().unwrap().into(),
            )
        })
        .collect();
    for row in &o.csv {
        let id = format!("{}:{}", row["hop"], row["ip"]);
        let mut want: Vec<&str> = links
            .iter()
            .filter(|(_, to)| *to == id)
            .map(|(from, _)| ids[from].as_str())
            .collect();
        let mut got: Vec<&str> = row["linked_from"]
            .split(';')
            .filter(|s| !s.is_empty())
            .collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "{id}");
        let (lat, _) = PLACES
            .iter()
            .find(|(role, _)| topo.role_v4(role).to_string() == row["ip"])
            .map_or((51.5072, 0.0), |p| p.1);
        assert_eq!(row["latitude"], format!("{lat:.4}"), "{id}");
    }
    assert_eq!(o.csv.len(), 8);
    // GeoJSON: a line per link (all ends placed, none bridged); SVG: a branch per link.
    let gj_links: BTreeSet<(String, String)> = o.geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "link")
        .map(|f| {
            assert_eq!(f["properties"]["bridged"], false);
            let p = &f["properties"];
            (
                p["from"].as_str().unwrap().into(),
                p["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(gj_links, links);
    let doc = roxmltree::Document::parse(&o.svg).unwrap();
    let drawn: BTreeSet<(String, String)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("branch"))
        .map(|n| {
            (
                n.attribute("data-from").unwrap().into(),
                n.attribute("data-to").unwrap().into(),
            )
        })
        .collect();
    assert_eq!(drawn, links);
    // The range: the shortest and longest of the three paths, counted here.
    let at: BTreeMap<String, (f64, f64)> = nodes(&o.run)
        .iter()
        .map(|n| {
            let p = (
                n["latitude"].as_f64().unwrap(),
                n["longitude"].as_f64().unwrap(),
            );
            (n["id"].as_str().unwrap().to_string(), p)
        })
        .collect();
    let mut lengths = Vec::new();
    let mut stack: Vec<(String, f64)> =
        vec![(nodes(&o.run)[0]["id"].as_str().unwrap().into(), 0.0)];
    while let Some((id, len)) = stack.pop() {
        let next: Vec<&String> = links.iter().filter(|l| l.0 == id).map(|l| &l.1).collect();
        if next.is_empty() {
            lengths.push(len);
        }
        for n in next {
            let km = Method::Geodesic.metres(at[&id], at[n]) / 1000.0;
            stack.push((n.clone(), len + km));
        }
    }
    assert_eq!(lengths.len(), 3);
    let d = &o.run.json["multipath"]["distance"];
    let min = lengths.iter().cloned().fold(f64::MAX, f64::min);
    let max = lengths.iter().cloned().fold(0.0, f64::max);
    assert!(
        (d["shortest_km"].as_f64().unwrap() - min).abs() < 0.051,
        "{d} {lengths:?}"
    );
    assert!(
        (d["longest_km"].as_f64().unwrap() - max).abs() < 0.051,
        "{d} {lengths:?}"
    );
    assert_eq!(d["paths"], 3);
}

#[test]
fn a_live_silent_branch_is_a_star_and_a_bridge() {
    let Some(topo) = Topology::graph(
        &[("r1", true), ("x", false), ("y", false), ("j", false)],
        &[(0, 1), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)],
    ) else {
        return;
    };
    topo.nft("y", &common::netns::silence_rules());
    let o = discover(&topo, "silent", &["r1", "x", "y", "j"]);
    let star = nodes(&o.run)
        .into_iter()
        .find(|n| n["address"].is_null())
        .expect("an unknown vertex");
    assert_eq!(star["id"], "2:*1");
    let j = topo.role_v4("j").to_string();
    let row = o.csv.iter().find(|r| r["ip"] == j).unwrap();
    let mut from: Vec<&str> = row["linked_from"].split(';').collect();
    from.sort_unstable();
    assert_eq!(from, vec!["*", topo.role_v4("x").to_string().as_str()]);
    assert!(o.csv.iter().any(|r| r["hop"] == "2" && r["ip"].is_empty()));
    let bridged: Vec<&Value> = o.geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["bridged"] == true)
        .collect();
    assert_eq!(bridged.len(), 1);
    assert_eq!(bridged[0]["properties"]["to"], format!("3:{j}"));
}
