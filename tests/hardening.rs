//! Hostile input, end to end: everything a network or a file can hand globetrace.
//!
//! Replies are read from raw sockets, so anyone on the path — or any program on the host — can
//! put bytes in front of the decoders; saved traces come from strangers; exports are opened in
//! spreadsheets. This file holds what must stay true whatever arrives:
//!
//! - property tests (normal suite, no root): no decoder or import parser panics on arbitrary
//!   bytes or on mutations of valid replies, well-formed quotes decode to exactly what they
//!   quote, and name sanitising leaves nothing a terminal acts on (the long runs are the
//!   cargo-fuzz targets in `tests/fuzz/`);
//! - `annotate --format csv` neutralises host names a spreadsheet would run as formulas;
//! - in network namespaces (root): forged ICMP from on the path is counted (`-v`), never
//!   attributed to a hop; SIGTERM ends a trace like Ctrl-C, exporting the hops found so far.

mod common;

use common::netns::{python, Topology};
use common::run::{binary, parse};
use globetrace::import::InputFormat;
use globetrace::probe::packet::{
    decode_icmp, decode_ipv4, decode_tcp, echo_request_fields, encode_probe, parse_extensions,
    Family, Flow, FlowKind, Message, QuotedProbe, Sequence,
};
use globetrace::text::{sanitize_name, MAX_NAME_CHARS};
use proptest::prelude::*;
use proptest::sample::Index;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Valid replies (from the decoder's own byte-exact fixtures): IPv4 datagrams as a raw socket
/// reads them, then ICMPv6 messages, then TCP segments.
const IPV4: &[&str] = &[
    "4500004e1c464000fe0194660a000001c00002010b00f4ff00000000450000321c46400001017149c0000201c63364070800beef123400051288676c6f626574726163652d70726f626500000000",
    "4500004e1c4640003e01342dc6336407c00002010303e96800000000450000321c46400002117039c0000201c63364079c40829a001e000ae041676c6f626574726163652d70726f626500000000",
    "450000381c4640003f01537c0a000002c00002010301b49c000000004500001c1c4640000106715ac0000201c63364079c410050abcd0003",
    "450000321c4640003d013549c6336407c00002010000c6ef123400051288676c6f626574726163652d70726f626500000000",
    "450000281c4640003d06354ec6336407c000020100509c4111111111abcd00045012ffff00000000",
    // Time exceeded with a 128-byte quote and an RFC 4950 MPLS extension (two labels).
    "450000ac1c464000fd0195060a000003c00002010b00f4df00200000450000321c46400001017149c0000201c63364070800beef123400051288676c6f626574726163652d70726f626500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000020007d15000c010105dc500100010bff",
];
const ICMPV6: &[&str] = &[
    "030063380000000060000000001e3a0120010db800000000000000000000000120010db80000000000000000000000028000111101020a0bf3c4676c6f626574726163652d70726f626500000000",
    "01018e0c0000000060000000001e110320010db800000000000000000000000120010db800000000000000000000000203e8829a001e012d083f676c6f626574726163652d70726f626500000000",
    "81006bde01020a0bf3c4676c6f626574726163652d70726f626500000000",
    "0300970400000000600000000018060120010db800000000000000000000000120010db80000000000000000000000029c4101bb12340007000000006002faf091890000020405b4",
];
const TCP: &[&str] = &[
    "01bb9c4100000000abcd00045014ffff00000000",
    "01bb9c41deadbeef123400085012ffff00000000",
];

/// Every decoder at once: none may panic, whatever the bytes.
fn decode_everything(bytes: &[u8]) {
    let _ = decode_ipv4(bytes);
    let _ = decode_icmp(Family::V4, bytes);
    let _ = decode_icmp(Family::V6, bytes);
    let _ = decode_tcp(bytes);
    let _ = parse_extensions(bytes);
    let _ = echo_request_fields(Family::V4, bytes);
    let _ = echo_request_fields(Family::V6, bytes);
}

/// A valid packet with some bytes flipped, perhaps cut short, perhaps with bytes appended.
fn mutated(fixtures: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (
        any::<Index>(),
        prop::collection::vec((any::<Index>(), 1u8..=255), 0..6),
        prop::option::of(any::<Index>()),
        prop::collection::vec(any::<u8>(), 0..48),
    )
        .prop_map(|(which, flips, cut, tail)| {
            let mut b = hex(fixtures[which.index(fixtures.len())]);
            for (at, x) in flips {
                let i = at.index(b.len());
                b[i] ^= x;
            }
            if let Some(cut) = cut {
                b.truncate(cut.index(b.len() + 1));
            }
            b.extend(tail);
            b
        })
}

/// An IPv4 header (no options; checksum and length unchecked by the decoders).
fn ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, ttl: u8) -> Vec<u8> {
    let mut h = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, ttl, protocol, 0, 0];
    h.extend(src.octets());
    h.extend(dst.octets());
    h
}

