//! From a router's host name to the places it may name, strongest first.
//!
//! Why these kinds and this order: a long squashed city name (`frankfurt`, `losangeles`) or
//! a six-letter CLLI code (`asbnva`) rarely happens by chance, so they outrank a three-letter
//! IATA code, which clashes with words and with operators' own codes (`ash` is Nashua's
//! airport, but Ashburn in router names). An operator's own code for the very network whose
//! domain the name is in outranks everything: it is how that operator names its sites.
//! Tokens that are router vocabulary (`core`, `ear`, `gig`, `pos`, …) are never hints.
//!
//! When the strongest tokens of one name disagree (two places more than
//! [`AGREE_KM`] apart), the name is ambiguous and gives nothing, except that long place names
//! and airport codes with a site number (`LosAngeles9`, `ord01`) outrank those without (a
//! customer's name written first, `CHUNGHWA-TE`; Akamai's backbone `icn`) when the
//! site-numbered ones agree ([`super::position::numbered_outrank`]). A token with several places
//! (`london`: England and Ontario) keeps them all, most populous first, for the consistency
//! checks to choose from; a two-letter qualifier label (`sanjose.ca`) narrows them first.
//!
//! The dictionaries themselves are looked up in [`super::lookup`]; this module decides which
//! of their readings a name's structure lets stand.
//!
//! **Country evidence** ([`super::country`]) confines every hint of a name to the countries
//! it names, and a three-letter token is read as those countries' UN/LOCODE first
//! (`se-sto` Stockholm, `de-fra` Frankfurt), then as an abbreviation of one of their cities
//! ([`super::abbrev`]: `FKT.DE`). A country known only from the top-level domain is where the
//! operator is registered: it chooses among a code's readings and rules out foreign ones,
//! except a city's own whole name (`dallas` under `.mx`), which is read abroad.
//!
//! **The operator's published map** ([`super::footprint`]): a token nothing else reads is
//! tried against the cities of the network's map, by a node's label there (GARR's `pd01`) or
//! by the beginning of a city's name (Janet's `lond`, `manckh`).
//!
//! **Structure before dictionaries.** A short token (airport code, UN/LOCODE, 4–5 letter
//! city, derived CLLI) is a site only where the name's structure says so: the token carries a
//! site number (`sjc03`), the name has router vocabulary (`ae`, `cr`, `core`, or an interface
//! part led by its speed, `10ge`), a country code written in the name, or a domain with a
//! known operator scheme. Otherwise the hint is marked `needs_support`, and the hints stage takes it only when GeoIP's city lies near it. Words
//! that merely spell a code (`notplaces.txt`: `nap`, `ixp`, `customer`) are never places;
//! service words (`servicewords.txt`: `tls`, `map`, `cdn`) only with a site number in a
//! router's name. The network's own name (`ren` in `renater.fr`) is not a place either, nor is
//! a state written as a label of its own (`vic`, `nsw` under `.au`). A UN/LOCODE is read only
//! in a country the name names, and even there a town under 100,000 people needs GeoIP's
//! agreement: under `us-` half of all three-letter codes are some UN/LOCODE, under `de-` one in
//! six, so an operator's own code (`us-man`, MAN LAN) spells a small town by chance. Where in
//! the name a token sits counts too ([`super::position`]). A miss is preferred to a confident
//! wrong city.
//!
//! CLLI codes (4 letters of place + 2 of state or country) are not freely published, so
//! besides a small hand-made table, a code is derived: the 4 letters must start a city's
//! squashed name and follow its letters in order (`chcg` in `chicago`, `lsan` in
//! `losangeles`), the 2 letters must be the city's state, province or country (with the
//! CLLI spellings `en`, `ge`, `sp`, `sw`, `si`, `pq`), and the city must have at least
//! 100,000 people (the list in `data/hints/regions.tsv`); the most populous such city wins.
//! The full eight-letter form (place, state, building: `washdcdn`) is read too, for US states
//! and Canadian provinces only.

