//! Byte-exact reply fixtures, built independently (in Python) around the probe fixtures of
//! `encode`: each is a reply a router or host would send to one of those probes.
use super::*;
use crate::probe::packet::QuotedProbe as Q;
use crate::trace::MplsLabel;

fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

const TE4_ICMP: &str = "4500004e1c464000fe0194660a000001c00002010b00f4ff00000000450000321c46400001017149c0000201c63364070800beef123400051288676c6f626574726163652d70726f626500000000";
const PU4_UDP: &str = "4500004e1c4640003e01342dc6336407c00002010303e96800000000450000321c46400002117039c0000201c63364079c40829a001e000ae041676c6f626574726163652d70726f626500000000";
const HU4_TCP: &str = "450000381c4640003f01537c0a000002c00002010301b49c000000004500001c1c4640000106715ac0000201c63364079c410050abcd0003";
const ER4: &str = "450000321c4640003d013549c6336407c00002010000c6ef123400051288676c6f626574726163652d70726f626500000000";
const SYNACK4: &str =
    "450000281c4640003d06354ec6336407c000020100509c4111111111abcd00045012ffff00000000";
const RST4: &str =
    "450000281c4640003d06354ec6336407c000020100509c4100000000abcd00045014ffff00000000";
const TE6_ICMP: &str = "030063380000000060000000001e3a0120010db800000000000000000000000120010db80000000000000000000000028000111101020a0bf3c4676c6f626574726163652d70726f626500000000";
const AP6_UDP: &str = "01018e0c0000000060000000001e110320010db800000000000000000000000120010db800000000000000000000000203e8829a001e012d083f676c6f626574726163652d70726f626500000000";
const PU6_UDP: &str = "01048e090000000060000000001e110320010db800000000000000000000000120010db800000000000000000000000203e8829a001e012d083f676c6f626574726163652d70726f626500000000";
const ER6: &str = "81006bde01020a0bf3c4676c6f626574726163652d70726f626500000000";
const RST6: &str = "01bb9c4100000000abcd00045014ffff00000000";
const TE6_TCP: &str = "0300970400000000600000000018060120010db800000000000000000000000120010db80000000000000000000000029c4101bb12340007000000006002faf091890000020405b4";
const SYNACK6: &str = "01bb9c41deadbeef123400085012ffff00000000";

fn mpls_reply(rfc4884_length: bool) -> Vec<u8> {
    // Time exceeded from 10.0.0.3 quoting the ICMPv4 probe, padded to 128 bytes, then an
    // extension structure with a two-entry MPLS label stack. The compliant form sets the
    // quoted length (32 words); the legacy form leaves it zero.
    let quote = "450000321c46400001017149c0000201c63364070800beef123400051288676c6f626574726163652d70726f626500000000";
    let pad = "00".repeat(128 - quote.len() / 2);
    let head = if rfc4884_length {
        "450000ac1c464000fd0195060a000003c00002010b00f4df00200000"
    } else {
        "450000ac1c464000fd0195060a000003c00002010b00f4ff00000000"
    };
    bytes(&format!(
        "{head}{quote}{pad}20007d15000c010105dc500100010bff"
    ))
}

fn quote4(probe: QuotedProbe) -> Quote {
    Quote {
        source: ip("192.0.2.1"),
        destination: ip("198.51.100.7"),
        probe,
    }
}

fn quote6(probe: QuotedProbe) -> Quote {
    Quote {
        source: ip("2001:db8::1"),
        destination: ip("2001:db8::2"),
        probe,
    }
}

#[test]
fn ipv4_time_exceeded_quoting_echo() {
    let r = decode_ipv4(&bytes(TE4_ICMP)).unwrap();
    assert_eq!(r.from, ip("10.0.0.1"));
    assert_eq!(r.reply_ttl, Some(254));
    assert_eq!(
        r.message,
        Message::Error {
            kind: ReplyKind::TimeExceeded,
            quote: quote4(Q::Icmp {
                ident: 0x1234,
                seq: 5
            }),
            mpls: vec![],
        }
    );
}

