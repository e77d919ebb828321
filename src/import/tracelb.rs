//! scamper's `tracelb` (multipath, MDA) records as a [`Trace`] with its [`Multipath`] graph,
//! whichever way the record was stored (JSON in [`super::tracelb_json`], warts in
//! [`super::warts_tracelb`]): both readers fill the [`Lb`] below, and one function turns it
//! into the model, so the two cannot drift apart.
//!
//! scamper keeps a tracelb as *nodes* (interfaces) and *links* between them. A link runs from
//! one node to the next node and may cross several TTLs on the way: each TTL crossed is a
//! probe set whose replies can come from several addresses (a "clump", printed
//! `a -> (b, c) -> d` by `sc_warts2text`), and scamper does not say which member of one clump
//! leads to which member of the next. The graph is rebuilt from what the record does say:
//!
//! - a node's TTL is that of the probes that reached it (a node first in the record, reached
//!   by no stored probe, sits one TTL before its link's first probes);
//! - a member of a clump is linked to a member of the next TTL when one flow (scamper's
//!   `flowid`) was seen at both, as globetrace's own `--multipath` links responders;
//! - where one side is a single member, every member of the other side is linked to it:
//!   all flows at that TTL went through it (the node a link starts from, the node it ends at);
//! - between two clumps of several members no flow joins, nothing is linked. That is what is
//!   lost: scamper's JSON and warts give no per-member link there and none is invented.
//!
//! Probes that got no answer are a silent member (`*`), one unknown vertex per link and TTL.
//! scamper's JSON lists no probe for it, so from JSON its flow count is 0; warts keeps those
//! probes. The trace's hops hold every probe scamper stored, at its TTL in sending order, and
//! one reply without an RTT for a node no stored probe reached (scamper keeps no probe for the
//! first node of a trace). scamper's MDA assumes per-flow balancing and records no per-packet
//! test, so every vertex that forks is marked [`Balancer::PerFlow`].

use super::scamper::{identity, Outcome};
use crate::multipath::{Balancer, Link, Multipath, Node};
use crate::trace::{Hop, Origin, Protocol, Reply, ReplyKind, Trace, TraceOptions};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::time::Duration;

/// The most vertices kept from one record; scamper's own limit on a tracelb is far lower.
const MAX_NODES: usize = 4096;

/// A tracelb record as both of scamper's formats give it.
#[derive(Debug, Default)]
pub(super) struct Lb {
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub protocol: Protocol,
    /// Destination port (UDP and TCP methods).
    pub dport: Option<u16>,
    pub firsthop: u8,
    pub attempts: u8,
    pub confidence: u8,
    pub wait_secs: f64,
    pub probes_sent: u64,
    pub start: Option<i64>,
    /// Node addresses, indexed by the links.
    pub nodes: Vec<IpAddr>,
    pub links: Vec<LbLink>,
}

/// A link from `nodes[from]` to `nodes[to]` (`None`: it ends in silence), one step per TTL.
#[derive(Debug)]
pub(super) struct LbLink {
    pub from: usize,
    pub to: Option<usize>,
    pub steps: Vec<Step>,
}

/// The probes of one TTL of a link.
#[derive(Debug, Default)]
pub(super) struct Step {
    pub probes: Vec<LbProbe>,
    /// Some probe got no answer (JSON marks it `*` without listing the probe).
    pub silent: bool,
}

#[derive(Debug, Clone)]
pub(super) struct LbProbe {
    /// Sending time in microseconds since 1970, to order a hop's probes.
    pub tx: u64,
    pub flow: u16,
    pub ttl: u8,
    pub replies: Vec<Reply>,
}

/// The protocol of a tracelb method (`udp-sport`, `icmp-echo`, ... or warts' type byte).
pub(super) fn protocol_of(method: &str) -> Protocol {
    if method.starts_with("udp") {
        Protocol::Udp
    } else if method.starts_with("tcp") {
        Protocol::Tcp
    } else {
        Protocol::Icmp
    }
}

/// What a tracelb record becomes: its trace (with the graph) and identity.
pub(super) fn outcome(
    lb: Lb,
    list: Option<&str>,
    cycle: Option<u64>,
    monitor: Option<String>,
) -> Result<Outcome, String> {
    let Some(dst) = lb.dst else {
        return Err("a tracelb record without a usable destination".into());
    };
    if lb.nodes.is_empty() {
        return Err("a tracelb record that found no node".into());
    }
    let mut notes = Vec::new();
    let trace = build(&lb, dst, &mut notes)?;
    let identity = identity(list, cycle, monitor, dst, lb.start);
    Ok(Outcome::Trace(Box::new((trace, identity)), notes))
}

/// A vertex while the graph is built: its key and the flows seen at it.
struct Vertex {
    ttl: u8,
    address: Option<IpAddr>,
    flows: BTreeSet<u16>,
}

#[derive(Default)]
struct Graph {
    vertices: Vec<Vertex>,
    index: HashMap<(u8, IpAddr), usize>,
    links: HashMap<(usize, usize), BTreeSet<u16>>,
    order: Vec<(usize, usize)>,
}

