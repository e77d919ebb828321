//! What a discovery sends next: the stopping rules per hop and per vertex, links traced back,
//! balancer checks, and moving on to the next TTL (the rules are explained in the module above).

use super::{
    stopping_point, Key, Mda, Queued, Seen, SlotState, BALANCER_CHECKS, CONTROL_BATCH, MAX_FLOWS,
    ROOT,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

impl Mda {
    /// The vertex flow `f` reached at `ttl`, once known (unknown vertices need the flow's vertex
    /// at the TTL before, so a silent probe of a new flow first learns where the flow came from).
    pub(super) fn node_of(&mut self, f: u32, ttl: u8) -> Option<usize> {
        let key = match *self.seen.get(&(f, ttl))? {
            Seen::Answered { address, .. } => Key::Address(address),
            Seen::Silent => {
                let pred = if ttl <= self.cfg.first_hop.max(1) {
                    ROOT
                } else {
                    self.node_of(f, ttl - 1)?
                };
                Key::Unknown(pred)
            }
        };
        Some(self.intern(ttl, key))
    }

    fn intern(&mut self, ttl: u8, key: Key) -> usize {
        if let Some(&i) = self.node_index.get(&(ttl, key)) {
            return i;
        }
        self.nodes.push((ttl, key));
        self.node_index.insert((ttl, key), self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// True when the flows through vertex `v` go no further (destination, unreachable).
    fn ends(&self, f: u32, ttl: u8) -> bool {
        matches!(
            self.seen.get(&(f, ttl)),
            Some(Seen::Answered { ends: true, .. })
        )
    }

    fn new_flow(&mut self) -> Option<u32> {
        (self.flows < MAX_FLOWS).then(|| {
            self.flows += 1;
            self.flows - 1
        })
    }

    /// Decide what to send next; advance to the next TTL when this one is done.
    pub(super) fn plan(&mut self) {
        while !self.finished {
            let h = self.ttl;
            let first = h <= self.cfg.first_hop.max(1);
            if !self.plan_hop(h, first) {
                return;
            }
            if self.in_flight() > 0 || !self.queue.is_empty() {
                return;
            }
            if self.plan_checks(h) {
                return;
            }
            self.advance(h);
        }
    }

    /// Queue what hop `h` still needs; true when its stopping rules hold.
    ///
    /// The hop as a whole (MDA-Lite): `n_k` flows answered at `h`, `k` the vertices found
    /// there. Flows that crossed `h - 1` are reused first, spread over its vertices so each
    /// has a next hop followed; new flows go straight to `h`, and one that is the only witness
    /// of a vertex is traced back one TTL to learn its link (links are only ever observed,
    /// never inferred). A vertex seen to fork must pass the rule for its own next hops too
    /// (nested diamonds), given new flows when it has fewer than `n_1` (see [`Mda::plan_fork`]).
    fn plan_hop(&mut self, h: u8, first: bool) -> bool {
        let mut groups: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        let mut before: BTreeSet<usize> = BTreeSet::new();
        for f in 0..self.flows {
            let v = if first {
                Some(ROOT)
            } else {
                self.node_of(f, h - 1)
            };
            match v {
                Some(v) => {
                    before.insert(v);
                    if first || !self.ends(f, h - 1) {
                        groups.entry(v).or_default().push(f);
                    }
                }
                None if self.seen.contains_key(&(f, h - 1)) => self.backtrack(f, h - 1),
                None => {}
            }
        }
        let mut found: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        let (mut probed, mut waiting) = (0u32, 0u32);
        for f in 0..self.flows {
            if self.seen.contains_key(&(f, h)) {
                match self.node_of(f, h) {
                    Some(n) => {
                        found.entry(n).or_default().push(f);
                        probed += 1;
                    }
                    None => {
                        waiting += 1;
                        self.backtrack(f, h);
                    }
                }
            } else if self.tried(f, h) {
                waiting += 1;
            }
        }
        let mut done = true;
        let need = stopping_point(found.len(), self.cfg.confidence);
        // The destination ends every branch: once each vertex before has a flow that reached
        // it and nothing else answered at h, more flows could only find the destination again.
        let only_destination = !first
            && !found.is_empty()
            && found.keys().all(|&n| self.is_destination(n))
            && groups
                .values()
                .all(|fs| fs.iter().any(|&f| self.seen.contains_key(&(f, h))));
        if probed < need && !only_destination {
            done = false;
            let mut missing = need.saturating_sub(probed + waiting) as usize;
            // Spread over the vertices before, so each has its next hop found.
            let mut lists: Vec<Vec<u32>> = groups
                .values()
                .map(|fs| fs.iter().copied().filter(|&f| !self.tried(f, h)).collect())
                .collect();
            let mut spare = Vec::new();
            let mut round = 0;
            while spare.len() < missing && lists.iter().any(|l| l.len() > round) {
                spare.extend(lists.iter_mut().filter_map(|l| l.get(round).copied()));
                round += 1;
            }
            spare.truncate(missing);
            missing -= spare.len();
            for f in spare {
                self.queue.push_back(Queued::probe(f, h));
            }
            for _ in 0..missing {
                let Some(f) = self.new_flow() else { break };
                self.queue.push_back(Queued::probe(f, h));
            }
        }
        if !first {
            done &= self.plan_links(h);
            for flows in groups.values() {
                // Every vertex before leads somewhere: one of its flows at least is followed.
                let followed = flows.iter().any(|&f| self.tried(f, h));
                if !followed {
                    self.queue.push_back(Queued::probe(flows[0], h));
                    done = false;
                }
            }
            for flows in groups.values() {
                done &= self.plan_fork(h, flows, before.len());
            }
        }
        // Out of flow identifiers, or nothing left that could tell more: take the hop as it is.
        done || (self.queue.is_empty() && self.in_flight() == 0)
    }

    /// A vertex at or before `h` known only from flows with no known way through the TTL
    /// before it (new flows sent straight to a later TTL, or traced back to this one): trace
    /// one of them back a TTL to learn a link into it. True when every vertex has one.
    fn plan_links(&mut self, h: u8) -> bool {
        let first = self.cfg.first_hop.max(1);
        let mut done = true;
        for t in (first + 1)..=h {
            let mut by_node: BTreeMap<usize, (bool, Option<u32>)> = BTreeMap::new();
            for f in 0..self.flows {
                let Some(n) = self
                    .seen
                    .contains_key(&(f, t))
                    .then(|| self.node_of(f, t))
                    .flatten()
                else {
                    continue;
                };
                let linked = self.node_of(f, t - 1).is_some();
                let untried = !self.tried(f, t - 1);
                let entry = by_node.entry(n).or_insert((false, None));
                entry.0 |= linked;
                if untried && entry.1.is_none() {
                    entry.1 = Some(f);
                }
            }
            for (linked, candidate) in by_node.into_values() {
                if linked {
                    continue;
                }
                if let Some(f) = candidate {
                    self.queue.push_back(Queued::probe(f, t - 1));
                    done = false;
                } else if (0..self.flows).any(|f| self.queued_or_flying((f, t - 1))) {
                    done = false;
                }
            }
        }
        done
    }

    /// The rule for one vertex `v` at `h - 1` that forks: `n_k` of its own flows answered at
    /// `h`. True when it holds (or `v` does not fork).
    fn plan_fork(&mut self, h: u8, flows: &[u32], vertices_before: usize) -> bool {
        let mut next = BTreeSet::new();
        let (mut probed, mut waiting, mut spare) = (0u32, 0u32, Vec::new());
        for &f in flows {
            if self.seen.contains_key(&(f, h)) {
                match self.node_of(f, h) {
                    Some(n) => {
                        next.insert(n);
                        probed += 1;
                    }
                    None => waiting += 1,
                }
            } else if self.tried(f, h) {
                waiting += 1;
            } else {
                spare.push(f);
            }
        }
        let need = stopping_point(next.len(), self.cfg.confidence);
        // Inside a diamond every vertex is checked, forking or not: a branch that splits again
        // holds a smaller share of the hop's flows than the hop's own rule assumes. A vertex
        // alone at its TTL is the hop, which the hop's rule covers (checking it here as well
        // would count the same flows twice).
        if vertices_before < 2 || probed >= need {
            return true;
        }
        let mut missing = need.saturating_sub(probed + waiting);
        for f in spare.into_iter().take(missing as usize) {
            self.queue.push_back(Queued::probe(f, h));
            missing -= 1;
        }
        // Node control for a vertex with too few flows to test even one next hop (it holds a
        // small share of the TTL before: without it such a branch's own fork is missed one
        // time in eight on the nested test diamond); full node control is optional.
        let scarce = (flows.len() as u32) < stopping_point(1, self.cfg.confidence);
        if missing > 0 && (self.cfg.node_control || scarce) && !self.control_under_way(h - 1) {
            // Node control: new flows at h - 1, as many as v's share of it suggests.
            let total: usize = (0..self.flows)
                .filter(|&f| self.seen.contains_key(&(f, h - 1)))
                .count();
            let share = if vertices_before == 1 {
                1.0
            } else {
                flows.len().max(1) as f64 / total.max(1) as f64
            };
            let count = ((f64::from(missing) / share).ceil() as u32).clamp(1, CONTROL_BATCH);
            for _ in 0..count {
                match self.new_flow() {
                    Some(f) => self.queue.push_back(Queued::probe(f, h - 1)),
                    None => break,
                }
            }
        }
        false
    }

    /// True when vertex `n` is the destination.
    pub(super) fn is_destination(&self, n: usize) -> bool {
        let (ttl, key) = self.nodes[n];
        self.seen.iter().any(|(&(_, t), s)| {
            t == ttl
                && matches!(s, Seen::Answered { address, destination: true, .. }
                    if Key::Address(*address) == key)
        })
    }

    /// True when flow `f` was (or is being) probed at `ttl`.
    fn tried(&self, f: u32, ttl: u8) -> bool {
        self.attempts.contains_key(&(f, ttl)) || self.queued_or_flying((f, ttl))
    }

    /// A flow silent at `ttl` belongs to the unknown vertex behind wherever it was the TTL
    /// before: probe the first earlier TTL it has no answer for.
    fn backtrack(&mut self, f: u32, ttl: u8) {
        let first = self.cfg.first_hop.max(1);
        let mut t = ttl;
        while t > first && matches!(self.seen.get(&(f, t)), Some(Seen::Silent)) {
            t -= 1;
            if !self.seen.contains_key(&(f, t)) {
                if !self.queued_or_flying((f, t)) {
                    self.queue.push_front(Queued::probe(f, t));
                }
                return;
            }
        }
    }

    /// True while new flows (or their backtracking) are being probed at or before `ttl`.
    fn control_under_way(&self, ttl: u8) -> bool {
        self.queue.iter().any(|q| q.check.is_none() && q.ttl <= ttl)
            || self
                .slots
                .iter()
                .any(|s| !s.check && s.ttl <= ttl && matches!(s.state, SlotState::InFlight))
    }

    /// Queue the balancer checks for the vertices before `h` that fork; true when any were.
    fn plan_checks(&mut self, h: u8) -> bool {
        if h <= self.cfg.first_hop.max(1) {
            return false;
        }
        let mut by_vertex: BTreeMap<usize, Vec<(u32, IpAddr)>> = BTreeMap::new();
        for f in 0..self.flows {
            let (Some(v), Some(Seen::Answered { address, .. })) =
                (self.node_of(f, h - 1), self.seen.get(&(f, h)).copied())
            else {
                continue;
            };
            by_vertex.entry(v).or_default().push((f, address));
        }
        let mut queued = false;
        for (v, flows) in by_vertex {
            let distinct: BTreeSet<IpAddr> = flows.iter().map(|x| x.1).collect();
            if distinct.len() < 2 || !self.checked.insert(v) {
                continue;
            }
            for &(flow, address) in flows.iter().take(BALANCER_CHECKS) {
                self.queue.push_back(Queued {
                    flow,
                    ttl: h,
                    check: Some((v, address)),
                });
                queued = true;
            }
        }
        queued
    }

    /// Hop `h` is done: go on to `h + 1`, or finish.
    fn advance(&mut self, h: u8) {
        let mut live = 0;
        let mut answered = false;
        for f in 0..self.flows {
            match self.seen.get(&(f, h)) {
                Some(Seen::Answered { ends, .. }) => {
                    answered = true;
                    if !ends {
                        live += 1;
                    }
                }
                Some(Seen::Silent) => live += 1,
                None => {}
            }
        }
        self.silent_run = if answered { 0 } else { self.silent_run + 1 };
        if live == 0 || h >= self.cfg.max_hops || self.silent_run >= self.cfg.max_unknown.max(1) {
            self.finished = true;
        } else {
            self.ttl = h + 1;
        }
    }
}
