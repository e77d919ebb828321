//! scamper's multipath (`tracelb`) records in warts: any bytes, as they are (seeded with the
//! real files, tests/fixtures/many/tracelb-*.warts) and as the body of a tracelb object. Every
//! graph read must be well-formed: links join existing vertices one TTL apart, vertices in TTL
//! order, hops from TTL 1 in increasing order.
#![no_main]

use globetrace::import::{InputFormat, Item, Stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut framed = vec![0x12, 0x05, 0x00, 0x08];
    framed.extend_from_slice(&(data.len() as u32).to_be_bytes());
    framed.extend_from_slice(data);
    for input in [data.to_vec(), framed] {
        for item in Stream::new(Box::new(std::io::Cursor::new(input)), InputFormat::Warts) {
            let Ok(Item::Trace(record)) = item else {
                continue;
            };
            let t = &record.trace;
            assert!(t.hops.windows(2).all(|w| w[0].ttl < w[1].ttl), "hops in TTL order");
            assert!(t.hops.iter().all(|h| h.ttl > 0), "TTLs start at 1");
            let Some(m) = &t.multipath else { continue };
            assert!(m.nodes.windows(2).all(|w| w[0].ttl <= w[1].ttl), "vertices in TTL order");
            for l in &m.links {
                assert!(l.from < m.nodes.len() && l.to < m.nodes.len(), "links name vertices");
                assert_eq!(m.nodes[l.from].ttl + 1, m.nodes[l.to].ttl, "links span one TTL");
            }
        }
    }
});
