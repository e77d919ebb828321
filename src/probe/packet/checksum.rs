//! Internet checksums, and steering one to a chosen value with a compensating word.
//!
//! Paris-style probes need a checksum that stays constant (ICMP) or that equals the probe's
//! sequence (UDP) while other fields change. The one's complement sum is linear, so a single
//! 16-bit word placed in the payload can bring the checksum to any value we like.

use super::Family;
use std::net::IpAddr;

/// One's complement sum of big-endian 16-bit words, folded to 16 bits (not inverted).
pub(crate) fn ones_sum(data: &[u8]) -> u16 {
    // 64 bits: a 32-bit sum overflows past 128 KiB of 0xff, and decoders take any slice.
    let mut sum: u64 = 0;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u64::from(*last) << 8;
    }
    fold(sum)
}

fn fold(mut sum: u64) -> u16 {
    while sum >> 16 != 0 {
        sum = (sum >> 16) + (sum & 0xFFFF);
    }
    sum as u16
}

/// One's complement addition of two 16-bit values.
pub(crate) fn ones_add(a: u16, b: u16) -> u16 {
    fold(u64::from(a) + u64::from(b))
}

/// The sum of the IPv4/IPv6 pseudo-header for `protocol` and an upper-layer `length`.
pub(crate) fn pseudo_header_sum(
    source: IpAddr,
    destination: IpAddr,
    protocol: u8,
    length: usize,
) -> u16 {
    let mut bytes = Vec::with_capacity(40);
    match (source, destination) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            bytes.extend_from_slice(&s.octets());
            bytes.extend_from_slice(&d.octets());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            bytes.extend_from_slice(&s.octets());
            bytes.extend_from_slice(&d.octets());
        }
        // Mixed families cannot share a pseudo-header; callers never build such a flow.
        _ => return 0,
    }
    let len = length as u32;
    bytes.extend_from_slice(&len.to_be_bytes());
    bytes.extend_from_slice(&[0, 0, 0, protocol]);
    ones_sum(&bytes)
}

/// The checksum of `data` (with its checksum field zeroed) plus an optional pseudo-header sum.
pub(crate) fn checksum(data: &[u8], pseudo: u16) -> u16 {
    !ones_add(ones_sum(data), pseudo)
}

/// The word that, added to a message whose checksum is currently `current` (computed with this
/// word zero), makes the checksum `target`.
pub(crate) fn compensation(current: u16, target: u16) -> u16 {
    // checksum = !S. We want !(S + w) = target, so w = !target - S = !target + !S = !target + current.
    ones_add(!target, current)
}

/// Whether ICMP checksums of `family` cover a pseudo-header (ICMPv6 does, ICMPv4 does not).
pub(crate) fn icmp_uses_pseudo_header(family: Family) -> bool {
    family == Family::V6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded).
        assert_eq!(
            ones_sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0xddf2
        );
    }

    #[test]
    fn sums_of_any_length_do_not_overflow() {
        // 100,000 words of 0xffff: past what a 32-bit accumulator holds.
        assert_eq!(ones_sum(&vec![0xff; 200_000]), 0xffff);
        assert_eq!(ones_sum(&vec![0x00; 200_000]), 0);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(ones_sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
    }

    #[test]
    fn compensation_reaches_any_target() {
        let mut data = vec![0x08, 0x00, 0, 0, 0x12, 0x34, 0x00, 0x07, 0, 0, 1, 2, 3];
        for target in [0x0001u16, 0x1234, 0xfffe, 0x8000] {
            data[8] = 0;
            data[9] = 0;
            let current = checksum(&data, 0);
            let w = compensation(current, target);
            data[8..10].copy_from_slice(&w.to_be_bytes());
            assert_eq!(checksum(&data, 0), target, "target {target:#x}");
        }
    }
}
