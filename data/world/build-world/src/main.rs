//! Converts Natural Earth 1:110m TopoJSON (the npm package `world-atlas`) into the compact
//! text outline globetrace embeds for its SVG maps (`data/world/world-110m.txt`).
//!
//! Why a conversion at all: the TopoJSON file is 108 kB of JSON with shared, delta-encoded arcs;
//! globetrace needs only two things from it, land rings to fill and country borders to stroke,
//! and should not carry a TopoJSON decoder (or a JSON parse of the whole file) for that. The
//! output keeps every vertex, rounded to 0.01° (~1 km, far below a pixel at any zoom the map
//! uses), and delta-encodes them as integers: about half the size, and read in a few lines.
//!
//! Usage: `build-world COUNTRIES_110M_JSON OUTPUT [SOURCE_NOTE]`
//!
//! Output format (`gtworld 1`), one shape per line:
//! - `#` comment lines;
//! - `R x y dx dy dx dy ...`: a land ring (closed implicitly; holes are rings too: fill with
//!   the even-odd rule);
//! - `B x y dx dy ...`: a country border (an open polyline shared by two countries).
//!
//! `x`, `y` are longitude and latitude in hundredths of a degree; each later pair is the
//! difference from the point before.

use geojson::Value;
use std::collections::HashMap;
use std::process::ExitCode;
use topojson::{to_geojson, Geometry, NamedGeometry, TopoJson, Topology, Value as TopoValue};

type Ring = Vec<(i32, i32)>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, note) = match args.as_slice() {
        [i, o] => (i, o, ""),
        [i, o, n] => (i, o, n.as_str()),
        _ => {
            eprintln!("usage: build-world COUNTRIES_110M_JSON OUTPUT [SOURCE_NOTE]");
            return ExitCode::from(2);
        }
    };
    match run(input, output, note) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("build-world: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(input: &str, output: &str, note: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(input).map_err(|e| format!("cannot read {input}: {e}"))?;
    let topo = match text.parse::<TopoJson>() {
        Ok(TopoJson::Topology(t)) => t,
        Ok(_) => return Err(format!("{input}: not a TopoJSON Topology")),
        Err(e) => return Err(format!("{input}: {e}")),
    };
    let land = land_rings(&topo)?;
    let borders = borders(&topo)?;
    let points: usize = land.iter().chain(&borders).map(Vec::len).sum();
    let mut out = String::new();
    out.push_str(
        "# gtworld 1: globetrace world outline; written by data/world/refresh.sh, do not edit.\n",
    );
    out.push_str(
        "# Made with Natural Earth (public domain), 1:110m land and admin-0 boundaries,\n",
    );
    out.push_str("# via the npm package world-atlas (TopoJSON, ISC, (c) Michael Bostock).\n");
    if !note.is_empty() {
        out.push_str(&format!("# source: {note}\n"));
    }
    out.push_str(
        "# R = land ring, B = border line; x y (lon lat, 1/100 degree) then dx dy pairs.\n",
    );
    for (tag, lines) in [("R", &land), ("B", &borders)] {
        for line in lines {
            out.push_str(tag);
            let mut prev = (0, 0);
            for (i, &(x, y)) in line.iter().enumerate() {
                let (dx, dy) = if i == 0 {
                    (x, y)
                } else {
                    (x - prev.0, y - prev.1)
                };
                out.push_str(&format!(" {dx} {dy}"));
                prev = (x, y);
            }
            out.push('\n');
        }
    }
    std::fs::write(output, &out).map_err(|e| format!("cannot write {output}: {e}"))?;
    Ok(format!(
        "{output}: {} land rings, {} border lines, {points} points, {} bytes",
        land.len(),
        borders.len(),
        out.len()
    ))
}

/// Longitude/latitude rounded to hundredths of a degree, consecutive repeats dropped.
fn quantize(positions: &[Vec<f64>]) -> Ring {
    let mut ring: Ring = Vec::with_capacity(positions.len());
    for p in positions {
        let q = ((p[0] * 100.0).round() as i32, (p[1] * 100.0).round() as i32);
        if ring.last() != Some(&q) {
            ring.push(q);
        }
    }
    ring
}

/// Every ring (outer and holes) of the `land` object.
fn land_rings(topo: &Topology) -> Result<Vec<Ring>, String> {
    let fc = to_geojson(topo, "land").map_err(|e| format!("land: {e}"))?;
    let mut rings = Vec::new();
    for feature in fc.features {
        let polygons = match feature.geometry.map(|g| g.value) {
            Some(Value::Polygon(p)) => vec![p],
            Some(Value::MultiPolygon(m)) => m,
            _ => continue,
        };
        for polygon in polygons {
            for ring in polygon {
                let mut q = quantize(&ring);
                // Closed implicitly.
                if q.len() > 1 && q.first() == q.last() {
                    q.pop();
                }
                if q.len() >= 3 {
                    rings.extend(cut_at_antimeridian(&q));
                }
            }
        }
    }
    Ok(rings)
}

