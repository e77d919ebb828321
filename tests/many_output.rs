//! The exact output of `globetrace annotate` on files of many traces, pinned: every byte of the
//! JSON lines, JSON, CSV and summary lines of the many-trace fixtures equals what
//! `tests/fixtures/many-output/` holds. The readers and writers are tuned for speed; this is
//! what says the tuning changed nothing a user sees. Geo comes from the shipped data, names from
//! nowhere (`-n`). When an output is meant to change, `many-output/regenerate.sh` rewrites them.

mod common;

use common::run::binary;
use std::process::Command;

/// Runs `annotate -n ARGS` on a fixture and compares its standard output with
/// `many-output/NAME`.
fn pinned(name: &str, args: &[&str]) {
    let dir = format!("{}/tests/fixtures/many", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(binary())
        .current_dir(&dir)
        .args(["annotate", "-n"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "annotate {args:?}: {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).unwrap().replace(
        concat!("globetrace ", env!("CARGO_PKG_VERSION")),
        "globetrace VERSION",
    );
    let want = std::fs::read_to_string(format!("{dir}/../many-output/{name}")).unwrap();
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
        panic!(
            "annotate {args:?} differs from many-output/{name} at line {} ({} lines vs {}):\n got: {}\nwant: {}",
            line + 1,
            got.lines().count(),
            want.lines().count(),
            got.lines().nth(line).unwrap_or("<end>"),
            want.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

#[test]
fn atlas_results_as_json_lines_without_geo() {
    pinned(
        "atlas-pantrace.nogeo.jsonl",
        &["--no-geo", "--format", "jsonl", "atlas-pantrace.jsonl"],
    );
}

#[test]
fn atlas_results_as_csv_with_geo() {
    pinned(
        "atlas-pantrace.geo.csv",
        &["--format", "csv", "atlas-pantrace.jsonl"],
    );
}

#[test]
fn atlas_results_as_summary_lines() {
    pinned("atlas-pantrace.geo.txt", &["atlas-pantrace.jsonl"]);
}

#[test]
fn atlas_features_as_one_json_document() {
    pinned(
        "atlas-features.geo.json",
        &["--format", "json", "atlas-features.json"],
    );
}

#[test]
fn scamper_json_as_json_lines_without_geo() {
    pinned(
        "scamper-chain.nogeo.jsonl",
        &["--no-geo", "--format", "jsonl", "scamper-chain.json"],
    );
}

#[test]
fn scamper_warts_as_csv_with_geo() {
    pinned(
        "scamper-chain-warts.geo.csv",
        &["--format", "csv", "scamper-chain.warts"],
    );
}
