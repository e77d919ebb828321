//! A file of many traces for `globetrace annotate`: any bytes, read as RIPE Atlas results, as
//! scamper JSON (both streamed record by record) and as `mtr --json`.
#![no_main]

use globetrace::import::{parse_bytes_as, InputFormat, Item, Stream};
use globetrace::text::sanitize_name;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [InputFormat::Atlas, InputFormat::ScamperJson] {
        let input = Box::new(std::io::Cursor::new(data.to_vec()));
        for item in Stream::new(input, format) {
            if let Ok(Item::Trace(record)) = item {
                let t = &record.trace;
                assert_eq!(t.target, sanitize_name(&t.target), "targets are stored sanitised");
                for hop in &t.hops {
                    assert!(hop.ttl > 0, "TTLs start at 1");
                    // A multipath trace (tracelb) holds every flow probed at a TTL.
                    assert!(
                        t.multipath.is_some() || hop.probes.len() <= 255,
                        "probes per hop are bounded"
                    );
                }
            }
        }
    }
    let _ = parse_bytes_as(data, "fuzz", Some(InputFormat::MtrJson));
});
