//! Shaping behaviour with nftables: silent routers, black-hole destinations, rejects.

use super::*;

impl Topology {
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
