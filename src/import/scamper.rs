//! scamper's traces as `sc_warts2json` (or `scamper -O json`) writes them: one JSON object per
//! line, `cycle-start` / `trace` / `cycle-stop` records (and `list`, `ping`, `tracelb`, ...).
//!
//! A `trace` record lists only the replies, each with the TTL and attempt it answers
//! (`probe_ttl`, `probe_id`), the ICMP type and code, the reply TTL and any MPLS labels; TTLs
//! without a reply are implied by `firsthop`..`hop_count`. So a hop's probes are rebuilt: a
//! silent TTL sent `attempts` probes; an answered one sent as many as its highest attempt
//! number (scamper stops at the first reply unless told to send all attempts). IPv4 addresses
//! written as `::ffff:a.b.c.d` become plain IPv4. The monitor's host name, the list and the
//! cycle come from the `cycle-start` record before the trace and form its identity.
//! `tracelb` (multipath) records are read by [`super::tracelb_json`].

use super::common::ms_duration;
use super::records::Text;
use crate::trace::{Hop, MplsLabel, Origin, Reply, ReplyKind, Trace, TraceIdentity, Unreachable};
use serde::Deserialize;
use std::net::IpAddr;

/// The most probes per TTL believed: scamper's own limit on attempts is far below this.
const MAX_ATTEMPTS: usize = 64;

/// One record; text is borrowed from the input where it has no escapes (it is read for
/// every trace and every reply, and mostly only parsed).
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    // cycle-start
    #[serde(borrow)]
    list_name: Option<Text<'a>>,
    id: Option<u64>,
    #[serde(borrow)]
    hostname: Option<Text<'a>>,
    // trace
    #[serde(borrow)]
    src: Option<Text<'a>>,
    #[serde(borrow)]
    dst: Option<Text<'a>>,
    start: Option<Start>,
    #[serde(borrow)]
    stop_reason: Option<Text<'a>>,
    hop_count: Option<u64>,
    attempts: Option<u64>,
    firsthop: Option<u64>,
    #[serde(default, borrow)]
    hops: Vec<ScamperReply<'a>>,
}

#[derive(Deserialize)]
struct Start {
    sec: Option<i64>,
}

#[derive(Deserialize)]
struct ScamperReply<'a> {
    #[serde(borrow)]
    addr: Option<Text<'a>>,
    probe_ttl: Option<u64>,
    probe_id: Option<u64>,
    rtt: Option<f64>,
    reply_ttl: Option<u8>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
    tcp_flags: Option<u8>,
    #[serde(default)]
    icmpext: Vec<ScamperExt>,
}

#[derive(Deserialize)]
struct ScamperExt {
    #[serde(default)]
    mpls_labels: Vec<ScamperMpls>,
}

#[derive(Deserialize)]
struct ScamperMpls {
    mpls_label: u32,
    #[serde(default)]
    mpls_exp: u8,
    #[serde(default)]
    mpls_s: u8,
    #[serde(default)]
    mpls_ttl: u8,
}

/// What one record was.
pub(super) enum Outcome {
    /// A trace, with notes on parts skipped.
    Trace(Box<(Trace, TraceIdentity)>, Vec<String>),
    /// Bookkeeping (`cycle-start`, `cycle-stop`, `list`): nothing to report.
    Nothing,
}

/// Reads a scamper JSON stream record by record, remembering the cycle each trace belongs to.
#[derive(Default)]
pub(super) struct Reader {
    list: Option<String>,
    cycle: Option<u64>,
    monitor: Option<String>,
}

impl Reader {
    /// Reads one record's bytes; `Err` says why it is not a usable trace.
    pub fn read(&mut self, bytes: &[u8]) -> Result<Outcome, String> {
        let r: Record = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        self.record(r, bytes)
    }

    /// Reads the record at the start of `bytes` (which go on past it) and says how many
    /// bytes it was; `None` if it is not whole, well-formed JSON of a record's shape there,
    /// and then [`Reader::read`] of the record, once split out, says what is wrong.
    pub fn read_prefix(&mut self, bytes: &[u8]) -> Option<(usize, Result<Outcome, String>)> {
        let (used, r) = super::records::parse_prefix::<Record>(bytes)?;
        Some((used, self.record(r, &bytes[..used])))
    }

