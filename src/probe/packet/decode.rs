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
#[path = "decode_tests.rs"]
mod tests;
