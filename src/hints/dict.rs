//! The geohint dictionaries: airports, cities, CLLI codes, operators' own codes, countries,
//! operators' footprints (the cities where a network has nodes) and the vehicle registration
//! codes some networks name their sites by.
//!
//! Why compiled in and searched in place: the tables are small (~3 MB, almost all of it city
//! names) and every trace may need them, so they are part of the binary (`include_str!`) and
//! never depend on a data directory being found. Parsing 60,000 lines into maps would cost
//! milliseconds on every run for the handful of tokens a trace has, so instead each table is
//! indexed once, lazily, by the byte offset of each line (one pass over the text), and a key
//! is found by binary search over those lines (the files are sorted by key; a test checks it).
//! Only the lines that match are parsed. The data files are built by `data/hints/build.py`
//! (see `data/README.md` for sources and licences).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use thiserror::Error;

/// A place a dictionary names.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub cc: &'static str,
    /// US state or Canadian province postal code, else "-".
    pub admin1: &'static str,
    /// For cities their population; for airport codes the largest city within 30 km.
    pub population: u32,
    pub name: &'static str,
}

impl Place {
    /// "Frankfurt am Main, DE" or "San Jose, CA, US".
    pub fn label(&self) -> String {
        if self.admin1 == "-" {
            format!("{}, {}", self.name, self.cc)
        } else {
            format!("{}, {}, {}", self.name, self.admin1, self.cc)
        }
    }
}

/// A line of a data file that cannot be read (only tests and `check` report these: the data
/// is compiled in, so a bad line is a build mistake, and lookups skip it).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DataError {
    #[error("data/hints/{file} line {line}: {reason}")]
    Line {
        file: &'static str,
        line: usize,
        reason: String,
    },
    #[error("data/hints/{file}: keys not sorted at line {line}")]
    Unsorted { file: &'static str, line: usize },
}

/// One sorted TSV table: the text and where its data lines start.
struct Table {
    file: &'static str,
    text: &'static str,
    /// Columns before the place columns (1: key; operators: domain and code).
    keys: usize,
    /// Columns after the place columns (footprints: the source's own label).
    trailing: usize,
    lines: OnceLock<Vec<u32>>,
}

impl Table {
    const fn new(file: &'static str, text: &'static str, keys: usize) -> Table {
        Table {
            file,
            text,
            keys,
            trailing: 0,
            lines: OnceLock::new(),
        }
    }

    /// The same table with `n` columns after the place columns.
    const fn trailing(mut self, n: usize) -> Table {
        self.trailing = n;
        self
    }

    /// The place of a data line: the columns between the keys and the trailing ones.
    fn place(&self, line: &'static str) -> Option<Place> {
        let mut body = line;
        for _ in 0..self.trailing {
            let (rest, last) = body.rsplit_once('\t')?;
            if last.trim().is_empty() {
                return None;
            }
            body = rest;
        }
        parse_place(body, self.keys)
    }

    fn lines(&self) -> &[u32] {
        self.lines.get_or_init(|| {
            let mut starts = Vec::new();
            let mut at = 0usize;
            for line in self.text.split_inclusive('\n') {
                if !line.starts_with('#') && !line.trim().is_empty() {
                    starts.push(at as u32);
                }
                at += line.len();
            }
            starts
        })
    }

