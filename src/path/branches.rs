//! Placing every responder of a multipath trace, and the distance over its branches.
//!
//! Why: the hints and checks ([`crate::hints`]) judge a hop against its neighbours (the RTT
//! bound from the first placed hop, detours between neighbours that agree, satellite jumps),
//! and a plain [`Path`] places each hop from its first located responder only. In a
//! load-balanced path the second responder at a TTL is a different router, often in another
//! city, and its neighbours are the routers of *its* branch, not whichever answered first at
//! the TTLs around it. So each responder is placed in the context of a branch that runs
//! through it:
//!
//! 1. The graph ([`Multipath`]) is covered with linear branches, source to sink: each new
//!    branch starts at the first vertex (in TTL order) no branch has yet, and runs back and
//!    forward through vertices not yet covered where it can, else through the first one. Every
//!    vertex is on at least one branch; at most [`MAX_BRANCHES`] are made (a vertex left over
//!    is placed on its own, without neighbours).
//! 2. Each branch is made into an ordinary one-responder-per-hop [`Trace`] (at a vertex's TTL,
//!    only its replies; at an unknown vertex's, the lost probes) and enriched by
//!    [`Path::build`]: names, GeoIP, hints, RTT bound, detours, distance, exactly as for a
//!    Paris trace.
//! 3. Each vertex takes its placement, flags and responder from the first branch that runs
//!    through it.
//!
//! **The distance summary** reports the range over every source-to-sink path of the graph
//! (not only the covering branches): the shortest and the longest, each the sum of geodesic
//! legs between its counted places, bridging vertices that are unknown, unplaced or left out
//! of the distance (as the single-path summary bridges them). A path with fewer than two
//! counted places (no leg) has no length to compare and is left out of the range. It is found by dynamic
//! programming over the graph in TTL order, keeping per vertex one state per "last counted
//! place" so bridging stays exact. A user reads it as "the packets of one flow travel between
//! X and Y km, depending on which branch the balancers give it".

use super::{Enrichment, Path, PathHop};
use crate::distance::{Method, METRES_PER_MILE};
use crate::multipath::Multipath;
use crate::trace::{Hop, Protocol, Reply, ReplyKind, Trace};
use serde::Serialize;

/// The most branches enriched for one trace.
pub const MAX_BRANCHES: usize = 256;

/// Every vertex of a multipath trace placed in a branch's context, and the distance range.
#[derive(Debug, Clone, PartialEq)]
pub struct Branches {
    /// One per vertex of the graph (same index): the vertex as its branch's enrichment saw it,
    /// with its responder (none for an unknown vertex), placement and flags.
    pub nodes: Vec<PathHop>,
    /// The covering branches, each a list of vertex indices from source to sink.
    pub cover: Vec<Vec<usize>>,
    /// The branch (index into `cover`) that placed each vertex; `None` for one placed alone.
    pub placed_by: Vec<Option<usize>>,
    /// Distinct source-to-sink paths through the graph (saturating).
    pub paths: u64,
    /// Shortest and longest located path; `None` without geo data or with no path that has a
    /// leg.
    pub range: Option<DistanceRange>,
}

/// The shortest and longest located path over the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceRange {
    pub shortest: Extreme,
    pub longest: Extreme,
    /// Distinct source-to-sink paths the range is over.
    pub paths: u64,
    pub method: Method,
}

/// One end of the range: its length and the counted vertices it runs through.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extreme {
    pub miles: f64,
    pub km: f64,
    /// Indices of the vertices whose places the legs join, in path order.
    pub nodes: Vec<usize>,
}

/// Each vertex's successors and predecessors, listed once: the graph's own lookups scan every
/// link, which a graph read from an untrusted file could make slow. Only links to a later TTL
/// count, so every walk over it ends.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Adjacency {
    pub successors: Vec<Vec<usize>>,
    pub predecessors: Vec<Vec<usize>>,
}

impl Adjacency {
    pub fn of(graph: &Multipath) -> Adjacency {
        let n = graph.nodes.len();
        let mut a = Adjacency {
            successors: vec![Vec::new(); n],
            predecessors: vec![Vec::new(); n],
        };
        for l in &graph.links {
            let ok = l.from < n && l.to < n && graph.nodes[l.from].ttl < graph.nodes[l.to].ttl;
            if ok && !a.successors[l.from].contains(&l.to) {
                a.successors[l.from].push(l.to);
                a.predecessors[l.to].push(l.from);
            }
        }
        a
    }

    /// True when the path forks after vertex `i`.
    pub fn forks(&self, i: usize) -> bool {
        self.successors[i].len() > 1
    }

    /// True when branches rejoin at vertex `i`.
    pub fn joins(&self, i: usize) -> bool {
        self.predecessors[i].len() > 1
    }
}

