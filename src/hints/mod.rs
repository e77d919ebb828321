//! Where each hop really is, and how far to trust it: hostname geohints, default points,
//! the speed-of-light bound, detours and satellite links.
//!
//! Why: GeoIP databases locate end hosts, not routers. Backbone addresses land on the
//! operator's registered city (DB-IP puts 86% of Lumen's 4.69.0.0/16 in Monroe, Louisiana,
//! 71% of Cogent's 154.54.0.0/16 in Dallas, 77% of NTT's 129.250.0.0/16 in New York) or on a
//! country's default point (MaxMind's 37.751, -97.822 in Kansas), so path distances summed
//! over them are fiction. Router host names usually say where they are (`sjc03`,
//! `Frankfurt1`, `asbnva02`), and RTTs say where they cannot be. This stage, run by
//! `Path::build` after the GeoIP lookups and before distances are measured, sets each hop's
//! [`Placement`] and flags from those, in order of trust:
//!
//! 1. **Host name hints** ([`hostname`]) that are consistent with what else is known:
//!    the network's region (networks on one continent stay near their GeoIP country; global
//!    backbones, listed in `checks.rs`, are not held to theirs), the GeoIP country where the
//!    answer is city-level (same country, a neighbour, or within 1,000 km), and the RTT
//!    bound. Flag `hostname-hint`; a name whose every place failed gets `hint-rejected`.
//! 2. **City-level GeoIP answers**, source `geoip`.
//! 3. **Default points**, source `country`, flag `country-default`: answers without a city,
//!    with an accuracy radius of 500 km or more, on a known default point, or shared by hops
//!    whose RTTs differ by 25 ms or more. They are left out of the distance unless fewer than
//!    two hops are placed better (then they are all there is, and count).
//!
//! Then the checks:
//! - **Speed of light** ([`checks::rtt_bound_km`]): a hop at minimum RTT `r` ms is at most
//!   `r × 100 km + 50 km` from the source. A hint that breaks it is dropped for the next; a
//!   GeoIP place that breaks it is flagged `implausible` and left out.
//! - **Detours** ([`checks::detours`]): a run of up to three hops far (≥ 500 km) from both
//!   neighbours that are close to each other, without the RTT rise such a trip would cost,
//!   is flagged `outlier` and left out (`--keep-outliers` keeps it in the sums).
//! - **Satellite links** ([`checks::satellite_jumps`]): an RTT rise of 450 ms or more flags
//!   the hop after it `satellite`; past it, the RTT bound says nothing and is not applied.
//!   That hop is the far side's ground station, and it is judged against the hops that
//!   follow ([`checks::ground_stations`]): placed farther from the next agreeing group than
//!   their RTT difference allows, it is flagged `outlier` and left out, like a detour with
//!   one neighbour (satellite operators' addresses are registered where the company is).
//!
//! Before all of these, **geofeeds and overrides** (`--geofeed`, `--overrides`; [`feed`])
//! place the hops they name, source `geofeed`/`override`, confidence high.
//!
//! Each placement carries a **confidence**: high for feeds, for strong host name tokens
//! (operator codes, long names, UN/LOCODEs read in the name's country, CLLI codes) and for
//! short codes that GeoIP's country and the RTT bound both agree with; medium for a GeoIP
//! city or a short code with one such signal; low for default points, places left out, and
//! GeoIP cities of multi-continent backbones (their registration address).
//!
//! **The origin of the RTT bound** is the user's `--from` when given. Otherwise it is the
//! first hop placed by a hint or a city-level answer, with its own RTT added to every bound
//! (the source is within that hop's RTT of it, so the bound stays a true triangle
//! inequality). Not the GeoIP answer for the source itself: that is usually a private or
//! CGNAT address, and when public it locates a subscriber line only to its ISP's city. The
//! first hops are the nearest the source can be known to be, and their RTT says how near.

mod abbrev;
mod checks;
mod country;
mod dict;
mod feed;
mod footprint;
mod hostname;
mod lookup;
mod position;
mod stands;
mod structure;
mod tokens;

#[cfg(test)]
mod name_tests;
#[cfg(test)]
mod operator_tests;
#[cfg(test)]
mod structure_tests;
#[cfg(test)]
mod tests;

