//! `globetrace annotate` on the text formats of tracepath, mtr --xml, pathping, WinMTR, Huawei,
//! MikroTik and Arista, end to end: each is detected (from a file and from standard input) and
//! can be named with `--input-format`; a bad line is one warning naming its line; input that is
//! not the named format is one error line and a failing exit. No packet is sent (`-n`).

mod common;

use common::run::binary;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// (fixture, `--input-format` name, hops in the JSON, reached)
const CASES: [(&str, &str, usize, bool); 8] = [
    ("many/tracepath-chain.txt", "tracepath", 4, true),
    ("many/mtr-chain.xml", "mtr-xml", 4, true),
    ("import/pathping-docs.txt", "pathping", 5, true),
    ("import/winmtr6-left.txt", "winmtr", 3, false),
    ("import/huawei.txt", "huawei", 4, true),
    ("import/mikrotik.txt", "mikrotik", 4, true),
    ("import/mikrotik7.txt", "mikrotik", 3, true),
    ("import/arista.txt", "arista", 4, true),
];

fn annotate(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(binary())
        .args(["annotate", "-n", "--no-geo", "--format", "json"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(body) = stdin {
        input.write_all(body).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn document(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn each_format_is_detected_and_can_be_named() {
    for (file, name, hops, reached) in CASES {
        let path = fixture(file);
        let body = std::fs::read(&path).unwrap();
        for run in [
            annotate(&[&path], None),
            annotate(&["--input-format", name, &path], None),
            annotate(&["-"], Some(&body)),
        ] {
            let doc = document(&run);
            assert_eq!(doc["hops"].as_array().unwrap().len(), hops, "{file}");
            assert_eq!(doc["reached"], reached, "{file}");
            assert!(
                run.stderr.is_empty(),
                "{file}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
        }
    }
}

#[test]
fn a_bad_line_is_one_warning_with_its_number() {
    for (file, name, hops, _) in CASES {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // A mangled line after the last one: the hops are still read, and it is named.
        let bad = format!("{}\n\u{1b}[2J garbage \u{202e} line\n", lines.join("\n"));
        let run = annotate(&["--input-format", name, "-"], Some(bad.as_bytes()));
        let doc = document(&run);
        assert_eq!(doc["hops"].as_array().unwrap().len(), hops, "{file}");
        let stderr = String::from_utf8(run.stderr).unwrap();
        let warnings: Vec<&str> = stderr.lines().collect();
        assert_eq!(warnings.len(), 1, "{file}: {stderr}");
        assert!(
            warnings[0].contains(&format!("line {}:", lines.len() + 1)),
            "{file}: {stderr}"
        );
        assert!(
            !stderr.contains('\u{1b}'),
            "{file}: escapes reach the terminal"
        );
    }
}

#[test]
fn input_that_is_not_the_named_format_is_one_error() {
    let tracert = std::fs::read(fixture("import/tracert.txt")).unwrap();
    for name in ["tracepath", "mtr-xml", "pathping", "winmtr", "mikrotik"] {
        let run = annotate(&["--input-format", name, "-"], Some(&tracert));
        assert!(!run.status.success(), "{name}");
        let stderr = String::from_utf8(run.stderr).unwrap();
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error:")).collect();
        assert_eq!(errors.len(), 1, "{name}: {stderr}");
        assert!(errors[0].contains("no answered hops"), "{name}: {stderr}");
    }
}
