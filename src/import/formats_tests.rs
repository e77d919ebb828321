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

fn doc(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn pathping_reads_the_statistics_table() {
    // The example in Microsoft's pathping documentation: "Source to Here" lost/sent per hop.
    let read = parse_bytes(&doc("pathping-docs.txt"), "pp").unwrap();
    assert_eq!(read.format, InputFormat::Pathping);
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(
        shape(&read.trace),
        [
            (1, vec![ip("172.16.87.218")], 100, 100),
            (2, vec![ip("192.168.52.1")], 100, 84),
            (3, vec![ip("192.168.80.1")], 100, 87),
            (4, vec![ip("10.54.247.14")], 100, 86),
            (5, vec![ip("10.54.1.196")], 100, 87),
        ]
    );
    let rtts: Vec<u128> = read
        .trace
        .hops
        .iter()
        .map(|h| h.replies().next().unwrap().rtt.unwrap().as_millis())
        .collect();
    assert_eq!(rtts, [41, 22, 24, 21, 24]);
    assert_eq!(read.trace.source, Some(ip("172.16.87.35")));
    assert_eq!(read.trace.target, "contoso1");
    assert!(read.trace.reached);

    let names = parse_bytes(&doc("pathping-names.txt"), "pp").unwrap();
    assert_eq!(names.format, InputFormat::Pathping);
    assert!(names.warnings.is_empty(), "{:?}", names.warnings);
    assert_eq!(
        shape(&names.trace),
        [
            (1, vec![ip("192.168.1.1")], 50, 50),
            (2, vec![ip("198.51.100.1")], 50, 47),
            (3, vec![], 50, 0),
            (4, vec![ip("192.0.2.80")], 50, 50),
        ]
    );
    let first = names.trace.hops[0].replies().next().unwrap();
    assert_eq!(first.hostname.as_deref(), Some("router.home.example"));
    assert!(names.trace.reached);
}

#[test]
fn winmtr_rows_are_hops_in_order() {
    let read = parse_bytes(&doc("winmtr.txt"), "w").unwrap();
    assert_eq!(read.format, InputFormat::Winmtr);
    // The row with a name instead of an address is left out; its TTL (4) stays counted.
    assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
    assert_eq!(read.warnings[0].line, 8);
    assert_eq!(
        read.warnings[0].reason,
        WarningReason::NameOnly("core1.isp.example.net".into())
    );
    assert_eq!(
        shape(&read.trace),
        [
            (1, vec![ip("192.168.1.1")], 60, 60),
            (2, vec![], 12, 0),
            (3, vec![ip("198.51.100.1")], 60, 57),
            (5, vec![ip("192.0.2.80")], 60, 60),
        ]
    );
    let avg = read.trace.hops[2].replies().next().unwrap().rtt;
    assert_eq!(avg, Some(std::time::Duration::from_millis(10)));

    let left = parse_bytes(&doc("winmtr6-left.txt"), "w6").unwrap();
    assert_eq!(left.format, InputFormat::Winmtr);
    assert!(left.warnings.is_empty(), "{:?}", left.warnings);
    assert_eq!(
        shape(&left.trace),
        [
            (1, vec![ip("2001:db8:1::1")], 30, 30),
            (2, vec![ip("2001:db8:ff::2")], 30, 27),
            (3, vec![ip("2001:db8:80::80")], 30, 30),
        ]
    );
}

#[test]
fn huawei_tracert_with_its_prompt_and_banner() {
    let read = parse_bytes(&doc("huawei.txt"), "h").unwrap();
    assert_eq!(read.format, InputFormat::Huawei);
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(
        shape(&read.trace),
        [
            (1, vec![ip("10.1.1.1")], 3, 3),
            (2, vec![], 3, 0),
            (3, vec![ip("10.3.3.3")], 3, 3),
            (4, vec![ip("192.0.2.9")], 3, 3),
        ]
    );
    assert_eq!(read.trace.address, Some(ip("192.0.2.9")));
    assert!(read.trace.reached);

    let v6 = parse_bytes(&doc("huawei6.txt"), "h6").unwrap();
    assert_eq!(v6.format, InputFormat::Huawei);
    assert!(v6.warnings.is_empty(), "{:?}", v6.warnings);
    assert_eq!(v6.trace.address, Some(ip("2001:db8:2::2")));
    assert_eq!(v6.trace.hops.len(), 2);
    assert!(v6.trace.reached);
}

#[test]
fn mikrotik_keeps_the_last_table_drawn() {
    let read = parse_bytes(&doc("mikrotik.txt"), "m").unwrap();
    assert_eq!(read.format, InputFormat::Mikrotik);
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(
        shape(&read.trace),
        [
            (1, vec![ip("10.0.1.17")], 3, 3),
            (2, vec![], 3, 0),
            (3, vec![ip("198.51.100.7")], 3, 3),
            (4, vec![ip("192.0.2.9")], 3, 2),
        ]
    );
    let labels = &read.trace.hops[2].replies().next().unwrap().mpls;
    assert_eq!(labels.len(), 1);
    assert_eq!((labels[0].label, labels[0].bottom), (24005, true));
    assert!(read.trace.reached);

    let v7 = parse_bytes(&doc("mikrotik7.txt"), "m7").unwrap();
    assert_eq!(v7.format, InputFormat::Mikrotik);
    assert!(v7.warnings.is_empty(), "{:?}", v7.warnings);
    assert_eq!(
        shape(&v7.trace),
        [
            (1, vec![ip("2001:db8:1::1")], 2, 2),
            (2, vec![ip("2001:db8:5::1")], 2, 2),
            (3, vec![ip("2001:db8:9::9")], 2, 2),
        ]
    );
    assert!(v7.trace.reached);
}

#[test]
fn arista_is_linux_traceroute_after_an_eos_prompt() {
    let read = parse_bytes(&doc("arista.txt"), "a").unwrap();
    assert_eq!(read.format, InputFormat::Arista);
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(
        shape(&read.trace),
        [
            (1, vec![ip("10.0.0.1")], 3, 3),
            (2, vec![ip("198.51.100.1")], 3, 3),
            (3, vec![], 3, 0),
            (4, vec![ip("192.0.2.9")], 3, 3),
        ]
    );
    assert!(read.trace.reached);
    // Without the prompt it is Linux traceroute output, and read as that, hop for hop.
    let text = String::from_utf8(doc("arista.txt")).unwrap();
    let bare: String = text
        .lines()
        .skip(1)
        .take(5)
        .map(|l| format!("{l}\n"))
        .collect();
    let linux = parse_bytes(bare.as_bytes(), "l").unwrap();
    assert_eq!(linux.format, InputFormat::Traceroute);
    assert_eq!(shape(&linux.trace), shape(&read.trace));
}

/// Every text fixture and the format it is in.
fn every_text_fixture() -> Vec<(String, Vec<u8>, InputFormat)> {
    let mut out = Vec::new();
    for dir in ["import", "many"] {
        let path = format!("{}/tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for name in names {
            let format = match name.as_str() {
                n if n.ends_with(".md") || n.ends_with(".sh") => continue,
                n if n.ends_with(".json") || n.ends_with(".jsonl") || n.ends_with(".warts") => {
                    continue
                }
                "scamper-chain.txt" => continue, // sc_warts2text: four traces, not a format read
                n if n.starts_with("traceroute") || n.starts_with("inetutils") => {
                    InputFormat::Traceroute
                }
                "junos.txt" => InputFormat::Traceroute,
                n if n.starts_with("tracert") => InputFormat::Tracert,
                n if n.starts_with("tracepath") => InputFormat::Tracepath,
                n if n.starts_with("cisco") => InputFormat::Cisco,
                "list.txt" => InputFormat::AddressList,
                n if n.ends_with(".xml") => InputFormat::MtrXml,
                n if n.ends_with(".csv") => InputFormat::MtrCsv,
                n if n.ends_with(".raw") => InputFormat::MtrRaw,
                n if n.starts_with("mtr") => InputFormat::Mtr,
                n if n.starts_with("pathping") => InputFormat::Pathping,
                n if n.starts_with("winmtr") => InputFormat::Winmtr,
                n if n.starts_with("huawei") => InputFormat::Huawei,
                n if n.starts_with("mikrotik") => InputFormat::Mikrotik,
                n if n.starts_with("arista") => InputFormat::Arista,
                n => panic!("fixture {n} has no expected format here"),
            };
            let bytes = std::fs::read(format!("{path}/{name}")).unwrap();
            out.push((name, bytes, format));
        }
    }
    out
}

#[test]
fn every_text_fixture_is_detected_as_its_own_format() {
    let fixtures = every_text_fixture();
    assert!(fixtures.len() >= 45, "{}", fixtures.len());
    for (name, bytes, format) in fixtures {
        // mtr-names-only.txt has no address at all: nothing to read, but still known as mtr.
        match parse_bytes(&bytes, &name) {
            Ok(read) => assert_eq!(read.format, format, "{name}"),
            Err(super::ImportError::NoHops {
                format: Some(f), ..
            }) => assert_eq!(f, format, "{name}"),
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn the_new_readers_take_nothing_from_other_formats() {
    // Forced on another format's file, each new reader finds no hops, or fewer than the file's
    // own reader, and never panics.
    let new = [
        InputFormat::Tracepath,
        InputFormat::MtrXml,
        InputFormat::Pathping,
        InputFormat::Winmtr,
        InputFormat::Mikrotik,
        InputFormat::Huawei,
        InputFormat::Arista,
    ];
    for (name, bytes, own) in every_text_fixture() {
        let own_hops = super::parse_bytes_as(&bytes, &name, Some(own))
            .map(|r| r.trace.hops.iter().filter(|h| h.received() > 0).count())
            .unwrap_or(0);
        for format in new.into_iter().filter(|f| *f != own) {
            let wraps_traceroute = matches!(format, InputFormat::Huawei | InputFormat::Arista);
            match super::parse_bytes_as(&bytes, &name, Some(format)) {
                Err(super::ImportError::NoHops { .. }) => {}
                Ok(read) if wraps_traceroute => {
                    // These read hop lines as traceroute does, but never claim another's file.
                    assert!(
                        !read.warnings.is_empty() || own == InputFormat::Traceroute,
                        "{name} as {format}"
                    );
                }
                Ok(read) => {
                    let answered = read.trace.hops.iter().filter(|h| h.received() > 0).count();
                    panic!("{name} read as {format}: {answered} answered hops (own: {own_hops})");
                }
                Err(e) => panic!("{name} as {format}: {e}"),
            }
        }
    }
}

#[test]
fn router_prompts_in_brackets_are_text_not_json() {
    use super::stream::sniff;
    for text in [
        "[admin@MikroTik] > /tool traceroute 192.0.2.9",
        "[~HUAWEI] tracert 192.0.2.9",
    ] {
        assert_eq!(sniff(text.as_bytes()), InputFormat::Traceroute, "{text}");
    }
    for json in [
        "[{\"prb_id\": 1}]",
        "[\n  {\"msm_id\": 5}",
        "[]",
        "{\"report\": {\"hubs\": []}}",
    ] {
        assert_ne!(sniff(json.as_bytes()), InputFormat::Traceroute, "{json}");
    }
}
