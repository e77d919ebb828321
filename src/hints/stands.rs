//! Whether a dictionary's reading of a token stands by itself, by what else the name and
//! the data say about it: a minor airport's code where the airport serves a metropolis or is
//! on the operator's map, a derived CLLI code written in one piece and in its named country,
//! and a place of the top-level domain's own country written whole.
//!
//! Why apart: [`super::lookup`] only looks letters up and [`super::structure`] reads a
//! name's shape; these rules weigh one reading against the rest of the name and the other
//! tables, and [`super::hostname`] applies them.

use super::country::{Evidence, Origin};
use super::dict::{self, Place};
use super::hostname::{km, Hint, HintKind, LOCODE_MIN_POPULATION};
use super::lookup::own_name;
use super::tokens::Token;

/// A metropolitan area's second airport lies this near one of its large ones (Dallas Love
/// Field 19 km from DFW, Moffett Field 12 km from San Jose, Songshan 32 km from Taoyuan).
const SAME_METRO_KM: f64 = 40.0;

/// A node of the operator's map this near a minor airport puts the airport on the map.
const ON_MAP_KM: f64 = 50.0;

/// Whether a minor airport's code (not a large airport's, not a metropolitan area's) stands
/// without the name's country or GeoIP: when the airport serves a city a large airport serves
/// too (Dallas's `dal`, Taipei's `tsa`), or when its city is on the network's published map
/// (Cogent's `okc01`, `elp01`, `bio02`). Otherwise it is as likely the operator's own
/// letters (MTS's `knd`, Tele2's `kst`) and needs GeoIP's agreement.
pub(super) fn minor_airport_stands(airport: &Place, domain: &str) -> bool {
    near_major_airport(airport, SAME_METRO_KM)
        || dict::footprint_nodes(domain)
            .iter()
            .any(|(p, _)| km(airport, p) <= ON_MAP_KM)
}

/// Whether a large airport or metropolitan area lies within `within` km of `place`.
fn near_major_airport(place: &Place, within: f64) -> bool {
    dict::major_airports()
        .iter()
        .any(|a| km(place, a) <= within)
}

/// Whether a hint stands as far as CLLI codes go: a derived CLLI code is written in one
/// piece (parts joined across a hyphen, `sto-itx`, that happen to spell one are not one), and
/// four letters and a country's code (NTT's `saplbr`) stand only where the name writes that
/// country too, as a label of its own (`saplbr02.br.bb.gin.ntt.net`) or as country evidence:
/// Belnet's `brueve` (Brussels, building `eve`) is no Venezuelan city. A US state or Canadian
/// province is a small enough region by itself. Three letters and a state (AT&T's `ptdor`)
/// stand only in a network with a known naming scheme: in five letters the pattern fits
/// English words (`sigma`: Springfield, Massachusetts; `stein`: South Bend) and vendors' names
/// (`cisco`: Colorado Springs). Other kinds of hint always stand.
pub(super) fn clli_stands(
    h: &Hint,
    token: &Token,
    countries: &Evidence,
    labels: &[String],
    known_scheme: bool,
) -> bool {
    h.kind != HintKind::ClliDerived
        || (token.width == 1
            && (token.alpha.len() != 5 || known_scheme)
            && (matches!(h.place.cc, "US" | "CA")
                || countries.countries.iter().any(|cc| cc == h.place.cc)
                || labels.iter().any(|l| l.eq_ignore_ascii_case(h.place.cc))))
}

/// Whether a reading is a place of the top-level domain's own country written whole, which is
/// structure enough by itself: a short city's own name, of 100,000 people or more
/// (`static-pune.vsnl.net.in`: four or five letters that are the city's name, not a code
/// that spells it), or the code of one of that country's large airports as a label of its
/// own (`dynamic.kzn.ertelecom.ru`).
pub(super) fn at_home(kind: HintKind, place: &Place, token: &Token, countries: &Evidence) -> bool {
    let home = countries.origin == Some(Origin::Tld) && countries.allows(place.cc);
    home && match kind {
        HintKind::Short => {
            place.population >= LOCODE_MIN_POPULATION && own_name(place, &token.alpha)
        }
        HintKind::Airport => token.parts == 1 && dict::is_major_airport(&token.alpha),
        _ => false,
    }
}

/// A city this near a large airport or metropolitan area is a hub ([`hubs_first`]).
const HUB_KM: f64 = 50.0;

/// Orders the places of one token so that, among same-named cities, those within
/// [`HUB_KM`] of a large airport come first, most populous first within each group: networks
/// put their routers where traffic meets (Santa Clara, California, beside San Jose's airport,
/// not the more populous Santa Clara, Cuba). Where both are hubs (Saint-Denis by Paris and on
/// Réunion) the order stays as it was.
pub(super) fn hubs_first(hints: &mut [Hint]) {
    if hints.len() < 2 {
        return;
    }
    hints.sort_by_cached_key(|h| !near_major_airport(&h.place, HUB_KM));
}
