//! The simulator's own packet codec: parse the probes the tracer writes into the TUN, and build
//! the replies routers and hosts would send.
//!
//! It shares no code with the tracer's codec (`src/probe/packet`) on purpose: a reply built
//! here that the tracer decodes is evidence both sides read the RFCs the same way, not that one
//! function agrees with itself. Only pnet's header views are used for parsing; replies are laid
//! out byte by byte, with their checksums computed here.
//!
//! Replies follow what routers send: an ICMP error quotes the probe as it arrived (TTL / hop
//! limit 1, IPv4 header checksum updated accordingly); with MPLS labels the quote is padded to
//! 128 bytes, its length goes in the RFC 4884 length field, and an extension structure with one
//! RFC 4950 label stack object follows, checksummed.

use super::scenario::RFC4884_QUOTE;
use pnet_packet::ipv4::Ipv4Packet;
use pnet_packet::ipv6::Ipv6Packet;
use std::net::IpAddr;

const ICMP: u8 = 1;
const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMPV6: u8 = 58;

/// The longest quote a Linux router sends: an IPv4 error fits in 576 bytes, an IPv6 one in
/// the minimum MTU of 1280.
const MAX_QUOTE_V4: usize = 576 - 20 - 8;
const MAX_QUOTE_V6: usize = 1280 - 40 - 8;

/// What kind of probe arrived, with the fields a reply echoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    Echo {
        ident: u16,
        seq: u16,
    },
    Udp {
        src_port: u16,
        dst_port: u16,
    },
    TcpSyn {
        src_port: u16,
        dst_port: u16,
        seq: u32,
    },
}

/// A parsed probe and the packet it came in.
#[derive(Debug, Clone)]
pub struct Probe {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL / hop limit as it left the tracer (the TUN is the first link).
    pub ttl: u8,
    pub protocol: u8,
    /// IPv6 flow label (0 for IPv4).
    pub flow_label: u32,
    pub kind: ProbeKind,
    /// The whole IP packet, cut to its declared length.
    pub packet: Vec<u8>,
    header_len: usize,
}

/// Parse an IP packet read from the TUN. `None` for anything that is not a probe: other ICMP
/// (router solicitations, MLD), fragments, TCP segments other than a bare SYN.
pub fn parse_probe(bytes: &[u8]) -> Option<Probe> {
    match bytes.first()? >> 4 {
        4 => parse_v4(bytes),
        6 => parse_v6(bytes),
        _ => None,
    }
}

fn parse_v4(bytes: &[u8]) -> Option<Probe> {
    let ip = Ipv4Packet::new(bytes)?;
    let header_len = usize::from(ip.get_header_length()) * 4;
    let total = usize::from(ip.get_total_length());
    if header_len < 20 || total < header_len || total > bytes.len() {
        return None;
    }
    // A fragment (MF set or an offset) is no probe of ours.
    if ip.get_flags() & 1 != 0 || ip.get_fragment_offset() != 0 {
        return None;
    }
    let protocol = ip.get_next_level_protocol().0;
    let kind = parse_transport(protocol, &bytes[header_len..total], 8)?;
    Some(Probe {
        src: IpAddr::V4(ip.get_source()),
        dst: IpAddr::V4(ip.get_destination()),
        ttl: ip.get_ttl(),
        protocol,
        flow_label: 0,
        kind,
        packet: bytes[..total].to_vec(),
        header_len,
    })
}

fn parse_v6(bytes: &[u8]) -> Option<Probe> {
    let ip = Ipv6Packet::new(bytes)?;
    let total = 40 + usize::from(ip.get_payload_length());
    if total > bytes.len() {
        return None;
    }
    let protocol = ip.get_next_header().0;
    let kind = parse_transport(protocol, &bytes[40..total], 128)?;
    Some(Probe {
        src: IpAddr::V6(ip.get_source()),
        dst: IpAddr::V6(ip.get_destination()),
        ttl: ip.get_hop_limit(),
        protocol,
        flow_label: ip.get_flow_label(),
        kind,
        packet: bytes[..total].to_vec(),
        header_len: 40,
    })
}

fn parse_transport(protocol: u8, l4: &[u8], echo_request: u8) -> Option<ProbeKind> {
    let word = |i: usize| u16::from_be_bytes([l4[i], l4[i + 1]]);
    match protocol {
        ICMP | ICMPV6 if l4.len() >= 8 && l4[0] == echo_request && l4[1] == 0 => {
            let icmp_matches_family = (protocol == ICMP) == (echo_request == 8);
            icmp_matches_family.then(|| ProbeKind::Echo {
                ident: word(4),
                seq: word(6),
            })
        }
        UDP if l4.len() >= 8 => Some(ProbeKind::Udp {
            src_port: word(0),
            dst_port: word(2),
        }),
        // SYN set, ACK and RST clear.
        TCP if l4.len() >= 20 && l4[13] & 0x16 == 0x02 => Some(ProbeKind::TcpSyn {
            src_port: word(0),
            dst_port: word(2),
            seq: u32::from_be_bytes([l4[4], l4[5], l4[6], l4[7]]),
        }),
        _ => None,
    }
}

