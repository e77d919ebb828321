//! A lossless, compression-friendly re-encoding of an mmdb file, used for the shipped data.
//!
//! Why: in a city database the search tree is ~85% of the file, and its node pointers
//! (28-bit big-endian integers that keep growing) defeat general-purpose compressors: the
//! reduced DB-IP City Lite mmdb is 123 MB and still 40 MB after `xz -9e`. The writer numbers
//! nodes in pre-order, so every pointer is implied by the tree's shape. Storing the shape as
//! two bits per node plus the leaf records in traversal order, and the rest of the file as is,
//! makes the same content compress to 18 MB. Rebuilding the exact original bytes takes well
//! under a second, and happens once (the result is cached, see `shipped`).
//!
//! Layout (integers little-endian):
//! ```text
//! magic "GTPACK01" | record_size u16 | node_count u32 | leaf_count u32 | tail_len u64
//! shape: ceil(node_count / 4) bytes, 2 bits per node in pre-order
//!        (bit 0: left child is a node, bit 1: right child is a node)
//! leaves: leaf_count × u32, the non-node records in depth-first order, left before right
//! tail: tail_len bytes, everything after the search tree (separator, data, metadata)
//! ```
//!
//! This file is also compiled into `data/tools/build-geodata` (via `#[path]`), so it depends on
//! nothing but `std` and `thiserror`.

use std::fmt;

const MAGIC: &[u8; 8] = b"GTPACK01";
const HEADER_LEN: usize = 8 + 2 + 4 + 4 + 8;

/// Why a buffer could not be packed or unpacked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    /// The record size is not one of the three the mmdb format defines.
    #[error("unsupported mmdb record size {0} (expected 24, 28 or 32)")]
    RecordSize(u16),
    /// The input is shorter than its header or tree claims.
    #[error("truncated input: {0}")]
    Truncated(Section),
    /// The packed input does not start with the expected magic bytes.
    #[error("not a globetrace packed mmdb (bad magic)")]
    Magic,
    /// The tree is not numbered in pre-order, so its shape alone cannot rebuild it.
    #[error("search tree node {node} is not in pre-order; only trees written in pre-order pack")]
    NotPreorder {
        /// The first node found out of order.
        node: u32,
    },
    /// The shape bits and the leaf list disagree.
    #[error("packed tree is inconsistent: {0}")]
    Inconsistent(Section),
}

/// The part of the input a [`PackError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The fixed-size header.
    Header,
    /// The search tree (or its shape bits).
    Tree,
    /// The leaf records.
    Leaves,
    /// The bytes after the tree.
    Tail,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Section::Header => "header",
            Section::Tree => "search tree",
            Section::Leaves => "leaf records",
            Section::Tail => "data section",
        })
    }
}

fn node_bytes(record_size: u16) -> Result<usize, PackError> {
    match record_size {
        24 | 28 | 32 => Ok(usize::from(record_size) / 4),
        other => Err(PackError::RecordSize(other)),
    }
}

fn read_record(node: &[u8], record_size: u16, right: bool) -> u32 {
    let b = |i: usize| u32::from(node[i]);
    match (record_size, right) {
        (24, false) => b(0) << 16 | b(1) << 8 | b(2),
        (24, true) => b(3) << 16 | b(4) << 8 | b(5),
        (28, false) => (b(3) & 0xf0) << 20 | b(0) << 16 | b(1) << 8 | b(2),
        (28, true) => (b(3) & 0x0f) << 24 | b(4) << 16 | b(5) << 8 | b(6),
        (_, false) => u32::from_be_bytes([node[0], node[1], node[2], node[3]]),
        (_, true) => u32::from_be_bytes([node[4], node[5], node[6], node[7]]),
    }
}

