//! The many-trace readers against real samples: each trace's hops and responders must equal
//! what the producing tool says (scamper's own text of the same warts file, the Atlas JSON read
//! independently, mtr's report of the same chain).

use super::stream::{sniff, Record, Stream};
use super::test_support::{fixture, read};
use super::{InputFormat, WarningReason};
use crate::trace::{ReplyKind, Unreachable};
use proptest::prelude::*;
use std::net::IpAddr;

/// `(ttl, responders)` of each hop.
fn hops(r: &Record) -> Hops {
    r.trace
        .hops
        .iter()
        .map(|h| (h.ttl, h.responders()))
        .collect()
}

/// `(ttl, responders)` of each hop of one trace.
type Hops = Vec<(u8, Vec<IpAddr>)>;

/// The hops `sc_warts2text` printed: `traceroute from A to B` then ` N  addr  rtt ms` or ` N  *`.
fn scamper_text(text: &str) -> Vec<(IpAddr, Hops)> {
    let mut out: Vec<(IpAddr, Hops)> = Vec::new();
    for line in text.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.first() == Some(&"traceroute") {
            out.push((tokens[4].parse().unwrap(), Vec::new()));
            continue;
        }
        let ttl: u8 = tokens[0].parse().unwrap();
        let responders = tokens[1].parse().into_iter().collect();
        out.last_mut().unwrap().1.push((ttl, responders));
    }
    out
}

#[test]
fn scamper_json_equals_scamper_text() {
    let (traces, warnings) = read(fixture("scamper-chain.json"), InputFormat::ScamperJson);
    assert!(warnings.is_empty(), "{warnings:?}");
    let text = String::from_utf8(fixture("scamper-chain.txt")).unwrap();
    let expected = scamper_text(&text);
    assert_eq!(traces.len(), expected.len());
    for (r, (dst, want)) in traces.iter().zip(&expected) {
        assert_eq!(r.trace.address, Some(*dst));
        assert_eq!(hops(r), *want, "trace to {dst}");
    }
    // The IPv6 UDP trace got no reply at all (scamper printed five `*` hops).
    let reached: Vec<bool> = traces.iter().map(|r| r.trace.reached).collect();
    assert_eq!(reached, [true, true, true, false]);
    assert_eq!(traces.len(), 4);
    // Identity: the cycle-start record's list, cycle and monitor; positions count traces.
    let id = &traces[0].identity;
    assert_eq!(id.label, "default/0/10.0.3.2#1");
    assert_eq!(id.tool.as_deref(), Some("scamper"));
    assert_eq!(id.vantage.as_deref(), Some("vm"));
    assert_eq!(traces[3].identity.position, 4);
    // The silent router sent `attempts` probes; answered hops as many as the attempt answered.
    let first = &traces[0].trace;
    assert_eq!((first.hops[1].sent(), first.hops[1].received()), (2, 0));
    assert_eq!(
        first.hops[0].replies().next().unwrap().kind,
        ReplyKind::TimeExceeded
    );
    assert_eq!(
        first.hops[3].replies().next().unwrap().kind,
        ReplyKind::EchoReply
    );
    let udp = &traces[2].trace;
    assert_eq!(
        udp.hops[3].replies().next().unwrap().kind,
        ReplyKind::PortUnreachable
    );
}