pub use checks::{classify as classify_location, GeoClass, KM_PER_RTT_MS, SATELLITE_JUMP_MS};
pub use country::{Evidence, Origin};
pub use dict::{check as check_data, DataError, Place};
pub use feed::locate_entry as locate_feed_entry;
pub use hostname::{analyse, hints, Analysis, Hint, HintKind, Tried};
pub use tokens::{tokenize, Token, Tokens};

use crate::geo::Feeds;
use crate::path::{Confidence, LocationSource, PathHop, PlaceName, Placement};
use checks::{classify, km, Point};

/// What the hints stage does. The default is what a plain run does: hints on, outliers
/// left out, no origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HintOptions {
    /// False for `--no-hints`: GeoIP places are kept and counted as they are (default points
    /// are still labelled `country`).
    pub enabled: bool,
    /// `--keep-outliers`: detour outliers stay in the distance (still flagged).
    pub keep_outliers: bool,
    /// The user's position (`--from`), where the RTT bound starts.
    pub origin: Option<(f64, f64)>,
}

impl Default for HintOptions {
    fn default() -> Self {
        HintOptions {
            enabled: true,
            keep_outliers: false,
            origin: None,
        }
    }
}

/// What one hop offers, before choosing.
struct Candidate {
    geo: Option<((f64, f64), GeoClass)>,
    geo_rtt: Option<f64>,
    hints: Vec<Hint>,
    hint_rtt: Option<f64>,
    /// Some hint was found in a name but none fitted the region.
    hint_unfit: bool,
    /// GeoIP's country for the responder whose name gave the hints.
    geo_cc: Option<String>,
    /// The responder's network is a multi-continent backbone: its GeoIP city is the
    /// registration address.
    backbone: bool,
}

/// Sets every hop's placement and flags (module docs). `feeds` (geofeeds and overrides)
/// place a hop before anything else.
pub fn apply(hops: &mut [PathHop], opts: &HintOptions, feeds: Option<&Feeds>) {
    let fed: Vec<Option<Placement>> = hops
        .iter()
        .map(|h| feeds.and_then(|f| feed::placement(h, f)))
        .collect();
    apply_checks(hops, opts);
    for (hop, placement) in hops.iter_mut().zip(fed) {
        if let Some(p) = placement {
            add_flag(&mut hop.flags, p.source.as_str());
            hop.flags
                .retain(|f| !matches!(f.as_str(), "country-default" | "implausible" | "outlier"));
            hop.placement = Some(p);
        }
    }
}

fn apply_checks(hops: &mut [PathHop], opts: &HintOptions) {
    let mut cands: Vec<Candidate> = hops.iter().map(|h| candidate(h, opts.enabled)).collect();
    if !opts.enabled {
        for (hop, cand) in hops.iter_mut().zip(&cands) {
            if let (Some(p), Some((_, GeoClass::Country(_)))) = (hop.placement.as_mut(), &cand.geo)
            {
                p.source = LocationSource::Country;
                add_flag(&mut hop.flags, "country-default");
            }
        }
        return;
    }
    // Default points shared by hops whose RTTs disagree.
    let geo_points: Vec<(usize, Point)> = cands
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.geo {
            Some((at, GeoClass::City)) => Some((
                i,
                Point {
                    hop: hops[i].hop,
                    at: *at,
                    rtt_ms: c.geo_rtt,
                },
            )),
            _ => None,
        })
        .collect();
    let points: Vec<Point> = geo_points.iter().map(|(_, p)| *p).collect();
    for (k, reason) in checks::shared_points(&points) {
        let i = geo_points[k].0;
        if let Some((_, class)) = cands[i].geo.as_mut() {
            *class = GeoClass::Country(reason);
        }
    }
    // Satellite links end RTT checks.
    let min_rtts: Vec<Option<f64>> = hops.iter().map(hop_min_rtt).collect();
    let jumps = checks::satellite_jumps(&min_rtts);
    for &i in &jumps {
        add_flag(&mut hops[i].flags, "satellite");
    }
    let checked_until = jumps.first().copied().unwrap_or(hops.len());
    // The origin: --from, else the first hop placed by a hint or a city-level answer.
    let origin = match opts.origin {
        Some(o) => Some((o, 0.0, None)),
        None => cands.iter().enumerate().find_map(|(i, c)| {
            if let Some(h) = c.hints.first() {
                return Some((
                    (h.place.lat, h.place.lon),
                    c.hint_rtt.unwrap_or(0.0),
                    Some(i),
                ));
            }
            match &c.geo {
                Some((at, GeoClass::City)) => Some((*at, c.geo_rtt.unwrap_or(0.0), Some(i))),
                _ => None,
            }
        }),
    };
    for (i, (hop, cand)) in hops.iter_mut().zip(cands.iter_mut()).enumerate() {
        let bound = origin.filter(|o| o.2 != Some(i) && i < checked_until);
        place(hop, cand, bound);
    }
    // Default points only count when nothing better exists.
    let better = hops
        .iter()
        .filter(|h| {
            h.placement
                .as_ref()
                .is_some_and(|p| p.counted && p.source != LocationSource::Country)
        })
        .count();
    if better < 2 {
        for p in hops.iter_mut().filter_map(|h| h.placement.as_mut()) {
            if p.source == LocationSource::Country
                && p.reason
                    .as_deref()
                    .is_some_and(|r| !r.starts_with("implausible"))
            {
                p.counted = true;
                p.reason = None;
            }
        }
    }
    // Detours among what counts.
    let counted: Vec<(usize, Point)> = hops
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let p = h.placement.as_ref().filter(|p| p.counted)?;
            Some((
                i,
                Point {
                    hop: h.hop,
                    at: (p.latitude, p.longitude),
                    rtt_ms: hop_min_rtt(h),
                },
            ))
        })
        .collect();
    let points: Vec<Point> = counted.iter().map(|(_, p)| *p).collect();
    let jump_hops: Vec<u8> = jumps.iter().map(|&i| hops[i].hop).collect();
    let mut suspects = checks::detours(&points);
    for (k, reason) in checks::ground_stations(&points, &jump_hops) {
        if !suspects.iter().any(|(j, _)| *j == k) {
            suspects.push((k, reason));
        }
    }
    for (k, reason) in suspects {
        let hop = &mut hops[counted[k].0];
        add_flag(&mut hop.flags, "outlier");
        if let Some(p) = hop.placement.as_mut().filter(|_| !opts.keep_outliers) {
            p.counted = false;
            p.reason = Some(reason);
            p.confidence = Confidence::Low;
        }
    }
}

