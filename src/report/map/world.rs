//! The world outline under the path: Natural Earth 1:110m land and country borders, built into
//! the binary so that a map needs no file, no network and no font.
//!
//! The data (`data/world/world-110m.txt`, 59 kB, made by `data/world/refresh.sh` from the npm
//! package `world-atlas`) is a small text format rather than TopoJSON or GeoJSON: reading it
//! is a dozen lines and no JSON parse of a 100 kB document on every map. Rings have been cut
//! at the antimeridian when it was made, so each lies within -180..=180 and can be drawn again
//! one turn east or west for a view centred on the Pacific.

use std::sync::OnceLock;

const DATA: &str = include_str!("../../../data/world/world-110m.txt");

/// One polyline in degrees, `(lon, lat)` pairs, with its bounding longitudes.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub points: Vec<(f64, f64)>,
    pub west: f64,
    pub east: f64,
}

/// The decoded outline.
#[derive(Debug, Default)]
pub struct World {
    /// Land rings (holes too): fill with the even-odd rule.
    pub land: Vec<Shape>,
    /// Borders between countries (open lines).
    pub borders: Vec<Shape>,
}

/// The built-in outline, decoded on first use.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| parse(DATA))
}

/// Reads the `gtworld 1` format: `R` (ring) or `B` (border) then `x y` in hundredths of a
/// degree and `dx dy` steps. Malformed lines are skipped (the file is ours and tested).
pub fn parse(text: &str) -> World {
    let mut world = World::default();
    for line in text.lines() {
        let mut fields = line.split_ascii_whitespace();
        let target = match fields.next() {
            Some("R") => &mut world.land,
            Some("B") => &mut world.borders,
            _ => continue,
        };
        let numbers: Result<Vec<i32>, _> = fields.map(str::parse::<i32>).collect();
        let Ok(numbers) = numbers else { continue };
        let (mut x, mut y) = (0i32, 0i32);
        let mut points = Vec::with_capacity(numbers.len() / 2);
        for pair in numbers.chunks_exact(2) {
            x += pair[0];
            y += pair[1];
            points.push((f64::from(x) / 100.0, f64::from(y) / 100.0));
        }
        if points.len() >= 2 {
            let west = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
            let east = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
            target.push(Shape { points, west, east });
        }
    }
    world
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_outline_is_whole_and_within_range() {
        let w = world();
        assert!(w.land.len() > 100, "{} land rings", w.land.len());
        assert!(w.borders.len() > 200, "{} borders", w.borders.len());
        for s in w.land.iter().chain(&w.borders) {
            assert!(s.west >= -180.0 && s.east <= 180.0);
            assert!(s.points.iter().all(|p| (-90.0..=90.0).contains(&p.1)));
            // Cut at the antimeridian: no step jumps across the map.
            assert!(s.points.windows(2).all(|w| (w[1].0 - w[0].0).abs() < 180.0));
        }
    }

    #[test]
    fn deltas_accumulate() {
        let w = parse("# c\nR 100 200 50 -20 -50 0\nB -18000 0 1 1\nX 1 2\n");
        assert_eq!(w.land[0].points, vec![(1.0, 2.0), (1.5, 1.8), (1.0, 1.8)]);
        assert_eq!(w.borders[0].points, vec![(-180.0, 0.0), (-179.99, 0.01)]);
    }
}