use super::country::{self, Evidence};
use super::dict::{self, Place};
use super::footprint;
use super::lookup::{city_then_word, dictionary_hints, own_name, small_locode};
use super::position;
use super::stands::{at_home, clli_stands, hubs_first, minor_airport_stands};
use super::structure;
use super::tokens::{tokenize, Token};
use crate::distance::Method;

/// What kind of token named the place, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HintKind {
    /// A site-numbered code whose letters, in order, fit one city of the operator's map
    /// (IIJ's `osk004`: Osaka; [`super::footprint::abbreviated`]).
    MapAbbreviation,
    /// A code that abbreviates a city of the country the name names (`FKT.DE`: Frankfurt).
    Abbreviation,
    /// An IATA airport or metropolitan-area code (`fra`, `lon`).
    Airport,
    /// A city name of four or five letters (`rome`, `oslo`), or an operator code used by many
    /// networks (`ash`, `nyk`, `ldn`).
    Short,
    /// A UN/LOCODE: a three-letter code read in the country the name names (`se-kst`).
    Locode,
    /// A CLLI-style code derived from the city list.
    ClliDerived,
    /// The number of a subdivision of the named country, first in a label (`06-ulus`).
    Subdivision,
    /// A code read against the network's published map: a node's label there, or the
    /// beginning of one of its cities' names ([`super::footprint`]).
    Footprint,
    /// A city name of six letters or more, or a CLLI code from the hand-made table.
    Long,
    /// This network's own code for a site.
    Operator,
}

impl HintKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HintKind::MapAbbreviation => "abbreviation on the operator's map",
            HintKind::Abbreviation => "abbreviation in the named country",
            HintKind::Airport => "airport code",
            HintKind::Short => "place code",
            HintKind::Locode => "UN/LOCODE",
            HintKind::ClliDerived => "CLLI-style code",
            HintKind::Long => "place name",
            HintKind::Subdivision => "numbered subdivision",
            HintKind::Footprint => "code on the operator's map",
            HintKind::Operator => "operator's site code",
        }
    }

    /// Kinds that a short token can spell by chance: they count only where the name's
    /// structure says the token is a site, or GeoIP agrees.
    fn needs_structure(self) -> bool {
        matches!(
            self,
            HintKind::MapAbbreviation
                | HintKind::Abbreviation
                | HintKind::Airport
                | HintKind::Short
                | HintKind::Locode
                | HintKind::ClliDerived
        )
    }
}

/// A place a host name may name.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub place: Place,
    /// The token as written (`sjc03`, `Frankfurt1` lower-cased).
    pub token: String,
    pub kind: HintKind,
    /// Nothing in the name's structure says the token is a site (it has no site number,
    /// the name has no router vocabulary, no country code and no known operator scheme):
    /// the hint counts only when a city-level GeoIP answer agrees.
    pub needs_support: bool,
    /// The token's letters are followed at once by a digit (`sjc03`): a site number.
    pub site_number: bool,
}

/// What became of a token that no dictionary knows.
const NO_ENTRY: &str = "no dictionary entry";

/// A UN/LOCODE place smaller than this counts only where GeoIP agrees: the floor the airport
/// table and the derived CLLI codes use too (module docs).
pub const LOCODE_MIN_POPULATION: u32 = 100_000;

impl Hint {
    /// Why a hint that [`Hint::needs_support`] needs it, for `locate`.
    pub fn why_support(&self) -> &'static str {
        if small_locode(self) {
            "it is a town under 100,000 people"
        } else {
            "nothing in the name says it is a site"
        }
    }
}

/// A city's whole name is read outside the country of the top-level domain only for a city
/// of this many people or more (see `token_hints`).
const ABROAD_MIN_POPULATION: u32 = 500_000;

/// Places the strongest tokens of one name may be at and still agree.
pub const AGREE_KM: f64 = 150.0;

/// What one token gave, for `locate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tried {
    pub token: String,
    /// The places it may name (before the country filter), e.g. `airport code: Helsinki, FI`.
    pub entries: Vec<String>,
    /// What became of it.
    pub outcome: String,
}

