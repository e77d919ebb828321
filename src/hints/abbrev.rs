//! Codes that abbreviate a city's name: the code starts the city's squashed name and follows
//! its letters in order (`chcg` in `chicago`, `fkt` in `frankfurt`).
//!
//! Why a module of its own: two readings share the one test of an abbreviation, each bounded
//! by a region so that the loose test stays safe. CLLI-style codes (four letters of place,
//! two of state or country: `dllstx`) name their region themselves; a three- or four-letter
//! code (`FKT.DE`, `is-rey`) is read only in a country the name writes. Both take only cities
//! of 100,000 people or more, and the most populous wins (for the written country only by a
//! clear margin).

use super::country::{self, Evidence};
use super::dict::{self, Place, Region};

/// A three-letter code abbreviates a city of the top-level domain's country only if it has
/// this many people (`rjo`, `spo` under `.br`; see [`abbreviation`]).
const GREAT_CITY: u32 = 1_000_000;

/// How many times more people the city a code abbreviates must have than the next city of
/// the same country it could abbreviate.
const ABBREVIATION_MARGIN: u32 = 3;

/// The city of a country the name writes (`RT.FKT.DE`, `is-rey`) that a three- or
/// four-letter code abbreviates: the code starts the city's squashed name and follows its
/// letters in order, as derived CLLI codes do (`fkt` Frankfurt, `hki` Helsinki, `stk`
/// Stockholm). Only cities of 100,000 or more, and only when the most populous is
/// [`ABBREVIATION_MARGIN`] times the next: `kiv` in Ukraine fits Kyiv and Kharkiv alike.
///
/// A country known only from the top-level domain is the operator's, not the router's
/// (AARNet's `b.sea.aarnet.net.au` is in Seattle, and `sea` would fit the Sunshine Coast):
/// there a code counts only in the site position, before a numbered device part
/// (`kazn-rgr1.pv.ip.rostelecom.ru`) or after a router's label (`core01.rjo.embratel.net.br`:
/// `site_position`), and with three letters only for a city of [`GREAT_CITY`] people or more
/// whose name has several words and the code every word's initial (`rjo` Rio de Janeiro,
/// `spo` São Paulo; not Rostelecom's region `sib` for Saint Petersburg), or that begin a
/// city's name (`kra` Kraków): three letters scattered through a name fit some city of a
/// large country too often (`ebt`, an operator's own prefix, fits Embu das Artes in Brazil).
pub fn abbreviation(alpha: &str, countries: &Evidence, site_position: bool) -> Option<Place> {
    let written = countries.origin == Some(country::Origin::Name);
    let in_site_position = countries.origin == Some(country::Origin::Tld) && site_position;
    if !(written || in_site_position) || !(3..=4).contains(&alpha.len()) {
        return None;
    }
    read(alpha, countries, written, false).or_else(|| read(alpha, countries, written, true))
}

/// [`abbreviation`] against the cities' own names, or, with `other_spellings`, against
/// other spellings of them as well (`ekb`: Ekaterinburg, `msk`: Moskva): tried only when the
/// own names give no city, so that a city's own name outranks another's variant spelling
/// (`sjo`: San Jose, not San Diego's `sandjego`).
fn read(alpha: &str, countries: &Evidence, written: bool, other_spellings: bool) -> Option<Place> {
    let fits: Vec<(&str, Place)> = countries
        .countries
        .iter()
        .flat_map(|cc| dict::cities_in(Region::Country(cc)))
        .filter_map(|(key, p)| {
            let others = dict::other_names(&p)
                .iter()
                .copied()
                .filter(|other| other_spellings && same_name(key, other));
            std::iter::once(key)
                .chain(others)
                .find(|k| abbreviates(alpha, k))
                .map(|k| (k, p))
        })
        .collect();
    // Under the domain's country three letters may also be the beginning of a city's name
    // (`kra-r2.…tpnet.pl` Kraków, `gda` Gdańsk): a beginning is read before scattered fits
    // (`gda` fits Gdynia's letters too).
    if !written && alpha.len() == 3 {
        let begun: Vec<Place> = fits
            .iter()
            .filter(|(key, _)| key.starts_with(alpha))
            .map(|(_, p)| p.clone())
            .collect();
        if !begun.is_empty() {
            return clear_leader(begun);
        }
    }
    clear_leader(fits.into_iter().map(|(_, p)| p).collect()).filter(|p| {
        written || alpha.len() == 4 || (p.population >= GREAT_CITY && initials(alpha, p))
    })
}

/// Whether `other` spells the same name as `name` (both squashed) rather than another
/// language's name for the city (Seoul's `wiryeseong`): it begins with the same two letters,
/// or with the two after a leading `y` (`ekaterinburg` for `yekaterinburg`).
fn same_name(name: &str, other: &str) -> bool {
    let head = other.get(..2);
    head.is_some() && (head == name.get(..2) || (name.starts_with('y') && head == name.get(1..3)))
}

/// Whether `code` holds, in order, the initial of every word of `place`'s name but short
/// particles (`de`, `do`): `rjo` for Rio de Janeiro, `spo` for São Paulo. A name of one
/// word has no initials to check, so it does not qualify.
fn initials(code: &str, place: &Place) -> bool {
    let words: Vec<String> = place
        .name
        .split([' ', '-'])
        .filter(|w| w.chars().count() > 2)
        .map(super::feed::squash)
        .collect();
    let mut letters = code.chars();
    words.len() >= 2
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(|i| letters.any(|c| c == i)))
}

