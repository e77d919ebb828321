//! scamper's warts binary for `globetrace annotate`: any bytes, with and without the object
//! magic in front, read object by object. Seeds: tests/fixtures/many/*.warts.
#![no_main]

use globetrace::import::{InputFormat, Item, Stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut framed = vec![0x12, 0x05, 0x00, 0x06];
    framed.extend_from_slice(data);
    for input in [data.to_vec(), framed] {
        for item in Stream::new(Box::new(std::io::Cursor::new(input)), InputFormat::Warts) {
            if let Ok(Item::Trace(record)) = item {
                for hop in &record.trace.hops {
                    assert!(hop.ttl > 0, "TTLs start at 1");
                    // A multipath trace (tracelb) holds every flow probed at a TTL.
                    assert!(
                        record.trace.multipath.is_some() || hop.probes.len() <= 64,
                        "probes per hop are bounded"
                    );
                }
            }
        }
    }
});
