//! The warts reader against scamper's own tools on the same files: `sc_warts2text` and
//! `sc_warts2json` (read by the JSON reader) of the real files in tests/fixtures/many, plus
//! hand-built objects for what those files lack (MPLS extensions, references, damage).

use super::stream::Stream;
use super::test_support::{fixture, read};
use super::{InputFormat, WarningReason};
use proptest::prelude::*;
use std::net::IpAddr;

#[test]
fn warts_equals_its_sc_warts2json_and_sc_warts2text() {
    let (warts, warnings) = read(fixture("scamper-chain.warts"), InputFormat::Warts);
    assert!(warnings.is_empty(), "{warnings:?}");
    let (json, _) = read(fixture("scamper-chain.json"), InputFormat::ScamperJson);
    assert_eq!(warts.len(), 4);
    // Everything: hops, probes, RTTs to the microsecond, reply TTLs, kinds, identity.
    assert_eq!(warts, json);
    // And the hops sc_warts2text printed.
    let text = String::from_utf8(fixture("scamper-chain.txt")).unwrap();
    let mut printed: Vec<Vec<(u8, Option<IpAddr>)>> = Vec::new();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t[0] == "traceroute" {
            printed.push(Vec::new());
        } else {
            let hop = (t[0].parse().unwrap(), t[1].parse().ok());
            printed.last_mut().unwrap().push(hop);
        }
    }
    let read: Vec<Vec<(u8, Option<IpAddr>)>> = warts
        .iter()
        .map(|r| {
            r.trace
                .hops
                .iter()
                .map(|h| (h.ttl, h.responders().first().copied()))
                .collect()
        })
        .collect();
    assert_eq!(read, printed);
    assert_eq!(warts[0].identity.label, "default/0/10.0.3.2#1");
    assert_eq!(warts[0].identity.time, Some(1795929989));
}

#[test]
fn pantrace_warts_equals_its_json() {
    // 1,000 traces written by pantrace (IPv4 as ::ffff: mapped IPv6, no start time).
    let (warts, warnings) = read(fixture("pantrace-trace.warts"), InputFormat::Warts);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(warts.len(), 1000);
    assert!(warts
        .iter()
        .all(|r| r.trace.address.is_some_and(|a| a.is_ipv4())));
    let hops: usize = warts.iter().map(|r| r.trace.hops.len()).sum();
    assert!(hops > 10_000, "{hops} hops");
}

/// A warts object: magic, type, length, body.
fn object(kind: u16, body: &[u8]) -> Vec<u8> {
    let mut o = vec![0x12, 0x05];
    o.extend(kind.to_be_bytes());
    o.extend((body.len() as u32).to_be_bytes());
    o.extend(body);
    o
}

/// The flag bytes for `bits` (flag n is bit n-1): seven flags a byte, the high bit linking on.
fn flag_bytes(bits: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = bits;
    loop {
        let byte = (rest & 0x7f) as u8;
        rest >>= 7;
        out.push(if rest != 0 { byte | 0x80 } else { byte });
        if rest == 0 {
            return out;
        }
    }
}

/// A trace to 192.0.2.9 with the given hop records.
fn trace(hops: &[Vec<u8>]) -> Vec<u8> {
    // Flags 9 (attempts), 19 (hop count), 26 (src), 27 (dst).
    let mut data = vec![2u8, 0, 3];
    data.extend([4, 1, 192, 0, 2, 1, 4, 1, 192, 0, 2, 9]);
    let mut body = flag_bytes((1 << 8) | (1 << 18) | (1 << 25) | (1 << 26));
    body.extend((data.len() as u16).to_be_bytes());
    body.extend(data);
    body.extend((hops.len() as u16).to_be_bytes());
    for h in hops {
        body.extend(h);
    }
    body.extend([0, 0]);
    object(6, &body)
}

/// A hop record: TTL, attempt (from 0), 1 ms, ICMP type/code; `tail` holds flags 17 and 18.
fn hop(ttl: u8, attempt: u8, icmp: (u8, u8), tail: &[u8]) -> Vec<u8> {
    // Flags 2 (ttl), 5 (probe id), 6 (rtt), 7 (icmp), 17 (extensions), 18 (address).
    let mut data = vec![ttl, attempt, 0, 0, 0x03, 0xe8, icmp.0, icmp.1];
    data.extend(tail);
    let mut out = flag_bytes((1 << 1) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 16) | (1 << 17));
    out.extend((data.len() as u16).to_be_bytes());
    out.extend(data);
    out
}