/// Everything read from one name: the evidence behind [`hints`].
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub domain: String,
    pub countries: Evidence,
    /// The name has router or interface vocabulary (`ae`, `core`, `gw`).
    pub router_like: bool,
    /// The domain has codes of its own in the operator table.
    pub known_scheme: bool,
    pub tried: Vec<Tried>,
    /// The result: strongest kind first (see [`hints`]).
    pub hints: Vec<Hint>,
    /// Why the result is what it is, in one line.
    pub verdict: String,
}

/// The places `hostname` may name: the strongest kind first, then by token order, then the
/// most populous. Empty when nothing is named or the name is ambiguous.
pub fn hints(hostname: &str) -> Vec<Hint> {
    analyse(hostname).hints
}

/// Reads `hostname` (module docs) and says what each token gave.
pub fn analyse(hostname: &str) -> Analysis {
    let tokens = tokenize(hostname);
    let countries = country::evidence(&tokens);
    let written = analyse_in(&tokens, countries.clone());
    // Two letters at a label's end with nothing of theirs beside them (`nr-frankfurt1`
    // under `.de`, GARR's `ru-uni-parma-…-bo3`) may be a role: the domain's own country is
    // read as well, and wins when nothing reads in the written one or what reads there is of
    // a weaker kind (`parma`, another name of Perm, against GARR's node label `bo3`). Its
    // reading must have a site number, be a place's name or an abbreviation in the site
    // position (`tr-cps` under `.edu` stays unread: two letters and three are as often a
    // word of the scheme).
    let Some(domain) = countries.of_domain_country() else {
        return written;
    };
    let mut instead = analyse_in(&tokens, domain);
    let sited =
        |h: &Hint| h.site_number || h.kind >= HintKind::Long || h.kind == HintKind::Abbreviation;
    let Some(leader) = instead.hints.first().filter(|h| sited(h)) else {
        return written;
    };
    let stronger = written.hints.first().is_none_or(|w| leader.kind > w.kind);
    if !stronger {
        return written;
    }
    instead.verdict += &format!(
        " (read in the domain's country, {}: {} in {} of the name)",
        instead.countries.countries.join(","),
        if written.hints.is_empty() {
            "nothing reads"
        } else {
            "only a weaker reading"
        },
        countries.countries.join(",")
    );
    instead
}

