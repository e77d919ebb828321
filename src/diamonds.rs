//! Hand-made multipath traces for the unit tests of branch placement and of the reports: a
//! 2-wide, a 4-wide and a nested diamond, and one whose branch router is silent, each a
//! [`Trace`] with every reply at every TTL plus its [`Multipath`] graph, the way a live
//! discovery hands them over. Places come from a real overrides file read by
//! [`Feeds::load`], so each test says exactly where each router is.

use crate::geo::{Feeds, Geo, GeoConfig};
use crate::multipath::{Balancer, Link, Multipath, Node};
use crate::path::{Enrichment, Path};
use crate::trace::{Hop, Origin, Protocol, Reply, ReplyKind, Trace, TraceOptions};
use std::net::IpAddr;
use std::time::Duration;

/// Frankfurt, Paris, Amsterdam, London, Brussels, Zurich, Madrid: the places of the routers.
pub const FRA: (f64, f64) = (50.1109, 8.6821);
pub const PAR: (f64, f64) = (48.8566, 2.3522);
pub const AMS: (f64, f64) = (52.3676, 4.9041);
pub const LON: (f64, f64) = (51.5072, -0.1276);
pub const BRU: (f64, f64) = (50.8503, 4.3517);
pub const ZRH: (f64, f64) = (47.3769, 8.5417);
pub const MAD: (f64, f64) = (40.4168, -3.7038);

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A graph from `(ttl, address)` vertices (`None`: unknown) and `(from, to)` links; forks are
/// per-flow balancers, vertices at the last TTL the destination.
pub fn graph(nodes: &[(u8, Option<&str>)], links: &[(usize, usize)]) -> Multipath {
    let last = nodes.iter().map(|n| n.0).max().unwrap_or(0);
    let mut m = Multipath {
        confidence: 95,
        probes_sent: 0,
        nodes: nodes
            .iter()
            .map(|&(ttl, a)| Node {
                ttl,
                address: a.map(ip),
                flows: 0,
                balancer: None,
                destination: ttl == last && a.is_some(),
            })
            .collect(),
        links: links
            .iter()
            .map(|&(from, to)| Link { from, to, flows: 3 })
            .collect(),
    };
    for i in 0..m.nodes.len() {
        m.nodes[i].flows = 6;
        if m.forks(i) {
            m.nodes[i].balancer = Some(Balancer::PerFlow);
        }
    }
    m.probes_sent = 6 * m.nodes.len() as u64;
    m
}

/// The trace of `m`: per TTL, two replies from each vertex (RTT 2 ms per TTL), two lost
/// probes for an unknown one; the destination answers with echo replies.
pub fn trace_of(m: &Multipath) -> Trace {
    let dest = m
        .nodes
        .iter()
        .rev()
        .find(|n| n.destination)
        .and_then(|n| n.address);
    let mut t = Trace::new(
        dest.map(|a| a.to_string()).unwrap_or_default(),
        dest,
        Origin::Live,
    );
    t.options = Some(TraceOptions {
        protocol: Protocol::Icmp,
        port: None,
        first_hop: 1,
        max_hops: 30,
        queries: 3,
        wait_secs: 1.0,
        unprivileged: false,
    });
    let last = m.nodes.iter().map(|n| n.ttl).max().unwrap_or(0);
    for ttl in 1..=last {
        let mut hop = Hop::new(ttl);
        for (k, n) in m.nodes.iter().filter(|n| n.ttl == ttl).enumerate() {
            for j in 0..2u64 {
                hop.probes.push(n.address.map(|a| {
                    let kind = if n.destination {
                        ReplyKind::EchoReply
                    } else {
                        ReplyKind::TimeExceeded
                    };
                    let us = u64::from(ttl) * 2000 + k as u64 * 100 + j * 10;
                    Reply::new(a, Some(Duration::from_micros(us)), kind)
                }));
            }
        }
        t.hops.push(hop);
    }
    t.reached = dest.is_some();
    t.multipath = Some(m.clone());
    t
}

