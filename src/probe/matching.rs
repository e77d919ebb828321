//! Which probe of a flow a received packet answers: the sequence it carries back.
//!
//! Routers quote our probe inside their ICMP errors; destinations echo the identifier and
//! sequence (ICMP) or acknowledge the SYN's sequence number (TCP). This module reads that back
//! for one [`Flow`] and nothing else, so the schedule of one pass and the scheduler of many
//! flows share a single definition of "this packet is ours".

use super::mda::port_index;
use super::packet::{sequence_from_udp_checksum, Flow, FlowKind, Message, QuotedProbe, Received};
use std::net::IpAddr;

/// Sequences live in `0..SEQUENCE_SPACE`: UDP carries them in its checksum, which cannot be 0
/// or 0xFFFF, so two of the 65,536 values are unusable for every protocol alike.
pub const SEQUENCE_SPACE: u32 = 0xFFFE;

/// The destination a packet speaks of: the quoted destination of an ICMP error, else the
/// sender (echo replies and TCP answers come from the target itself).
pub fn destination_of(r: &Received) -> IpAddr {
    match &r.message {
        Message::Error { quote, .. } => quote.destination,
        _ => r.from,
    }
}

/// The sequence of `flow`'s probe that `r` answers, or `None` when it answers no probe of it.
pub fn sequence_of(flow: &Flow, r: &Received) -> Option<u16> {
    sequence_of_spread(flow, 1, r)
}

/// Like [`sequence_of`] for a flow whose source port is one of `spread` consecutive ports from
/// its own (a multipath discovery varies it; see [`super::mda::port_for`]). ICMP flows vary
/// their checksum, which no answer needs to carry back.
pub fn sequence_of_spread(flow: &Flow, spread: u32, r: &Received) -> Option<u16> {
    let port_ok = |ours: u16, theirs: u16| {
        theirs == ours || (spread > 1 && port_index(ours, theirs).is_some_and(|i| i < spread))
    };
    match (&r.message, flow.kind) {
        (Message::EchoReply { ident, seq }, FlowKind::Icmp { ident: ours, .. }) => {
            (*ident == ours && r.from == flow.destination).then_some(*seq)
        }
        (Message::Error { quote, .. }, kind) => {
            if quote.destination != flow.destination || quote.source != flow.source {
                return None;
            }
            match (quote.probe, kind) {
                (QuotedProbe::Icmp { ident, seq }, FlowKind::Icmp { ident: ours, .. })
                    if ident == ours =>
                {
                    Some(seq)
                }
                (
                    QuotedProbe::Udp {
                        src_port,
                        dst_port,
                        checksum,
                    },
                    FlowKind::Udp {
                        src_port: s,
                        dst_port: d,
                    },
                ) if port_ok(s, src_port) && dst_port == d => {
                    sequence_from_udp_checksum(checksum).map(|s| s.0)
                }
                (
                    QuotedProbe::Tcp {
                        src_port,
                        dst_port,
                        seq,
                    },
                    FlowKind::Tcp {
                        src_port: s,
                        dst_port: d,
                        cookie,
                    },
                ) if port_ok(s, src_port) && dst_port == d && (seq >> 16) as u16 == cookie => {
                    Some(seq as u16)
                }
                _ => None,
            }
        }
        (
            Message::Tcp {
                src_port,
                dst_port,
                ack,
                ..
            },
            FlowKind::Tcp {
                src_port: s,
                dst_port: d,
                cookie,
            },
        ) => {
            let isn = ack.wrapping_sub(1);
            (r.from == flow.destination
                && *src_port == d
                && port_ok(s, *dst_port)
                && (isn >> 16) as u16 == cookie)
                .then_some(isn as u16)
        }
        _ => None,
    }
}

/// `base + offset` in the sequence space.
pub fn seq_add(base: u16, offset: u32) -> u16 {
    ((u32::from(base) + offset) % SEQUENCE_SPACE) as u16
}

/// How far `seq` lies after `base` in the sequence space.
pub fn seq_offset(base: u16, seq: u16) -> u32 {
    (u32::from(seq) + SEQUENCE_SPACE - u32::from(base) % SEQUENCE_SPACE) % SEQUENCE_SPACE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_wrap_inside_the_space() {
        assert_eq!(seq_add(0xFFFD, 1), 0);
        assert_eq!(seq_offset(0xFFFD, 0), 1);
        assert_eq!(seq_offset(10, 10), 0);
        assert_eq!(seq_offset(10, 9), SEQUENCE_SPACE - 1);
        for base in [0u16, 1, 0x7FFF, 0xFFFD] {
            for off in [0u32, 1, 500, SEQUENCE_SPACE - 1] {
                assert_eq!(seq_offset(base, seq_add(base, off)), off);
            }
        }
    }
}
