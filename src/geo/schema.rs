//! The record layouts globetrace reads, as borrowed serde structs.
//!
//! Why two structs and lenient scalars: mmdb files in the wild agree on names more than on
//! types. MaxMind and DB-IP's own files nest (`country.iso_code`, `location.latitude`),
//! while ip-location-db, IPinfo and the ASN/ISP products are flat, and `city` or `country` is
//! a map in one and a string in the other, so one struct cannot read both. Within a layout the
//! scalar types vary: ip-location-db stores coordinates as float32 (an `f64` field fails with
//! "expected double"), Python writers store small integers as uint16, IPinfo writes the ASN
//! as the string "AS15169". [`Num`] accepts any of these. Only the fields the tool shows are
//! declared, so decoding skips the rest without allocating.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A number stored as any mmdb integer or float type, or as a decimal string (optionally
/// prefixed "AS", as IPinfo writes ASNs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Num(pub(crate) f64);

impl Num {
    /// The value as a `u32` if it is a whole number in range.
    pub(crate) fn as_u32(self) -> Option<u32> {
        let v = self.0;
        (v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v)).then_some(v as u32)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumVisitor;
        impl Visitor<'_> for NumVisitor {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or a string holding one")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_f32<E: de::Error>(self, v: f32) -> Result<Num, E> {
                // Widen through the shortest decimal that round-trips the float32, so a stored
                // 37.422 reads as 37.422 rather than 37.422000885009766.
                Ok(Num(v.to_string().parse().unwrap_or(f64::from(v))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                let v = v.trim();
                let digits = v
                    .strip_prefix("AS")
                    .or_else(|| v.strip_prefix("as"))
                    .unwrap_or(v);
                digits
                    .parse()
                    .map(Num)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_any(NumVisitor)
    }
}

/// The English name from a GeoIP2 `names` map.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Names<'a> {
    #[serde(borrow)]
    pub(crate) en: Option<&'a str>,
}

/// A named place in the nested layout (`city`, `country`, a subdivision).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Place<'a> {
    #[serde(borrow)]
    pub(crate) iso_code: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) names: Names<'a>,
}

/// `location` in the nested layout.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NestedLocation {
    pub(crate) latitude: Option<Num>,
    pub(crate) longitude: Option<Num>,
    /// Kilometres.
    pub(crate) accuracy_radius: Option<Num>,
}

/// `traits` in the nested layout: Enterprise databases carry ASN and ISP here.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Traits<'a> {
    pub(crate) autonomous_system_number: Option<Num>,
    #[serde(borrow)]
    pub(crate) autonomous_system_organization: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) isp: Option<&'a str>,
}

/// GeoIP2 City/Country/Enterprise layout, as written by MaxMind and by DB-IP.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Nested<'a> {
    #[serde(borrow)]
    pub(crate) city: Place<'a>,
    #[serde(borrow)]
    pub(crate) country: Place<'a>,
    #[serde(borrow)]
    pub(crate) subdivisions: Vec<Place<'a>>,
    pub(crate) location: NestedLocation,
    #[serde(borrow)]
    pub(crate) traits: Traits<'a>,
}

/// Every flat layout at once: ip-location-db (`city`, `state1`, `country_code`, float32
/// coordinates), GeoLite2-ASN and GeoIP2-ISP (`autonomous_system_*`, `isp`), IPinfo Lite
/// (`asn` "AS15169", `as_name`, `country_code`, `country` name) and IPinfo's older
/// country-ASN file (`country` code, `country_name`). Their key sets do not clash in type.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Flat<'a> {
    #[serde(borrow)]
    pub(crate) city: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) state1: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) region: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) country_code: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) country: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) country_name: Option<&'a str>,
    pub(crate) latitude: Option<Num>,
    pub(crate) longitude: Option<Num>,
    pub(crate) autonomous_system_number: Option<Num>,
    #[serde(borrow)]
    pub(crate) autonomous_system_organization: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) isp: Option<&'a str>,
    pub(crate) asn: Option<Num>,
    #[serde(borrow)]
    pub(crate) as_name: Option<&'a str>,
}

/// What kind of value a top-level key holds; enough to tell the layouts apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Map,
    Text,
    Number,
    Other,
}

impl<'de> Deserialize<'de> for ValueKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KindVisitor;
        impl<'de> Visitor<'de> for KindVisitor {
            type Value = ValueKind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any mmdb value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ValueKind, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ValueKind::Map)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueKind, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ValueKind::Other)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ValueKind, E> {
                Ok(ValueKind::Text)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ValueKind, E> {
                Ok(ValueKind::Number)
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<ValueKind, E> {
                Ok(ValueKind::Number)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ValueKind, E> {
                Ok(ValueKind::Number)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ValueKind, E> {
                Ok(ValueKind::Number)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ValueKind, E> {
                Ok(ValueKind::Other)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<ValueKind, E> {
                Ok(ValueKind::Other)
            }
        }
        deserializer.deserialize_any(KindVisitor)
    }
}

/// The top-level keys of a few sample records, with the kind of value each holds.
pub(crate) type Shape = BTreeMap<String, ValueKind>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_reads_integers_floats_and_as_strings() {
        assert_eq!(Num(15169.0).as_u32(), Some(15169));
        assert_eq!(Num(1.5).as_u32(), None);
        assert_eq!(Num(-1.0).as_u32(), None);
        let parse = |s: &str| serde_json::from_str::<Num>(s).unwrap().0;
        assert_eq!(parse("\"AS15169\""), 15169.0);
        assert_eq!(parse("\" 13335 \""), 13335.0);
        assert_eq!(parse("51.5"), 51.5);
        assert_eq!(parse("7"), 7.0);
        assert!(serde_json::from_str::<Num>("\"ASX\"").is_err());
        // float32 coordinates (ip-location-db) widen to the decimal that was written.
        use serde::de::IntoDeserializer;
        let de: de::value::F32Deserializer<de::value::Error> = 37.422_f32.into_deserializer();
        assert_eq!(Num::deserialize(de).unwrap().0, 37.422);
    }

    #[test]
    fn value_kinds_tell_layouts_apart() {
        let shape: Shape = serde_json::from_str(
            r#"{"city":{"names":{"en":"X"}},"country_code":"GB","asn":1,"a":[1],"b":true}"#,
        )
        .unwrap();
        assert_eq!(shape["city"], ValueKind::Map);
        assert_eq!(shape["country_code"], ValueKind::Text);
        assert_eq!(shape["asn"], ValueKind::Number);
        assert_eq!(shape["a"], ValueKind::Other);
        assert_eq!(shape["b"], ValueKind::Other);
    }
}
