//! Host names in the conventions of real backbones (written for these tests from the
//! operators' public naming habits, not copied from traces), names that must give nothing,
//! the dictionaries, and the rules on small hand-made paths.

use super::checks::{self, GeoClass, Point};
use super::*;
use crate::geo::Location;
use crate::path::Responder;

/// Where `name` is placed by itself (hints that need GeoIP's support do not count).
pub(super) fn placed(name: &str) -> Option<String> {
    hints(name)
        .into_iter()
        .find(|h| !h.needs_support)
        .map(|h| h.place.label())
}

/// The first place `name` gives: (city, country).
pub(super) fn first(name: &str) -> Option<(&'static str, &'static str)> {
    hints(name).first().map(|h| (h.place.name, h.place.cc))
}

fn assert_names(cases: &[(&str, &str, &str)]) {
    for (name, city, cc) in cases {
        assert_eq!(first(name), Some((*city, *cc)), "{name}");
    }
}

#[test]
fn lumen_level3_squashed_city_names() {
    assert_names(&[
        ("ae-2-3602.ear2.London1.Level3.net", "London", "GB"),
        (
            "ae-1-3501.ear1.Frankfurt1.Level3.net",
            "Frankfurt am Main",
            "DE",
        ),
        ("lag-12.ear3.SanJose1.Level3.net", "San Jose", "US"),
        ("ae-11.edge5.Washington12.Level3.net", "Washington", "US"),
        (
            "ae-0-11.bar1.SanFrancisco1.Level3.net",
            "San Francisco",
            "US",
        ),
        ("ae-1-60.edge3.NewYork1.Level3.net", "New York City", "US"),
        ("lo-0-v4.ear1.Dallas1.Level3.net", "Dallas", "US"),
        (
            "ae1.3504.edge4.Amsterdam1.net.lumen.tech",
            "Amsterdam",
            "NL",
        ),
    ]);
}

#[test]
fn cogent_iata_codes_with_site_numbers() {
    assert_names(&[
        ("be3294.ccr41.sjc03.atlas.cogentco.com", "San Jose", "US"),
        ("be2317.ccr41.lon13.atlas.cogentco.com", "London", "GB"),
        ("be3042.ccr21.ymq01.atlas.cogentco.com", "Montréal", "CA"),
        ("be2831.ccr41.ord01.atlas.cogentco.com", "Chicago", "US"),
        ("be2960.ccr22.muc03.atlas.cogentco.com", "Munich", "DE"),
    ]);
}

#[test]
fn ntt_clli_codes_with_country_labels() {
    assert_names(&[
        ("ae-5.r24.asbnva02.us.bb.gin.ntt.net", "Ashburn", "US"),
        ("ae-1.r20.londen12.uk.bb.gin.ntt.net", "London", "GB"),
        ("xe-0-0-0.r02.tokyjp05.jp.bb.gin.ntt.net", "Tokyo", "JP"),
        (
            "ae-3.r21.frnkge13.de.bb.gin.ntt.net",
            "Frankfurt am Main",
            "DE",
        ),
        ("ae-9.r24.nycmny01.us.bb.gin.ntt.net", "New York City", "US"),
        // Not in the hand-made table: derived from the city list.
        ("ae-2.r22.dllstx09.us.bb.gin.ntt.net", "Dallas", "US"),
        ("ae-0.r20.sydnau02.au.bb.gin.ntt.net", "Sydney", "AU"),
    ]);
}

#[test]
fn hurricane_electric_codes_and_its_own() {
    assert_names(&[
        ("100ge14-1.core1.sjc2.he.net", "San Jose", "US"),
        ("port-channel1.core3.lon2.he.net", "London", "GB"),
        // Operators' codes beat the clashing airports (Nashua, Torrington).
        ("10ge3-2.core1.ash1.he.net", "Ashburn", "US"),
        ("100ge0-33.core2.tor1.he.net", "Toronto", "CA"),
        ("e0-1.core1.fmt2.he.net", "Fremont", "US"),
        ("100ge9-1.core1.kcm1.he.net", "Kansas City", "US"),
    ]);
}

