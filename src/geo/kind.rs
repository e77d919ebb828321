//! Which kind of database a file is, decided from its metadata and its records.
//!
//! Why both: `database_type` is free text chosen by whoever wrote the file ("GeoLite2-City",
//! "DBIP-City-Lite", "city ipv4", "ipinfo lite.mmdb", …), and some names mislead (DB-IP's
//! "DBIP-ISP (compat=Enterprise)" has the Enterprise layout, not the ISP one). The keys of a
//! few sample records are what decides the layout; the name only breaks ties, and names the
//! kind of an empty file.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::schema::{Shape, ValueKind};

/// A database layout globetrace can read, and what it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DbKind {
    /// GeoIP2/GeoLite2 City or Enterprise layout (MaxMind, and DB-IP's own mmdb files):
    /// city, subdivision, country, coordinates with accuracy radius, and (Enterprise) ASN/ISP.
    GeoIp2City,
    /// GeoIP2/GeoLite2 Country layout (also DB-IP Country Lite): country only.
    GeoIp2Country,
    /// GeoLite2-ASN layout (also DB-IP ASN Lite and the shipped ASN file): ASN and organisation.
    Asn,
    /// GeoIP2-ISP layout: ASN, organisation and ISP name.
    Isp,
    /// ip-location-db flat city layout (the shipped city file): city, state1, country code,
    /// float32 coordinates.
    FlatCity,
    /// ip-location-db flat country layout: country code only.
    FlatCountry,
    /// IPinfo Lite (and IPinfo's older country-ASN file): country and ASN.
    IpInfo,
}

impl DbKind {
    /// A short human description, e.g. "GeoIP2 City layout".
    pub fn describe(self) -> &'static str {
        match self {
            DbKind::GeoIp2City => "GeoIP2 City layout",
            DbKind::GeoIp2Country => "GeoIP2 Country layout",
            DbKind::Asn => "GeoLite2 ASN layout",
            DbKind::Isp => "GeoIP2 ISP layout",
            DbKind::FlatCity => "ip-location-db city layout",
            DbKind::FlatCountry => "ip-location-db country layout",
            DbKind::IpInfo => "IPinfo layout",
        }
    }

    /// Whether records of this kind are decoded with the nested (GeoIP2) struct.
    pub(crate) fn is_nested(self) -> bool {
        matches!(self, DbKind::GeoIp2City | DbKind::GeoIp2Country)
    }

    /// Whether this kind can answer country or location fields.
    pub fn offers_location(self) -> bool {
        !matches!(self, DbKind::Asn | DbKind::Isp)
    }

    /// Whether this kind can answer ASN or ISP fields.
    pub fn offers_asn(self) -> bool {
        matches!(
            self,
            DbKind::GeoIp2City | DbKind::Asn | DbKind::Isp | DbKind::IpInfo
        )
    }
}

impl fmt::Display for DbKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Decides the kind from `database_type` and the [`Shape`] of sample records; `None` when
/// the file holds nothing globetrace can show (e.g. a GeoIP2 Connection-Type or Anonymous-IP
/// database).
pub(crate) fn detect(database_type: &str, shape: &Shape) -> Option<DbKind> {
    let name = database_type.to_ascii_lowercase();
    let is = |key: &str, kind: ValueKind| shape.get(key) == Some(&kind);
    let has = |key: &str| shape.contains_key(key);

    let nested = [
        "city",
        "country",
        "location",
        "continent",
        "registered_country",
    ]
    .iter()
    .any(|key| is(key, ValueKind::Map))
        || has("subdivisions");
    if nested {
        let city = has("city") || has("location") || has("subdivisions") || name.contains("city");
        return Some(if city {
            DbKind::GeoIp2City
        } else {
            DbKind::GeoIp2Country
        });
    }
    if has("autonomous_system_number") || has("isp") {
        return Some(if has("isp") { DbKind::Isp } else { DbKind::Asn });
    }
    if has("asn") || has("as_name") {
        return Some(DbKind::IpInfo);
    }
    if is("city", ValueKind::Text) || has("latitude") {
        return Some(DbKind::FlatCity);
    }
    if is("country_code", ValueKind::Text) || is("country", ValueKind::Text) {
        return Some(if name.contains("ipinfo") {
            DbKind::IpInfo
        } else {
            DbKind::FlatCountry
        });
    }
    if shape.is_empty() {
        return from_name(&name);
    }
    None
}

