//! Many targets at once against real Linux routers: a destination answering on a whole /16 of
//! its loopback behind a chain, a thousand targets in one run, compared with classic traceroute,
//! beside a ping flood, and interrupted.

mod common;

use common::netns::Topology;
use common::run::binary;
use serde_json::Value;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

/// Make dst answer for all of 10.200.0.0/16 (a prefix on `lo` is local as a whole) and route
/// it through the chain.
fn loopback_range(topo: &Topology) {
    let dst = topo.dst().to_string();
    let out = topo.exec(&dst, ["ip", "addr", "add", "10.200.0.1/16", "dev", "lo"]);
    assert!(out.status.success(), "{out:?}");
    for hop in 1..=topo.routers_v4().len() {
        let router = topo.router(hop).to_string();
        let how = topo.exec(
            &router,
            ["ip", "-o", "route", "get", &topo.dst_v4().to_string()],
        );
        let text = String::from_utf8_lossy(&how.stdout).to_string();
        let words: Vec<&str> = text.split_whitespace().collect();
        let via = words
            .iter()
            .position(|w| *w == "via")
            .map(|i| words[i + 1].to_string())
            .unwrap_or_else(|| topo.dst_v4().to_string());
        let out = topo.exec(
            &router,
            ["ip", "route", "add", "10.200.0.0/16", "via", &via],
        );
        assert!(out.status.success(), "{router}: {out:?} ({text})");
    }
}

fn targets(n: usize) -> Vec<Ipv4Addr> {
    (0..n)
        .map(|i| Ipv4Addr::new(10, 200, (1 + i / 250) as u8, (1 + i % 250) as u8))
        .collect()
}

fn write_targets(list: &[Ipv4Addr], name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gt-batch-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("targets.txt");
    let mut text = String::from("# targets\n");
    for t in list {
        text.push_str(&format!("{t}\n"));
    }
    std::fs::write(&file, text).unwrap();
    file
}

/// The traces of a jsonl run, by target.
fn by_target(stdout: &[u8]) -> HashMap<String, Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .map(|v| (v["trace"].as_str().unwrap().to_string(), v))
        .collect()
}