fn write_record(node: &mut [u8], record_size: u16, right: bool, value: u32) {
    let [b0, b1, b2, b3] = value.to_be_bytes();
    match (record_size, right) {
        (24, false) => node[..3].copy_from_slice(&[b1, b2, b3]),
        (24, true) => node[3..6].copy_from_slice(&[b1, b2, b3]),
        (28, false) => {
            node[..3].copy_from_slice(&[b1, b2, b3]);
            node[3] = (node[3] & 0x0f) | (b0 << 4);
        }
        (28, true) => {
            node[3] = (node[3] & 0xf0) | (b0 & 0x0f);
            node[4..7].copy_from_slice(&[b1, b2, b3]);
        }
        (_, false) => node[..4].copy_from_slice(&[b0, b1, b2, b3]),
        (_, true) => node[4..8].copy_from_slice(&[b0, b1, b2, b3]),
    }
}

/// Packs an mmdb file whose tree has `node_count` nodes of `record_size` bits.
///
/// # Errors
/// [`PackError::NotPreorder`] unless every node is reached from the root exactly once, in
/// pre-order; [`PackError::Truncated`] if `mmdb` is shorter than its tree.
pub fn pack(mmdb: &[u8], node_count: u32, record_size: u16) -> Result<Vec<u8>, PackError> {
    let width = node_bytes(record_size)?;
    let nodes = node_count as usize;
    let tree_len = nodes * width;
    let tree = mmdb
        .get(..tree_len)
        .ok_or(PackError::Truncated(Section::Tree))?;
    let tail = &mmdb[tree_len..];

    let mut shape = vec![0u8; nodes.div_ceil(4)];
    let mut leaves: Vec<u32> = Vec::with_capacity(nodes + 1);
    let mut next_node = 0u32;
    // Depth-first, left before right; a record is either a node to visit or a leaf to emit.
    let mut stack: Vec<u32> = vec![0];
    while let Some(record) = stack.pop() {
        if record >= node_count {
            leaves.push(record);
            continue;
        }
        if record != next_node {
            return Err(PackError::NotPreorder { node: record });
        }
        next_node += 1;
        let i = record as usize;
        let node = &tree[i * width..(i + 1) * width];
        let (left, right) = (
            read_record(node, record_size, false),
            read_record(node, record_size, true),
        );
        let bits = u8::from(left < node_count) | u8::from(right < node_count) << 1;
        shape[i / 4] |= bits << ((i % 4) * 2);
        stack.push(right);
        stack.push(left);
    }
    if next_node != node_count {
        return Err(PackError::NotPreorder { node: next_node });
    }

    let mut out = Vec::with_capacity(HEADER_LEN + shape.len() + leaves.len() * 4 + tail.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&record_size.to_le_bytes());
    out.extend_from_slice(&node_count.to_le_bytes());
    let leaf_count =
        u32::try_from(leaves.len()).map_err(|_| PackError::Inconsistent(Section::Leaves))?;
    out.extend_from_slice(&leaf_count.to_le_bytes());
    out.extend_from_slice(&(tail.len() as u64).to_le_bytes());
    out.extend_from_slice(&shape);
    for leaf in &leaves {
        out.extend_from_slice(&leaf.to_le_bytes());
    }
    out.extend_from_slice(tail);
    Ok(out)
}

/// A cursor over the packed input that names the section it ran out in.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn take(&mut self, n: usize, section: Section) -> Result<&'a [u8], PackError> {
        if self.0.len() < n {
            return Err(PackError::Truncated(section));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PackError> {
        let bytes = self.take(N, Section::Header)?;
        Ok(bytes.try_into().unwrap_or([0; N]))
    }
}

