//! `globetrace locate NAME|ADDRESS…`: every piece of evidence behind a place, offline.
//!
//! Why: a placement is the end of a chain of readings (tokens, dictionaries, the name's
//! country, GeoIP, feeds) and a user who doubts it needs the chain, not the end. This shows
//! it for one name or address at a time, with no trace and no network: names are read as
//! they are written (no DNS lookup), addresses are looked up in the local databases and feeds.

use std::io::{BufRead, Write};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::geo::{FeedKind, Geo, Location};
use crate::hints::{self, GeoClass};
use crate::text;

/// What one token of a name gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenEvidence {
    pub token: String,
    pub entries: Vec<String>,
    pub outcome: String,
}

/// What GeoIP says of an address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeoEvidence {
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub asn: Option<u32>,
    pub isp: Option<String>,
    /// `city`, or why it is only a country's default point.
    pub class: String,
}

/// A geofeed or override entry that names the item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEvidence {
    /// `geofeed` or `override`.
    pub source: String,
    /// File and line.
    pub origin: String,
    pub place: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// The place chosen and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `override`, `geofeed`, `hostname`, `geoip`, `country` or `none`.
    pub source: String,
    pub place: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub why: String,
}

/// Everything known of one name or address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Located {
    pub query: String,
    /// `name` or `address`.
    pub kind: String,
    pub domain: Option<String>,
    /// Countries the name names (ISO codes) and where they were read (`name`, `tld`).
    pub countries: Vec<String>,
    pub countries_from: Option<String>,
    pub router_like: bool,
    pub operator_scheme: bool,
    pub tokens: Vec<TokenEvidence>,
    pub geoip: Option<GeoEvidence>,
    pub feed: Option<FeedEvidence>,
    pub verdict: Verdict,
}

