//! globetrace's own JSON: read back so a saved run, a multipath one included, can be annotated
//! again with other databases, overrides or hints. A file holds one document (`--format
//! json` of one trace), a JSON array of them, or one per line (`--format jsonl` of a batch,
//! each with its `trace` label and `identity`); the stream ([`super::stream`]) splits them.
//!
//! The document says per hop how many probes were sent and, per responder, how many answered
//! and with which RTTs and reply kinds; that is turned back into probes (the responders'
//! replies in order, then the lost ones: the sending order is not kept). A multipath
//! document's `multipath` graph is read back with its vertices named by their ids. Places,
//! names looked up and distances are not read: they are what annotating makes again.
//!
//! The input is untrusted: host names are sanitised here, counts are capped
//! ([`MAX_PROBES_PER_HOP`], [`MAX_NODES`], [`MAX_LINKS`]), and a link that names an unknown vertex or does not
//! lead to a later TTL is skipped with a warning (so the graph stays acyclic).

use super::{ImportError, ImportWarning, Imported, InputFormat, WarningReason};
use crate::multipath::{Balancer, Link, Multipath, Node};
use crate::trace::{
    Hop, MplsLabel, Origin, Reply, ReplyKind, Trace, TraceIdentity, TraceOptions, Unreachable,
};
use serde::Deserialize;
use std::net::IpAddr;
use std::time::Duration;

/// The most probes read for one hop.
pub const MAX_PROBES_PER_HOP: usize = 10_000;
/// The most graph vertices read (a discovery finds tens to a few hundred).
pub const MAX_NODES: usize = 4_096;
/// The most graph links read.
pub const MAX_LINKS: usize = 65_536;
/// Bad links named one by one; the rest are counted in one warning.
const MAX_LINK_WARNINGS: usize = 10;

