//! A saved trace for `globetrace annotate`: any bytes a stranger's file may hold (every format
//! is tried on every input, so one target covers the list, traceroute, mtr and tracert readers).
#![no_main]

use globetrace::import::parse_bytes;
use globetrace::text::sanitize_name;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(imported) = parse_bytes(data, "fuzz") {
        for reply in imported.trace.hops.iter().flat_map(|h| h.replies()) {
            if let Some(name) = &reply.hostname {
                assert_eq!(name, &sanitize_name(name), "names are stored sanitised");
            }
        }
    }
});