/// Reads the evidence for one item (a host name or an address).
pub fn locate(query: &str, geo: Option<&Geo>) -> Located {
    let query = text::sanitize_name(query);
    let address: Option<IpAddr> = query.parse().ok();
    let mut out = Located {
        query: query.clone(),
        kind: if address.is_some() { "address" } else { "name" }.into(),
        domain: None,
        countries: Vec::new(),
        countries_from: None,
        router_like: false,
        operator_scheme: false,
        tokens: Vec::new(),
        geoip: None,
        feed: None,
        verdict: Verdict {
            source: "none".into(),
            place: None,
            latitude: None,
            longitude: None,
            why: String::new(),
        },
    };
    let name = address.is_none().then_some(query.as_str());
    let feed = geo.and_then(|g| g.feeds().find(address, name));
    if let Some(entry) = feed {
        let at = hints::locate_feed_entry(entry);
        out.feed = Some(FeedEvidence {
            source: match entry.kind {
                FeedKind::Geofeed => "geofeed",
                FeedKind::Override => "override",
            }
            .into(),
            origin: entry.origin.clone(),
            place: at
                .as_ref()
                .map(|(_, l)| l.clone())
                .filter(|l| !l.is_empty()),
            latitude: at.as_ref().map(|(p, _)| p.0),
            longitude: at.as_ref().map(|(p, _)| p.1),
        });
    }
    if let Some(ip) = address {
        out.geoip = geo.map(|g| geo_evidence(&g.lookup(ip)));
    } else {
        let a = hints::analyse(&query);
        out.domain = Some(a.domain).filter(|d| !d.is_empty());
        out.countries = a.countries.countries.clone();
        out.countries_from = a.countries.origin.map(|o| {
            match o {
                hints::Origin::Name => "name",
                hints::Origin::Tld => "tld",
            }
            .into()
        });
        out.router_like = a.router_like;
        out.operator_scheme = a.known_scheme;
        out.tokens = a
            .tried
            .into_iter()
            .map(|t| TokenEvidence {
                token: t.token,
                entries: t.entries,
                outcome: t.outcome,
            })
            .collect();
        out.verdict = match a.hints.first() {
            Some(h) if h.needs_support => Verdict {
                source: "none".into(),
                place: None,
                latitude: None,
                longitude: None,
                why: format!(
                    "{} {:?} would name {}, but {}; in a trace it counts only where GeoIP agrees",
                    h.kind.as_str(),
                    h.token,
                    h.place.label(),
                    h.why_support()
                ),
            },
            Some(h) => Verdict {
                source: "hostname".into(),
                place: Some(h.place.label()),
                latitude: Some(h.place.lat),
                longitude: Some(h.place.lon),
                why: a.verdict,
            },
            None => Verdict {
                source: "none".into(),
                place: None,
                latitude: None,
                longitude: None,
                why: a.verdict,
            },
        };
    }
    if let Some(f) = out.feed.clone().filter(|f| f.latitude.is_some()) {
        out.verdict = Verdict {
            why: format!(
                "{} entry {} comes before GeoIP and host names",
                f.source, f.origin
            ),
            source: f.source,
            place: f.place,
            latitude: f.latitude,
            longitude: f.longitude,
        };
    } else if let Some(g) = out.geoip.clone().filter(|g| g.latitude.is_some()) {
        let city = g.class == "city";
        out.verdict = Verdict {
            source: if city { "geoip" } else { "country" }.into(),
            place: Some(
                [g.city.clone(), g.country_code.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            latitude: g.latitude,
            longitude: g.longitude,
            why: if city {
                "city-level GeoIP answer (no trace: no RTT or neighbour checks)".into()
            } else {
                g.class.clone()
            },
        };
    }
    out
}

fn geo_evidence(loc: &Location) -> GeoEvidence {
    GeoEvidence {
        city: loc.city.clone(),
        country_code: loc.country_code.clone(),
        latitude: loc.latitude,
        longitude: loc.longitude,
        asn: loc.asn,
        isp: loc.isp.clone(),
        class: match hints::classify_location(loc) {
            Some((_, GeoClass::City)) => "city".into(),
            Some((_, GeoClass::Country(why))) => why,
            None => "no coordinates".into(),
        },
    }
}

/// The items to read: the arguments, or standard input's lines when there are none (or `-`).
pub fn items(args: &[String], stdin: &mut dyn BufRead) -> Vec<String> {
    if !args.is_empty() && args.iter().all(|a| a != "-") {
        return args.to_vec();
    }
    let mut out: Vec<String> = args.iter().filter(|a| *a != "-").cloned().collect();
    let mut line = String::new();
    while stdin.read_line(&mut line).unwrap_or(0) > 0 {
        let item = line.trim();
        if !item.is_empty() && !item.starts_with('#') {
            out.push(item.to_string());
        }
        line.clear();
    }
    out
}

/// The human form: one block per item.
pub fn render_text(all: &[Located], out: &mut dyn Write) -> std::io::Result<()> {
    for l in all {
        writeln!(out, "{} ({})", l.query, l.kind)?;
        if let Some(d) = &l.domain {
            writeln!(
                out,
                "  domain {d}: operator scheme {}, router vocabulary {}",
                yes(l.operator_scheme),
                yes(l.router_like)
            )?;
        }
        if !l.countries.is_empty() {
            writeln!(
                out,
                "  countries named: {} (from the {})",
                l.countries.join(", "),
                l.countries_from.as_deref().unwrap_or("name")
            )?;
        }
        for t in &l.tokens {
            let entries = if t.entries.is_empty() {
                String::new()
            } else {
                format!(" [{}]", t.entries.join("; "))
            };
            writeln!(out, "  token {:?}{entries} -> {}", t.token, t.outcome)?;
        }
        if let Some(g) = &l.geoip {
            writeln!(
                out,
                "  GeoIP: {}, {} ({}) AS{} {} [{}]",
                g.city.as_deref().unwrap_or("-"),
                g.country_code.as_deref().unwrap_or("-"),
                coords(g.latitude, g.longitude),
                g.asn.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
                g.isp.as_deref().unwrap_or(""),
                g.class
            )?;
        }
        if let Some(f) = &l.feed {
            writeln!(
                out,
                "  {} {}: {} ({})",
                f.source,
                f.origin,
                f.place.as_deref().unwrap_or("city not in the dictionaries"),
                coords(f.latitude, f.longitude)
            )?;
        }
        let v = &l.verdict;
        writeln!(
            out,
            "  verdict: {} {} ({}): {}",
            v.source,
            v.place.as_deref().unwrap_or("-"),
            coords(v.latitude, v.longitude),
            v.why
        )?;
    }
    Ok(())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn coords(lat: Option<f64>, lon: Option<f64>) -> String {
    match (lat, lon) {
        (Some(a), Some(b)) => format!("{a:.4}, {b:.4}"),
        _ => "no coordinates".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_shows_its_tokens_countries_and_verdict() {
        let l = locate("xe-0-0-1.cr1.akl1.example.net.nz", None);
        assert_eq!(l.kind, "name");
        assert_eq!(l.countries, ["NZ"]);
        assert_eq!(l.countries_from.as_deref(), Some("tld"));
        let akl = l.tokens.iter().find(|t| t.token == "akl1").unwrap();
        assert!(akl.outcome.contains("Auckland"), "{akl:?}");
        assert_eq!(l.verdict.source, "hostname");
        assert_eq!(l.verdict.place.as_deref(), Some("Auckland, NZ"));
        let mut text = Vec::new();
        render_text(&[l], &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("countries named: NZ (from the tld)"),
            "{text}"
        );
        assert!(text.contains("verdict: hostname Auckland, NZ"), "{text}");
    }

    #[test]
    fn json_round_trips() {
        let all = vec![
            locate("ae-1.r01.se-kst.example.net", None),
            locate("nap.example.com", None),
            locate("192.0.2.1", None),
        ];
        let json = serde_json::to_string(&all).unwrap();
        let back: Vec<Located> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, all);
        assert_eq!(all[2].kind, "address");
        assert_eq!(all[1].verdict.source, "none");
    }

    #[test]
    fn items_from_arguments_or_stdin() {
        let mut input = std::io::Cursor::new("a.example\n\n# note\n192.0.2.1\n");
        assert_eq!(items(&[], &mut input), ["a.example", "192.0.2.1"]);
        let mut none = std::io::Cursor::new("");
        assert_eq!(items(&["x.example".into()], &mut none), ["x.example"]);
    }
}