impl Graph {
    fn vertex(&mut self, ttl: u8, address: Option<IpAddr>) -> Result<usize, String> {
        if let Some(a) = address {
            if let Some(&i) = self.index.get(&(ttl, a)) {
                return Ok(i);
            }
        }
        if self.vertices.len() >= MAX_NODES {
            return Err(format!("a tracelb record with over {MAX_NODES} nodes"));
        }
        let i = self.vertices.len();
        self.vertices.push(Vertex {
            ttl,
            address,
            flows: BTreeSet::new(),
        });
        if let Some(a) = address {
            self.index.insert((ttl, a), i);
        }
        Ok(i)
    }

    fn link(&mut self, from: usize, to: usize, flows: &BTreeSet<u16>) {
        let entry = self.links.entry((from, to)).or_insert_with(|| {
            self.order.push((from, to));
            BTreeSet::new()
        });
        entry.extend(flows.iter().copied());
    }
}

/// The TTL of a link's first step, from any probe of it.
fn first_step_ttl(link: &LbLink) -> Option<u8> {
    link.steps.iter().enumerate().find_map(|(i, s)| {
        let ttl = s.probes.first()?.ttl;
        ttl.checked_sub(u8::try_from(i).ok()?)
    })
}

/// The TTL each node is reached at, from the links' probes.
fn node_ttls(lb: &Lb) -> HashMap<usize, u8> {
    let mut ttls = HashMap::new();
    for link in &lb.links {
        if let (Some(to), Some(t0)) = (link.to, first_step_ttl(link)) {
            let last = u8::try_from(link.steps.len().saturating_sub(1)).unwrap_or(u8::MAX);
            if let Some(t) = t0.checked_add(last) {
                ttls.entry(to).or_insert(t);
            }
        }
    }
    ttls
}

fn build(lb: &Lb, dst: IpAddr, notes: &mut Vec<String>) -> Result<Trace, String> {
    let reached_at = node_ttls(lb);
    let mut g = Graph::default();
    let mut probes: Vec<&LbProbe> = Vec::new();
    let mut silent: Vec<u8> = Vec::new();
    for link in &lb.links {
        let from_ttl = match first_step_ttl(link) {
            Some(t) => t.checked_sub(1),
            None => reached_at.get(&link.from).copied().or(Some(lb.firsthop)),
        };
        let Some(from_ttl) = from_ttl.filter(|&t| t > 0) else {
            notes.push("a tracelb link whose TTL is unknown".into());
            continue;
        };
        let Some(&from_addr) = lb.nodes.get(link.from) else {
            return Err(format!("a tracelb link from node {} of none", link.from));
        };
        let from = g.vertex(from_ttl, Some(from_addr))?;
        // The members of the previous TTL, with the flows seen at each.
        let mut prev: Vec<(usize, BTreeSet<u16>)> = vec![(from, BTreeSet::new())];
        for (i, step) in link.steps.iter().enumerate() {
            let Some(ttl) = u8::try_from(i)
                .ok()
                .and_then(|i| from_ttl.checked_add(i + 1))
            else {
                break;
            };
            probes.extend(step.probes.iter());
            let last = i + 1 == link.steps.len();
            let mut members: Vec<(Option<IpAddr>, BTreeSet<u16>)> = Vec::new();
            if last {
                let to = match link.to {
                    Some(t) => Some(
                        *lb.nodes
                            .get(t)
                            .ok_or_else(|| format!("a tracelb link to node {t} of none"))?,
                    ),
                    None => None,
                };
                let flows = step
                    .probes
                    .iter()
                    .filter(|p| match to {
                        Some(a) => p.replies.iter().any(|r| r.address == a),
                        None => true,
                    })
                    .map(|p| p.flow)
                    .collect();
                members.push((to, flows));
                if to.is_none() && step.probes.is_empty() {
                    silent.push(ttl);
                }
            } else {
                for p in &step.probes {
                    let mut answered = false;
                    for r in &p.replies {
                        answered = true;
                        match members.iter_mut().find(|m| m.0 == Some(r.address)) {
                            Some(m) => {
                                m.1.insert(p.flow);
                            }
                            None => members.push((Some(r.address), BTreeSet::from([p.flow]))),
                        }
                    }
                    if !answered {
                        match members.iter_mut().find(|m| m.0.is_none()) {
                            Some(m) => {
                                m.1.insert(p.flow);
                            }
                            None => members.push((None, BTreeSet::from([p.flow]))),
                        }
                    }
                }
                if step.silent && !members.iter().any(|m| m.0.is_none()) {
                    // JSON's `*`: unanswered probes, not listed.
                    members.push((None, BTreeSet::new()));
                    silent.push(ttl);
                }
            }
            let mut here = Vec::with_capacity(members.len());
            for (address, flows) in members {
                let v = g.vertex(ttl, address)?;
                g.vertices[v].flows.extend(flows.iter().copied());
                here.push((v, flows));
            }
            for (p, pflows) in &prev {
                for (h, hflows) in &here {
                    let flows: BTreeSet<u16> = if prev.len() == 1 {
                        hflows.clone()
                    } else if here.len() == 1 {
                        pflows.clone()
                    } else {
                        pflows.intersection(hflows).copied().collect()
                    };
                    if prev.len() == 1 || here.len() == 1 || !flows.is_empty() {
                        g.link(*p, *h, &flows);
                    }
                }
            }
            if i == 0 {
                // Every flow of the first step went through the node the link starts from.
                let all: Vec<u16> = here.iter().flat_map(|h| h.1.iter().copied()).collect();
                g.vertices[from].flows.extend(all);
            }
            prev = here;
        }
    }
    let multipath = finish(g, lb, dst);
    Ok(trace(lb, dst, multipath, probes, &silent))
}

