//! What a token's letters may mean in the dictionaries: UN/LOCODE in the named countries,
//! the hand-made CLLI table, city names (whole, or followed by a short word), derived CLLI
//! codes, airports, and abbreviations of the named country's cities.
//!
//! Why apart from [`super::hostname`]: that module decides which readings a name's structure
//! lets stand; this one only looks letters up, in a fixed order of trust, so the order can
//! be read (and changed) in one place.

use super::abbrev::{abbreviation, derived_clli, derived_short_clli, is_state_or_province};
use super::country::Evidence;
use super::dict::{self, Place};
use super::hostname::{Hint, HintKind, LOCODE_MIN_POPULATION};

/// The dictionaries' places for a token's letters: UN/LOCODE in the named countries, the
/// hand-made CLLI table, city names, derived CLLI codes, airports.
pub(super) fn dictionary_hints(
    alpha: &str,
    countries: &Evidence,
    site_position: bool,
    hint: &dyn Fn(Place, HintKind) -> Hint,
) -> Vec<Hint> {
    let mut out = Vec::new();
    if site_position {
        if let Some(place) = city_state(alpha) {
            return vec![hint(place, HintKind::Short)];
        }
    }
    if alpha.len() == 3 {
        for cc in &countries.countries {
            if let Some(place) = dict::locode(&cc.to_ascii_lowercase(), alpha) {
                out.push(hint(place, HintKind::Locode));
            }
        }
        // A small town's UN/LOCODE needs GeoIP anyway (`spo` under `.br`: Salesópolis): the
        // country's airport of that code (`mci` under `us`: Kansas City, not McKinney's
        // letters), or else an abbreviation of a city that stands by itself (São Paulo),
        // replaces it.
        if out.iter().all(small_locode) {
            if let Some(p) = dict::airport(alpha).filter(|p| countries.allows(p.cc)) {
                return vec![hint(p, HintKind::Airport)];
            }
            if let Some(p) = abbreviation(alpha, countries, site_position) {
                return vec![hint(p, HintKind::Abbreviation)];
            }
        }
        if !out.is_empty() {
            return out;
        }
    }
    if alpha.len() == 6 {
        if let Some(place) = dict::clli(alpha) {
            return vec![hint(place, HintKind::Long)];
        }
    }
    if alpha.len() >= 4 {
        let kind = if alpha.len() >= 6 {
            HintKind::Long
        } else {
            HintKind::Short
        };
        out.extend(dict::cities(alpha).into_iter().map(|p| hint(p, kind)));
    }
    if out.is_empty() && alpha.len() == 6 {
        out.extend(derived_clli(alpha).map(|p| hint(p, HintKind::ClliDerived)));
    }
    if out.is_empty() {
        out.extend(
            city_then_word(alpha)
                .into_iter()
                .map(|p| hint(p, HintKind::Long)),
        );
    }
    // A CLLI code proper is eight letters: place, state, then a two-letter building code
    // (`washdcdn`: Washington DC, building `dn`). North American carriers write the whole
    // code (Verizon, AT&T); elsewhere only the six-letter form is seen, and eight letters
    // ending in a country code are more often a word (`tsinghua`: `tsin` + Ghana).
    if out.is_empty() && alpha.len() == 8 && is_state_or_province(&alpha[4..6]) {
        let place = &alpha[..6];
        if let Some(p) = dict::clli(place) {
            out.push(hint(p, HintKind::Long));
        } else {
            out.extend(derived_clli(place).map(|p| hint(p, HintKind::ClliDerived)));
        }
    }
    // AT&T writes three letters of place before the state (`ptdor`, `rlgnc`).
    if out.is_empty() && alpha.len() == 5 {
        out.extend(derived_short_clli(alpha).map(|p| hint(p, HintKind::ClliDerived)));
    }
    if alpha.len() == 3 {
        out.extend(dict::airport(alpha).map(|p| hint(p, HintKind::Airport)));
    }
    if out.iter().all(|h| !countries.allows(h.place.cc)) {
        out.extend(
            abbreviation(alpha, countries, site_position).map(|p| hint(p, HintKind::Abbreviation)),
        );
    }
    out
}

/// City-states whose ISO code operators write for the city (Microsoft's `icr02.sg3`,
/// Equinix's `gw701.hk2`), with their city's squashed name.
const CITY_STATES: &[(&str, &str)] = &[("sg", "singapore"), ("hk", "hongkong"), ("mo", "macau")];

/// The city of a city-state's two-letter code, read only in the site position (a country
/// code elsewhere says no more than the country, which for these is the city).
fn city_state(alpha: &str) -> Option<Place> {
    let (code, key) = CITY_STATES.iter().find(|(code, _)| *code == alpha)?;
    dict::cities(key)
        .into_iter()
        .find(|p| p.cc.eq_ignore_ascii_case(code))
}

/// Letters after a city's whole name that operators add for a building or a side
/// (`vancouverbg`, `dallasequinix`): at most this many.
const CITY_SUFFIX_MAX: usize = 7;

/// The places of the longest city's own name of six letters or more, of a city of 100,000
/// people or more, that begins `alpha` and leaves two to [`CITY_SUFFIX_MAX`] letters after
/// it (`vancouverbg`: Vancouver; `dallasequinix`: Dallas).
pub(super) fn city_then_word(alpha: &str) -> Vec<Place> {
    let shortest = alpha.len().saturating_sub(CITY_SUFFIX_MAX).max(6);
    (shortest..=alpha.len().saturating_sub(2))
        .rev()
        .map(|n| {
            let mut places = dict::cities(&alpha[..n]);
            places.retain(|p| p.population >= LOCODE_MIN_POPULATION && own_name(p, &alpha[..n]));
            places
        })
        .find(|places| !places.is_empty())
        .unwrap_or_default()
}

/// Whether `letters` are `place`'s own name squashed (`dallas`), not another name of it.
pub(super) fn own_name(place: &Place, letters: &str) -> bool {
    place
        .name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .eq(letters.chars())
}

/// A UN/LOCODE reading of a town under [`LOCODE_MIN_POPULATION`]: it needs GeoIP's agreement
/// wherever it sits in the name.
pub(super) fn small_locode(h: &Hint) -> bool {
    h.kind == HintKind::Locode && h.place.population < LOCODE_MIN_POPULATION
}
