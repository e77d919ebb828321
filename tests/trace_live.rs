//! The real binary against real Linux routers in network namespaces: every hop's responder must
//! be the router the topology puts there; silent routers are silent; ends of path are right.

mod common;

use common::netns::{RejectKind, Topology};
use common::run::{parse, trace, world_executable_binary};
use std::net::IpAddr;
use std::process::Stdio;
use std::time::Duration;

fn v4(a: std::net::Ipv4Addr) -> IpAddr {
    IpAddr::V4(a)
}

fn v6(a: std::net::Ipv6Addr) -> IpAddr {
    IpAddr::V6(a)
}

/// A chain of six routers, the 2nd and 5th silenced, traced with `args` in one family.
fn silent_routers_chain(args: &[&str], six: bool) {
    let Some(topo) = Topology::chain(6) else {
        return;
    };
    topo.silence_router(2);
    topo.silence_router(5);
    let dst = if six {
        v6(topo.dst_v6())
    } else {
        v4(topo.dst_v4())
    };
    let mut all = args.to_vec();
    let dst_s = dst.to_string();
    all.push(&dst_s);
    let run = trace(&topo, &all);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.reached(), "{:#}", run.json);
    assert_eq!(run.last_hop(), 7, "6 routers + destination");
    for hop in 1..=6u64 {
        let expected = if six {
            v6(topo.router_v6(hop as usize))
        } else {
            v4(topo.router_v4(hop as usize))
        };
        let got = run.responders(hop);
        if hop == 2 || hop == 5 {
            assert!(got.is_empty(), "hop {hop} is silenced, got {got:?}");
            assert_eq!(run.hop(hop)["loss_pct"], 100.0);
        } else {
            assert_eq!(got, vec![expected], "hop {hop}");
            assert_eq!(run.hop(hop)["received"], 3, "hop {hop}");
            let kinds = &run.hop(hop)["responders"][0]["kinds"];
            assert_eq!(kinds[0], "time_exceeded", "hop {hop}");
        }
    }
    assert_eq!(run.responders(7), vec![dst]);
    assert_eq!(run.hop(7)["responders"][0]["destination"], true);
}

#[test]
fn icmp_ipv4_chain_with_silent_routers() {
    silent_routers_chain(&["-I"], false);
}

#[test]
fn icmp_ipv6_chain_with_silent_routers() {
    silent_routers_chain(&["-I"], true);
}

#[test]
fn udp_ipv4_and_ipv6_chain_with_silent_routers() {
    silent_routers_chain(&["-U"], false);
    silent_routers_chain(&["-U", "-6"], true);
}

#[test]
fn tcp_chain_with_silent_routers_both_families() {
    silent_routers_chain(&["-T"], false);
    silent_routers_chain(&["-T", "-6"], true);
}

#[test]
fn destination_dropping_everything_costs_one_tail_not_a_wait_per_ttl() {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    topo.drop_all_input_at_dst();
    for dst in [v4(topo.dst_v4()), v6(topo.dst_v6())] {
        let run = trace(&topo, &["-v", "-w", "5", &dst.to_string()]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert!(!run.reached());
        for hop in 1..=3 {
            assert_eq!(run.responders(hop).len(), 1, "router {hop} answers");
        }
        // Five silent TTLs beyond the last answer (the default --max-unknown), then it stops:
        // nothing was sent past them.
        assert_eq!(run.last_hop(), 8);
        assert!((4..=8).all(|h| run.responders(h).is_empty()));
        let (sent, _, _) = run.counters().expect("-v counters");
        assert_eq!(sent, 8 * 3, "probes sent for TTL 1..=8 only");
    }
}

#[test]
fn unreachable_kinds_end_the_path_with_their_marks() {
    let cases = [
        (RejectKind::NetUnreachable, "!N"),
        (RejectKind::HostUnreachable, "!H"),
        (RejectKind::AdminProhibited, "!X"),
    ];
    for (kind, mark) in cases {
        let Some(topo) = Topology::chain(4) else {
            return;
        };
        topo.router_rejects(2, kind);
        for (dst, router) in [
            (v4(topo.dst_v4()), v4(topo.router_v4(2))),
            (v6(topo.dst_v6()), v6(topo.router_v6(2))),
        ] {
            let run = trace(&topo, &[&dst.to_string()]);
            assert_eq!(run.status, 0, "{}", run.stderr);
            assert!(!run.reached(), "{kind:?} {dst}");
            // TTL 2 expires at router 2; TTL 3 is forwarded there and rejected.
            assert_eq!(run.last_hop(), 3, "{kind:?} {dst}: {:#}", run.json);
            assert_eq!(run.responders(3), vec![router]);
            let r = &run.hop(3)["responders"][0];
            assert_eq!(r["marks"][0], mark, "{kind:?} {dst}");
            assert_eq!(r["kinds"][0], "unreachable");
        }
    }
}

#[test]
fn udp_to_closed_port_reaches_destination() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    let run = trace(&topo, &["-U", "-p", "33500", &topo.dst_v4().to_string()]);
    assert!(run.reached());
    assert_eq!(run.last_hop(), 3);
    assert_eq!(run.hop(3)["responders"][0]["kinds"][0], "port_unreachable");
    assert_eq!(run.json["options"]["port"], 33500);
}

