//! The data model of a measured path: what was sent, what came back.
//!
//! `probe` (a live trace) and `import` (a saved one) both produce a [`Trace`]; nothing downstream
//! knows which made it. The model records observations only — names, places and distances are
//! added by later stages that read a `Trace` and never write into it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// The kind of probe a trace sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// ICMP (ICMPv6) echo requests.
    #[default]
    Icmp,
    /// UDP datagrams to a (normally closed) port.
    Udp,
    /// TCP SYN segments.
    Tcp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Icmp => "icmp",
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
        })
    }
}

/// Why a destination-unreachable came back, in the terms traceroute prints (`!N`, `!H`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreachable {
    /// No route to the network (`!N`).
    Network,
    /// Host unreachable / address unreachable (`!H`).
    Host,
    /// Protocol unreachable (`!P`).
    Protocol,
    /// Communication administratively prohibited (`!X`).
    AdminProhibited,
    /// Fragmentation needed but DF set (`!F`).
    FragmentationNeeded,
    /// Source route failed / beyond scope of source address (`!S`).
    SourceRoute,
    /// Host precedence violation (`!V`).
    PrecedenceViolation,
    /// Precedence cutoff in effect (`!C`).
    PrecedenceCutoff,
    /// Any other code, shown as `!<code>`.
    Other(u8),
}

impl Unreachable {
    /// The mark classic traceroute prints after the RTT.
    pub fn mark(self) -> String {
        match self {
            Unreachable::Network => "!N".into(),
            Unreachable::Host => "!H".into(),
            Unreachable::Protocol => "!P".into(),
            Unreachable::AdminProhibited => "!X".into(),
            Unreachable::FragmentationNeeded => "!F".into(),
            Unreachable::SourceRoute => "!S".into(),
            Unreachable::PrecedenceViolation => "!V".into(),
            Unreachable::PrecedenceCutoff => "!C".into(),
            Unreachable::Other(code) => format!("!<{code}>"),
        }
    }
}

/// What kind of packet answered a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "code")]
pub enum ReplyKind {
    /// ICMP time exceeded in transit: an intermediate router.
    TimeExceeded,
    /// ICMP echo reply: the destination (ICMP probes).
    EchoReply,
    /// ICMP port unreachable from the destination (UDP probes reached it).
    PortUnreachable,
    /// Any other destination unreachable: the path ends here.
    Unreachable(Unreachable),
    /// TCP SYN-ACK: an open port at the destination.
    TcpSynAck,
    /// TCP RST: a closed port at the destination.
    TcpReset,
    /// Imported from a saved trace where the kind is unknown.
    Unknown,
}

impl ReplyKind {
    /// True when this reply means the probe reached the destination host.
    pub fn is_destination(self) -> bool {
        matches!(
            self,
            ReplyKind::EchoReply
                | ReplyKind::PortUnreachable
                | ReplyKind::TcpSynAck
                | ReplyKind::TcpReset
        )
    }

    /// True when no probe with a larger TTL can get further (destination or unreachable).
    pub fn ends_path(self) -> bool {
        self.is_destination() || matches!(self, ReplyKind::Unreachable(_))
    }

    /// A stable lower-case name for exports (`time_exceeded`, `tcp_syn_ack`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ReplyKind::TimeExceeded => "time_exceeded",
            ReplyKind::EchoReply => "echo_reply",
            ReplyKind::PortUnreachable => "port_unreachable",
            ReplyKind::Unreachable(_) => "unreachable",
            ReplyKind::TcpSynAck => "tcp_syn_ack",
            ReplyKind::TcpReset => "tcp_reset",
            ReplyKind::Unknown => "unknown",
        }
    }

    /// The traceroute-style annotation shown after an RTT, if any (`!N`, `!H`, ...).
    pub fn mark(self) -> Option<String> {
        match self {
            ReplyKind::Unreachable(u) => Some(u.mark()),
            _ => None,
        }
    }
}

