//! Shows what the geo module says about some addresses, with timings, e.g.
//!
//! ```text
//! cargo run --release --example geo_lookup -- 8.8.8.8 2001:4860:4860::8888
//! cargo run --release --example geo_lookup -- --city-db GeoLite2-City.mmdb 81.2.69.142
//! ```
//!
//! Options: `--city-db FILE`, `--asn-db FILE` (repeatable), `--no-shipped`. Each location is
//! printed as one JSON line on stdout; timings go to stderr.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Instant;

use globetrace::geo::{Geo, GeoConfig};

fn main() -> ExitCode {
    let mut config = GeoConfig::default();
    let mut addresses: Vec<IpAddr> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--city-db" => config.city_dbs.extend(args.next().map(Into::into)),
            "--asn-db" => config.asn_dbs.extend(args.next().map(Into::into)),
            "--no-shipped" => config.use_shipped = false,
            other => match other.parse() {
                Ok(ip) => addresses.push(ip),
                Err(_) => {
                    eprintln!("geo_lookup: not an IP address or option: {other}");
                    return ExitCode::from(2);
                }
            },
        }
    }
    let started = Instant::now();
    let geo = match Geo::open(&config) {
        Ok(geo) => geo,
        Err(err) => {
            eprintln!("geo_lookup: {err}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("opened in {:.1?}:", started.elapsed());
    for db in geo.databases() {
        eprintln!("  {} [{}] {}", db.label, db.kind, db.path.display());
    }
    for ip in addresses {
        let started = Instant::now();
        let location = geo.lookup(ip);
        let took = started.elapsed();
        let json = serde_json::to_string(&location).unwrap_or_default();
        println!("{ip} {json}");
        eprintln!("  ({ip} looked up in {took:.1?})");
    }
    ExitCode::SUCCESS
}
