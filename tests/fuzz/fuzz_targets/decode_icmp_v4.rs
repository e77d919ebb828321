//! An ICMP message without its IP header (as a ping socket reads it), and the echo request
//! fields read back from a ping socket's error queue.
#![no_main]

use globetrace::probe::packet::{decode_icmp, echo_request_fields, Family};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_icmp(Family::V4, data);
    let _ = echo_request_fields(Family::V4, data);
});
