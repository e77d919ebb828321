//! The graph a discovery found: its vertices in TTL order and the links flows were seen to take.

use super::{Key, Mda};
use crate::multipath::{Balancer, Link, Multipath, Node};
use std::collections::{BTreeMap, BTreeSet, HashMap};

impl Mda {
    /// The graph found so far.
    pub fn graph(&mut self) -> Multipath {
        let mut keys: Vec<(u32, u8)> = self.seen.keys().copied().collect();
        keys.sort_unstable();
        let mut per_node: BTreeMap<usize, BTreeSet<u32>> = BTreeMap::new();
        let mut per_link: BTreeMap<(usize, usize), BTreeSet<u32>> = BTreeMap::new();
        for &(f, t) in &keys {
            let Some(n) = self.node_of(f, t) else {
                continue;
            };
            per_node.entry(n).or_default().insert(f);
            if t > self.cfg.first_hop.max(1) {
                if let Some(p) = self.node_of(f, t - 1) {
                    per_link.entry((p, n)).or_default().insert(f);
                }
            }
        }
        // Nodes in TTL order, answered before unknown, then by address.
        let mut order: Vec<usize> = per_node.keys().copied().collect();
        order.sort_by_key(|&i| (self.nodes[i].0, self.nodes[i].1, i));
        let new_index: HashMap<usize, usize> =
            order.iter().enumerate().map(|(k, &i)| (i, k)).collect();
        let nodes = order
            .iter()
            .map(|&i| {
                let (ttl, key) = self.nodes[i];
                let forks = per_link.keys().filter(|(p, _)| *p == i).count() > 1;
                Node {
                    ttl,
                    address: match key {
                        Key::Address(a) => Some(a),
                        Key::Unknown(_) => None,
                    },
                    flows: per_node[&i].len() as u32,
                    balancer: forks.then(|| {
                        if self.per_packet.contains(&i) {
                            Balancer::PerPacket
                        } else {
                            Balancer::PerFlow
                        }
                    }),
                    destination: self.is_destination(i),
                }
            })
            .collect();
        let mut links: Vec<Link> = per_link
            .iter()
            .map(|(&(p, n), flows)| Link {
                from: new_index[&p],
                to: new_index[&n],
                flows: flows.len() as u32,
            })
            .collect();
        links.sort_by_key(|l| (l.from, l.to));
        Multipath {
            confidence: self.cfg.confidence,
            probes_sent: self.stats.sent,
            nodes,
            links,
        }
    }
}
