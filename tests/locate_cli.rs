//! `globetrace locate`: the evidence for names and addresses, with the test databases of
//! `common::geo_answers` (the shipped data kept out), as text and as JSON that round-trips.

mod common;

use common::geo_answers::databases;
use std::process::Command;

/// `globetrace locate` with the test databases; `stdin` is piped in.
fn locate(test: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let (city_db, asn_db, data_dir) = databases("locate_cli", test);
    let mut child = Command::new(env!("CARGO_BIN_EXE_globetrace"))
        .arg("locate")
        .args(args)
        .arg("--city-db")
        .arg(&city_db)
        .arg("--asn-db")
        .arg(&asn_db)
        .env("GLOBETRACE_DATA_DIR", &data_dir)
        .env("XDG_CACHE_HOME", data_dir.join("cache"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn locate_prints_the_evidence_for_names_and_addresses() {
    let (code, text, err) = locate(
        "locate_text",
        &[
            "81.2.69.2",
            "ae-1.r01.se-kst.nordu.net",
            "xe-0.cr1.akl1.example.net.nz",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    // The address: GeoIP's answer and the verdict.
    assert!(text.contains("81.2.69.2 (address)"), "{text}");
    assert!(text.contains("GeoIP: Sydney, AU"), "{text}");
    assert!(text.contains("AS64503"), "{text}");
    assert!(text.contains("verdict: geoip Sydney, AU"), "{text}");
    // The names: the country read, each token, the rejection, the verdict.
    assert!(
        text.contains("countries named: SE (from the name)"),
        "{text}"
    );
    assert!(
        text.contains(
            "token \"kst\" [airport code: Kosti, SD] -> rejected: outside the named country SE"
        ),
        "{text}"
    );
    assert!(text.contains("verdict: hostname Auckland, NZ"), "{text}");

    // JSON, from standard input, parses back to the same evidence.
    let (code, json, err) = locate(
        "locate_json",
        &["--format", "json"],
        "81.2.69.2\nxe-0.cr1.akl1.example.net.nz\n",
    );
    assert_eq!(code, 0, "{err}");
    let doc: Vec<globetrace::locate::Located> = serde_json::from_str(&json).unwrap();
    assert_eq!(doc.len(), 2);
    assert_eq!(
        doc[0].geoip.as_ref().unwrap().city.as_deref(),
        Some("Sydney")
    );
    assert_eq!(doc[1].verdict.place.as_deref(), Some("Auckland, NZ"));
    assert_eq!(serde_json::to_string_pretty(&doc).unwrap(), json.trim_end());

    // CSV is not a locate format: a usage error.
    let (code, _, err) = locate("locate_csv", &["--format", "csv", "x.example"], "");
    assert_eq!(code, 2);
    assert!(err.contains("locate prints text or JSON"), "{err}");
}

#[test]
fn locate_says_which_reading_placed_a_name() {
    // The operator's published map, an abbreviation in the written country, a numbered
    // province: each names its kind of evidence and the place.
    let (code, text, err) = locate(
        "locate_kinds",
        &[
            "ae29.manczz-sbr9.ja.net",
            "ae3.RT.FKT.DE.example.net",
            "06-ulus-t3-9.example.com.tr",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    for line in [
        "token \"manczz\" [code on the operator's map: Manchester, GB]",
        "verdict: hostname Manchester, GB",
        "abbreviation in the named country \"fkt\" names Frankfurt am Main, DE",
        "token \"06\" [numbered subdivision: Ankara, TR]",
        "verdict: hostname Ankara, TR",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}