/// 1 → {2a, 2b} → 3: Frankfurt, then Paris or Amsterdam, then London.
pub fn two_wide() -> Trace {
    trace_of(&graph(
        &[
            (1, Some("62.115.0.1")),
            (2, Some("62.115.0.21")),
            (2, Some("62.115.0.22")),
            (3, Some("62.115.0.3")),
        ],
        &[(0, 1), (0, 2), (1, 3), (2, 3)],
    ))
}

/// 1 → {2a, 2b, 2c, 2d} → 3.
pub fn four_wide() -> Trace {
    trace_of(&graph(
        &[
            (1, Some("62.115.0.1")),
            (2, Some("62.115.0.21")),
            (2, Some("62.115.0.22")),
            (2, Some("62.115.0.23")),
            (2, Some("62.115.0.24")),
            (3, Some("62.115.0.3")),
        ],
        &[
            (0, 1),
            (0, 2),
            (0, 3),
            (0, 4),
            (1, 5),
            (2, 5),
            (3, 5),
            (4, 5),
        ],
    ))
}

/// A fork inside a fork: 1 → {2a, 2b}; 2a → {3a, 3b} → 4a; 2b → 3c → 4b; {4a, 4b} → 5.
pub fn nested() -> Trace {
    trace_of(&graph(
        &[
            (1, Some("62.115.0.1")),
            (2, Some("62.115.0.21")),
            (2, Some("62.115.0.22")),
            (3, Some("62.115.0.31")),
            (3, Some("62.115.0.32")),
            (3, Some("62.115.0.33")),
            (4, Some("62.115.0.41")),
            (4, Some("62.115.0.42")),
            (5, Some("62.115.0.5")),
        ],
        &[
            (0, 1),
            (0, 2),
            (1, 3),
            (1, 4),
            (3, 6),
            (4, 6),
            (2, 5),
            (5, 7),
            (6, 8),
            (7, 8),
        ],
    ))
}

/// 1 → {2a, unknown} → 3: one branch router never answers.
pub fn with_unknown() -> Trace {
    trace_of(&graph(
        &[
            (1, Some("62.115.0.1")),
            (2, Some("62.115.0.21")),
            (2, None),
            (3, Some("62.115.0.3")),
        ],
        &[(0, 1), (0, 2), (1, 3), (2, 3)],
    ))
}

/// Where the overrides put the fixtures' routers.
pub const PLACES: &[(&str, (f64, f64), &str)] = &[
    ("62.115.0.1", FRA, "Frankfurt"),
    ("62.115.0.21", PAR, "Paris"),
    ("62.115.0.22", AMS, "Amsterdam"),
    ("62.115.0.23", BRU, "Brussels"),
    ("62.115.0.24", ZRH, "Zurich"),
    ("62.115.0.3", LON, "London"),
    ("62.115.0.31", BRU, "Brussels"),
    ("62.115.0.32", ZRH, "Zurich"),
    ("62.115.0.33", MAD, "Madrid"),
    ("62.115.0.41", PAR, "Paris"),
    ("62.115.0.42", MAD, "Madrid"),
    ("62.115.0.5", LON, "London"),
];

/// No databases, the overrides of [`PLACES`] (written to a file and read back).
pub fn placed_geo() -> Geo {
    let text: String = PLACES
        .iter()
        .map(|(a, (lat, lon), label)| format!("{a} {lat},{lon} {label}\n"))
        .collect();
    let file = std::env::temp_dir().join(format!(
        "globetrace-diamonds-{}-{:?}.txt",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&file, text).unwrap();
    let feeds = Feeds::load(&[], std::slice::from_ref(&file)).unwrap();
    let _ = std::fs::remove_file(&file);
    Geo::open(&GeoConfig {
        use_shipped: false,
        ..GeoConfig::default()
    })
    .unwrap()
    .with_feeds(feeds)
}

/// `trace` enriched with `geo` (no names).
pub fn build(trace: Trace, geo: &Geo) -> Path {
    Path::build(
        trace,
        &Enrichment {
            geo: Some(geo),
            ..Enrichment::default()
        },
    )
}