#[test]
fn scamper_mapped_addresses_become_ipv4_and_odd_records_are_warnings() {
    let text = concat!(
        "{\"type\":\"cycle-start\", \"list_name\":\"ark\", \"id\":7, \"hostname\":\"mon1\"}\n",
        "{\"type\":\"trace\", \"dst\":\"::ffff:192.0.2.9\", \"attempts\":1, \"firsthop\":1, ",
        "\"hop_count\":2, \"stop_reason\":\"COMPLETED\", \"hops\":[{\"addr\":\"::ffff:192.0.2.1\", ",
        "\"probe_ttl\":1, \"probe_id\":1, \"rtt\":1.5, \"icmp_type\":11, \"icmp_code\":0, ",
        "\"icmpext\":[{\"ie_cn\":1,\"ie_ct\":1,\"mpls_labels\":[{\"mpls_ttl\":1,\"mpls_s\":1,",
        "\"mpls_exp\":0,\"mpls_label\":16005}]}]},",
        "{\"addr\":\"::ffff:192.0.2.9\", \"probe_ttl\":2, \"probe_id\":1, \"rtt\":2.5, ",
        "\"icmp_type\":0, \"icmp_code\":0}]}\n",
        "{\"type\":\"tracelb\", \"dst\":\"192.0.2.9\"}\n",
        "{\"type\":\"ping\", \"dst\":\"192.0.2.9\"}\n",
        "not json at all\n",
        "{\"type\":\"trace\", \"dst\":\"nowhere\"}\n",
    );
    let (traces, warnings) = read(text.as_bytes().to_vec(), InputFormat::ScamperJson);
    assert_eq!(traces.len(), 1);
    let t = &traces[0];
    let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
    assert_eq!(t.trace.address, Some(v4("192.0.2.9")));
    assert_eq!(
        hops(t),
        vec![(1, vec![v4("192.0.2.1")]), (2, vec![v4("192.0.2.9")])]
    );
    assert_eq!(
        t.trace.hops[0].probes[0].as_ref().unwrap().mpls[0].label,
        16005
    );
    assert!(t.trace.reached);
    assert_eq!(t.identity.label, "ark/7/192.0.2.9#1");
    let lines: Vec<usize> = warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [3, 4, 5, 6]);
    assert!(matches!(&warnings[0].reason, WarningReason::BadRecord(w) if w.contains("tracelb")));
    assert_eq!(warnings[2].reason, WarningReason::Unrecognized);
}

#[test]
fn atlas_lines_equal_the_results_read_independently() {
    let bytes = fixture("atlas-pantrace.jsonl");
    let (traces, warnings) = read(bytes.clone(), InputFormat::Atlas);
    assert!(warnings.is_empty(), "{warnings:?}");
    let text = String::from_utf8(bytes).unwrap();
    let results: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(traces.len(), results.len());
    assert_eq!(traces.len(), 14);
    for (r, v) in traces.iter().zip(&results) {
        let want: Vec<(u8, Vec<IpAddr>, usize)> = v["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                let packets = h["result"].as_array().unwrap();
                let mut from: Vec<IpAddr> = Vec::new();
                for a in packets.iter().filter_map(|p| p["from"].as_str()) {
                    let a = a.parse().unwrap();
                    if !from.contains(&a) {
                        from.push(a);
                    }
                }
                (h["hop"].as_u64().unwrap() as u8, from, packets.len())
            })
            .collect();
        let got: Vec<(u8, Vec<IpAddr>, usize)> = r
            .trace
            .hops
            .iter()
            .map(|h| (h.ttl, h.responders(), h.sent()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(r.identity.time, v["timestamp"].as_i64());
        assert_eq!(r.identity.vantage.as_deref(), Some("probe 53023"));
        assert_eq!(r.identity.measurement.as_deref(), Some("29792007"));
        assert_eq!(r.trace.source, Some("185.219.13.69".parse().unwrap()));
    }
}

#[test]
fn atlas_markers_are_read_as_documented() {
    let (traces, warnings) = read(fixture("atlas-features.json"), InputFormat::Atlas);
    assert_eq!(traces.len(), 4);
    let a = &traces[0].trace;
    // `dup` and `late` are not probes: hop 2 sent 3 (one answered), hop 4 sent 3 (none).
    assert_eq!((a.hops[1].sent(), a.hops[1].received()), (3, 1));
    assert_eq!((a.hops[3].sent(), a.hops[3].received()), (3, 0));
    // Two responders at hop 3, the first with its MPLS label.
    assert_eq!(a.hops[2].responders().len(), 2);
    let mpls = &a.hops[2].probes[0].as_ref().unwrap().mpls;
    assert_eq!(
        (mpls[0].label, mpls[0].bottom, mpls[0].ttl),
        (24017, true, 1)
    );
    assert!(a.reached);
    assert_eq!(a.target, "k.root-servers.example");
    assert_eq!(
        a.hops[4].replies().next().unwrap().kind,
        ReplyKind::EchoReply
    );
    // IPv6, prohibited.
    let b = &traces[1].trace;
    assert_eq!(
        b.hops[1].replies().next().unwrap().kind,
        ReplyKind::Unreachable(Unreachable::AdminProhibited)
    );
    assert!(!b.reached);
    // UDP to a closed port: `err` `p` at the destination is arrival.
    let d = &traces[3].trace;
    assert_eq!(
        d.hops[1].replies().next().unwrap().kind,
        ReplyKind::PortUnreachable
    );
    assert!(d.reached);
    // The unsendable hop and the ping result are warnings with their lines.
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0].line, 13);
    assert!(
        matches!(&warnings[0].reason, WarningReason::RecordNote(n) if n.contains("sendto failed"))
    );
    assert_eq!(warnings[1].line, 16);
    assert!(matches!(&warnings[1].reason, WarningReason::BadRecord(n) if n.contains("ping")));
}

