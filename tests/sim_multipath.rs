//! `--multipath` against the TUN simulator's diamond, whose balancer hashes the ICMP checksum
//! as the routers Paris traceroute was designed against do (Linux hashes no ICMP field, so
//! namespace routers cannot show this): ICMP discoveries vary the checksum and must find both
//! branches; UDP and TCP vary the source port.
//!
//! The ICMP flows start from a random checksum, so which flows the stopping rule draws differs
//! from run to run; at 99 % a two-way fork is missed about once in a hundred runs. Every run
//! must be free of phantom links; one of three must be whole. So must an ICMP discovery without
//! CAP_NET_RAW, over ping sockets.

mod common;
mod sim;

use common::run::{binary, parse, Run};
use sim::check::trace;
use sim::Simulator;
use std::collections::BTreeSet;

type Links = BTreeSet<(String, String)>;

fn links(run: &common::run::Run) -> Links {
    let address = |id: &str| {
        let a = id.split_once(':').map(|(_, a)| a).unwrap_or(id);
        if a.starts_with('*') {
            "*".to_string()
        } else {
            a.to_string()
        }
    };
    run.json["multipath"]["links"]
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

/// The scenario's links: the first hop forks, each branch keeps its side, all join at TTL 4.
fn truth(sim: &Simulator) -> Links {
    let s = sim.scenario();
    let at = |ttl: u8| -> Vec<String> { s.addresses(ttl).iter().map(|a| a.to_string()).collect() };
    let (first, two, three, join) = (at(1), at(2), at(3), at(4));
    let mut out = BTreeSet::new();
    for k in 0..2 {
        out.insert((first[0].clone(), two[k].clone()));
        out.insert((two[k].clone(), three[k].clone()));
        out.insert((three[k].clone(), join[0].clone()));
    }
    out.insert((join[0].clone(), sim.target().to_string()));
    out
}

fn discovers_both_branches(name: &str) {
    let Some(sim) = Simulator::load(name) else {
        return;
    };
    for protocol in ["-I", "-U", "-T"] {
        whole_in_three(&sim, name, protocol, || {
            trace(&sim, &["--multipath", "--confidence", "99", protocol])
        });
    }
}

/// Runs a discovery up to three times: never a phantom link, the whole diamond at least once.
fn whole_in_three(sim: &Simulator, name: &str, protocol: &str, run_once: impl Fn() -> Run) {
    let want = truth(sim);
    for attempt in 0..3 {
        let run = run_once();
        assert_eq!(run.status, 0, "{}", run.stderr);
        let got = links(&run);
        eprintln!(
            "{name} {protocol}: {} links, {} probes",
            got.len(),
            run.json["probes_sent"]
        );
        assert!(
            got.is_subset(&want),
            "{name} {protocol} attempt {attempt}: phantom links {:?}",
            got.difference(&want).collect::<Vec<_>>()
        );
        if got == want {
            return;
        }
    }
    panic!("{name} {protocol}: a branch missed three times in a row");
}

#[test]
fn icmp_checksum_hashing_diamond_ipv4() {
    discovers_both_branches("diamond");
}

#[test]
fn icmp_checksum_hashing_diamond_ipv6() {
    discovers_both_branches("diamond_v6");
}

#[test]
fn an_unprivileged_icmp_discovery_over_ping_sockets_finds_both_branches() {
    // Without CAP_NET_RAW the probes go out of ping sockets, whose identifier the kernel
    // sets: the flows must still vary the checksum the balancer hashes.
    let Some(sim) = Simulator::load("diamond") else {
        return;
    };
    whole_in_three(&sim, "diamond", "-I without CAP_NET_RAW", || {
        let mut cmd = sim.command("setpriv");
        cmd.args(["--inh-caps=-net_raw", "--bounding-set=-net_raw"])
            .arg(binary())
            .args([
                "--format",
                "json",
                "-n",
                "--multipath",
                "--confidence",
                "99",
                "-I",
            ])
            .arg(sim.target().to_string());
        let run = parse(cmd.output().expect("run globetrace under setpriv"));
        assert_eq!(
            run.json["options"]["unprivileged"], true,
            "not over ping sockets: {}",
            run.stderr
        );
        run
    });
}