impl Probe {
    /// The transport header and payload.
    pub fn l4(&self) -> &[u8] {
        &self.packet[self.header_len..]
    }

    /// The bytes a per-flow load balancer hashes. Addresses and protocol always; the IPv6 flow
    /// label (Linux hashes it for IPv6); and the first four transport bytes: the ports of UDP
    /// and TCP, and for ICMP type, code and checksum. Linux itself hashes no ICMP field (not the
    /// identifier either), but per-flow balancers that read the first transport word, the kind
    /// Paris traceroute was designed against, see the ICMP checksum there: modelling them means
    /// a tracer whose ICMP checksum varies between probes of one trace visibly wanders.
    pub fn flow_key(&self) -> Vec<u8> {
        let mut key = Vec::with_capacity(48);
        push_addr(&mut key, self.src);
        push_addr(&mut key, self.dst);
        key.push(self.protocol);
        key.extend_from_slice(&self.flow_label.to_be_bytes());
        key.extend_from_slice(&self.l4()[..4]);
        key
    }

    /// The probe as the router that discards it saw it: TTL / hop limit 1.
    fn as_expired(&self) -> Vec<u8> {
        let mut p = self.packet.clone();
        match self.src {
            IpAddr::V4(_) => {
                p[8] = 1;
                p[10] = 0;
                p[11] = 0;
                let sum = checksum(&p[..self.header_len], 0);
                p[10..12].copy_from_slice(&sum.to_be_bytes());
            }
            IpAddr::V6(_) => p[7] = 1,
        }
        p
    }
}

fn push_addr(out: &mut Vec<u8>, a: IpAddr) {
    match a {
        IpAddr::V4(v4) => out.extend_from_slice(&v4.octets()),
        IpAddr::V6(v6) => out.extend_from_slice(&v6.octets()),
    }
}

/// One's complement sum of big-endian words, folded (not inverted).
pub fn ones_sum(data: &[u8]) -> u16 {
    let mut sum: u64 = data
        .chunks(2)
        .map(|c| u64::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum as u16
}

/// The Internet checksum of `data` plus a pseudo-header sum.
pub fn checksum(data: &[u8], pseudo: u16) -> u16 {
    let mut sum = u32::from(ones_sum(data)) + u32::from(pseudo);
    sum = (sum & 0xFFFF) + (sum >> 16);
    !(sum as u16)
}

/// The pseudo-header sum for `protocol` and an upper-layer length.
pub fn pseudo_sum(src: IpAddr, dst: IpAddr, protocol: u8, len: usize) -> u16 {
    let mut b = Vec::with_capacity(40);
    push_addr(&mut b, src);
    push_addr(&mut b, dst);
    b.extend_from_slice(&(len as u32).to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, protocol]);
    ones_sum(&b)
}

/// An IP packet from `src` to `dst` around `payload`, whose checksum at `sum_at` (if any) is
/// filled in here, with the pseudo-header when `pseudo` says so.
fn ip_packet(
    src: IpAddr,
    dst: IpAddr,
    protocol: u8,
    ttl: u8,
    mut payload: Vec<u8>,
    sum_at: usize,
    pseudo: bool,
) -> Vec<u8> {
    let ps = if pseudo {
        pseudo_sum(src, dst, protocol, payload.len())
    } else {
        0
    };
    let sum = checksum(&payload, ps);
    payload[sum_at..sum_at + 2].copy_from_slice(&sum.to_be_bytes());
    let mut p = Vec::with_capacity(40 + payload.len());
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = (20 + payload.len()) as u16;
            p.extend_from_slice(&[0x45, 0xc0]);
            p.extend_from_slice(&total.to_be_bytes());
            p.extend_from_slice(&[0, 0, 0, 0, ttl, protocol, 0, 0]);
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
            let sum = checksum(&p, 0);
            p[10..12].copy_from_slice(&sum.to_be_bytes());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            p.extend_from_slice(&[0x60, 0, 0, 0]);
            p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            p.extend_from_slice(&[protocol, ttl]);
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
        }
        _ => panic!("mixed address families {src} -> {dst}"),
    }
    p.extend_from_slice(&payload);
    p
}