#[test]
fn arelion_codes_in_the_first_label() {
    assert_names(&[
        ("ldn-bb1-link.ip.twelve99.net", "London", "GB"),
        ("ffm-bb2-link.ip.twelve99.net", "Frankfurt am Main", "DE"),
        ("nyk-bb1-link.ip.twelve99.net", "New York City", "US"),
        // Arelion's own codes, not the airports (San José, Costa Rica; Las Vegas).
        ("sjo-b23-link.ip.twelve99.net", "San Jose", "US"),
        ("las-b22-link.ip.twelve99.net", "Los Angeles", "US"),
        ("s-bb1-link.telia.net", "Stockholm", "SE"),
    ]);
    // Elsewhere `sjo` is the airport.
    assert_eq!(first("xe-0.cr1.sjo1.example.net"), Some(("San Jose", "CR")));
}

#[test]
fn zayo_gtt_tata_comcast_verizon_att() {
    assert_names(&[
        ("ae27.cs1.lhr15.uk.eth.zayo.com", "London", "GB"),
        ("ae5.cs3.ord2.us.eth.zayo.com", "Chicago", "US"),
        ("ae1-0.cr0-fra2.ip4.gtt.net", "Frankfurt am Main", "DE"),
        ("et-4-1-0.cr11-sjc2.ip4.gtt.net", "San Jose", "US"),
        ("if-ae-2-2.tcore1.ldn-london.as6453.net", "London", "GB"),
        (
            "if-ae-12-2.tcore1.lvw-losangeles.as6453.net",
            "Los Angeles",
            "US",
        ),
        ("if-et-1-2.hcore1.kv8-chiba.as6453.net", "Chiba", "JP"),
        ("be-10.cr01.sanjose.ca.ibone.comcast.net", "San Jose", "US"),
        ("be-1102-cs01.ashburn.va.ibone.comcast.net", "Ashburn", "US"),
        ("0.ae1.BR1.NYC4.ALTER.NET", "New York City", "US"),
        ("cr2.dlstx.ip.att.net", "Dallas", "US"),
        ("cr1.la2ca.ip.att.net", "Los Angeles", "US"),
    ]);
}

#[test]
fn qualifiers_choose_among_same_named_places() {
    let places: Vec<_> = hints("xe-1.cr1.london.on.example.ca")
        .into_iter()
        .map(|h| (h.place.name, h.place.admin1))
        .collect();
    assert_eq!(places, [("London", "ON")]);
    // Without one, every London is offered, the most populous first, for the checks.
    let places: Vec<_> = hints("xe-1.cr1.london.example.net")
        .into_iter()
        .map(|h| h.place.cc)
        .collect();
    assert_eq!(places, ["GB", "CA"]);
}

#[test]
fn names_that_are_not_hints() {
    for name in [
        "dsl-static-123.example.net",
        "ip-10-0-0-1.ec2.internal",
        "customer.mobile.example.com",
        "core1.edge.example.net",
        "host-ten.gig.pos.example.net",
        "ae-3.ear2.example.net",
        "xe-0-0-0.gw1.bar.example.net",
        "ns1.example.org",
        "static.123.45.67.89.clients.your-server.de",
        "cpe-1-2-3-4.res.example.com",
        "router.reading.example.co.uk",
        "border-access-switch.example.net",
        "100ge0-33.529bryant.ca.example.net",
        "localhost",
        "example.net",
    ] {
        assert_eq!(hints(name), Vec::new(), "{name}");
    }
}

#[test]
fn disagreeing_strong_tokens_make_a_name_ambiguous() {
    // Two city names far apart: which end of the link is this?
    assert!(hints("frankfurt-london-link.example.net").is_empty());
    // Agreeing tokens are fine (Tata's "ldn-london").
    assert!(!hints("tcore1.ldn-london.as6453.net").is_empty());
}

