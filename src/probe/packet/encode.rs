//! Building probe packets (the transport header and payload; the kernel adds the IP header).

use super::checksum::{checksum, compensation, icmp_uses_pseudo_header, pseudo_header_sum};
use super::{tcp_sequence_for, udp_checksum_for, Flow, FlowKind, Sequence};
use pnet_packet::icmp::echo_request::MutableEchoRequestPacket;
use pnet_packet::icmp::{IcmpCode, IcmpType};
use pnet_packet::tcp::{MutableTcpPacket, TcpFlags, TcpOption};
use pnet_packet::udp::MutableUdpPacket;
use pnet_packet::Packet;

/// Bytes after the transport header of ICMP and UDP probes: a compensation word, then a marker
/// that makes the probes recognisable in a capture.
const PAYLOAD: &[u8; 22] = b"\0\0globetrace-probe\0\0\0\0";
const TCP_WINDOW: u16 = 64240;
const TCP_MSS: u16 = 1460;

/// Encode the probe with sequence `seq` of `flow`.
pub fn encode_probe(flow: &Flow, seq: Sequence) -> Vec<u8> {
    match flow.kind {
        FlowKind::Icmp {
            ident,
            checksum: target,
        } => encode_echo(flow, ident, seq, target),
        FlowKind::Udp { src_port, dst_port } => encode_udp(flow, src_port, dst_port, seq),
        FlowKind::Tcp {
            src_port,
            dst_port,
            cookie,
        } => encode_syn(flow, src_port, dst_port, tcp_sequence_for(cookie, seq)),
    }
}

fn encode_echo(flow: &Flow, ident: u16, seq: Sequence, target: u16) -> Vec<u8> {
    let family = flow.family();
    let mut p = vec![0u8; 8 + PAYLOAD.len()];
    {
        // ICMPv4 and ICMPv6 echo requests share one wire layout; only the type number differs.
        let mut echo = MutableEchoRequestPacket::new(&mut p).expect("buffer fits an echo header");
        echo.set_icmp_type(IcmpType(family.echo_request()));
        echo.set_icmp_code(IcmpCode(0));
        echo.set_identifier(ident);
        echo.set_sequence_number(seq.0);
        echo.set_payload(PAYLOAD);
    }
    let pseudo = if icmp_uses_pseudo_header(family) {
        pseudo_header_sum(
            flow.source,
            flow.destination,
            family.icmp_protocol(),
            p.len(),
        )
    } else {
        0
    };
    steer(&mut p, 8, 2, pseudo, target);
    p
}

fn encode_udp(flow: &Flow, src_port: u16, dst_port: u16, seq: Sequence) -> Vec<u8> {
    let len = 8 + PAYLOAD.len();
    let mut p = vec![0u8; len];
    {
        let mut udp = MutableUdpPacket::new(&mut p).expect("buffer fits a UDP header");
        udp.set_source(src_port);
        udp.set_destination(dst_port);
        udp.set_length(len as u16);
        udp.set_payload(PAYLOAD);
    }
    let pseudo = pseudo_header_sum(flow.source, flow.destination, 17, len);
    steer(&mut p, 8, 6, pseudo, udp_checksum_for(seq));
    p
}

fn encode_syn(flow: &Flow, src_port: u16, dst_port: u16, isn: u32) -> Vec<u8> {
    let mut p = vec![0u8; 24];
    let mut tcp = MutableTcpPacket::new(&mut p).expect("buffer fits a TCP header");
    tcp.set_source(src_port);
    tcp.set_destination(dst_port);
    tcp.set_sequence(isn);
    tcp.set_data_offset(6);
    tcp.set_flags(TcpFlags::SYN);
    tcp.set_window(TCP_WINDOW);
    tcp.set_options(&[TcpOption::mss(TCP_MSS)]);
    let pseudo = pseudo_header_sum(flow.source, flow.destination, 6, 24);
    let sum = checksum(tcp.packet(), pseudo);
    tcp.set_checksum(sum);
    p
}

