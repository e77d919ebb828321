//! Geofeeds (RFC 8805) and the user's overrides: places the network's own operator, or the
//! user, states for addresses and names. They are consulted before GeoIP and host name hints.
//!
//! Why both: a geofeed is what an operator publishes for its own prefixes (`prefix, country,
//! region, city, postal`, no coordinates), so it is better than any database that guessed;
//! an override is what the user knows better than everyone (their own routers, a lab), and
//! may name a host name pattern as well as a prefix. Overrides are asked first, then
//! geofeeds; within each kind the longest matching prefix wins, and for host name patterns
//! the first matching line.
//!
//! Override lines are `PATTERN LAT,LON [LABEL...]`, whitespace-separated, `#` comments:
//! PATTERN is an address, a prefix (`192.0.2.0/24`) or a host name pattern where `*` stands
//! for any run of characters (`*.fra?.example.net` is not supported: only `*`).
//!
//! Geofeed entries carry no coordinates: the city is found in the host name dictionaries by
//! the caller (`hints`), which keeps this module free of them.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::text;

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Geofeed,
    Override,
}

/// What an entry matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// An address prefix: network bits and length (IPv4 kept apart from IPv6).
    Prefix { v6: bool, bits: u128, len: u8 },
    /// A lower-case host name pattern with `*` wildcards.
    Name(String),
}

/// One line of a geofeed or an overrides file.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    pub kind: FeedKind,
    pub matcher: Matcher,
    /// ISO country code, upper case (geofeeds; may be empty).
    pub country: String,
    /// ISO 3166-2 region (`US-CA`), may be empty.
    pub region: String,
    pub city: String,
    /// Coordinates (overrides).
    pub at: Option<(f64, f64)>,
    /// The override's label.
    pub label: String,
    /// `file:line`, for saying where a place came from.
    pub origin: String,
}

/// A line that cannot be read; names the file and line.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {reason}", path.display())]
    Line {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// Every geofeed and override entry given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Feeds {
    overrides: Vec<FeedEntry>,
    geofeeds: Vec<FeedEntry>,
}

impl Feeds {
    /// Reads the files; the first bad line or unreadable file is an error.
    pub fn load(geofeeds: &[PathBuf], overrides: &[PathBuf]) -> Result<Feeds, FeedError> {
        let mut feeds = Feeds::default();
        for path in geofeeds {
            let text = read(path)?;
            feeds.geofeeds.extend(parse_geofeed(path, &text)?);
        }
        for path in overrides {
            let text = read(path)?;
            feeds.overrides.extend(parse_overrides(path, &text)?);
        }
        Ok(feeds)
    }

    pub fn is_empty(&self) -> bool {
        self.overrides.is_empty() && self.geofeeds.is_empty()
    }

    /// The entry that places `ip` (or `hostname`): overrides first, then geofeeds.
    pub fn find(&self, ip: Option<IpAddr>, hostname: Option<&str>) -> Option<&FeedEntry> {
        best(&self.overrides, ip, hostname).or_else(|| best(&self.geofeeds, ip, None))
    }
}

fn read(path: &Path) -> Result<String, FeedError> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|source| FeedError::Read {
            path: path.to_path_buf(),
            source,
        })
}

/// The longest matching prefix, else the first matching name pattern.
fn best<'a>(
    entries: &'a [FeedEntry],
    ip: Option<IpAddr>,
    hostname: Option<&str>,
) -> Option<&'a FeedEntry> {
    let by_prefix = ip.and_then(|ip| {
        entries
            .iter()
            .filter(|e| prefix_matches(&e.matcher, ip))
            .max_by_key(|e| match e.matcher {
                Matcher::Prefix { len, .. } => len,
                Matcher::Name(_) => 0,
            })
    });
    by_prefix.or_else(|| {
        let name = hostname?.trim_end_matches('.').to_ascii_lowercase();
        entries.iter().find(|e| match &e.matcher {
            Matcher::Name(p) => glob(p, &name),
            Matcher::Prefix { .. } => false,
        })
    })
}

fn prefix_matches(m: &Matcher, ip: IpAddr) -> bool {
    let Matcher::Prefix { v6, bits, len } = *m else {
        return false;
    };
    let (is_v6, addr) = to_bits(ip);
    is_v6 == v6 && mask(addr, len, v6) == bits
}

fn to_bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn mask(addr: u128, len: u8, v6: bool) -> u128 {
    let width = if v6 { 128 } else { 32 };
    if len == 0 {
        return 0;
    }
    let keep = u32::from(len.min(width));
    let shift = u32::from(width) - keep;
    (addr >> shift) << shift
}

/// `192.0.2.0/24`, `2001:db8::/32` or a bare address.
pub fn parse_prefix(s: &str) -> Option<Matcher> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip: IpAddr = addr.trim().parse().ok()?;
    let (v6, bits) = to_bits(ip);
    let width = if v6 { 128 } else { 32 };
    let len = match len {
        Some(l) => l.trim().parse::<u8>().ok().filter(|&l| l <= width)?,
        None => width,
    };
    Some(Matcher::Prefix {
        v6,
        bits: mask(bits, len, v6),
        len,
    })
}

