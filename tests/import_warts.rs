//! scamper's warts binary read directly equals the same file converted by scamper's own
//! `sc_warts2json` and read as JSON: every trace, hop, probe, RTT and identity, on the real
//! files in tests/fixtures/many (four traces made here by Debian's scamper; 1,000 traces written
//! by pantrace). sc_warts2json leaves a missing start time as 0, which globetrace keeps as
//! absent: that field alone is compared with that in mind. Needs `sc_warts2json` (Debian
//! `scamper`); skips with a reason without it, except under CI.

mod common;

use common::netns::is_ci;
use common::run::{annotate_offline, jsonl_documents};
use serde_json::Value;
use std::process::Command;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/many/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn jsonl(file: &str) -> Vec<Value> {
    let out = annotate_offline("jsonl", file);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    jsonl_documents(&out.stdout)
}

#[test]
fn warts_equals_sc_warts2json_of_the_same_file() {
    let dir = std::env::temp_dir().join(format!("gt-warts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, traces) in [("scamper-chain.warts", 4), ("pantrace-trace.warts", 1000)] {
        let warts = fixture(name);
        let converted = match Command::new("sc_warts2json").arg(&warts).output() {
            Ok(out) if out.status.success() => out.stdout,
            other => {
                assert!(!is_ci(), "sc_warts2json is needed under CI: {other:?}");
                eprintln!("skipped: sc_warts2json (Debian scamper) cannot run: {other:?}");
                return;
            }
        };
        let json = dir.join(format!("{name}.json"));
        std::fs::write(&json, converted).unwrap();
        let direct = jsonl(&warts);
        let mut via_json = jsonl(json.to_str().unwrap());
        assert_eq!(direct.len(), traces, "{name}");
        for (d, j) in direct.iter().zip(via_json.iter_mut()) {
            if d["identity"]["time"].is_null() {
                assert_eq!(j["identity"]["time"], 0, "{name}");
                j["identity"]["time"] = Value::Null;
            }
        }
        assert_eq!(direct, via_json, "{name}");
        let hops: usize = direct
            .iter()
            .map(|t| t["hops"].as_array().unwrap().len())
            .sum();
        assert!(hops >= 4 * traces, "{name}: {hops} hops");
    }
}