impl Branches {
    /// Places every vertex of `graph` (the graph of `trace`) as the module docs say.
    pub fn build(trace: &Trace, graph: &Multipath, enrich: &Enrichment<'_>) -> Branches {
        let adj = Adjacency::of(graph);
        let cover = cover(graph, &adj);
        let mut nodes: Vec<Option<PathHop>> = vec![None; graph.nodes.len()];
        let mut placed_by = vec![None; graph.nodes.len()];
        for (b, branch) in cover.iter().enumerate() {
            let path = Path::build(branch_trace(trace, graph, branch), enrich);
            for &i in branch {
                if nodes[i].is_some() {
                    continue;
                }
                let ttl = graph.nodes[i].ttl;
                nodes[i] = path.hops.iter().find(|h| h.hop == ttl).cloned();
                placed_by[i] = Some(b);
            }
        }
        let nodes: Vec<PathHop> = nodes
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                n.unwrap_or_else(|| {
                    // Left over past the cap (or missing from the trace): placed on its own.
                    let lone = branch_trace(trace, graph, &[i]);
                    let ttl = graph.nodes[i].ttl;
                    let path = Path::build(lone, enrich);
                    path.hops
                        .into_iter()
                        .find(|h| h.hop == ttl)
                        .unwrap_or_else(|| Path::hop(&Hop::new(ttl), enrich))
                })
            })
            .collect();
        let range = enrich
            .geo
            .and_then(|_| range(graph, &adj, &nodes, enrich.from, enrich.method));
        Branches {
            paths: count_paths(graph, &adj),
            nodes,
            cover,
            placed_by,
            range,
        }
    }
}

/// Vertex indices in TTL order (stable).
fn ttl_order(graph: &Multipath) -> Vec<usize> {
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by_key(|&i| graph.nodes[i].ttl);
    order
}

/// Linear branches, source to sink, that together hold every vertex (module docs, step 1).
pub fn cover(graph: &Multipath, adj: &Adjacency) -> Vec<Vec<usize>> {
    let n = graph.nodes.len();
    let mut covered = vec![false; n];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for start in ttl_order(graph) {
        if covered[start] {
            continue;
        }
        if out.len() == MAX_BRANCHES {
            break;
        }
        let pick = |options: &[usize], covered: &[bool]| {
            options
                .iter()
                .copied()
                .find(|&j| !covered[j])
                .or_else(|| options.first().copied())
        };
        let mut back = vec![start];
        let mut cur = start;
        while let Some(p) = pick(&adj.predecessors[cur], &covered) {
            back.push(p);
            cur = p;
        }
        back.reverse();
        let mut cur = start;
        while let Some(s) = pick(&adj.successors[cur], &covered) {
            back.push(s);
            cur = s;
        }
        for &i in &back {
            covered[i] = true;
        }
        out.push(back);
    }
    out
}

/// The trace one branch would have been: at each vertex's TTL only that vertex's replies (an
/// unknown vertex's TTL keeps its lost probes); TTLs the graph does not hold are kept as they
/// are, and the trace ends at the branch's last vertex.
fn branch_trace(trace: &Trace, graph: &Multipath, branch: &[usize]) -> Trace {
    let mut t = trace.clone();
    t.multipath = None;
    let last = branch
        .iter()
        .map(|&i| graph.nodes[i].ttl)
        .max()
        .unwrap_or(0);
    let on_branch = |ttl: u8| branch.iter().copied().find(|&i| graph.nodes[i].ttl == ttl);
    let mut hops: Vec<Hop> = trace
        .hops
        .iter()
        .filter(|h| h.ttl <= last)
        .map(|h| match on_branch(h.ttl) {
            None => h.clone(),
            Some(i) => Hop {
                ttl: h.ttl,
                probes: h
                    .probes
                    .iter()
                    .filter(|p| match (p, graph.nodes[i].address) {
                        (Some(r), Some(a)) => r.address == a,
                        (None, None) => true,
                        _ => false,
                    })
                    .cloned()
                    .collect(),
            },
        })
        .collect();
    // A vertex the hops do not show (a graph read without its probes) still gets its address.
    for &i in branch {
        let node = &graph.nodes[i];
        let Some(address) = node.address else {
            continue;
        };
        let kind = match (node.destination, trace.options.as_ref().map(|o| o.protocol)) {
            (false, _) => ReplyKind::TimeExceeded,
            (true, Some(Protocol::Udp)) => ReplyKind::PortUnreachable,
            (true, Some(Protocol::Tcp)) => ReplyKind::TcpReset,
            (true, _) => ReplyKind::EchoReply,
        };
        match hops.iter_mut().find(|h| h.ttl == node.ttl) {
            Some(h) if h.received() > 0 => {}
            Some(h) => h.probes.push(Some(Reply::new(address, None, kind))),
            None => hops.push(Hop {
                ttl: node.ttl,
                probes: vec![Some(Reply::new(address, None, kind))],
            }),
        }
    }
    hops.sort_by_key(|h| h.ttl);
    t.hops = hops;
    t
}

