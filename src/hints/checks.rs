//! The consistency rules: how good a GeoIP answer is, whether a hint fits what else is known,
//! the speed-of-light bound, detours and satellite links. Pure functions over numbers, so
//! each rule is tested on its own.

use super::dict::{self, Place};
use crate::distance::Method;
use crate::geo::Location;

/// Kilometres light in fibre covers per millisecond of round-trip time: one way it covers
/// ~204 km/ms (refractive index ~1.47), so a reply after `rtt` ms came from at most
/// `rtt / 2 × 204` km away. 100 rounds that down a little; real cables are longer than the
/// geodesic (and routers add delay), so no real hop comes close to the bound.
pub const KM_PER_RTT_MS: f64 = 100.0;
/// Added to every bound: dictionary points are city centres or airports and a router may be
/// tens of kilometres from either.
pub const ALLOWANCE_KM: f64 = 50.0;
/// An RTT rise between consecutive responding hops this large means a geostationary hop:
/// up and down to 35,786 km costs ≥ 477 ms of round trip; 450 leaves room for jitter.
pub const SATELLITE_JUMP_MS: f64 = 450.0;
/// A detour hop is at least this far from both of its neighbours...
pub const DETOUR_MIN_KM: f64 = 500.0;
/// ...while the neighbours are at most this fraction of that apart.
pub const DETOUR_NEIGHBOURS_RATIO: f64 = 0.25;
/// Light in fibre one way, for whether RTTs show a detour really happened.
pub const KM_PER_MS_ONE_WAY: f64 = 200.0;
/// GeoIP answers with an accuracy radius this large locate a country, not a city: GeoLite2
/// gives country-level answers radii of 500 and 1,000 km, city answers 1 to 200 km.
pub const COUNTRY_RADIUS_KM: u32 = 500;
/// Hops sharing GeoIP coordinates whose minimum RTTs differ by this much are not all there.
pub const SHARED_POINT_SPREAD_MS: f64 = 25.0;

/// Coordinates GeoIP databases give when they only know the country. MaxMind's US point
/// (a farm near Potwin, Kansas, documented by MaxMind since 2016) and the older 38, -97.
/// DB-IP Lite has no such points: every record names a city (see the module docs).
const DEFAULT_POINTS: &[(f64, f64, &str)] = &[(37.751, -97.822, "US"), (38.0, -97.0, "US")];

/// Networks that operate backbones on several continents: their routers' GeoIP answers are
/// the registration address, so their region says nothing about where a hop is.
const GLOBAL_ASNS: &[u32] = &[
    174, 209, 701, 1239, 1273, 1299, 2828, 2914, 3257, 3320, 3356, 3491, 3549, 4134, 4637, 4809,
    5511, 6453, 6461, 6762, 6830, 6939, 7018, 7473, 8075, 8220, 9002, 12389, 12956, 13030, 13335,
    15169, 16509, 20473, 20940, 24940, 32934, 54113, 2516, 4788, 6663, 6695, 9498, 10026, 15412,
    16276, 31133, 33891, 37100, 46489,
];

/// Whether `asn` runs a backbone on several continents ([`GLOBAL_ASNS`]).
pub fn is_global_asn(asn: u32) -> bool {
    GLOBAL_ASNS.contains(&asn)
}

/// Country-level points seen in GeoIP answers that name no city (`data/hints/default_points.tsv`,
/// built by `build_default_points.py`; many are a capital's coordinates, so only an exact
/// match, within [`DEFAULT_POINT_KM`], counts).
const SEEN_DEFAULT_POINTS: &str = include_str!("../../data/hints/default_points.tsv");
/// How close an answer must be to a seen default point to be one: the table's four decimals.
pub const DEFAULT_POINT_KM: f64 = 0.05;

/// The country whose default point `point` is, if it is one.
pub fn default_point(point: (f64, f64)) -> Option<&'static str> {
    if let Some(&(_, _, cc)) = DEFAULT_POINTS
        .iter()
        .find(|&&(lat, lon, _)| km(point, (lat, lon)) < 1.0)
    {
        return Some(cc);
    }
    // Parsed once; a point more than 0.01 degrees of latitude away (over 1 km) cannot be
    // within DEFAULT_POINT_KM, so the geodesic is computed only for the few that can.
    static SEEN: std::sync::OnceLock<Vec<(&'static str, f64, f64)>> = std::sync::OnceLock::new();
    let seen = SEEN.get_or_init(|| {
        SEEN_DEFAULT_POINTS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split('\t');
                let cc = f.next()?;
                let lat: f64 = f.next()?.parse().ok()?;
                let lon: f64 = f.next()?.parse().ok()?;
                Some((cc, lat, lon))
            })
            .collect()
    });
    seen.iter().find_map(|&(cc, lat, lon)| {
        ((point.0 - lat).abs() < 0.01 && km(point, (lat, lon)) <= DEFAULT_POINT_KM).then_some(cc)
    })
}

