//! Scenario files: the scripted path a [`Simulator`](super::Simulator) plays, read from
//! `tests/scenarios/NAME.toml`.
//!
//! A scenario is data, not code, so a new network situation (a slower satellite, a second
//! tunnel) is a new file rather than a new test helper. One file is one address family: the
//! destination's family decides, and every router address must match it.
//!
//! ```toml
//! seed = 7                                 # RNG seed for loss and jitter (default 1)
//! [destination]
//! address = "198.51.100.80"
//! rtt_ms = 250.0
//! tcp_open = [80]                          # SYN-ACK on these ports, RST elsewhere
//! [[hop]]                                  # TTL 1, then TTL 2, ...
//! address = "203.0.113.1"
//! rtt_ms = 1.0
//! jitter_ms = 0.5                          # uniform in [0, jitter] on top of rtt_ms
//! loss = 0.2                               # probability a reply is lost
//! silent = false                           # never answers (address may be omitted)
//! rate_limit = { per_sec = 2.0, burst = 2 }
//! mpls = [24005, 16001]                    # label stack quoted with RFC 4950, outermost first
//! quote_bytes = 28                         # quote only this much of the probe (RFC 792)
//! [[hop]]
//! balancer = "lb1"                         # hops sharing a balancer choose the same branch
//! branches = [ { address = "203.0.113.21", rtt_ms = 5.0 },
//!              { address = "203.0.113.22", rtt_ms = 6.0 } ]
//! ```
//!
//! Every address must be in a documentation range (192.0.2.0/24, 198.51.100.0/24,
//! 203.0.113.0/24, 2001:db8::/32) and must not be the simulator's own source address, so no
//! scenario can ever make a test address anything real.

use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

/// The tracer's address inside the simulator's namespace (IPv4).
pub const SOURCE_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// The tracer's address inside the simulator's namespace (IPv6).
pub const SOURCE_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

/// Smallest quote a router may send: an IPv4 header and the 8 bytes RFC 792 asks for.
const MIN_QUOTE_V4: usize = 28;
/// Smallest IPv6 quote: the IPv6 header and 8 bytes.
const MIN_QUOTE_V6: usize = 48;
/// The quote length RFC 4884 pads to when extensions follow.
pub const RFC4884_QUOTE: usize = 128;

/// A token bucket for the ICMP a router generates.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Tokens added per second.
    pub per_sec: f64,
    /// Bucket size (and initial fill).
    pub burst: u32,
}

/// One scripted node: a router at some TTL, one branch of a load-balanced hop, or the
/// destination. Which fields are allowed depends on where the node sits (see [`Scenario::validate`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub address: Option<IpAddr>,
    #[serde(default)]
    pub rtt_ms: f64,
    #[serde(default)]
    pub jitter_ms: f64,
    #[serde(default)]
    pub loss: f64,
    #[serde(default)]
    pub silent: bool,
    pub rate_limit: Option<RateLimit>,
    #[serde(default)]
    pub mpls: Vec<u32>,
    pub quote_bytes: Option<usize>,
    /// Load-balanced alternatives (hops only).
    #[serde(default)]
    pub branches: Vec<Node>,
    /// Hops naming the same balancer pick the same branch index for a flow (hops only).
    pub balancer: Option<String>,
    /// TCP ports that answer SYN-ACK (destination only).
    #[serde(default)]
    pub tcp_open: Vec<u16>,
}

impl Node {
    /// The routers a hop may reach: its branches, or itself.
    pub fn routers(&self) -> Vec<&Node> {
        if self.branches.is_empty() {
            vec![self]
        } else {
            self.branches.iter().collect()
        }
    }
}

/// A scripted path.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario models (free text).
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub destination: Node,
    /// Routers in TTL order; probes with a larger TTL reach the destination.
    #[serde(default, rename = "hop")]
    pub hops: Vec<Node>,
}

fn default_seed() -> u64 {
    1
}

/// Where scenario files live.
pub fn scenario_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