#[test]
fn tcp_syn_to_closed_and_listening_ports() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    topo.listen_tcp(8080);
    for dst in [v4(topo.dst_v4()), v6(topo.dst_v6())] {
        let closed = trace(&topo, &["-T", "-p", "81", &dst.to_string()]);
        assert!(closed.reached(), "{dst}");
        assert_eq!(closed.responders(3), vec![dst]);
        assert_eq!(closed.hop(3)["responders"][0]["kinds"][0], "tcp_reset");
        let open = trace(&topo, &["-T", "-p", "8080", &dst.to_string()]);
        assert!(open.reached(), "{dst}");
        assert_eq!(open.hop(3)["responders"][0]["kinds"][0], "tcp_syn_ack");
        assert_eq!(
            open.responders(1),
            vec![if dst.is_ipv4() {
                v4(topo.router_v4(1))
            } else {
                v6(topo.router_v6(1))
            }]
        );
    }
}

#[test]
fn concurrent_traces_beside_a_ping_flood_never_mix_up() {
    let Some(topo) = Topology::chain(4) else {
        return;
    };
    topo.silence_router(3);
    let dst4 = topo.dst_v4().to_string();
    let dst6 = topo.dst_v6().to_string();
    // Another program's ICMP: echo requests and replies flying past our raw sockets.
    topo.spawn_background(topo.src(), ["ping", "-f", "-q", &dst4]);
    topo.spawn_background(topo.src(), ["ping", "-f", "-q", &dst6]);
    std::thread::sleep(Duration::from_millis(200));
    let variants: Vec<Vec<&str>> = vec![
        vec!["-I", "-q", "5", &dst4],
        vec!["-I", "-q", "5", &dst4],
        vec!["-U", "-q", "5", &dst4],
        vec!["-I", "-q", "5", &dst6],
        vec!["-T", "-q", "5", &dst6],
    ];
    let children: Vec<_> = variants
        .iter()
        .map(|args| {
            topo.command(topo.src(), common::run::binary())
                .args(["--format", "json", "-n", "-v"])
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut foreign_seen = 0;
    for (args, child) in variants.iter().zip(children) {
        let run = parse(child.wait_with_output().unwrap());
        let six = args.last().unwrap().contains(':');
        assert!(run.reached(), "{args:?}: {:#}", run.json);
        assert_eq!(run.last_hop(), 5, "{args:?}");
        for hop in 1..=4u64 {
            let want: Vec<IpAddr> = if hop == 3 {
                vec![]
            } else if six {
                vec![v6(topo.router_v6(hop as usize))]
            } else {
                vec![v4(topo.router_v4(hop as usize))]
            };
            assert_eq!(run.responders(hop), want, "{args:?} hop {hop}");
        }
        let (_, _, foreign) = run.counters().unwrap();
        foreign_seen += foreign;
    }
    assert!(
        foreign_seen > 0,
        "the flood's packets were seen and set aside"
    );
}

#[test]
fn paris_probes_follow_one_branch_of_an_ecmp_diamond() {
    let Some(topo) = Topology::diamond() else {
        return;
    };
    let dst = topo.dst_v4().to_string();
    let branches: Vec<IpAddr> = topo.branches_v4().iter().map(|a| v4(*a)).collect();
    let mut seen = Vec::new();
    for _ in 0..8 {
        let run = trace(&topo, &["-U", "-q", "10", &dst]);
        assert!(run.reached());
        let hop2 = run.responders(2);
        assert_eq!(hop2.len(), 1, "one flow, one branch: {hop2:?}");
        assert!(branches.contains(&hop2[0]));
        seen.push(hop2[0]);
    }
    // Each run has its own source port, so runs spread over both branches: the diamond really
    // balances, and the single branch per run is the probes' doing.
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        2,
        "8 runs should use both branches, saw {seen:?}"
    );
}

#[test]
fn unprivileged_ping_sockets_and_the_clear_refusal() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    let bin = world_executable_binary();
    let as_nobody = |args: &[&str]| {
        topo.command(topo.src(), "setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--inh-caps=-all",
            ])
            .arg(&bin)
            .args(args)
            .output()
            .unwrap()
    };
    let sysctl = |range: &str| {
        let out = topo.exec(
            topo.src(),
            [
                "sysctl",
                "-w",
                &format!("net.ipv4.ping_group_range={range}"),
            ],
        );
        assert!(out.status.success());
    };
    sysctl("0 2147483647");
    for dst in [topo.dst_v4().to_string(), topo.dst_v6().to_string()] {
        let run = parse(as_nobody(&["--format", "json", "-n", &dst]));
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert!(run.reached(), "{dst}");
        assert_eq!(run.json["options"]["unprivileged"], true);
        assert_eq!(
            run.hop(2)["received"],
            3,
            "errors read from the error queue"
        );
    }
    sysctl("1 0");
    let out = as_nobody(&["-n", &topo.dst_v4().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("setcap cap_net_raw+ep") && err.contains("ping_group_range"),
        "{err}"
    );
    // TCP needs raw sockets whatever the sysctl says.
    let out = as_nobody(&["-T", "-n", &topo.dst_v4().to_string()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn capabilities_are_dropped_while_tracing() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    topo.drop_all_input_at_dst();
    let mut child = topo
        .command(topo.src(), common::run::binary())
        .args(["-n", "--no-live", "-w", "5", "--max-unknown", "20"])
        .arg(topo.dst_v4().to_string())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    for set in ["CapInh", "CapPrm", "CapEff", "CapAmb"] {
        let line = status.lines().find(|l| l.starts_with(set)).unwrap();
        assert!(line.ends_with("0000000000000000"), "{line}");
    }
}

#[test]
fn interrupt_prints_and_exports_hops_found_so_far() {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    topo.drop_all_input_at_dst();
    let dir = std::env::temp_dir().join(format!("gt-int-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("hops.csv");
    let run =
        common::run::interrupted_trace(&topo, "--csv", &csv, nix::sys::signal::Signal::SIGINT);
    assert_eq!(run.status, 130);
    assert_eq!(run.json["interrupted"], true);
    for hop in 1..=3 {
        assert_eq!(run.responders(hop).len(), 1, "hop {hop} kept");
    }
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(written.starts_with("hop,ip,hostname"));
    assert!(written.contains(&topo.router_v4(3).to_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn source_address_and_interface_are_honoured() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    let dst = topo.dst_v4().to_string();
    let src = topo.src_v4().to_string();
    let run = trace(&topo, &["-s", &src, &dst]);
    assert!(run.reached(), "{}", run.stderr);
    assert_eq!(run.json["source"], src.as_str());
    // The source namespace's only interface toward the routers is named after its peer.
    let run = trace(
        &topo,
        &["--interface", "to-r1", "-6", &topo.dst_v6().to_string()],
    );
    assert!(run.reached(), "{}", run.stderr);
    assert_eq!(run.responders(1), vec![v6(topo.router_v6(1))]);
}

#[test]
fn first_and_max_hops_bound_the_probed_ttls() {
    let Some(topo) = Topology::chain(5) else {
        return;
    };
    let dst = topo.dst_v4().to_string();
    let run = trace(&topo, &["-f", "3", &dst]);
    assert_eq!(run.hops()[0]["hop"], 3);
    assert_eq!(run.responders(3), vec![v4(topo.router_v4(3))]);
    assert!(run.reached());
    let run = trace(&topo, &["-m", "2", "-q", "1", &dst]);
    assert!(!run.reached());
    assert_eq!(run.last_hop(), 2);
    assert_eq!(run.hop(2)["sent"], 1);
}