/// Reads `tokens` within the countries of `countries` (see [`analyse`]).
fn analyse_in(tokens: &super::tokens::Tokens, countries: Evidence) -> Analysis {
    let ctx = Context {
        domain: &tokens.domain,
        router_like: structure::router_like(tokens),
        known_scheme: dict::has_operator_scheme(&tokens.domain),
        countries: &countries,
        labels: &tokens.host_labels,
    };
    let read: Vec<(Vec<Hint>, Vec<String>, String)> = tokens
        .tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            // A state written after a code (`crlt.vic`) makes it a locality of that state,
            // which a country-wide abbreviation cannot check.
            let before_state = tokens
                .host_labels
                .get(token.label + 1)
                .is_some_and(|l| country::is_region_label(l, &countries));
            let site = (position::before_device_part(&tokens.tokens, i)
                || position::after_role_label(&tokens.tokens, i))
                && !before_state;
            token_hints(token, site, &ctx)
        })
        .collect();
    let unread: Vec<bool> = read
        .iter()
        .map(|(found, entries, outcome)| {
            found.is_empty() && entries.is_empty() && outcome == NO_ENTRY
        })
        .collect();
    // A numbered label that reads as a place is as much a device's as one that reads as
    // nothing (Yahoo's `pat1.sjc`: `pat1` spells Patna's airport): the label after it is
    // still in the site's position, and the two then compete rather than the device winning.
    let device_like: Vec<bool> = read
        .iter()
        .zip(&unread)
        .map(|((found, _, _), &unread)| unread || !found.is_empty())
        .collect();
    let mut tried = Vec::new();
    let mut per_token: Vec<(usize, Vec<Hint>)> = Vec::new();
    for (i, (token, (mut found, entries, mut outcome))) in
        tokens.tokens.iter().zip(read).enumerate()
    {
        narrow(&mut found, token.qualifier.as_deref());
        hubs_first(&mut found);
        if !found.is_empty() && position::after_unread_word(&tokens.tokens, i, &unread) {
            found.clear();
            outcome = "not taken: the unread word before it may be the place, and this a site \
                       or router inside it"
                .into();
        }
        if position::after_device_label(&tokens.tokens, i, &device_like) {
            // The site position says it is a site: structure enough (a small town's
            // UN/LOCODE still needs GeoIP, for its size, not its position).
            for h in found.iter_mut() {
                h.needs_support &= small_locode(h);
            }
        }
        // A code read for the whole end of a label (`ap-southeast-2`) is shown as read.
        let shown = found.first().map_or(&token.text, |h| &h.token).clone();
        if !found.is_empty() {
            outcome = format!(
                "{}: {}{}",
                found[0].kind.as_str(),
                found[0].place.label(),
                if found[0].needs_support {
                    format!(" (only if GeoIP agrees: {})", found[0].why_support())
                } else {
                    String::new()
                }
            );
            per_token.push((token.label, found));
        }
        tried.push(Tried {
            token: shown,
            entries,
            outcome,
        });
    }
    for (label, number, place) in country::numbered_subdivisions(tokens, &countries) {
        tried.push(Tried {
            token: number.clone(),
            entries: vec![format!("numbered subdivision: {}", place.label())],
            outcome: format!("numbered subdivision: {}", place.label()),
        });
        per_token.push((
            label,
            vec![Hint {
                place,
                token: number,
                kind: HintKind::Subdivision,
                needs_support: false,
                site_number: false,
            }],
        ));
    }
    let mut analysis = Analysis {
        domain: tokens.domain.clone(),
        countries: countries.clone(),
        router_like: ctx.router_like,
        known_scheme: ctx.known_scheme,
        tried,
        hints: Vec::new(),
        verdict: String::new(),
    };
    // A token that only GeoIP's agreement could make a place (a small town's UN/LOCODE, a
    // code the structure does not back) does not make ambiguous a name whose other tokens
    // stand by themselves (`cr-erl2-be5.x-win`: Winsen's `win` against Erlangen).
    if per_token.iter().any(|(_, h)| !h[0].needs_support) {
        per_token.retain(|(_, h)| !h[0].needs_support);
    }
    let Some(top) = per_token.iter().map(|(_, h)| h[0].kind).max() else {
        analysis.verdict = "no token names a place".into();
        return analysis;
    };
    // The strongest tokens' first places must agree.
    let agree = |group: &[&Place]| {
        group
            .iter()
            .all(|a| group.iter().all(|b| km(a, b) <= AGREE_KM))
    };
    let leaders: Vec<&Place> = per_token
        .iter()
        .filter(|(_, h)| h[0].kind == top)
        .map(|(_, h)| &h[0].place)
        .collect();
    if leaders.iter().any(|p| *p != leaders[0]) {
        // Site-numbered codes in different labels: the one nearest the domain is the site,
        // also when the places are near enough to agree (`rs1-to01-rs1-mi02.mi02`: a link
        // from Turin, on the router in Milan, 125 km away).
        let labelled: Vec<(usize, &Hint)> = per_token
            .iter()
            .filter(|(_, h)| h[0].kind == top)
            .map(|(l, h)| (*l, &h[0]))
            .collect();
        if let Some(site) = position::rightmost_site(&labelled) {
            per_token.retain(|(l, h)| h[0].kind != top || *l == site);
        }
    }
    let leaders: Vec<&Place> = per_token
        .iter()
        .filter(|(_, h)| h[0].kind == top)
        .map(|(_, h)| &h[0].place)
        .collect();
    if !agree(&leaders) {
        let labelled: Vec<(usize, &Hint)> = per_token
            .iter()
            .filter(|(_, h)| h[0].kind == top)
            .map(|(l, h)| (*l, &h[0]))
            .collect();
        if position::numbered_outrank(&labelled, &agree) {
            per_token.retain(|(_, h)| h[0].kind != top || h[0].site_number);
        }
    }
    let leaders: Vec<&Place> = per_token
        .iter()
        .filter(|(_, h)| h[0].kind == top)
        .map(|(_, h)| &h[0].place)
        .collect();
    if !agree(&leaders) {
        analysis.verdict = format!(
            "ambiguous: the {} tokens name places more than {AGREE_KM} km apart",
            top.as_str()
        );
        return analysis;
    }
    let mut all: Vec<Hint> = per_token.into_iter().flat_map(|(_, h)| h).collect();
    all.sort_by_key(|h| std::cmp::Reverse(h.kind)); // stable: token order, then population
    analysis.verdict = format!(
        "{} {:?} names {}",
        all[0].kind.as_str(),
        all[0].token,
        all[0].place.label()
    );
    analysis.hints = all;
    analysis
}

