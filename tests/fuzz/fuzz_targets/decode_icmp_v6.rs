//! An ICMPv6 message (raw ICMPv6 sockets never include the IPv6 header), and the echo request
//! fields read back from a ping socket's error queue.
#![no_main]

use globetrace::probe::packet::{decode_icmp, echo_request_fields, Family};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_icmp(Family::V6, data);
    let _ = echo_request_fields(Family::V6, data);
});
