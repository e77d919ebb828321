//! Measures how fast the geo module opens and answers, with the shipped data (and any
//! `--city-db`/`--asn-db` files given):
//!
//! ```text
//! cargo run --release --example geo_lookup_rate -- [COUNT]     # COUNT defaults to 1,000,000
//! ```
//!
//! It reports the open time (the first run after a data refresh includes unpacking), the
//! latency of a first and a repeated lookup, the uncached rate over COUNT pseudo-random public
//! addresses (half IPv4, half IPv6 in 2000::/3), and the cached rate over a trace-sized set of
//! 30 addresses.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use globetrace::geo::{Geo, GeoConfig};

/// xorshift64*: deterministic, dependency-free, good enough to spread addresses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn address(&mut self) -> IpAddr {
        let bits = self.next();
        if bits & 1 == 0 {
            IpAddr::V4(Ipv4Addr::from((bits >> 32) as u32))
        } else {
            let high = (u128::from(self.next()) << 64 | u128::from(bits)) >> 3 | 0x2000 << 112;
            IpAddr::V6(Ipv6Addr::from(high))
        }
    }
}

fn rate(count: usize, elapsed: Duration) -> String {
    let per_second = count as f64 / elapsed.as_secs_f64();
    format!(
        "{count} lookups in {elapsed:.2?}: {:.0} lookups/s, {:.2} µs each",
        per_second,
        1e6 / per_second
    )
}

fn main() -> ExitCode {
    let mut config = GeoConfig::default();
    let mut count = 1_000_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--city-db" => config.city_dbs.extend(args.next().map(Into::into)),
            "--asn-db" => config.asn_dbs.extend(args.next().map(Into::into)),
            "--no-shipped" => config.use_shipped = false,
            other => match other.replace('_', "").parse() {
                Ok(n) => count = n,
                Err(_) => {
                    eprintln!("usage: geo_lookup_rate [COUNT] [--city-db FILE] [--asn-db FILE] [--no-shipped]");
                    return ExitCode::from(2);
                }
            },
        }
    }

    let started = Instant::now();
    let geo = match Geo::open(&config) {
        Ok(geo) => geo,
        Err(err) => {
            eprintln!("geo_lookup_rate: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("open: {:.2?}", started.elapsed());
    for db in geo.databases() {
        println!("  {} [{}]", db.label, db.kind);
    }

    let probe: IpAddr = "8.8.8.8".parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let started = Instant::now();
    black_box(geo.lookup(probe));
    println!("first lookup of {probe}: {:.2?}", started.elapsed());
    let started = Instant::now();
    black_box(geo.lookup(probe));
    println!("repeated lookup of {probe}: {:.2?}", started.elapsed());

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let addresses: Vec<IpAddr> = (0..count).map(|_| rng.address()).collect();
    let started = Instant::now();
    let mut located = 0usize;
    for &ip in &addresses {
        located += usize::from(black_box(geo.lookup_uncached(ip)).coordinates().is_some());
    }
    println!("uncached: {}", rate(count, started.elapsed()));
    println!(
        "  ({:.1}% of the random addresses have coordinates)",
        100.0 * located as f64 / count.max(1) as f64
    );

    let trace: Vec<IpAddr> = addresses.iter().copied().take(30).collect();
    let started = Instant::now();
    for i in 0..count {
        black_box(geo.lookup(trace[i % trace.len().max(1)]));
    }
    println!("cached (30 addresses): {}", rate(count, started.elapsed()));
    ExitCode::SUCCESS
}