impl Scenario {
    /// Read and check `tests/scenarios/NAME.toml`.
    pub fn load(name: &str) -> Result<Scenario, String> {
        let path = scenario_dir().join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        Scenario::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parse and check a scenario.
    pub fn parse(text: &str) -> Result<Scenario, String> {
        let s: Scenario = toml::from_str(text).map_err(|e| e.to_string())?;
        s.validate()?;
        Ok(s)
    }

    /// The destination's address.
    pub fn target(&self) -> IpAddr {
        self.destination.address.expect("validated")
    }

    /// True for an IPv6 scenario.
    pub fn is_v6(&self) -> bool {
        self.target().is_ipv6()
    }

    /// The tracer's source address for this scenario's family.
    pub fn source(&self) -> IpAddr {
        if self.is_v6() {
            IpAddr::V6(SOURCE_V6)
        } else {
            IpAddr::V4(SOURCE_V4)
        }
    }

    /// The TTL at which probes reach the destination.
    pub fn destination_ttl(&self) -> u8 {
        self.hops.len() as u8 + 1
    }

    /// The hop at `ttl` (1-based), if it is a router.
    pub fn hop(&self, ttl: u8) -> Option<&Node> {
        self.hops.get(usize::from(ttl).checked_sub(1)?)
    }

    /// The addresses a hop may answer from (several for a load-balanced hop, none when silent).
    pub fn addresses(&self, ttl: u8) -> Vec<IpAddr> {
        match self.hop(ttl) {
            Some(h) => h
                .routers()
                .into_iter()
                .filter(|r| !r.silent)
                .filter_map(|r| r.address)
                .collect(),
            None if ttl == self.destination_ttl() => vec![self.target()],
            None => Vec::new(),
        }
    }

    /// Check every rule a scenario must follow; the message names the offending node.
    pub fn validate(&self) -> Result<(), String> {
        let d = &self.destination;
        let target = d.address.ok_or("destination: an address is required")?;
        check_node(d, "destination", target)?;
        if !d.branches.is_empty() || d.balancer.is_some() || !d.mpls.is_empty() {
            return Err("destination: branches, balancer and mpls are for hops".into());
        }
        if d.quote_bytes.is_some() {
            return Err("destination: quote_bytes is for hops".into());
        }
        if self.hops.len() > 250 {
            return Err(format!("{} hops: at most 250", self.hops.len()));
        }
        for (i, hop) in self.hops.iter().enumerate() {
            let at = format!("hop {} (TTL {})", i + 1, i + 1);
            if !hop.tcp_open.is_empty() {
                return Err(format!("{at}: tcp_open is for the destination"));
            }
            if hop.branches.is_empty() {
                if hop.balancer.is_some() {
                    return Err(format!("{at}: a balancer needs branches"));
                }
                if hop.address.is_none() && !hop.silent {
                    return Err(format!("{at}: an address is required unless silent"));
                }
                check_node(hop, &at, target)?;
                continue;
            }
            if hop.branches.len() < 2 {
                return Err(format!("{at}: branches needs at least two routers"));
            }
            if *hop
                != (Node {
                    branches: hop.branches.clone(),
                    balancer: hop.balancer.clone(),
                    ..Node::default()
                })
            {
                return Err(format!(
                    "{at}: with branches, put router fields in each branch"
                ));
            }
            for (j, b) in hop.branches.iter().enumerate() {
                let at = format!("{at} branch {}", j + 1);
                if !b.branches.is_empty() || b.balancer.is_some() || !b.tcp_open.is_empty() {
                    return Err(format!("{at}: branches, balancer and tcp_open not allowed"));
                }
                if b.address.is_none() && !b.silent {
                    return Err(format!("{at}: an address is required unless silent"));
                }
                check_node(b, &at, target)?;
            }
        }
        Ok(())
    }
}

fn check_node(n: &Node, at: &str, target: IpAddr) -> Result<(), String> {
    if let Some(a) = n.address {
        if !is_documentation(a) {
            return Err(format!("{at}: {a} is not in a documentation range"));
        }
        if a == IpAddr::V4(SOURCE_V4) || a == IpAddr::V6(SOURCE_V6) {
            return Err(format!("{at}: {a} is the tracer's own address"));
        }
        if a.is_ipv6() != target.is_ipv6() {
            return Err(format!("{at}: {a} is not of the destination's family"));
        }
    }
    let finite_non_negative = |v: f64| v.is_finite() && v >= 0.0;
    if !finite_non_negative(n.rtt_ms) || !finite_non_negative(n.jitter_ms) {
        return Err(format!(
            "{at}: rtt_ms and jitter_ms must be finite and >= 0"
        ));
    }
    if n.rtt_ms + n.jitter_ms > 60_000.0 {
        return Err(format!("{at}: rtt_ms + jitter_ms must stay under a minute"));
    }
    if !(0.0..=1.0).contains(&n.loss) {
        return Err(format!("{at}: loss must be between 0 and 1"));
    }
    if let Some(r) = n.rate_limit {
        if !(r.per_sec.is_finite() && r.per_sec > 0.0) || r.burst == 0 {
            return Err(format!("{at}: rate_limit needs per_sec > 0 and burst >= 1"));
        }
    }
    if let Some(&l) = n.mpls.iter().find(|l| **l >= 1 << 20) {
        return Err(format!("{at}: MPLS label {l} does not fit 20 bits"));
    }
    if let Some(q) = n.quote_bytes {
        let min = if target.is_ipv6() {
            MIN_QUOTE_V6
        } else {
            MIN_QUOTE_V4
        };
        if q < min {
            return Err(format!("{at}: quote_bytes must be at least {min}"));
        }
        if !n.mpls.is_empty() && q > RFC4884_QUOTE {
            return Err(format!(
                "{at}: with mpls, quote_bytes is at most {RFC4884_QUOTE}"
            ));
        }
    }
    Ok(())
}

/// True for addresses in the documentation ranges (RFC 5737, RFC 3849).
pub fn is_documentation(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            matches!((a, b, c), (192, 0, 2) | (198, 51, 100) | (203, 0, 113))
        }
        IpAddr::V6(v6) => v6.segments()[..2] == [0x2001, 0x0db8],
    }
}
