//! The map pane: the project's Natural Earth outline (the one the SVG map draws) in braille
//! dots, zoomed to the located hops, with the path as great-circle lines between consecutive
//! located hops and hop numbers at their places.
//!
//! Why not ratatui's built-in world map: it is a cloud of coastline points that falls apart
//! when zoomed to a continent; the shipped outline is polylines (land and borders), so it
//! stays drawn at any zoom and the map can frame the path rather than the whole world.
//! The projection is plain longitude/latitude (equirectangular); a braille dot is about square,
//! so a degree is as wide as it is tall.

use crate::distance;
use crate::path::Path;
use crate::report::map::route::unwrap;
use crate::report::map::world::world;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::canvas::{Canvas, Context, Line};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

/// The smallest pane worth drawing (borders included).
pub const MIN_WIDTH: u16 = 30;
pub const MIN_HEIGHT: u16 = 8;

/// The located hops in TTL order: hop number, latitude, longitude (unwrapped, so a path
/// across the Pacific does not jump from +180 to -180).
pub fn located(path: &Path, last_ttl: Option<u8>) -> Vec<(u8, f64, f64)> {
    let hops: Vec<(u8, f64, f64)> = path
        .hops
        .iter()
        .filter(|h| last_ttl.is_none_or(|e| h.hop <= e))
        .filter_map(|h| {
            let p = h.placement.as_ref()?;
            Some((h.hop, p.latitude, p.longitude))
        })
        .collect();
    let unwrapped = unwrap(hops.iter().map(|&(_, lat, lon)| (lat, lon)));
    hops.iter()
        .zip(unwrapped)
        .map(|(&(hop, _, _), (lat, lon))| (hop, lat, lon))
        .collect()
}

/// The longitude and latitude bounds that frame `points` in a canvas of `cols` × `rows` cells
/// (2 × 4 braille dots each), with a margin, degrees as wide as tall.
pub fn bounds(points: &[(u8, f64, f64)], cols: u16, rows: u16) -> ([f64; 2], [f64; 2]) {
    let (dots_x, dots_y) = (f64::from(cols.max(1)) * 2.0, f64::from(rows.max(1)) * 4.0);
    let (mut west, mut east, mut south, mut north) = (-180.0f64, 180.0f64, -58.0f64, 84.0f64);
    if !points.is_empty() {
        west = points.iter().map(|p| p.2).fold(f64::INFINITY, f64::min);
        east = points.iter().map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
        south = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        north = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        // A margin, and at least a region's worth around a single place.
        let pad_x = ((east - west) * 0.15).max(8.0);
        let pad_y = ((north - south) * 0.15).max(5.0);
        (west, east, south, north) = (west - pad_x, east + pad_x, south - pad_y, north + pad_y);
    }
    let per_dot = ((east - west) / dots_x).max((north - south) / dots_y);
    let (cx, cy) = ((west + east) / 2.0, (south + north) / 2.0);
    let (half_x, half_y) = (per_dot * dots_x / 2.0, per_dot * dots_y / 2.0);
    // Keep the frame on the globe vertically (the outline has nothing beyond the poles).
    let cy = if half_y >= 90.0 {
        0.0
    } else {
        cy.clamp(-90.0 + half_y, 90.0 - half_y)
    };
    ([cx - half_x, cx + half_x], [cy - half_y, cy + half_y])
}

/// Hops that share one cell of the pane: the cell, where the first is, and their numbers.
struct Group {
    cell: (i64, i64),
    lat: f64,
    lon: f64,
    hops: Vec<u8>,
}

