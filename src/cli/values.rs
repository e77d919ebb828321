//! Parsers of option values: a bad value is a usage error (exit 2) whose message names what
//! was wrong, before anything runs.

use crate::distance::Units;
use crate::probe::ProbeConfig;
use std::time::Duration;

pub(super) fn parse_from(s: &str) -> Result<(f64, f64), String> {
    crate::distance::parse_lat_lon(s).map_err(|e| e.to_string())
}

pub(super) fn parse_units(s: &str) -> Result<Units, String> {
    s.parse::<Units>().map_err(|e| e.to_string())
}

/// `-w MAX,HERE,NEAR`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitSpec {
    pub max: Duration,
    pub here: f64,
    pub near: f64,
}

pub(super) fn parse_secs(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(v.is_finite() && v > 0.0 && v <= 300.0) {
        return Err(format!("{s} must be more than 0 and at most 300 seconds"));
    }
    Ok(Duration::from_secs_f64(v))
}

pub(super) fn parse_interval(s: &str) -> Result<Duration, String> {
    let v: f64 = s.trim().parse().map_err(|_| {
        format!("{s:?} is not a number of seconds (-i is the interval between cycles; the interface is --interface)")
    })?;
    if !(v.is_finite() && (0.01..=3600.0).contains(&v)) {
        return Err(format!("{s} must be between 0.01 and 3600 seconds"));
    }
    Ok(Duration::from_secs_f64(v))
}

pub(super) fn parse_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of probes per second"))?;
    if !(v.is_finite() && (0.0..=1_000_000.0).contains(&v)) || (v > 0.0 && v < 1.0) {
        return Err(format!("{s} must be 0 (no limit) or between 1 and 1000000"));
    }
    Ok(v)
}

pub(super) fn parse_factor(s: &str, what: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{what} factor {s:?} is not a number"))?;
    if !(v.is_finite() && (0.0..=1000.0).contains(&v)) {
        return Err(format!("{what} factor {s} must be between 0 and 1000"));
    }
    Ok(v)
}

pub(super) fn parse_wait(s: &str) -> Result<WaitSpec, String> {
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() > 3 {
        return Err(format!("{s:?}: expected MAX[,HERE[,NEAR]]"));
    }
    let defaults = ProbeConfig::default();
    // A factor of 0 disables that rule, as in traceroute.
    let factor = |i: usize, what: &str, default: f64| -> Result<f64, String> {
        match parts.get(i) {
            Some(p) => parse_factor(p, what).map(|f| if f == 0.0 { f64::INFINITY } else { f }),
            None => Ok(default),
        }
    };
    Ok(WaitSpec {
        max: parse_secs(parts[0])?,
        here: factor(1, "HERE", defaults.here)?,
        near: factor(2, "NEAR", defaults.near)?,
    })
}

/// `--confidence`: 95 or 99 (percent).
pub fn parse_confidence(s: &str) -> Result<u8, String> {
    match s.trim().trim_end_matches('%') {
        "95" => Ok(95),
        "99" => Ok(99),
        _ => Err(format!(
            "{s:?} is not a confidence globetrace offers: use 95 or 99"
        )),
    }
}

/// The family `-4`/`-6` ask for, checked against `--source`.
pub fn family_of(
    v4: bool,
    v6: bool,
    source: Option<std::net::IpAddr>,
) -> Result<crate::dns::FamilyPreference, String> {
    use crate::dns::FamilyPreference;
    let family = match (v4, v6) {
        (true, _) => FamilyPreference::V4,
        (_, true) => FamilyPreference::V6,
        _ => FamilyPreference::Any,
    };
    if let Some(src) = source {
        if (family == FamilyPreference::V4 && src.is_ipv6())
            || (family == FamilyPreference::V6 && src.is_ipv4())
        {
            return Err(format!(
                "--source {src} is not of the family chosen with -4/-6"
            ));
        }
    }
    Ok(family)
}
