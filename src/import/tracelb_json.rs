//! scamper's `tracelb` records in its JSON (`sc_warts2json`, `scamper -O json`), read into
//! [`Lb`] for [`super::tracelb`] to build the trace and its graph.
//!
//! scamper prints only the nodes a link leaves from, each with `links`: a list of TTL steps,
//! each a list of `{addr, probes}` (one per address that answered at that TTL, the probes
//! listed with the replies from that address only, and `{"addr":"*"}` when some probe went
//! unanswered). A node with one link lists every step of it, the last being the node the link
//! ends at (`*` when it ends in silence); a node with several links (a fork) lists one step
//! holding one entry per link, each ending at its node. Nodes are named by address only; their
//! TTLs come from the probes.

use super::common::ms_duration;
use super::scamper::{kind_of, parse_addr, Outcome};
use super::tracelb::{outcome, protocol_of, rtt_micros, Lb, LbLink, LbProbe, Step};
use crate::trace::Reply;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::IpAddr;

#[derive(Deserialize)]
struct Record {
    src: Option<String>,
    dst: Option<String>,
    method: Option<String>,
    dport: Option<u16>,
    start: Option<Time>,
    firsthop: Option<u8>,
    attempts: Option<u8>,
    confidence: Option<u8>,
    wait_timeout: Option<f64>,
    probec: Option<u64>,
    #[serde(default)]
    nodes: Vec<JsonNode>,
}

#[derive(Deserialize, Clone, Copy)]
struct Time {
    sec: Option<i64>,
    usec: Option<i64>,
}

impl Time {
    fn micros(self) -> u64 {
        let sec = u64::try_from(self.sec.unwrap_or(0)).unwrap_or(0);
        let usec = u64::try_from(self.usec.unwrap_or(0)).unwrap_or(0);
        sec.saturating_mul(1_000_000).saturating_add(usec)
    }
}

#[derive(Deserialize)]
struct JsonNode {
    addr: String,
    linkc: Option<u64>,
    #[serde(default)]
    links: Vec<Vec<Entry>>,
}

#[derive(Deserialize)]
struct Entry {
    addr: String,
    #[serde(default)]
    probes: Vec<JsonProbe>,
}

#[derive(Deserialize)]
struct JsonProbe {
    tx: Option<Time>,
    ttl: u8,
    flowid: Option<u16>,
    #[serde(default)]
    replies: Vec<JsonReply>,
}

#[derive(Deserialize)]
struct JsonReply {
    rx: Option<Time>,
    ttl: Option<u8>,
    rtt: Option<f64>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
    tcp_flags: Option<u8>,
}

/// Reads one tracelb record's bytes, in the list and cycle the stream is in.
pub(super) fn read(
    bytes: &[u8],
    list: Option<&str>,
    cycle: Option<u64>,
    monitor: Option<String>,
) -> Result<Outcome, String> {
    let r: Record = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let mut lb = Lb {
        src: r.src.as_deref().and_then(parse_addr),
        dst: r.dst.as_deref().and_then(parse_addr),
        protocol: protocol_of(r.method.as_deref().unwrap_or("")),
        dport: r.dport,
        firsthop: r.firsthop.unwrap_or(1),
        attempts: r.attempts.unwrap_or(1),
        confidence: r.confidence.unwrap_or(0),
        wait_secs: r.wait_timeout.unwrap_or(0.0),
        probes_sent: r.probec.unwrap_or(0),
        start: r.start.and_then(|s| s.sec),
        ..Lb::default()
    };
    let mut index: HashMap<IpAddr, usize> = HashMap::new();
    let mut node = |lb: &mut Lb, a: IpAddr| -> usize {
        *index.entry(a).or_insert_with(|| {
            lb.nodes.push(a);
            lb.nodes.len() - 1
        })
    };
    for n in &r.nodes {
        let Some(from_addr) = parse_addr(&n.addr) else {
            return Err("a tracelb node without a usable address".into());
        };
        let from = node(&mut lb, from_addr);
        let forks = match n.linkc {
            Some(c) => c > 1,
            None => n.links.len() == 1 && n.links[0].len() > 1,
        };
        if forks {
            for e in n.links.iter().flatten() {
                let addr = parse_addr(&e.addr);
                let to = addr.map(|a| node(&mut lb, a));
                let step = Step {
                    probes: probes(e, addr),
                    silent: to.is_none(),
                };
                lb.links.push(LbLink {
                    from,
                    to,
                    steps: vec![step],
                });
            }
            continue;
        }
        let mut steps = Vec::with_capacity(n.links.len());
        let mut to = None;
        for (i, entries) in n.links.iter().enumerate() {
            let mut step = Step::default();
            for e in entries {
                match parse_addr(&e.addr) {
                    Some(a) => {
                        step.probes.extend(probes(e, Some(a)));
                        if i + 1 == n.links.len() {
                            to = Some(node(&mut lb, a));
                        }
                    }
                    None => step.silent = true,
                }
            }
            steps.push(step);
        }
        lb.links.push(LbLink { from, to, steps });
    }
    outcome(lb, list, cycle, monitor)
}

/// The probes of one entry, with their replies from `addr` (JSON gives no other address).
fn probes(e: &Entry, addr: Option<IpAddr>) -> Vec<LbProbe> {
    e.probes
        .iter()
        .map(|p| {
            let tx = p.tx.map_or(0, Time::micros);
            let replies = match addr {
                Some(a) => p
                    .replies
                    .iter()
                    .map(|r| {
                        let rtt = r
                            .rtt
                            .and_then(ms_duration)
                            .or_else(|| rtt_micros(tx, r.rx?.micros()));
                        let icmp = r.icmp_type.map(|t| (t, r.icmp_code.unwrap_or(0)));
                        let mut reply = Reply::new(a, rtt, kind_of(r.tcp_flags, icmp, a));
                        reply.reply_ttl = r.ttl;
                        reply
                    })
                    .collect(),
                None => Vec::new(),
            };
            LbProbe {
                tx,
                flow: p.flowid.unwrap_or(0),
                ttl: p.ttl,
                replies,
            }
        })
        .collect()
}
