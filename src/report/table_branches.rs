//! What the hop table adds for a multipath trace: marks on the hop numbers where the path
//! forks and rejoins, a "branches" section after the table, and the distance range.
//!
//! The table itself already has a row per (hop, responder); what it cannot show is which
//! responder leads to which. A mark on the hop number says where to look (`<`: the path forks
//! after this hop, `>`: branches rejoin here), and the section spells it out per vertex: a
//! fork's successors, a join's predecessors, each with the place its branch gave it, unknown
//! vertices as `*`, and the kind of balancer where the evidence showed one. Kept apart from
//! `table.rs`, which renders any trace.

use crate::distance::Units;
use crate::multipath::{Balancer, Multipath};
use crate::path::{Adjacency, Path};
use std::fmt::Write;

/// The legend line for the hop marks.
pub const MARKS_LEGEND: &str =
    "Hop marks: < the path forks after this hop, > branches rejoin at this hop";

/// The hop number as the table shows it: `3`, or `3<`, `5>`, `4<>` in a multipath trace.
pub fn hop_label(path: &Path, ttl: u8) -> String {
    let mut s = ttl.to_string();
    if let Some(m) = &path.trace.multipath {
        let adj = Adjacency::of(m);
        let at = || (0..m.nodes.len()).filter(|&i| m.nodes[i].ttl == ttl);
        if at().any(|i| adj.forks(i)) {
            s.push('<');
        }
        if at().any(|i| adj.joins(i)) {
            s.push('>');
        }
    }
    s
}

/// `62.115.0.22 (Amsterdam)`, `*` for an unknown vertex.
fn name(path: &Path, m: &Multipath, i: usize) -> String {
    let Some(address) = m.nodes[i].address else {
        return "*".into();
    };
    let place = path
        .branches
        .as_ref()
        .and_then(|b| b.nodes.get(i))
        .and_then(|h| h.placed())
        .map(|p| p.label)
        .filter(|l| !l.is_empty());
    match place {
        Some(p) => format!("{address} ({p})"),
        None => address.to_string(),
    }
}

fn balancer(b: Option<Balancer>) -> &'static str {
    match b {
        Some(Balancer::PerFlow) => ", per-flow balancer",
        Some(Balancer::PerPacket) => ", per-packet balancer",
        None => "",
    }
}

/// The section after the table: how wide, how many probes, then each fork and join. Empty
/// for a trace without a graph.
pub fn section(path: &Path) -> String {
    let Some(m) = &path.trace.multipath else {
        return String::new();
    };
    let adj = Adjacency::of(m);
    let paths = path.branches.as_ref().map_or(0, |b| b.paths);
    let unknown = m.nodes.iter().filter(|n| n.address.is_none()).count();
    let mut s = format!(
        "Multipath: {}-way at its widest, {paths} {} through {} vertices ({unknown} unknown); \
         {} probes, {}% confidence.\n{MARKS_LEGEND}\n",
        m.width(),
        if paths == 1 { "path" } else { "paths" },
        m.nodes.len(),
        m.probes_sent,
        m.confidence,
    );
    for i in 0..m.nodes.len() {
        let n = &m.nodes[i];
        if adj.forks(i) {
            let to: Vec<String> = adj.successors[i]
                .iter()
                .map(|&j| name(path, m, j))
                .collect();
            let _ = writeln!(
                s,
                "  hop {} {} forks to {}{}",
                n.ttl,
                name(path, m, i),
                to.join(", "),
                balancer(n.balancer)
            );
        } else if n.balancer == Some(Balancer::PerPacket) {
            let _ = writeln!(
                s,
                "  hop {} {}{}",
                n.ttl,
                name(path, m, i),
                balancer(n.balancer)
            );
        }
        if adj.joins(i) {
            let from: Vec<String> = adj.predecessors[i]
                .iter()
                .map(|&j| name(path, m, j))
                .collect();
            let _ = writeln!(
                s,
                "  hop {} {} joins {}",
                n.ttl,
                name(path, m, i),
                from.join(", ")
            );
        }
    }
    s
}

/// `Distance over 3 branches: shortest 449 mi (723 km), longest 511 mi (823 km).`, when the
/// trace is multipath and the range is known.
pub fn range_line(path: &Path, units: Units) -> Option<String> {
    let r = path.branches.as_ref()?.range.as_ref()?;
    let other = match units {
        Units::Miles => Units::Km,
        Units::Km => Units::Miles,
    };
    let both = |miles, km| format!("{} ({})", units.format(miles, km), other.format(miles, km));
    Some(format!(
        "Distance over {} {}: shortest {}, longest {}.",
        r.paths,
        if r.paths == 1 { "branch" } else { "branches" },
        both(r.shortest.miles, r.shortest.km),
        both(r.longest.miles, r.longest.km),
    ))
}