/// Distinct source-to-sink paths, saturating at `u64::MAX`.
pub fn count_paths(graph: &Multipath, adj: &Adjacency) -> u64 {
    let mut ways = vec![0u64; graph.nodes.len()];
    let mut total = 0u64;
    for i in ttl_order(graph) {
        let preds = &adj.predecessors[i];
        if preds.is_empty() {
            ways[i] = 1;
        } else {
            ways[i] = preds
                .iter()
                .fold(0u64, |acc, &p| acc.saturating_add(ways[p]));
        }
        if adj.successors[i].is_empty() {
            total = total.saturating_add(ways[i]);
        }
    }
    total
}

/// Partial paths that reach a vertex, grouped by the last counted place on them and by
/// whether they have a leg yet (a path with one place has no length to compare).
#[derive(Debug, Clone)]
struct State {
    /// The last counted vertex (`None`: the start, or `--from`'s origin).
    last: Option<usize>,
    /// True once the path has a leg (two places, or `--from` and one).
    legged: bool,
    min: (f64, Vec<usize>),
    max: (f64, Vec<usize>),
}

impl State {
    /// Keeps the shorter minimum and the longer maximum of `self` and `other`.
    fn absorb(&mut self, other: State) {
        if other.min.0 < self.min.0 {
            self.min = other.min;
        }
        if other.max.0 > self.max.0 {
            self.max = other.max;
        }
    }
}

fn merge(into: &mut Vec<State>, s: State) {
    match into
        .iter_mut()
        .find(|t| t.last == s.last && t.legged == s.legged)
    {
        Some(t) => t.absorb(s),
        None => into.push(s),
    }
}

/// The counted place of vertex `i`, if it has one.
fn counted_at(nodes: &[PathHop], i: usize) -> Option<(f64, f64)> {
    let p = nodes[i].placement.as_ref().filter(|p| p.counted)?;
    crate::distance::check_lat_lon(p.latitude, p.longitude).ok()?;
    Some((p.latitude, p.longitude))
}

/// The shortest and longest located source-to-sink path (module docs): over the paths with at
/// least one leg; `None` when no path has one.
pub fn range(
    graph: &Multipath,
    adj: &Adjacency,
    nodes: &[PathHop],
    from: Option<(f64, f64)>,
    method: Method,
) -> Option<DistanceRange> {
    let from = from.filter(|o| crate::distance::check_lat_lon(o.0, o.1).is_ok());
    let mut states: Vec<Vec<State>> = vec![Vec::new(); graph.nodes.len()];
    let mut ends: Vec<State> = Vec::new();
    for v in ttl_order(graph) {
        let mut incoming: Vec<State> = Vec::new();
        let preds = &adj.predecessors[v];
        if preds.is_empty() {
            incoming.push(State {
                last: None,
                legged: false,
                min: (0.0, Vec::new()),
                max: (0.0, Vec::new()),
            });
        }
        for &p in preds {
            for s in &states[p] {
                merge(&mut incoming, s.clone());
            }
        }
        if let Some(at) = counted_at(nodes, v) {
            let mut collapsed: Vec<State> = Vec::new();
            for s in incoming {
                let anchor = match s.last {
                    Some(u) => counted_at(nodes, u),
                    None => from,
                };
                let d = anchor.map_or(0.0, |a| method.metres(a, at));
                let step = |(len, mut path): (f64, Vec<usize>)| {
                    path.push(v);
                    (len + d, path)
                };
                let next = State {
                    last: Some(v),
                    legged: s.legged || anchor.is_some(),
                    min: step(s.min),
                    max: step(s.max),
                };
                merge(&mut collapsed, next);
            }
            incoming = collapsed;
        }
        if adj.successors[v].is_empty() {
            for s in incoming.iter().filter(|s| s.legged) {
                merge(
                    &mut ends,
                    State {
                        last: None,
                        ..s.clone()
                    },
                );
            }
        }
        states[v] = incoming;
    }
    let end = ends.pop()?;
    let extreme = |(metres, nodes): (f64, Vec<usize>)| Extreme {
        miles: metres / METRES_PER_MILE,
        km: metres / 1000.0,
        nodes,
    };
    Some(DistanceRange {
        shortest: extreme(end.min),
        longest: extreme(end.max),
        paths: count_paths(graph, adj),
        method,
    })
}

#[cfg(test)]
#[path = "branches_tests.rs"]
mod tests;
