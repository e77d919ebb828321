//! Which part of the world the map shows, and where a longitude and latitude land on it.
//!
//! The projection is equirectangular: simple, exact to invert by eye, and good enough at the
//! scales a traceroute spans. For a regional view the longitudes are scaled by the cosine of
//! the view's middle latitude, so Europe is not stretched sideways; the whole world is plain
//! plate carrée.
//!
//! Longitudes in a view are *unwrapped*: a view may run from 120° to 250° (Tokyo to Los
//! Angeles across the Pacific) instead of being forced into -180..=180, so a path that crosses
//! the antimeridian stays in one piece and the view around it stays small. Anything drawn is
//! shifted by whole turns into the view, and lines are cut where they leave it: on the whole
//! world map (-180..=180) a leg across the Pacific becomes two pieces that end at the map's
//! edges, never a line across the map.

/// A view: a box of unwrapped degrees placed in a box of pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
    /// Pixels per degree of latitude; a degree of longitude is `scale * kx` pixels.
    pub scale: f64,
    /// Horizontal squeeze: the cosine of the middle latitude (1 for the whole world).
    pub kx: f64,
    /// Pixel position of (`west`, `north`).
    pub left: f64,
    pub top: f64,
    /// The pixel box of the map area (the view is centred in it).
    pub area: Area,
}

/// A box of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// Regional views wider than this (in degrees of longitude) show the whole world instead.
const WORLD_BEYOND_DEG: f64 = 200.0;
/// The smallest regional view, in degrees of latitude and in squeezed degrees of longitude:
/// a trace within one city still shows the country around it.
const MIN_SPAN_LAT: f64 = 8.0;
const MIN_SPAN_LON: f64 = 14.0;
/// Room around the path for markers and labels: a share of the span, plus a fixed amount.
const MARGIN_SHARE: f64 = 0.15;
const MARGIN_DEG: f64 = 1.0;
/// How tall a map area may be for its width when the height is chosen automatically.
const MIN_ASPECT: f64 = 1.0 / 0.9;
const MAX_ASPECT: f64 = 1.0 / 0.45;

impl View {
    /// The whole world in `width` × `height` pixels (height `None`: half the width).
    pub fn world(width: f64, height: Option<f64>) -> View {
        let height = height.unwrap_or(width / 2.0);
        View::place(-180.0, 180.0, -90.0, 90.0, 1.0, width, height)
    }

    /// The smallest sensible view around `points` (`(lat, unwrapped lon)`), `width` pixels
    /// wide; `height` `None` chooses one from the view's shape. Falls back to the whole world
    /// when there is nothing to fit or the path spans most of it.
    pub fn fit(points: &[(f64, f64)], width: f64, height: Option<f64>) -> View {
        let finite = points.iter().filter(|p| p.0.is_finite() && p.1.is_finite());
        let (mut south, mut north, mut west, mut east) = (90.0f64, -90.0f64, f64::MAX, f64::MIN);
        for &(lat, lon) in finite {
            (south, north) = (south.min(lat), north.max(lat));
            (west, east) = (west.min(lon), east.max(lon));
        }
        if west > east || east - west > WORLD_BEYOND_DEG {
            return View::world(width, height);
        }
        let mid_lat = ((south + north) / 2.0).clamp(-70.0, 70.0);
        let kx = mid_lat.to_radians().cos();
        // Minimum spans, then margins, around the middle.
        let (mut lat_span, mut lon_span) = (
            (north - south).max(MIN_SPAN_LAT),
            (east - west).max(MIN_SPAN_LON / kx),
        );
        lat_span += 2.0 * (lat_span * MARGIN_SHARE + MARGIN_DEG);
        lon_span += 2.0 * (lon_span * MARGIN_SHARE + MARGIN_DEG / kx);
        let (mid_lon, mid_lat) = ((west + east) / 2.0, (south + north) / 2.0);
        // Grow the short side to the pixel box's shape.
        let shape = lon_span * kx / lat_span;
        let height = height.unwrap_or(width / shape.clamp(MIN_ASPECT, MAX_ASPECT));
        let target = width / height;
        if shape < target {
            lon_span = lat_span * target / kx;
        } else {
            lat_span = lon_span * kx / target;
        }
        let lon_span = lon_span.min(360.0);
        let lat_span = lat_span.min(180.0);
        // Keep the box on the globe, sliding it rather than cutting it.
        let south = (mid_lat - lat_span / 2.0).clamp(-90.0, 90.0 - lat_span);
        let west = mid_lon - lon_span / 2.0;
        View::place(
            west,
            west + lon_span,
            south,
            south + lat_span,
            kx,
            width,
            height,
        )
    }

    fn place(
        west: f64,
        east: f64,
        south: f64,
        north: f64,
        kx: f64,
        width: f64,
        height: f64,
    ) -> View {
        let scale = (width / ((east - west) * kx)).min(height / (north - south));
        let (used_w, used_h) = ((east - west) * kx * scale, (north - south) * scale);
        View {
            west,
            east,
            south,
            north,
            scale,
            kx,
            left: (width - used_w) / 2.0,
            top: (height - used_h) / 2.0,
            area: Area {
                left: 0.0,
                top: 0.0,
                width,
                height,
            },
        }
    }

