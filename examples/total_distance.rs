//! How far did the packets of a saved trace travel? The library used directly: import a saved
//! traceroute, locate its hops with the shipped geo data, and print the distance summary.
//!
//! ```sh
//! cargo run --release --example total_distance -- tests/fixtures/annotate/london-to-newyork.txt
//! ```

use globetrace::distance::{Method, Units};
use globetrace::geo::{Geo, GeoConfig};
use globetrace::import;
use globetrace::path::{Enrichment, Path};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: total_distance SAVED-TRACE");
        return ExitCode::from(2);
    };
    let imported = match import::read(&file) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("total_distance: {e}");
            return ExitCode::from(2);
        }
    };
    let geo = match Geo::open(&GeoConfig::default()) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("total_distance: {e}");
            return ExitCode::from(1);
        }
    };
    let path = Path::build(
        imported.trace,
        &Enrichment {
            geo: Some(&geo),
            method: Method::Geodesic,
            ..Enrichment::default()
        },
    );
    for hop in &path.hops {
        if let (Some(p), Some(leg)) = (&hop.placement, &hop.leg) {
            println!(
                "hop {:>2}  ({:8.4}, {:9.4})  leg from hop {:>2}: {}",
                hop.hop,
                p.latitude,
                p.longitude,
                leg.from_hop,
                Units::Miles.format(leg.miles, leg.km)
            );
        }
    }
    let Some(d) = path.distance else {
        return ExitCode::SUCCESS;
    };
    println!(
        "total {} ({}) over {} legs; direct {}; stretch {}",
        Units::Miles.format(d.total_miles, d.total_km),
        Units::Km.format(d.total_miles, d.total_km),
        d.legs.len(),
        Units::Miles.format(d.direct_miles, d.direct_km),
        d.stretch.map_or("-".to_string(), |s| format!("{s:.2}")),
    );
    ExitCode::SUCCESS
}