/// The kind a well-known `database_type` implies, for files with no records to look at.
fn from_name(name: &str) -> Option<DbKind> {
    let flat =
        name.contains(" ipv4") || name.contains(" ipv6") || name.starts_with("ip-location-db");
    if name.contains("ipinfo") {
        Some(DbKind::IpInfo)
    } else if name.contains("asn") {
        Some(DbKind::Asn)
    } else if name.contains("isp") && !name.contains("enterprise") {
        Some(DbKind::Isp)
    } else if name.contains("city") || name.contains("enterprise") {
        Some(if flat {
            DbKind::FlatCity
        } else {
            DbKind::GeoIp2City
        })
    } else if name.contains("country") {
        Some(if flat {
            DbKind::FlatCountry
        } else {
            DbKind::GeoIp2Country
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(pairs: &[(&str, ValueKind)]) -> Shape {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn layouts_are_told_apart_by_their_keys() {
        use ValueKind::*;
        let cases = [
            (
                "GeoIP2-City",
                shape(&[("city", Map), ("country", Map), ("location", Map)]),
                DbKind::GeoIp2City,
            ),
            (
                "GeoLite2-Country",
                shape(&[("continent", Map), ("country", Map)]),
                DbKind::GeoIp2Country,
            ),
            (
                "DBIP-ISP (compat=Enterprise)",
                shape(&[("city", Map), ("traits", Map)]),
                DbKind::GeoIp2City,
            ),
            (
                "GeoLite2-ASN",
                shape(&[("autonomous_system_number", Number)]),
                DbKind::Asn,
            ),
            (
                "GeoIP2-ISP",
                shape(&[("autonomous_system_number", Number), ("isp", Text)]),
                DbKind::Isp,
            ),
            (
                "city ipv4",
                shape(&[("city", Text), ("country_code", Text), ("latitude", Number)]),
                DbKind::FlatCity,
            ),
            (
                "country ipv6",
                shape(&[("country_code", Text)]),
                DbKind::FlatCountry,
            ),
            (
                "ipinfo lite.mmdb",
                shape(&[("asn", Text), ("as_name", Text), ("country_code", Text)]),
                DbKind::IpInfo,
            ),
            (
                "whatever",
                shape(&[("country", Text), ("country_name", Text), ("asn", Text)]),
                DbKind::IpInfo,
            ),
        ];
        for (name, shape, want) in cases {
            assert_eq!(detect(name, &shape), Some(want), "{name}");
        }
    }

    #[test]
    fn unrelated_databases_are_refused() {
        use ValueKind::*;
        assert_eq!(
            detect(
                "GeoIP2-Connection-Type",
                &shape(&[("connection_type", Text)])
            ),
            None
        );
        assert_eq!(
            detect("GeoIP2-Anonymous-IP", &shape(&[("is_anonymous", Other)])),
            None
        );
        assert_eq!(detect("MaxMind DB Decoder Test", &Shape::new()), None);
    }

    #[test]
    fn empty_files_fall_back_to_their_name() {
        let empty = Shape::new();
        assert_eq!(detect("GeoLite2-City", &empty), Some(DbKind::GeoIp2City));
        assert_eq!(detect("city ipv6", &empty), Some(DbKind::FlatCity));
        assert_eq!(
            detect("DBIP-ASN-Lite (compat=GeoLite2-ASN)", &empty),
            Some(DbKind::Asn)
        );
        assert_eq!(detect("GeoIP2-ISP", &empty), Some(DbKind::Isp));
    }

    #[test]
    fn offers_match_the_layouts() {
        assert!(DbKind::GeoIp2City.offers_location() && DbKind::GeoIp2City.offers_asn());
        assert!(!DbKind::Asn.offers_location() && DbKind::Asn.offers_asn());
        assert!(DbKind::FlatCity.offers_location() && !DbKind::FlatCity.offers_asn());
        assert!(DbKind::IpInfo.offers_location() && DbKind::IpInfo.offers_asn());
    }
}
