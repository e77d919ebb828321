//! scamper's multipath traces (`tracelb`) through `globetrace annotate` and the import stream:
//! the saved fixtures from both formats, and a live run of the real scamper on a nested kernel
//! ECMP diamond in network namespaces, read from its warts file and from `sc_warts2json` of it.
//! The live test needs root (skips with a reason elsewhere, fails under CI) and scamper.

mod common;

use common::netns::diamonds::NESTED;
use common::netns::is_ci;
use common::run::annotate_offline;
use globetrace::import::{open, Item, Opened};
use globetrace::trace::Trace;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/many/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Responders per hop of `annotate --format json` of one file, and its graph's links.
fn annotated(file: &str) -> (Vec<(u64, BTreeSet<String>)>, Links) {
    let out = annotate_offline("json", file);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reached"], true, "{file}");
    let links = v["multipath"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["from"].as_str().unwrap().into(),
                l["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    let hops = v["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let ips = h["responders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["ip"].as_str().unwrap().to_string())
                .collect();
            (h["hop"].as_u64().unwrap(), ips)
        })
        .collect();
    (hops, links)
}

#[test]
fn annotate_reads_tracelb_from_warts_and_json() {
    let set = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let want = vec![
        (1, set(&["10.0.0.2"])),
        (2, set(&["10.0.1.2", "10.0.2.2"])),
        (3, set(&["10.0.3.2", "10.0.4.2", "10.0.5.2"])),
        (4, set(&["10.0.6.2"])),
        (5, set(&["10.0.9.2"])),
    ];
    // The nested clump scamper prints as (x, y) -> (x1, x2, y1), resolved by its flows.
    let graph: Links = [
        ("1:10.0.0.2", "2:10.0.1.2"),
        ("1:10.0.0.2", "2:10.0.2.2"),
        ("2:10.0.1.2", "3:10.0.3.2"),
        ("2:10.0.1.2", "3:10.0.4.2"),
        ("2:10.0.2.2", "3:10.0.5.2"),
        ("3:10.0.3.2", "4:10.0.6.2"),
        ("3:10.0.4.2", "4:10.0.6.2"),
        ("3:10.0.5.2", "4:10.0.6.2"),
        ("4:10.0.6.2", "5:10.0.9.2"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    for file in ["tracelb-nested.warts", "tracelb-nested.json"] {
        let (hops, links) = annotated(&fixture(file));
        assert_eq!(hops, want, "{file}");
        assert_eq!(links, graph, "{file}");
    }
}

/// The traces of a file, read as detected.
fn traces(path: &str) -> Vec<Trace> {
    let Opened::Many(stream) = open(path, None).unwrap() else {
        panic!("{path}: not read as many traces");
    };
    stream
        .map(|i| match i.unwrap() {
            Item::Trace(r) => r.trace,
            Item::Warning(w) => panic!("{path}: {w:?}"),
        })
        .collect()
}

type Links = BTreeSet<(String, String)>;

/// A trace's graph as links between addresses.
fn links(t: &Trace) -> Links {
    let m = t.multipath.as_ref().expect("a multipath graph");
    let name = |i: usize| m.nodes[i].address.map_or("*".into(), |a| a.to_string());
    m.links.iter().map(|l| (name(l.from), name(l.to))).collect()
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("-v").output().is_ok()
}

#[test]
fn live_scamper_tracelb_on_a_nested_diamond() {
    if !have("scamper") || !have("sc_warts2json") {
        assert!(!is_ci(), "scamper is needed under CI");
        eprintln!("skipping: scamper is not installed");
        return;
    }
    let Some(topo) = NESTED.build() else {
        return;
    };
    let a = |r: &str| topo.role_v4(r).to_string();
    let dst = topo.dst_v4().to_string();
    let truth: Links = NESTED
        .links
        .iter()
        .map(|(x, y)| (a(x), if *y == "dst" { dst.clone() } else { a(y) }))
        .collect();
    let dir = std::env::temp_dir().join(format!("gt-tracelb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let warts = dir.join("lb.warts");
    let out = topo
        .command(topo.src(), "scamper")
        .args(["-O", "warts", "-o"])
        .arg(&warts)
        .args(["-c", "tracelb -P udp-sport -c 95", "-i", &dst])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = Command::new("sc_warts2json").arg(&warts).output().unwrap();
    let json_path = dir.join("lb.json");
    std::fs::write(&json_path, &json.stdout).unwrap();
    let from_warts = traces(warts.to_str().unwrap());
    let from_json = traces(json_path.to_str().unwrap());
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(from_warts.len(), 1);
    let (w, j) = (&from_warts[0], &from_json[0]);
    assert!(w.reached, "the destination answered");
    assert_eq!(links(w), links(j), "warts and its sc_warts2json agree");
    let found = links(w);
    assert!(
        found.is_subset(&truth),
        "no link that is not in the topology: {:?}",
        found.difference(&truth).collect::<Vec<_>>()
    );
    // scamper's MDA may stop before every branch at 95 %; what it found is linked end to end.
    assert!(found.contains(&(a("j"), dst)), "{found:?}");
    eprintln!(
        "scamper tracelb found {} of {} links",
        found.len(),
        truth.len()
    );
}
