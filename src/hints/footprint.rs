//! Reading a token against the network's own published map: its footprint.
//!
//! Why: operators name their sites with codes of their own that no public dictionary
//! holds (Jisc's `lond`, `manckh`; GARR's `mi01`, `pd01`), but many published maps of where
//! their nodes are, and the Internet Topology Zoo transcribed those maps
//! (`data/hints/footprints.tsv`: the cities of each network, with the labels its map gave
//! the nodes there). Within one network's few dozen cities a code is far less ambiguous
//! than against all the world's places, so two readings are safe there that would not be
//! anywhere else:
//! - **the map's own label**: a token whose letters are a node's label on the operator's map
//!   (GARR's `PD` for Padua, `MI` for Milan) names that node's city. Two letters count only
//!   with a site number (`pd01`), and a label that is only the country's code (GEANT's map
//!   labels its nodes `UK`, `FR`) is not a site's;
//! - **a city's name begun**: a token of three to five letters that begins the name of a
//!   city of the footprint (`lond`, `camb`, `cop`), or a six-letter token whose first four
//!   letters do (`manckh`: Manchester, building `kh`; `londpg`), names that city when it is
//!   the only one so begun or clearly the most populous ([`clear_leader`]). Scattered
//!   letters (`sbr` in Scarborough) are as often a router's role, so they count only with a
//!   site number, and as the weakest kind of reading ([`abbreviated`]: IIJ's `osk004`).
//!
//! The maps are of 2007–2012: a network's newer sites are missing, so a footprint only ever
//! adds a reading, never rules one out.

use super::abbrev::{abbreviates, clear_leader};
use super::dict::{self, Place};
use super::feed::squash;

/// The city of `domain`'s footprint that a token names (module docs), if any.
pub fn place(alpha: &str, site_number: bool, domain: &str) -> Option<Place> {
    let nodes = dict::footprint_nodes(domain);
    if nodes.is_empty() || alpha.len() < 2 {
        return None;
    }
    by_label(alpha, site_number, &nodes).or_else(|| by_beginning(alpha, &nodes))
}

/// The city of `domain`'s footprint whose name a site-numbered code of three or four letters
/// abbreviates, its letters in order (IIJ's `osk004`: Osaka; `ngy003`: Nagoya): within one
/// network's few cities, and with the site number that says it is a site, scattered letters
/// are safe enough to read, though as the weakest kind of reading (a role's letters, Cogent's
/// `mag02`, may fit a city too: Málaga).
pub fn abbreviated(alpha: &str, site_number: bool, domain: &str) -> Option<Place> {
    if !site_number || !(3..=4).contains(&alpha.len()) {
        return None;
    }
    clear_leader(
        dict::footprint_nodes(domain)
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| abbreviates(alpha, &squash(p.name)))
            .collect(),
    )
}

/// A node whose map label is the token's letters (module docs).
fn by_label(alpha: &str, site_number: bool, nodes: &[(Place, &str)]) -> Option<Place> {
    if alpha.len() == 2 && !site_number {
        return None;
    }
    let is_label = |labels: &str, place: &Place| {
        labels.split("; ").any(|label| {
            // The whole label's letters up to its number (`PD-2`: `pd`; `New York`:
            // `newyork`, never `new`).
            let letters: String = label
                .chars()
                .take_while(|c| !c.is_ascii_digit())
                .filter(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_lowercase();
            letters == alpha && super::country::iso(alpha).as_deref() != Some(place.cc)
        })
    };
    let mut found = nodes.iter().filter(|(p, labels)| is_label(labels, p));
    let first = found.next()?;
    found
        .all(|(p, _)| p.name == first.0.name)
        .then(|| first.0.clone())
}

/// The city whose name the token (or a six-letter token's first four letters) begins.
fn by_beginning(alpha: &str, nodes: &[(Place, &str)]) -> Option<Place> {
    let stem = match alpha.len() {
        3..=5 => alpha,
        6 => &alpha[..4],
        _ => return None,
    };
    clear_leader(
        nodes
            .iter()
            .map(|(p, _)| p)
            .filter(|p| squash(p.name).starts_with(stem))
            .cloned()
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(alpha: &str, site_number: bool, domain: &str) -> Option<String> {
        place(alpha, site_number, domain).map(|p| p.label())
    }

    #[test]
    fn a_label_of_the_operators_map_names_its_node() {
        assert_eq!(at("pd", true, "garr.net").as_deref(), Some("Padua, IT"));
        assert_eq!(at("mi", true, "garr.net").as_deref(), Some("Milan, IT"));
        // Two letters without a site number are too often a role.
        assert_eq!(at("pd", false, "garr.net"), None);
        // GEANT's map labels nodes by country: `uk` is not a site.
        assert_eq!(at("uk", true, "geant.net"), None);
        // A label of several words is read whole: `Kentish MAN` is not `kentish`.
        assert_eq!(at("kentish", false, "ja.net"), None);
    }

    #[test]
    fn a_site_numbered_code_may_abbreviate_a_footprint_city() {
        let at = |alpha, number, domain| abbreviated(alpha, number, domain).map(|p| p.label());
        assert_eq!(at("osk", true, "iij.net").as_deref(), Some("Osaka, JP"));
        assert_eq!(at("ngy", true, "iij.net").as_deref(), Some("Nagoya, JP"));
        // Not without a site number, nor on another network's map.
        assert_eq!(at("osk", false, "iij.net"), None);
        assert_eq!(at("osk", true, "example.net"), None);
    }

    #[test]
    fn a_code_that_begins_one_footprint_city_names_it() {
        assert_eq!(at("lond", false, "ja.net").as_deref(), Some("London, GB"));
        assert_eq!(
            at("manckh", false, "ja.net").as_deref(),
            Some("Manchester, GB")
        );
        assert_eq!(
            at("camb", false, "ja.net").as_deref(),
            Some("Cambridge, GB")
        );
        assert_eq!(
            at("cop", false, "geant.net").as_deref(),
            Some("Copenhagen, DK")
        );
        // Scattered letters are not a beginning (`sbr` would fit Scarborough).
        assert_eq!(at("sbr", false, "ja.net"), None);
        // Not in the footprint of another network, nor of an unknown one.
        assert_eq!(at("lond", false, "example.net"), None);
        // Seven letters and more are names, read by the dictionaries.
        assert_eq!(at("londonx", false, "ja.net"), None);
    }
}
