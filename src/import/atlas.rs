//! RIPE Atlas traceroute results (the JSON the Atlas API and downloads serve, `type`
//! `traceroute`, IPv4 and IPv6).
//!
//! A result is one probe's trace: `result` lists hops, each with one entry per packet —
//! `{"from","rtt","ttl","size"}` for a reply, `{"x":"*"}` for a timeout, and markers the
//! reader must not count as probes: `dup` (a duplicate reply) and `late` (a reply to an
//! earlier packet, without an RTT). `err` names an ICMP unreachable (`N`, `H`, `A`, `P`, `p`,
//! `h`, or a code) and `icmpext` carries RFC 4950 MPLS labels. A hop may be only an `error`
//! string (the probe could not send).
//!
//! Atlas does not say which ICMP type answered, so a reply from `dst_addr` without `err` is
//! taken as the destination's answer for the protocol used, and any other as time exceeded.
//! The probe's public address (`from`) becomes the trace's source and its id, the
//! measurement's id and the start time its identity.

use super::common::ms_duration;
use super::records::Text;
use crate::trace::{
    Hop, MplsLabel, Origin, Protocol, Reply, ReplyKind, Trace, TraceIdentity, Unreachable,
};
use serde::Deserialize;
use std::net::IpAddr;

/// The most packets per hop believed: Atlas sends at most 16.
const MAX_PACKETS: usize = 255;

/// One result; text is borrowed from the input where it has no escapes (a measurement has
/// many results and each many replies, and their text is mostly only parsed).
#[derive(Deserialize)]
struct AtlasResult<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    msm_id: Option<u64>,
    prb_id: Option<u64>,
    timestamp: Option<i64>,
    #[serde(borrow)]
    from: Option<Text<'a>>,
    #[serde(borrow)]
    src_addr: Option<Text<'a>>,
    #[serde(borrow)]
    dst_addr: Option<Text<'a>>,
    #[serde(borrow)]
    dst_name: Option<Text<'a>>,
    #[serde(borrow)]
    proto: Option<Text<'a>>,
    #[serde(borrow)]
    result: Option<Vec<AtlasHop<'a>>>,
}

#[derive(Deserialize)]
struct AtlasHop<'a> {
    hop: Option<i64>,
    #[serde(borrow)]
    error: Option<Text<'a>>,
    #[serde(borrow)]
    result: Option<Vec<AtlasReply<'a>>>,
}

/// One packet's entry.
#[derive(Deserialize)]
struct AtlasReply<'a> {
    #[serde(borrow)]
    from: Option<Text<'a>>,
    rtt: Option<f64>,
    ttl: Option<u8>,
    #[serde(borrow)]
    x: Option<Text<'a>>,
    /// The probe could not send this packet (`sendto failed: ...`).
    #[serde(borrow)]
    error: Option<Text<'a>>,
    err: Option<ErrCode>,
    late: Option<u32>,
    dup: Option<bool>,
    #[serde(borrow)]
    flags: Option<Text<'a>>,
    icmpext: Option<IcmpExt>,
}

/// `err` is a letter or an ICMP code.
#[derive(Deserialize)]
#[serde(untagged)]
enum ErrCode {
    Letter(String),
    Code(i64),
}

#[derive(Deserialize)]
struct IcmpExt {
    #[serde(default)]
    obj: Vec<ExtObject>,
}

#[derive(Deserialize)]
struct ExtObject {
    #[serde(default)]
    mpls: Vec<AtlasMpls>,
}

#[derive(Deserialize)]
struct AtlasMpls {
    label: u32,
    #[serde(default)]
    exp: u8,
    #[serde(default)]
    s: u8,
    #[serde(default)]
    ttl: u8,
}

/// One Atlas result read: the trace, its identity (position left 0 for the caller), and notes
/// on parts that were skipped.
pub(super) struct Read {
    pub trace: Trace,
    pub identity: TraceIdentity,
    pub notes: Vec<String>,
}

/// Reads one Atlas result from its JSON bytes; `Err` says why it is not a usable traceroute.
pub(super) fn read(bytes: &[u8]) -> Result<Read, String> {
    let r: AtlasResult = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    result(r)
}

/// Reads the result at the start of `bytes` (which go on past it) and says how many bytes it
/// was; `None` if it is not whole, well-formed JSON of a result's shape there, and then
/// [`read`] of the result, once split out, says what is wrong.
pub(super) fn read_prefix(bytes: &[u8]) -> Option<(usize, Result<Read, String>)> {
    let (used, r) = super::records::parse_prefix::<AtlasResult>(bytes)?;
    Some((used, result(r)))
}

