//! Bad input of every kind: one clear line naming what was wrong, the right exit code, never a
//! panic or a hang — and nothing the user already has is lost.

mod common;

use common::netns::Topology;
use common::run::binary;
use std::process::{Command, Output};

fn assert_one_line(out: &Output, code: i32, needle: &str, case: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{case}: {err}");
    assert_eq!(err.lines().count(), 1, "{case}: one line, got {err:?}");
    assert!(
        err.contains(needle),
        "{case}: {err:?} should mention {needle:?}"
    );
    assert!(!err.contains("panicked"), "{case}: {err}");
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "<TARGET>"),
        (&["-m", "0", "x"], "--max-hops"),
        (&["-m", "300", "x"], "--max-hops"),
        (&["-f", "0", "x"], "--first-hop"),
        (&["-f", "10", "-m", "5", "x"], "--first-hop 10"),
        (&["-q", "0", "x"], "--queries"),
        (&["-q", "11", "x"], "--queries"),
        (&["-w", "abc", "x"], "--wait"),
        (&["-w", "-1", "x"], "--wait"),
        (&["-w", "1,2,3,4", "x"], "--wait"),
        (&["-N", "0", "x"], "--parallel"),
        (&["-p", "80", "x"], "--port"),
        (&["-T", "-p", "70000", "x"], "--port"),
        (&["-U", "-T", "x"], "--tcp"),
        (&["-4", "-6", "x"], "-6"),
        (&["-s", "not-an-address", "x"], "--source"),
        (&["-4", "-s", "2001:db8::1", "x"], "--source"),
        (&["--format", "xml", "x"], "--format"),
        (&["--dns-timeout", "0", "x"], "--dns-timeout"),
        (&["--no-such-flag", "x"], "--no-such-flag"),
        (&[""], "TARGET"),
    ];
    for (args, needle) in cases {
        let out = Command::new(binary()).args(*args).output().unwrap();
        assert_one_line(&out, 2, needle, &format!("{args:?}"));
    }
}

#[test]
fn help_and_version_succeed() {
    let help = Command::new(binary()).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--icmp",
        "--udp",
        "--tcp",
        "--max-hops",
        "--wait",
        "--csv",
        "--json",
        "setcap",
    ] {
        assert!(text.contains(flag), "--help mentions {flag}");
    }
    let version = Command::new(binary()).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("globetrace "));
}

#[test]
fn runtime_errors_exit_1_or_2_with_one_line() {
    let Some(topo) = Topology::chain(1) else {
        return;
    };
    let run = |args: &[&str]| {
        topo.command(topo.src(), binary())
            .args(["-n", "--no-live"])
            .args(args)
            .output()
            .unwrap()
    };
    // The namespace has no DNS server within reach: the lookup fails at once.
    let out = run(&["no-such-host.invalid"]);
    assert_one_line(&out, 2, "no-such-host.invalid", "unknown host");
    let out = run(&["-s", "192.0.2.250", &topo.dst_v4().to_string()]);
    assert_one_line(&out, 1, "192.0.2.250", "source address not on this host");
    let out = run(&["--interface", "nosuchif0", &topo.dst_v4().to_string()]);
    assert_one_line(&out, 1, "nosuchif0", "unknown interface");
}

#[test]
fn failed_export_keeps_the_table_and_names_the_file() {
    let Some(topo) = Topology::chain(1) else {
        return;
    };
    let out = topo
        .command(topo.src(), binary())
        .args(["-n", "--no-live", "--csv", "/nonexistent-dir/hops.csv"])
        .arg(topo.dst_v4().to_string())
        .output()
        .unwrap();
    assert_one_line(&out, 1, "/nonexistent-dir/hops.csv", "unwritable export");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains(&topo.dst_v4().to_string()),
        "table still printed: {table}"
    );
}
