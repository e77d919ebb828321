//! Country evidence in a host name: ISO 3166 codes where operators write them, and ccTLDs.
//!
//! Why: a three-letter code means different places in different countries (`hel` is
//! Helsinki's airport, `kst` is Kista in Sweden but Kosti in Sudan), and most confident
//! mistakes of a dictionary are a place in the wrong country. Operators that name routers
//! `se-kst-…`, `….jp.bb.…` or `…-us-nyc…` have already said which country; so has a router under
//! `.nz`. Every city hint of the name must then lie in one of the named countries.
//!
//! Where a two-letter code counts (anything else is too often an interface or role
//! abbreviation: `ae`, `be`, `ge`, `cr`, `pe` are also countries):
//! - a whole host label (`….jp.bb.gin.ntt.net`, `lhr15.uk.…`), unless it is router
//!   vocabulary;
//! - the first or last `-` part of a label of several parts (`de-fra-1`, `fra-de`), unless it
//!   is router vocabulary; a part inside a label (`…-us-nyc…`) only when a part next to it is
//!   that country's UN/LOCODE (inside a label two letters are as often a word or a role:
//!   Google's `den02s02-in-f14`, RENATER's `ren-nr-lyon1`). A part next to its country's
//!   UN/LOCODE counts even when it is router vocabulary (`be-bru` is Brussels even though `be`
//!   is also a Bundle-Ether);
//! - the top-level domain, when it is a country's and not one sold for other meanings (`.io`,
//!   `.co`, `.tv`, …), or one only United States institutions may register (`.edu`, `.gov`,
//!   `.mil`). Codes in the name's own labels outrank the ccTLD: a British operator
//!   under `.uk` may name a router `ams-nl-…`.
//!
//! `uk` is read as GB. US state and Canadian province labels (`.ca.`, `.va.`) are not taken
//! as countries here; the qualifier rule of [`super::hostname`] reads them.

use super::dict::{self, Place};
use super::tokens::Tokens;

/// Top-level domains of countries that are sold and used for other meanings.
const GENERIC_TLDS: &[&str] = &[
    "ac", "ad", "ag", "ai", "am", "as", "bz", "cc", "cd", "co", "dj", "fm", "ga", "gg", "gl", "gs",
    "im", "io", "la", "ly", "md", "me", "ml", "ms", "nu", "sh", "so", "st", "tk", "to", "tv", "vc",
    "vg", "ws",
];

/// US states and Canadian provinces that are also country codes: as a label they are more
/// often the state (`sanjose.ca`, `asbnva.va`). Not `de` and `nl`: Germany and the
/// Netherlands are far more common in router names than Delaware and Newfoundland.
const STATE_CODES: &[&str] = &[
    "al", "ar", "az", "ca", "co", "ga", "id", "il", "in", "ky", "la", "ma", "md", "me", "mn", "mo",
    "ms", "mt", "nc", "ne", "pa", "sc", "sd", "tn", "va", "bc", "mb", "nb", "ns", "pe", "sk", "nt",
    "nu",
];

/// States and territories that operators write as a label of their own after a site
/// (`crlt.vic.aarnet.net.au`, `brwy.nsw.…`): regions, never places, though the letters may
/// also be a UN/LOCODE or an airport (`vic`). Two-letter ones are never read as places
/// anyway. Australia's official abbreviations (Australia Post).
const REGION_LABELS: &[(&str, &[&str])] = &[("AU", &["nsw", "vic", "qld", "tas", "act"])];

/// Whether `alpha` is the abbreviation of a state or territory of a country the name names
/// ([`REGION_LABELS`]).
pub fn is_region_label(alpha: &str, evidence: &Evidence) -> bool {
    REGION_LABELS
        .iter()
        .any(|(cc, regions)| evidence.countries.iter().any(|c| c == cc) && regions.contains(&alpha))
}

/// Where a name's countries come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written in the host labels (`de-fra`, `.jp.`).
    Name,
    /// The top-level domain.
    Tld,
}