    fn line(&self, i: usize) -> &'static str {
        let start = self.lines()[i] as usize;
        let rest = &self.text[start..];
        rest.split('\n').next().unwrap_or_default()
    }

    /// The key columns of line `i`, joined by a tab.
    fn key(&self, i: usize) -> &'static str {
        let line = self.line(i);
        let mut end = 0;
        for (n, field) in line.split('\t').take(self.keys).enumerate() {
            end += field.len() + usize::from(n > 0);
        }
        &line[..end]
    }

    /// The data lines whose key columns equal `key` (tab-joined), in file order: a binary
    /// search for the first, then a walk.
    fn matching(&self, key: &str) -> impl Iterator<Item = &'static str> + '_ {
        let (mut lo, mut hi) = (0, self.lines().len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.key(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let key = key.to_string();
        (lo..self.lines().len())
            .take_while(move |&i| self.key(i) == key)
            .map(|i| self.line(i))
    }

    /// The data lines whose key columns start with `prefix`.
    fn matching_prefix(&self, prefix: &str) -> impl Iterator<Item = &'static str> + '_ {
        let (mut lo, mut hi) = (0, self.lines().len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.line(mid) < prefix {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let prefix = prefix.to_string();
        (lo..self.lines().len())
            .map(|i| self.line(i))
            .take_while(move |l| l.starts_with(&prefix))
    }

    /// Every place whose key columns equal `key` (tab-joined), in file order.
    fn find(&self, key: &str) -> Vec<Place> {
        self.matching(key).filter_map(|l| self.place(l)).collect()
    }

    /// Checks every line: the right number of fields, numbers that parse, sorted keys.
    fn check(&self) -> Result<usize, DataError> {
        let mut previous = String::new();
        for (n, line) in self.text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if self.place(line).is_none() {
                return Err(DataError::Line {
                    file: self.file,
                    line: n + 1,
                    reason: format!(
                        "expected {} key column(s), then lat, lon, cc, admin1, population, name, \
                         then {} more",
                        self.keys, self.trailing
                    ),
                });
            }
            let key = line
                .split('\t')
                .take(self.keys)
                .collect::<Vec<_>>()
                .join("\t");
            if key < previous {
                return Err(DataError::Unsorted {
                    file: self.file,
                    line: n + 1,
                });
            }
            previous = key;
        }
        Ok(self.lines().len())
    }
}

/// `lat lon cc admin1 population [kind] name` after `keys` key columns.
fn parse_place(line: &'static str, keys: usize) -> Option<Place> {
    let fields: Vec<&'static str> = line.split('\t').skip(keys).collect();
    let (lat, lon, cc, admin1, population, name) = match fields.as_slice() {
        [lat, lon, cc, admin1, pop, name] | [lat, lon, cc, admin1, pop, _, name] => {
            (*lat, *lon, *cc, *admin1, *pop, *name)
        }
        _ => return None,
    };
    let lat: f64 = lat.parse().ok().filter(|v: &f64| v.abs() <= 90.0)?;
    let lon: f64 = lon.parse().ok().filter(|v: &f64| v.abs() <= 180.0)?;
    if cc.len() != 2 || name.is_empty() {
        return None;
    }
    Some(Place {
        lat,
        lon,
        cc,
        admin1,
        population: population.parse().ok()?,
        name,
    })
}

static CITIES: Table = Table::new("cities.tsv", include_str!("../../data/hints/cities.tsv"), 1);
static AIRPORTS: Table = Table::new(
    "airports.tsv",
    include_str!("../../data/hints/airports.tsv"),
    1,
);
static REGIONS: Table = Table::new(
    "regions.tsv",
    include_str!("../../data/hints/regions.tsv"),
    1,
);
static CLLI: Table = Table::new("clli.tsv", include_str!("../../data/hints/clli.tsv"), 1);
static OPERATORS: Table = Table::new(
    "operators.tsv",
    include_str!("../../data/hints/operators.tsv"),
    2,
);
static VEHICLE_CODES: Table = Table::new(
    "vehicle_codes.tsv",
    include_str!("../../data/hints/vehicle_codes.tsv"),
    2,
);
static LOCODE: Table = Table::new("locode.tsv", include_str!("../../data/hints/locode.tsv"), 2);
static SUBDIVISIONS: Table = Table::new(
    "subdivisions.tsv",
    include_str!("../../data/hints/subdivisions.tsv"),
    2,
);
static FOOTPRINTS: Table = Table::new(
    "footprints.tsv",
    include_str!("../../data/hints/footprints.tsv"),
    1,
)
.trailing(1);
const COUNTRIES: &str = include_str!("../../data/hints/countries.tsv");
const STOPWORDS: &str = include_str!("../../data/hints/stopwords.txt");
const NOT_PLACES: &str = include_str!("../../data/hints/notplaces.txt");
const SERVICE_WORDS: &str = include_str!("../../data/hints/servicewords.txt");
const MAJOR_AIRPORTS: &str = include_str!("../../data/hints/major_airports.txt");

/// City names (squashed: lower case ASCII letters only), most populous first.
pub fn cities(key: &str) -> Vec<Place> {
    CITIES.find(key)
}

/// The other names (squashed) of a city of 100,000 people or more, as `cities.tsv` lists
/// them (`moskva`, `ekaterinburg`, `sanktpeterburg`): how it is written in its own language,
/// or transliterated another way.
pub fn other_names(place: &Place) -> &'static [&'static str] {
    type Names = HashMap<(&'static str, &'static str, u32), Vec<&'static str>>;
    static MAP: OnceLock<Names> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut map = Names::new();
        for i in 0..CITIES.lines().len() {
            let line = CITIES.line(i);
            let mut fields = line.split('\t');
            let key = fields.next().unwrap_or_default();
            let rest: Vec<&str> = fields.collect();
            let [_, _, cc, _, pop, "a", name] = rest.as_slice() else {
                continue;
            };
            let Ok(pop) = pop.parse::<u32>() else {
                continue;
            };
            if pop >= 100_000 {
                map.entry((*name, *cc, pop)).or_default().push(key);
            }
        }
        map
    });
    map.get(&(place.name, place.cc, place.population))
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// An IATA airport or metropolitan-area code (lower case).
pub fn airport(code: &str) -> Option<Place> {
    AIRPORTS.find(code).into_iter().next()
}

