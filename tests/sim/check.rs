//! Running the real binary against a [`Simulator`] and comparing its JSON with the scenario
//! and with what the simulated nodes counted.

use super::model::Stats;
use super::Simulator;
use crate::common::run::{binary, parse, Run};
use serde_json::Value;
use std::net::IpAddr;

/// Slack on top of a node's scripted RTT + jitter for the smallest RTT the tracer reports.
///
/// The tracer measures from just before its send to the kernel's receive timestamp of the
/// reply, so its RTT is the scripted delay plus: the wake-up of the simulator's reader on the
/// TUN, the timed wake-up of its writer (the Condvar deadline is exact to ~0.1 ms), and the
/// TUN write. Idle, that is 0.1-0.5 ms. Under load it is not: CI gives the whole suite 2 cores
/// and runs tests in parallel threads, and with other simulators, tracers and a build on those
/// cores every probe of a hop was once seen held back by 38 ms. The bound applies to the
/// *smallest* of a hop's RTTs and only shows the RTTs follow the script; which router answered
/// is checked by address, and the lower bound (never faster than scripted) is exact.
pub const RTT_ALLOWANCE_MS: f64 = 100.0;

/// Run `globetrace --format json -n <args> <target>` inside the simulator's namespace.
pub fn trace(sim: &Simulator, args: &[&str]) -> Run {
    let mut cmd = sim.command(binary());
    cmd.args(["--format", "json", "-n"])
        .args(args)
        .arg(sim.target().to_string());
    parse(cmd.output().expect("run globetrace"))
}

/// Run a trace and return it with the simulator's counters for that run alone.
pub fn trace_counted(sim: &Simulator, args: &[&str]) -> (Run, Stats) {
    let before = sim.stats();
    let run = trace(sim, args);
    (run, sim.stats().since(&before))
}

/// The responder objects of hop `ttl` (empty when the hop is absent or silent).
pub fn responders(run: &Run, ttl: u8) -> Vec<Value> {
    run.hops()
        .iter()
        .find(|h| h["hop"].as_u64() == Some(u64::from(ttl)))
        .and_then(|h| h["responders"].as_array().cloned())
        .unwrap_or_default()
}

/// The responder addresses of hop `ttl`.
pub fn addresses(run: &Run, ttl: u8) -> Vec<IpAddr> {
    responders(run, ttl)
        .iter()
        .map(|r| r["ip"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Check one responder's RTTs against its node's script.
pub fn assert_rtts(r: &Value, rtt_ms: f64, jitter_ms: f64, what: &str) {
    let rtts: Vec<f64> = r["rtts_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(!rtts.is_empty(), "{what}: no RTTs in {r}");
    let min = rtts.iter().copied().fold(f64::INFINITY, f64::min);
    // A reply can never come back faster than the simulator held it; 1 ms covers the wall
    // clock and the kernel timestamp disagreeing in their last digits.
    for &x in &rtts {
        assert!(
            x >= rtt_ms - 1.0,
            "{what}: RTT {x} ms under the scripted {rtt_ms} ms"
        );
    }
    let high = rtt_ms + jitter_ms + RTT_ALLOWANCE_MS;
    assert!(
        min <= high,
        "{what}: smallest RTT {min} ms above scripted {rtt_ms} + jitter {jitter_ms} + allowance"
    );
}

/// Every hop of the trace answers from exactly the scenario's address with RTTs in bounds,
/// silent hops have no responder, and the destination closes the path at the right TTL.
/// For scenarios without load balancing.
pub fn assert_path(sim: &Simulator, run: &Run, destination_kind: &str) {
    let s = sim.scenario();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.reached(), "not reached: {:#}", run.json);
    assert_eq!(
        run.last_hop(),
        u64::from(s.destination_ttl()),
        "{:#}",
        run.json
    );
    for ttl in 1..=s.destination_ttl() {
        let expected = s.addresses(ttl);
        let got = addresses(run, ttl);
        assert_eq!(got, expected, "hop {ttl}: {:#}", run.json);
        let node = s.hop(ttl).unwrap_or(&s.destination);
        for r in responders(run, ttl) {
            let what = format!("hop {ttl} {}", r["ip"]);
            assert_rtts(&r, node.rtt_ms, node.jitter_ms, &what);
            let kind = if ttl == s.destination_ttl() {
                destination_kind
            } else {
                "time_exceeded"
            };
            assert_eq!(r["kinds"][0], kind, "{what}");
            assert_eq!(
                r["destination"],
                ttl == s.destination_ttl(),
                "{what}: destination flag"
            );
        }
        if expected.is_empty() {
            assert_eq!(run.hop(u64::from(ttl))["loss_pct"], 100.0, "hop {ttl}");
        }
    }
}

/// What the tracer received at each hop never exceeds what the simulated node sent (no reply
/// is invented or counted twice), and falls short by at most `late` replies over the whole
/// trace (a reply may arrive after the tracer gave its probe up).
pub fn assert_counts_match(run: &Run, stats: &Stats, late: u64) {
    let mut missing = 0;
    let hops = stats.hops.len() as u8;
    for ttl in 1..=hops + 1 {
        let answered = if ttl <= hops {
            stats.hop(ttl).answered
        } else {
            stats.at_destination().answered
        };
        let received = run
            .hops()
            .iter()
            .find(|h| h["hop"].as_u64() == Some(u64::from(ttl)))
            .map_or(0, |h| h["received"].as_u64().unwrap());
        assert!(
            received <= answered,
            "hop {ttl}: tracer counts {received} replies, the simulator sent {answered}"
        );
        missing += answered - received;
    }
    assert!(
        missing <= late,
        "{missing} replies sent but not counted (allowed {late}): {stats:?}\n{:#}",
        run.json
    );
}