#[test]
fn ipv4_port_unreachable_quoting_udp() {
    let r = decode_ipv4(&bytes(PU4_UDP)).unwrap();
    assert_eq!(r.from, ip("198.51.100.7"));
    let Message::Error { kind, quote, .. } = r.message else {
        panic!("{r:?}")
    };
    assert_eq!(kind, ReplyKind::PortUnreachable);
    assert_eq!(
        quote,
        quote4(Q::Udp {
            src_port: 40000,
            dst_port: 33434,
            checksum: 10
        })
    );
}

#[test]
fn ipv4_host_unreachable_quoting_eight_tcp_bytes() {
    let r = decode_ipv4(&bytes(HU4_TCP)).unwrap();
    let Message::Error { kind, quote, .. } = r.message else {
        panic!("{r:?}")
    };
    assert_eq!(kind, ReplyKind::Unreachable(Unreachable::Host));
    assert_eq!(
        quote,
        quote4(Q::Tcp {
            src_port: 40001,
            dst_port: 80,
            seq: 0xabcd_0003
        })
    );
}

#[test]
fn ipv4_echo_reply() {
    let r = decode_ipv4(&bytes(ER4)).unwrap();
    assert_eq!(r.from, ip("198.51.100.7"));
    assert_eq!(
        r.message,
        Message::EchoReply {
            ident: 0x1234,
            seq: 5
        }
    );
}

#[test]
fn ipv4_tcp_synack_and_rst() {
    let syn = decode_ipv4(&bytes(SYNACK4)).unwrap();
    assert_eq!(
        syn.message,
        Message::Tcp {
            src_port: 80,
            dst_port: 40001,
            ack: 0xabcd_0004,
            kind: ReplyKind::TcpSynAck
        }
    );
    let rst = decode_ipv4(&bytes(RST4)).unwrap();
    assert_eq!(
        rst.message,
        Message::Tcp {
            src_port: 80,
            dst_port: 40001,
            ack: 0xabcd_0004,
            kind: ReplyKind::TcpReset
        }
    );
}

#[test]
fn ipv4_mpls_extension_compliant_and_legacy() {
    let expected = vec![
        MplsLabel {
            label: 24005,
            tc: 0,
            bottom: false,
            ttl: 1,
        },
        MplsLabel {
            label: 16,
            tc: 5,
            bottom: true,
            ttl: 255,
        },
    ];
    for compliant in [true, false] {
        let r = decode_ipv4(&mpls_reply(compliant)).unwrap();
        let Message::Error { kind, quote, mpls } = r.message else {
            panic!()
        };
        assert_eq!(kind, ReplyKind::TimeExceeded);
        assert_eq!(
            quote.probe,
            Q::Icmp {
                ident: 0x1234,
                seq: 5
            }
        );
        assert_eq!(mpls, expected, "compliant={compliant}");
    }
}

#[test]
fn ipv6_time_exceeded_quoting_echo() {
    let m = decode_icmp(Family::V6, &bytes(TE6_ICMP)).unwrap();
    assert_eq!(
        m,
        Message::Error {
            kind: ReplyKind::TimeExceeded,
            quote: quote6(Q::Icmp {
                ident: 0x0102,
                seq: 0x0a0b
            }),
            mpls: vec![],
        }
    );
}

#[test]
fn ipv6_unreachable_codes_quoting_udp() {
    let udp = Q::Udp {
        src_port: 1000,
        dst_port: 33434,
        checksum: 301,
    };
    let m = decode_icmp(Family::V6, &bytes(AP6_UDP)).unwrap();
    assert_eq!(
        m,
        Message::Error {
            kind: ReplyKind::Unreachable(Unreachable::AdminProhibited),
            quote: quote6(udp),
            mpls: vec![]
        }
    );
    let m = decode_icmp(Family::V6, &bytes(PU6_UDP)).unwrap();
    let Message::Error { kind, .. } = m else {
        panic!()
    };
    assert_eq!(kind, ReplyKind::PortUnreachable);
}

