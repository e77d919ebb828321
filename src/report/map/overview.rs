//! Many paths on one map (`--map` with a file of many traces): where an Atlas measurement's
//! probes went, each path in its own colour.
//!
//! The single-trace map labels every hop and explains every leg; with hundreds of paths that
//! would be a smudge, so the overview draws only the lines (counted legs solid, connectors to
//! left-out places dashed) and a dot per placed hop, with a key naming the first paths. It
//! keeps each path's route (its placed stops, a few numbers per hop), not the paths.

use super::route::{self, Route};
use super::svg::{escape, num, polyline};
use super::view::View;
use super::{draw_base, legend, MapOptions, PALETTE};
use crate::path::Path;
use std::fmt::Write;

/// Colours the paths cycle through (distinct on the pale land and sea).
const COLOURS: [&str; 8] = [
    "#d62d20", "#0057e7", "#008744", "#ffa700", "#7b3fb5", "#00a0b0", "#c71585", "#5d4037",
];
/// Paths named in the key; the rest are counted.
const KEY_ROWS: usize = 12;
const ROW: f64 = 18.0;

/// One segment's line (`(lat, lon)` points) and whether it is a counted leg.
type Curve = (Vec<(f64, f64)>, bool);

/// The routes of many paths, gathered one path at a time.
#[derive(Debug, Default)]
pub struct Overview {
    routes: Vec<(String, Route)>,
    origin: Option<(f64, f64)>,
}

impl Overview {
    /// An empty overview; `origin` is the user's own position (`--from`).
    pub fn new(origin: Option<(f64, f64)>) -> Self {
        Overview {
            routes: Vec::new(),
            origin,
        }
    }

    /// Adds one path under `label`.
    pub fn add(&mut self, label: &str, path: &Path) {
        self.routes
            .push((label.to_string(), route::route(path, self.origin)));
    }

    /// How many paths were added.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True when no path was added.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The SVG document.
    pub fn render(&self, opts: &MapOptions) -> String {
        let width = f64::from(opts.width.max(320));
        let curves: Vec<Vec<Curve>> = self
            .routes
            .iter()
            .map(|(_, r)| {
                r.segments
                    .iter()
                    .map(|s| (route::curve(s), s.counted))
                    .collect()
            })
            .collect();
        let view = if opts.world {
            View::world(width, None)
        } else {
            let points: Vec<(f64, f64)> = self
                .routes
                .iter()
                .flat_map(|(_, r)| r.stops.iter().map(|s| (s.lat, s.lon)))
                .collect();
            View::fit(&points, width, None)
        }
        .moved(0.0, legend::TITLE_HEIGHT);
        let area = view.area;
        let key_rows = self.routes.len().min(KEY_ROWS) + 1;
        let height = area.top + area.height + 12.0 + ROW * key_rows as f64;
        let palette = &PALETTE;
        let mut out = String::with_capacity(64 * 1024);
        let located = self
            .routes
            .iter()
            .filter(|(_, r)| !r.stops.is_empty())
            .count();
        let _ = writeln!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
             width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" \
             data-paths=\"{}\">\n<title>globetrace: {} paths</title>\n<desc>{} paths, {located} \
             with placed hops</desc>",
            self.routes.len(),
            self.routes.len(),
            self.routes.len(),
            w = num(width),
            h = num(height),
        );
        let _ = writeln!(
            out,
            "<defs><clipPath id=\"gt-map\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\
             </clipPath></defs>\n<rect class=\"background\" width=\"{}\" height=\"{}\" \
             fill=\"#ffffff\"/>\n<text class=\"title\" x=\"12\" y=\"23\" font-size=\"16\" \
             font-weight=\"bold\" fill=\"{}\">globetrace: {} paths</text>",
            num(area.left),
            num(area.top),
            num(area.width),
            num(area.height),
            num(width),
            num(height),
            palette.text,
            self.routes.len()
        );
        out.push_str("<g class=\"map\" clip-path=\"url(#gt-map)\">\n");
        let _ = writeln!(
            out,
            "<rect class=\"sea\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
            num(area.left),
            num(area.top),
            num(area.width),
            num(area.height),
            palette.sea
        );
        draw_base(&mut out, &view, palette);
        for (i, ((label, r), segments)) in self.routes.iter().zip(&curves).enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let _ = writeln!(
                out,
                "<g class=\"path\" data-trace=\"{}\" stroke=\"{colour}\" fill=\"none\" \
                 stroke-linecap=\"round\" stroke-opacity=\"0.8\">",
                escape(label)
            );
            for (curve, counted) in segments {
                let style = if *counted {
                    "stroke-width=\"2\""
                } else {
                    "stroke-width=\"1.2\" stroke-dasharray=\"5 4\""
                };
                for piece in view.pieces(curve) {
                    let _ = writeln!(
                        out,
                        "<path class=\"leg\" {style} d=\"{}\"/>",
                        polyline(&piece)
                    );
                }
            }
            for s in &r.stops {
                if let Some(lon) = view.wrap(s.lon) {
                    let (x, y) = view.xy(s.lat, lon);
                    let _ = writeln!(
                        out,
                        "<circle class=\"stop\" cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{colour}\" \
                         stroke=\"none\"/>",
                        num(x),
                        num(y)
                    );
                }
            }
            out.push_str("</g>\n");
        }
        out.push_str("</g>\n");
        let top = area.top + area.height + 12.0;
        out.push_str("<g class=\"key\" font-size=\"12\">\n");
        for (i, (label, r)) in self.routes.iter().take(KEY_ROWS).enumerate() {
            let y = top + ROW * i as f64;
            let _ = writeln!(
                out,
                "<rect x=\"12\" y=\"{}\" width=\"18\" height=\"4\" fill=\"{}\"/>\
                 <text x=\"38\" y=\"{}\" fill=\"{}\">{} ({} placed hops)</text>",
                num(y + 5.0),
                COLOURS[i % COLOURS.len()],
                num(y + 10.0),
                palette.text,
                escape(label),
                r.stops.iter().filter(|s| !s.origin).count()
            );
        }
        let rest = self.routes.len().saturating_sub(KEY_ROWS);
        let y = top + ROW * self.routes.len().min(KEY_ROWS) as f64;
        let note = if rest > 0 {
            format!("and {rest} more paths")
        } else {
            "solid: counted legs; dashed: places left out of distances".to_string()
        };
        let _ = writeln!(
            out,
            "<text x=\"12\" y=\"{}\" fill=\"{}\">{}</text>\n</g>\n</svg>",
            num(y + 10.0),
            palette.muted,
            escape(&note)
        );
        out
    }
}
