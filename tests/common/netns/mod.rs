//! Network-namespace topologies for globetrace's integration tests.
//!
//! A traceroute can only be tested for real against real routers: hosts that
//! decrement the TTL / hop limit, answer with ICMP time-exceeded from a known
//! address, reject, stay silent, or spread flows over equal-cost paths. This
//! module builds such networks out of Linux network namespaces joined by veth
//! pairs, entirely on this machine, so that no probe ever leaves it:
//!
//! ```text
//! chain(n):  src -- r1 -- r2 -- ... -- rn -- dst
//! diamond(): src -- r1 =< r2a , r2b >= r3 -- dst   (r1 spreads flows over r2a/r2b)
//! ```
//!
//! Every link is dual stack (IPv4 and IPv6, DAD off so addresses work at
//! once), routers forward both families, and ICMP rate limiting is off in
//! every namespace unless asked otherwise, so results are deterministic.
//! Namespace names carry the process id and a counter (`gt-<pid>-<n>-<role>`),
//! so tests may run in parallel; everything, background processes included,
//! is removed when the [`Topology`] is dropped, also when a test panics.
//!
//! Every namespace also gets `rp_filter` off (the diamond is asymmetric) and
//! `net.ipv4.ping_group_range` opened to all groups (a new namespace starts
//! with `1 0`, which refuses unprivileged ICMP sockets even to root).
//! Construction returns only once every veth is operationally up: the kernel
//! raises a fresh veth's carrier through linkwatch up to a second later, and
//! until then IPv6 neighbour discovery over it fails.
//!
//! It uses std only and shells out to `ip`, `nft`, `sysctl` and (for the
//! small helper servers and probes) `python3`. Tests must call it through the
//! root/skip policy: [`Topology::chain`] and friends return `None` after
//! printing `skipping: needs root for network namespaces` when the machine
//! cannot create namespaces, unless `CI=true`, where that is a panic.
//!
//! Address plan: link `k` (numbered in creation order, link 0 is the one at
//! `src`) is `10.0.k.0/24` and `fd00:0:0:k::/64`; its end nearer to `src` is
//! `.1` / `::1`, the far end `.2` / `::2`. So in a chain, router `i` answers
//! from `10.0.(i-1).2` / `fd00:0:0:(i-1)::2`, and `dst` is `10.0.n.2` /
//! `fd00:0:0:n::2`.

#![allow(dead_code, unused_imports)]

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Prefix of every namespace this harness creates.
pub const NS_PREFIX: &str = "gt-";

/// Largest number of routers a chain may have.
pub const MAX_ROUTERS: usize = 60;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// True when the environment variable `CI` is exactly `true`.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The root/skip policy, in one place. Returns true when network namespaces
/// can be made here. Otherwise prints one line (`skipping: needs root for
/// network namespaces (...)`) and returns false so the test can return early;
/// with `CI=true` it panics instead, so CI never passes by skipping.
pub fn require_netns() -> bool {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    match PROBE.get_or_init(probe_netns) {
        Ok(()) => true,
        Err(why) if is_ci() => {
            panic!("CI=true but network namespaces are unavailable: {why}")
        }
        Err(why) => {
            eprintln!("skipping: needs root for network namespaces ({why})");
            false
        }
    }
}

fn probe_netns() -> Result<(), String> {
    match effective_uid() {
        Some(0) => {}
        Some(uid) => return Err(format!("running as uid {uid}")),
        None => return Err("cannot read the effective uid".into()),
    }
    let name = format!("{NS_PREFIX}{}-probe", std::process::id());
    remove_stale(&name);
    run(["ip", "netns", "add", &name])?;
    run(["ip", "netns", "del", &name]).map(drop)
}

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// A namespace of that name can only be left over from a dead process whose
/// pid we now have: remove it before reusing the name.
fn remove_stale(name: &str) {
    if Path::new("/run/netns").join(name).exists() {
        let _ = run(["ip", "netns", "del", name]);
    }
}

/// Runs a program (first element) with arguments; Ok(stdout) on exit 0,
/// otherwise an error naming the command and quoting its stderr.
fn run<I, S>(args: I) -> Result<String, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with_input(args, None)
}

fn run_with_input<I, S>(args: I, input: Option<&str>) -> Result<String, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let (program, rest) = args.split_first().ok_or("empty command")?;
    let mut child = Command::new(program)
        .args(rest)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("`{shown}`: cannot start: {e}"))?;
    if let Some(text) = input {
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("`{shown}`: writing stdin: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("`{shown}`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let input = input
            .map(|t| format!("\ninput was:\n{t}"))
            .unwrap_or_default();
        Err(format!(
            "`{shown}` failed ({}): {}{input}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The Python interpreter for the helper servers and probes: `$GT_PYTHON`,
/// else `/usr/bin/python3` when present (a version-manager shim such as
/// pyenv's costs ~0.1 s a start), else `python3` from `PATH`.
pub fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        std::env::var("GT_PYTHON").unwrap_or_else(|_| {
            if Path::new("/usr/bin/python3").exists() {
                "/usr/bin/python3".into()
            } else {
                "python3".into()
            }
        })
    })
}

/// Knobs for building a topology.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Keep the kernel's ICMP rate limits instead of switching them off.
    pub kernel_icmp_ratelimit: bool,
}

