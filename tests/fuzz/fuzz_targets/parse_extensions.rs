//! An RFC 4884 extension structure with RFC 4950 MPLS label stack objects.
#![no_main]

use globetrace::probe::packet::parse_extensions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let labels = parse_extensions(data);
    // Each label is a 4-byte entry after the 4-byte header and a 4-byte object header.
    assert!(labels.len() * 4 <= data.len().saturating_sub(8));
});