/// The countries a name names: upper-case ISO codes, and where they were read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evidence {
    pub countries: Vec<String>,
    pub origin: Option<Origin>,
    /// The domain's own country (its ccTLD's, or that of every city on its operator's map),
    /// when no code of the name stands beside its own UN/LOCODE (`nr-frankfurt1.x-win.
    /// dfn.de`: `nr` may be a role; `klng-bras4.sz.ip.rostelecom.ru`: `sz` an operator's
    /// region; `ru-unipd-rt-pd1.pd1.garr.net`: GARR's `ru`, all of whose map is in Italy)
    /// and it is another country: a second reading ([`super::hostname::analyse`]).
    pub domain_country: Option<String>,
}

impl Evidence {
    /// Whether a place in `cc` is allowed (always, without evidence).
    pub fn allows(&self, cc: &str) -> bool {
        self.countries.is_empty() || self.countries.iter().any(|c| c == cc)
    }
}

/// The ISO code a two-letter text stands for, if it is a country.
pub fn iso(code: &str) -> Option<String> {
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let upper = if code == "uk" {
        "GB".to_string()
    } else {
        code.to_ascii_uppercase()
    };
    dict::country(&upper).map(|_| upper)
}

/// The countries named in `tokens`' host labels and top-level domain (module docs).
pub fn evidence(tokens: &Tokens) -> Evidence {
    let mut countries: Vec<String> = Vec::new();
    // Whether any code was read beside its country's UN/LOCODE, where it cannot be a role or
    // a region of the operator's own (Rostelecom's `.sz.`, north-west, is no Eswatini).
    let mut firm = false;
    let mut add = |cc: String| {
        if !countries.contains(&cc) {
            countries.push(cc);
        }
    };
    for label in &tokens.host_labels {
        // The one three-letter country code seen as a label of its own (`NYC-gw14.USA.net.
        // DTAG.DE`); others (`deu`, `fra`) are as often a city's code.
        if label == "usa" {
            add("US".to_string());
            continue;
        }
        if label.len() == 2 && !dict::is_router_word(label) && !STATE_CODES.contains(&&**label) {
            if let Some(cc) = iso(label) {
                add(cc);
            }
            continue;
        }
        let parts: Vec<&str> = label.split(['-', '_']).filter(|p| !p.is_empty()).collect();
        if parts.len() < 2 {
            continue;
        }
        for (at, part) in parts.iter().enumerate() {
            let Some(cc) = iso(part) else { continue };
            // The network's own code for a site (RLP-Net's `mz`, Mainz's vehicle code) is
            // no country (Mozambique).
            if own_code(&tokens.domain, part) {
                continue;
            }
            // Two letters and then slot and port numbers are an interface (`lt-1-1-0-0`, a
            // logical tunnel; `gr-0-0-0`, a GRE tunnel), not a country.
            let numbered = |p: &&&str| p.bytes().all(|b| b.is_ascii_digit());
            if parts[at + 1..].iter().take(2).filter(numbered).count() == 2 {
                continue;
            }
            let beside = [at.checked_sub(1), Some(at + 1)];
            // A site code is letters, then at most a number (`nyc`, `fra1`); Google's
            // `par03s12-in-f19` is a device's code, and its `in` no India.
            let site_code = |p: &&&str| p[alpha(p).len()..].bytes().all(|b| b.is_ascii_digit());
            let with_locode = beside
                .iter()
                .filter_map(|i| parts.get((*i)?))
                .filter(site_code)
                .any(|p| dict::locode(part, alpha(p)).is_some());
            // Inside a label (`den02s02-in-f14`, `ren-nr-lyon1`) two letters are as often a
            // word or a role as a country: there a code counts only beside its own UN/LOCODE
            // (`xe-0-us-nyc`). At either end, numbers aside (`de-fra-1`, `ams-nl-1`), it counts
            // unless it is router vocabulary.
            let worded = |p: &&&str| p.bytes().any(|b| b.is_ascii_alphabetic());
            let at_end = !parts[..at].iter().any(|p| worded(&p))
                || !parts[at + 1..].iter().any(|p| worded(&p));
            // A role with its number beside the code (`sl-bb21-mia`: Sprint's prefix, then
            // backbone router 21) says the two letters begin a router's name, not a country.
            let beside_role = beside
                .iter()
                .filter_map(|i| parts.get((*i)?))
                .any(|p| dict::is_router_word(alpha(p)) && p.len() > alpha(p).len());
            if with_locode || (at_end && !dict::is_router_word(part) && !beside_role) {
                add(cc);
                firm |= with_locode;
            }
        }
    }
    let tld = tokens.domain.rsplit('.').next().unwrap_or_default();
    let tld = match tld {
        // Registered only to United States institutions.
        "edu" | "gov" | "mil" => Some("US".to_string()),
        _ => iso(tld).filter(|_| !GENERIC_TLDS.contains(&tld)),
    };
    if !countries.is_empty() {
        let domain_country = tld
            .or_else(|| footprint_country(&tokens.domain))
            .filter(|cc| !firm && !countries.contains(cc));
        return Evidence {
            countries,
            origin: Some(Origin::Name),
            domain_country,
        };
    }
    match tld {
        Some(cc) => Evidence {
            countries: vec![cc],
            origin: Some(Origin::Tld),
            domain_country: None,
        },
        None => Evidence::default(),
    }
}