fn hop_addresses(trace: &Value) -> Vec<String> {
    trace["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            h["responders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["ip"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

#[test]
fn a_thousand_targets_each_exact_and_like_traceroute() {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    loopback_range(&topo);
    let list = targets(1000);
    let file = write_targets(&list, "thousand");
    let out = topo
        .command(topo.src(), binary())
        .args(["-n", "-q", "1", "--rate", "2000", "--format", "jsonl", "-F"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let traces = by_target(&out.stdout);
    assert_eq!(traces.len(), 1000, "every target traced once");
    let routers: Vec<String> = topo.routers_v4().iter().map(|r| r.to_string()).collect();
    for t in &list {
        let trace = &traces[&t.to_string()];
        assert!(trace["reached"].as_bool().unwrap(), "{t}: {trace:#}");
        let mut expected = routers.clone();
        expected.push(t.to_string());
        assert_eq!(hop_addresses(trace), expected, "{t}");
    }
    // Classic traceroute on a sample agrees hop for hop.
    for t in list.iter().step_by(200) {
        let tr = topo.exec(
            topo.src(),
            ["traceroute", "-n", "-q", "1", "-I", &t.to_string()],
        );
        let text = String::from_utf8_lossy(&tr.stdout);
        let theirs: Vec<String> = text
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .collect();
        assert_eq!(
            hop_addresses(&traces[&t.to_string()]),
            theirs,
            "{t}: {text}"
        );
    }
    std::fs::remove_dir_all(file.parent().unwrap()).ok();
}

#[test]
fn a_ping_flood_beside_a_batch_misattributes_nothing() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    loopback_range(&topo);
    // Another program's echo traffic to the same destinations and routers, from the same host.
    let flood = topo.spawn_background(
        topo.src(),
        ["ping", "-f", "-q", "-w", "60", &topo.dst_v4().to_string()],
    );
    let flood2 = topo.spawn_background(
        topo.src(),
        ["ping", "-f", "-q", "-w", "60", "-t", "1", "10.200.1.7"],
    );
    let list = targets(300);
    let file = write_targets(&list, "flood");
    let out = topo
        .command(topo.src(), binary())
        .args(["-n", "-v", "--format", "jsonl", "-F"])
        .arg(&file)
        .output()
        .unwrap();
    topo.kill_background(flood);
    topo.kill_background(flood2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let traces = by_target(&out.stdout);
    assert_eq!(traces.len(), 300);
    let routers: Vec<String> = topo.routers_v4().iter().map(|r| r.to_string()).collect();
    for t in &list {
        let trace = &traces[&t.to_string()];
        let mut expected = routers.clone();
        expected.push(t.to_string());
        // A probe may be lost in the flood; an answer is never someone else's.
        assert_eq!(hop_addresses(trace), expected, "{t}: {trace:#}");
    }
    let foreign: u64 = stderr
        .lines()
        .find(|l| l.starts_with("probes sent"))
        .and_then(|l| l.split(", ").find(|p| p.ends_with("foreign")))
        .and_then(|p| p.split_whitespace().rev().nth(1)?.parse().ok())
        .unwrap_or_else(|| panic!("no counters in {stderr}"));
    assert!(foreign > 0, "the flood was seen and set aside: {stderr}");
    std::fs::remove_dir_all(file.parent().unwrap()).ok();
}

#[test]
fn interrupting_a_batch_keeps_every_finished_trace() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    loopback_range(&topo);
    let list = targets(1000);
    let file = write_targets(&list, "interrupt");
    let dir = file.parent().unwrap().to_path_buf();
    let json = dir.join("out.json");
    let csv = dir.join("out.csv");
    // 1,000 traces of 3 probes each at 300 probes/s: about 10 s, stopped after 3.
    let child = topo
        .command(topo.src(), binary())
        .args([
            "-n", "-q", "1", "--rate", "300", "--format", "jsonl", "--json",
        ])
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .arg("-F")
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let streamed = by_target(&out.stdout);
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap())
        .unwrap_or_else(|e| panic!("the JSON export is whole: {e}"));
    let traces = doc["traces"].as_array().unwrap();
    let finished: Vec<&Value> = traces
        .iter()
        .filter(|t| !t["interrupted"].as_bool().unwrap())
        .collect();
    assert!(
        (20..1000).contains(&finished.len()),
        "some but not all finished: {}",
        finished.len()
    );
    assert_eq!(traces.len(), streamed.len(), "stdout and the export agree");
    for t in &finished {
        assert!(t["reached"].as_bool().unwrap(), "{t:#}");
        assert_eq!(t["hops"].as_array().unwrap().len(), 3);
    }
    let rows = std::fs::read_to_string(&csv).unwrap();
    let traced: std::collections::HashSet<&str> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        traced.len(),
        traces.len(),
        "the CSV export holds the same traces"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_targets_are_reported_with_their_line_and_skipped() {
    let Some(topo) = Topology::chain(1) else {
        return;
    };
    loopback_range(&topo);
    let dir = std::env::temp_dir().join(format!("gt-batch-{}-bad", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("targets.txt");
    std::fs::write(
        &file,
        "10.200.0.5\n\n# a comment\nno-such-host.invalid\n10.200.0.6  # trailing comment\nfd00::1\n",
    )
    .unwrap();
    let out = topo
        .command(topo.src(), binary())
        .args(["-n", "--format", "jsonl", "-F"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let traces = by_target(&out.stdout);
    let mut names: Vec<&String> = traces.keys().collect();
    names.sort();
    assert_eq!(names, ["10.200.0.5", "10.200.0.6"]);
    assert!(stderr.contains("targets.txt line 4") && stderr.contains("no-such-host.invalid"));
    assert!(stderr.contains("targets.txt line 6") && stderr.contains("no IPv4 address"));
    // A missing file is one line naming it, exit 2.
    let out = topo
        .command(topo.src(), binary())
        .args(["-n", "-F", "/nonexistent/targets.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/targets.txt"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unprivileged_batch_over_ping_sockets_matches_every_target() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    loopback_range(&topo);
    // Ping sockets report router errors through their error queue; each must be matched to
    // the target whose probe failed, not to the first target's.
    let bin = common::run::world_executable_binary();
    let list = targets(20);
    let out = topo
        .command(topo.src(), "setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(&bin)
        .args(["-n", "--format", "jsonl"])
        .args(list.iter().map(|t| t.to_string()))
        .env("HOME", "/tmp")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let traces = by_target(&out.stdout);
    assert_eq!(traces.len(), 20);
    let routers: Vec<String> = topo.routers_v4().iter().map(|r| r.to_string()).collect();
    for t in &list {
        let trace = &traces[&t.to_string()];
        assert!(
            trace["options"]["unprivileged"].as_bool().unwrap(),
            "{trace:#}"
        );
        let mut expected = routers.clone();
        expected.push(t.to_string());
        assert_eq!(hop_addresses(trace), expected, "{t}");
    }
}
