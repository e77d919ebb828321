//! A whole IPv4 datagram as a raw socket reads it: anyone on the path chooses these bytes.
#![no_main]

use globetrace::probe::packet::{decode_ipv4, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = decode_ipv4(data) {
        // What decodes was read from the datagram, not made up.
        if let Message::Error { mpls, .. } = r.message {
            assert!(mpls.len() * 4 <= data.len());
        }
    }
});