/// Whether `code` is one of `domain`'s own site codes (operator table or vehicle codes).
fn own_code(domain: &str, code: &str) -> bool {
    dict::vehicle_code(domain, code).is_some() || dict::operator(domain, code).is_some_and(|o| o.1)
}

/// The one country of every city on the map of `domain`'s network, if its map has any.
fn footprint_country(domain: &str) -> Option<String> {
    let nodes = dict::footprint_nodes(domain);
    let cc = nodes.first()?.0.cc;
    nodes
        .iter()
        .all(|(p, _)| p.cc == cc)
        .then(|| cc.to_string())
}

impl Evidence {
    /// The evidence of the domain's country alone, when [`Evidence::domain_country`] is set:
    /// read like a top-level domain's.
    pub fn of_domain_country(&self) -> Option<Evidence> {
        self.domain_country.as_ref().map(|cc| Evidence {
            countries: vec![cc.clone()],
            origin: Some(Origin::Tld),
            domain_country: None,
        })
    }
}

/// Labels that begin with the number of a subdivision of a country the name names, then a
/// word (`06-ulus-xrs-t2-2` under `.tr`: province 06, Ankara; Turkish operators write the
/// province's plate and ISO 3166-2 number first): `(label index, number, the seat)`.
pub fn numbered_subdivisions(tokens: &Tokens, evidence: &Evidence) -> Vec<(usize, String, Place)> {
    let mut out = Vec::new();
    for (i, label) in tokens.host_labels.iter().enumerate() {
        let mut parts = label.split(['-', '_']);
        let (Some(number), Some(word)) = (parts.next(), parts.next()) else {
            continue;
        };
        let worded = word.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
        if number.len() != 2 || !number.bytes().all(|b| b.is_ascii_digit()) || !worded {
            continue;
        }
        for cc in &evidence.countries {
            if let Some(place) = dict::subdivision(cc, number) {
                out.push((i, number.to_string(), place));
            }
        }
    }
    out
}