/// A ring that crosses the antimeridian (Natural Earth's merged land keeps Fiji, Chukotka and
/// Wrangel Island whole, jumping from 180° to -180°, and Antarctica circles the pole) is cut
/// into pieces that each stay within -180..=180, so that a map can draw the outline at any
/// multiple of 360° and fill it with no line across the world.
fn cut_at_antimeridian(ring: &Ring) -> Vec<Ring> {
    const HALF: i32 = 18_000;
    const FULL: i32 = 36_000;
    // Unwrap: every step takes the short way round.
    let mut unwrapped: Vec<(i32, i32)> = Vec::with_capacity(ring.len() + 2);
    for &(x, y) in ring {
        let x = match unwrapped.last() {
            None => x,
            Some(&(px, _)) => x + FULL * ((px - x + HALF).div_euclid(FULL)),
        };
        unwrapped.push((x, y));
    }
    let (first, last) = (unwrapped[0], unwrapped[unwrapped.len() - 1]);
    let closing = first.0 + FULL * ((last.0 - first.0 + HALF).div_euclid(FULL));
    if closing != first.0 {
        // Goes once round the pole: close it through the pole on its side.
        let pole = if ring.iter().map(|p| i64::from(p.1)).sum::<i64>() < 0 {
            -9_000
        } else {
            9_000
        };
        unwrapped.push((closing, last.1));
        unwrapped.push((closing, pole));
        unwrapped.push((first.0, pole));
    }
    let (lo, hi) = (
        unwrapped.iter().map(|p| p.0).min().unwrap_or(0),
        unwrapped.iter().map(|p| p.0).max().unwrap_or(0),
    );
    if lo >= -HALF && hi <= HALF {
        return vec![ring.clone()];
    }
    let mut pieces = Vec::new();
    let (k_lo, k_hi) = (
        (lo + HALF).div_euclid(FULL),
        (hi + HALF - 1).div_euclid(FULL),
    );
    for k in k_lo..=k_hi {
        let (west, east) = (-HALF + k * FULL, HALF + k * FULL);
        let mut piece = clip(&unwrapped, |x| x >= west, west);
        piece = clip(&piece, |x| x <= east, east);
        let mut shifted: Ring = Vec::with_capacity(piece.len());
        for (x, y) in piece {
            let p = (x - k * FULL, y);
            if shifted.last() != Some(&p) {
                shifted.push(p);
            }
        }
        if shifted.len() >= 3 {
            pieces.push(shifted);
        }
    }
    pieces
}

/// Sutherland-Hodgman against one vertical edge `x = at` (`inside` says which side is kept).
fn clip(ring: &[(i32, i32)], inside: impl Fn(i32) -> bool, at: i32) -> Vec<(i32, i32)> {
    let mut out = Vec::with_capacity(ring.len() + 4);
    for (i, &cur) in ring.iter().enumerate() {
        let prev = ring[(i + ring.len() - 1) % ring.len()];
        let cross = |a: (i32, i32), b: (i32, i32)| {
            let t = f64::from(at - a.0) / f64::from(b.0 - a.0);
            (
                at,
                (f64::from(a.1) + t * f64::from(b.1 - a.1)).round() as i32,
            )
        };
        match (inside(prev.0), inside(cur.0)) {
            (true, true) => out.push(cur),
            (true, false) => out.push(cross(prev, cur)),
            (false, true) => {
                out.push(cross(prev, cur));
                out.push(cur);
            }
            (false, false) => {}
        }
    }
    out
}

/// Arcs used by two or more country geometries: the borders between countries (coastlines
/// are used once and are already drawn by the land rings). TopoJSON has no "mesh" in the
/// crate, so the shared arcs are added as one MultiLineString object and decoded by it.
fn borders(topo: &Topology) -> Result<Vec<Ring>, String> {
    let countries = topo
        .objects
        .iter()
        .find(|o| o.name == "countries")
        .ok_or("no `countries` object (use countries-110m.json)")?;
    let TopoValue::GeometryCollection(geometries) = &countries.geometry.value else {
        return Err("`countries` is not a GeometryCollection".into());
    };
    let mut uses: HashMap<i32, usize> = HashMap::new();
    for g in geometries {
        let indexes: Vec<i32> = match &g.value {
            TopoValue::Polygon(p) => p.iter().flatten().copied().collect(),
            TopoValue::MultiPolygon(m) => m.iter().flatten().flatten().copied().collect(),
            _ => Vec::new(),
        };
        for i in indexes {
            *uses.entry(if i < 0 { !i } else { i }).or_default() += 1;
        }
    }
    let mut shared: Vec<i32> = uses
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(a, _)| a)
        .collect();
    shared.sort_unstable();
    let mut mesh = topo.clone();
    mesh.objects = vec![NamedGeometry {
        name: "borders".into(),
        geometry: Geometry::new(TopoValue::MultiLineString(
            shared.into_iter().map(|a| vec![a]).collect(),
        )),
    }];
    let fc = to_geojson(&mesh, "borders").map_err(|e| format!("borders: {e}"))?;
    let mut lines = Vec::new();
    for feature in fc.features {
        if let Some(Value::MultiLineString(m)) = feature.geometry.map(|g| g.value) {
            lines.extend(m.iter().map(|l| quantize(l)).filter(|l| l.len() >= 2));
        }
    }
    Ok(lines)
}
