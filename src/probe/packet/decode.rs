//! Decoding replies: ICMP errors with their quoted probe, echo replies, TCP SYN-ACK/RST.
//!
//! Every decoder takes arbitrary bytes: lengths are checked before pnet's header views read
//! fields, and anything short or strange is an error value, never a panic. Quoted headers are
//! attacker-controlled, so their length fields are never trusted to slice with.

use super::extension::parse_extensions;
use super::{Family, Message, Quote, QuotedProbe, Received};
use crate::trace::{ReplyKind, Unreachable};
use pnet_packet::icmp::IcmpPacket;
use pnet_packet::icmpv6::Icmpv6Packet;
use pnet_packet::ipv4::Ipv4Packet;
use pnet_packet::ipv6::Ipv6Packet;
use pnet_packet::tcp::TcpPacket;
use pnet_packet::udp::UdpPacket;
use std::net::IpAddr;

/// Why a packet was not understood as a possible answer to a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than the header it must contain.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// A header field that cannot be right (wrong version, bad length).
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A well-formed packet of a kind that never answers a probe.
    #[error("unrelated {protocol} type {kind} code {code}")]
    Unrelated {
        protocol: &'static str,
        kind: u8,
        code: u8,
    },
}

const IPV6_HEADER: usize = 40;

/// Decode a whole IPv4 datagram as read from a raw IPv4 socket (ICMP or TCP inside).
pub fn decode_ipv4(datagram: &[u8]) -> Result<Received, DecodeError> {
    let (ip, payload) = ipv4_split(datagram, "IPv4 header")?;
    let from = IpAddr::V4(ip.get_source());
    let message = match ip.get_next_level_protocol().0 {
        1 => decode_icmp(Family::V4, payload)?,
        6 => decode_tcp(payload)?,
        other => {
            return Err(DecodeError::Unrelated {
                protocol: "IP",
                kind: other,
                code: 0,
            })
        }
    };
    Ok(Received {
        from,
        reply_ttl: Some(ip.get_ttl()),
        message,
    })
}

/// Split an IPv4 header from what follows it, checking version and header length.
fn ipv4_split<'a>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<(Ipv4Packet<'a>, &'a [u8]), DecodeError> {
    let ip = Ipv4Packet::new(bytes).ok_or(DecodeError::Truncated(what))?;
    if ip.get_version() != 4 {
        return Err(DecodeError::Malformed(what));
    }
    let header_len = usize::from(ip.get_header_length()) * 4;
    if header_len < 20 {
        return Err(DecodeError::Malformed(what));
    }
    let rest = bytes
        .get(header_len..)
        .ok_or(DecodeError::Truncated(what))?;
    Ok((ip, rest))
}

/// Decode an ICMP (`Family::V4`) or ICMPv6 (`Family::V6`) message, without its IP header.
pub fn decode_icmp(family: Family, msg: &[u8]) -> Result<Message, DecodeError> {
    let (kind, code) = icmp_type_code(family, msg)?;
    if kind == family.echo_reply() {
        let (ident, seq) = echo_fields(msg)?;
        return Ok(Message::EchoReply { ident, seq });
    }
    let reply = classify_icmp_error(family, kind, code).ok_or(DecodeError::Unrelated {
        protocol: icmp_name(family),
        kind,
        code,
    })?;
    let body = msg.get(8..).ok_or(DecodeError::Truncated("ICMP error"))?;
    let (quoted, extensions) = split_rfc4884(family, msg, body);
    let quote = decode_quote(family, quoted)?;
    Ok(Message::Error {
        kind: reply,
        quote,
        mpls: extensions.map(parse_extensions).unwrap_or_default(),
    })
}

fn icmp_name(family: Family) -> &'static str {
    match family {
        Family::V4 => "ICMP",
        Family::V6 => "ICMPv6",
    }
}

fn icmp_type_code(family: Family, msg: &[u8]) -> Result<(u8, u8), DecodeError> {
    match family {
        Family::V4 => IcmpPacket::new(msg)
            .map(|p| (p.get_icmp_type().0, p.get_icmp_code().0))
            .ok_or(DecodeError::Truncated("ICMP header")),
        Family::V6 => Icmpv6Packet::new(msg)
            .map(|p| (p.get_icmpv6_type().0, p.get_icmpv6_code().0))
            .ok_or(DecodeError::Truncated("ICMPv6 header")),
    }
}

/// Identifier and sequence of an echo request or reply (they share a layout in both families).
fn echo_fields(msg: &[u8]) -> Result<(u16, u16), DecodeError> {
    let f = msg.get(4..8).ok_or(DecodeError::Truncated("echo header"))?;
    Ok((
        u16::from_be_bytes([f[0], f[1]]),
        u16::from_be_bytes([f[2], f[3]]),
    ))
}

/// Identifier and sequence of one of our echo requests, as the kernel hands it back on an
/// unprivileged ping socket's error queue.
pub fn echo_request_fields(family: Family, msg: &[u8]) -> Option<(u16, u16)> {
    let (kind, _) = icmp_type_code(family, msg).ok()?;
    (kind == family.echo_request())
        .then(|| echo_fields(msg).ok())
        .flatten()
}

