//! Flow identifiers and the stopping rule: which field a discovery varies, and how many flows a
//! vertex needs before its next hops are known at a confidence.

use crate::probe::packet::{Flow, FlowKind};

/// Flow identifiers one discovery may use (source ports or ICMP checksums).
pub const MAX_FLOWS: u32 = 4096;

/// Flows through a vertex with `k` next hops found that must be probed before the vertex is
/// done: the smallest `n` with `(k + 1) · (k / (k + 1))^n ≤ 1 − confidence`.
pub fn stopping_point(k: usize, confidence: u8) -> u32 {
    if k == 0 {
        return 1;
    }
    let alpha = 1.0 - f64::from(confidence.clamp(50, 99)) / 100.0;
    let k = k as f64;
    let n = ((alpha / (k + 1.0)).ln() / (k / (k + 1.0)).ln()).ceil();
    n.max(1.0) as u32
}

/// Flow identifier `i` of the discovery whose first flow is `template`: the varied field only.
pub fn flow_for(template: &Flow, i: u32) -> Flow {
    let kind = match template.kind {
        FlowKind::Icmp { ident, checksum } => FlowKind::Icmp {
            ident,
            // Checksums 0 and 0xFFFF are avoided: 1..=0xFFFE.
            checksum: ((u32::from(checksum).max(1) - 1 + i) % 0xFFFE + 1) as u16,
        },
        FlowKind::Udp { src_port, dst_port } => FlowKind::Udp {
            src_port: port_for(src_port, i),
            dst_port,
        },
        FlowKind::Tcp {
            src_port,
            dst_port,
            cookie,
        } => FlowKind::Tcp {
            src_port: port_for(src_port, i),
            dst_port,
            cookie,
        },
    };
    Flow { kind, ..*template }
}

/// The `i`-th source port after `base`, wrapping inside the unprivileged range 1024..=65535.
pub fn port_for(base: u16, i: u32) -> u16 {
    let span = 65536 - 1024;
    let start = u32::from(base.max(1024)) - 1024;
    (1024 + (start + i) % span) as u16
}

/// Which flow index `port` is after `base` (the inverse of [`port_for`]).
pub fn port_index(base: u16, port: u16) -> Option<u32> {
    if port < 1024 {
        return None;
    }
    let span = 65536 - 1024;
    let start = u32::from(base.max(1024)) - 1024;
    Some((u32::from(port) - 1024 + span - start) % span)
}