/// The one city a code fits, or the most populous when it has [`ABBREVIATION_MARGIN`] times
/// the people of the next; `None` when no city leads.
pub fn clear_leader(mut fits: Vec<Place>) -> Option<Place> {
    fits.sort_by_key(|p| std::cmp::Reverse(p.population));
    let mut fits = fits.into_iter();
    let first = fits.next()?;
    match fits.next() {
        Some(second) if first.population < ABBREVIATION_MARGIN * second.population => None,
        _ => Some(first),
    }
}

/// CLLI country spellings that differ from ISO 3166 (and Quebec's old `PQ`).
const CLLI_COUNTRIES: &[(&str, Region<'static>)] = &[
    ("en", Region::Country("GB")),
    ("uk", Region::Country("GB")),
    ("ge", Region::Country("DE")),
    ("sp", Region::Country("ES")),
    ("sw", Region::Country("SE")),
    ("si", Region::Country("SG")),
    ("pq", Region::Admin1("CA", "QC")),
];

const US_STATES: &str = "al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi \
    mn ms mo mt ne nv nh nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy";
const CA_PROVINCES: &str = "ab bc mb nb nl ns on pe qc sk yt nt nu";

/// A US state or Canadian province postal code (lower case), as CLLI codes write them.
pub fn is_state_or_province(code: &str) -> bool {
    US_STATES
        .split(' ')
        .chain(CA_PROVINCES.split(' '))
        .any(|s| s == code)
}

/// The place a six-letter CLLI-style token names by the derivation rule (see the
/// `hostname` module docs).
pub fn derived_clli(token: &str) -> Option<Place> {
    let (place, region) = token.split_at(4);
    let upper = region.to_ascii_uppercase();
    let regions: Vec<Region<'_>> =
        if let Some((_, r)) = CLLI_COUNTRIES.iter().find(|(c, _)| *c == region) {
            vec![*r]
        } else if US_STATES.split(' ').any(|s| s == region) {
            vec![Region::Admin1("US", &upper)]
        } else if CA_PROVINCES.split(' ').any(|s| s == region) {
            vec![Region::Admin1("CA", &upper)]
        } else if dict::country(&upper).is_some() {
            vec![Region::Country(&upper)]
        } else {
            return None;
        };
    regions
        .into_iter()
        .flat_map(dict::cities_in)
        .filter(|(key, _)| abbreviates(place, key))
        .max_by_key(|(_, p)| p.population)
        .map(|(_, p)| p)
}

/// The place a five-letter code of three letters of place and a US state or Canadian province
/// names (AT&T's `ptdor` Portland, `omhne` Omaha; Charter's `clboh` Columbus): the three
/// letters abbreviate a city of 100,000 people or more in that state, which must lead the
/// next such city by [`ABBREVIATION_MARGIN`]. Only states and provinces: three letters and a
/// country code are too often a word (`telia`, `tomsk`).
pub fn derived_short_clli(token: &str) -> Option<Place> {
    let (place, state) = token.split_at_checked(3)?;
    if token.len() != 5 || !is_state_or_province(state) {
        return None;
    }
    let upper = state.to_ascii_uppercase();
    let cc = if US_STATES.split(' ').any(|s| s == state) {
        "US"
    } else {
        "CA"
    };
    clear_leader(
        dict::cities_in(Region::Admin1(cc, &upper))
            .into_iter()
            .filter(|(key, _)| abbreviates(place, key))
            .map(|(_, p)| p)
            .collect(),
    )
}

/// True when `abbr` starts `name` and its letters appear in `name` in order.
pub(super) fn abbreviates(abbr: &str, name: &str) -> bool {
    let mut letters = name.chars();
    let mut wanted = abbr.chars();
    match (wanted.next(), letters.next()) {
        (Some(a), Some(n)) if a == n => {}
        _ => return false,
    }
    wanted.all(|w| letters.any(|n| n == w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_follow_the_name() {
        assert!(abbreviates("chcg", "chicago"));
        assert!(abbreviates("lsan", "losangeles"));
        assert!(abbreviates("snjs", "sanjose"));
        assert!(!abbreviates("hcgo", "chicago"));
        assert!(!abbreviates("chcx", "chicago"));
    }

    #[test]
    fn derived_clli_codes() {
        let place = |t: &str| derived_clli(t).map(|p| (p.name, p.cc, p.admin1));
        assert_eq!(place("dllstx"), Some(("Dallas", "US", "TX")));
        assert_eq!(place("sydnau"), Some(("Sydney", "AU", "-")));
        assert_eq!(place("lsanca"), Some(("Los Angeles", "US", "CA")));
        assert_eq!(place("border"), None);
        assert_eq!(place("switch"), None);
        assert_eq!(place("access"), None);
        let short = |t: &str| derived_short_clli(t).map(|p| (p.name, p.admin1));
        assert_eq!(short("ptdor"), Some(("Portland", "OR")));
        assert_eq!(short("omhne"), Some(("Omaha", "NE")));
        assert_eq!(short("clboh"), Some(("Columbus", "OH")));
        assert_eq!(short("telia"), None);
        assert_eq!(short("tbone"), None);
        assert_eq!(short("odeon"), None);
    }
}
