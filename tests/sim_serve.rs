//! Not a test: runs one simulator scenario until told to stop, so that a script can point
//! tracers at it (`tests/bench/sim_bench.sh` does). Ignored, so `cargo test` never starts it.
//!
//! ```sh
//! GT_SIM_SCENARIO=path15_silent GT_SIM_READY=/tmp/ready GT_SIM_STOP=/tmp/stop \
//!     cargo test --release --test sim_serve -- --ignored --exact serve &
//! # /tmp/ready appears holding "<namespace> <target>"; run tracers with
//! #   ip netns exec <namespace> traceroute -n <target>
//! touch /tmp/stop   # the simulator prints its counters and removes its namespace
//! ```
//!
//! `GT_SIM_MAX_SECS` (default 3600) bounds how long it runs if the stop file never appears.

mod common;
mod sim;

use sim::Simulator;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[test]
#[ignore = "a simulator server for tests/bench/sim_bench.sh, not a test"]
fn serve() {
    let var = |name: &str| std::env::var(name).ok();
    let (Some(name), Some(ready), Some(stop)) = (
        var("GT_SIM_SCENARIO"),
        var("GT_SIM_READY").map(PathBuf::from),
        var("GT_SIM_STOP").map(PathBuf::from),
    ) else {
        eprintln!("skipping: set GT_SIM_SCENARIO, GT_SIM_READY and GT_SIM_STOP (see the header)");
        return;
    };
    let limit = Duration::from_secs(
        var("GT_SIM_MAX_SECS")
            .and_then(|s| s.parse().ok())
            .unwrap_or(3600),
    );
    let Some(sim) = Simulator::load(&name) else {
        return;
    };
    // Write then rename, so the reader never sees half a line.
    let partial = ready.with_extension("partial");
    std::fs::write(&partial, format!("{} {}\n", sim.namespace(), sim.target()))
        .expect("write the ready file");
    std::fs::rename(&partial, &ready).expect("publish the ready file");
    let started = Instant::now();
    while !stop.exists() && started.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats = sim.stats();
    eprintln!("simulator {name}: per TTL reached/answered/silent, then the destination per TTL");
    for (i, hop) in stats.hops.iter().enumerate() {
        for c in hop {
            eprintln!(
                "  {:>3} {:>5} {:>5} {:>5}",
                i + 1,
                c.reached,
                c.answered,
                c.ignored
            );
        }
    }
    for (i, c) in stats.destination.iter().enumerate() {
        let ttl = stats.hops.len() + 1 + i;
        eprintln!(
            "  {ttl:>3} {:>5} {:>5} (destination)",
            c.reached, c.answered
        );
    }
}
