//! Building a topology: namespaces, veths, addresses, routes, and taking it down again.

use super::*;

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

    /// Any graph of routers between `src` (node 0) and `dst` (the last node): `routers` are
    /// (role, spreads flows over equal-cost next hops), numbered from 1; `links` join node
    /// indices. Each spreading router hashes the 5-tuple with its own seed, so nested
    /// balancers split flows independently (with one seed they would all agree).
    pub fn graph(routers: &[(&str, bool)], links: &[(usize, usize)]) -> Option<Topology> {
        if !require_netns() {
            return None;
        }
        let mut nodes = vec![("src".to_string(), Kind::Host, false)];
        nodes.extend(
            routers
                .iter()
                .map(|(role, ecmp)| (role.to_string(), Kind::Router, *ecmp)),
        );
        nodes.push(("dst".to_string(), Kind::Host, false));
        Some(Self::build(
            nodes,
            links.to_vec(),
            &Options::default(),
            false,
        ))
    }

    /// The address `role` answers from (on its link toward `src`).
    pub fn role_v4(&self, role: &str) -> Ipv4Addr {
        let n = self.node_index(role);
        self.addr_on(n, self.src_facing_link(n)).0
    }

    /// Like [`Topology::role_v4`] for IPv6.
    pub fn role_v6(&self, role: &str) -> Ipv6Addr {
        let n = self.node_index(role);
        self.addr_on(n, self.src_facing_link(n)).1
    }

    fn node_index(&self, role: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.role == role)
            .unwrap_or_else(|| panic!("{} has no node {role}", self.id))
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
        for (i, node) in self.nodes.iter().enumerate().filter(|(_, n)| n.ecmp) {
            // Kernels before 6.11 have no per-namespace seed; their balancers then share one
            // hash, which only nested diamonds notice.
            let seed = format!("net.ipv4.fib_multipath_hash_seed={}", 7919 * (i + 1));
            let _ = run(["ip", "netns", "exec", &node.ns, "sysctl", "-q", "-w", &seed]);
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
