//! The real binary against scripted paths in the TUN simulator (`tests/sim/`, scenarios in
//! `tests/scenarios/`): latency, a satellite leg, loss, ICMP rate limits, MPLS and per-flow
//! load balancing, none of which namespace routers can produce here.
//!
//! Each test compares the tracer's JSON with the scenario (who answers at each TTL, RTTs within
//! the scripted delay and a scheduling allowance) and with the simulator's own counters (the
//! tracer never reports a reply the network did not send). No assertion is about how long a
//! trace takes: timing is the benchmark's business (`tests/bench/sim_bench.sh`).

mod common;
mod sim;

use serde_json::Value;
use sim::check::{
    addresses, assert_counts_match, assert_path, assert_rtts, responders, trace, trace_counted,
};
use sim::Simulator;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

/// At most this many replies per trace may arrive after the tracer gave their probe up
/// (scheduling hiccups on a shared 2-core machine); in practice it is 0.
const LATE_PER_TRACE: u64 = 1;

#[test]
fn path_of_15_hops_rising_to_250_ms_ipv4() {
    let Some(sim) = Simulator::load("path15") else {
        return;
    };
    for (args, kind) in [
        (&["-I"][..], "echo_reply"),
        (&["-U"][..], "port_unreachable"),
        (&["-T", "-p", "80"][..], "tcp_syn_ack"),
        (&["-T", "-p", "443"][..], "tcp_reset"),
    ] {
        let (run, stats) = trace_counted(&sim, args);
        assert_path(&sim, &run, kind);
        assert_counts_match(&run, &stats, LATE_PER_TRACE);
    }
}

#[test]
fn path_of_15_hops_ipv6() {
    let Some(sim) = Simulator::load("path15_v6") else {
        return;
    };
    for (args, kind) in [
        (&["-I"][..], "echo_reply"),
        (&["-U"][..], "port_unreachable"),
        (&["-T"][..], "tcp_syn_ack"),
    ] {
        let (run, stats) = trace_counted(&sim, args);
        assert_path(&sim, &run, kind);
        assert_counts_match(&run, &stats, LATE_PER_TRACE);
    }
}

#[test]
fn silent_hops_stay_silent_and_the_rest_answers() {
    let Some(sim) = Simulator::load("path15_silent") else {
        return;
    };
    let (run, stats) = trace_counted(&sim, &[]);
    assert_path(&sim, &run, "echo_reply");
    for ttl in [6, 11] {
        assert!(responders(&run, ttl).is_empty(), "hop {ttl} is silent");
        assert_eq!(stats.hop(ttl).ignored, 3, "3 probes reached hop {ttl}");
    }
    assert_counts_match(&run, &stats, LATE_PER_TRACE);
}

#[test]
fn geostationary_leg_early_in_the_path() {
    let Some(sim) = Simulator::load("satellite") else {
        return;
    };
    for args in [&["-I"][..], &["-U"][..]] {
        let (run, stats) = trace_counted(&sim, args);
        let kind = if args == ["-U"] {
            "port_unreachable"
        } else {
            "echo_reply"
        };
        assert_path(&sim, &run, kind);
        for ttl in 1..=sim.scenario().destination_ttl() {
            let rtt_min = responders(&run, ttl)[0]["rtt_min_ms"].as_f64().unwrap();
            if ttl <= 2 {
                assert!(
                    rtt_min < 50.0,
                    "hop {ttl} is before the satellite: {rtt_min}"
                );
            } else {
                assert!(
                    rtt_min >= 550.0,
                    "hop {ttl} is behind the satellite: {rtt_min}"
                );
            }
        }
        // The slow hops behind the satellite must not make the tracer give up on anything
        // (their probes wait up to the 3 s maximum; nothing is faster behind them).
        assert_counts_match(&run, &stats, LATE_PER_TRACE);
        for ttl in 3..=sim.scenario().destination_ttl() {
            assert_eq!(run.hop(u64::from(ttl))["loss_pct"], 0.0, "hop {ttl}");
        }
    }
}