#[test]
fn ipv6_echo_reply_and_tcp_rst() {
    assert_eq!(
        decode_icmp(Family::V6, &bytes(ER6)).unwrap(),
        Message::EchoReply {
            ident: 0x0102,
            seq: 0x0a0b
        }
    );
    let Message::Tcp { kind, ack, .. } = decode_tcp(&bytes(RST6)).unwrap() else {
        panic!()
    };
    assert_eq!((kind, ack), (ReplyKind::TcpReset, 0xabcd_0004));
}

#[test]
fn ipv6_time_exceeded_quoting_tcp_and_synack() {
    let m = decode_icmp(Family::V6, &bytes(TE6_TCP)).unwrap();
    let Message::Error { kind, quote, .. } = m else {
        panic!("{m:?}")
    };
    assert_eq!(kind, ReplyKind::TimeExceeded);
    assert_eq!(
        quote,
        quote6(Q::Tcp {
            src_port: 40001,
            dst_port: 443,
            seq: 0x1234_0007
        })
    );
    assert_eq!(
        decode_tcp(&bytes(SYNACK6)).unwrap(),
        Message::Tcp {
            src_port: 443,
            dst_port: 40001,
            ack: 0x1234_0008,
            kind: ReplyKind::TcpSynAck
        }
    );
}

#[test]
fn unreachable_code_table_ipv4() {
    let cases = [
        (0, ReplyKind::Unreachable(Unreachable::Network)),
        (1, ReplyKind::Unreachable(Unreachable::Host)),
        (2, ReplyKind::Unreachable(Unreachable::Protocol)),
        (3, ReplyKind::PortUnreachable),
        (4, ReplyKind::Unreachable(Unreachable::FragmentationNeeded)),
        (5, ReplyKind::Unreachable(Unreachable::SourceRoute)),
        (13, ReplyKind::Unreachable(Unreachable::AdminProhibited)),
        (14, ReplyKind::Unreachable(Unreachable::PrecedenceViolation)),
        (15, ReplyKind::Unreachable(Unreachable::PrecedenceCutoff)),
        (99, ReplyKind::Unreachable(Unreachable::Other(99))),
    ];
    for (code, want) in cases {
        assert_eq!(
            classify_icmp_error(Family::V4, 3, code),
            Some(want),
            "code {code}"
        );
    }
    assert_eq!(
        classify_icmp_error(Family::V4, 5, 0),
        None,
        "redirect never answers a probe"
    );
}

#[test]
fn foreign_and_broken_packets_are_errors() {
    // An echo request (someone pinging us) is not a reply.
    let mut req = bytes(ER4);
    req[20] = 8;
    assert!(matches!(
        decode_ipv4(&req),
        Err(DecodeError::Unrelated { kind: 8, .. })
    ));
    // Every truncation of every fixture decodes to an error or a value, never a panic.
    for fx in [TE4_ICMP, PU4_UDP, HU4_TCP, ER4, SYNACK4, RST4] {
        let b = bytes(fx);
        for n in 0..b.len() {
            let _ = decode_ipv4(&b[..n]);
        }
    }
    for fx in [TE6_ICMP, AP6_UDP, PU6_UDP, ER6] {
        let b = bytes(fx);
        for n in 0..b.len() {
            let _ = decode_icmp(Family::V6, &b[..n]);
        }
    }
    assert_eq!(decode_ipv4(&[]), Err(DecodeError::Truncated("IPv4 header")));
    // A quote too short for the transport header.
    let te = bytes(TE4_ICMP);
    assert_eq!(
        decode_ipv4(&te[..te.len() - 26]),
        Err(DecodeError::Truncated("echo header"))
    );
    // IHL below 5.
    let mut bad = bytes(ER4);
    bad[0] = 0x44;
    assert_eq!(
        decode_ipv4(&bad),
        Err(DecodeError::Malformed("IPv4 header"))
    );
}

#[test]
fn echo_request_fields_from_error_queue() {
    let probe = bytes("0800beef123400051288676c6f626574726163652d70726f626500000000");
    assert_eq!(echo_request_fields(Family::V4, &probe), Some((0x1234, 5)));
    assert_eq!(echo_request_fields(Family::V6, &probe), None);
}