/// A CLLI-style six-letter code from the hand-made table.
pub fn clli(code: &str) -> Option<Place> {
    CLLI.find(code).into_iter().next()
}

/// An operator's own code: first the entry for `domain`, then one for any network (`*`).
pub fn operator(domain: &str, code: &str) -> Option<(Place, bool)> {
    if let Some(p) = OPERATORS
        .find(&format!("{domain}\t{code}"))
        .into_iter()
        .next()
    {
        return Some((p, true));
    }
    OPERATORS
        .find(&format!("*\t{code}"))
        .into_iter()
        .next()
        .map(|p| (p, false))
}

/// The cities where the network of a registered domain (`ja.net`, `nordu.net`) had nodes on
/// its published network map (the Internet Topology Zoo's transcriptions of 2007–2012), with
/// the labels the map gives each node there (`"PD; PD-2"`, `"NNW"`), most populous first;
/// empty for a domain the table does not have.
pub fn footprint_nodes(domain: &str) -> Vec<(Place, &'static str)> {
    FOOTPRINTS
        .matching(&domain.to_ascii_lowercase())
        .filter_map(|l| Some((FOOTPRINTS.place(l)?, l.rsplit('\t').next()?)))
        .collect()
}

/// The city a German vehicle registration code (`f`, `ko`) names in a network that names its
/// sites by them (`data/hints/build_vehicle_codes.py`).
pub fn vehicle_code(domain: &str, code: &str) -> Option<Place> {
    VEHICLE_CODES
        .find(&format!("{domain}\t{code}"))
        .into_iter()
        .next()
}

/// The seat of a numbered subdivision (`TR`, `06`: Ankara), for countries whose operators
/// write the number in router names (`data/hints/build_subdivisions.py`).
pub fn subdivision(cc: &str, number: &str) -> Option<Place> {
    SUBDIVISIONS
        .find(&format!("{cc}\t{number}"))
        .into_iter()
        .next()
}

/// A UN/LOCODE location: country code and three-letter code, both lower case.
pub fn locode(cc: &str, code: &str) -> Option<Place> {
    LOCODE.find(&format!("{cc}\t{code}")).into_iter().next()
}

/// Whether `domain` has codes of its own in the operator table (a known naming scheme).
pub fn has_operator_scheme(domain: &str) -> bool {
    !domain.is_empty()
        && OPERATORS
            .matching_prefix(&format!("{domain}\t"))
            .next()
            .is_some()
}

fn word_set(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect()
}

/// Router and interface vocabulary (`core`, `ae`, `gw`): never a place, and a sign that the
/// name is a router's.
pub fn is_router_word(token: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| word_set(STOPWORDS)).contains(token)
}

/// Service, protocol and software words (`tls`, `map`, `cdn`): places only where a router's
/// name gives them a site number.
pub fn is_service_word(token: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| word_set(SERVICE_WORDS)).contains(token)
}

/// Whether an airport code names a large airport or a metropolitan area (`fra`, `nyc`), not a
/// minor airport whose code is as likely an operator's own letters (`knd`, `kst`).
pub fn is_major_airport(code: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| word_set(MAJOR_AIRPORTS)).contains(code)
}

/// The places of the large airports and metropolitan areas of [`is_major_airport`].
pub fn major_airports() -> &'static [Place] {
    static PLACES: OnceLock<Vec<Place>> = OnceLock::new();
    PLACES.get_or_init(|| {
        word_set(MAJOR_AIRPORTS)
            .into_iter()
            .filter_map(airport)
            .collect()
    })
}