/// Hop numbers sharing one cell are labelled together: `3-5`, `3,7`.
fn labels(
    points: &[(u8, f64, f64)],
    cell: impl Fn(f64, f64) -> (i64, i64),
) -> Vec<(f64, f64, String)> {
    let mut groups: Vec<Group> = Vec::new();
    for &(hop, lat, lon) in points {
        let at = cell(lat, lon);
        match groups.iter_mut().find(|g| g.cell == at) {
            Some(g) => g.hops.push(hop),
            None => groups.push(Group {
                cell: at,
                lat,
                lon,
                hops: vec![hop],
            }),
        }
    }
    groups
        .into_iter()
        .map(|Group { lat, lon, hops, .. }| {
            let contiguous = hops.windows(2).all(|w| w[1] == w[0] + 1);
            let text = match hops.as_slice() {
                [one] => one.to_string(),
                [first, .., last] if contiguous => format!("{first}-{last}"),
                _ => hops.iter().map(u8::to_string).collect::<Vec<_>>().join(","),
            };
            (lat, lon, text)
        })
        .collect()
}

fn draw_outline(ctx: &mut Context<'_>, x: [f64; 2], y: [f64; 2]) {
    let w = world();
    for (shapes, color) in [(&w.land, Color::Gray), (&w.borders, Color::DarkGray)] {
        for shape in shapes {
            for turn in -1..=1 {
                let shift = f64::from(turn) * 360.0;
                if shape.east + shift < x[0] || shape.west + shift > x[1] {
                    continue;
                }
                for pair in shape.points.windows(2) {
                    let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
                    // Segments wholly outside the frame are skipped before clipping.
                    if (y1 < y[0] && y2 < y[0]) || (y1 > y[1] && y2 > y[1]) {
                        continue;
                    }
                    ctx.draw(&Line::new(x1 + shift, y1, x2 + shift, y2, color));
                }
            }
        }
    }
}

/// The path: each leg as a great circle (about one point per 200 km), unwrapped so that it
/// continues past ±180° instead of jumping.
fn draw_path(ctx: &mut Context<'_>, points: &[(u8, f64, f64)]) {
    for leg in points.windows(2) {
        let (a, b) = ((leg[0].1, leg[0].2), (leg[1].1, leg[1].2));
        let km = distance::Method::Haversine.metres(a, b) / 1000.0;
        let n = ((km / 200.0).ceil() as usize + 1).clamp(2, 64);
        let mut curve = unwrap(distance::interpolate(a, b, n).into_iter());
        // Keep the curve on the same turn as the unwrapped hop it starts from.
        let shift = a.1 - curve[0].1;
        for p in &mut curve {
            p.1 += shift;
        }
        for seg in curve.windows(2) {
            ctx.draw(&Line::new(
                seg[0].1,
                seg[0].0,
                seg[1].1,
                seg[1].0,
                Color::LightRed,
            ));
        }
    }
}

/// Draw the map pane into `area`.
pub fn render(frame: &mut Frame<'_>, area: Rect, path: &Path, last_ttl: Option<u8>) {
    let points = located(path, last_ttl);
    let title = match points.len() {
        0 => " map: no hop located yet ".to_string(),
        1 => " map: 1 located hop ".to_string(),
        n => format!(" map: {n} located hops "),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    let (x, y) = bounds(&points, inner.width, inner.height);
    let (cols, rows) = (
        f64::from(inner.width.max(1)),
        f64::from(inner.height.max(1)),
    );
    let cell = |lat: f64, lon: f64| -> (i64, i64) {
        (
            ((lon - x[0]) / (x[1] - x[0]) * cols).floor() as i64,
            ((y[1] - lat) / (y[1] - y[0]) * rows).floor() as i64,
        )
    };
    let labels = labels(&points, cell);
    let canvas = Canvas::default()
        .block(block)
        .marker(Marker::Braille)
        .x_bounds(x)
        .y_bounds(y)
        .paint(move |ctx| {
            draw_outline(ctx, x, y);
            ctx.layer();
            draw_path(ctx, &points);
            ctx.layer();
            for (lat, lon, text) in &labels {
                // Labels that would run off the right edge start further left.
                let len = text.chars().count() as f64;
                let lon_max = x[1] - (len - 0.5) * (x[1] - x[0]) / cols;
                ctx.print(
                    lon.min(lon_max),
                    *lat,
                    Span::styled(
                        text.clone(),
                        Style::default()
                            .fg(Color::Yellow)
                            .add_modifier(Modifier::BOLD),
                    ),
                );
            }
        });
    frame.render_widget(canvas, area);
}
