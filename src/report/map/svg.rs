//! The few pieces of SVG text the map is written with: escaped text, short numbers and path
//! data. Written by hand rather than with an SVG crate: the map uses a handful of elements,
//! and owning the text keeps the output self-contained (no external fonts, scripts, links or
//! images) and small.

use std::fmt::Write;

/// Text made safe for XML content and attribute values. Characters XML 1.0 forbids (control
/// characters) are dropped, not escaped: host names were cleaned where they entered, and a
/// map label has no use for them.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => {}
            c => out.push(c),
        }
    }
    out
}

/// A pixel coordinate with one decimal, without a trailing `.0`.
pub fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Path data for an open polyline in pixels (`M x y L x y ...`); empty for fewer than two
/// points.
pub fn polyline(points: &[(f64, f64)]) -> String {
    polyline_into(String::new(), points, false)
}

/// Appends a polyline (closed with `Z` when `close`) to path data `d`.
pub fn polyline_into(mut d: String, points: &[(f64, f64)], close: bool) -> String {
    if points.len() < 2 {
        return d;
    }
    let mut last = String::new();
    for (i, &(x, y)) in points.iter().enumerate() {
        let xy = format!("{} {}", num(x), num(y));
        if i > 0 && xy == last {
            continue; // the same pixel twice adds nothing
        }
        let _ = write!(d, "{}{xy}", if i == 0 { "M" } else { "L" });
        last = xy;
    }
    if close {
        d.push('Z');
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_controls() {
        assert_eq!(
            escape("a<b>&\"c'\u{1b}[31m\u{7}"),
            "a&lt;b&gt;&amp;&quot;c&apos;[31m"
        );
    }

    #[test]
    fn short_numbers_and_paths() {
        assert_eq!(num(12.04), "12");
        assert_eq!(num(-3.25), "-3.3");
        assert_eq!(
            polyline(&[(0.0, 0.0), (1.0, 2.5), (1.01, 2.5)]),
            "M0 0L1 2.5"
        );
        assert_eq!(polyline(&[(1.0, 1.0)]), "");
    }
}