/// Tokens that are never hints: router vocabulary, and words that merely spell a code or a
/// city (`nap`, `tls`, `map`, `reading`).
pub fn is_stopword(token: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    is_router_word(token) || SET.get_or_init(|| word_set(NOT_PLACES)).contains(token)
}

/// A country's continent code (AF, AN, AS, EU, NA, OC, SA) and its land neighbours.
pub fn country(cc: &str) -> Option<(&'static str, &'static str)> {
    static MAP: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    MAP.get_or_init(|| {
        COUNTRIES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?, (f.next()?, f.next()?)))
            })
            .collect()
    })
    .get(cc)
    .copied()
}

/// Cities of 100,000 people or more in a region (a US state or Canadian province, or a
/// country), most populous first, each with its squashed name: for deriving CLLI codes.
pub fn cities_in(region: Region<'_>) -> Vec<(&'static str, Place)> {
    let key = match region {
        Region::Admin1(cc, admin1) => format!("{cc}-{admin1}"),
        Region::Country(cc) => cc.to_string(),
    };
    REGIONS
        .matching(&key)
        .filter_map(|l| Some((l.split('\t').nth(6)?, parse_place(l, 1)?)))
        .collect()
}

/// Where a CLLI-style code's last two letters point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region<'a> {
    /// A US state or Canadian province: country code and postal abbreviation.
    Admin1(&'a str, &'a str),
    /// A country.
    Country(&'a str),
}

/// Checks every data file (for tests): field counts, numbers, sort order. Returns the number
/// of entries in cities, airports, CLLI, operator, UN/LOCODE and footprint tables.
pub fn check() -> Result<[usize; 6], DataError> {
    REGIONS.check()?;
    SUBDIVISIONS.check()?;
    VEHICLE_CODES.check()?;
    Ok([
        CITIES.check()?,
        AIRPORTS.check()?,
        CLLI.check()?,
        OPERATORS.check()?,
        LOCODE.check()?,
        FOOTPRINTS.check()?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn footprint(domain: &str) -> Vec<Place> {
        footprint_nodes(domain)
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    fn names(domain: &str) -> Vec<&'static str> {
        footprint(domain).iter().map(|p| p.name).collect()
    }

    #[test]
    fn footprints_name_the_cities_of_a_network() {
        let janet = names("ja.net");
        for city in ["London", "Manchester"] {
            assert!(janet.contains(&city), "ja.net: {janet:?}");
        }
        let nordunet = names("nordu.net");
        for city in ["Reykjavík", "Hamburg", "Stockholm"] {
            assert!(nordunet.contains(&city), "nordu.net: {nordunet:?}");
        }
        // A city is listed once per network, the most populous first.
        let places = footprint("ja.net");
        assert_eq!(places[0].name, "London");
        assert!(places
            .windows(2)
            .all(|w| w[0].population >= w[1].population));
        let mut unique = janet.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), janet.len(), "{janet:?}");
        // Case does not matter; each domain has its own cities.
        assert_eq!(names("JA.NET"), janet);
        assert!(!janet.contains(&"Reykjavík"));
    }

    #[test]
    fn an_unknown_domain_has_no_footprint() {
        assert!(footprint("example.net").is_empty());
        assert!(footprint("").is_empty());
        // A prefix of a domain in the table is not that domain.
        assert!(footprint("ja").is_empty());
        assert!(footprint("nordu.ne").is_empty());
    }

    #[test]
    fn a_trailing_column_is_not_read_as_the_name() {
        static TABLE: Table = Table::new(
            "test.tsv",
            "# d\tlat\tlon\tcc\tadmin1\tpopulation\tname\tlabel\n\
             a.net\t51.5\t-0.1\tGB\t-\t8961989\tLondon\tLON; TVN\n\
             b.net\t53.5\t-2.2\tGB\t-\t395515\tManchester\t\n",
            1,
        )
        .trailing(1);
        let london = TABLE.find("a.net");
        assert_eq!(london.len(), 1);
        assert_eq!(london[0].name, "London");
        // A line without its trailing column is a bad line.
        assert!(TABLE.find("b.net").is_empty());
        assert!(matches!(
            TABLE.check(),
            Err(DataError::Line { line: 3, .. })
        ));
    }
}
