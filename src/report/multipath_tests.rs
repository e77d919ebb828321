//! Every report on the hand-made multipath traces of `crate::diamonds` (a 2-wide, a 4-wide
//! and a nested diamond, and one with a silent branch router), placed by a real overrides
//! file: JSON's graph, CSV's `linked_from`, the table's marks and branches section, the
//! GeoJSON nodes and links, the SVG's branch lines, and the many-trace report.

use super::{csv, geojson, json, map, multi, table};
use crate::diamonds::{self, build, placed_geo, AMS, FRA, LON, PAR};
use crate::distance::{Method, Units};
use crate::multipath::Balancer;
use crate::path::Path;
use crate::trace::TraceIdentity;
use serde_json::Value;

fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    Method::Geodesic.metres(a, b) / 1000.0
}

fn two_wide() -> Path {
    build(diamonds::two_wide(), &placed_geo())
}

fn csv_of(path: &Path) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    csv::write(path, &mut out).unwrap();
    let mut r = ::csv::Reader::from_reader(out.as_slice());
    let mut rows = vec![r.headers().unwrap().iter().map(String::from).collect()];
    for rec in r.records() {
        rows.push(rec.unwrap().iter().map(String::from).collect());
    }
    rows
}

fn col(rows: &[Vec<String>], name: &str) -> usize {
    rows[0].iter().position(|c| c == name).unwrap()
}

