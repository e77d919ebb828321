//! What every text reader promises, whatever the bytes: names stored sanitised, TTLs from 1 and
//! strictly increasing; and for the readers that count probes (mtr's tables, pathping, WinMTR,
//! MikroTik, tracepath), at most 1,000 probes per hop. Huawei and Arista hop lines go through
//! the traceroute reader, which bounds a hop's probes only by the input's 16 MB.

use globetrace::import::{parse_bytes_as, InputFormat};
use globetrace::text::sanitize_name;

/// Reads `data` as `format` and checks the promises on what comes out.
pub fn check(data: &[u8], format: InputFormat) {
    let Ok(imported) = parse_bytes_as(data, "fuzz", Some(format)) else {
        return;
    };
    let trace = &imported.trace;
    assert_eq!(trace.target, sanitize_name(&trace.target), "targets are stored sanitised");
    let bounded = !matches!(format, InputFormat::Huawei | InputFormat::Arista);
    let mut previous = 0u8;
    for hop in &trace.hops {
        assert!(hop.ttl > previous, "TTLs start at 1 and increase");
        previous = hop.ttl;
        assert!(!bounded || hop.probes.len() <= 1000, "probes per hop are bounded");
        for reply in hop.replies() {
            if let Some(name) = &reply.hostname {
                assert_eq!(name, &sanitize_name(name), "names are stored sanitised");
            }
        }
    }
}
