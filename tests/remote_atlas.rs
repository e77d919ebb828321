//! RIPE Atlas results against a local server on 127.0.0.1 that replays answers shaped as the
//! Atlas API documents them (tests/fixtures/remote/README.md says where from): the latest and
//! ranged results streamed into the report, a new measurement created, waited for and
//! annotated. Nothing here reaches the real service.

mod common;

use common::replay::{answer, assert_clean, fixture, run, text, Replay};

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