/// What a rejecting router answers with (see [`Topology::router_rejects`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectKind {
    /// IPv4 type 3 code 0 (net unreachable); IPv6 type 1 code 0 (no route).
    NetUnreachable,
    /// IPv4 type 3 code 1 (host unreachable); IPv6 type 1 code 3 (address unreachable).
    HostUnreachable,
    /// IPv4 type 3 code 13 (administratively prohibited); IPv6 type 1 code 1.
    AdminProhibited,
}

impl RejectKind {
    /// The nft name of the ICMP (IPv4) type used by `reject with icmp type`.
    pub fn nft_v4(self) -> &'static str {
        match self {
            RejectKind::NetUnreachable => "net-unreachable",
            RejectKind::HostUnreachable => "host-unreachable",
            RejectKind::AdminProhibited => "admin-prohibited",
        }
    }

    /// The nft name of the ICMPv6 type used by `reject with icmpv6 type`.
    pub fn nft_v6(self) -> &'static str {
        match self {
            RejectKind::NetUnreachable => "no-route",
            RejectKind::HostUnreachable => "addr-unreachable",
            RejectKind::AdminProhibited => "admin-prohibited",
        }
    }

    /// ICMP destination-unreachable (type 3) code sent over IPv4.
    pub fn icmp_code_v4(self) -> u8 {
        match self {
            RejectKind::NetUnreachable => 0,
            RejectKind::HostUnreachable => 1,
            RejectKind::AdminProhibited => 13,
        }
    }

    /// ICMPv6 destination-unreachable (type 1) code sent over IPv6.
    pub fn icmp_code_v6(self) -> u8 {
        match self {
            RejectKind::NetUnreachable => 0,
            RejectKind::HostUnreachable => 3,
            RejectKind::AdminProhibited => 1,
        }
    }
}

/// The routers at one hop distance from `src` (two at the diamond's hop 2).
#[derive(Clone, Debug)]
pub struct Hop {
    /// Namespace names of the routers at this hop.
    pub namespaces: Vec<String>,
    /// Their IPv4 addresses as seen from `src` (source of their ICMP errors).
    pub v4: Vec<Ipv4Addr>,
    /// Their IPv6 addresses as seen from `src`.
    pub v6: Vec<Ipv6Addr>,
}

/// What [`Topology::udp_probe`] saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// A UDP datagram came back (an echo server answered).
    Reply,
    /// An ICMP error came back.
    Icmp {
        /// Who sent it.
        from: IpAddr,
        /// ICMP / ICMPv6 type (11 / 3 time exceeded, 3 / 1 unreachable).
        icmp_type: u8,
        /// ICMP / ICMPv6 code.
        code: u8,
    },
    /// Nothing within the timeout.
    Nothing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Host,
    Router,
}

struct Node {
    role: String,
    ns: String,
    kind: Kind,
    /// Install every equal-cost next hop (multipath) instead of the first.
    ecmp: bool,
}

/// One veth pair: `a` gets `.1`/`::1`, `b` gets `.2`/`::2`.
struct Link {
    a: usize,
    b: usize,
}

/// A running topology. Dropping it kills its background processes and
/// deletes its namespaces (their veths go with them).
pub struct Topology {
    id: String,
    nodes: Vec<Node>,
    links: Vec<Link>,
    hops: Vec<Hop>,
    dst_hop: usize,
    diamond: bool,
    background: Mutex<Vec<Child>>,
}

impl fmt::Debug for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topology")
            .field("id", &self.id)
            .field("hops", &self.hops)
            .field("dst_v4", &self.dst_v4())
            .field("dst_v6", &self.dst_v6())
            .finish()
    }
}

fn link_v4(link: usize, end: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, link as u8, end)
}

fn link_v6(link: usize, end: u16) -> Ipv6Addr {
    Ipv6Addr::new(0xfd00, 0, 0, link as u16, 0, 0, 0, end)
}

mod build;
pub mod diamonds;
mod process;
mod rules;

pub use rules::{blackhole_rules, reject_rules, silence_rules};

impl Topology {
    // ----- names and addresses -------------------------------------------

    /// Common prefix of this topology's namespace names (`gt-<pid>-<n>`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Namespace name of `src`, where the tracer runs.
    pub fn src(&self) -> &str {
        &self.nodes[0].ns
    }

