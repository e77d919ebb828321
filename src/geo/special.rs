//! Address ranges that are not on the public Internet, and so have no place on a map.
//!
//! Why this comes before any database: traceroutes are full of such hops (home routers,
//! carrier-grade NAT, MPLS cores numbered from private space), and geolocation databases
//! answer some of them anyway (DB-IP places 10/8 somewhere), which would draw lines to the
//! wrong continent. A special address is labelled and never given coordinates.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) and the NAT64 well-known prefix
//! (`64:ff9b::/96`) carry an IPv4 address; [`normalize`] unwraps them so that they are
//! classified and looked up as the IPv4 address they stand for.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

/// Why an address has no geolocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecialRange {
    /// RFC 1918 private space (10/8, 172.16/12, 192.168/16).
    Private,
    /// RFC 6598 shared address space for carrier-grade NAT (100.64/10).
    Shared,
    /// Loopback (127/8, `::1`).
    Loopback,
    /// Link-local (169.254/16, `fe80::/10`).
    LinkLocal,
    /// Documentation examples (192.0.2/24, 198.51.100/24, 203.0.113/24, `2001:db8::/32`,
    /// `3fff::/20`).
    Documentation,
    /// Multicast (224/4, `ff00::/8`).
    Multicast,
    /// IPv6 unique local addresses (`fc00::/7`).
    UniqueLocal,
    /// The unspecified address (0.0.0.0, `::`).
    Unspecified,
    /// The limited broadcast address 255.255.255.255.
    Broadcast,
    /// RFC 2544 benchmarking (198.18/15, `2001:2::/48`).
    Benchmarking,
    /// Other reserved space: 0/8, 192.0.0/24 (IETF protocol assignments, e.g. the dummy
    /// address 192.0.0.8 some routers answer from), 240/4, deprecated IPv4-compatible
    /// `::/96`, discard-only `100::/64`, deprecated site-local `fec0::/10`.
    Reserved,
}

impl SpecialRange {
    /// A short lower-case label for tables, e.g. `"private"`.
    pub fn label(self) -> &'static str {
        match self {
            SpecialRange::Private => "private",
            SpecialRange::Shared => "shared",
            SpecialRange::Loopback => "loopback",
            SpecialRange::LinkLocal => "link-local",
            SpecialRange::Documentation => "documentation",
            SpecialRange::Multicast => "multicast",
            SpecialRange::UniqueLocal => "unique-local",
            SpecialRange::Unspecified => "unspecified",
            SpecialRange::Broadcast => "broadcast",
            SpecialRange::Benchmarking => "benchmarking",
            SpecialRange::Reserved => "reserved",
        }
    }

    /// Classifies `ip` (after [`normalize`]); `None` for an ordinary public address.
    pub fn of(ip: IpAddr) -> Option<SpecialRange> {
        match normalize(ip) {
            IpAddr::V4(v4) => of_v4(v4),
            IpAddr::V6(v6) => of_v6(v6),
        }
    }
}

impl fmt::Display for SpecialRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Unwraps IPv4-mapped (`::ffff:0:0/96`) and NAT64 well-known (`64:ff9b::/96`) addresses to
/// the IPv4 address they carry; every other address is returned as is.
pub fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let bits = u128::from(v6);
            if bits >> 32 == 0x0064_ff9b_u128 << 64 {
                return IpAddr::V4(Ipv4Addr::from(bits as u32));
            }
            ip
        }
        IpAddr::V4(_) => ip,
    }
}

const V4_RANGES: &[(u32, u8, SpecialRange)] = &[
    (0x0000_0000, 32, SpecialRange::Unspecified),
    (0xffff_ffff, 32, SpecialRange::Broadcast),
    (0x0000_0000, 8, SpecialRange::Reserved),
    (0x0a00_0000, 8, SpecialRange::Private),
    (0x6440_0000, 10, SpecialRange::Shared),
    (0x7f00_0000, 8, SpecialRange::Loopback),
    (0xa9fe_0000, 16, SpecialRange::LinkLocal),
    (0xac10_0000, 12, SpecialRange::Private),
    (0xc000_0000, 24, SpecialRange::Reserved),
    (0xc000_0200, 24, SpecialRange::Documentation),
    (0xc0a8_0000, 16, SpecialRange::Private),
    (0xc612_0000, 15, SpecialRange::Benchmarking),
    (0xc633_6400, 24, SpecialRange::Documentation),
    (0xcb00_7100, 24, SpecialRange::Documentation),
    (0xe000_0000, 4, SpecialRange::Multicast),
    (0xf000_0000, 4, SpecialRange::Reserved),
];