    /// One parsed record; `bytes` are its own (a tracelb record is read again as its own shape).
    fn record(&mut self, r: Record<'_>, bytes: &[u8]) -> Result<Outcome, String> {
        match r.kind.as_deref() {
            Some("cycle-start") | Some("cycle-def") => {
                self.list = r.list_name.as_deref().map(clean);
                self.cycle = r.id;
                self.monitor = r.hostname.as_deref().map(clean);
                Ok(Outcome::Nothing)
            }
            Some("cycle-stop") | Some("list") => Ok(Outcome::Nothing),
            Some("trace") => self.trace(r),
            Some("tracelb") => super::tracelb_json::read(
                bytes,
                self.list.as_deref(),
                self.cycle,
                self.monitor.clone(),
            ),
            Some(other) => Err(format!(
                "a scamper \"{}\" record, not a trace",
                crate::text::sanitize_text(other, 32)
            )),
            None => Err("no \"type\": not a scamper record".into()),
        }
    }

    fn trace(&self, r: Record<'_>) -> Result<Outcome, String> {
        let address = r.dst.as_deref().and_then(parse_addr);
        let Some(dst) = address else {
            return Err("a trace record without a usable \"dst\"".into());
        };
        let mut notes = Vec::new();
        let mut answers = Vec::with_capacity(r.hops.len());
        for p in &r.hops {
            let (Some(ttl), Some(addr)) = (
                p.probe_ttl
                    .and_then(|t| u8::try_from(t).ok())
                    .filter(|&t| t > 0),
                p.addr.as_deref().and_then(parse_addr),
            ) else {
                notes.push("a reply without a usable TTL or address".into());
                continue;
            };
            let icmp = p.icmp_type.map(|t| (t, p.icmp_code.unwrap_or(0)));
            let mut reply = Reply::new(
                addr,
                p.rtt.and_then(ms_duration),
                kind_of(p.tcp_flags, icmp, addr),
            );
            reply.reply_ttl = p.reply_ttl;
            reply.mpls = p
                .icmpext
                .iter()
                .flat_map(|e| &e.mpls_labels)
                .map(|m| MplsLabel {
                    label: m.mpls_label & 0xf_ffff,
                    tc: m.mpls_exp & 7,
                    bottom: m.mpls_s != 0,
                    ttl: m.mpls_ttl,
                })
                .collect();
            let attempt = p.probe_id.unwrap_or(1) as usize;
            answers.push(Answer {
                ttl,
                attempt,
                reply,
            });
        }
        let shape = Shape {
            dst,
            src: r.src.as_deref().and_then(parse_addr),
            attempts: r.attempts.unwrap_or(1),
            first: r.firsthop.unwrap_or(1),
            hop_count: r.hop_count.unwrap_or(0),
            completed: r.stop_reason.as_deref() == Some("COMPLETED"),
        };
        let trace = assemble(&shape, answers);
        let identity = identity(
            self.list.as_deref(),
            self.cycle,
            self.monitor.clone(),
            dst,
            r.start.and_then(|s| s.sec),
        );
        Ok(Outcome::Trace(Box::new((trace, identity)), notes))
    }
}

/// What a scamper trace says of itself, whichever way it was stored.
pub(super) struct Shape {
    pub dst: IpAddr,
    pub src: Option<IpAddr>,
    /// Probes sent per TTL.
    pub attempts: u64,
    /// The first TTL probed.
    pub first: u64,
    /// The TTLs probed (the last one).
    pub hop_count: u64,
    /// scamper stopped because the destination answered.
    pub completed: bool,
}

/// One reply of a scamper trace: the TTL and (1-based) attempt it answers.
pub(super) struct Answer {
    pub ttl: u8,
    pub attempt: usize,
    pub reply: Reply,
}

