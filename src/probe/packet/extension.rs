//! ICMP multi-part message extensions (RFC 4884) and the MPLS label stack object (RFC 4950).
//!
//! Routers inside MPLS tunnels append the label stack of the packet that expired to their
//! time-exceeded messages. Showing it explains hops whose RTTs jump or whose addresses repeat.

use super::checksum::ones_sum;
use crate::trace::MplsLabel;

const EXTENSION_VERSION: u8 = 2;
const CLASS_MPLS: u8 = 1;
const CTYPE_INCOMING_STACK: u8 = 1;

/// True when `bytes` starts with a version-2 extension header whose checksum holds.
pub(crate) fn looks_like_extension(bytes: &[u8]) -> bool {
    bytes.len() >= 4
        && bytes[0] >> 4 == EXTENSION_VERSION
        && (u16::from_be_bytes([bytes[2], bytes[3]]) == 0 || ones_sum(bytes) == 0xFFFF)
}

/// The MPLS label stack entries in an extension structure; empty when there are none or the
/// structure is damaged (a damaged extension never invalidates the reply it came with).
pub fn parse_extensions(bytes: &[u8]) -> Vec<MplsLabel> {
    let mut labels = Vec::new();
    if !looks_like_extension(bytes) {
        return labels;
    }
    let mut rest = &bytes[4..];
    while rest.len() >= 4 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        if len < 4 || len > rest.len() {
            break;
        }
        let (class, ctype) = (rest[2], rest[3]);
        if class == CLASS_MPLS && ctype == CTYPE_INCOMING_STACK {
            labels.extend(rest[4..len].chunks_exact(4).map(|e| {
                let word = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
                MplsLabel {
                    label: word >> 12,
                    tc: ((word >> 9) & 0x7) as u8,
                    bottom: (word >> 8) & 1 == 1,
                    ttl: (word & 0xFF) as u8,
                }
            }));
        }
        rest = &rest[len..];
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Extension header (version 2, checksum over the structure) + one MPLS object with two
    /// entries: label 24005 TC 0 S 0 TTL 1, label 16 TC 5 S 1 TTL 255.
    pub(crate) const TWO_LABELS: [u8; 16] = [
        0x20, 0x00, 0x7d, 0x15, // version 2, checksum
        0x00, 0x0c, 0x01, 0x01, // object: length 12, class 1 (MPLS), c-type 1
        0x05, 0xdc, 0x50, 0x01, // 24005 << 12 | tc 0 | s 0 | ttl 1
        0x00, 0x01, 0x0b, 0xff, // 16 << 12 | tc 5 << 9 | s 1 << 8 | ttl 255
    ];

    #[test]
    fn decodes_label_stack() {
        let labels = parse_extensions(&TWO_LABELS);
        assert_eq!(
            labels,
            vec![
                MplsLabel {
                    label: 24005,
                    tc: 0,
                    bottom: false,
                    ttl: 1
                },
                MplsLabel {
                    label: 16,
                    tc: 5,
                    bottom: true,
                    ttl: 255
                },
            ]
        );
    }

    #[test]
    fn bad_checksum_or_version_is_ignored() {
        let mut bad = TWO_LABELS;
        bad[2] ^= 0xff;
        assert!(parse_extensions(&bad).is_empty());
        let mut v1 = TWO_LABELS;
        v1[0] = 0x10;
        assert!(parse_extensions(&v1).is_empty());
    }

    #[test]
    fn object_length_past_end_stops_cleanly() {
        let mut long = TWO_LABELS;
        long[5] = 0x40;
        long[2] = 0;
        long[3] = 0; // checksum 0 = not computed
        assert!(parse_extensions(&long).is_empty());
        assert!(parse_extensions(&[0x20]).is_empty());
    }
}