/// How far a GeoIP answer can be trusted.
#[derive(Debug, Clone, PartialEq)]
pub enum GeoClass {
    /// A city-level answer.
    City,
    /// A country-level answer, and why it is taken for one.
    Country(String),
}

/// The coordinates of `loc` and how good they are; `None` without coordinates.
pub fn classify(loc: &Location) -> Option<((f64, f64), GeoClass)> {
    let point = loc.coordinates()?;
    let class = if loc.city.is_none() {
        GeoClass::Country("country default point: the GeoIP answer names no city".into())
    } else if let Some(r) = loc.accuracy_km.filter(|&r| r >= COUNTRY_RADIUS_KM) {
        GeoClass::Country(format!(
            "country default point: GeoIP accuracy radius {r} km"
        ))
    } else if let Some(cc) = default_point(point) {
        GeoClass::Country(format!(
            "country default point: GeoIP's point for {cc} when it knows only the country"
        ))
    } else {
        GeoClass::City
    };
    Some((point, class))
}

/// Whether a hint fits what GeoIP says of the same responder (module docs, rule 1).
pub fn fits_region(place: &Place, loc: Option<&Location>) -> bool {
    let Some(loc) = loc else { return true };
    if loc.asn.is_some_and(is_global_asn) {
        return true;
    }
    let Some(cc) = loc.country_code.as_deref() else {
        return true;
    };
    match classify(loc) {
        Some((point, GeoClass::City)) => {
            let neighbour =
                dict::country(cc).is_some_and(|(_, n)| n.split(',').any(|c| c == place.cc));
            place.cc == cc || neighbour || km(point, (place.lat, place.lon)) <= 1000.0
        }
        // Only a default point: the country is the registration's; its continent is the
        // network's region.
        _ => match (dict::country(cc), dict::country(place.cc)) {
            (Some((a, _)), Some((b, _))) => a == b,
            _ => true,
        },
    }
}

/// A city-level GeoIP answer this close to a hint's place supports it.
pub const SUPPORT_KM: f64 = 300.0;

/// Whether a city-level GeoIP answer lies within [`SUPPORT_KM`] of `place`: what a token
/// that nothing in its name marks as a site needs before it counts.
pub fn geoip_supports(place: &Place, loc: Option<&Location>) -> bool {
    match loc.and_then(classify) {
        Some((point, GeoClass::City)) => km(point, (place.lat, place.lon)) <= SUPPORT_KM,
        _ => false,
    }
}

/// The farthest a hop with minimum RTT `rtt_ms` can be from the origin, whose own RTT is
/// `origin_rtt_ms` (0 for the user's `--from`): the source is within `origin_rtt × 100` km of
/// the origin and the hop within `rtt × 100` km of the source.
pub fn rtt_bound_km(rtt_ms: f64, origin_rtt_ms: f64) -> f64 {
    (rtt_ms + origin_rtt_ms) * KM_PER_RTT_MS + ALLOWANCE_KM
}

/// Indexes (into `min_rtts`) of the hops right after a geostationary jump. `None` entries
/// (silent hops, no RTT) are skipped: the jump is measured from the last hop that answered.
pub fn satellite_jumps(min_rtts: &[Option<f64>]) -> Vec<usize> {
    let mut previous: Option<f64> = None;
    let mut out = Vec::new();
    for (i, rtt) in min_rtts.iter().enumerate() {
        let Some(rtt) = *rtt else { continue };
        if previous.is_some_and(|p| rtt - p >= SATELLITE_JUMP_MS) {
            out.push(i);
        }
        previous = Some(rtt);
    }
    out
}

/// A counted point, for the detour rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub hop: u8,
    pub at: (f64, f64),
    pub rtt_ms: Option<f64>,
}