/// Twenty traces of ten probes per hop: 200 probes reach the lossy router. Its loss draws come
/// from its own seeded generator, so the count is the same on every run of this test; the
/// binomial bound (20 % ± 8 points, 2.8 standard deviations of a 200-probe binomial) is what
/// any seed must meet, so the scenario's seed can change without the test going flaky.
#[test]
fn twenty_percent_loss_at_one_hop() {
    let Some(sim) = Simulator::load("loss") else {
        return;
    };
    const RUNS: u64 = 20;
    let (mut sent, mut received, mut dropped) = (0, 0, 0);
    for _ in 0..RUNS {
        let (run, stats) = trace_counted(&sim, &["-q", "10"]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert!(run.reached());
        assert_counts_match(&run, &stats, LATE_PER_TRACE);
        let hop = run.hop(3);
        sent += hop["sent"].as_u64().unwrap();
        received += hop["received"].as_u64().unwrap();
        dropped += stats.hop(3).lost;
        // Only the lossy router's own replies go missing: deeper hops answer everything.
        for ttl in 4..=6u64 {
            let h = run.hop(ttl);
            assert!(
                h["received"].as_u64().unwrap() + LATE_PER_TRACE >= h["sent"].as_u64().unwrap(),
                "hop {ttl} lost replies: {h}"
            );
        }
        for ttl in [1, 2, 4, 5, 6] {
            assert_eq!(addresses(&run, ttl).len(), 1, "hop {ttl}");
        }
    }
    assert_eq!(sent, RUNS * 10, "probes sent at hop 3");
    let loss = 1.0 - received as f64 / sent as f64;
    assert!(
        (0.12..=0.28).contains(&loss),
        "reported loss {loss:.3} at the 20 % hop ({received}/{sent}, simulator dropped {dropped})"
    );
    // And it is the loss the network produced, not a figure of the tracer's own.
    let simulated = dropped as f64 / sent as f64;
    assert!(
        (loss - simulated).abs() <= (RUNS * LATE_PER_TRACE) as f64 / sent as f64,
        "reported {loss:.3}, simulated {simulated:.3}"
    );
}

#[test]
fn icmp_rate_limited_router() {
    let Some(sim) = Simulator::load("ratelimit") else {
        return;
    };
    let limited = sim.scenario().addresses(2)[0];
    for (i, args) in [&["-q", "6"][..], &["-U", "-q", "6"][..], &["-q", "10"][..]]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            // The previous trace emptied the bucket (2 tokens, 2 per second): let it refill,
            // or every probe of this one would be refused, as a real router would refuse them.
            std::thread::sleep(Duration::from_millis(1200));
        }
        let (run, stats) = trace_counted(&sim, args);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert!(run.reached());
        let hop = run.hop(2);
        let (sent, got) = (
            hop["sent"].as_u64().unwrap(),
            hop["received"].as_u64().unwrap(),
        );
        assert!(
            got >= 1 && got < sent,
            "{args:?}: {got}/{sent} answered at hop 2"
        );
        assert!(stats.hop(2).limited >= 1, "{args:?}: the bucket ran dry");
        assert_eq!(
            got,
            stats.hop(2).answered,
            "{args:?}: every reply sent is counted"
        );
        // No misattribution: the limited router shows only at its hop, alone, and the hops
        // around it answer in full from their own addresses.
        assert_eq!(addresses(&run, 2), vec![limited], "{args:?}");
        for ttl in [1, 3, 4, 5] {
            let expected = sim.scenario().addresses(ttl);
            assert_eq!(addresses(&run, ttl), expected, "{args:?} hop {ttl}");
        }
        assert_counts_match(&run, &stats, LATE_PER_TRACE);
    }
}

