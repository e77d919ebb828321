//! Numbers as people read them: the JSON exports round each number by what it measures, so a
//! reader sees `0.023`, not `0.023096000000000002`, and coordinates do not claim millimetres.
//!
//! Why by field name, after serialising: the same quantities appear in many structs (model,
//! distance summary, geo records) that must not carry presentation rules themselves; one
//! table here covers them all, and a new field with a known suffix is rounded without a
//! line of code. Integers are never touched.

use serde_json::Value;

/// Decimals kept for a field, by its name: RTTs and other `_ms` times to the microsecond,
/// coordinates to 4 decimals (about 11 m), distances and percentages to 0.1, the stretch to
/// 0.01, seconds to the millisecond.
pub fn decimals(key: &str) -> Option<i32> {
    match key {
        "latitude" | "longitude" | "geoip_latitude" | "geoip_longitude" => Some(4),
        "stretch" => Some(2),
        "miles" | "km" | "loss_pct" => Some(1),
        k if k.ends_with("_ms") => Some(3),
        k if k.ends_with("_miles") || k.ends_with("_km") || k.ends_with("_pct") => Some(1),
        k if k.ends_with("_secs") => Some(3),
        _ => None,
    }
}

/// `x` rounded to `places` decimals.
pub fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    let r = (x * scale).round() / scale;
    if r.is_finite() {
        r
    } else {
        x
    }
}

/// A value that serialises with its numbers rounded as [`tidy`] rounds them, while it is
/// written (no tree is built: see [`super::round_ser`]).
pub struct Rounded<T>(pub T);

impl<T: serde::Serialize> serde::Serialize for Rounded<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0
            .serialize(super::round_ser::RoundingSerializer::new(serializer))
    }
}

/// Rounds every floating-point number in `value` whose field name [`decimals`] knows
/// (elements of an array take the array's name, as in `rtts_ms`).
pub fn tidy(value: &mut Value) {
    walk(value, None);
}

fn walk(value: &mut Value, places: Option<i32>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                walk(v, decimals(key));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, places)),
        Value::Number(n) if n.is_f64() => {
            if let (Some(p), Some(x)) = (places, n.as_f64()) {
                if let Some(rounded) = serde_json::Number::from_f64(round(x, p)) {
                    *n = rounded;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_rounded_by_what_they_measure() {
        let mut v = json!({
            "rtts_ms": [0.023096000000000002, 12.3456789],
            "rtt_min_ms": 0.023096000000000002,
            "latitude": 37.33939933776855,
            "geoip_longitude": -121.89496,
            "miles": 5378.54321, "cumulative_km": 8655.77,
            "stretch": 1.004999, "loss_pct": 33.333333,
            "hop": 7, "asn": 15169,
            "nested": [{ "longitude": 0.000049 }]
        });
        tidy(&mut v);
        assert_eq!(
            v.to_string(),
            json!({
                "rtts_ms": [0.023, 12.346], "rtt_min_ms": 0.023,
                "latitude": 37.3394, "geoip_longitude": -121.895,
                "miles": 5378.5, "cumulative_km": 8655.8,
                "stretch": 1.0, "loss_pct": 33.3,
                "hop": 7, "asn": 15169,
                "nested": [{ "longitude": 0.0 }]
            })
            .to_string()
        );
        // Key order is kept (serde_json's preserve_order).
        assert!(v.to_string().starts_with("{\"rtts_ms\""));
    }
}