    /// The same view drawn with its map area's top-left corner at (`left`, `top`).
    pub fn moved(mut self, left: f64, top: f64) -> View {
        self.left += left;
        self.top += top;
        self.area.left += left;
        self.area.top += top;
        self
    }

    /// True when the view is the whole world.
    #[cfg(test)]
    pub fn is_world(&self) -> bool {
        self.east - self.west >= 360.0 - 1e-9
    }

    /// Pixel position of an (unwrapped) longitude and a latitude.
    pub fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        (
            self.left + (lon - self.west) * self.kx * self.scale,
            self.top + (self.north - lat) * self.scale,
        )
    }

    /// `lon` moved by whole turns into the view, the copy nearest `lon` itself if several are.
    pub fn wrap(&self, lon: f64) -> Option<f64> {
        let first = ((self.west - lon) / 360.0).ceil();
        let last = ((self.east - lon) / 360.0).floor();
        (first <= last).then(|| lon + 360.0 * 0f64.clamp(first, last))
    }

    /// The turns (multiples of 360°) by which something spanning `west..=east` must be moved to
    /// overlap the view.
    pub fn turns(&self, west: f64, east: f64) -> std::ops::RangeInclusive<i32> {
        let first = ((self.west - east) / 360.0).floor() as i32;
        let last = ((self.east - west) / 360.0).ceil() as i32;
        first..=last
    }

    /// The parts of a line (`(lat, unwrapped lon)` points) inside the view's longitudes, in
    /// pixels: every copy a whole turn east or west is tried, and each is cut at the view's
    /// edges.
    pub fn pieces(&self, line: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        if line.len() < 2 {
            return Vec::new();
        }
        let west = line.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let east = line.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let mut out = Vec::new();
        for turn in self.turns(west, east) {
            let shift = 360.0 * f64::from(turn);
            let shifted: Vec<(f64, f64)> = line.iter().map(|&(a, o)| (a, o + shift)).collect();
            for piece in clip_lon(&shifted, self.west, self.east) {
                out.push(piece.iter().map(|&(a, o)| self.xy(a, o)).collect());
            }
        }
        out
    }
}

/// Cuts a polyline to `west..=east` (longitude), interpolating where it crosses.
fn clip_lon(line: &[(f64, f64)], west: f64, east: f64) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for pair in line.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let d = b.1 - a.1;
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        if d.abs() < 1e-12 {
            if a.1 < west || a.1 > east {
                (t0, t1) = (1.0, 0.0);
            }
        } else {
            let (ta, tb) = ((west - a.1) / d, (east - a.1) / d);
            t0 = t0.max(ta.min(tb));
            t1 = t1.min(ta.max(tb));
        }
        if t0 > t1 {
            if current.len() >= 2 {
                pieces.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        let at = |t: f64| (a.0 + (b.0 - a.0) * t, a.1 + d * t);
        if current.is_empty() || t0 > 0.0 {
            if current.len() >= 2 {
                pieces.push(std::mem::take(&mut current));
            }
            current = vec![at(t0)];
        }
        current.push(at(t1));
        if t1 < 1.0 {
            pieces.push(std::mem::take(&mut current));
        }
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pacific_line_is_cut_at_the_world_edges() {
        let v = View::world(720.0, None);
        // Tokyo-ish to Los Angeles-ish, unwrapped past 180.
        let line = [(35.0, 140.0), (45.0, 180.0), (34.0, 242.0)];
        let pieces = v.pieces(&line);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        let xs: Vec<f64> = pieces.iter().flatten().map(|p| p.0).collect();
        assert!(xs.iter().all(|&x| (0.0..=720.0).contains(&x)));
        // One piece ends on the east edge, the other starts on the west edge.
        assert!(pieces
            .iter()
            .any(|p| (p.last().unwrap().0 - 720.0).abs() < 1e-6));
        assert!(pieces.iter().any(|p| p[0].0.abs() < 1e-6));
    }

    #[test]
    fn a_pacific_view_keeps_the_line_whole() {
        let line = [(35.0, 140.0), (45.0, 180.0), (34.0, 242.0)];
        let v = View::fit(&line, 800.0, None);
        assert!(!v.is_world());
        assert!(v.west < 140.0 && v.east > 242.0);
        assert_eq!(v.pieces(&line).len(), 1);
        assert_eq!(v.wrap(-118.0), Some(242.0));
    }

    #[test]
    fn a_single_city_gets_a_country_sized_view() {
        let v = View::fit(&[(51.5, -0.1)], 800.0, None);
        let lon_span = v.east - v.west;
        assert!(lon_span > 14.0 && lon_span < 60.0, "{v:?}");
        let (x, y) = v.xy(51.5, -0.1);
        assert!((x - 400.0).abs() < 1.0 && y > 0.0 && y < v.area.height);
    }

    #[test]
    fn a_view_never_leaves_the_globe() {
        let v = View::fit(&[(89.0, 0.0), (85.0, 10.0)], 800.0, Some(800.0));
        assert!(v.north <= 90.0 && v.south >= -90.0);
        let w = View::fit(&[(0.0, -170.0), (0.0, 170.0)], 800.0, None);
        assert!(w.is_world());
    }
}
