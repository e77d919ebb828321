//! `globetrace annotate` on files of many traces, end to end: every report format carries every
//! trace, with its identity; bad records are one warning line each; a file of one trace is shown
//! as one trace. No packet is sent and no name is looked up (`-n`).

mod common;

use common::run::binary;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/many/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn annotate(args: &[&str]) -> Output {
    Command::new(binary())
        .args(["annotate", "-n"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gt-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn csv_has_a_leading_trace_column_and_every_hop_of_every_trace() {
    let out = annotate(&["--format", "csv", &fixture("atlas-pantrace.jsonl")]);
    let text = stdout(&out);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "trace");
    assert_eq!(&header[1], "hop");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut labels: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    labels.dedup();
    assert_eq!(labels.len(), 14);
    assert_eq!(labels[0], "29792007/53023/1619118621#1");
    // One row per hop here (one responder each): 13 + 13 + ... as the file lists them.
    let hops_in_file: usize = std::fs::read_to_string(fixture("atlas-pantrace.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["result"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(rows.len(), hops_in_file);
    // The shipped geo data placed the public hops.
    assert!(rows
        .iter()
        .any(|r| &r[2] == "178.208.5.178" && !r[5].is_empty()));
}

#[test]
fn json_holds_a_traces_array_and_jsonl_a_line_per_trace() {
    let json: Value = serde_json::from_str(&stdout(&annotate(&[
        "--format",
        "json",
        &fixture("scamper-chain.json"),
    ])))
    .unwrap();
    assert_eq!(json["schema_version"], 1);
    let traces = json["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 4);
    assert_eq!(traces[0]["trace"], "default/0/10.0.3.2#1");
    assert_eq!(traces[0]["identity"]["tool"], "scamper");
    assert_eq!(traces[0]["identity"]["vantage"], "vm");
    assert_eq!(traces[0]["target"], "10.0.3.2");
    assert_eq!(traces[0]["hops"].as_array().unwrap().len(), 4);
    assert_eq!(traces[0]["hops"][2]["responders"][0]["ip"], "10.0.2.2");
    let lines = stdout(&annotate(&[
        "--format",
        "jsonl",
        &fixture("scamper-chain.json"),
    ]));
    let docs: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 4);
    assert_eq!(docs, *traces);
}

#[test]
fn the_terminal_gets_one_summary_line_per_trace_and_files_get_everything() {
    let (csv, json, map) = (scratch("a.csv"), scratch("a.json"), scratch("a.svg"));
    let out = annotate(&[
        &fixture("atlas-features.json"),
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("5001/6001/1700000000#1  probe 6001 → k.root-servers.example (193.0.14.129): reached in 5 hops"), "{}", lines[0]);
    assert!(lines[1].contains("not reached"), "{}", lines[1]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 13: hop 1: sendto failed"), "{stderr}");
    assert!(
        stderr.contains("line 16: record skipped: an Atlas \"ping\" result"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["traces"].as_array().unwrap().len(), 4);
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert!(csv_text.starts_with("trace,hop,ip,"));
    assert!(csv_text.contains("5002/6002/1700000005#2,2,2001:db8:2::1,"));
    let svg = std::fs::read_to_string(&map).unwrap();
    assert!(svg.contains("data-paths=\"4\""));
    assert_eq!(svg.matches("<g class=\"path\"").count(), 4);
    roxmltree::Document::parse(&svg).expect("the map is well-formed XML");
}

#[test]
fn standard_input_and_a_forced_format_work() {
    let mut child = Command::new(binary())
        .args([
            "annotate",
            "-n",
            "--no-geo",
            "--format",
            "jsonl",
            "--input-format",
            "atlas",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let body = std::fs::read(fixture("atlas-pantrace.jsonl")).unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out).lines().count(), 14);
}

#[test]
fn a_file_of_one_trace_is_shown_as_one_trace() {
    let first = std::fs::read_to_string(fixture("atlas-pantrace.jsonl")).unwrap();
    let file = scratch("one.json");
    std::fs::write(&file, first.lines().next().unwrap()).unwrap();
    let text = stdout(&annotate(&["--no-geo", file.to_str().unwrap()]));
    assert!(text.contains("Hop"), "{text}");
    assert!(text.contains("Did not reach 84.205.77.1"), "{text}");
    let json: Value = serde_json::from_str(&stdout(&annotate(&[
        "--no-geo",
        "--format",
        "json",
        file.to_str().unwrap(),
    ])))
    .unwrap();
    assert_eq!(json["target"], "84.205.77.1");
}

#[test]
fn mtr_json_is_one_trace() {
    let json: Value = serde_json::from_str(&stdout(&annotate(&[
        "--no-geo",
        "--format",
        "json",
        &fixture("mtr-chain.json"),
    ])))
    .unwrap();
    let ips: Vec<&str> = json["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["responders"][0]["ip"].as_str().unwrap_or("*"))
        .collect();
    assert_eq!(ips, ["10.0.0.2", "*", "10.0.2.2", "10.0.3.2"]);
}

#[test]
fn unusable_inputs_are_one_clear_line_and_exit_2() {
    // The warts magic, then no object: nothing to show, one line, exit 2.
    let cut = scratch("cut.warts");
    std::fs::write(&cut, b"\x12\x05\x00\x06\x00\x00").unwrap();
    let warts = annotate(&[cut.to_str().unwrap()]);
    assert_eq!(warts.status.code(), Some(2));
    let err = String::from_utf8_lossy(&warts.stderr);
    assert!(
        err.contains("line 1: the input ends inside this record"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let file = scratch("junk.json");
    std::fs::write(
        &file,
        "[{\"prb_id\": 1, \"type\": \"ping\"}, {\"prb_id\": 2}]",
    )
    .unwrap();
    let junk = annotate(&[file.to_str().unwrap()]);
    assert_eq!(junk.status.code(), Some(2));
    let err = String::from_utf8_lossy(&junk.stderr);
    assert!(err.contains("record skipped"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
