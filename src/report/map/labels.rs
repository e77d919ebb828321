//! Putting text where it does not hide other text: a greedy placer.
//!
//! Each label offers a few candidate boxes (right of its marker, left, above, below, ...); the
//! first that stays on the map and touches nothing already placed wins, else the one that
//! overlaps least. Greedy placement is not optimal, but a traceroute has a few dozen labels at
//! most, mostly in clusters that are already merged into one label, and this keeps them legible
//! without a layout engine. Text widths are estimated (no font is loaded: the SVG names only
//! the generic `sans-serif` family, so the viewer's font decides the real width).

/// A box in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    /// A box of `w` × `h` centred on (`cx`, `cy`).
    pub fn centred(cx: f64, cy: f64, w: f64, h: f64) -> Rect {
        Rect::new(cx - w / 2.0, cy - h / 2.0, w, h)
    }

    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// The area shared with `other` (0 when apart).
    pub fn overlap(&self, other: &Rect) -> f64 {
        let w = self.right().min(other.right()) - self.x.max(other.x);
        let h = self.bottom().min(other.bottom()) - self.y.max(other.y);
        if w > 0.0 && h > 0.0 {
            w * h
        } else {
            0.0
        }
    }

    /// True when `self` lies wholly inside `outer`.
    pub fn inside(&self, outer: &Rect) -> bool {
        self.x >= outer.x
            && self.y >= outer.y
            && self.right() <= outer.right()
            && self.bottom() <= outer.bottom()
    }
}

/// Estimated width in pixels of `text` at `size` pixels in a generic sans-serif font.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | '\'' | ':' | ';' | '|' | '!' | ' ' => 0.3,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '-' => 0.4,
            'm' | 'w' | 'M' | 'W' => 0.85,
            c if c.is_ascii_uppercase() => 0.68,
            c if c.is_ascii() => 0.56,
            _ => 0.75,
        })
        .sum::<f64>()
        * size
        * WIDE_FONT_ALLOWANCE
}

/// Room for wide fallback fonts (DejaVu Sans, common on Linux, is ~8% wider than Arial).
const WIDE_FONT_ALLOWANCE: f64 = 1.08;

/// How much covering a line counts against a candidate, relative to covering text.
const SOFT_WEIGHT: f64 = 0.3;

/// Places boxes on a map area without overlapping earlier ones where it can.
#[derive(Debug, Clone)]
pub struct Placer {
    area: Rect,
    taken: Vec<Rect>,
    /// Places better left free (along the legs), weighed less than `taken`.
    soft: Vec<Rect>,
}

impl Placer {
    pub fn new(area: Rect) -> Placer {
        Placer {
            area,
            taken: Vec::new(),
            soft: Vec::new(),
        }
    }

    /// Marks `rect` as taken (a marker) without placing anything.
    pub fn block(&mut self, rect: Rect) {
        self.taken.push(rect);
    }

    /// Marks `rect` as better left free (a stretch of a drawn line): a label may cover it when
    /// nothing better is free.
    pub fn avoid(&mut self, rect: Rect) {
        self.soft.push(rect);
    }

    fn cost(&self, r: &Rect, with_soft: bool) -> f64 {
        let outside = if r.inside(&self.area) {
            0.0
        } else {
            r.w * r.h - r.overlap(&self.area) + 1.0
        };
        outside * 4.0
            + self.taken.iter().map(|t| t.overlap(r)).sum::<f64>()
            + if with_soft {
                self.soft.iter().map(|t| t.overlap(r)).sum::<f64>() * SOFT_WEIGHT
            } else {
                0.0
            }
    }

    /// The first candidate that is free, else the least covered one; it becomes taken.
    /// `None` only when there are no candidates.
    pub fn place(&mut self, candidates: &[Rect]) -> Option<Rect> {
        let best = candidates
            .iter()
            .map(|r| (self.cost(r, true), *r))
            .find(|(c, _)| *c == 0.0)
            .or_else(|| {
                candidates
                    .iter()
                    .map(|r| (self.cost(r, true), *r))
                    .min_by(|a, b| a.0.total_cmp(&b.0))
            })?;
        self.taken.push(best.1);
        Some(best.1)
    }

    /// Like [`place`](Self::place), but only takes a candidate that covers no taken box (lines
    /// to avoid do not count) and stays on the map.
    pub fn place_if_free(&mut self, candidates: &[Rect]) -> Option<Rect> {
        let free = candidates
            .iter()
            .find(|r| self.cost(r, false) == 0.0)
            .copied()?;
        self.taken.push(free);
        Some(free)
    }

    /// Candidate boxes of `w` × `h` around `around` (a marker's box), `gap` pixels away: right,
    /// left, above, below, then the four corners.
    pub fn around(around: &Rect, w: f64, h: f64, gap: f64) -> Vec<Rect> {
        let cy = around.y + around.h / 2.0 - h / 2.0;
        let cx = around.x + around.w / 2.0 - w / 2.0;
        vec![
            Rect::new(around.right() + gap, cy, w, h),
            Rect::new(around.x - gap - w, cy, w, h),
            Rect::new(cx, around.y - gap - h, w, h),
            Rect::new(cx, around.bottom() + gap, w, h),
            Rect::new(around.right() + gap, around.y - h, w, h),
            Rect::new(around.right() + gap, around.bottom(), w, h),
            Rect::new(around.x - gap - w, around.y - h, w, h),
            Rect::new(around.x - gap - w, around.bottom(), w, h),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_label_moves_aside() {
        let mut p = Placer::new(Rect::new(0.0, 0.0, 500.0, 500.0));
        let marker = Rect::centred(250.0, 250.0, 18.0, 18.0);
        p.block(marker);
        let first = p.place(&Placer::around(&marker, 80.0, 14.0, 4.0)).unwrap();
        let second = p.place(&Placer::around(&marker, 80.0, 14.0, 4.0)).unwrap();
        assert_eq!(first.overlap(&second), 0.0);
        assert_eq!(first.overlap(&marker), 0.0);
        assert!(first.x > marker.right(), "right of the marker first");
    }

    #[test]
    fn labels_stay_on_the_map() {
        let mut p = Placer::new(Rect::new(0.0, 0.0, 200.0, 200.0));
        let marker = Rect::centred(195.0, 100.0, 10.0, 10.0);
        let r = p.place(&Placer::around(&marker, 60.0, 12.0, 2.0)).unwrap();
        assert!(r.right() <= 200.0, "{r:?}");
        assert!(text_width("London, GB", 12.0) > text_width("Ely", 12.0));
    }
}