/// The leading letters of a part (`fra` of `fra1`).
fn alpha(part: &str) -> &str {
    let end = part
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(part.len());
    &part[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hints::tokenize;

    fn countries(name: &str) -> (Vec<String>, Option<Origin>) {
        let e = evidence(&tokenize(name));
        (e.countries, e.origin)
    }

    #[test]
    fn codes_in_name_positions() {
        assert_eq!(countries("se-kst-r1.example.net").0, ["SE"]);
        assert_eq!(countries("ae-5.r24.tokyjp05.jp.bb.gin.ntt.net").0, ["JP"]);
        assert_eq!(countries("lhr15.uk.example.net").0, ["GB"]);
        assert_eq!(countries("core-fra-de.example.com").0, ["DE"]);
        // `be-bru`: Bundle-Ether spelling, but Brussels is Belgium's LOCODE.
        assert_eq!(countries("be-bru-1.example.net").0, ["BE"]);
    }

    #[test]
    fn codes_inside_a_label_need_their_locode_beside_them() {
        // Google's `-in-` (India?) and RENATER's `-nr-` (Nauru?) are words of their schemes.
        assert!(countries("den02s02-in-f14.1e100.net").0.is_empty());
        // Not even beside a code that is a UN/LOCODE there (`par`: Parbhani), when that is a
        // device's code with more after its number.
        assert!(countries("par03s12-in-f19.1e100.net").0.is_empty());
        assert_eq!(
            countries("xe-1-0-0-ren-nr-lyon1-rtr-131.noc.renater.fr"),
            (vec!["FR".to_string()], Some(Origin::Tld))
        );
        // Beside its own UN/LOCODE a code inside a label still counts.
        assert_eq!(countries("xe-0-us-nyc-1.example.net").0, ["US"]);
    }

    #[test]
    fn a_code_beside_a_numbered_role_is_a_prefix() {
        // Sprint's `sl-` before backbone router 21; not Sierra Leone.
        assert!(countries("sl-bb21-mia-12-0-0.sprintlink.net").0.is_empty());
        assert_eq!(countries("se-kst-r1.example.net").0, ["SE"]);
    }

    #[test]
    fn a_lone_code_at_a_labels_end_leaves_the_tld_as_second_reading() {
        let e = evidence(&tokenize("nr-frankfurt1-fe0-0.x-win.dfn.de"));
        assert_eq!(e.countries, ["NR"]);
        assert_eq!(e.domain_country.as_deref(), Some("DE"));
        assert_eq!(e.of_domain_country().unwrap().countries, ["DE"]);
        // Not when the code stands beside its own UN/LOCODE.
        assert_eq!(
            evidence(&tokenize("se-sto-r1.example.de")).domain_country,
            None
        );
        // GARR's map is all in Italy.
        let e = evidence(&tokenize("ru-unipd-rt-pd1.pd1.garr.net"));
        assert_eq!(e.domain_country.as_deref(), Some("IT"));
        // A whole label may be an operator's region (Rostelecom's `sz`, north-west).
        let e = evidence(&tokenize("klng-bras4.sz.ip.rostelecom.ru"));
        assert_eq!(
            (e.countries, e.domain_country.as_deref()),
            (vec!["SZ".into()], Some("RU"))
        );
    }

    #[test]
    fn usa_as_a_label_is_the_united_states() {
        assert_eq!(countries("NYC-gw14.USA.net.DTAG.DE").0, ["US"]);
    }

    #[test]
    fn interface_and_state_labels_are_not_countries() {
        assert!(countries("ae-2-3602.ear2.example.net").0.is_empty());
        assert!(countries("be-2-pe03.529bryant.ca.ibone.comcast.net")
            .0
            .is_empty());
        assert!(countries("xe-0.cr.example.net").0.is_empty());
        assert!(countries("ge-1-1.example.net").0.is_empty());
    }

    #[test]
    fn cctlds_but_not_generic_ones() {
        assert_eq!(
            countries("xe-0.akl1.example.net.nz"),
            (vec!["NZ".to_string()], Some(Origin::Tld))
        );
        assert_eq!(countries("core1.example.fi").0, ["FI"]);
        assert!(countries("pop1.example.io").0.is_empty());
        assert!(countries("edge.example.tv").0.is_empty());
        assert!(countries("edge.example.co").0.is_empty());
        // Top-level domains only United States institutions may register.
        assert_eq!(countries("ae-1.4079.rtsw.clev.net.internet2.edu").0, ["US"]);
        // The name's own codes outrank its domain's.
        assert_eq!(countries("ams-nl-1.example.co.uk").0, ["NL"]);
    }
}