#[test]
fn mpls_extensions_and_address_references() {
    // Hop 1 defines 198.51.100.1 (table index 2 after src and dst) with a two-label stack;
    // hop 2 refers to the destination (index 1) and answers with echo reply.
    let mut ext = vec![0, 12, 0, 8, 1, 1];
    ext.extend(((16u32 << 12) | (5 << 9) | 0xff).to_be_bytes());
    ext.extend(((17u32 << 12) | 0x100 | 1).to_be_bytes());
    let mut tail1 = ext;
    tail1.extend([4, 1, 198, 51, 100, 1]);
    let tail2 = [0, 0, 0, 0, 0, 0, 1];
    let file = trace(&[hop(1, 0, (11, 0), &tail1), hop(2, 1, (0, 0), &tail2)]);
    let (traces, warnings) = read(file, InputFormat::Warts);
    assert!(warnings.is_empty(), "{warnings:?}");
    let t = &traces[0].trace;
    assert_eq!(t.hops.len(), 3, "hop count 3: the silent third TTL is kept");
    let r1 = t.hops[0].replies().next().unwrap();
    assert_eq!(r1.address, "198.51.100.1".parse::<IpAddr>().unwrap());
    assert_eq!(r1.rtt, Some(std::time::Duration::from_millis(1)));
    let labels: Vec<(u32, u8, bool, u8)> = r1
        .mpls
        .iter()
        .map(|m| (m.label, m.tc, m.bottom, m.ttl))
        .collect();
    assert_eq!(labels, [(16, 5, false, 255), (17, 0, true, 1)]);
    // The second attempt answered at TTL 2: two probes, the first lost.
    assert_eq!((t.hops[1].sent(), t.hops[1].received()), (2, 1));
    assert_eq!(
        t.hops[1].responders(),
        ["192.0.2.9".parse::<IpAddr>().unwrap()]
    );
    assert_eq!((t.hops[2].sent(), t.hops[2].received()), (2, 0));
    assert_eq!(traces[0].identity.label, "-/-/192.0.2.9#1");
}

#[test]
fn damage_is_one_warning_each() {
    let good = trace(&[hop(1, 0, (0, 0), &[0, 0, 4, 1, 192, 0, 2, 9])]);
    // A reference to an address never defined: that trace is skipped, the next read.
    let bad = trace(&[hop(1, 0, (11, 0), &[0, 0, 0, 0, 0, 0, 9])]);
    let ping = object(7, &[0]);
    let mut file = [bad, ping, good.clone()].concat();
    let (traces, warnings) = read(file.clone(), InputFormat::Warts);
    assert_eq!(traces.len(), 1);
    let lines: Vec<usize> = warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [1, 2], "objects are numbered: {warnings:?}");
    assert!(
        matches!(&warnings[0].reason, WarningReason::BadRecord(w) if w.contains("reference 9"))
    );
    // Cut short inside the last object: what came before survives.
    file.truncate(file.len() - 3);
    let (traces, warnings) = read(file, InputFormat::Warts);
    assert_eq!(traces.len(), 0);
    assert_eq!(warnings.last().unwrap().reason, WarningReason::Unterminated);
    // Not warts at all after the first object: one warning, then the end.
    let mut junk = good;
    junk.extend(b"hello, this is text");
    let (traces, warnings) = read(junk, InputFormat::Warts);
    assert_eq!((traces.len(), warnings.len()), (1, 1));
    assert!(
        matches!(&warnings[0].reason, WarningReason::BadRecord(w) if w.contains("no warts object"))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any bytes read as warts end without a panic.
    #[test]
    fn any_bytes_are_read_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut warts = vec![0x12, 0x05, 0, 6];
        warts.extend(&bytes);
        for input in [bytes, warts] {
            for item in Stream::new(Box::new(std::io::Cursor::new(input)), InputFormat::Warts) {
                prop_assert!(item.is_ok());
            }
        }
    }

    /// The real file cut anywhere, or with one byte changed: no panic, and a cut file keeps
    /// every trace before the cut.
    #[test]
    fn real_file_cut_or_flipped(cut in 0usize..756, at in 0usize..756, byte in any::<u8>()) {
        let file = fixture("scamper-chain.warts");
        let (all, _) = read(file.clone(), InputFormat::Warts);
        let (some, _) = read(file[..cut].to_vec(), InputFormat::Warts);
        prop_assert!(some.len() <= all.len());
        prop_assert_eq!(&all[..some.len()], &some[..]);
        let mut flipped = file;
        flipped[at] = byte;
        for item in Stream::new(Box::new(std::io::Cursor::new(flipped)), InputFormat::Warts) {
            prop_assert!(item.is_ok());
        }
    }
}
