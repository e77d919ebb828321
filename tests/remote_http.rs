//! Remote vantage points against a local server on 127.0.0.1 that replays answers shaped as
//! Globalping and RIPE Atlas document them (tests/fixtures/remote/README.md says where from).
//! Nothing here reaches the real services: their base URLs are pointed at the replay server.
//! The Globalping runs, the HTTP failures and usage errors are here; RIPE Atlas in
//! `remote_atlas.rs`.

mod common;

use common::replay::{answer, assert_clean, fixture, run, text, Replay};
use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn globalping_traceroute_polls_then_annotates_every_probe() {
    let server = Replay::start(vec![
        answer(202, &fixture("gp-created.json")),
        answer(200, &fixture("gp-in-progress.json")),
        answer(200, &fixture("gp-traceroute.json")),
    ]);
    let out = run(
        &[
            "--from-probes",
            "Germany,Japan",
            "--limit",
            "2",
            "-n",
            "example.com",
        ],
        &[("GLOBETRACE_GLOBALPING_URL", &server.url)],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    // The request: a traceroute from both locations, two probes.
    let seen = server.seen();
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/v1/measurements");
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body["type"], "traceroute");
    assert_eq!(body["target"], "example.com");
    assert_eq!(body["limit"], 2);
    assert_eq!(body["locations"][0]["magic"], "Germany");
    assert_eq!(body["locations"][1]["magic"], "Japan");
    assert_eq!(body["measurementOptions"]["protocol"], "ICMP");
    assert!(!seen[0]
        .headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("authorization")));
    // Polled until finished, with progress.
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[1].path, "/v1/measurements/nzGzfAGL7sZfUs3c");
    assert!(stderr.contains("0/2 probes finished"), "{stderr}");
    assert!(stderr.contains("2/2 probes finished"), "{stderr}");
    // One line per probe's trace, each reaching the destination.
    assert!(stdout.contains("Frankfurt, DE, AS3320#1"), "{stdout}");
    assert!(stdout.contains("Tokyo, JP, AS2516#2"), "{stdout}");
    assert_eq!(stdout.matches("reached in").count(), 2, "{stdout}");
    assert!(stdout.contains("reached in 4 hops"), "{stdout}");
    assert!(stdout.contains("reached in 2 hops"), "{stdout}");
}

