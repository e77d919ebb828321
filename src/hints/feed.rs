//! Placing a hop from a geofeed or an override (`geo::Feeds`), which outrank every other
//! source: they are what the network's operator, or the user, says.
//!
//! Overrides carry coordinates. Geofeed entries name a city and country only, so the city is
//! found in the host name dictionaries' city list, in that country (and, for the US and
//! Canada, in the region's state or province), most populous first. An entry whose city is
//! empty or not in the list places nothing: a country alone is no better than GeoIP's.

use super::dict;
use crate::geo::{FeedEntry, FeedKind, Feeds};
use crate::path::{Confidence, LocationSource, PathHop, PlaceName, Placement};

/// The placement the feeds give `hop` (its first responder that one of them names).
pub fn placement(hop: &PathHop, feeds: &Feeds) -> Option<Placement> {
    if feeds.is_empty() {
        return None;
    }
    hop.responders.iter().find_map(|r| {
        let entry = feeds.find(Some(r.address), r.hostname.as_deref())?;
        let (at, label) = locate_entry(entry)?;
        Some(Placement {
            latitude: at.0,
            longitude: at.1,
            source: match entry.kind {
                FeedKind::Geofeed => LocationSource::Geofeed,
                FeedKind::Override => LocationSource::Override,
            },
            counted: true,
            reason: None,
            place: (!label.is_empty()).then_some(label),
            hint: Some(entry.origin.clone()),
            confidence: Confidence::High,
            named: named(entry),
        })
    })
}

/// The names the entry gives (an override with only a label gives none: its label is the
/// place); the exports show them as the hop's city, region and country.
fn named(entry: &FeedEntry) -> Option<PlaceName> {
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let name = PlaceName {
        city: text(&entry.city),
        region: text(&entry.region),
        country: crate::geo::country_name(&entry.country).map(str::to_string),
        country_code: text(&entry.country),
    };
    (name != PlaceName::default()).then_some(name)
}

/// Coordinates and a label for an entry; `None` for a geofeed city the list does not know.
pub fn locate_entry(entry: &FeedEntry) -> Option<((f64, f64), String)> {
    if let Some(at) = entry.at {
        return Some((at, entry.label.clone()));
    }
    let key = squash(&entry.city);
    if key.is_empty() {
        return None;
    }
    let state = entry
        .region
        .split_once('-')
        .map(|(_, s)| s.to_ascii_uppercase());
    let places = dict::cities(&key);
    let in_country = |p: &&dict::Place| p.cc == entry.country;
    let in_state = |p: &&dict::Place| {
        state
            .as_deref()
            .is_none_or(|s| p.admin1 == "-" || p.admin1 == s)
    };
    let place = places
        .iter()
        .filter(in_country)
        .find(in_state)
        .or_else(|| places.iter().find(in_country))?;
    Some(((place.lat, place.lon), place.label()))
}

/// Lower-case ASCII letters of a city name, common Latin diacritics folded (`Zürich` →
/// `zurich`), as the dictionaries key them.
pub fn squash(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            let c = c.to_lowercase().next()?;
            let folded = match c {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
                'ç' | 'ć' | 'č' => 'c',
                'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
                'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
                'ñ' | 'ń' | 'ň' => 'n',
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
                'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
                'ý' | 'ÿ' => 'y',
                'ś' | 'š' | 'ş' => 's',
                'ź' | 'ż' | 'ž' => 'z',
                'ł' => 'l',
                'ř' => 'r',
                'ť' | 'ţ' => 't',
                'ď' => 'd',
                c => c,
            };
            folded.is_ascii_alphabetic().then_some(folded)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geofeed_cities_are_found_in_their_country() {
        let entry = |cc: &str, region: &str, city: &str| FeedEntry {
            kind: FeedKind::Geofeed,
            matcher: crate::geo::Matcher::Name(String::new()),
            country: cc.into(),
            region: region.into(),
            city: city.into(),
            at: None,
            label: String::new(),
            origin: "f:1".into(),
        };
        let label = |e: FeedEntry| locate_entry(&e).map(|(_, l)| l);
        assert_eq!(
            label(entry("NZ", "NZ-AUK", "Auckland")).as_deref(),
            Some("Auckland, NZ")
        );
        assert_eq!(
            label(entry("CH", "", "Zürich")).as_deref(),
            Some("Zürich, CH")
        );
        // London, Ontario when the feed says Canada.
        assert_eq!(
            label(entry("CA", "CA-ON", "London")).as_deref(),
            Some("London, ON, CA")
        );
        assert_eq!(
            label(entry("US", "US-CA", "San Jose")).as_deref(),
            Some("San Jose, CA, US")
        );
        assert_eq!(label(entry("NZ", "", "")), None);
        assert_eq!(label(entry("NZ", "", "Nowhereville")), None);
    }
}