/// What every token of one name is read against.
struct Context<'a> {
    domain: &'a str,
    router_like: bool,
    known_scheme: bool,
    countries: &'a Evidence,
    /// The host's labels, lower case (`saplbr02`, `br`, `bb`, `gin`).
    labels: &'a [String],
}

/// Every place one token may name, best first, the dictionary entries it matched, and a
/// note on what became of it when nothing is left.
fn token_hints(
    token: &Token,
    site_position: bool,
    ctx: &Context<'_>,
) -> (Vec<Hint>, Vec<String>, String) {
    // Structure before dictionaries: a site number, router vocabulary, a country code in
    // the name, or an operator's known scheme says a short token is a site.
    let structural = token.site_number
        || ctx.router_like
        || ctx.known_scheme
        || ctx.countries.origin == Some(country::Origin::Name);
    // The site position (a word before a numbered device part, a label after a role's) is
    // structure enough for an airport code or an abbreviation there (`wro-r11`, `kra-r2`).
    // So is a place of the top-level domain's own country written whole (`static-pune`,
    // `dynamic.kzn`: [`super::stands::at_home`]).
    let hint = |place: Place, kind: HintKind| Hint {
        needs_support: kind.needs_structure()
            && !(structural
                || (matches!(kind, HintKind::Abbreviation | HintKind::Airport) && site_position)
                || at_home(kind, &place, token, ctx.countries)),
        place,
        token: token.text.clone(),
        kind,
        site_number: token.site_number,
    };
    let mut found: Vec<Hint> = Vec::new();
    // Operators' own codes may include digits (`la2ca`), be a single letter (`s`), or span
    // the end of a label across hyphens (AWS's `ap-southeast-2`, read with the label's first
    // token: [`structure::label_codes`]).
    let label = ctx
        .labels
        .get(token.label)
        .map(String::as_str)
        .unwrap_or("");
    let whole = structure::label_codes(label).filter(|_| token.part == 0 && token.width == 1);
    for code in whole.chain([token.text.as_str(), token.alpha.as_str()]) {
        if let Some((place, own)) = dict::operator(ctx.domain, code) {
            if own {
                found.push(Hint {
                    token: code.to_string(),
                    ..hint(place, HintKind::Operator)
                });
                break;
            }
            if !dict::is_stopword(code) {
                found.push(hint(place, HintKind::Short));
                break;
            }
        }
    }
    // Vehicle registration codes, in networks that name their sites by them (`F` in
    // `f-ee7-i.F.DE.NET.DTAG.DE`), only without a site number (`eb6` is a device).
    if found.is_empty() && !token.site_number {
        if let Some(place) = dict::vehicle_code(ctx.domain, &token.alpha) {
            found.push(hint(place, HintKind::Operator));
        }
    }
    let alpha = token.alpha.as_str();
    if found.is_empty() {
        if dict::is_stopword(alpha) {
            return (Vec::new(), Vec::new(), "not a place (vocabulary)".into());
        }
        if structure::is_network_name(token, ctx.domain) {
            return (
                Vec::new(),
                Vec::new(),
                "not a place (the network's own name)".into(),
            );
        }
        if dict::is_service_word(alpha) && !(token.site_number && ctx.router_like) {
            return (
                Vec::new(),
                Vec::new(),
                "not a place (a service word without a site number in a router's name)".into(),
            );
        }
        if country::is_region_label(alpha, ctx.countries) {
            return (
                Vec::new(),
                Vec::new(),
                "not a place (a state or territory of the named country)".into(),
            );
        }
        found = dictionary_hints(alpha, ctx.countries, site_position, &hint);
        found.retain(|h| clli_stands(h, token, ctx.countries, ctx.labels, ctx.known_scheme));
        // A UN/LOCODE of a small town (`se-brm`: Bromölla; `de-hmb`: Hammelburg) is more
        // often an operator's own code that happens to spell one (module docs).
        for h in found.iter_mut() {
            h.needs_support |= small_locode(h);
        }
    }
    let mut entries: Vec<String> = found
        .iter()
        .map(|h| format!("{}: {}", h.kind.as_str(), h.place.label()))
        .collect();
    let before = found.len();
    // A top-level domain says where the operator is registered, not where each of its
    // routers stands: a great city's whole name as the city itself writes it (`dallas` under
    // `.mx`, or followed by a short word: `chicagodt` under `.ca`; not another language's
    // name, `sophia` for Sofia; not a smaller town's, which may as well be a district at
    // home: `bishan` under `.sg`) is read abroad when it names no place in that country. A
    // country written in the name confines everything.
    if found.iter().any(|h| ctx.countries.allows(h.place.cc)) {
        found.retain(|h| ctx.countries.allows(h.place.cc));
    } else if ctx.countries.origin == Some(country::Origin::Tld) {
        let with_word = city_then_word(alpha);
        found.retain(|h| {
            h.kind == HintKind::Long
                && h.place.population >= ABROAD_MIN_POPULATION
                && (own_name(&h.place, alpha) || with_word.contains(&h.place))
        });
    } else {
        found.clear();
    }
    // A minor airport's code (Kindu's `knd`, Kosti's `kst`) is as likely an operator's own
    // letters: it stands only in a name whose country is the airport's, for a metropolis's
    // second airport or one on the operator's map, or where GeoIP agrees.
    if ctx.countries.countries.is_empty() {
        for h in found.iter_mut() {
            if h.kind == HintKind::Airport
                && !dict::is_major_airport(alpha)
                && !minor_airport_stands(&h.place, ctx.domain)
            {
                h.needs_support = true;
            }
        }
    }
    if found.is_empty() && !dict::is_stopword(alpha) {
        if let Some(place) = footprint::place(alpha, token.site_number, ctx.domain)
            .filter(|p| ctx.countries.allows(p.cc))
        {
            let h = hint(place, HintKind::Footprint);
            entries.push(format!("{}: {}", h.kind.as_str(), h.place.label()));
            found.push(h);
        } else if let Some(place) = footprint::abbreviated(alpha, token.site_number, ctx.domain)
            .filter(|p| ctx.countries.allows(p.cc))
        {
            let h = hint(place, HintKind::MapAbbreviation);
            entries.push(format!("{}: {}", h.kind.as_str(), h.place.label()));
            found.push(h);
        }
    }
    let outcome = if before > 0 && found.is_empty() {
        format!(
            "rejected: outside the named countr{} {}",
            if ctx.countries.countries.len() > 1 {
                "ies"
            } else {
                "y"
            },
            ctx.countries.countries.join(",")
        )
    } else {
        NO_ENTRY.into()
    };
    (found, entries, outcome)
}

/// Keeps the places in the qualifier's state or country, if any of them are.
fn narrow(hints: &mut Vec<Hint>, qualifier: Option<&str>) {
    let Some(q) = qualifier else { return };
    let matches = |p: &Place| {
        let q = q.to_ascii_uppercase();
        p.admin1 == q || p.cc == q || (q == "UK" && p.cc == "GB")
    };
    if hints.iter().any(|h| matches(&h.place)) {
        hints.retain(|h| matches(&h.place));
    }
}

/// Great-circle distance between two places, in km.
pub(super) fn km(a: &Place, b: &Place) -> f64 {
    Method::Haversine.metres((a.lat, a.lon), (b.lat, b.lon)) / 1000.0
}
