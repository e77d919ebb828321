//! Side by side with scamper's `tracelb` on the same kernel ECMP diamonds: probes sent, wall
//! time, and how often each found every interface, over many flow sets (a different first source
//! port per run; `-s` for scamper). A benchmark, not a test: ignored by default, run by
//! `tests/bench/multipath_bench.sh` (which prints the table the README quotes).

mod common;

use common::netns::diamonds::{FOUR_WIDE, NESTED, TWO_WIDE};
use common::netns::Topology;
use common::run::binary;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Instant;

type Links = BTreeSet<(String, String)>;

struct Case {
    name: &'static str,
    topo: Topology,
    truth: Links,
}

fn truth(topo: &Topology, pairs: &[(&str, &str)]) -> Links {
    let addr = |r: &str| {
        if r == "dst" {
            topo.dst_v4().to_string()
        } else {
            topo.role_v4(r).to_string()
        }
    };
    pairs.iter().map(|(a, b)| (addr(a), addr(b))).collect()
}

fn cases() -> Option<Vec<Case>> {
    [
        ("2-wide", &TWO_WIDE),
        ("4-wide", &FOUR_WIDE),
        ("nested", &NESTED),
    ]
    .into_iter()
    .map(|(name, diamond)| {
        let topo = diamond.build()?;
        let truth = truth(&topo, diamond.links);
        Some(Case { name, topo, truth })
    })
    .collect()
}

/// One globetrace discovery: (probes, seconds, links).
fn ours(topo: &Topology, port: u16, confidence: &str) -> (u64, f64, Links) {
    let start = Instant::now();
    let out = topo
        .command(topo.src(), binary())
        .args([
            "--format",
            "json",
            "-n",
            "-U",
            "--multipath",
            "--confidence",
        ])
        .arg(confidence)
        .args(["--source-port", &port.to_string()])
        .arg(topo.dst_v4().to_string())
        .output()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let links = v["multipath"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let a = |k: &str| {
                l[k].as_str()
                    .unwrap()
                    .split_once(':')
                    .unwrap()
                    .1
                    .to_string()
            };
            (a("from"), a("to"))
        })
        .collect();
    (v["probes_sent"].as_u64().unwrap(), secs, links)
}

/// One scamper tracelb: (probes, seconds, addresses found).
fn scamper(topo: &Topology, port: u16, confidence: &str) -> Option<(u64, f64, BTreeSet<String>)> {
    let start = Instant::now();
    let out = topo
        .command(topo.src(), "scamper")
        .args(["-O", "json", "-c"])
        .arg(format!("tracelb -P udp-sport -s {port} -c {confidence}"))
        .args(["-i", &topo.dst_v4().to_string()])
        .output()
        .ok()?;
    let secs = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["type"] == "tracelb")?;
    // scamper's JSON groups the branches between two nodes into clumps of addresses without
    // per-member links, so the two tools are compared on the addresses found.
    let mut found = BTreeSet::new();
    collect_addresses(&v["nodes"], &mut found);
    Some((v["probec"].as_u64()?, secs, found))
}

fn collect_addresses(v: &Value, into: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(a) = m.get("addr").and_then(Value::as_str) {
                into.insert(a.to_string());
            }
            m.values().for_each(|x| collect_addresses(x, into));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_addresses(x, into)),
        _ => {}
    }
}

/// Every address a graph's links name.
fn addresses(links: &Links) -> BTreeSet<String> {
    links
        .iter()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect()
}

#[test]
#[ignore = "a benchmark: tests/bench/multipath_bench.sh"]
fn side_by_side_with_scamper_tracelb() {
    let runs: u16 = std::env::var("MP_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let Some(cases) = cases() else { return };
    println!(
        "| diamond | confidence | tool | probes (mean) | time (mean) | every interface found |"
    );
    println!("|---|---:|---|---:|---:|---:|");
    for case in &cases {
        for confidence in ["95", "99"] {
            let (mut p, mut t, mut whole, mut exact) = (0u64, 0f64, 0u32, 0u32);
            let (mut sp, mut st, mut swhole, mut sruns) = (0u64, 0f64, 0u32, 0u32);
            for k in 0..runs {
                let port = 20000 + k * 211;
                let (probes, secs, links) = ours(&case.topo, port, confidence);
                assert!(
                    links.is_subset(&case.truth),
                    "{} port {port}: phantom links {:?}",
                    case.name,
                    links.difference(&case.truth).collect::<Vec<_>>()
                );
                p += probes;
                t += secs;
                let want = addresses(&case.truth);
                whole += u32::from(want.is_subset(&addresses(&links)));
                exact += u32::from(links == case.truth);
                if let Some((probes, secs, found)) = scamper(&case.topo, port, confidence) {
                    sp += probes;
                    st += secs;
                    swhole += u32::from(want.is_subset(&found));
                    sruns += 1;
                }
            }
            let n = f64::from(runs);
            println!(
                "| {} | {confidence} % | globetrace | {:.1} | {:.2} s | {whole}/{runs} (links exact {exact}/{runs}) |",
                case.name,
                p as f64 / n,
                t / n
            );
            if sruns > 0 {
                let m = f64::from(sruns);
                println!(
                    "| {} | {confidence} % | scamper tracelb | {:.1} | {:.2} s | {swhole}/{sruns} |",
                    case.name,
                    sp as f64 / m,
                    st / m
                );
            }
        }
    }
}