/// The graph in the model's shape: vertices in TTL order, links by index.
fn finish(g: Graph, lb: &Lb, dst: IpAddr) -> Multipath {
    let mut order: Vec<usize> = (0..g.vertices.len()).collect();
    order.sort_by_key(|&i| (g.vertices[i].ttl, i));
    let mut new_index = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut links: Vec<Link> = g
        .order
        .iter()
        .map(|&(f, t)| Link {
            from: new_index[f],
            to: new_index[t],
            flows: g.links[&(f, t)].len() as u32,
        })
        .collect();
    links.sort_by_key(|l| (l.from, l.to));
    let mut nodes: Vec<Node> = order
        .iter()
        .map(|&i| {
            let v = &g.vertices[i];
            Node {
                ttl: v.ttl,
                address: v.address,
                flows: v.flows.len() as u32,
                balancer: None,
                destination: v.address == Some(dst),
            }
        })
        .collect();
    for (i, node) in nodes.iter_mut().enumerate() {
        if links.iter().filter(|l| l.from == i).count() > 1 {
            node.balancer = Some(Balancer::PerFlow);
        }
    }
    Multipath {
        confidence: lb.confidence,
        probes_sent: lb.probes_sent,
        nodes,
        links,
    }
}

/// The trace: every stored probe at its TTL in sending order (the first reply of each).
fn trace(
    lb: &Lb,
    dst: IpAddr,
    multipath: Multipath,
    mut probes: Vec<&LbProbe>,
    silent: &[u8],
) -> Trace {
    probes.sort_by_key(|p| (p.ttl, p.tx, p.flow));
    // JSON lists a probe under each address that answered it; keep it once.
    probes.dedup_by_key(|p| (p.ttl, p.tx, p.flow));
    let mut t = Trace::new(dst.to_string(), Some(dst), Origin::Imported);
    t.source = lb.src;
    let mut hops: Vec<Hop> = Vec::new();
    let hop = |hops: &mut Vec<Hop>, ttl: u8| -> usize {
        match hops.iter().position(|h| h.ttl == ttl) {
            Some(i) => i,
            None => {
                hops.push(Hop::new(ttl));
                hops.len() - 1
            }
        }
    };
    for p in probes.iter().filter(|p| p.ttl > 0) {
        let i = hop(&mut hops, p.ttl);
        hops[i].probes.push(p.replies.first().cloned());
    }
    for &ttl in silent {
        let i = hop(&mut hops, ttl);
        hops[i].probes.push(None);
    }
    for n in &multipath.nodes {
        let Some(a) = n.address else { continue };
        let i = hop(&mut hops, n.ttl);
        if !hops[i].replies().any(|r| r.address == a) {
            hops[i]
                .probes
                .push(Some(Reply::new(a, None, ReplyKind::Unknown)));
        }
    }
    hops.sort_by_key(|h| h.ttl);
    // TTLs between the first probed and the last with nothing stored are silent hops.
    let first = lb.firsthop.max(1);
    let last = hops.last().map_or(first, |h| h.ttl);
    for ttl in first..=last {
        if !hops.iter().any(|h| h.ttl == ttl) {
            hops.push(Hop {
                ttl,
                probes: vec![None],
            });
        }
    }
    hops.sort_by_key(|h| h.ttl);
    hops.retain(|h| h.ttl >= first);
    t.reached = hops
        .iter()
        .flat_map(|h| h.replies())
        .any(|r| r.address == dst && r.kind.is_destination());
    t.options = Some(TraceOptions {
        protocol: lb.protocol,
        port: lb.dport.filter(|_| lb.protocol != Protocol::Icmp),
        first_hop: first,
        max_hops: last,
        queries: lb.attempts.max(1),
        wait_secs: lb.wait_secs,
        unprivileged: false,
    });
    t.hops = hops;
    t.multipath = Some(multipath);
    t
}

/// A round-trip time from sending and receiving times in microseconds.
pub(super) fn rtt_micros(tx: u64, rx: u64) -> Option<Duration> {
    rx.checked_sub(tx).map(Duration::from_micros)
}
