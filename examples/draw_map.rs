//! Draws a saved traceroute on a map (and optionally writes its GeoJSON), the way
//! `globetrace annotate FILE --map OUT.svg` does, without the command line around it:
//!
//! ```text
//! cargo run --release --example draw_map -- examples/london-to-sanjose.txt examples/map-example.svg \
//!     --from 51.5072,-0.1276
//! ```
//!
//! Options after the two paths: `--world` (the whole world), `--from LAT,LON` (the user's own
//! position, where distances start), `--units mi|km`, `--width PIXELS`, `--geojson FILE`.
//! Places come from the shipped geo data (or `$GLOBETRACE_DATA_DIR`); no packet is sent and no
//! name is looked up.
//!
//! `examples/london-to-sanjose.txt` is written by hand in `traceroute -n` form with real public
//! router addresses (Arelion and Cogent in London, Cogent across the US, eBay in San Jose) and
//! internet-like round-trip times; it is data for this example, not a capture.

use globetrace::distance::{parse_lat_lon, Units};
use globetrace::geo::{Geo, GeoConfig};
use globetrace::import;
use globetrace::path::{Enrichment, Path};
use globetrace::report::geojson::geojson_string;
use globetrace::report::map::{render_svg, MapOptions};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("draw_map: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        return Err(
            "usage: draw_map TRACE.txt OUT.svg [--world] [--from LAT,LON] \
                    [--units mi|km] [--width PX] [--geojson FILE]"
                .into(),
        );
    };
    let mut opts = MapOptions::default();
    let mut geojson_file = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--world" => opts.world = true,
            "--from" => opts.origin = Some(parse_lat_lon(&value()?).map_err(|e| e.to_string())?),
            "--units" => opts.units = value()?.parse::<Units>().map_err(|e| e.to_string())?,
            "--width" => opts.width = value()?.parse().map_err(|_| "--width: not a number")?,
            "--geojson" => geojson_file = Some(value()?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let imported = import::read(&input).map_err(|e| e.to_string())?;
    for w in &imported.warnings {
        eprintln!("draw_map: warning: {input} {w}");
    }
    let geo = Geo::open(&GeoConfig::default()).map_err(|e| e.to_string())?;
    let path = Path::build(
        imported.trace,
        &Enrichment {
            geo: Some(&geo),
            from: opts.origin,
            ..Enrichment::default()
        },
    );
    let svg = render_svg(&path, &opts);
    std::fs::write(&output, &svg).map_err(|e| format!("cannot write {output}: {e}"))?;
    eprintln!("draw_map: wrote {output} ({} bytes)", svg.len());
    if let Some(file) = geojson_file {
        let text = geojson_string(&path, opts.origin) + "\n";
        std::fs::write(&file, text).map_err(|e| format!("cannot write {file}: {e}"))?;
        eprintln!("draw_map: wrote {file}");
    }
    Ok(())
}
