//! Continuous monitoring (`-c`) against real Linux routers: loss per hop as nftables sets it,
//! rate limiting told from forward loss, a route switched mid-run, `-c 0` until a signal,
//! exports on exit — and mtr's own figures on the same topology.

mod common;

use common::netns::Topology;
use common::run::{binary, parse, trace};
use serde_json::Value;
use std::time::Duration;

/// Router `hop` drops `pct` % of the time-exceeded messages it sends (its own ICMP).
fn throttle_own_icmp(topo: &Topology, hop: usize, pct: u32) {
    let rules = format!(
        "add table inet gt_throttle
table inet gt_throttle {{
    chain output {{
        type filter hook output priority 0; policy accept;
        icmp type time-exceeded numgen random mod 100 < {pct} drop
        icmpv6 type time-exceeded numgen random mod 100 < {pct} drop
    }}
}}
"
    );
    for ns in topo.hop(hop).namespaces.clone() {
        topo.nft(&ns, &rules);
    }
}

/// Router `hop` drops `pct` % of the probes it forwards towards the destination.
fn drop_forwarded(topo: &Topology, hop: usize, pct: u32) {
    let rules = format!(
        "add table inet gt_lossy
table inet gt_lossy {{
    chain forward {{
        type filter hook forward priority 0; policy accept;
        ip saddr {} numgen random mod 100 < {pct} drop
    }}
}}
",
        topo.src_v4()
    );
    for ns in topo.hop(hop).namespaces.clone() {
        topo.nft(&ns, &rules);
    }
}

