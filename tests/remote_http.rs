//! Remote vantage points against a local server on 127.0.0.1 that replays answers shaped as
//! Globalping and RIPE Atlas document them (tests/fixtures/remote/README.md says where from).
//! Nothing here reaches the real services: their base URLs are pointed at the replay server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One canned answer.
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    delay: Duration,
}

fn answer(status: u16, body: &[u8]) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: body.to_vec(),
        delay: Duration::ZERO,
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/remote/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<String>,
    body: String,
}

/// Serves `answers` in order, one per connection; the last one repeats.
struct Replay {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Replay {
    fn start(answers: Vec<Answer>) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for (i, conn) in listener.incoming().enumerate() {
                let Ok(conn) = conn else { continue };
                let a = answers[i.min(answers.len() - 1)].clone();
                let log = log.clone();
                thread::spawn(move || serve(conn, a, log));
            }
        });
        Replay { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(conn: TcpStream, a: Answer, log: Arc<Mutex<Vec<Seen>>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        headers.push(line.trim().to_string());
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = first.split_whitespace();
    log.lock().unwrap().push(Seen {
        method: parts.next().unwrap_or("").to_string(),
        path: parts.next().unwrap_or("").to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    thread::sleep(a.delay);
    let mut out = conn;
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        a.status,
        a.body.len()
    );
    for (k, v) in &a.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&a.body);
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_globetrace"));
    cmd.args(args)
        .env_remove("GLOBALPING_TOKEN")
        .env_remove("RIPE_ATLAS_KEY")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env_remove("all_proxy");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// No terminal control and no bidi/invisible marks anywhere in `s` (newlines and tabs aside).
fn assert_clean(s: &str) {
    for c in s.chars() {
        let bad = (c.is_control() && c != '\n' && c != '\t')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || c == '\u{200b}';
        assert!(!bad, "control or bidi character {c:?} in output:\n{s}");
    }
}

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
fn atlas_latest_results_are_streamed_into_the_report() {
    let server = Replay::start(vec![answer(200, &fixture("atlas-results.json"))]);
    let out = run(
        &[
            "annotate",
            "-n",
            "--atlas",
            "70000001",
            "--probes",
            "1001,1002",
        ],
        &[("GLOBETRACE_ATLAS_URL", &server.url)],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    let seen = server.seen();
    assert_eq!(seen[0].method, "GET");
    assert_eq!(
        seen[0].path,
        "/api/v2/measurements/70000001/latest/?format=json&probe_ids=1001,1002"
    );
    assert!(stdout.contains("70000001/1001/1714557600"), "{stdout}");
    assert!(stdout.contains("70000001/1002/1714557605"), "{stdout}");
    assert!(stdout.contains("reached in 3 hops"), "{stdout}");
}

#[test]
fn atlas_ranged_results_and_errors() {
    let server = Replay::start(vec![answer(200, &fixture("atlas-results.json"))]);
    let out = run(
        &[
            "annotate",
            "-n",
            "--atlas",
            "70000001",
            "--start",
            "1714550000",
            "--stop",
            "1714560000",
        ],
        &[("GLOBETRACE_ATLAS_URL", &server.url)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        server.seen()[0].path,
        "/api/v2/measurements/70000001/results/?format=json&start=1714550000&stop=1714560000"
    );
    // A measurement that does not exist: Atlas's error body, one line.
    let server = Replay::start(vec![answer(
        404,
        br#"{"error":{"status":404,"code":104,"detail":"Not found.\u001b[31m","title":"Not Found"}}"#,
    )]);
    let out = run(
        &["annotate", "-n", "--atlas", "1"],
        &[("GLOBETRACE_ATLAS_URL", &server.url)],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("RIPE Atlas: HTTP 404") && stderr.contains("Not found."),
        "{stderr}"
    );
    assert_clean(&stderr);
    // --start after --stop is a usage error before anything is sent.
    let out = run(
        &["annotate", "--atlas", "1", "--start", "5", "--stop", "4"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn atlas_create_needs_a_key_then_waits_and_annotates() {
    let out = run(
        &["annotate", "-n", "--atlas-create", "example.com"],
        &[("GLOBETRACE_ATLAS_URL", "http://127.0.0.1:9")],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("RIPE_ATLAS_KEY"), "{stderr}");

    let server = Replay::start(vec![
        answer(201, &fixture("atlas-created.json")),
        answer(200, &fixture("atlas-ongoing.json")),
        answer(200, &fixture("atlas-stopped.json")),
        answer(200, &fixture("atlas-results.json")),
    ]);
    let out = run(
        &[
            "annotate",
            "-n",
            "--atlas-create",
            "example.com",
            "--atlas-from",
            "country:NL",
            "--atlas-limit",
            "2",
        ],
        &[
            ("GLOBETRACE_ATLAS_URL", &server.url),
            ("RIPE_ATLAS_KEY", "k-1"),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    let seen = server.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("POST", "/api/v2/measurements/")
    );
    assert!(seen[0]
        .headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("authorization: Key k-1")));
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body["definitions"][0]["type"], "traceroute");
    assert_eq!(body["definitions"][0]["target"], "example.com");
    assert_eq!(body["probes"][0]["type"], "country");
    assert_eq!(body["probes"][0]["value"], "NL");
    assert_eq!(body["probes"][0]["requested"], 2);
    assert_eq!(body["is_oneoff"], true);
    assert_eq!(seen[1].path, "/api/v2/measurements/70000001/");
    assert_eq!(
        seen[3].path,
        "/api/v2/measurements/70000001/results/?format=json&start=0"
    );
    assert!(
        stderr.contains("Ongoing") && stderr.contains("Stopped"),
        "{stderr}"
    );
    assert!(stdout.contains("70000001/1001"), "{stdout}");
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