const V6_RANGES: &[(u128, u8, SpecialRange)] = &[
    (0, 128, SpecialRange::Unspecified),
    (1, 128, SpecialRange::Loopback),
    (0, 96, SpecialRange::Reserved),
    (0x0100 << 112, 64, SpecialRange::Reserved),
    (0x2001_0002 << 96, 48, SpecialRange::Benchmarking),
    (0x2001_0db8 << 96, 32, SpecialRange::Documentation),
    (0x3fff << 112, 20, SpecialRange::Documentation),
    (0xfc00 << 112, 7, SpecialRange::UniqueLocal),
    (0xfe80 << 112, 10, SpecialRange::LinkLocal),
    (0xfec0 << 112, 10, SpecialRange::Reserved),
    (0xff00 << 112, 8, SpecialRange::Multicast),
];

// The tables list the most specific entries first where ranges nest (0.0.0.0/32 in 0/8,
// ::/128 and ::1/128 in ::/96), so the first match is the right one.
fn of_v4(ip: Ipv4Addr) -> Option<SpecialRange> {
    let bits = u32::from(ip);
    let within = |net: u32, len: u8| (bits ^ net).checked_shr(32 - u32::from(len)) == Some(0);
    V4_RANGES
        .iter()
        .find(|(net, len, _)| within(*net, *len))
        .map(|(_, _, kind)| *kind)
}

fn of_v6(ip: Ipv6Addr) -> Option<SpecialRange> {
    let bits = u128::from(ip);
    let within = |net: u128, len: u8| (bits ^ net).checked_shr(128 - u32::from(len)) == Some(0);
    V6_RANGES
        .iter()
        .find(|(net, len, _)| within(*net, *len))
        .map(|(_, _, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(s: &str) -> Option<SpecialRange> {
        SpecialRange::of(s.parse().unwrap())
    }

    #[test]
    fn ipv4_special_ranges() {
        use SpecialRange::*;
        for (addr, want) in [
            ("10.1.2.3", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", Shared),
            ("100.127.255.254", Shared),
            ("127.0.0.1", Loopback),
            ("169.254.10.1", LinkLocal),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.200", Documentation),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Reserved),
            ("255.255.255.255", Broadcast),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.1", Benchmarking),
            ("192.0.0.8", Reserved),
            ("240.0.0.1", Reserved),
        ] {
            assert_eq!(of(addr), Some(want), "{addr}");
        }
    }

    #[test]
    fn ipv4_public_neighbours_are_not_special() {
        for addr in [
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "192.0.3.1",
            "8.8.8.8",
            "1.1.1.1",
            "223.255.255.255",
            "11.0.0.0",
        ] {
            assert_eq!(of(addr), None, "{addr}");
        }
    }

    #[test]
    fn ipv6_special_ranges() {
        use SpecialRange::*;
        for (addr, want) in [
            ("::", Unspecified),
            ("::1", Loopback),
            ("fe80::1", LinkLocal),
            ("febf:ffff::1", LinkLocal),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("2001:db8::1", Documentation),
            ("3fff:fff::1", Documentation),
            ("ff02::1", Multicast),
            ("2001:2::1", Benchmarking),
            ("::1.2.3.4", Reserved),
            ("100::1", Reserved),
            ("fec0::1", Reserved),
        ] {
            assert_eq!(of(addr), Some(want), "{addr}");
        }
        for addr in [
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "2001:db9::1",
            "2001:3::1",
            "4000::1",
        ] {
            assert_eq!(of(addr), None, "{addr}");
        }
    }

    #[test]
    fn mapped_and_nat64_addresses_are_their_ipv4() {
        assert_eq!(
            normalize("::ffff:8.8.8.8".parse().unwrap()),
            "8.8.8.8".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            normalize("64:ff9b::1.1.1.1".parse().unwrap()),
            "1.1.1.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(of("::ffff:192.168.0.1"), Some(SpecialRange::Private));
        assert_eq!(of("::ffff:127.0.0.1"), Some(SpecialRange::Loopback));
        assert_eq!(of("64:ff9b::10.0.0.1"), Some(SpecialRange::Private));
        assert_eq!(of("::ffff:8.8.8.8"), None);
        // Only the well-known /96 is NAT64 here; a neighbour stays IPv6.
        assert_eq!(
            normalize("64:ff9b:1::1".parse().unwrap()),
            "64:ff9b:1::1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn labels_are_stable() {
        assert_eq!(SpecialRange::Private.label(), "private");
        assert_eq!(SpecialRange::UniqueLocal.to_string(), "unique-local");
        // The serde name matches the label, so JSON exports read the same as the table.
        for kind in [
            SpecialRange::LinkLocal,
            SpecialRange::UniqueLocal,
            SpecialRange::Shared,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.label()));
            assert_eq!(serde_json::from_str::<SpecialRange>(&json).unwrap(), kind);
        }
    }
}