/// One MPLS label stack entry (RFC 4950) quoted in an ICMP extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MplsLabel {
    /// The 20-bit label.
    pub label: u32,
    /// Traffic class (formerly EXP), 3 bits.
    pub tc: u8,
    /// Bottom-of-stack flag.
    pub bottom: bool,
    /// The TTL in the label stack entry.
    pub ttl: u8,
}

/// A reply matched to one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Who answered.
    pub address: IpAddr,
    /// Round-trip time; `None` when a saved trace had none.
    pub rtt: Option<Duration>,
    /// What answered.
    pub kind: ReplyKind,
    /// The IP TTL / hop limit the reply arrived with, when known.
    pub reply_ttl: Option<u8>,
    /// MPLS label stack from an RFC 4950 extension, outermost first.
    pub mpls: Vec<MplsLabel>,
    /// A hostname supplied with the reply by a saved trace (live traces leave this empty).
    pub hostname: Option<String>,
}

impl Reply {
    /// A reply with just an address and an RTT.
    pub fn new(address: IpAddr, rtt: Option<Duration>, kind: ReplyKind) -> Self {
        Reply {
            address,
            rtt,
            kind,
            reply_ttl: None,
            mpls: Vec::new(),
            hostname: None,
        }
    }
}

/// All probes sent with one TTL.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Hop {
    /// The TTL / hop limit the probes were sent with.
    pub ttl: u8,
    /// One entry per probe sent, in sending order: `None` for a probe that got no reply.
    pub probes: Vec<Option<Reply>>,
}

impl Hop {
    /// An empty hop for `ttl`.
    pub fn new(ttl: u8) -> Self {
        Hop {
            ttl,
            probes: Vec::new(),
        }
    }

    /// Number of probes sent.
    pub fn sent(&self) -> usize {
        self.probes.len()
    }

    /// Number of probes answered.
    pub fn received(&self) -> usize {
        self.probes.iter().flatten().count()
    }

    /// Replies in sending order.
    pub fn replies(&self) -> impl Iterator<Item = &Reply> {
        self.probes.iter().flatten()
    }

    /// Distinct responding addresses, in order of first reply.
    pub fn responders(&self) -> Vec<IpAddr> {
        let mut out: Vec<IpAddr> = Vec::new();
        for r in self.replies() {
            if !out.contains(&r.address) {
                out.push(r.address);
            }
        }
        out
    }

    /// Share of probes lost, in percent (0 when nothing was sent).
    pub fn loss_pct(&self) -> f64 {
        if self.probes.is_empty() {
            return 0.0;
        }
        100.0 * (self.sent() - self.received()) as f64 / self.sent() as f64
    }

    /// True when one of the replies came from the destination.
    pub fn reached_destination(&self) -> bool {
        self.replies().any(|r| r.kind.is_destination())
    }
}

/// How the trace was made: the options a reader needs to interpret it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceOptions {
    /// Probe protocol.
    pub protocol: Protocol,
    /// Destination port for UDP and TCP probes.
    pub port: Option<u16>,
    /// First TTL probed.
    pub first_hop: u8,
    /// Largest TTL allowed.
    pub max_hops: u8,
    /// Probes sent per TTL.
    pub queries: u8,
    /// The longest wait for a reply, in seconds.
    pub wait_secs: f64,
    /// Whether unprivileged ICMP sockets were used instead of raw sockets.
    pub unprivileged: bool,
}

/// Where a trace came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Measured now by `probe`.
    Live,
    /// Read from a saved file by `import`.
    Imported,
    /// Read from a list of addresses: a path without RTTs, reply kinds or a known destination,
    /// so the reports do not call it a trace that reached or missed anything.
    #[serde(rename = "address_list")]
    AddressList,
}

