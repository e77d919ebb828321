//! Self-test of the network-namespace harness in `tests/common/netns.rs`:
//! the topologies it builds must forward real packets in both families,
//! answer from the addresses it reports, and behave as its nftables helpers
//! say. Needs root (see `require_netns`); skips otherwise, except under CI.

mod common;

use common::netns::{python, ProbeOutcome, RejectKind, Topology};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_millis(1500);
const SHORT: Duration = Duration::from_millis(400);
const CLOSED_PORT: u16 = 33434;

fn time_exceeded(from: impl Into<IpAddr>) -> ProbeOutcome {
    let from = from.into();
    let icmp_type = if from.is_ipv4() { 11 } else { 3 };
    ProbeOutcome::Icmp {
        from,
        icmp_type,
        code: 0,
    }
}

fn unreachable(from: impl Into<IpAddr>, code_v4: u8, code_v6: u8) -> ProbeOutcome {
    let from = from.into();
    let (icmp_type, code) = if from.is_ipv4() {
        (3, code_v4)
    } else {
        (1, code_v6)
    };
    ProbeOutcome::Icmp {
        from,
        icmp_type,
        code,
    }
}

fn netns_list() -> String {
    let out = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn listed(list: &str, name: &str) -> bool {
    list.lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

#[test]
fn chain_forwards_both_families_and_reports_hop_addresses() {
    let Some(t) = Topology::chain(3) else { return };
    assert_eq!(t.hop_count(), 3);
    assert_eq!(t.namespaces().len(), 5);
    let list = netns_list();
    for ns in t.namespaces() {
        assert!(ns.starts_with(&format!("gt-{}-", std::process::id())));
        assert!(listed(&list, ns), "{ns} not in `ip netns list`");
    }

    let route = t.exec("src", ["ip", "route", "get", &t.dst_v4().to_string()]);
    let route = String::from_utf8_lossy(&route.stdout);
    assert!(
        route.contains(&format!("via {} ", t.router_v4(1))),
        "{route}"
    );
    let route = t.exec("src", ["ip", "-6", "route", "get", &t.dst_v6().to_string()]);
    let route = String::from_utf8_lossy(&route.stdout);
    assert!(
        route.contains(&format!("via {} ", t.router_v6(1))),
        "{route}"
    );

    t.udp_echo("dst", 7777);
    for dst in [IpAddr::from(t.dst_v4()), t.dst_v6().into()] {
        assert_eq!(t.udp_probe("src", dst, 7777, 64, WAIT), ProbeOutcome::Reply);
    }
    // Each router answers a probe expiring there from the address reported.
    for hop in 1..=3 {
        let ttl = hop as u8;
        let v4 = t.udp_probe("src", t.dst_v4().into(), CLOSED_PORT, ttl, WAIT);
        assert_eq!(v4, time_exceeded(t.router_v4(hop)), "IPv4 hop {hop}");
        let v6 = t.udp_probe("src", t.dst_v6().into(), CLOSED_PORT, ttl, WAIT);
        assert_eq!(v6, time_exceeded(t.router_v6(hop)), "IPv6 hop {hop}");
    }
    let v4 = t.udp_probe("src", t.dst_v4().into(), CLOSED_PORT, 4, WAIT);
    assert_eq!(v4, unreachable(t.dst_v4(), 3, 4));
    let v6 = t.udp_probe("src", t.dst_v6().into(), CLOSED_PORT, 4, WAIT);
    assert_eq!(v6, unreachable(t.dst_v6(), 3, 4));
}

#[test]
fn silenced_router_and_silent_destination() {
    let Some(t) = Topology::chain(2) else { return };
    t.silence_router(1);
    assert!(t.nft_ruleset(t.router(1)).contains("gt_silence"));
    for dst in [IpAddr::from(t.dst_v4()), t.dst_v6().into()] {
        let hop1 = t.udp_probe("src", dst, CLOSED_PORT, 1, SHORT);
        assert_eq!(hop1, ProbeOutcome::Nothing, "silenced router answered");
        let hop2 = t.udp_probe("src", dst, CLOSED_PORT, 2, WAIT);
        assert!(
            matches!(
                hop2,
                ProbeOutcome::Icmp {
                    icmp_type: 11 | 3,
                    ..
                }
            ),
            "{hop2:?}"
        );
    }
    t.drop_all_input_at_dst();
    for dst in [IpAddr::from(t.dst_v4()), t.dst_v6().into()] {
        let at_dst = t.udp_probe("src", dst, CLOSED_PORT, 64, SHORT);
        assert_eq!(at_dst, ProbeOutcome::Nothing, "silent dst answered");
    }
}

#[test]
fn rejecting_router_sends_each_kind() {
    let Some(t) = Topology::chain(2) else { return };
    for kind in [
        RejectKind::NetUnreachable,
        RejectKind::HostUnreachable,
        RejectKind::AdminProhibited,
    ] {
        t.router_rejects(2, kind);
        let (c4, c6) = (kind.icmp_code_v4(), kind.icmp_code_v6());
        let v4 = t.udp_probe("src", t.dst_v4().into(), CLOSED_PORT, 64, WAIT);
        assert_eq!(v4, unreachable(t.router_v4(2), c4, c6), "{kind:?}");
        let v6 = t.udp_probe("src", t.dst_v6().into(), CLOSED_PORT, 64, WAIT);
        assert_eq!(v6, unreachable(t.router_v6(2), c4, c6), "{kind:?}");
    }
    // A probe expiring at the rejecting router still gets time-exceeded.
    let v4 = t.udp_probe("src", t.dst_v4().into(), CLOSED_PORT, 2, WAIT);
    assert_eq!(v4, time_exceeded(t.router_v4(2)));
}

#[test]
fn diamond_spreads_flows_over_both_branches() {
    let Some(t) = Topology::diamond() else { return };
    assert_eq!(t.hop_count(), 3);
    let families = [
        (IpAddr::from(t.dst_v4()), t.branches_v4().map(IpAddr::from)),
        (IpAddr::from(t.dst_v6()), t.branches_v6().map(IpAddr::from)),
    ];
    for (dst, branches) in families {
        let mut seen = BTreeSet::new();
        for port in CLOSED_PORT..CLOSED_PORT + 32 {
            match t.udp_probe("src", dst, port, 2, WAIT) {
                ProbeOutcome::Icmp { from, .. } => seen.insert(from),
                other => panic!("hop 2 to {dst}: {other:?}"),
            };
            if seen.len() == 2 {
                break;
            }
        }
        assert_eq!(seen, BTreeSet::from(branches), "branches of {dst}");
    }
    // Both branches rejoin at r3, which answers from one address.
    for port in CLOSED_PORT..CLOSED_PORT + 4 {
        let v4 = t.udp_probe("src", t.dst_v4().into(), port, 3, WAIT);
        assert_eq!(v4, time_exceeded(t.router_v4(3)));
        let v6 = t.udp_probe("src", t.dst_v6().into(), port, 3, WAIT);
        assert_eq!(v6, time_exceeded(t.router_v6(3)));
    }
}

#[test]
fn tcp_listener_and_background_processes() {
    let Some(t) = Topology::chain(1) else { return };
    t.listen_tcp(8080);
    let connect = "import socket, sys\n\
                   try:\n    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)\n\
                   except ConnectionRefusedError:\n    sys.exit(3)\n";
    for dst in [t.dst_v4().to_string(), t.dst_v6().to_string()] {
        let open = t.exec("src", [python(), "-c", connect, &dst, "8080"]);
        assert_eq!(open.status.code(), Some(0), "connect {dst}:8080: {open:?}");
        let closed = t.exec("src", [python(), "-c", connect, &dst, "8081"]);
        assert_eq!(
            closed.status.code(),
            Some(3),
            "RST from {dst}:8081: {closed:?}"
        );
    }
    let pid = t.spawn_background("src", ["sleep", "60"]);
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    assert!(t.kill_background(pid));
    assert!(!t.kill_background(pid));
}

#[test]
fn drop_removes_namespaces_and_processes() {
    let Some(t) = Topology::chain(2) else { return };
    let names: Vec<String> = t.namespaces().iter().map(|s| s.to_string()).collect();
    let pid = t.spawn_background("dst", ["sleep", "60"]);
    drop(t);
    let list = netns_list();
    for name in &names {
        assert!(!listed(&list, name), "{name} left behind");
    }
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "process left behind"
    );

    // The same when the test holding the topology panics.
    let mut names = Vec::new();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let t = Topology::chain(1).expect("namespaces worked a moment ago");
        names.extend(t.namespaces().iter().map(|s| s.to_string()));
        panic!("deliberate panic with a live topology");
    }));
    assert!(caught.is_err());
    assert_eq!(names.len(), 3);
    let list = netns_list();
    for name in &names {
        assert!(!listed(&list, name), "{name} left behind after a panic");
    }
}