    /// Namespace name of `dst`, the trace target.
    pub fn dst(&self) -> &str {
        &self.nodes[self.nodes.len() - 1].ns
    }

    /// Namespace name of the router at hop `hop` (1-based); panics where two
    /// routers share the hop (diamond hop 2: use [`Topology::branch_namespaces`]).
    pub fn router(&self, hop: usize) -> &str {
        let h = self.hop(hop);
        assert!(h.namespaces.len() == 1, "hop {hop} has several routers");
        &h.namespaces[0]
    }

    /// Every namespace name, in creation order (src first, dst last).
    pub fn namespaces(&self) -> Vec<&str> {
        self.nodes.iter().map(|n| n.ns.as_str()).collect()
    }

    /// Namespace name for a role (`src`, `dst`, `r1`, `r2a`, ...) or a full
    /// namespace name of this topology; panics on anything else.
    pub fn ns<'a>(&'a self, role_or_name: &str) -> &'a str {
        self.nodes
            .iter()
            .find(|n| n.role == role_or_name || n.ns == role_or_name)
            .map(|n| n.ns.as_str())
            .unwrap_or_else(|| panic!("{role_or_name}: no such node in {}", self.id))
    }

    /// Number of router hops between src and dst (dst is at `hop_count() + 1`).
    pub fn hop_count(&self) -> usize {
        self.dst_hop - 1
    }

    /// The routers hop by hop (index 0 is hop 1).
    pub fn hops(&self) -> &[Hop] {
        &self.hops
    }

    /// Routers of hop `hop` (1-based).
    pub fn hop(&self, hop: usize) -> &Hop {
        assert!(
            (1..=self.hops.len()).contains(&hop),
            "hop {hop} out of 1..={}",
            self.hops.len()
        );
        &self.hops[hop - 1]
    }

    /// IPv4 address router `hop` answers from; panics on a hop with two routers.
    pub fn router_v4(&self, hop: usize) -> Ipv4Addr {
        let h = self.hop(hop);
        assert!(h.v4.len() == 1, "hop {hop} has several routers");
        h.v4[0]
    }

    /// IPv6 address router `hop` answers from; panics on a hop with two routers.
    pub fn router_v6(&self, hop: usize) -> Ipv6Addr {
        let h = self.hop(hop);
        assert!(h.v6.len() == 1, "hop {hop} has several routers");
        h.v6[0]
    }

    /// Per hop, the IPv4 address of the single router there (chains).
    pub fn routers_v4(&self) -> Vec<Ipv4Addr> {
        (1..=self.hops.len()).map(|h| self.router_v4(h)).collect()
    }

    /// Per hop, the IPv6 address of the single router there (chains).
    pub fn routers_v6(&self) -> Vec<Ipv6Addr> {
        (1..=self.hops.len()).map(|h| self.router_v6(h)).collect()
    }

    /// Per hop, every IPv4 address that may answer there.
    pub fn hops_v4(&self) -> Vec<Vec<Ipv4Addr>> {
        self.hops.iter().map(|h| h.v4.clone()).collect()
    }

    /// Per hop, every IPv6 address that may answer there.
    pub fn hops_v6(&self) -> Vec<Vec<Ipv6Addr>> {
        self.hops.iter().map(|h| h.v6.clone()).collect()
    }

    /// IPv4 address of `src`.
    pub fn src_v4(&self) -> Ipv4Addr {
        link_v4(0, 1)
    }

    /// IPv6 address of `src`.
    pub fn src_v6(&self) -> Ipv6Addr {
        link_v6(0, 1)
    }

    /// IPv4 address of `dst`.
    pub fn dst_v4(&self) -> Ipv4Addr {
        link_v4(self.links.len() - 1, 2)
    }

    /// IPv6 address of `dst`.
    pub fn dst_v6(&self) -> Ipv6Addr {
        link_v6(self.links.len() - 1, 2)
    }

    fn require_diamond(&self) {
        assert!(self.diamond, "{} is not a diamond topology", self.id);
    }

    /// Diamond only: IPv4 addresses of hop 2, `[r2a, r2b]`.
    pub fn branches_v4(&self) -> [Ipv4Addr; 2] {
        self.require_diamond();
        [self.hops[1].v4[0], self.hops[1].v4[1]]
    }

    /// Diamond only: IPv6 addresses of hop 2, `[r2a, r2b]`.
    pub fn branches_v6(&self) -> [Ipv6Addr; 2] {
        self.require_diamond();
        [self.hops[1].v6[0], self.hops[1].v6[1]]
    }

    /// Diamond only: namespace names of the two branches, `[r2a, r2b]`.
    pub fn branch_namespaces(&self) -> [&str; 2] {
        self.require_diamond();
        [&self.hops[1].namespaces[0], &self.hops[1].namespaces[1]]
    }
}
