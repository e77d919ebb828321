//! A load-balanced path as a graph: per hop, the responders (nodes) and which responder of the
//! previous hop leads to each (links).
//!
//! A Paris trace keeps one flow on one path; a multipath discovery (`--multipath`, the MDA in
//! `probe::mda`) sends many flows and records, for each flow, who answered at each TTL. Two
//! responders at consecutive TTLs answering the same flow are linked. What was observed stays in
//! [`crate::trace::Trace`]'s hops (every probe and reply, as for any trace); this graph is the
//! structure on top, kept apart so readers of other formats (scamper's `tracelb`) can fill it
//! too and the reports draw it without knowing how it was found.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The graph of one multipath discovery.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Multipath {
    /// The stopping rule's confidence, in percent (95 or 99): the chance that a hop whose every
    /// next hop was found is reported with all of them.
    pub confidence: u8,
    /// Probes sent over the whole discovery (retries and re-probes included).
    pub probes_sent: u64,
    /// Vertices in TTL order; a link names them by index.
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
}

/// One vertex: a responder at one TTL, or an unknown (silent) one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub ttl: u8,
    /// `None` for a vertex that never answered: flows went somewhere at this TTL and on to the
    /// next hop, but what forwarded them stayed silent. One per (TTL, predecessor).
    pub address: Option<IpAddr>,
    /// Distinct flow identifiers whose probes at this TTL reached it.
    pub flows: u32,
    /// How this vertex spreads flows over its successors, when it has more than one.
    pub balancer: Option<Balancer>,
    /// True when the vertex is the destination.
    pub destination: bool,
}

/// How a load balancer spreads traffic over its next hops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Balancer {
    /// Every packet of a flow takes the same next hop (a re-probed flow came back the same way).
    PerFlow,
    /// Packets of one flow take different next hops.
    PerPacket,
}

impl Balancer {
    pub fn as_str(self) -> &'static str {
        match self {
            Balancer::PerFlow => "per_flow",
            Balancer::PerPacket => "per_packet",
        }
    }
}

/// `from` (at TTL t) leads to `to` (at TTL t + 1) for at least one flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    /// Distinct flows seen taking this link.
    pub flows: u32,
}

impl Multipath {
    /// A stable name for node `i`: `3:192.0.2.1`, or `3:*2` for the second unknown vertex of
    /// TTL 3.
    pub fn node_id(&self, i: usize) -> String {
        let n = &self.nodes[i];
        match n.address {
            Some(a) => format!("{}:{a}", n.ttl),
            None => {
                let k = self.nodes[..=i]
                    .iter()
                    .filter(|m| m.ttl == n.ttl && m.address.is_none())
                    .count();
                format!("{}:*{k}", n.ttl)
            }
        }
    }

    /// The index of the vertex `address` answered as at `ttl`.
    pub fn find(&self, ttl: u8, address: IpAddr) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.ttl == ttl && n.address == Some(address))
    }

    /// Vertices that lead to node `i`.
    pub fn predecessors(&self, i: usize) -> Vec<usize> {
        self.links
            .iter()
            .filter(|l| l.to == i)
            .map(|l| l.from)
            .collect()
    }

    /// Vertices node `i` leads to.
    pub fn successors(&self, i: usize) -> Vec<usize> {
        self.links
            .iter()
            .filter(|l| l.from == i)
            .map(|l| l.to)
            .collect()
    }

    /// True when node `i` leads to more than one vertex: the path forks after it.
    pub fn forks(&self, i: usize) -> bool {
        self.successors(i).len() > 1
    }

    /// True when more than one vertex leads to node `i`: branches rejoin at it.
    pub fn joins(&self, i: usize) -> bool {
        self.predecessors(i).len() > 1
    }

    /// The most vertices at any one TTL: how many ways the path spreads at its widest.
    pub fn width(&self) -> usize {
        let mut best = 0;
        let mut ttls: Vec<u8> = self.nodes.iter().map(|n| n.ttl).collect();
        ttls.dedup();
        for t in ttls {
            best = best.max(self.nodes.iter().filter(|n| n.ttl == t).count());
        }
        best
    }

    /// The addresses (or `None` for unknown vertices) that lead to `address` at `ttl`.
    pub fn linked_from(&self, ttl: u8, address: IpAddr) -> Vec<Option<IpAddr>> {
        match self.find(ttl, address) {
            Some(i) => self
                .predecessors(i)
                .into_iter()
                .map(|p| self.nodes[p].address)
                .collect(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(ttl: u8, address: Option<&str>) -> Node {
        Node {
            ttl,
            address: address.map(|a| a.parse().unwrap()),
            flows: 1,
            balancer: None,
            destination: false,
        }
    }

    fn diamond() -> Multipath {
        Multipath {
            confidence: 95,
            probes_sent: 20,
            nodes: vec![
                node(1, Some("192.0.2.1")),
                node(2, Some("192.0.2.2")),
                node(2, None),
                node(3, Some("192.0.2.4")),
            ],
            links: [(0, 1), (0, 2), (1, 3), (2, 3)]
                .into_iter()
                .map(|(from, to)| Link { from, to, flows: 1 })
                .collect(),
        }
    }

    #[test]
    fn forks_joins_and_names() {
        let m = diamond();
        assert!(m.forks(0) && !m.forks(1));
        assert!(m.joins(3) && !m.joins(1));
        assert_eq!(m.width(), 2);
        assert_eq!(m.node_id(1), "2:192.0.2.2");
        assert_eq!(m.node_id(2), "2:*1");
        let j: IpAddr = "192.0.2.4".parse().unwrap();
        assert_eq!(
            m.linked_from(3, j),
            vec![Some("192.0.2.2".parse().unwrap()), None]
        );
        assert!(m.linked_from(2, j).is_empty());
    }

    #[test]
    fn round_trips_through_json() {
        let m = diamond();
        let text = serde_json::to_string(&m).unwrap();
        let back: Multipath = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m);
    }
}