/// Write the compensation word at `comp_at` so that the checksum (at `sum_at`) equals `target`,
/// then store the checksum.
fn steer(p: &mut [u8], comp_at: usize, sum_at: usize, pseudo: u16, target: u16) {
    let current = checksum(p, pseudo);
    let word = compensation(current, target);
    p[comp_at..comp_at + 2].copy_from_slice(&word.to_be_bytes());
    debug_assert_eq!(checksum(p, pseudo), target);
    p[sum_at..sum_at + 2].copy_from_slice(&target.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(src: &str, dst: &str, kind: FlowKind) -> Flow {
        Flow {
            source: src.parse().unwrap(),
            destination: dst.parse().unwrap(),
            kind,
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    // The expected bytes were computed independently in Python (its own one's complement sum and
    // a brute-force search for the compensation word), not with this crate's code.

    #[test]
    fn icmpv4_echo_fixture() {
        let f = flow(
            "192.0.2.1",
            "198.51.100.7",
            FlowKind::Icmp {
                ident: 0x1234,
                checksum: 0xbeef,
            },
        );
        assert_eq!(
            hex(&encode_probe(&f, Sequence(5))),
            "0800beef123400051288676c6f626574726163652d70726f626500000000"
        );
    }

    #[test]
    fn icmpv6_echo_fixture() {
        let f = flow(
            "2001:db8::1",
            "2001:db8::2",
            FlowKind::Icmp {
                ident: 0x0102,
                checksum: 0x1111,
            },
        );
        assert_eq!(
            hex(&encode_probe(&f, Sequence(0x0a0b))),
            "8000111101020a0bf3c4676c6f626574726163652d70726f626500000000"
        );
    }

    #[test]
    fn udp4_fixture() {
        let f = flow(
            "192.0.2.1",
            "198.51.100.7",
            FlowKind::Udp {
                src_port: 40000,
                dst_port: 33434,
            },
        );
        assert_eq!(
            hex(&encode_probe(&f, Sequence(9))),
            "9c40829a001e000ae041676c6f626574726163652d70726f626500000000"
        );
    }

    #[test]
    fn udp6_fixture() {
        let f = flow(
            "2001:db8::1",
            "2001:db8::2",
            FlowKind::Udp {
                src_port: 1000,
                dst_port: 33434,
            },
        );
        assert_eq!(
            hex(&encode_probe(&f, Sequence(300))),
            "03e8829a001e012d083f676c6f626574726163652d70726f626500000000"
        );
    }

    #[test]
    fn tcp4_syn_fixture() {
        let f = flow(
            "192.0.2.1",
            "198.51.100.7",
            FlowKind::Tcp {
                src_port: 40001,
                dst_port: 80,
                cookie: 0xabcd,
            },
        );
        assert_eq!(
            hex(&encode_probe(&f, Sequence(3))),
            "9c410050abcd0003000000006002faf068970000020405b4"
        );
    }

    #[test]
    fn tcp6_syn_fixture() {
        let f = flow(
            "2001:db8::1",
            "2001:db8::2",
            FlowKind::Tcp {
                src_port: 40001,
                dst_port: 443,
                cookie: 0x1234,
            },
        );
        assert_eq!(
            hex(&encode_probe(&f, Sequence(7))),
            "9c4101bb12340007000000006002faf091890000020405b4"
        );
    }

    #[test]
    fn flow_fields_are_constant_across_sequences() {
        // Paris: everything a router may hash stays put; only the sequence-carrying bytes move.
        let cases = [
            (
                flow(
                    "192.0.2.1",
                    "203.0.113.9",
                    FlowKind::Icmp {
                        ident: 7,
                        checksum: 0x4242,
                    },
                ),
                0..4,
            ),
            (
                flow(
                    "2001:db8::1",
                    "2001:db8:ff::9",
                    FlowKind::Icmp {
                        ident: 7,
                        checksum: 0x4242,
                    },
                ),
                0..4,
            ),
            (
                flow(
                    "192.0.2.1",
                    "203.0.113.9",
                    FlowKind::Udp {
                        src_port: 5,
                        dst_port: 6,
                    },
                ),
                0..6,
            ),
            (
                flow(
                    "2001:db8::1",
                    "2001:db8:ff::9",
                    FlowKind::Tcp {
                        src_port: 5,
                        dst_port: 6,
                        cookie: 1,
                    },
                ),
                0..4,
            ),
        ];
        for (f, constant) in cases {
            let first = encode_probe(&f, Sequence(0));
            for s in 1..400 {
                let p = encode_probe(&f, Sequence(s));
                assert_eq!(
                    p[constant.clone()],
                    first[constant.clone()],
                    "{f:?} seq {s}"
                );
                assert_eq!(p.len(), first.len());
            }
        }
    }
}
