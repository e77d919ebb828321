//! The one record every database is mapped to, and how answers from several are combined.
//!
//! Why field by field, with guards: a user's GeoLite2-Country plus the shipped DB-IP city
//! data should give the user's country *and* DB-IP's city, but not a London city inside a
//! country the user's database says is France. So the first database to answer a field wins
//! it, and a later database only fills city, region or coordinates when its country agrees
//! with the country already chosen (coordinates and their accuracy travel together). The ISP
//! name likewise only comes from a database that agrees on the ASN.

use serde::{Deserialize, Serialize};

use super::countries::COUNTRY_NAMES;
use super::special::SpecialRange;

/// Where an address is and who operates it, as far as the databases know.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Location {
    /// City name, in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// First-level subdivision (state, province, region), in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Country name, in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Degrees north.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Degrees east.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Radius around the coordinates the address is likely within, when the database says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_km: Option<u32>,
    /// Autonomous system number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// ISP, or the autonomous system's organisation when no ISP name is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isp: Option<String>,
    /// Set for addresses outside the public Internet; then every other field is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special: Option<SpecialRange>,
    /// The database that gave the coordinates (or, without coordinates, the city).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_db: Option<String>,
    /// The database that gave the country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_db: Option<String>,
    /// The database that gave the ASN (or, without an ASN, the ISP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn_db: Option<String>,
}

impl Location {
    /// `(latitude, longitude)` when both are known.
    pub fn coordinates(&self) -> Option<(f64, f64)> {
        self.latitude.zip(self.longitude)
    }

    /// A location for a special-range address: the label and nothing else.
    pub fn special(range: SpecialRange) -> Location {
        Location {
            special: Some(range),
            ..Location::default()
        }
    }

    /// Fills country, city, region and coordinates from `answer` where still empty, unless
    /// its country contradicts the one already chosen.
    pub(crate) fn absorb_location(&mut self, answer: &Answer, source: &str) {
        let agrees = match (&self.country_code, &answer.country_code) {
            (Some(have), Some(new)) => have == new,
            _ => true,
        };
        if !agrees {
            return;
        }
        if self.country_code.is_none() && answer.country_code.is_some() {
            self.country_code.clone_from(&answer.country_code);
            self.country = answer.country.clone().or(self.country.take());
            self.country_db = Some(source.to_owned());
        } else if self.country.is_none() && answer.country.is_some() {
            self.country.clone_from(&answer.country);
            self.country_db.get_or_insert_with(|| source.to_owned());
        }
        if self.country.is_none() {
            let code = self.country_code.as_deref().unwrap_or_default();
            self.country = country_name(code).map(str::to_owned);
        }
        let mut gave = fill(&mut self.city, &answer.city);
        gave |= fill(&mut self.region, &answer.region);
        if let (None, Some((lat, lon))) = (self.coordinates(), answer.coordinates) {
            self.latitude = Some(lat);
            self.longitude = Some(lon);
            self.accuracy_km = answer.accuracy_km;
            self.location_db = Some(source.to_owned());
        } else if gave {
            self.location_db.get_or_insert_with(|| source.to_owned());
        }
    }

    /// Fills ASN and ISP from `answer` where still empty, unless its ASN contradicts the one
    /// already chosen.
    pub(crate) fn absorb_asn(&mut self, answer: &Answer, source: &str) {
        if matches!((self.asn, answer.asn), (Some(have), Some(new)) if have != new) {
            return;
        }
        if self.asn.is_none() && answer.asn.is_some() {
            self.asn = answer.asn;
            self.asn_db = Some(source.to_owned());
        }
        if fill(&mut self.isp, &answer.isp) {
            self.asn_db.get_or_insert_with(|| source.to_owned());
        }
    }
}

fn fill(slot: &mut Option<String>, value: &Option<String>) -> bool {
    if slot.is_none() && value.is_some() {
        slot.clone_from(value);
        return true;
    }
    false
}

/// What one database says about one address, already cleaned (trimmed, control characters
/// removed, country code upper-cased, impossible coordinates dropped).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Answer {
    pub(crate) city: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) country: Option<String>,
    pub(crate) country_code: Option<String>,
    pub(crate) coordinates: Option<(f64, f64)>,
    pub(crate) accuracy_km: Option<u32>,
    pub(crate) asn: Option<u32>,
    pub(crate) isp: Option<String>,
}

/// Longest database string kept, in bytes.
const MAX_TEXT: usize = 200;

/// Database text enters here, once: control characters (terminal escapes lose their ESC),
/// bidi controls and other invisible format characters are dropped, the rest is trimmed and
/// capped; empty strings become `None`. A user's database is as untrusted as a PTR record.
pub(crate) fn text(value: Option<&str>) -> Option<String> {
    let mut out = String::new();
    for c in value?
        .trim()
        .chars()
        .filter(|&c| !c.is_control() && !is_format_char(c))
    {
        if out.len() + c.len_utf8() > MAX_TEXT {
            break;
        }
        out.push(c);
    }
    let trimmed = out.trim_end();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// Invisible characters that change how text displays: bidi embeddings, overrides and
/// isolates, zero-width characters, the BOM, the soft hyphen.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}' | '\u{00AD}' | '\u{FFFD}')
}

/// An ISO 3166-1 alpha-2 code, upper-cased; `None` for anything else and for the
/// "unknown" codes ZZ and XX some databases use.
pub(crate) fn country_code(value: Option<&str>) -> Option<String> {
    let code = value?.trim();
    let valid = code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic());
    let code = code.to_ascii_uppercase();
    (valid && code != "ZZ" && code != "XX").then_some(code)
}