/// Rebuilds the exact mmdb bytes that [`pack`] was given.
///
/// # Errors
/// [`PackError::Magic`], [`PackError::Truncated`] or [`PackError::Inconsistent`] for input
/// that [`pack`] did not produce (the shipped files are checked against a SHA-256 as well).
pub fn unpack(packed: &[u8]) -> Result<Vec<u8>, PackError> {
    let mut input = Input(packed);
    if &input.array::<8>()? != MAGIC {
        return Err(PackError::Magic);
    }
    let record_size = u16::from_le_bytes(input.array()?);
    let node_count = u32::from_le_bytes(input.array()?);
    let leaf_count = u32::from_le_bytes(input.array()?) as usize;
    let tail_len = usize::try_from(u64::from_le_bytes(input.array()?))
        .map_err(|_| PackError::Truncated(Section::Tail))?;
    let width = node_bytes(record_size)?;
    let nodes = node_count as usize;
    if node_count == 0 {
        return Err(PackError::Inconsistent(Section::Tree));
    }
    let shape = input.take(nodes.div_ceil(4), Section::Tree)?;
    let leaves_len = leaf_count
        .checked_mul(4)
        .ok_or(PackError::Truncated(Section::Leaves))?;
    let leaves = input.take(leaves_len, Section::Leaves)?;
    let tail = input.take(tail_len, Section::Tail)?;

    let mut out = vec![0u8; nodes * width + tail_len];
    let mut leaf_iter = leaves
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    let mut next_node = 1u32;
    // Pending child slots: (parent node, is right child). Left is pushed last so it is filled
    // first, which reproduces the pre-order numbering that `pack` checked.
    let mut stack: Vec<(u32, bool)> = vec![(0, true), (0, false)];
    while let Some((parent, right)) = stack.pop() {
        let p = parent as usize;
        let is_node = shape[p / 4] >> ((p % 4) * 2) & if right { 2 } else { 1 } != 0;
        let value = if is_node {
            let child = next_node;
            if child >= node_count {
                return Err(PackError::Inconsistent(Section::Tree));
            }
            next_node += 1;
            stack.push((child, true));
            stack.push((child, false));
            child
        } else {
            leaf_iter
                .next()
                .ok_or(PackError::Inconsistent(Section::Leaves))?
        };
        write_record(
            &mut out[p * width..(p + 1) * width],
            record_size,
            right,
            value,
        );
    }
    if next_node != node_count || leaf_iter.next().is_some() {
        return Err(PackError::Inconsistent(Section::Tree));
    }
    out[nodes * width..].copy_from_slice(tail);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made tree: root → (node 1 → (leaf 5, leaf 6), leaf 7), for every record size.
    fn tiny_tree(record_size: u16) -> Vec<u8> {
        let width = node_bytes(record_size).unwrap();
        let mut bytes = vec![0u8; 2 * width];
        write_record(&mut bytes[..width], record_size, false, 1);
        write_record(
            &mut bytes[..width],
            record_size,
            true,
            0x0abc_dee7 >> (32 - record_size),
        );
        write_record(&mut bytes[width..], record_size, false, 5);
        write_record(&mut bytes[width..], record_size, true, 6);
        bytes.extend_from_slice(b"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0tail");
        bytes
    }

    #[test]
    fn records_round_trip_at_every_size() {
        for size in [24u16, 28, 32] {
            let max = u32::MAX >> (32 - size);
            let width = node_bytes(size).unwrap();
            let mut node = vec![0u8; width];
            write_record(&mut node, size, false, max);
            write_record(&mut node, size, true, max - 1);
            assert_eq!(read_record(&node, size, false), max);
            assert_eq!(read_record(&node, size, true), max - 1);
        }
    }

    #[test]
    fn pack_then_unpack_is_identity() {
        for size in [24u16, 28, 32] {
            let mmdb = tiny_tree(size);
            let packed = pack(&mmdb, 2, size).unwrap();
            assert_eq!(unpack(&packed).unwrap(), mmdb, "record size {size}");
        }
    }

    #[test]
    fn out_of_order_tree_is_refused() {
        let mut mmdb = tiny_tree(24);
        // Point the root's left record at itself: node 0 is reached twice.
        write_record(&mut mmdb[..6], 24, false, 0);
        assert_eq!(pack(&mmdb, 2, 24), Err(PackError::NotPreorder { node: 0 }));
    }

    #[test]
    fn damaged_input_is_an_error_not_a_panic() {
        let packed = pack(&tiny_tree(28), 2, 28).unwrap();
        assert_eq!(
            unpack(b"GTPACK0"),
            Err(PackError::Truncated(Section::Header))
        );
        assert_eq!(
            unpack(b"NOTPACKED-AT-ALL-NOT-EVEN-CLOSE"),
            Err(PackError::Magic)
        );
        for cut in [HEADER_LEN, HEADER_LEN + 1, packed.len() - 1] {
            assert!(unpack(&packed[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = packed.clone();
        flipped[HEADER_LEN] = 0xff; // every node claims two node children
        assert!(unpack(&flipped).is_err());
    }
}
