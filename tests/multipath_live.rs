//! `--multipath` on real Linux routers: kernel ECMP in namespaces hashing the 5-tuple
//! (`fib_multipath_hash_policy=1`, each balancer with its own hash seed), so probes whose source
//! ports differ take different branches. Every branch found, the joins right, no phantom
//! branches; a silent branch reported as an unknown vertex; a ping flood beside it adds nothing.
//! Where scamper is installed its `tracelb` runs on the same diamonds and both probe counts are
//! printed (the README's figures come from `tests/bench/multipath_bench.sh`).

mod common;

use common::netns::diamonds::{FOUR_WIDE, NESTED, TWO_WIDE};
use common::netns::Topology;
use common::run::{binary, parse, Run};
use std::collections::BTreeSet;

type Links = BTreeSet<(String, String)>;

/// The discovered links as (from, to) addresses, `*` for an unknown vertex.
fn links(run: &Run) -> Links {
    let graph = &run.json["multipath"];
    let address = |id: &str| id.split_once(':').map(|(_, a)| a).unwrap_or(id).to_string();
    let address = |id: &str| {
        let a = address(id);
        if a.starts_with('*') {
            "*".to_string()
        } else {
            a
        }
    };
    graph["links"]
        .as_array()
        .unwrap_or_else(|| panic!("no multipath links in {:#}", run.json))
        .iter()
        .map(|l| {
            (
                address(l["from"].as_str().unwrap()),
                address(l["to"].as_str().unwrap()),
            )
        })
        .collect()
}

/// The links a topology should show, from (role, role) pairs; "dst" is the destination.
fn expected(topo: &Topology, v6: bool, pairs: &[(&str, &str)]) -> Links {
    let addr = |role: &str| match (role, v6) {
        ("*", _) => "*".to_string(),
        ("dst", false) => topo.dst_v4().to_string(),
        ("dst", true) => topo.dst_v6().to_string(),
        (r, false) => topo.role_v4(r).to_string(),
        (r, true) => topo.role_v6(r).to_string(),
    };
    pairs.iter().map(|(a, b)| (addr(a), addr(b))).collect()
}

fn discover(topo: &Topology, args: &[&str], v6: bool) -> Run {
    let dst = if v6 {
        topo.dst_v6().to_string()
    } else {
        topo.dst_v4().to_string()
    };
    let out = topo
        .command(topo.src(), binary())
        // A fixed first port and fixed balancer seeds make the run repeatable: the stopping
        // rule is statistical, the flows it draws are not random here.
        .args([
            "--format",
            "json",
            "-n",
            "--multipath",
            "--source-port",
            "41000",
            "--confidence",
            "99",
        ])
        .args(args)
        .arg(&dst)
        .output()
        .unwrap();
    let run = parse(out);
    assert_eq!(run.status, 0, "{}", run.stderr);
    run
}

/// scamper's `tracelb` on the same topology: its probe count, when scamper is installed.
fn scamper_probes(topo: &Topology, method: &str, v6: bool) -> Option<u64> {
    let dst = if v6 {
        topo.dst_v6().to_string()
    } else {
        topo.dst_v4().to_string()
    };
    let out = topo
        .command(topo.src(), "scamper")
        .args(["-O", "json", "-c"])
        .arg(format!("tracelb -P {method} -c 99"))
        .args(["-i", &dst])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "tracelb")
        .and_then(|v| v["probec"].as_u64())
}

fn report(name: &str, ours: u64, scamper: Option<u64>) {
    match scamper {
        Some(s) => eprintln!("{name}: globetrace {ours} probes, scamper tracelb {s} probes"),
        None => eprintln!("{name}: globetrace {ours} probes (scamper not installed)"),
    }
}

#[test]
fn a_two_wide_diamond_over_udp_both_families() {
    let Some(topo) = TWO_WIDE.build() else { return };
    for v6 in [false, true] {
        let run = discover(&topo, &["-U"], v6);
        assert_eq!(
            links(&run),
            expected(&topo, v6, TWO_WIDE.links),
            "{:#}",
            run.json
        );
        assert!(run.reached());
        let probes = run.json["probes_sent"].as_u64().unwrap();
        let family = if v6 { "IPv6" } else { "IPv4" };
        report(
            &format!("2-wide diamond, UDP, {family}"),
            probes,
            scamper_probes(&topo, "udp-sport", v6),
        );
    }
}

#[test]
fn a_two_wide_diamond_over_tcp() {
    let Some(topo) = TWO_WIDE.build() else { return };
    let run = discover(&topo, &["-T"], false);
    assert_eq!(
        links(&run),
        expected(&topo, false, TWO_WIDE.links),
        "{:#}",
        run.json
    );
}

#[test]
fn a_four_wide_diamond() {
    let Some(topo) = FOUR_WIDE.build() else {
        return;
    };
    let run = discover(&topo, &["-U"], false);
    assert_eq!(
        links(&run),
        expected(&topo, false, FOUR_WIDE.links),
        "{:#}",
        run.json
    );
    report(
        "4-wide diamond, UDP",
        run.json["probes_sent"].as_u64().unwrap(),
        scamper_probes(&topo, "udp-sport", false),
    );
}

#[test]
fn a_nested_diamond() {
    // r1 splits over x and y; x splits again over x1 and x2; all rejoin at j.
    let Some(topo) = NESTED.build() else {
        return;
    };
    let run = discover(&topo, &["-U"], false);
    assert_eq!(
        links(&run),
        expected(&topo, false, NESTED.links),
        "{:#}",
        run.json
    );
    report(
        "nested diamond, UDP",
        run.json["probes_sent"].as_u64().unwrap(),
        scamper_probes(&topo, "udp-sport", false),
    );
}

#[test]
fn a_silent_branch_is_an_unknown_vertex_and_the_rest_exact() {
    let Some(topo) = TWO_WIDE.build() else { return };
    topo.nft("b", &common::netns::silence_rules());
    let run = discover(&topo, &["-U"], false);
    let want = &[
        ("r1", "a"),
        ("r1", "*"),
        ("a", "j"),
        ("*", "j"),
        ("j", "dst"),
    ];
    assert_eq!(links(&run), expected(&topo, false, want), "{:#}", run.json);
}

#[test]
fn a_ping_flood_beside_it_never_becomes_a_branch() {
    let Some(topo) = TWO_WIDE.build() else { return };
    let flood = topo.spawn_background(
        topo.src(),
        ["ping", "-f", "-q", "-w", "60", &topo.dst_v4().to_string()],
    );
    let flood_routers = topo.spawn_background(
        topo.src(),
        [
            "ping",
            "-f",
            "-q",
            "-w",
            "60",
            "-t",
            "2",
            &topo.dst_v4().to_string(),
        ],
    );
    // Let the floods get going: a discovery here takes milliseconds.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let run = discover(&topo, &["-U", "-v"], false);
    topo.kill_background(flood);
    topo.kill_background(flood_routers);
    assert_eq!(
        links(&run),
        expected(&topo, false, TWO_WIDE.links),
        "{:#}",
        run.json
    );
    let (_, _, foreign) = run.counters().expect("counters with -v");
    assert!(
        foreign > 0,
        "the flood was seen and set aside: {}",
        run.stderr
    );
}