#[test]
fn atlas_object_array_and_lines_read_alike() {
    let text = String::from_utf8(fixture("atlas-pantrace.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let array = format!("[\n{}\n]", lines.join(",\n"));
    let (from_lines, _) = read(text.clone().into_bytes(), InputFormat::Atlas);
    let (from_array, _) = read(array.into_bytes(), InputFormat::Atlas);
    let (single, _) = read(lines[0].as_bytes().to_vec(), InputFormat::Atlas);
    let traces = |v: &[Record]| v.iter().map(|r| r.trace.clone()).collect::<Vec<_>>();
    assert_eq!(traces(&from_lines), traces(&from_array));
    assert_eq!(traces(&single), traces(&from_lines[..1]));
}

#[test]
fn formats_are_sniffed_from_the_first_bytes() {
    assert_eq!(sniff(&fixture("atlas-pantrace.jsonl")), InputFormat::Atlas);
    assert_eq!(sniff(&fixture("atlas-features.json")), InputFormat::Atlas);
    assert_eq!(
        sniff(&fixture("scamper-chain.json")),
        InputFormat::ScamperJson
    );
    assert_eq!(sniff(&fixture("mtr-chain.json")), InputFormat::MtrJson);
    assert_eq!(sniff(&fixture("scamper-chain.warts")), InputFormat::Warts);
    assert_eq!(sniff(&fixture("pantrace-trace.warts")), InputFormat::Warts);
    assert_eq!(
        sniff(&fixture("mtr-chain-report.txt")),
        InputFormat::Traceroute
    );
}

#[test]
fn mtr_json_equals_mtr_report() {
    let json = super::mtr_json::parse(&fixture("mtr-chain.json"), "json").unwrap();
    let report = super::parse_bytes(&fixture("mtr-chain-report.txt"), "report").unwrap();
    assert!(json.warnings.is_empty(), "{:?}", json.warnings);
    let shape = |t: &crate::trace::Trace| -> Vec<(u8, Vec<IpAddr>, usize, usize)> {
        t.hops
            .iter()
            .map(|h| (h.ttl, h.responders(), h.sent(), h.received()))
            .collect()
    };
    assert_eq!(shape(&json.trace), shape(&report.trace));
    assert_eq!(json.trace.hops.len(), 4);
    assert!(json.trace.reached);
    let v6 = super::mtr_json::parse(&fixture("mtr6-chain.json"), "json6").unwrap();
    assert_eq!(
        v6.trace.hops.last().unwrap().responders(),
        vec!["fd00:0:0:3::2".parse::<IpAddr>().unwrap()]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any bytes, read as either many-trace format, end without a panic.
    #[test]
    fn any_bytes_are_read_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for format in [InputFormat::Atlas, InputFormat::ScamperJson] {
            for item in Stream::new(Box::new(std::io::Cursor::new(bytes.clone())), format) {
                prop_assert!(item.is_ok());
            }
        }
    }

    /// Garbage between records costs warnings, never the records around it.
    #[test]
    fn garbage_between_records_loses_nothing(
        garbage in proptest::collection::vec("[a-z !?:0-9]{1,20}", 0..6),
        cut in 0usize..14,
    ) {
        let text = String::from_utf8(fixture("atlas-pantrace.jsonl")).unwrap();
        let mut mixed = String::new();
        for (i, line) in text.lines().enumerate() {
            if let Some(g) = garbage.get(i) {
                mixed.push_str(g);
                mixed.push('\n');
            }
            mixed.push_str(line);
            mixed.push('\n');
        }
        // And the file cut short inside a record: the records before it survive.
        let lines: Vec<&str> = text.lines().collect();
        let mut truncated = lines[..cut].join("\n");
        truncated.push('\n');
        truncated.push_str(&lines[cut][..lines[cut].len() / 2]);
        let (all, _) = read(mixed.into_bytes(), InputFormat::Atlas);
        prop_assert_eq!(all.len(), 14);
        let (some, warnings) = read(truncated.into_bytes(), InputFormat::Atlas);
        prop_assert_eq!(some.len(), cut);
        prop_assert_eq!(warnings.last().map(|w| &w.reason), Some(&WarningReason::Unterminated));
    }
}

#[test]
fn mtr_csv_and_raw_equal_mtr_json_of_the_same_chain() {
    let json = super::mtr_json::parse(&fixture("mtr-chain.json"), "json").unwrap();
    let shape = |t: &crate::trace::Trace| -> Vec<(u8, Vec<IpAddr>, usize)> {
        t.hops
            .iter()
            .map(|h| (h.ttl, h.responders(), h.sent()))
            .collect()
    };
    for (name, format) in [
        ("mtr-chain.csv", InputFormat::MtrCsv),
        ("mtr-chain.raw", InputFormat::MtrRaw),
    ] {
        let read = super::parse_bytes(&fixture(name), name).unwrap();
        assert_eq!(read.format, format, "{name} detected");
        assert!(read.warnings.is_empty(), "{name}: {:?}", read.warnings);
        assert_eq!(shape(&read.trace), shape(&json.trace), "{name}");
    }
    // The raw record keeps each probe's own RTT (µs in the file).
    let raw = super::parse_bytes(&fixture("mtr-chain.raw"), "raw").unwrap();
    let first = raw.trace.hops[0].replies().next().unwrap();
    assert_eq!(first.rtt, Some(std::time::Duration::from_micros(66)));
    let v6 = super::parse_bytes(&fixture("mtr6-chain.raw"), "raw6").unwrap();
    assert_eq!(
        v6.trace.hops.last().unwrap().responders(),
        vec!["fd00:0:0:3::2".parse::<IpAddr>().unwrap()]
    );
}

#[test]
fn mtr_raw_oddities_are_warnings() {
    let text = "x 0 1\nh 0 192.0.2.1\nd 0 gw.example\np 0 1500 1\np 1 10 2\nh 0 not-an-ip\nq 0 0\n\
                x 0 3\np 0 900 3\n";
    let read = super::parse_bytes(text.as_bytes(), "raw").unwrap();
    assert_eq!(read.format, InputFormat::MtrRaw);
    let hop = &read.trace.hops[0];
    assert_eq!((hop.sent(), hop.received()), (2, 2));
    assert_eq!(
        hop.replies().next().unwrap().hostname.as_deref(),
        Some("gw.example")
    );
    let lines: Vec<usize> = read.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [5, 6, 7]);
}

#[test]
fn junos_traceroute_with_mpls_lines() {
    let text = String::from_utf8(
        std::fs::read(format!(
            "{}/tests/fixtures/import/junos.txt",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let read = super::parse(&text, "junos").unwrap();
    assert_eq!(read.format, InputFormat::Traceroute);
    // Only the router prompt is not a traceroute line.
    assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
    assert_eq!(read.warnings[0].line, 1);
    let hop1 = &read.trace.hops[0];
    assert!(hop1
        .replies()
        .all(|r| r.mpls.len() == 1 && r.mpls[0].label == 299776 && r.mpls[0].bottom));
    assert_eq!(read.trace.hops[1].responders().len(), 2);
    assert!(read.trace.reached);
}