/// Saved-trace fixtures of every text format, read once: the hand-written and captured ones,
/// and the tool-made tracepath and `mtr --xml` files of the many-trace directory.
fn import_fixtures() -> &'static [Vec<u8>] {
    static FIXTURES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files: Vec<_> = std::fs::read_dir(root.join("import"))
            .unwrap()
            .chain(std::fs::read_dir(root.join("many")).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                p.parent().unwrap().ends_with("import") && name.ends_with(".txt")
                    || name.starts_with("tracepath")
                    || name.ends_with(".xml")
            })
            .collect();
        files.sort();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    })
}

/// Characters that must never survive sanitising.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}'
            | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1600)) {
        decode_everything(&bytes);
    }

    #[test]
    fn decoders_never_panic_on_mutated_replies(
        v4 in mutated(IPV4), v6 in mutated(ICMPV6), tcp in mutated(TCP),
    ) {
        decode_everything(&v4);
        decode_everything(&v6);
        decode_everything(&tcp);
        // A mutated datagram's ICMP part, without its IP header, as a ping socket reads it.
        let _ = decode_icmp(Family::V4, v4.get(20..).unwrap_or_default());
    }

    /// Arbitrary ICMP after a valid IPv4 header, and arbitrary quotes and extensions after a
    /// valid time-exceeded header: random bytes that reach the deep parts of the decoders.
    #[test]
    fn decoders_never_panic_on_arbitrary_bodies(
        body in prop::collection::vec(any::<u8>(), 0..700),
        kind in prop_oneof![Just(0u8), Just(3), Just(11), any::<u8>()],
        code in any::<u8>(),
        rfc4884 in any::<u8>(),
    ) {
        let mut icmp = vec![kind, code, 0, 0, 0, rfc4884, 0, 0];
        icmp.extend(&body);
        let mut datagram = ipv4_header(Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 0, 0, 1), 1, 64);
        datagram.extend(&icmp);
        let _ = decode_ipv4(&datagram);
        icmp[0] = [3, 1, 129][usize::from(kind) % 3];
        icmp[4] = rfc4884;
        let _ = decode_icmp(Family::V6, &icmp);
        let mut ext = vec![0x20, 0, 0, 0];
        ext.extend(&body);
        let _ = parse_extensions(&ext);
    }

    /// A well-formed time exceeded decodes to exactly the probe it quotes, whatever follows the
    /// quoted header: the matcher's inputs are never made up.
    #[test]
    fn quotes_decode_to_what_they_quote(
        src in any::<u32>(), dst in any::<u32>(), from in any::<u32>(),
        ident in any::<u16>(), seq in any::<u16>(), udp in any::<bool>(),
        tail in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let (src, dst) = (Ipv4Addr::from(src), Ipv4Addr::from(dst));
        let mut datagram = ipv4_header(Ipv4Addr::from(from), src, 1, 250);
        datagram.extend([11, 0, 0, 0, 0, 0, 0, 0]);
        datagram.extend(ipv4_header(src, dst, if udp { 17 } else { 1 }, 1));
        let transport = if udp { [ident, seq, 30, 0] } else { [0x0800, 0, ident, seq] };
        datagram.extend(transport.iter().flat_map(|w| w.to_be_bytes()));
        datagram.extend(tail);
        let r = decode_ipv4(&datagram).expect("a valid time exceeded");
        prop_assert_eq!(r.from, IpAddr::V4(Ipv4Addr::from(from)));
        let Message::Error { quote, .. } = r.message else { panic!("{:?}", r.message) };
        prop_assert_eq!((quote.source, quote.destination), (IpAddr::V4(src), IpAddr::V4(dst)));
        let want = if udp {
            QuotedProbe::Udp { src_port: ident, dst_port: seq, checksum: 0 }
        } else {
            QuotedProbe::Icmp { ident, seq }
        };
        prop_assert_eq!(quote.probe, want);
    }

    #[test]
    fn echo_probes_read_back_their_identifier_and_sequence(
        ident in any::<u16>(), seq in any::<u16>(), checksum in any::<u16>(), six in any::<bool>(),
    ) {
        let (source, destination): (IpAddr, IpAddr) = if six {
            ("2001:db8::1".parse().unwrap(), "2001:db8::2".parse().unwrap())
        } else {
            ("192.0.2.1".parse().unwrap(), "198.51.100.7".parse().unwrap())
        };
        let flow = Flow { source, destination, kind: FlowKind::Icmp { ident, checksum } };
        let probe = encode_probe(&flow, Sequence(seq));
        prop_assert_eq!(echo_request_fields(flow.family(), &probe), Some((ident, seq)));
    }

    #[test]
    fn import_never_panics_on_mutated_saved_traces(
        which in any::<Index>(),
        flips in prop::collection::vec((any::<Index>(), any::<u8>()), 1..8),
    ) {
        let fixtures = import_fixtures();
        let mut bytes = fixtures[which.index(fixtures.len())].clone();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(imported) = globetrace::import::parse_bytes(&bytes, "mutated") {
            for reply in imported.trace.hops.iter().flat_map(|h| h.replies()) {
                if let Some(name) = &reply.hostname {
                    prop_assert!(!name.chars().any(forbidden), "{:?}", name);
                }
            }
        }
    }

    #[test]
    fn every_text_reader_survives_every_mutated_format(
        which in any::<Index>(),
        format in prop::sample::select(vec![
            InputFormat::Tracepath, InputFormat::MtrXml, InputFormat::Pathping,
            InputFormat::Winmtr, InputFormat::Huawei, InputFormat::Mikrotik, InputFormat::Arista,
        ]),
        flips in prop::collection::vec((any::<Index>(), any::<u8>()), 0..8),
    ) {
        // Forced readers meet other formats' files (and their own) with bytes changed: no panic,
        // TTLs increase, names come out sanitised, and a counted hop has at most 1,000 probes.
        let fixtures = import_fixtures();
        let mut bytes = fixtures[which.index(fixtures.len())].clone();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(imported) = globetrace::import::parse_bytes_as(&bytes, "mutated", Some(format)) {
            let mut previous = 0u8;
            for hop in &imported.trace.hops {
                prop_assert!(hop.ttl > previous);
                previous = hop.ttl;
                if !matches!(format, InputFormat::Huawei | InputFormat::Arista) {
                    prop_assert!(hop.probes.len() <= 1000);
                }
                for name in hop.replies().filter_map(|r| r.hostname.as_ref()) {
                    prop_assert!(!name.chars().any(forbidden), "{:?}", name);
                }
            }
        }
    }

    #[test]
    fn sanitised_names_hold_nothing_a_terminal_acts_on(
        raw in prop::collection::vec(prop_oneof![
            any::<char>(),
            prop::sample::select(vec!['\u{1b}', '[', ']', '\u{7}', '\u{9b}', '\u{202e}',
                '\u{200b}', '\u{0}', ';', 'm', '\\', '\u{9c}', ' ', '\u{a0}']),
        ], 0..400),
    ) {
        let raw: String = raw.into_iter().collect();
        let clean = sanitize_name(&raw);
        prop_assert!(clean.chars().count() <= MAX_NAME_CHARS);
        prop_assert!(!clean.chars().any(forbidden), "{:?} -> {:?}", raw, clean);
        prop_assert_eq!(clean.trim(), clean.as_str());
        prop_assert_eq!(sanitize_name(&clean), clean.clone(), "idempotent");
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hardening")
        .join(name)
}