/// The hops of a trace from its replies. scamper lists only replies; TTLs without one are
/// implied by `first`..`hop_count`: a silent TTL sent `attempts` probes, an answered one as
/// many as its highest attempt number. A second reply to the same attempt is a duplicate.
pub(super) fn assemble(shape: &Shape, answers: Vec<Answer>) -> Trace {
    let attempts = (shape.attempts as usize).clamp(1, MAX_ATTEMPTS);
    let first = shape.first.clamp(1, 255) as u8;
    let last_ttl = answers.iter().map(|a| a.ttl).fold(
        u8::try_from(shape.hop_count.min(255)).unwrap_or(255),
        u8::max,
    );
    // One slot list per TTL reported (`first..=last_ttl`); replies to TTLs before `first`
    // are not reported.
    let span = (usize::from(last_ttl) + 1).saturating_sub(usize::from(first));
    let mut by_ttl: Vec<Vec<Option<Reply>>> = Vec::new();
    by_ttl.resize_with(span, Vec::new);
    for Answer {
        ttl,
        attempt,
        reply,
    } in answers
    {
        let Some(slots) = ttl
            .checked_sub(first)
            .and_then(|i| by_ttl.get_mut(usize::from(i)))
        else {
            continue;
        };
        let attempt = attempt.clamp(1, MAX_ATTEMPTS);
        if slots.len() < attempt {
            slots.resize(attempt, None);
        }
        if slots[attempt - 1].is_none() {
            slots[attempt - 1] = Some(reply);
        }
    }
    let dst = shape.dst;
    let mut trace = Trace::new(dst.to_string(), Some(dst), Origin::Imported);
    trace.source = shape.src;
    trace.hops.reserve(by_ttl.len());
    for (ttl, mut probes) in (first..=last_ttl).zip(by_ttl) {
        if probes.is_empty() {
            probes = vec![None; attempts];
        }
        trace.hops.push(Hop { ttl, probes });
    }
    trace.reached = shape.completed
        && trace
            .hops
            .last()
            .is_some_and(|h| h.replies().any(|x| x.address == dst));
    trace
}

/// A scamper trace's identity: its list, cycle and monitor (`-` where unknown).
pub(super) fn identity(
    list: Option<&str>,
    cycle: Option<u64>,
    monitor: Option<String>,
    dst: IpAddr,
    time: Option<i64>,
) -> TraceIdentity {
    let list = list.unwrap_or("-");
    let cycle = cycle.map_or_else(|| "-".into(), |c| c.to_string());
    TraceIdentity {
        label: format!("{list}/{cycle}/{dst}"),
        position: 0,
        tool: Some("scamper".into()),
        vantage: monitor,
        measurement: Some(format!("list {list} cycle {cycle}")),
        time,
    }
}

pub(super) fn clean(s: &str) -> String {
    crate::text::sanitize_text(s, 128)
}

/// An address as scamper writes it; `::ffff:a.b.c.d` becomes IPv4.
pub(super) fn parse_addr(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok().map(|a| a.to_canonical())
}

/// What answered, from the ICMP type and code (or TCP flags).
pub(super) fn kind_of(tcp_flags: Option<u8>, icmp: Option<(u8, u8)>, addr: IpAddr) -> ReplyKind {
    if let Some(flags) = tcp_flags {
        return if flags & 0x04 != 0 {
            ReplyKind::TcpReset
        } else if flags & 0x12 == 0x12 {
            ReplyKind::TcpSynAck
        } else {
            ReplyKind::Unknown
        };
    }
    let Some((t, code)) = icmp else {
        return ReplyKind::Unknown;
    };
    if addr.is_ipv4() {
        match (t, code) {
            (11, _) => ReplyKind::TimeExceeded,
            (0, _) => ReplyKind::EchoReply,
            (3, 3) => ReplyKind::PortUnreachable,
            (3, 0) => ReplyKind::Unreachable(Unreachable::Network),
            (3, 1) => ReplyKind::Unreachable(Unreachable::Host),
            (3, 2) => ReplyKind::Unreachable(Unreachable::Protocol),
            (3, 4) => ReplyKind::Unreachable(Unreachable::FragmentationNeeded),
            (3, 5) => ReplyKind::Unreachable(Unreachable::SourceRoute),
            (3, 13) => ReplyKind::Unreachable(Unreachable::AdminProhibited),
            (3, 14) => ReplyKind::Unreachable(Unreachable::PrecedenceViolation),
            (3, 15) => ReplyKind::Unreachable(Unreachable::PrecedenceCutoff),
            (3, c) => ReplyKind::Unreachable(Unreachable::Other(c)),
            _ => ReplyKind::Unknown,
        }
    } else {
        match (t, code) {
            (3, _) => ReplyKind::TimeExceeded,
            (129, _) => ReplyKind::EchoReply,
            (1, 4) => ReplyKind::PortUnreachable,
            (1, 0) => ReplyKind::Unreachable(Unreachable::Network),
            (1, 1) => ReplyKind::Unreachable(Unreachable::AdminProhibited),
            (1, 2) => ReplyKind::Unreachable(Unreachable::SourceRoute),
            (1, 3) => ReplyKind::Unreachable(Unreachable::Host),
            (1, c) => ReplyKind::Unreachable(Unreachable::Other(c)),
            _ => ReplyKind::Unknown,
        }
    }
}