/// An RFC 4884 extension structure holding one RFC 4950 incoming label stack object; the
/// last label has the bottom-of-stack bit, every entry TC 0 and TTL 1 (the TTL that expired).
pub fn mpls_extension(labels: &[u32]) -> Vec<u8> {
    let object_len = 4 + 4 * labels.len();
    let mut ext = vec![0x20, 0, 0, 0];
    ext.extend_from_slice(&(object_len as u16).to_be_bytes());
    ext.extend_from_slice(&[1, 1]);
    for (i, &label) in labels.iter().enumerate() {
        let bottom = u32::from(i + 1 == labels.len());
        let entry = (label << 12) | (bottom << 8) | 1;
        ext.extend_from_slice(&entry.to_be_bytes());
    }
    let sum = checksum(&ext, 0);
    ext[2..4].copy_from_slice(&sum.to_be_bytes());
    ext
}

/// An ICMP error of `icmp_type`/`code` from `from` quoting `probe`. `quote_limit` cuts the
/// quote (an old router sending RFC 792's minimum); `mpls` non-empty adds the extension.
fn icmp_error(
    probe: &Probe,
    from: IpAddr,
    ttl: u8,
    (icmp_type, code): (u8, u8),
    quote_limit: Option<usize>,
    mpls: &[u32],
) -> Vec<u8> {
    let v6 = probe.src.is_ipv6();
    let mut quote = probe.as_expired();
    let cap = if v6 { MAX_QUOTE_V6 } else { MAX_QUOTE_V4 };
    quote.truncate(quote_limit.unwrap_or(cap).min(cap));
    let mut msg = vec![icmp_type, code, 0, 0, 0, 0, 0, 0];
    if !mpls.is_empty() {
        quote.truncate(RFC4884_QUOTE);
        quote.resize(RFC4884_QUOTE, 0);
        // RFC 4884: the original datagram's length, in 32-bit words (ICMPv4, byte 5) or
        // 64-bit words (ICMPv6, byte 4).
        if v6 {
            msg[4] = (RFC4884_QUOTE / 8) as u8;
        } else {
            msg[5] = (RFC4884_QUOTE / 4) as u8;
        }
    }
    msg.extend_from_slice(&quote);
    if !mpls.is_empty() {
        msg.extend_from_slice(&mpls_extension(mpls));
    }
    let protocol = if v6 { ICMPV6 } else { ICMP };
    ip_packet(from, probe.src, protocol, ttl, msg, 2, v6)
}

/// Time exceeded (in transit) from router `from`.
pub fn time_exceeded(
    probe: &Probe,
    from: IpAddr,
    ttl: u8,
    quote_limit: Option<usize>,
    mpls: &[u32],
) -> Vec<u8> {
    let tc = if probe.src.is_ipv6() { (3, 0) } else { (11, 0) };
    icmp_error(probe, from, ttl, tc, quote_limit, mpls)
}

/// Port unreachable from the destination.
pub fn port_unreachable(probe: &Probe, ttl: u8) -> Vec<u8> {
    let tc = if probe.src.is_ipv6() { (1, 4) } else { (3, 3) };
    icmp_error(probe, probe.dst, ttl, tc, None, &[])
}

/// The destination's answer to an echo request, UDP datagram or SYN.
pub fn destination_reply(probe: &Probe, ttl: u8, tcp_open: &[u16]) -> Vec<u8> {
    let v6 = probe.src.is_ipv6();
    match probe.kind {
        ProbeKind::Echo { .. } => {
            let mut msg = probe.l4().to_vec();
            msg[0] = if v6 { 129 } else { 0 };
            msg[2] = 0;
            msg[3] = 0;
            let protocol = if v6 { ICMPV6 } else { ICMP };
            ip_packet(probe.dst, probe.src, protocol, ttl, msg, 2, v6)
        }
        ProbeKind::Udp { .. } => port_unreachable(probe, ttl),
        ProbeKind::TcpSyn {
            src_port,
            dst_port,
            seq,
        } => {
            let open = tcp_open.contains(&dst_port);
            let mut seg = vec![0u8; 20];
            seg[0..2].copy_from_slice(&dst_port.to_be_bytes());
            seg[2..4].copy_from_slice(&src_port.to_be_bytes());
            let our_seq: u32 = if open { 0x5eed_0001 } else { 0 };
            seg[4..8].copy_from_slice(&our_seq.to_be_bytes());
            seg[8..12].copy_from_slice(&seq.wrapping_add(1).to_be_bytes());
            seg[12] = 5 << 4;
            // SYN+ACK when listening, RST+ACK when closed.
            seg[13] = if open { 0x12 } else { 0x14 };
            let window: u16 = if open { 64240 } else { 0 };
            seg[14..16].copy_from_slice(&window.to_be_bytes());
            ip_packet(probe.dst, probe.src, TCP, ttl, seg, 16, true)
        }
    }
}