fn hop_stats(json: &Value, ttl: u64) -> &Value {
    &json["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["hop"].as_u64() == Some(ttl))
        .unwrap_or_else(|| panic!("no hop {ttl}"))["stats"]
}

/// mtr's loss per hop on the same path: `mtr -r -n -c N -i SECS --json`.
fn mtr_loss(topo: &Topology, cycles: u32, interval: &str) -> Option<Vec<f64>> {
    let out = topo
        .command(topo.src(), "mtr")
        .args(["-n", "--json", "-c", &cycles.to_string(), "-i", interval])
        .arg(topo.dst_v4().to_string())
        .output()
        .ok()?;
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    Some(
        v["report"]["hubs"]
            .as_array()?
            .iter()
            .map(|h| h["Loss%"].as_f64().unwrap_or(f64::NAN))
            .collect(),
    )
}

#[test]
fn loss_is_measured_per_hop_and_told_apart_like_mtr() {
    let Some(topo) = Topology::chain(4) else {
        return;
    };
    // Hop 2 throttles its own ICMP (30 %); hop 3 loses 20 % of what it forwards, so hops 4
    // and 5 (the destination) lose 20 % of the probes that reach them.
    throttle_own_icmp(&topo, 2, 30);
    drop_forwarded(&topo, 3, 20);
    let dst = topo.dst_v4().to_string();
    let run = trace(&topo, &["-c", "200", "-i", "0.02", &dst]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.json["cycles"].as_u64(), Some(200));
    let loss = |ttl| hop_stats(&run.json, ttl)["loss_pct"].as_f64().unwrap();
    let kind = |ttl| {
        hop_stats(&run.json, ttl)["loss_kind"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let sent = |ttl| hop_stats(&run.json, ttl)["sent"].as_u64().unwrap();
    let ours: Vec<f64> = (1..=5).map(loss).collect();
    println!("globetrace loss per hop: {ours:?}");
    for ttl in 1..=5 {
        assert_eq!(sent(ttl), 200, "one probe per hop per cycle");
    }
    // 200 samples: a standard error of 3.2 points at 30 %, 2.8 at 20 %.
    assert!(loss(1) <= 3.0, "hop 1 {}", loss(1));
    assert!((loss(2) - 30.0).abs() <= 10.0, "hop 2 {}", loss(2));
    assert!(loss(3) <= 3.0, "hop 3 {}", loss(3));
    assert!((loss(4) - 20.0).abs() <= 10.0, "hop 4 {}", loss(4));
    assert!((loss(5) - 20.0).abs() <= 10.0, "hop 5 {}", loss(5));
    assert_eq!(kind(1), "none");
    assert_eq!(kind(2), "rate_limited");
    assert_eq!(kind(3), "none");
    assert_eq!(kind(4), "forward");
    assert_eq!(kind(5), "forward");
    // Statistics are there and sane.
    let h1 = hop_stats(&run.json, 1);
    for f in [
        "last_ms",
        "avg_ms",
        "best_ms",
        "worst_ms",
        "stdev_ms",
        "jitter_ms",
    ] {
        assert!(h1[f].as_f64().is_some(), "{f} in {h1:#}");
    }
    assert!(h1["best_ms"].as_f64() <= h1["avg_ms"].as_f64());
    assert!(h1["avg_ms"].as_f64() <= h1["worst_ms"].as_f64());

    // mtr on the same topology, same cycles and interval.
    match mtr_loss(&topo, 200, "0.02") {
        Some(m) => {
            println!("mtr loss per hop:        {m:?}");
            assert_eq!(m.len(), 5, "mtr sees the same 5 hops");
            for (i, (a, b)) in ours.iter().zip(&m).enumerate() {
                assert!(
                    (a - b).abs() <= 14.0,
                    "hop {}: globetrace {a} vs mtr {b}",
                    i + 1
                );
            }
        }
        None if common::netns::is_ci() => panic!("CI=true but mtr did not run"),
        None => eprintln!("skipping the mtr comparison: mtr not available"),
    }
}

#[test]
fn a_route_switched_mid_run_is_flagged_with_its_cycle() {
    let Some(topo) = Topology::diamond() else {
        return;
    };
    // The diamond's first router spreads flows over two branches; pin it to one branch, start
    // monitoring, then switch it to the other.
    let [a, b] = topo.branches_v4();
    let r1 = topo.router(1).to_string();
    let via = |gw: std::net::Ipv4Addr| {
        topo.exec(
            &r1,
            [
                "ip",
                "route",
                "replace",
                &format!("{}/32", topo.dst_v4()),
                "via",
                &gw.to_string(),
            ],
        )
    };
    let out = via(a);
    assert!(out.status.success(), "{out:?}");
    let child = topo
        .command(topo.src(), binary())
        .args(["--format", "json", "-n", "-c", "30", "-i", "0.1"])
        .arg(topo.dst_v4().to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let out = via(b);
    assert!(out.status.success(), "{out:?}");
    let run = parse(child.wait_with_output().unwrap());
    assert_eq!(run.status, 0, "{}", run.stderr);
    let h2 = hop_stats(&run.json, 2);
    let changes = h2["route_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{h2:#}");
    assert_eq!(changes[0]["from"].as_str().unwrap(), a.to_string());
    assert_eq!(changes[0]["to"].as_str().unwrap(), b.to_string());
    let cycle = changes[0]["cycle"].as_u64().unwrap();
    assert!(
        (10..=20).contains(&cycle),
        "switched at ~1.5 s = cycle ~16: {cycle}"
    );
    // Both responders are listed with their own cycles.
    let hop2 = run.json["hops"].as_array().unwrap()[1]["responders"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(hop2.len(), 2);
    // Hops that did not change carry no change.
    assert!(hop_stats(&run.json, 1)["route_changes"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn unbounded_cycles_run_until_a_signal_and_export_everything() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("gt-monitor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("m.csv");
    let json = dir.join("m.json");
    let child = topo
        .command(topo.src(), binary())
        .args(["-n", "-r", "-c", "0", "-i", "0.05", "--csv"])
        .arg(&csv)
        .arg("--json")
        .arg(&json)
        .arg(topo.dst_v4().to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("Loss%") && table.contains("StDev"),
        "{table}"
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let cycles = doc["cycles"].as_u64().unwrap();
    assert!((10..=40).contains(&cycles), "~30 cycles in 1.5 s: {cycles}");
    assert!(doc["interrupted"].as_bool().unwrap());
    assert_eq!(doc["hops"].as_array().unwrap().len(), 3);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 3);
    for r in &records {
        assert_eq!(r[col("sent")].parse::<u64>().unwrap(), cycles);
        assert!(!r[col("stdev_ms")].is_empty());
        assert_eq!(&r[col("loss_kind")], "none");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_protocol_and_family_runs_cycles() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    topo.listen_tcp(80);
    for (proto, six) in [
        ("-I", true),
        ("-U", true),
        ("-T", true),
        ("-U", false),
        ("-T", false),
    ] {
        let dst = if six {
            topo.dst_v6().to_string()
        } else {
            topo.dst_v4().to_string()
        };
        let run = trace(&topo, &[proto, "-c", "5", "-i", "0.05", &dst]);
        assert_eq!(run.status, 0, "{proto} {dst}: {}", run.stderr);
        assert_eq!(run.json["cycles"].as_u64(), Some(5), "{proto} {dst}");
        let hops = run.json["hops"].as_array().unwrap();
        assert_eq!(hops.len(), 3, "{proto} {dst}: {:#}", run.json);
        for h in hops {
            assert_eq!(h["stats"]["sent"].as_u64(), Some(5), "{proto} {dst}: {h:#}");
            assert_eq!(
                h["stats"]["received"].as_u64(),
                Some(5),
                "{proto} {dst}: {h:#}"
            );
        }
        assert!(run.reached(), "{proto} {dst}");
    }
}