/// GeoIP answer and host name hints of one hop, each from its first responder that has one.
fn candidate(hop: &PathHop, hints_on: bool) -> Candidate {
    let located = hop.located();
    let mut cand = Candidate {
        geo: located.and_then(|r| classify(r.geo.as_ref()?)),
        geo_rtt: located.and_then(|r| r.rtt_min_ms()),
        hints: Vec::new(),
        hint_rtt: None,
        hint_unfit: false,
        geo_cc: located.and_then(|r| r.geo.as_ref()?.country_code.clone()),
        backbone: located
            .and_then(|r| r.geo.as_ref()?.asn)
            .is_some_and(checks::is_global_asn),
    };
    if !hints_on {
        return cand;
    }
    // Only responders that were looked up: without geo (`--no-geo`) hops are not located.
    for r in hop.responders.iter().filter(|r| r.geo.is_some()) {
        let Some(name) = r.hostname.as_deref() else {
            continue;
        };
        let found = hostname::hints(name);
        let fitting: Vec<Hint> = found
            .iter()
            .filter(|h| checks::fits_region(&h.place, r.geo.as_ref()))
            .filter(|h| !h.needs_support || checks::geoip_supports(&h.place, r.geo.as_ref()))
            .cloned()
            .collect();
        cand.hint_unfit |= !found.is_empty() && fitting.is_empty();
        if !fitting.is_empty() {
            cand.hints = fitting;
            cand.hint_rtt = r.rtt_min_ms();
            cand.hint_unfit = false;
            break;
        }
    }
    cand
}