#[derive(Deserialize)]
struct Document {
    schema_version: u32,
    target: Option<String>,
    address: Option<IpAddr>,
    source: Option<IpAddr>,
    options: Option<TraceOptions>,
    #[serde(default)]
    reached: bool,
    #[serde(default)]
    interrupted: bool,
    #[serde(default)]
    hops: Vec<HopDoc>,
    multipath: Option<GraphDoc>,
    /// Present in the many-trace document, which this reader does not take.
    traces: Option<serde::de::IgnoredAny>,
    /// A trace of many (`--format jsonl`): its label and what named it.
    trace: Option<String>,
    identity: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct HopDoc {
    hop: u8,
    #[serde(default)]
    sent: usize,
    #[serde(default)]
    responders: Vec<ResponderDoc>,
}

#[derive(Deserialize)]
struct ResponderDoc {
    ip: IpAddr,
    hostname: Option<String>,
    #[serde(default)]
    rtts_ms: Vec<f64>,
    #[serde(default)]
    received: usize,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    marks: Vec<String>,
    #[serde(default)]
    mpls: Vec<MplsLabel>,
}

#[derive(Deserialize)]
struct GraphDoc {
    #[serde(default)]
    confidence: u8,
    #[serde(default)]
    probes_sent: u64,
    #[serde(default)]
    nodes: Vec<NodeDoc>,
    #[serde(default)]
    links: Vec<LinkDoc>,
}

#[derive(Deserialize)]
struct NodeDoc {
    id: String,
    ttl: u8,
    address: Option<IpAddr>,
    #[serde(default)]
    flows: u32,
    balancer: Option<Balancer>,
    #[serde(default)]
    destination: bool,
}

#[derive(Deserialize)]
struct LinkDoc {
    from: String,
    to: String,
    #[serde(default)]
    flows: u32,
}

/// The reply kind a `kinds` name and a mark stand for.
fn kind(name: Option<&str>, mark: Option<&str>) -> ReplyKind {
    match name {
        Some("time_exceeded") => ReplyKind::TimeExceeded,
        Some("echo_reply") => ReplyKind::EchoReply,
        Some("port_unreachable") => ReplyKind::PortUnreachable,
        Some("tcp_syn_ack") => ReplyKind::TcpSynAck,
        Some("tcp_reset") => ReplyKind::TcpReset,
        Some("unreachable") => ReplyKind::Unreachable(match mark {
            Some("!N") => Unreachable::Network,
            Some("!H") => Unreachable::Host,
            Some("!P") => Unreachable::Protocol,
            Some("!X") => Unreachable::AdminProhibited,
            Some("!F") => Unreachable::FragmentationNeeded,
            Some("!S") => Unreachable::SourceRoute,
            Some("!V") => Unreachable::PrecedenceViolation,
            Some("!C") => Unreachable::PrecedenceCutoff,
            Some(m) => Unreachable::Other(
                m.trim_start_matches("!<")
                    .trim_end_matches('>')
                    .parse()
                    .unwrap_or(0),
            ),
            None => Unreachable::Other(0),
        }),
        _ => ReplyKind::Unknown,
    }
}

fn hop(doc: &HopDoc, notes: &mut Vec<String>) -> Hop {
    let mut probes: Vec<Option<Reply>> = Vec::new();
    for r in &doc.responders {
        let k = kind(
            r.kinds.first().map(String::as_str),
            r.marks.first().map(String::as_str),
        );
        let hostname = r
            .hostname
            .as_deref()
            .map(crate::text::sanitize_name)
            .filter(|h| !h.is_empty());
        for i in 0..r.received.max(r.rtts_ms.len()) {
            if probes.len() == MAX_PROBES_PER_HOP {
                notes.push(format!(
                    "hop {}: more than {MAX_PROBES_PER_HOP} replies; the rest left out",
                    doc.hop
                ));
                return Hop {
                    ttl: doc.hop,
                    probes,
                };
            }
            let rtt = r
                .rtts_ms
                .get(i)
                .copied()
                .filter(|ms| ms.is_finite() && *ms >= 0.0 && *ms < 3.6e6)
                .map(|ms| Duration::from_secs_f64(ms / 1000.0));
            let mut reply = Reply::new(r.ip, rtt, k);
            reply.hostname = hostname.clone();
            reply.mpls = r.mpls.clone();
            probes.push(Some(reply));
        }
    }
    let lost = doc
        .sent
        .saturating_sub(probes.len())
        .min(MAX_PROBES_PER_HOP - probes.len());
    probes.extend(std::iter::repeat_n(None, lost));
    Hop {
        ttl: doc.hop,
        probes,
    }
}

fn graph(doc: &GraphDoc, notes: &mut Vec<String>) -> Multipath {
    let nodes: Vec<&NodeDoc> = doc.nodes.iter().take(MAX_NODES).collect();
    if doc.nodes.len() > MAX_NODES {
        notes.push(format!(
            "more than {MAX_NODES} multipath vertices; the rest left out"
        ));
    }
    let mut m = Multipath {
        confidence: doc.confidence,
        probes_sent: doc.probes_sent,
        nodes: nodes
            .iter()
            .map(|n| Node {
                ttl: n.ttl,
                address: n.address,
                flows: n.flows,
                balancer: n.balancer,
                destination: n.destination,
            })
            .collect(),
        links: Vec::new(),
    };
    let ids: std::collections::HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .rev()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let index = |id: &str| ids.get(id).copied();
    if doc.links.len() > MAX_LINKS {
        notes.push(format!(
            "more than {MAX_LINKS} multipath links; the rest left out"
        ));
    }
    let mut bad = 0usize;
    for l in doc.links.iter().take(MAX_LINKS) {
        let why = match (index(&l.from), index(&l.to)) {
            (Some(from), Some(to)) if m.nodes[from].ttl < m.nodes[to].ttl => {
                m.links.push(Link {
                    from,
                    to,
                    flows: l.flows,
                });
                continue;
            }
            (Some(_), Some(_)) => "does not lead to a later hop",
            _ => "names an unknown vertex",
        };
        bad += 1;
        if bad <= MAX_LINK_WARNINGS {
            let shown = |id: &str| crate::text::sanitize_text(id, 60);
            notes.push(format!(
                "multipath link {:?} → {:?} {why}; left out",
                shown(&l.from),
                shown(&l.to)
            ));
        }
    }
    if bad > MAX_LINK_WARNINGS {
        notes.push(format!(
            "{} more multipath links left out",
            bad - MAX_LINK_WARNINGS
        ));
    }
    m
}

/// One record: a document `--format json` wrote, or one line of `--format jsonl` (a trace of
/// many, with its `trace` label and `identity`). Returns the trace, what names it, and notes on
/// what was left out; an error says why the record is not a trace.
pub(super) fn read(bytes: &[u8]) -> Result<(Trace, TraceIdentity, Vec<String>), String> {
    let doc: Document = serde_json::from_slice(bytes)
        .map_err(|e| format!("not a globetrace JSON document: {e}"))?;
    if doc.traces.is_some() {
        return Err(
            "a globetrace document of many traces (--format json of a batch); \
                    save them with --format jsonl to annotate them again"
                .into(),
        );
    }
    if !(1..=2).contains(&doc.schema_version) {
        return Err(format!(
            "schema_version {} is not one this version reads (1 or 2)",
            doc.schema_version
        ));
    }
    let mut notes = Vec::new();
    let target = doc
        .target
        .as_deref()
        .map(crate::text::sanitize_name)
        .or_else(|| doc.address.map(|a| a.to_string()))
        .unwrap_or_default();
    let mut trace = Trace::new(target.clone(), doc.address, Origin::Imported);
    trace.source = doc.source;
    trace.options = doc.options;
    trace.reached = doc.reached;
    trace.interrupted = doc.interrupted;
    let mut hops: Vec<Hop> = doc.hops.iter().map(|h| hop(h, &mut notes)).collect();
    hops.sort_by_key(|h| h.ttl);
    hops.dedup_by_key(|h| h.ttl);
    trace.hops = hops;
    trace.multipath = doc.multipath.as_ref().map(|g| graph(g, &mut notes));
    if trace.hops.iter().all(|h| h.received() == 0) {
        return Err("no hop answered".into());
    }
    // A trace of many keeps what named it (less the position its file gave it: the reader
    // numbers records again).
    let mut identity: TraceIdentity = doc
        .identity
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let label = doc.trace.as_deref().unwrap_or(&identity.label);
    let label = match label.rsplit_once('#') {
        Some((l, n)) if !l.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => l,
        _ => label,
    };
    identity.label = crate::text::sanitize_text(label, 200);
    if identity.label.is_empty() {
        identity.label = target;
    }
    for s in [
        &mut identity.tool,
        &mut identity.vantage,
        &mut identity.measurement,
    ] {
        *s = s.as_deref().map(|t| crate::text::sanitize_text(t, 200));
    }
    Ok((trace, identity, notes))
}

/// Reads one trace's globetrace JSON document on its own (the stream reads files through
/// [`read`]).
pub(super) fn parse(bytes: &[u8], name: &str) -> Result<Imported, ImportError> {
    let (trace, _, notes) = read(bytes).map_err(|why| ImportError::NoHops {
        name: name.into(),
        format: Some(InputFormat::GlobetraceJson),
        warnings: vec![ImportWarning {
            line: 1,
            text: String::new(),
            reason: WarningReason::BadRecord(why),
        }],
    })?;
    Ok(Imported {
        trace,
        format: InputFormat::GlobetraceJson,
        warnings: notes
            .into_iter()
            .map(|n| ImportWarning {
                line: 1,
                text: String::new(),
                reason: WarningReason::RecordNote(n),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(hops: &str, extra: &str) -> Vec<u8> {
        format!(
            "{{\"schema_version\":2,\"generator\":\"globetrace 0.1.0\",\"target\":\"t\\u001b[2J\",\
             \"address\":\"192.0.2.9\",\"reached\":true,\"hops\":[{hops}]{extra}}}"
        )
        .into_bytes()
    }

    #[test]
    fn replies_come_back_with_their_kinds_rtts_and_losses() {
        let bytes = doc(
            "{\"hop\":1,\"sent\":4,\"responders\":[{\"ip\":\"192.0.2.1\",\"hostname\":\"r1\\u202e.x\",\
             \"rtts_ms\":[1.5,2.5],\"received\":3,\"kinds\":[\"unreachable\"],\"marks\":[\"!H\"]}]},\
             {\"hop\":2,\"sent\":1,\"responders\":[{\"ip\":\"192.0.2.9\",\"rtts_ms\":[-1],\
             \"received\":1,\"kinds\":[\"echo_reply\"]}]}",
            "",
        );
        let t = parse(&bytes, "x").unwrap().trace;
        assert_eq!(t.target, "t");
        assert_eq!(t.origin, Origin::Imported);
        let h = &t.hops[0];
        assert_eq!((h.sent(), h.received()), (4, 3));
        let r: Vec<&Reply> = h.replies().collect();
        assert_eq!(r[0].kind, ReplyKind::Unreachable(Unreachable::Host));
        assert_eq!(r[0].rtt, Some(Duration::from_micros(1500)));
        assert_eq!(r[2].rtt, None);
        assert_eq!(r[0].hostname.as_deref(), Some("r1.x"));
        // A negative RTT is not a time.
        assert_eq!(t.hops[1].replies().next().unwrap().rtt, None);
        assert!(t.hops[1].reached_destination());
        assert!(t.multipath.is_none());
    }

    #[test]
    fn counts_are_capped_and_bad_documents_named() {
        let bytes = doc(
            "{\"hop\":1,\"sent\":99999999999,\"responders\":[{\"ip\":\"192.0.2.1\",\
             \"received\":99999999999}]}",
            "",
        );
        let imported = parse(&bytes, "x").unwrap();
        assert_eq!(imported.trace.hops[0].sent(), MAX_PROBES_PER_HOP);
        assert_eq!(imported.warnings.len(), 1);

        let err = parse(b"{\"schema_version\":7,\"hops\":[]}", "x").unwrap_err();
        assert!(matches!(&err, ImportError::NoHops { warnings, .. }
            if warnings[0].reason.to_string().contains("schema_version 7")));
        let err = parse(b"[1,2]", "x").unwrap_err();
        assert!(matches!(&err, ImportError::NoHops { warnings, .. }
            if warnings[0].reason.to_string().contains("not a globetrace JSON document")));
    }

    #[test]
    fn the_sniffer_knows_the_document() {
        let bytes = doc("", "");
        assert_eq!(
            super::super::stream::sniff(&bytes),
            InputFormat::GlobetraceJson
        );
    }

    /// Every diamond, IPv4 and IPv6, written by the JSON export and read back: the same graph,
    /// and the same replies per responder.
    #[test]
    fn the_export_reads_back_to_the_same_graph() {
        use crate::diamonds;
        let v6 = diamonds::trace_of(&diamonds::graph(
            &[
                (1, Some("2001:db8::1")),
                (2, Some("2001:db8::21")),
                (2, None),
                (2, Some("2001:db8::23")),
                (3, Some("2001:db8::3")),
            ],
            &[(0, 1), (0, 2), (0, 3), (1, 4), (2, 4), (3, 4)],
        ));
        for trace in [
            diamonds::two_wide(),
            diamonds::four_wide(),
            diamonds::nested(),
            diamonds::with_unknown(),
            v6,
        ] {
            let path = crate::path::Path::new(trace.clone(), &Default::default());
            let text = crate::report::json::to_string(&path).unwrap();
            let back = parse(text.as_bytes(), "saved.json").unwrap();
            assert!(back.warnings.is_empty(), "{:?}", back.warnings);
            assert_eq!(back.format, InputFormat::GlobetraceJson);
            assert_eq!(back.trace.multipath, trace.multipath);
            for (a, b) in back.trace.hops.iter().zip(&trace.hops) {
                assert_eq!(
                    (a.ttl, a.sent(), a.received()),
                    (b.ttl, b.sent(), b.received())
                );
                assert_eq!(a.responders(), b.responders());
            }
        }
    }
}