/// `*` matches any run of characters; everything else itself.
fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// RFC 8805: `prefix,country,region,city,postal`; later fields may be missing.
fn parse_geofeed(path: &Path, text: &str) -> Result<Vec<FeedEntry>, FeedError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |reason: String| FeedError::Line {
            path: path.to_path_buf(),
            line: n + 1,
            reason,
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let matcher = parse_prefix(fields[0]).ok_or_else(|| {
            bad(format!(
                "{:?} is not an IP prefix",
                text::sanitize_text(fields[0], 200)
            ))
        })?;
        let country = fields
            .get(1)
            .copied()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if !(country.is_empty()
            || (country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())))
        {
            return Err(bad(format!(
                "{:?} is not a two-letter country code",
                text::sanitize_text(&country, 200)
            )));
        }
        out.push(FeedEntry {
            kind: FeedKind::Geofeed,
            matcher,
            country,
            region: text::sanitize_text(fields.get(2).copied().unwrap_or_default(), 200),
            city: text::sanitize_text(fields.get(3).copied().unwrap_or_default(), 200),
            at: None,
            label: String::new(),
            origin: format!("{}:{}", path.display(), n + 1),
        });
    }
    Ok(out)
}

/// `PATTERN LAT,LON [LABEL...]` (module docs).
fn parse_overrides(path: &Path, text: &str) -> Result<Vec<FeedEntry>, FeedError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |reason: String| FeedError::Line {
            path: path.to_path_buf(),
            line: n + 1,
            reason,
        };
        let mut fields = line.split_whitespace();
        let pattern = fields.next().unwrap_or_default();
        let at_text = fields
            .next()
            .ok_or_else(|| bad("expected PATTERN LAT,LON [LABEL]".into()))?;
        let at = crate::distance::parse_lat_lon(at_text)
            .map_err(|e| bad(format!("{:?}: {e}", text::sanitize_text(at_text, 200))))?;
        let label = text::sanitize_text(&fields.collect::<Vec<_>>().join(" "), 200);
        let matcher = match parse_prefix(pattern) {
            Some(m) => m,
            None if pattern
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'*')) =>
            {
                Matcher::Name(pattern.to_ascii_lowercase())
            }
            None => {
                return Err(bad(format!(
                    "{:?} is neither a prefix nor a host name pattern",
                    text::sanitize_text(pattern, 200)
                )))
            }
        };
        out.push(FeedEntry {
            kind: FeedKind::Override,
            matcher,
            country: String::new(),
            region: String::new(),
            city: String::new(),
            at: Some(at),
            label,
            origin: format!("{}:{}", path.display(), n + 1),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feeds(geofeed: &str, overrides: &str) -> Feeds {
        Feeds {
            geofeeds: parse_geofeed(Path::new("g.csv"), geofeed).unwrap(),
            overrides: parse_overrides(Path::new("o.txt"), overrides).unwrap(),
        }
    }

    #[test]
    fn rfc8805_lines_and_longest_prefix() {
        let f = feeds(
            "# prefix,country,region,city,postal\n\
             192.0.2.0/24,NZ,NZ-AUK,Auckland,\n\
             192.0.2.128/25,NZ,NZ-WGN,Wellington,6011\n\
             2001:db8::/32,de,,Berlin\n",
            "",
        );
        let city = |ip: &str| f.find(ip.parse().ok(), None).map(|e| e.city.clone());
        assert_eq!(city("192.0.2.1").as_deref(), Some("Auckland"));
        assert_eq!(city("192.0.2.200").as_deref(), Some("Wellington"));
        assert_eq!(city("2001:db8::1").as_deref(), Some("Berlin"));
        assert_eq!(
            f.find("2001:db8::1".parse().ok(), None).unwrap().country,
            "DE"
        );
        assert_eq!(city("198.51.100.1"), None);
        assert_eq!(
            f.find("192.0.2.1".parse().ok(), None).unwrap().origin,
            "g.csv:2"
        );
    }

    #[test]
    fn overrides_come_first_and_match_names() {
        let f = feeds(
            "192.0.2.0/24,NZ,,Auckland\n",
            "192.0.2.7 -41.29,174.78 Wellington lab\n*.lab.example.net 52.52,13.40 Berlin\n",
        );
        let e = f.find("192.0.2.7".parse().ok(), None).unwrap();
        assert_eq!(
            (e.kind, e.label.as_str()),
            (FeedKind::Override, "Wellington lab")
        );
        let e = f.find(None, Some("R1.Lab.Example.net.")).unwrap();
        assert_eq!(e.at, Some((52.52, 13.40)));
        assert!(f.find(None, Some("r1.example.net")).is_none());
        assert_eq!(
            f.find("192.0.2.8".parse().ok(), None).unwrap().kind,
            FeedKind::Geofeed
        );
    }

    #[test]
    fn globs() {
        assert!(glob("*.fra*.example.net", "cr1.fra2.example.net"));
        assert!(!glob("*.fra*.example.net", "cr1.ams2.example.net"));
        assert!(glob("exact.example", "exact.example"));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let e =
            parse_geofeed(Path::new("g.csv"), "192.0.2.0/24,NZ\nnot-a-prefix,NZ\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "g.csv:2: \"not-a-prefix\" is not an IP prefix"
        );
        let e = parse_geofeed(Path::new("g.csv"), "192.0.2.0/33,NZ\n").unwrap_err();
        assert!(e.to_string().starts_with("g.csv:1:"), "{e}");
        let e = parse_overrides(Path::new("o.txt"), "192.0.2.1 north\n").unwrap_err();
        assert!(e.to_string().starts_with("o.txt:1: \"north\""), "{e}");
        let e = parse_overrides(Path::new("o.txt"), "a/b? 1,2\n").unwrap_err();
        assert!(e.to_string().contains("neither a prefix"), "{e}");
    }
}