#[test]
fn dictionaries_are_well_formed_sorted_and_complete() {
    let [cities, airports, clli, operators, locode, footprints] = check_data().unwrap();
    assert!(cities > 40_000, "{cities}");
    assert!(footprints > 1_000, "{footprints}");
    assert!(locode > 20_000, "{locode}");
    assert_eq!(dict::locode("se", "sto").unwrap().name, "Stockholm");
    assert_eq!(dict::subdivision("TR", "06").unwrap().name, "Ankara");
    assert_eq!(dict::subdivision("TR", "41").unwrap().name, "İzmit");
    assert!(dict::subdivision("TR", "82").is_none());
    assert!(airports > 2_000, "{airports}");
    assert!(clli > 50 && operators > 40, "{clli} {operators}");
    assert_eq!(dict::airport("fra").unwrap().cc, "DE");
    assert!(
        dict::airport("ccr").is_none(),
        "router vocabulary is no airport"
    );
    assert_eq!(dict::clli("asbnva").unwrap().name, "Ashburn");
    assert_eq!(dict::country("DE").unwrap().0, "EU");
    assert!(
        dict::cities("nice").is_empty(),
        "a common word is no city key"
    );
    assert_eq!(dict::cities("duesseldorf")[0].name, "Düsseldorf");
}

#[test]
fn dictionaries_load_in_milliseconds() {
    let started = std::time::Instant::now();
    let found = hints("ae-5.r24.asbnva02.us.bb.gin.ntt.net").len()
        + hints("ae-1-3501.ear1.Frankfurt1.Level3.net").len()
        + hints("be3294.ccr41.sjc03.atlas.cogentco.com").len()
        + hints("ae-0.r20.sydnau02.au.bb.gin.ntt.net").len();
    let took = started.elapsed();
    assert!(found >= 4);
    // Generous for debug builds on a loaded machine; a release build takes ~1 ms.
    assert!(took.as_millis() < 500, "{took:?}");
}

// ---- the rules ------------------------------------------------------------------------------

#[test]
fn geoip_classes() {
    let loc = |city: Option<&str>, radius, at: (f64, f64)| Location {
        city: city.map(str::to_owned),
        latitude: Some(at.0),
        longitude: Some(at.1),
        accuracy_km: radius,
        ..Location::default()
    };
    let class = |l: Location| classify(&l).map(|(_, c)| c);
    assert_eq!(
        class(loc(Some("Paris"), Some(20), (48.85, 2.35))),
        Some(GeoClass::City)
    );
    assert!(matches!(
        class(loc(None, None, (46.0, 2.0))),
        Some(GeoClass::Country(_))
    ));
    assert!(matches!(
        class(loc(Some("X"), Some(1000), (46.0, 2.0))),
        Some(GeoClass::Country(_))
    ));
    assert!(matches!(
        class(loc(Some("X"), None, (37.751, -97.822))),
        Some(GeoClass::Country(_))
    ));
    assert_eq!(class(Location::default()), None);
    // Other countries' default points are default points whatever city name comes with
    // them (Germany's 51.2993, 9.491 near Kassel; Australia's in the New South Wales bush),
    // but a city answer a few hundred metres from a capital-coordinate default point is not.
    for (at, cc) in [((51.2993, 9.491), "DE"), ((-33.494, 143.2104), "AU")] {
        match class(loc(Some("Anytown"), Some(5), at)) {
            Some(GeoClass::Country(why)) => assert!(why.contains(cc), "{why}"),
            other => panic!("{at:?}: {other:?}"),
        }
    }
    assert_eq!(
        class(loc(Some("Paris"), Some(5), (48.8534, 2.3488))),
        Some(GeoClass::City)
    );
}

#[test]
fn region_rules() {
    let fra = dict::airport("fra").unwrap();
    let syd = dict::airport("syd").unwrap();
    let swiss = Location {
        city: Some("Zurich".into()),
        country_code: Some("CH".into()),
        latitude: Some(47.37),
        longitude: Some(8.54),
        asn: Some(64_500),
        ..Location::default()
    };
    assert!(checks::fits_region(&fra, Some(&swiss)), "a neighbour's IXP");
    assert!(
        !checks::fits_region(&syd, Some(&swiss)),
        "another continent"
    );
    let global = Location {
        asn: Some(3356),
        ..swiss.clone()
    };
    assert!(
        checks::fits_region(&syd, Some(&global)),
        "global backbones roam"
    );
}

#[test]
fn rtt_bound_and_satellite_jumps() {
    assert_eq!(checks::rtt_bound_km(20.0, 0.0), 2050.0);
    assert_eq!(checks::rtt_bound_km(20.0, 2.0), 2250.0);
    let rtts = [Some(1.0), None, Some(12.0), Some(560.0), Some(565.0)];
    assert_eq!(checks::satellite_jumps(&rtts), [3]);
}