#[test]
fn json_carries_the_graph_and_the_probes_sent() {
    let doc: Value = serde_json::from_str(&json::to_string(&two_wide()).unwrap()).unwrap();
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["probes_sent"], 24);
    let m = &doc["multipath"];
    assert_eq!(
        (m["confidence"].as_u64(), m["width"].as_u64()),
        (Some(95), Some(2))
    );
    assert_eq!(m["paths"], 2);
    let nodes = m["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 4);
    let ams = &nodes[2];
    assert_eq!(ams["id"], "2:62.115.0.22");
    assert_eq!(ams["address"], "62.115.0.22");
    assert_eq!(
        (ams["latitude"].as_f64(), ams["longitude"].as_f64()),
        (Some(AMS.0), Some(AMS.1))
    );
    assert_eq!(ams["location_source"], "override");
    assert_eq!(ams["place"], "Amsterdam");
    assert_eq!(ams["branch"], 1);
    assert_eq!(ams["rtts_ms"].as_array().unwrap().len(), 2);
    assert_eq!(
        (nodes[0]["fork"].as_bool(), nodes[0]["join"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(nodes[0]["balancer"], "per_flow");
    assert_eq!(nodes[3]["join"], true);
    assert_eq!(nodes[3]["destination"], true);
    let links = m["links"].as_array().unwrap();
    assert_eq!(links.len(), 4);
    assert_eq!(links[1]["from"], "1:62.115.0.1");
    assert_eq!(links[1]["to"], "2:62.115.0.22");
    assert_eq!(links[1]["flows"], 3);
    let d = &m["distance"];
    let via_ams = km(FRA, AMS) + km(AMS, LON);
    assert!(
        (d["shortest_km"].as_f64().unwrap() - via_ams).abs() < 0.051,
        "{d}"
    );
    assert_eq!(d["shortest_via"][1], "2:62.115.0.22");
    assert_eq!(d["longest_via"][1], "2:62.115.0.21");
}

#[test]
fn json_names_an_unknown_vertex_and_leaves_other_traces_alone() {
    let path = build(diamonds::with_unknown(), &placed_geo());
    let doc: Value = serde_json::from_str(&json::to_string(&path).unwrap()).unwrap();
    let star = &doc["multipath"]["nodes"][2];
    assert_eq!(star["id"], "2:*1");
    assert!(star["address"].is_null() && star["latitude"].is_null());
    assert_eq!(doc["multipath"]["links"][3]["from"], "2:*1");

    let mut plain = diamonds::two_wide();
    plain.multipath = None;
    let doc: Value =
        serde_json::from_str(&json::to_string(&build(plain, &placed_geo())).unwrap()).unwrap();
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert!(
        !keys
            .iter()
            .any(|k| *k == "multipath" || *k == "probes_sent"),
        "{keys:?}"
    );
}

#[test]
fn csv_places_each_responder_and_names_where_it_links_from() {
    let rows = csv_of(&two_wide());
    assert_eq!(rows[0].last().unwrap(), "linked_from");
    assert_eq!(rows.len(), 5, "{rows:?}");
    let (ip, lat, lf) = (
        col(&rows, "ip"),
        col(&rows, "latitude"),
        col(&rows, "linked_from"),
    );
    assert_eq!(rows[2][ip], "62.115.0.21");
    assert_eq!(rows[2][lat], format!("{:.4}", PAR.0));
    // The second responder of hop 2 has its own place (the hop row used to leave it empty).
    assert_eq!(rows[3][ip], "62.115.0.22");
    assert_eq!(rows[3][lat], format!("{:.4}", AMS.0));
    assert_eq!(rows[3][col(&rows, "place")], "Amsterdam");
    assert_eq!(rows[3][lf], "62.115.0.1");
    assert_eq!(rows[4][lf], "62.115.0.21;62.115.0.22");
    assert_eq!(rows[1][lf], "");
    // Its leg is its branch's: Frankfurt to Amsterdam.
    let leg: f64 = rows[3][col(&rows, "leg_km")].parse().unwrap();
    assert!((leg - km(FRA, AMS)).abs() < 0.051);
}

#[test]
fn csv_gives_an_unknown_vertex_a_row_and_a_star() {
    let rows = csv_of(&build(diamonds::with_unknown(), &placed_geo()));
    let (ip, lf) = (col(&rows, "ip"), col(&rows, "linked_from"));
    let hop2: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[0] == "2").collect();
    assert_eq!(hop2.len(), 2);
    assert_eq!(
        (hop2[1][ip].as_str(), hop2[1][lf].as_str()),
        ("", "62.115.0.1")
    );
    assert_eq!(rows.last().unwrap()[lf], "62.115.0.21;*");
}

#[test]
fn csv_of_other_traces_is_unchanged() {
    let mut plain = diamonds::two_wide();
    plain.multipath = None;
    let path = build(plain, &placed_geo());
    let rows = csv_of(&path);
    assert_eq!(rows[0], csv::COLUMNS);
    // Without the graph, hop 2's second row carries no place of its own.
    assert_eq!(rows[3][col(&rows, "latitude")], "");
    // The many-trace rows stay as wide as their header, multipath or not.
    for r in csv::rows(&two_wide()) {
        assert_eq!(r.len(), csv::COLUMNS.len());
    }
}

#[test]
fn the_table_marks_forks_and_joins_and_lists_the_branches() {
    let out = table::render(&two_wide(), false, Units::Km);
    let first_cells: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(first_cells.contains(&"1<"), "{out}");
    assert!(first_cells.contains(&"3>"), "{out}");
    assert!(
        out.contains(
            "hop 1 62.115.0.1 (Frankfurt) forks to 62.115.0.21 (Paris), \
             62.115.0.22 (Amsterdam), per-flow balancer"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "hop 3 62.115.0.3 (London) joins 62.115.0.21 (Paris), 62.115.0.22 (Amsterdam)"
        ),
        "{out}"
    );
    assert!(out.contains("Multipath: 2-way at its widest, 2 paths through 4 vertices (0 unknown); 24 probes, 95% confidence."), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("Distance over 2 branches"))
        .unwrap();
    let short = format!("{:.1} km", km(FRA, AMS) + km(AMS, LON));
    let long = format!("{:.1} km", km(FRA, PAR) + km(PAR, LON));
    assert!(line.contains(&format!("shortest {short}")), "{line}");
    assert!(line.contains(&format!("longest {long}")), "{line}");
    // Each responder's row shows its own place: Amsterdam on hop 2's second row.
    let ams = out.lines().find(|l| l.contains("62.115.0.22")).unwrap();
    assert!(
        ams.contains("Amsterdam") && ams.contains("52.3676") && ams.contains("O h"),
        "{ams}"
    );
    // The compact terminal layout marks the same hops.
    let compact = table::render(&two_wide(), true, Units::Km);
    assert!(
        compact.contains("1<") && compact.contains("3>"),
        "{compact}"
    );
}

#[test]
fn the_table_shows_unknown_vertices_nesting_and_per_packet_balancers() {
    let out = table::render(
        &build(diamonds::with_unknown(), &placed_geo()),
        false,
        Units::Km,
    );
    assert!(out.contains("forks to 62.115.0.21 (Paris), *"), "{out}");
    assert!(out.contains("joins 62.115.0.21 (Paris), *"), "{out}");
    assert!(out.contains("(1 unknown)"), "{out}");

    let out = table::render(&build(diamonds::nested(), &placed_geo()), false, Units::Km);
    for mark in ["1<", "2<", "4>", "5>"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{mark:>4}")) || l.trim_start().starts_with(mark)),
            "{mark}: {out}"
        );
    }
    assert!(out.contains("Distance over 3 branches"), "{out}");

    let mut t = diamonds::two_wide();
    t.multipath.as_mut().unwrap().nodes[0].balancer = Some(Balancer::PerPacket);
    let out = table::render(&build(t, &placed_geo()), false, Units::Km);
    assert!(out.contains("per-packet balancer"), "{out}");

    let mut plain = diamonds::two_wide();
    plain.multipath = None;
    let out = table::render(&build(plain, &placed_geo()), false, Units::Km);
    assert!(!out.contains("Multipath") && !out.contains("1<"), "{out}");
}

#[test]
fn geojson_has_a_point_per_vertex_and_a_line_per_link() {
    let fc = geojson::feature_collection(&build(diamonds::four_wide(), &placed_geo()), None);
    let kind = |k: &str| {
        fc.features
            .iter()
            .filter(|f| f.property("kind").and_then(Value::as_str) == Some(k))
            .collect::<Vec<_>>()
    };
    assert_eq!(kind("node").len(), 6);
    let links = kind("link");
    assert_eq!(links.len(), 8);
    assert!(links
        .iter()
        .all(|l| l.property("bridged") == Some(&Value::Bool(false))));
    let info = &fc.foreign_members.as_ref().unwrap()["globetrace"]["multipath"];
    assert_eq!(
        (info["width"].as_u64(), info["paths"].as_u64()),
        (Some(4), Some(4))
    );

    // The unknown vertex is bridged: Frankfurt straight to London.
    let fc = geojson::feature_collection(&build(diamonds::with_unknown(), &placed_geo()), None);
    let bridged: Vec<_> = fc
        .features
        .iter()
        .filter(|f| f.property("bridged") == Some(&Value::Bool(true)))
        .collect();
    assert_eq!(bridged.len(), 1);
    assert_eq!(bridged[0].property("from").unwrap(), "1:62.115.0.1");
    assert_eq!(bridged[0].property("to").unwrap(), "3:62.115.0.3");
    let got = bridged[0].property("km").and_then(Value::as_f64).unwrap();
    assert!((got - km(FRA, LON)).abs() < 1e-3);
}

#[test]
fn the_svg_map_draws_every_branch() {
    let path = build(diamonds::nested(), &placed_geo());
    let svg = map::render_svg(&path, &map::MapOptions::default());
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let branches: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("branch"))
        .collect();
    assert_eq!(
        branches.len(),
        path.trace.multipath.as_ref().unwrap().links.len()
    );
    // Each is drawn, but Madrid to Madrid (3:62.115.0.33 → 4:62.115.0.42) has no length.
    for b in &branches {
        let km: f64 = b.attribute("data-km").unwrap().parse().unwrap();
        let drawn = b.children().any(|c| c.has_tag_name("path"));
        assert_eq!(drawn, km > 0.0, "{:?}", b.attributes().collect::<Vec<_>>());
    }
    assert_eq!(
        branches
            .iter()
            .filter(|b| b.attribute("data-km") == Some("0.0"))
            .count(),
        1
    );
    assert!(branches
        .iter()
        .any(|b| b.attribute("data-from") == Some("2:62.115.0.22")
            && b.attribute("data-to") == Some("3:62.115.0.33")));
    let nodes = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("node"))
        .count();
    assert_eq!(nodes, 9);
    assert!(
        svg.contains("3 branches, shortest"),
        "the description names the range"
    );
}

#[test]
fn the_many_trace_report_says_how_wide() {
    let path = two_wide();
    let id = TraceIdentity {
        label: "t1".into(),
        position: 1,
        ..TraceIdentity::default()
    };
    let line = multi::summary_line(&id, &path, Units::Km);
    assert!(line.contains("2-way multipath"), "{line}");
    assert!(line.contains(" km"), "{line}");
    for format in [
        super::Format::Csv,
        super::Format::Json,
        super::Format::Table,
    ] {
        let mut w = multi::MultiWriter::new(Vec::new(), format, Units::Km).unwrap();
        w.push(&id, &path).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert!(!out.is_empty());
        if format == super::Format::Json {
            let doc: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(
                doc["traces"][0]["multipath"]["nodes"]
                    .as_array()
                    .unwrap()
                    .len(),
                4
            );
        }
    }
}
