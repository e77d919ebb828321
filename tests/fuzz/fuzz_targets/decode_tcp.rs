//! A TCP segment that may answer a SYN probe (SYN-ACK or RST), without its IP header.
#![no_main]

use globetrace::probe::packet::decode_tcp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_tcp(data);
});
