//! The readers added for tracepath, mtr XML, pathping, WinMTR and the router CLIs, on files the
//! real tools wrote here (tests/fixtures/many) and on the documented layouts
//! (tests/fixtures/import): each hop's responders equal what the tool printed, each format is
//! detected by content and never taken for another.

use super::{parse_bytes, InputFormat, WarningReason};
use crate::trace::{ReplyKind, Trace, Unreachable};
use std::net::IpAddr;

fn many(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/many/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Each hop as (TTL, responders, probes sent, probes answered).
fn shape(t: &Trace) -> Vec<(u8, Vec<IpAddr>, usize, usize)> {
    t.hops
        .iter()
        .map(|h| (h.ttl, h.responders(), h.sent(), h.received()))
        .collect()
}

#[test]
fn tracepath_hops_are_the_lines_it_printed() {
    // tracepath -n: hop 1 twice, hop 2 a "pmtu 1400" from r1 then "no reply", hop 3 "asymm 5",
    // hop 4 "reached".
    let read = parse_bytes(&many("tracepath-chain.txt"), "tp").unwrap();
    assert_eq!(read.format, InputFormat::Tracepath);
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(
        shape(&read.trace),
        [
            (1, vec![ip("10.0.0.2")], 2, 2),
            (2, vec![ip("10.0.0.2")], 2, 1),
            (3, vec![ip("10.0.2.2")], 1, 1),
            (4, vec![ip("10.0.3.2")], 1, 1),
        ]
    );
    let hop2 = read.trace.hops[1].replies().next().unwrap();
    assert_eq!(
        hop2.kind,
        ReplyKind::Unreachable(Unreachable::FragmentationNeeded)
    );
    assert_eq!(hop2.rtt, Some(std::time::Duration::from_micros(12)));
    let last = read.trace.hops[3].replies().next().unwrap();
    assert_eq!(last.kind, ReplyKind::PortUnreachable);
    assert!(read.trace.reached);
    assert_eq!(read.trace.address, Some(ip("10.0.3.2")));

    // tracepath -b: names from the namespace's hosts file, the address in parentheses.
    let b = parse_bytes(&many("tracepath-chain-b.txt"), "tpb").unwrap();
    assert_eq!(b.format, InputFormat::Tracepath);
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    assert_eq!(
        shape(&b.trace),
        [
            (1, vec![ip("10.0.0.2")], 2, 2),
            (2, vec![], 1, 0),
            (3, vec![ip("10.0.2.2")], 1, 1),
            (4, vec![ip("10.0.3.2")], 1, 1),
        ]
    );
    let names: Vec<Option<&str>> = b
        .trace
        .hops
        .iter()
        .map(|h| h.replies().next().and_then(|r| r.hostname.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            Some("r1.chain.example"),
            None,
            Some("r3.chain.example"),
            Some("dst.chain.example")
        ]
    );
    assert_eq!(b.trace.target, "dst.chain.example");

    let v6 = parse_bytes(&many("tracepath6-chain.txt"), "tp6").unwrap();
    assert_eq!(v6.format, InputFormat::Tracepath);
    assert!(v6.warnings.is_empty(), "{:?}", v6.warnings);
    assert_eq!(
        shape(&v6.trace),
        [
            (1, vec![ip("fd00::2")], 2, 2),
            (2, vec![ip("fd00::2")], 2, 1),
            (3, vec![ip("fd00:0:0:2::2")], 1, 1),
            (4, vec![ip("fd00:0:0:3::2")], 1, 1),
        ]
    );
    assert!(v6.trace.reached);
}

#[test]
fn mtr_xml_equals_the_report_of_the_same_chain() {
    for (xml, report) in [
        ("mtr-chain.xml", "mtr-chain-xml-report.txt"),
        ("mtr6-chain.xml", "mtr6-chain-xml-report.txt"),
    ] {
        let read = parse_bytes(&many(xml), xml).unwrap();
        assert_eq!(read.format, InputFormat::MtrXml, "{xml}");
        assert!(read.warnings.is_empty(), "{xml}: {:?}", read.warnings);
        let text = parse_bytes(&many(report), report).unwrap();
        assert_eq!(text.format, InputFormat::Mtr);
        assert_eq!(shape(&read.trace), shape(&text.trace), "{xml}");
        assert_eq!(read.trace.hops.len(), 4);
        assert_eq!(read.trace.hops[1].received(), 0);
        assert!(read.trace.reached, "{xml}");
    }
}

#[test]
fn a_broken_xml_hub_is_one_warning_with_its_line() {
    let text = String::from_utf8(many("mtr-chain.xml")).unwrap();
    let broken = text.replacen("<Snt>     5</Snt>", "<Snt>     5", 1);
    let read = parse_bytes(broken.as_bytes(), "x").unwrap();
    assert_eq!(read.format, InputFormat::MtrXml);
    assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
    assert_eq!(read.warnings[0].line, 5);
    assert_eq!(read.warnings[0].reason, WarningReason::Unrecognized);
}