#[test]
fn detours_need_close_neighbours_and_no_rtt_rise() {
    let p = |hop, at, rtt| Point {
        hop,
        at,
        rtt_ms: Some(rtt),
    };
    let london = (51.5, -0.12);
    let near_london = (51.6, -0.12);
    let new_york = (40.7, -74.0);
    let path = [
        p(4, london, 10.0),
        p(5, new_york, 11.0),
        p(6, near_london, 11.5),
    ];
    let found = checks::detours(&path);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, 1);
    assert!(
        found[0]
            .1
            .starts_with("outlier: far from hops 4 and 6 which are 11 km apart"),
        "{}",
        found[0].1
    );
    // With the RTT rise a real trip would cost, it is a real detour.
    let real = [
        p(4, london, 10.0),
        p(5, new_york, 80.0),
        p(6, near_london, 150.0),
    ];
    assert!(checks::detours(&real).is_empty());
}

pub(super) fn hop(n: u8, name: Option<&str>, geo: Option<Location>, rtt: f64) -> PathHop {
    PathHop {
        hop: n,
        sent: 3,
        received: 3,
        loss_pct: 0.0,
        responders: vec![Responder {
            address: format!("203.0.113.{n}").parse().unwrap(),
            hostname: name.map(str::to_owned),
            rtts_ms: vec![rtt, rtt + 0.5],
            received: 3,
            marks: Vec::new(),
            kinds: vec!["time_exceeded"],
            mpls: Vec::new(),
            destination: false,
            geo: geo.clone(),
        }],
        placement: geo
            .and_then(|g| g.coordinates())
            .map(|(latitude, longitude)| Placement::geoip(latitude, longitude)),
        flags: Vec::new(),
        leg: None,
    }
}

pub(super) fn city(name: &str, cc: &str, at: (f64, f64)) -> Option<Location> {
    Some(Location {
        city: Some(name.into()),
        country_code: Some(cc.into()),
        latitude: Some(at.0),
        longitude: Some(at.1),
        asn: Some(3356),
        ..Location::default()
    })
}

#[test]
fn a_hint_that_breaks_the_rtt_bound_gives_way() {
    // Origin San Jose at 2 ms; "london" at 5 ms cannot be England: it is not Ontario either.
    let mut hops = vec![
        hop(1, None, city("San Jose", "US", (37.34, -121.89)), 2.0),
        hop(
            2,
            Some("xe-1.cr1.london.example.net"),
            city("San Jose", "US", (37.34, -121.89)),
            5.0,
        ),
    ];
    apply(&mut hops, &HintOptions::default(), None);
    let p = hops[1].placement.as_ref().unwrap();
    assert_eq!(p.source, LocationSource::Geoip);
    assert!(hops[1].flags.contains(&"hint-rejected".to_string()));
    assert_eq!(location_code(&hops[1]), "G?");
}

#[test]
fn no_hints_keeps_geoip_but_labels_default_points() {
    let mut kansas = city("X", "US", (37.751, -97.822)).unwrap();
    kansas.city = None;
    let mut hops = vec![hop(
        1,
        Some("ae-1.ear1.Frankfurt1.Level3.net"),
        Some(kansas),
        90.0,
    )];
    apply(
        &mut hops,
        &HintOptions {
            enabled: false,
            ..HintOptions::default()
        },
        None,
    );
    let p = hops[0].placement.as_ref().unwrap();
    assert_eq!((p.source, p.counted), (LocationSource::Country, true));
    assert_eq!(hops[0].flags, ["country-default"]);
}

#[test]
fn without_geo_nothing_is_placed() {
    // `--no-geo`: responders carry no location at all, and host names do not place them.
    let mut hops = vec![hop(
        1,
        Some("ae-1-3501.ear1.Frankfurt1.Level3.net"),
        None,
        9.0,
    )];
    hops[0].responders[0].geo = None;
    apply(&mut hops, &HintOptions::default(), None);
    assert_eq!(hops[0].placement, None);
    assert!(hops[0].flags.is_empty());
    assert_eq!(location_code(&hops[0]), "-");
}