/// Detours: runs of one to three points far from both neighbours that are close to each
/// other (A → far B → A), unless the RTTs rose enough for the packets to have gone there.
/// Returns, for each outlier, its index in `points` and the reason.
pub fn detours(points: &[Point]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut k = 1;
    while k + 1 < points.len() {
        let mut found = 0;
        for run in 1..=3 {
            let Some(next) = points.get(k + run) else {
                break;
            };
            let prev = points[k - 1];
            let gap = km(prev.at, next.at);
            let members = &points[k..k + run];
            let near = members
                .iter()
                .map(|m| km(prev.at, m.at).min(km(m.at, next.at)))
                .fold(f64::INFINITY, f64::min);
            if near < DETOUR_MIN_KM || gap > near * DETOUR_NEIGHBOURS_RATIO {
                continue;
            }
            // Had the packets gone there and back, the next hop's RTT would have risen by at
            // least the extra distance at the speed of light in fibre.
            let mut path = km(prev.at, members[0].at) + km(members[run - 1].at, next.at);
            for w in members.windows(2) {
                path += km(w[0].at, w[1].at);
            }
            let needed = (path - gap) / KM_PER_MS_ONE_WAY;
            let rose = match (prev.rtt_ms, next.rtt_ms) {
                (Some(a), Some(b)) => b - a,
                _ => 0.0,
            };
            if rose >= needed {
                continue;
            }
            let reason = format!(
                "outlier: far from hops {} and {} which are {} km apart",
                prev.hop,
                next.hop,
                group(gap)
            );
            out.extend((k..k + run).map(|i| (i, reason.clone())));
            found = run;
            break;
        }
        k += found.max(1);
    }
    out
}

/// Groups of hops (indexes into `points`) that share GeoIP coordinates while their minimum
/// RTTs differ by [`SHARED_POINT_SPREAD_MS`] or more: a registration or default point, not
/// where the routers are.
pub fn shared_points(points: &[Point]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let same: Vec<&Point> = points.iter().filter(|q| km(p.at, q.at) < 1.0).collect();
        let rtts: Vec<f64> = same.iter().filter_map(|q| q.rtt_ms).collect();
        let (lo, hi) = rtts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                (lo.min(r), hi.max(r))
            });
        if same.len() >= 2 && hi - lo >= SHARED_POINT_SPREAD_MS {
            let hops: Vec<String> = same.iter().map(|q| q.hop.to_string()).collect();
            out.push((
                i,
                format!(
                    "default point: hops {} share these GeoIP coordinates but their RTTs differ by {:.0} ms",
                    hops.join(", "),
                    hi - lo
                ),
            ));
        }
    }
    out
}

/// Kilometres between two points (geodesic).
pub fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    Method::Geodesic.metres(a, b) / 1000.0
}

/// `8012.4` → `8,012`.
pub fn group(km: f64) -> String {
    let digits = format!("{:.0}", km.max(0.0));
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Hops after a satellite jump that agree with each other are within this of each other.
pub const GROUP_KM: f64 = 500.0;

/// Ground stations placed where they cannot be: for each hop right after a geostationary
/// jump (`jump_hops`, hop numbers), the counted hops that follow it and agree with the first
/// of them (within [`GROUP_KM`]) form its group; a ground station farther from that group's
/// first hop than their RTT difference allows (100 km per ms, plus the allowance) is
/// returned with the reason, like a detour with one neighbour. `points` are the counted hops
/// in path order.
pub fn ground_stations(points: &[Point], jump_hops: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (k, p) in points.iter().enumerate() {
        if !jump_hops.contains(&p.hop) {
            continue;
        }
        let Some(next) = points.get(k + 1) else {
            continue;
        };
        let members: Vec<&Point> = points[k + 1..]
            .iter()
            .take_while(|q| km(q.at, next.at) <= GROUP_KM)
            .collect();
        let (Some(rtt), Some(next_rtt)) = (p.rtt_ms, next.rtt_ms) else {
            continue;
        };
        let d = km(p.at, next.at);
        let allowed = (next_rtt - rtt).abs() * KM_PER_RTT_MS + ALLOWANCE_KM;
        if d > allowed {
            out.push((
                k,
                format!(
                    "satellite ground station: {} km from hop{} {} after it, but their RTTs \
                     differ by {:.1} ms ({} km at most)",
                    group(d),
                    if members.len() > 1 { "s" } else { "" },
                    members
                        .iter()
                        .map(|q| q.hop.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                    (next_rtt - rtt).abs(),
                    group(allowed)
                ),
            ));
        }
    }
    out
}