/// Chooses a hop's placement: the first hint within the bound, else the GeoIP answer
/// (flagged when it breaks the bound). `bound` is the origin, its RTT, its hop index.
fn place(hop: &mut PathHop, cand: &Candidate, bound: Option<((f64, f64), f64, Option<usize>)>) {
    let within = |at: (f64, f64), rtt: Option<f64>| -> Result<(), String> {
        let (Some((origin, origin_rtt, _)), Some(rtt)) = (bound, rtt) else {
            return Ok(());
        };
        let (d, allowed) = (km(origin, at), checks::rtt_bound_km(rtt, origin_rtt));
        if d <= allowed {
            return Ok(());
        }
        Err(format!(
            "implausible: {} km from the origin but min RTT {} ms allows {} km",
            checks::group(d),
            trim_ms(rtt),
            checks::group(allowed)
        ))
    };
    let mut rejected = cand.hint_unfit;
    for h in &cand.hints {
        let at = (h.place.lat, h.place.lon);
        if within(at, cand.hint_rtt).is_ok() {
            hop.placement = Some(Placement {
                latitude: at.0,
                longitude: at.1,
                source: LocationSource::Hostname,
                counted: true,
                reason: None,
                place: Some(h.place.label()),
                hint: Some(format!("{} {:?}", h.kind.as_str(), h.token)),
                named: Some(PlaceName {
                    city: Some(h.place.name.to_string()),
                    region: (h.place.admin1 != "-").then(|| h.place.admin1.to_string()),
                    country: crate::geo::country_name(h.place.cc).map(str::to_string),
                    country_code: Some(h.place.cc.to_string()),
                }),
                confidence: hint_confidence(h, cand, bound.is_some()),
            });
            add_flag(&mut hop.flags, "hostname-hint");
            return;
        }
        rejected = true;
    }
    if rejected {
        add_flag(&mut hop.flags, "hint-rejected");
    }
    let Some((at, class)) = &cand.geo else {
        hop.placement = None;
        return;
    };
    let mut confidence = if rejected || cand.backbone {
        Confidence::Low
    } else {
        Confidence::Medium
    };
    let (source, mut counted, mut reason) = match class {
        GeoClass::City => (LocationSource::Geoip, true, None),
        GeoClass::Country(why) => {
            add_flag(&mut hop.flags, "country-default");
            (LocationSource::Country, false, Some(why.clone()))
        }
    };
    if let Err(why) = within(*at, cand.geo_rtt) {
        add_flag(&mut hop.flags, "implausible");
        counted = false;
        reason = Some(why);
    }
    if !counted || source == LocationSource::Country {
        confidence = Confidence::Low;
    }
    hop.placement = Some(Placement {
        latitude: at.0,
        longitude: at.1,
        source,
        counted,
        reason,
        place: None,
        hint: None,
        named: None,
        confidence,
    });
}

/// How far a host name placement can be trusted: a strong kind of token (an operator's own
/// code, a long place name, a UN/LOCODE read in the name's country, a CLLI code) is high; a
/// short code is high when another signal agrees (GeoIP's country, or the RTT bound was
/// checked and held), else medium.
fn hint_confidence(h: &Hint, cand: &Candidate, rtt_checked: bool) -> Confidence {
    let geo_agrees = cand.geo_cc.as_deref() == Some(h.place.cc) && !cand.backbone;
    if h.kind >= HintKind::Locode || h.needs_support || (geo_agrees && rtt_checked) {
        Confidence::High
    } else if geo_agrees || rtt_checked {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

/// The table's compact code for a hop's location: the source (`H` host name, `G` GeoIP
/// city, `C` country default point, `F` geofeed, `O` override, `-` none) then its marks (`!` implausible, `~` outlier,
/// `S` satellite link before this hop, `?` host name hint rejected), e.g. `G!`, `HS`.
pub fn location_code(hop: &PathHop) -> String {
    let mut code = String::from(match hop.placement.as_ref().map(|p| p.source) {
        Some(LocationSource::Override) => "O",
        Some(LocationSource::Geofeed) => "F",
        Some(LocationSource::Hostname) => "H",
        Some(LocationSource::Geoip) => "G",
        Some(LocationSource::Country) => "C",
        Some(LocationSource::None) | None => "-",
    });
    for (flag, mark) in [
        ("implausible", '!'),
        ("outlier", '~'),
        ("satellite", 'S'),
        ("hint-rejected", '?'),
    ] {
        if hop.flags.iter().any(|f| f == flag) {
            code.push(mark);
        }
    }
    code
}

/// The legend printed under a table that shows [`location_code`]s.
pub const LOCATION_LEGEND: &str =
    "Place: O override, F geofeed, H host name, G GeoIP city, C country point, - none\n\
     Flags: ! implausible, ~ outlier, S satellite link, ? host name hint rejected\n\
     Confidence (after the code): h high, m medium, l low";

fn hop_min_rtt(hop: &PathHop) -> Option<f64> {
    hop.responders
        .iter()
        .filter_map(|r| r.rtt_min_ms())
        .reduce(f64::min)
}

fn trim_ms(ms: f64) -> String {
    if ms >= 10.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

fn add_flag(flags: &mut Vec<String>, flag: &str) {
    if !flags.iter().any(|f| f == flag) {
        flags.push(flag.to_string());
    }
}