/// The trace of one parsed result.
fn result(r: AtlasResult<'_>) -> Result<Read, String> {
    if let Some(kind) = r.kind.as_deref().filter(|k| *k != "traceroute") {
        return Err(format!(
            "an Atlas \"{}\" result, not a traceroute",
            crate::text::sanitize_text(kind, 32)
        ));
    }
    let hops_in = r
        .result
        .ok_or_else(|| "no \"result\" list: not an Atlas traceroute result".to_string())?;
    let address = r.dst_addr.as_deref().and_then(|a| a.parse::<IpAddr>().ok());
    let protocol = match r.proto.as_deref() {
        Some("UDP") => Some(Protocol::Udp),
        Some("TCP") => Some(Protocol::Tcp),
        Some("ICMP") => Some(Protocol::Icmp),
        _ => None,
    };
    let target = r
        .dst_name
        .as_deref()
        .map(crate::text::sanitize_name)
        .filter(|n| !n.is_empty())
        .or_else(|| address.map(|a| a.to_string()))
        .unwrap_or_default();
    let mut trace = Trace::new(target, address, Origin::Imported);
    trace.source = r
        .from
        .as_deref()
        .and_then(|a| a.parse().ok())
        .or_else(|| r.src_addr.as_deref().and_then(|a| a.parse().ok()));
    let mut notes = Vec::new();
    for h in hops_in {
        let ttl = match h.hop.map(u8::try_from) {
            Some(Ok(ttl)) if ttl > 0 => ttl,
            _ => {
                notes.push(format!("hop number {:?} is not 1 to 255", h.hop));
                continue;
            }
        };
        if let Some(prev) = trace.hops.last().map(|h| h.ttl) {
            if ttl <= prev {
                notes.push(format!("hop {ttl} does not follow hop {prev}"));
                continue;
            }
        }
        if let Some(error) = &h.error {
            notes.push(format!(
                "hop {ttl}: {}",
                crate::text::sanitize_text(error, 120)
            ));
        }
        let mut hop = Hop::new(ttl);
        for p in h.result.unwrap_or_default() {
            if p.dup == Some(true) || p.late.is_some() {
                continue;
            }
            if hop.probes.len() == MAX_PACKETS {
                notes.push(format!(
                    "hop {ttl}: more than {MAX_PACKETS} packets; the rest left out"
                ));
                break;
            }
            if p.x.is_some() {
                hop.probes.push(None);
                continue;
            }
            if let Some(error) = &p.error {
                notes.push(format!(
                    "hop {ttl}: {}",
                    crate::text::sanitize_text(error, 120)
                ));
                continue;
            }
            let Some(from) = p.from.as_deref().and_then(|a| a.parse::<IpAddr>().ok()) else {
                notes.push(format!("hop {ttl}: a reply without a usable address"));
                continue;
            };
            let kind = kind_of(&p, from, address, protocol);
            let mut reply = Reply::new(from, p.rtt.and_then(ms_duration), kind);
            reply.reply_ttl = p.ttl;
            reply.mpls = p
                .icmpext
                .iter()
                .flat_map(|e| &e.obj)
                .flat_map(|o| &o.mpls)
                .map(|m| MplsLabel {
                    label: m.label & 0xf_ffff,
                    tc: m.exp & 7,
                    bottom: m.s != 0,
                    ttl: m.ttl,
                })
                .collect();
            hop.probes.push(Some(reply));
        }
        trace.hops.push(hop);
    }
    trace.reached = trace
        .hops
        .last()
        .is_some_and(|h| h.reached_destination() && address.is_some());
    let identity = TraceIdentity {
        label: format!("{}/{}/{}", opt(r.msm_id), opt(r.prb_id), opt(r.timestamp)),
        position: 0,
        tool: Some("ripe-atlas".into()),
        vantage: r.prb_id.map(|p| format!("probe {p}")),
        measurement: r.msm_id.map(|m| m.to_string()),
        time: r.timestamp,
    };
    Ok(Read {
        trace,
        identity,
        notes,
    })
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// What answered, from `err`, the address and the protocol (Atlas does not record the type).
fn kind_of(
    p: &AtlasReply<'_>,
    from: IpAddr,
    dst: Option<IpAddr>,
    protocol: Option<Protocol>,
) -> ReplyKind {
    if let Some(err) = &p.err {
        let u = match err {
            ErrCode::Letter(l) => match l.as_str() {
                "N" => Unreachable::Network,
                "H" => Unreachable::Host,
                "A" => Unreachable::AdminProhibited,
                "P" => Unreachable::Protocol,
                "p" => return ReplyKind::PortUnreachable,
                "h" => Unreachable::SourceRoute,
                _ => Unreachable::Other(255),
            },
            ErrCode::Code(c) => Unreachable::Other(u8::try_from(*c).unwrap_or(255)),
        };
        return ReplyKind::Unreachable(u);
    }
    if Some(from) != dst {
        return ReplyKind::TimeExceeded;
    }
    match protocol {
        Some(Protocol::Icmp) => ReplyKind::EchoReply,
        Some(Protocol::Udp) => ReplyKind::PortUnreachable,
        Some(Protocol::Tcp) => match p.flags.as_deref() {
            Some(f) if f.contains('R') => ReplyKind::TcpReset,
            Some(f) if f.contains('S') && f.contains('A') => ReplyKind::TcpSynAck,
            _ => ReplyKind::Unknown,
        },
        None => ReplyKind::Unknown,
    }
}