#[test]
fn globalping_json_export_keeps_hops_names_and_identity() {
    let server = Replay::start(vec![
        answer(202, &fixture("gp-created.json")),
        answer(200, &fixture("gp-traceroute.json")),
    ]);
    let dir = std::env::temp_dir().join(format!("gt-remote-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("out.json");
    let out = run(
        &[
            "--from-probes",
            "Germany",
            "--from-probes",
            "Japan",
            "-n",
            "--json",
            json.to_str().unwrap(),
            "example.com",
        ],
        &[
            ("GLOBETRACE_GLOBALPING_URL", &server.url),
            ("GLOBALPING_TOKEN", "tok-123"),
        ],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let seen = server.seen();
    assert!(
        seen[0]
            .headers
            .iter()
            .any(|h| h == "authorization: Bearer tok-123" || h == "Authorization: Bearer tok-123"),
        "{:?}",
        seen[0].headers
    );
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body["limit"], 2, "one probe per location by default");
    let written = std::fs::read_to_string(&json).unwrap();
    assert!(written.contains("gw.fra.example.net"), "{written}");
    assert!(written.contains("ae1.cr1.fra1.example.net"), "{written}");
    assert!(written.contains("globalping traceroute"), "{written}");
    assert!(written.contains("nzGzfAGL7sZfUs3c"), "{written}");
    assert!(written.contains("Deutsche Telekom AG"), "{written}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn globalping_mtr_with_c_counts_lost_packets() {
    let server = Replay::start(vec![
        answer(202, br#"{"id":"mtrAbc123","probesCount":1}"#),
        answer(200, &fixture("gp-mtr.json")),
    ]);
    let out = run(
        &[
            "--from-probes",
            "AS3320",
            "-c",
            "3",
            "-n",
            "--format",
            "csv",
            "192.0.2.200",
        ],
        &[("GLOBETRACE_GLOBALPING_URL", &server.url)],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let body: serde_json::Value = serde_json::from_str(&server.seen()[0].body).unwrap();
    assert_eq!(body["type"], "mtr");
    assert_eq!(body["measurementOptions"]["packets"], 3);
    // Hop 2 answered one packet of three.
    let hop2 = stdout
        .lines()
        .find(|l| l.contains("198.51.100.9"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(hop2.contains("66.7"), "{hop2}");
}

#[test]
fn retry_after_on_429_is_honoured_then_succeeds() {
    let mut limited = answer(429, &fixture("gp-error-429.json"));
    limited.headers.push(("Retry-After", "1".into()));
    let server = Replay::start(vec![
        limited,
        answer(202, &fixture("gp-created.json")),
        answer(200, &fixture("gp-traceroute.json")),
    ]);
    let start = Instant::now();
    let out = run(
        &["--from-probes", "Germany", "-n", "example.com"],
        &[("GLOBETRACE_GLOBALPING_URL", &server.url)],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After not waited"
    );
    let seen = server.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[1].method.as_str()),
        ("POST", "POST")
    );
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let server = Replay::start(vec![
        answer(503, b"<html>busy</html>"),
        answer(202, &fixture("gp-created.json")),
        answer(200, &fixture("gp-traceroute.json")),
    ]);
    let out = run(
        &["--from-probes", "Germany", "-n", "example.com"],
        &[("GLOBETRACE_GLOBALPING_URL", &server.url)],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn long_retry_after_is_reported_in_one_line() {
    let mut limited = answer(429, &fixture("gp-error-429.json"));
    limited.headers.push(("Retry-After", "3600".into()));
    let server = Replay::start(vec![limited]);
    let out = run(
        &["--from-probes", "Germany", "-n", "example.com"],
        &[("GLOBETRACE_GLOBALPING_URL", &server.url)],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("rate limit reached (HTTP 429), retry after 3600 s"),
        "{stderr}"
    );
    assert!(stderr.contains("GLOBALPING_TOKEN"), "{stderr}");
    assert_eq!(server.seen().len(), 1, "a long wait is not retried");
}

#[test]
fn unauthorized_is_one_line_naming_the_token() {
    let server = Replay::start(vec![answer(401, &fixture("gp-error-401.json"))]);
    let out = run(
        &["--from-probes", "Germany", "-n", "example.com"],
        &[
            ("GLOBETRACE_GLOBALPING_URL", &server.url),
            ("GLOBALPING_TOKEN", "wrong"),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("Globalping: credentials refused (HTTP 401)"),
        "{stderr}"
    );
    assert!(stderr.contains("GLOBALPING_TOKEN"), "{stderr}");
    assert!(
        !stderr.contains("wrong"),
        "the token is never printed: {stderr}"
    );
}

#[test]
fn malformed_bodies_are_one_line_errors() {
    for body in [
        &b"{\"id\": 42"[..],
        b"[]",
        b"\x1b[2J\xff\xfe not json",
        b"{\"id\":\"a/../b\"}",
    ] {
        let server = Replay::start(vec![answer(202, body)]);
        let out = run(
            &["--from-probes", "Germany", "-n", "example.com"],
            &[("GLOBETRACE_GLOBALPING_URL", &server.url)],
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("Globalping: unexpected answer from"),
            "{stderr}"
        );
        assert_clean(&stderr);
    }
    // A measurement that is not one, after a good creation.
    let server = Replay::start(vec![
        answer(202, &fixture("gp-created.json")),
        answer(200, br#"{"id":"nzGzfAGL7sZfUs3c","status":"finished","results":[{"probe":{},"result":{"hops":"no"}}]}"#),
    ]);
    let out = run(
        &["--from-probes", "Germany", "-n", "example.com"],
        &[("GLOBETRACE_GLOBALPING_URL", &server.url)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("unexpected answer"));
}

#[test]
fn slow_server_times_out_in_one_line() {
    let mut slow = answer(202, &fixture("gp-created.json"));
    slow.delay = Duration::from_secs(5);
    let server = Replay::start(vec![slow]);
    let start = Instant::now();
    let out = run(
        &["--from-probes", "Germany", "-n", "example.com"],
        &[
            ("GLOBETRACE_GLOBALPING_URL", &server.url),
            ("GLOBETRACE_HTTP_TIMEOUT", "1"),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "not timed out: {:?}",
        start.elapsed()
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("no answer from") && stderr.contains("within 1 s"),
        "{stderr}"
    );
}

#[test]
fn unreachable_service_is_one_line() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    let out = run(
        &["--from-probes", "Germany", "-n", "example.com"],
        &[("GLOBETRACE_GLOBALPING_URL", &url)],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("Globalping: cannot reach"), "{stderr}");
    // Refused connections are retried: 1 + 2 + 4 s of backoff.
    assert!(
        start.elapsed() >= Duration::from_secs(7),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn hostile_strings_come_out_clean() {
    let server = Replay::start(vec![
        answer(202, br#"{"id":"hostile1","probesCount":2}"#),
        answer(200, &fixture("gp-hostile.json")),
    ]);
    let dir = std::env::temp_dir().join(format!("gt-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("h.json");
    let csv = dir.join("h.csv");
    let out = run(
        &[
            "--from-probes",
            "Germany",
            "-n",
            "--json",
            json.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
            "example.com",
        ],
        &[("GLOBETRACE_GLOBALPING_URL", &server.url)],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_clean(&stdout);
    assert_clean(&stderr);
    assert_clean(&std::fs::read_to_string(&csv).unwrap());
    // JSON escapes controls itself; what it carries must be clean once decoded.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_clean(&v.to_string().replace("\\n", " "));
    assert_clean(&format!("{v:#}"));
    assert!(
        stdout.contains("gw.red.example") || stdout.contains("192.0.2.1"),
        "{stdout}"
    );
    assert!(stderr.contains("is not an address"), "{stderr}");
    assert!(stderr.contains("failed, no trace"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_before_anything_is_sent() {
    for (args, needle) in [
        (
            &["--from-probes", "Germany", "-c", "40", "example.com"][..],
            "-c is mtr's packets",
        ),
        (
            &["--from-probes", "Germany", "a.example", "b.example"][..],
            "one TARGET",
        ),
        (&["--limit", "3", "example.com"][..], "--from-probes"),
        (
            &["--from-probes", "Germany", "--limit", "501", "example.com"][..],
            "501",
        ),
        (
            &[
                "annotate",
                "--atlas-create",
                "x.example",
                "--atlas-from",
                "planet:mars",
            ][..],
            "planet",
        ),
        (&["annotate", "--atlas", "1", "file.txt"][..], "not both"),
    ] {
        let out = run(args, &[("GLOBETRACE_GLOBALPING_URL", "http://127.0.0.1:9")]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
