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

#![allow(dead_code)]

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

impl Topology {
    /// `src -- r1 -- ... -- r<routers> -- dst`, default options. `None` (after
    /// a one-line notice) when namespaces are unavailable and not under CI.
    pub fn chain(routers: usize) -> Option<Topology> {
        Self::chain_with(routers, Options::default())
    }

    /// Like [`Topology::chain`] with explicit options.
    pub fn chain_with(routers: usize, options: Options) -> Option<Topology> {
        assert!(
            (1..=MAX_ROUTERS).contains(&routers),
            "chain needs 1..={MAX_ROUTERS} routers, got {routers}"
        );
        if !require_netns() {
            return None;
        }
        let mut nodes = vec![("src".to_string(), Kind::Host, false)];
        nodes.extend((1..=routers).map(|i| (format!("r{i}"), Kind::Router, false)));
        nodes.push(("dst".to_string(), Kind::Host, false));
        let links = (0..=routers).map(|k| (k, k + 1)).collect();
        Some(Self::build(nodes, links, &options, false))
    }

    /// The ECMP diamond `src -- r1 -> {r2a, r2b} -> r3 -- dst`, default options.
    /// r1 routes toward `dst` over both branches with an L4 (5-tuple) hash, so
    /// UDP/TCP probes with different ports take different branches (ICMP echo
    /// probes of one tracer all hash alike). Return traffic, dst's replies and
    /// r3's errors, comes back through r2a; r3 answers from its r2a-side
    /// address whichever branch a probe took.
    pub fn diamond() -> Option<Topology> {
        Self::diamond_with(Options::default())
    }