/// Coordinates if both are present, finite, in range and not exactly (0, 0), which some
/// databases use for "unknown".
pub(crate) fn coordinates(lat: Option<f64>, lon: Option<f64>) -> Option<(f64, f64)> {
    let (lat, lon) = (lat?, lon?);
    let valid = lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0;
    (valid && (lat, lon) != (0.0, 0.0)).then_some((lat, lon))
}

/// The English short name for an ISO 3166-1 alpha-2 code (any case), e.g. "GB" →
/// "United Kingdom".
pub fn country_name(code: &str) -> Option<&'static str> {
    let code = code.to_ascii_uppercase();
    COUNTRY_NAMES
        .binary_search_by(|(c, _)| (*c).cmp(code.as_str()))
        .ok()
        .map(|i| COUNTRY_NAMES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(cc: Option<&str>, city: Option<&str>, coords: Option<(f64, f64)>) -> Answer {
        Answer {
            country_code: cc.map(str::to_owned),
            city: city.map(str::to_owned),
            coordinates: coords,
            ..Answer::default()
        }
    }

    #[test]
    fn earlier_databases_win_field_by_field() {
        let mut loc = Location::default();
        loc.absorb_location(&answer(Some("GB"), None, None), "user country db");
        loc.absorb_location(
            &answer(Some("GB"), Some("London"), Some((51.5, -0.1))),
            "shipped",
        );
        assert_eq!(loc.country_code.as_deref(), Some("GB"));
        assert_eq!(loc.country.as_deref(), Some("United Kingdom"));
        assert_eq!(loc.city.as_deref(), Some("London"));
        assert_eq!(loc.coordinates(), Some((51.5, -0.1)));
        assert_eq!(loc.country_db.as_deref(), Some("user country db"));
        assert_eq!(loc.location_db.as_deref(), Some("shipped"));
    }

    #[test]
    fn a_disagreeing_country_contributes_nothing() {
        let mut loc = Location::default();
        loc.absorb_location(&answer(Some("FR"), None, None), "user");
        loc.absorb_location(
            &answer(Some("GB"), Some("London"), Some((51.5, -0.1))),
            "shipped",
        );
        assert_eq!(loc.country.as_deref(), Some("France"));
        assert_eq!(loc.city, None);
        assert_eq!(loc.coordinates(), None);
        assert_eq!(loc.location_db, None);
    }

    #[test]
    fn coordinates_and_accuracy_travel_together() {
        let mut loc = Location::default();
        let mut first = answer(Some("US"), Some("Mountain View"), None);
        first.accuracy_km = Some(5); // no coordinates, so this radius means nothing
        loc.absorb_location(&first, "a");
        loc.absorb_location(
            &answer(Some("US"), Some("Elsewhere"), Some((37.4, -122.1))),
            "b",
        );
        assert_eq!(loc.city.as_deref(), Some("Mountain View"));
        assert_eq!(loc.coordinates(), Some((37.4, -122.1)));
        assert_eq!(loc.accuracy_km, None);
        assert_eq!(loc.location_db.as_deref(), Some("b"));
    }

    #[test]
    fn isp_only_from_a_database_agreeing_on_the_asn() {
        let mut loc = Location::default();
        let a = Answer {
            asn: Some(15169),
            ..Answer::default()
        };
        let b = Answer {
            asn: Some(36040),
            isp: Some("YouTube".into()),
            ..Answer::default()
        };
        let c = Answer {
            asn: Some(15169),
            isp: Some("Google LLC".into()),
            ..Answer::default()
        };
        loc.absorb_asn(&a, "a");
        loc.absorb_asn(&b, "b");
        loc.absorb_asn(&c, "c");
        assert_eq!(
            (loc.asn, loc.isp.as_deref()),
            (Some(15169), Some("Google LLC"))
        );
        assert_eq!(loc.asn_db.as_deref(), Some("a"));
    }

    #[test]
    fn cleaning_rules() {
        assert_eq!(
            text(Some("  Zürich \u{1b}[31m")).as_deref(),
            Some("Zürich [31m")
        );
        assert_eq!(
            text(Some("Evil\u{202E}Corp \u{200B}")).as_deref(),
            Some("EvilCorp")
        );
        assert_eq!(
            text(Some("Mountain View")).as_deref(),
            Some("Mountain View")
        );
        assert_eq!(text(Some("   ")), None);
        assert_eq!(
            text(Some(&"é".repeat(300))).map(|t| t.len()),
            Some(MAX_TEXT)
        );
        assert_eq!(country_code(Some("gb")).as_deref(), Some("GB"));
        assert_eq!(country_code(Some("ZZ")), None);
        assert_eq!(country_code(Some("GBR")), None);
        assert_eq!(coordinates(Some(0.0), Some(0.0)), None);
        assert_eq!(coordinates(Some(91.0), Some(0.0)), None);
        assert_eq!(coordinates(Some(f64::NAN), Some(1.0)), None);
        assert_eq!(coordinates(Some(-33.9), Some(151.2)), Some((-33.9, 151.2)));
    }

    #[test]
    fn country_names_cover_the_codes_databases_use() {
        assert_eq!(country_name("us"), Some("United States"));
        assert_eq!(country_name("XK"), Some("Kosovo"));
        assert_eq!(country_name("QQ"), None);
        assert!(
            COUNTRY_NAMES.windows(2).all(|w| w[0].0 < w[1].0),
            "table must stay sorted"
        );
    }

    #[test]
    fn special_locations_serialize_compactly() {
        let json = serde_json::to_string(&Location::special(SpecialRange::Private)).unwrap();
        assert_eq!(json, r#"{"special":"private"}"#);
        let back: Location = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Location::special(SpecialRange::Private));
    }
}
