//! Small helpers for the tests that open GeoIP databases (`geo_databases`, `geo_shipped`).
#![allow(dead_code)]

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// A fresh directory for one test of a suite, under the target directory.
pub fn scratch_dir(suite: &str, test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(suite)
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// An address written in a test.
pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}