/// What an ICMP error means for a probe, or `None` for types that never answer one.
pub fn classify_icmp_error(family: Family, kind: u8, code: u8) -> Option<ReplyKind> {
    use Unreachable as U;
    let unreachable = |u| Some(ReplyKind::Unreachable(u));
    match (family, kind) {
        (Family::V4, 11) | (Family::V6, 3) => Some(ReplyKind::TimeExceeded),
        (Family::V4, 3) => match code {
            3 => Some(ReplyKind::PortUnreachable),
            0 | 6 | 9 | 11 => unreachable(U::Network),
            1 | 7 | 10 | 12 => unreachable(U::Host),
            2 => unreachable(U::Protocol),
            4 => unreachable(U::FragmentationNeeded),
            5 => unreachable(U::SourceRoute),
            13 => unreachable(U::AdminProhibited),
            14 => unreachable(U::PrecedenceViolation),
            15 => unreachable(U::PrecedenceCutoff),
            c => unreachable(U::Other(c)),
        },
        (Family::V6, 1) => match code {
            4 => Some(ReplyKind::PortUnreachable),
            0 | 6 => unreachable(U::Network),
            1 | 5 => unreachable(U::AdminProhibited),
            2 => unreachable(U::SourceRoute),
            3 => unreachable(U::Host),
            c => unreachable(U::Other(c)),
        },
        _ => None,
    }
}

/// Separate the quoted datagram from RFC 4884 extensions, if the message carries any.
///
/// Compliant senders give the quoted length (32-bit words in ICMPv4 byte 5, 64-bit words in
/// ICMPv6 byte 4). Older MPLS routers put extensions after a 128-byte quote without setting the
/// length; those are accepted only when a valid extension header sits exactly there.
fn split_rfc4884<'a>(family: Family, msg: &[u8], body: &'a [u8]) -> (&'a [u8], Option<&'a [u8]>) {
    let declared = match family {
        Family::V4 => usize::from(msg[5]) * 4,
        Family::V6 => usize::from(msg[4]) * 8,
    };
    if declared > 0 && declared < body.len() {
        return (&body[..declared], Some(&body[declared..]));
    }
    if declared == 0 && body.len() > 128 + 4 && super::extension::looks_like_extension(&body[128..])
    {
        return (&body[..128], Some(&body[128..]));
    }
    (body, None)
}

/// Decode the quoted IP header and the first bytes of the quoted transport header.
fn decode_quote(family: Family, quoted: &[u8]) -> Result<Quote, DecodeError> {
    let (source, destination, protocol, transport) = match family {
        Family::V4 => {
            let (ip, rest) = ipv4_split(quoted, "quoted IPv4 header")?;
            (
                IpAddr::V4(ip.get_source()),
                IpAddr::V4(ip.get_destination()),
                ip.get_next_level_protocol().0,
                rest,
            )
        }
        Family::V6 => {
            let ip = Ipv6Packet::new(quoted).ok_or(DecodeError::Truncated("quoted IPv6 header"))?;
            if ip.get_version() != 6 {
                return Err(DecodeError::Malformed("quoted IPv6 header"));
            }
            (
                IpAddr::V6(ip.get_source()),
                IpAddr::V6(ip.get_destination()),
                ip.get_next_header().0,
                &quoted[IPV6_HEADER..],
            )
        }
    };
    let probe = match protocol {
        p if p == family.icmp_protocol() => {
            let (kind, _) = icmp_type_code(family, transport)?;
            if kind != family.echo_request() {
                return Err(DecodeError::Unrelated {
                    protocol: "quoted ICMP",
                    kind,
                    code: 0,
                });
            }
            let (ident, seq) = echo_fields(transport)?;
            QuotedProbe::Icmp { ident, seq }
        }
        17 => {
            let udp =
                UdpPacket::new(transport).ok_or(DecodeError::Truncated("quoted UDP header"))?;
            QuotedProbe::Udp {
                src_port: udp.get_source(),
                dst_port: udp.get_destination(),
                checksum: udp.get_checksum(),
            }
        }
        6 => {
            // Only the first 8 bytes (ports and sequence) are guaranteed to be quoted.
            let t = transport
                .get(..8)
                .ok_or(DecodeError::Truncated("quoted TCP header"))?;
            QuotedProbe::Tcp {
                src_port: u16::from_be_bytes([t[0], t[1]]),
                dst_port: u16::from_be_bytes([t[2], t[3]]),
                seq: u32::from_be_bytes([t[4], t[5], t[6], t[7]]),
            }
        }
        other => {
            return Err(DecodeError::Unrelated {
                protocol: "quoted IP",
                kind: other,
                code: 0,
            })
        }
    };
    Ok(Quote {
        source,
        destination,
        probe,
    })
}

/// Decode a TCP segment (without IP header) that may answer a SYN probe.
pub fn decode_tcp(segment: &[u8]) -> Result<Message, DecodeError> {
    let tcp = TcpPacket::new(segment).ok_or(DecodeError::Truncated("TCP header"))?;
    let flags = tcp.get_flags();
    const SYN: u8 = 0x02;
    const RST: u8 = 0x04;
    const ACK: u8 = 0x10;
    let kind = if flags & RST != 0 {
        ReplyKind::TcpReset
    } else if flags & (SYN | ACK) == SYN | ACK {
        ReplyKind::TcpSynAck
    } else {
        return Err(DecodeError::Unrelated {
            protocol: "TCP",
            kind: flags,
            code: 0,
        });
    };
    Ok(Message::Tcp {
        src_port: tcp.get_source(),
        dst_port: tcp.get_destination(),
        ack: tcp.get_acknowledgement(),
        kind,
    })
}

#[cfg(test)]
mod tests {
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
}