    /// Like [`Topology::diamond`] with explicit options.
    pub fn diamond_with(options: Options) -> Option<Topology> {
        if !require_netns() {
            return None;
        }
        let nodes = vec![
            ("src".to_string(), Kind::Host, false),
            ("r1".to_string(), Kind::Router, true),
            ("r2a".to_string(), Kind::Router, false),
            ("r2b".to_string(), Kind::Router, false),
            ("r3".to_string(), Kind::Router, false),
            ("dst".to_string(), Kind::Host, false),
        ];
        // Link order matters: r3 reaches src through the first (r2a) link.
        let links = vec![(0, 1), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)];
        Some(Self::build(nodes, links, &options, true))
    }

    fn build(
        nodes: Vec<(String, Kind, bool)>,
        links: Vec<(usize, usize)>,
        options: &Options,
        diamond: bool,
    ) -> Topology {
        let id = format!(
            "{NS_PREFIX}{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut topo = Topology {
            nodes: Vec::new(),
            links: links.into_iter().map(|(a, b)| Link { a, b }).collect(),
            hops: Vec::new(),
            dst_hop: 0,
            diamond,
            background: Mutex::new(Vec::new()),
            id,
        };
        // On error `topo` is dropped here, which removes what was made so far.
        if let Err(e) = topo.setup(nodes, options) {
            panic!("netns harness: cannot build topology {}: {e}", topo.id);
        }
        topo
    }

    fn setup(&mut self, nodes: Vec<(String, Kind, bool)>, options: &Options) -> Result<(), String> {
        for (role, kind, ecmp) in nodes {
            let ns = format!("{}-{role}", self.id);
            remove_stale(&ns);
            run(["ip", "netns", "add", &ns])?;
            self.nodes.push(Node {
                role,
                ns,
                kind,
                ecmp,
            });
        }
        // Sysctls first: the DAD defaults must be in place before the veths exist.
        for node in &self.nodes {
            let mut settings = vec![
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0",
                "net.ipv4.ping_group_range=0 2147483647",
            ];
            if !options.kernel_icmp_ratelimit {
                settings.extend([
                    "net.ipv4.icmp_ratelimit=0",
                    "net.ipv6.icmp.ratelimit=0",
                    // The per-namespace global ICMP token bucket (1000/s,
                    // burst 50) sits beside the per-peer limit: a ping flood
                    // next to the tracer could drain it, so lift it too.
                    "net.ipv4.icmp_msgs_per_sec=1000000",
                    "net.ipv4.icmp_msgs_burst=1000000",
                ]);
            }
            if node.kind == Kind::Router {
                settings.extend(["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
            }
            if node.ecmp {
                settings.extend([
                    "net.ipv4.fib_multipath_hash_policy=1",
                    "net.ipv6.fib_multipath_hash_policy=1",
                ]);
            }
            let mut cmd = vec!["ip", "netns", "exec", &node.ns, "sysctl", "-q", "-w"];
            cmd.extend(settings);
            run(cmd)?;
        }
        for link in &self.links {
            let (a, b) = (&self.nodes[link.a], &self.nodes[link.b]);
            run([
                "ip",
                "-n",
                &a.ns,
                "link",
                "add",
                &format!("to-{}", b.role),
                "type",
                "veth",
                "peer",
                "name",
                &format!("to-{}", a.role),
                "netns",
                &b.ns,
            ])?;
        }
        for n in 0..self.nodes.len() {
            let script = self.node_script(n);
            run_with_input(
                ["ip", "-n", &self.nodes[n].ns, "-batch", "-"],
                Some(&script),
            )?;
        }
        self.wait_links_up()?;
        self.compute_hops();
        Ok(())
    }

    /// Waits until every veth reports operational state UP. The kernel turns
    /// a fresh veth's carrier on through linkwatch, which may lag up to a
    /// second; until then IPv6 on that side ignores what it receives (so
    /// neighbour discovery fails and the first probes are lost).
    fn wait_links_up(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        for node in &self.nodes {
            loop {
                let links = run(["ip", "-n", &node.ns, "-o", "link", "show"])?;
                let down: Vec<&str> = links
                    .lines()
                    .filter(|l| l.contains(": to-") && !l.contains(" state UP "))
                    .collect();
                if down.is_empty() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!("links still down in {}: {down:?}", node.ns));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(())
    }

    /// Neighbours of node `n`: (link index, neighbour node), in link order.
    fn neighbours(&self, n: usize) -> Vec<(usize, usize)> {
        self.links
            .iter()
            .enumerate()
            .filter_map(|(k, l)| match (l.a == n, l.b == n) {
                (true, _) => Some((k, l.b)),
                (_, true) => Some((k, l.a)),
                _ => None,
            })
            .collect()
    }

    /// Hop distance of every node from node `from`.
    fn distances(&self, from: usize) -> Vec<usize> {
        let mut dist = vec![usize::MAX; self.nodes.len()];
        dist[from] = 0;
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(n) = queue.pop_front() {
            for (_, m) in self.neighbours(n) {
                if dist[m] == usize::MAX {
                    dist[m] = dist[n] + 1;
                    queue.push_back(m);
                }
            }
        }
        dist
    }

    /// Address of node `n` on link `k` (`.1` for the near end, `.2` the far one).
    fn addr_on(&self, n: usize, k: usize) -> (Ipv4Addr, Ipv6Addr) {
        let end = if self.links[k].a == n { 1 } else { 2 };
        (link_v4(k, end), link_v6(k, end as u16))
    }

    /// Equal-cost next hops from `n` toward link `k`: (link used, neighbour).
    fn next_hops(&self, n: usize, k: usize) -> Vec<(usize, usize)> {
        let target = &self.links[k];
        let to_link = |d: &Vec<usize>| d[target.a].min(d[target.b]);
        let mine = to_link(&self.distances(n));
        let all: Vec<_> = self
            .neighbours(n)
            .into_iter()
            .filter(|&(_, m)| to_link(&self.distances(m)) + 1 == mine)
            .collect();
        if self.nodes[n].ecmp {
            all
        } else {
            all.into_iter().take(1).collect()
        }
    }

    /// The link node `n` uses to reach src (link 0): its ICMP errors leave
    /// through it, with its address as their source.
    fn src_facing_link(&self, n: usize) -> usize {
        if self.neighbours(n).iter().any(|&(k, _)| k == 0) {
            return 0;
        }
        self.next_hops(n, 0)[0].0
    }

    /// `ip -batch` commands for node `n`: addresses, links up, routes.
    fn node_script(&self, n: usize) -> String {
        let mut s = String::from("link set lo up\n");
        let mine = self.neighbours(n);
        for &(k, m) in &mine {
            let dev = format!("to-{}", self.nodes[m].role);
            let (v4, v6) = self.addr_on(n, k);
            s += &format!("address add {v4}/24 dev {dev}\n");
            s += &format!("address add {v6}/64 dev {dev} nodad\n");
            s += &format!("link set {dev} up\n");
        }
        if self.nodes[n].kind == Kind::Host {
            let (k, m) = mine[0];
            let (v4, v6) = self.addr_on(m, k);
            s += &format!("route add default via {v4}\n");
            s += &format!("route add ::/0 via {v6}\n");
            return s;
        }
        let src_link = self.src_facing_link(n);
        for k in 0..self.links.len() {
            if mine.iter().any(|&(mk, _)| mk == k) {
                continue;
            }
            let hops = self.next_hops(n, k);
            // Routes leading back through the src-facing link get that link's
            // address as preferred source. IPv4 takes the source of an ICMP
            // error from the route back to the sender anyway, but IPv6 would
            // take the inbound interface's address (the diamond's r3 would
            // answer from two addresses): a preferred source pins both.
            let prefsrc =
                (hops.len() == 1 && hops[0].0 == src_link).then(|| self.addr_on(n, src_link));
            let (mut r4, mut r6) = (
                format!("route add {}/24", link_v4(k, 0)),
                format!("route add {}/64", link_v6(k, 0)),
            );
            for &(via_link, via) in &hops {
                let dev = format!("to-{}", self.nodes[via].role);
                let (v4, v6) = self.addr_on(via, via_link);
                let kw = if hops.len() > 1 { " nexthop" } else { "" };
                r4 += &format!("{kw} via {v4} dev {dev}");
                r6 += &format!("{kw} via {v6} dev {dev}");
            }
            if let Some((v4, v6)) = prefsrc {
                r4 += &format!(" src {v4}");
                r6 += &format!(" src {v6}");
            }
            s += &format!("{r4}\n{r6}\n");
        }
        s
    }

    fn compute_hops(&mut self) {
        let dist = self.distances(0);
        let dst = self.nodes.len() - 1;
        self.dst_hop = dist[dst];
        let mut hops: Vec<Hop> = (1..self.dst_hop)
            .map(|_| Hop {
                namespaces: Vec::new(),
                v4: Vec::new(),
                v6: Vec::new(),
            })
            .collect();
        for n in 0..self.nodes.len() {
            if self.nodes[n].kind != Kind::Router {
                continue;
            }
            let (v4, v6) = self.addr_on(n, self.src_facing_link(n));
            let hop = &mut hops[dist[n] - 1];
            hop.namespaces.push(self.nodes[n].ns.clone());
            hop.v4.push(v4);
            hop.v6.push(v6);
        }
        self.hops = hops;
    }

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

    // ----- running things -------------------------------------------------

    /// A `Command` running `program` inside namespace `ns` (role or name):
    /// `ip netns exec <name> <program>`; add arguments with `.args(..)`.
    pub fn command(&self, ns: &str, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", self.ns(ns)]).arg(program);
        cmd
    }

    /// Runs `args` (program first) inside `ns` to completion and returns its
    /// output whatever the exit status; panics only if it cannot be started.
    pub fn exec<I, S>(&self, ns: &str, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut args = args.into_iter();
        let program = args.next().expect("exec needs a program");
        let mut cmd = self.command(ns, program);
        cmd.args(args);
        cmd.output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
    }

    /// Starts `args` (program first) inside `ns` in the background, output
    /// discarded; it is killed when the topology is dropped. Returns its pid.
    pub fn spawn_background<I, S>(&self, ns: &str, args: I) -> u32
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut args = args.into_iter();
        let program = args.next().expect("spawn_background needs a program");
        let mut cmd = self.command(ns, program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        self.adopt(child)
    }

    fn adopt(&self, child: Child) -> u32 {
        let pid = child.id();
        self.background
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(child);
        pid
    }

    /// Kills (and reaps) one background process started by this topology.
    /// Returns false if `pid` is not one of them.
    pub fn kill_background(&self, pid: u32) -> bool {
        let mut children = self.background.lock().unwrap_or_else(|e| e.into_inner());
        match children.iter().position(|c| c.id() == pid) {
            Some(i) => {
                let mut child = children.swap_remove(i);
                let _ = child.kill();
                let _ = child.wait();
                true
            }
            None => false,
        }
    }

    /// Starts a Python helper in `ns` that prints `ready` once it is serving.
    fn spawn_python_server(&self, ns: &str, script: &str, port: u16) -> u32 {
        let mut cmd = self.command(ns, python());
        cmd.args(["-c", script, &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let pid = self.adopt(child);
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        assert_eq!(
            line.trim(),
            "ready",
            "server in {ns} on port {port} did not start"
        );
        pid
    }

    /// A TCP listener on `port` (IPv4 and IPv6) inside dst that accepts and
    /// closes connections, so a SYN there gets a SYN-ACK (closed ports send
    /// RST anyway). Ready when this returns; killed on drop. Returns its pid.
    pub fn listen_tcp(&self, port: u16) -> u32 {
        self.spawn_python_server(&self.nodes[self.nodes.len() - 1].ns, TCP_LISTENER, port)
    }

    /// A UDP echo server on `port` (IPv4 and IPv6) inside `ns`. Ready when
    /// this returns; killed on drop. Returns its pid.
    pub fn udp_echo(&self, ns: &str, port: u16) -> u32 {
        self.spawn_python_server(self.ns(ns), UDP_ECHO, port)
    }

    /// Sends one UDP datagram from `from` (role or name) to `to:port` with
    /// TTL / hop limit `ttl` and reports the echo or ICMP error that comes
    /// back within `timeout`. A minimal, independent traceroute probe.
    pub fn udp_probe(
        &self,
        from: &str,
        to: IpAddr,
        port: u16,
        ttl: u8,
        timeout: Duration,
    ) -> ProbeOutcome {
        let out = self.exec(
            from,
            [
                python().to_string(),
                "-c".to_string(),
                UDP_PROBE.to_string(),
                to.to_string(),
                port.to_string(),
                ttl.to_string(),
                timeout.as_secs_f64().to_string(),
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "udp probe failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fields: Vec<&str> = text.split_whitespace().collect();
        match fields.as_slice() {
            ["reply"] => ProbeOutcome::Reply,
            ["none"] => ProbeOutcome::Nothing,
            ["icmp", t, c, addr] => ProbeOutcome::Icmp {
                from: addr.parse().expect("offender address"),
                icmp_type: t.parse().expect("icmp type"),
                code: c.parse().expect("icmp code"),
            },
            _ => panic!("udp probe printed {text:?}"),
        }
    }

    // ----- behaviour (nftables) --------------------------------------------

    /// Loads an nft script inside `ns` (role or name); panics on error.
    pub fn nft(&self, ns: &str, script: &str) {
        let name = self.ns(ns);
        if let Err(e) = run_with_input(
            ["ip", "netns", "exec", name, "nft", "-f", "-"],
            Some(script),
        ) {
            panic!("nft in {name}: {e}");
        }
    }

    /// The nft ruleset currently loaded inside `ns`.
    pub fn nft_ruleset(&self, ns: &str) -> String {
        run(["ip", "netns", "exec", self.ns(ns), "nft", "list", "ruleset"])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Router(s) at hop `hop` drop the time-exceeded they would send (IPv4
    /// and IPv6): that hop shows as `*`, while traffic is still forwarded.
    pub fn silence_router(&self, hop: usize) {
        for ns in self.hop(hop).namespaces.clone() {
            self.nft(&ns, &silence_rules());
        }
    }

    /// dst drops every packet addressed to it (both families; loopback and
    /// IPv6 neighbour discovery excepted, so routers still resolve it and
    /// never send address-unreachable): it never answers.
    pub fn drop_all_input_at_dst(&self) {
        self.nft(self.dst(), &blackhole_rules());
    }

    /// Router(s) at hop `hop` answer packets they would forward to dst with
    /// destination unreachable of `kind` instead of forwarding them. Packets
    /// whose TTL expires there still get time-exceeded.
    pub fn router_rejects(&self, hop: usize, kind: RejectKind) {
        let rules = reject_rules(self.dst_v4(), self.dst_v6(), kind);
        for ns in self.hop(hop).namespaces.clone() {
            self.nft(&ns, &rules);
        }
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        // Processes first: a namespace with a process left in it outlives
        // `ip netns del` (only its name goes), and so would its veths.
        let children = std::mem::take(self.background.get_mut().unwrap_or_else(|e| e.into_inner()));
        for mut child in children {
            let _ = child.kill();
            let _ = child.wait();
        }
        for node in self.nodes.iter().rev() {
            if let Err(e) = run(["ip", "netns", "del", &node.ns]) {
                eprintln!("netns harness: cleanup: {e}");
            }
        }
    }
}

/// nft script for [`Topology::silence_router`].
pub fn silence_rules() -> String {
    "add table inet gt_silence
flush table inet gt_silence
table inet gt_silence {
    chain output {
        type filter hook output priority 0; policy accept;
        icmp type time-exceeded drop
        icmpv6 type time-exceeded drop
    }
}
"
    .to_string()
}

/// nft script for [`Topology::drop_all_input_at_dst`].
pub fn blackhole_rules() -> String {
    "add table inet gt_blackhole
flush table inet gt_blackhole
table inet gt_blackhole {
    chain input {
        type filter hook input priority 0; policy accept;
        iif \"lo\" accept
        icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
        drop
    }
}
"
    .to_string()
}

/// nft script for [`Topology::router_rejects`].
pub fn reject_rules(dst_v4: Ipv4Addr, dst_v6: Ipv6Addr, kind: RejectKind) -> String {
    format!(
        "add table inet gt_reject
flush table inet gt_reject
table inet gt_reject {{
    chain forward {{
        type filter hook forward priority 0; policy accept;
        ip daddr {dst_v4} reject with icmp type {}
        ip6 daddr {dst_v6} reject with icmpv6 type {}
    }}
}}
",
        kind.nft_v4(),
        kind.nft_v6()
    )
}

const TCP_LISTENER: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(128)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()
"#;

const UDP_ECHO: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
"#;

// Linux constants: IP_RECVERR 11, IPV6_RECVERR 25, MSG_ERRQUEUE 0x2000.
const UDP_PROBE: &str = r#"
import select, socket, struct, sys
dst, port, ttl, tmo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
v6 = ":" in dst
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
if v6:
    s.setsockopt(socket.IPPROTO_IPV6, 25, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
else:
    s.setsockopt(socket.IPPROTO_IP, 11, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
s.connect((dst, port))
s.send(b"globetrace netns harness probe")
p = select.poll()
p.register(s, select.POLLIN | select.POLLERR)
if not p.poll(int(tmo * 1000)):
    print("none")
    sys.exit(0)
try:
    _, anc, _, _ = s.recvmsg(512, 512, 0x2000)
except BlockingIOError:
    s.recv(65535)
    print("reply")
    sys.exit(0)
for _, _, d in anc:
    _, _, t, c, _, _, _ = struct.unpack("=IBBBBII", d[:16])
    off = d[16:]
    if v6:
        a = socket.inet_ntop(socket.AF_INET6, off[8:24])
    else:
        a = socket.inet_ntop(socket.AF_INET, off[4:8])
    print("icmp", t, c, a)
    sys.exit(0)
print("none")
"#;