#[test]
fn annotate_csv_neutralises_formula_host_names() {
    let dir = std::env::temp_dir().join(format!("gt-csv-formula-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let export = dir.join("hops.csv");
    let out = Command::new(binary())
        .args(["annotate", "-n", "--no-geo", "--format", "csv", "--csv"])
        .arg(&export)
        .arg(fixture("formula-hostnames.txt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&export).unwrap(),
        out.stdout,
        "--csv FILE = stdout"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let names: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[col("ip")].to_string(), r[col("hostname")].to_string())
        })
        .collect();
    let want = [
        ("192.0.2.1", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
        ("192.0.2.2", "'+cmd|'/C%20calc'!A0"),
        ("192.0.2.3", "'-2+3+cmd|'/C%20calc'!A0"),
        ("192.0.2.4", "'@SUM(1+1)*cmd|'/C%20calc'!A0"),
        // The tab and the CR are control characters, removed as the name is read; the `=`
        // then leading the name is neutralised like any other.
        ("192.0.2.5", "'=tab.example"),
        ("192.0.2.6", "'=cr.example"),
        // Numbers are left alone.
        ("192.0.2.7", "-42"),
        ("192.0.2.9", "victim.example"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, n)| (a.to_string(), n.to_string()))
        .collect();
    assert_eq!(names, want);
}

/// The `-v` counters: sent, answered, foreign, undecodable, duplicate, late.
fn counters(stderr: &str) -> [u64; 6] {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("probes sent"))
        .unwrap_or_else(|| panic!("no counters line in {stderr}"));
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    nums.try_into().unwrap_or_else(|n| panic!("{line}: {n:?}"))
}

/// A chain of 3 routers, the 2nd silent, traced while `spoof_replies.py` in r1 forges replies
/// (`mode`: icmp or udp probes, or `late`): the hops are exactly the routers, and every forgery
/// is counted under the heading the forger says it belongs to.
fn forged_replies_are_counted_never_attributed(mode: &str) {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    topo.silence_router(2);
    let (src, dst) = (topo.src_v4().to_string(), topo.dst_v4().to_string());
    let mut spoofer = topo
        .command("r1", python())
        .arg(fixture("spoof_replies.py"))
        .args(["to-src", &src, &dst])
        .arg(topo.router_v4(2).to_string())
        .arg(topo.router_v4(1).to_string())
        .args(["4", mode])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(spoofer.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    // HERE and NEAR off: the silent hop's probes wait the full 3 s, long after the forgeries.
    // In `late` mode, one probe at a time, each given up after 1 s.
    let flags: &[&str] = match mode {
        "udp" => &["-U", "-w", "3,0,0"],
        "late" => &["-I", "-N", "1", "-w", "1,0,0"],
        _ => &["-I", "-w", "3,0,0"],
    };
    let run = parse(
        topo.command(topo.src(), binary())
            .args(["--format", "json", "-n", "-v"])
            .args(flags)
            .arg(&dst)
            .output()
            .unwrap(),
    );
    let report = lines.next().and_then(Result::ok).unwrap_or_default();
    let _ = spoofer.kill();
    let _ = spoofer.wait();
    let sent: Vec<u64> = report
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(sent.len(), 4, "spoofer said {report:?}");
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.reached(), "{mode}: {:#}", run.json);
    assert_eq!(run.last_hop(), 4, "{mode}");
    let v4 = |a: Ipv4Addr| vec![IpAddr::V4(a)];
    assert_eq!(run.responders(1), v4(topo.router_v4(1)), "{mode}");
    assert!(
        run.responders(2).is_empty(),
        "{mode}: forged replies filled the silent hop"
    );
    assert_eq!(run.responders(3), v4(topo.router_v4(3)), "{mode}");
    assert_eq!(run.responders(4), v4(topo.dst_v4()), "{mode}");
    for hop in [1, 3, 4] {
        assert_eq!(
            run.hop(hop)["received"],
            3,
            "{mode}: hop {hop} counts real replies only"
        );
    }
    let [_, _, foreign, undecodable, duplicate, late] = counters(&run.stderr);
    eprintln!(
        "{mode}: spoofer sent {report:?}; tracer: {}",
        run.stderr.trim()
    );
    assert_eq!(
        [foreign, undecodable, duplicate, late],
        [sent[0], sent[1], sent[2], sent[3]],
        "{mode}: {}",
        run.stderr
    );
}

#[test]
fn forged_icmp_replies_are_counted_never_attributed() {
    forged_replies_are_counted_never_attributed("icmp");
}

#[test]
fn forged_replies_to_udp_probes_are_counted_never_attributed() {
    forged_replies_are_counted_never_attributed("udp");
}

#[test]
fn late_answers_are_counted_never_attributed() {
    forged_replies_are_counted_never_attributed("late");
}

#[test]
fn sigterm_prints_and_exports_hops_found_so_far() {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    topo.drop_all_input_at_dst();
    let dir = std::env::temp_dir().join(format!("gt-term-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let export = dir.join("hops.json");
    let run =
        common::run::interrupted_trace(&topo, "--json", &export, nix::sys::signal::Signal::SIGTERM);
    assert_eq!(run.status, 130, "{}", run.stderr);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    for doc in [&run.json, &written] {
        assert_eq!(doc["interrupted"], true);
        assert_eq!(doc["reached"], false);
        let hops = doc["hops"].as_array().unwrap();
        for (hop, router) in (1..=3).zip(topo.routers_v4()) {
            let h = hops.iter().find(|h| h["hop"] == hop).expect("hop kept");
            assert_eq!(h["responders"][0]["ip"], router.to_string(), "hop {hop}");
        }
    }
    assert_eq!(written, run.json, "the export is what stdout showed");
}

#[test]
fn decoders_take_inputs_of_any_length() {
    // Far larger than any socket read (2 KiB): 100,000 words of 0xffff overflowed the 32-bit
    // checksum sum of an extension header (a panic in debug builds) before it was widened.
    let mut big = vec![0xff; 200_000];
    big[0] = 0x2f;
    assert!(parse_extensions(&big).is_empty());
    decode_everything(&big);
}
