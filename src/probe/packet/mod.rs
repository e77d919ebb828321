//! Probe and reply packets: encoding and decoding, IPv4 and IPv6 in one place.
//!
//! No I/O here: the socket layer hands bytes in and takes bytes out. Keeping the codec pure lets
//! it be tested byte-for-byte and fuzzed, and keeps the two address families on one code path —
//! they differ only in a few numbers (ICMP types, header lengths, pseudo-headers), which live in
//! [`Family`].
//!
//! Probes are Paris-style: every field a load balancer may hash (addresses, ports, ICMP
//! identifier and checksum, TOS) is constant for the whole trace, and the probe's [`Sequence`]
//! rides where routers do not look: the ICMP echo sequence (with the checksum held constant by a
//! compensating payload word), the UDP checksum (steered through the payload), the TCP sequence
//! number.

mod checksum;
mod decode;
mod encode;
mod extension;

pub use decode::{
    classify_icmp_error, decode_icmp, decode_ipv4, decode_tcp, echo_request_fields, DecodeError,
};
pub use encode::encode_probe;
pub use extension::parse_extensions;

use crate::trace::{MplsLabel, ReplyKind};
use std::net::IpAddr;

/// IP version, with the numbers that differ between the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// The IP protocol number of ICMP in this family (1 or 58).
    pub fn icmp_protocol(self) -> u8 {
        match self {
            Family::V4 => 1,
            Family::V6 => 58,
        }
    }

    pub(crate) fn echo_request(self) -> u8 {
        match self {
            Family::V4 => 8,
            Family::V6 => 128,
        }
    }

    pub(crate) fn echo_reply(self) -> u8 {
        match self {
            Family::V4 => 0,
            Family::V6 => 129,
        }
    }
}

/// The per-trace sequence number carried by each probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sequence(pub u16);

/// The constant identity of a trace's probes: what routers hash on, plus per-run cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// Local address (the pseudo-header needs it).
    pub source: IpAddr,
    /// The target.
    pub destination: IpAddr,
    /// Protocol-specific constant fields.
    pub kind: FlowKind,
}

/// Protocol-specific constant fields of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    /// ICMP echo: identifier and the checksum every probe is steered to.
    Icmp { ident: u16, checksum: u16 },
    /// UDP: both ports fixed; the checksum carries the sequence.
    Udp { src_port: u16, dst_port: u16 },
    /// TCP SYN: both ports fixed; the sequence number is `cookie << 16 | sequence`.
    Tcp {
        src_port: u16,
        dst_port: u16,
        cookie: u16,
    },
}

impl Flow {
    /// The IP family of the flow.
    pub fn family(&self) -> Family {
        Family::of(self.destination)
    }

    /// The IP protocol number probes are sent with.
    pub fn ip_protocol(&self) -> u8 {
        match self.kind {
            FlowKind::Icmp { .. } => self.family().icmp_protocol(),
            FlowKind::Udp { .. } => 17,
            FlowKind::Tcp { .. } => 6,
        }
    }
}

/// The UDP checksum value that encodes `seq` (never 0, which means "no checksum", nor 0xFFFF).
pub fn udp_checksum_for(seq: Sequence) -> u16 {
    (seq.0 % 0xFFFE) + 1
}

/// The sequence a UDP checksum encodes (inverse of [`udp_checksum_for`]).
pub fn sequence_from_udp_checksum(checksum: u16) -> Option<Sequence> {
    (1..=0xFFFE)
        .contains(&checksum)
        .then(|| Sequence(checksum - 1))
}

/// The TCP sequence number that carries `seq` in a flow with `cookie`.
pub fn tcp_sequence_for(cookie: u16, seq: Sequence) -> u32 {
    (u32::from(cookie) << 16) | u32::from(seq.0)
}

/// The probe fields quoted back inside an ICMP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotedProbe {
    Icmp {
        ident: u16,
        seq: u16,
    },
    Udp {
        src_port: u16,
        dst_port: u16,
        checksum: u16,
    },
    Tcp {
        src_port: u16,
        dst_port: u16,
        seq: u32,
    },
}

/// The quoted IP header and transport fields of an ICMP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub source: IpAddr,
    pub destination: IpAddr,
    pub probe: QuotedProbe,
}

/// A decoded packet that may answer one of our probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// An echo reply.
    EchoReply { ident: u16, seq: u16 },
    /// An ICMP error (time exceeded, unreachable) quoting a probe.
    Error {
        kind: ReplyKind,
        quote: Quote,
        mpls: Vec<MplsLabel>,
    },
    /// A TCP segment (SYN-ACK or RST) that may answer a SYN probe.
    Tcp {
        src_port: u16,
        dst_port: u16,
        ack: u32,
        kind: ReplyKind,
    },
}

/// A received packet: who sent it, with what TTL, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub from: IpAddr,
    pub reply_ttl: Option<u8>,
    pub message: Message,
}