/// A measured (or imported) path to one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// The target as the user wrote it.
    pub target: String,
    /// The address probed, when known.
    pub address: Option<IpAddr>,
    /// The local source address used, when known.
    pub source: Option<IpAddr>,
    /// How it was made; `None` for imported traces that do not say.
    pub options: Option<TraceOptions>,
    /// Where it came from.
    pub origin: Origin,
    /// Hops in TTL order, one per TTL probed (silent ones included).
    pub hops: Vec<Hop>,
    /// True when the destination answered.
    pub reached: bool,
    /// True when the trace was cut short (interrupted); the hops are what was found so far.
    pub interrupted: bool,
    /// The graph of a multipath discovery (`--multipath`): which responder leads to which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipath: Option<crate::multipath::Multipath>,
}

impl Trace {
    /// Addresses of replies that came without a host name (those reverse DNS should look up;
    /// an imported name is kept as given).
    pub fn unnamed_responders(&self) -> Vec<IpAddr> {
        self.hops
            .iter()
            .flat_map(|h| h.replies())
            .filter(|r| r.hostname.is_none())
            .map(|r| r.address)
            .collect()
    }

    /// An empty trace toward `target`.
    pub fn new(target: impl Into<String>, address: Option<IpAddr>, origin: Origin) -> Self {
        Trace {
            target: target.into(),
            address,
            source: None,
            options: None,
            origin,
            hops: Vec::new(),
            reached: false,
            interrupted: false,
            multipath: None,
        }
    }
}

/// Which trace of many this is: what a file of many traces (an Atlas measurement, a scamper
/// file) or a batch of targets says about each one, so reports can tell them apart.
///
/// Kept apart from [`Trace`] (what was observed) because it names the record, not the path;
/// readers fill what their format knows and leave the rest `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TraceIdentity {
    /// A short unique name for the `trace` column: `5001/6001/1513868224` (Atlas
    /// measurement/probe/time), `default/0/192.0.2.1` (scamper list/cycle/destination), or the
    /// position in the file.
    pub label: String,
    /// 1-based position in the input.
    pub position: usize,
    /// The tool or platform that measured it (`ripe-atlas`, `scamper`, `mtr`).
    pub tool: Option<String>,
    /// The vantage point: an Atlas probe id, a scamper monitor's host name.
    pub vantage: Option<String>,
    /// The measurement: an Atlas measurement id, a scamper list and cycle.
    pub measurement: Option<String>,
    /// When the trace started, in seconds since 1970 (UTC).
    pub time: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(a: &str, ms: u64, kind: ReplyKind) -> Option<Reply> {
        Some(Reply::new(
            a.parse().unwrap(),
            Some(Duration::from_millis(ms)),
            kind,
        ))
    }

    #[test]
    fn hop_statistics() {
        let hop = Hop {
            ttl: 3,
            probes: vec![
                reply("192.0.2.1", 5, ReplyKind::TimeExceeded),
                None,
                reply("192.0.2.9", 7, ReplyKind::TimeExceeded),
                reply("192.0.2.1", 6, ReplyKind::TimeExceeded),
            ],
        };
        assert_eq!(hop.sent(), 4);
        assert_eq!(hop.received(), 3);
        assert_eq!(hop.loss_pct(), 25.0);
        assert_eq!(
            hop.responders(),
            vec![
                "192.0.2.1".parse::<IpAddr>().unwrap(),
                "192.0.2.9".parse().unwrap()
            ]
        );
        assert!(!hop.reached_destination());
    }

    #[test]
    fn destination_kinds() {
        assert!(ReplyKind::EchoReply.is_destination());
        assert!(ReplyKind::TcpReset.is_destination());
        assert!(!ReplyKind::TimeExceeded.ends_path());
        assert!(ReplyKind::Unreachable(Unreachable::Host).ends_path());
        assert!(!ReplyKind::Unreachable(Unreachable::Host).is_destination());
        assert_eq!(
            ReplyKind::Unreachable(Unreachable::AdminProhibited).mark(),
            Some("!X".to_string())
        );
        assert_eq!(Unreachable::Other(9).mark(), "!<9>");
    }
}