/// The label stack a scenario scripts for `ttl`, as the tracer's JSON should show it: the
/// simulator marks the last entry bottom-of-stack and gives every entry TC 0 and TTL 1.
fn expected_mpls(sim: &Simulator, ttl: u8) -> Value {
    let labels = sim
        .scenario()
        .hop(ttl)
        .map(|h| h.mpls.clone())
        .unwrap_or_default();
    let n = labels.len();
    Value::Array(
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| serde_json::json!({"label": l, "tc": 0, "bottom": i + 1 == n, "ttl": 1}))
            .collect(),
    )
}

fn slashed(sim: &Simulator, ttl: u8) -> String {
    let labels = sim
        .scenario()
        .hop(ttl)
        .map(|h| h.mpls.clone())
        .unwrap_or_default();
    labels
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn mpls_tunnel_labels_in_table_csv_and_json() {
    let Some(sim) = Simulator::load("mpls") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("gts-mpls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (csv_path, json_path) = (dir.join("trace.csv"), dir.join("trace.json"));
    let out = sim
        .command(common::run::binary())
        .args(["-n", "--format", "table", "--no-live", "--csv"])
        .arg(&csv_path)
        .arg("--json")
        .arg(&json_path)
        .arg(sim.target().to_string())
        .output()
        .expect("run globetrace");
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let mut csv = csv::Reader::from_path(&csv_path).unwrap();
    let header = csv.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    std::fs::remove_dir_all(&dir).unwrap();

    let s = sim.scenario();
    let mut tunnel_hops = 0;
    for ttl in 1..=s.destination_ttl() {
        let address = s.addresses(ttl)[0];
        let hop = json["hops"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["hop"] == u64::from(ttl))
            .unwrap_or_else(|| panic!("hop {ttl} in {json:#}"));
        assert_eq!(hop["responders"].as_array().unwrap().len(), 1, "hop {ttl}");
        let r = &hop["responders"][0];
        assert_eq!(r["ip"], address.to_string(), "hop {ttl}");
        assert_eq!(r["mpls"], expected_mpls(&sim, ttl), "JSON hop {ttl}");
        let row = rows
            .iter()
            .find(|row| row[col("hop")] == ttl.to_string())
            .unwrap_or_else(|| panic!("CSV row for hop {ttl}"));
        assert_eq!(&row[col("ip")], address.to_string(), "CSV hop {ttl}");
        assert_eq!(
            &row[col("mpls_labels")],
            slashed(&sim, ttl),
            "CSV hop {ttl}"
        );
        let line = table
            .lines()
            .find(|l| l.split_whitespace().any(|w| w == address.to_string()))
            .unwrap_or_else(|| panic!("no table row for {address}:\n{table}"));
        if slashed(&sim, ttl).is_empty() {
            assert!(!line.contains("MPLS"), "hop {ttl} has no labels: {line}");
        } else {
            tunnel_hops += 1;
            let shown = format!("MPLS {}", slashed(&sim, ttl));
            assert!(
                line.contains(&shown),
                "hop {ttl}: {shown:?} not in {line:?}"
            );
        }
    }
    assert_eq!(tunnel_hops, 3, "the scenario's tunnel is 3 hops long");
}

#[test]
fn mpls_tunnel_ipv6_udp_and_icmp() {
    let Some(sim) = Simulator::load("mpls_v6") else {
        return;
    };
    for (args, kind) in [
        (&["-U"][..], "port_unreachable"),
        (&["-I"][..], "echo_reply"),
    ] {
        let (run, stats) = trace_counted(&sim, args);
        assert_path(&sim, &run, kind);
        assert_counts_match(&run, &stats, LATE_PER_TRACE);
        for ttl in 1..=sim.scenario().destination_ttl() {
            let r = &responders(&run, ttl)[0];
            assert_eq!(r["mpls"], expected_mpls(&sim, ttl), "{args:?} hop {ttl}");
        }
    }
}

/// Which branch of the diamond one trace took: its single responder at TTL 2 and at TTL 3.
fn diamond_path(sim: &Simulator, run: &common::run::Run, what: &str) -> (IpAddr, IpAddr) {
    let s = sim.scenario();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.reached(), "{what}");
    let mut picked = Vec::new();
    for ttl in 1..=s.destination_ttl() {
        let got = addresses(run, ttl);
        assert_eq!(
            got.len(),
            1,
            "{what}: Paris probes see one responder at hop {ttl}: {got:?}"
        );
        assert!(
            s.addresses(ttl).contains(&got[0]),
            "{what}: hop {ttl} {got:?}"
        );
        let node = s.hop(ttl).map(|h| {
            let i = s.addresses(ttl).iter().position(|a| *a == got[0]).unwrap();
            h.routers()[i].clone()
        });
        let node = node.unwrap_or_else(|| s.destination.clone());
        assert_rtts(&responders(run, ttl)[0], node.rtt_ms, node.jitter_ms, what);
        picked.push(got[0]);
    }
    // One balancer decides both diamond hops: branch a at TTL 2 means branch a at TTL 3.
    let branch = |ttl: u8| {
        s.addresses(ttl)
            .iter()
            .position(|a| *a == picked[usize::from(ttl) - 1])
    };
    assert_eq!(
        branch(2),
        branch(3),
        "{what}: {picked:?} mixes the branches"
    );
    (picked[1], picked[2])
}

/// Every trace follows one path through the diamond; traces with different flows (a new
/// random source port for UDP and TCP, a new ICMP checksum) between them see both.
fn diamond(name: &str) {
    let Some(sim) = Simulator::load(name) else {
        return;
    };
    for protocol in ["-I", "-U", "-T"] {
        let mut seen = BTreeSet::new();
        // With a fair hash, 16 flows all on one branch has probability 2^-15.
        for i in 0..16 {
            let run = trace(&sim, &[protocol]);
            seen.insert(diamond_path(
                &sim,
                &run,
                &format!("{name} {protocol} run {i}"),
            ));
            if seen.len() == 2 {
                break;
            }
        }
        assert_eq!(
            seen.len(),
            2,
            "{name} {protocol}: one branch only: {seen:?}"
        );
    }
}

#[test]
fn diamond_paris_probes_follow_one_branch_ipv4() {
    diamond("diamond");
}

#[test]
fn diamond_paris_probes_follow_one_branch_ipv6() {
    diamond("diamond_v6");
}

/// Regression: the HERE rule once gave a hop's probes 3 × its *fastest* reply (10 ms floor), so
/// a router whose ICMP replies jitter by tens of milliseconds (busy control planes do) was
/// reported lossy although it answered every probe (83 of 200 replies counted). HERE now counts
/// from the slowest reply at the hop, with a 100 ms floor.
#[test]
fn jittery_router_replies_are_all_counted() {
    let Some(sim) = Simulator::load("jittery") else {
        return;
    };
    for _ in 0..10 {
        let (run, stats) = trace_counted(&sim, &["-q", "10"]);
        assert_eq!(stats.hop(2).answered, 10, "the router answered every probe");
        assert_counts_match(&run, &stats, LATE_PER_TRACE);
    }
}

/// Regression: `-w MAX,0,NEAR` and `-w MAX,HERE,0` turn a rule off; the factor once became
/// infinite and `Duration::mul_f64` panicked as soon as a hop answered (exit 101).
#[test]
fn zero_wait_factors_turn_the_rules_off() {
    let Some(sim) = Simulator::load("loss") else {
        return;
    };
    for w in ["3,0,10", "3,3,0"] {
        let run = trace(&sim, &["-w", w]);
        assert_eq!(run.status, 0, "-w {w}: {}", run.stderr);
        assert!(run.reached(), "-w {w}");
    }
}
