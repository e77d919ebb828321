//! Tests of reading names: country evidence, structure before dictionaries, the words that
//! are never places, operators' own schemes, and ground stations after satellite links.

use super::tests::{city, first, hop, placed};
use super::*;
use crate::path::LocationSource;

// ---- Country evidence and structure before dictionaries (one test per class of mistake) ----

#[test]
fn a_country_code_before_a_location_code_keeps_it_in_that_country() {
    // `cc-xxx`: the letters are also a foreign airport (Kosti, Sudan; Kristiansund...), but
    // the name says Sweden/Denmark: in the country or nowhere.
    for name in [
        "se-kst-r1.nordu.net",
        "dk-ore.nordu.net",
        "no-krs-1.example.net",
    ] {
        let got = placed(name);
        assert!(
            got.as_deref()
                .is_none_or(|p| p.ends_with(&name[..2].to_ascii_uppercase())),
            "{name}: {got:?}"
        );
    }
    assert_eq!(
        placed("ae-1.r01.de-fra.example.net").as_deref(),
        Some("Frankfurt am Main, DE")
    );
    assert_eq!(
        placed("be-bru-1.example.net").as_deref(),
        Some("Brussels, BE")
    );
    assert_eq!(
        placed("core1.us-nyc.example.com").as_deref(),
        Some("New York City, NY, US")
    );
}

#[test]
fn a_code_in_a_written_country_may_abbreviate_its_city() {
    // `FKT.DE`, `HKI.FI`, `STK.SE`: no dictionary has the code, but the name writes the
    // country, and one city of 100,000 or more there is spelt by its letters in order.
    for (name, city) in [
        ("ae1.rt.irx.fkt.de.example.net", "Frankfurt am Main, DE"),
        ("et1-2.RT.EQ6.HKI.FI.example.net", "Helsinki, FI"),
        ("ae3.rt.stk.se.example.net", "Stockholm, SE"),
        ("ae2-298.rt.bm.spb.ru.example.net", "Saint Petersburg, RU"),
    ] {
        assert_eq!(placed(name).as_deref(), Some(city), "{name}");
        let h = &hints(name)[0];
        assert_eq!(h.kind, HintKind::Abbreviation, "{name}");
    }
    // A code that fits two cities of the country alike stays unread (`dsd`: Düsseldorf and
    // Dresden), and a UN/LOCODE of the country still comes first (`kiv`).
    assert_eq!(abbreviated("ae1.rt.dsd.de.example.net"), None);
    assert_eq!(
        abbreviated("ae1.rt.esn.de.example.net").as_deref(),
        Some("Essen, DE")
    );
    assert!(hints("ae1.rt.kiv.ua.example.net")
        .iter()
        .all(|h| h.kind != HintKind::Abbreviation));
    // A country known only from the top-level domain is not enough: under `.au`, `sea`
    // is AARNet's Seattle, not the Sunshine Coast...
    assert_eq!(abbreviated("ae1.170.bdr1.b.sea.example.net.au"), None);
    // ...unless the code is in the site position, before a numbered device part.
    assert_eq!(
        abbreviated("ae-2.750.kazn-rgr1.pv.ip.example.ru").as_deref(),
        Some("Kazan, RU")
    );
    assert_eq!(abbreviated("ae-2.750.kazn.pv.ip.example.ru"), None);
    // There three letters are too loose (`ebt` would fit Embu das Artes), but for a city of a
    // million people or more whose name's every word the code begins (`rjo`: Rio de
    // Janeiro, after a router's label); not a one-word name (`sib`, Rostelecom's Siberia
    // region, is no Saint Petersburg).
    assert_eq!(
        abbreviated("ebt-B1101-core01.rjo.example.net.br").as_deref(),
        Some("Rio de Janeiro, BR")
    );
    assert_eq!(placed("ebt.example.net.br"), None);
    assert_eq!(abbreviated("ae4.nvsk-ar1.sib.ip.example.ru"), None);
    // Nor a code of five letters or more.
    assert_eq!(abbreviated("ae1.rt.frkft.de.example.net"), None);
}

/// The place a name gives by abbreviation in its written country, if any.
fn abbreviated(name: &str) -> Option<String> {
    hints(name)
        .into_iter()
        .find(|h| h.kind == HintKind::Abbreviation)
        .map(|h| h.place.label())
}

#[test]
fn a_code_on_the_operators_published_map_names_its_city() {
    // Janet's map has Manchester and London; GARR's labels its nodes by province (`PD`).
    assert_eq!(
        placed("ae7.manczz-sbr3.ja.net").as_deref(),
        Some("Manchester, GB")
    );
    assert_eq!(
        placed("xe-1-0-0.lond-rbr7.ja.net").as_deref(),
        Some("London, GB")
    );
    // A link named by both ends, then the router's own site nearest the domain.
    assert_eq!(
        placed("rs2-mi03-rs2-pd03.pd03.garr.net").as_deref(),
        Some("Padua, IT")
    );
    // Near places on a link name: still the site nearest the domain (Milan, not Turin).
    assert_eq!(
        placed("rs2-to03-rs2-mi03.mi03.garr.net").as_deref(),
        Some("Milan, IT")
    );
    // The same letters under a network without that map name nothing.
    assert_eq!(placed("ae7.manczz-sbr3.example.net"), None);
    assert_eq!(placed("rs2-mi03-rs2-pd03.pd03.example.net"), None);
}

#[test]
fn two_letters_before_slot_and_port_numbers_are_an_interface_not_a_country() {
    // `lt-1-1-0-0`: a Juniper logical tunnel, not Lithuania; the name is under `.za`.
    assert_eq!(
        placed("lt-1-1-0-0-cpt3-pe1.net.example.ac.za").as_deref(),
        Some("Cape Town, ZA")
    );
    let countries = |name: &str| analyse(name).countries.countries;
    assert!(countries("gr-0-0-0.cr1.example.net").is_empty());
    // A country code with one site number after it is still a country (`ams-nl-1`).
    assert_eq!(countries("ams-nl-1.example.net"), vec!["NL".to_string()]);
}

#[test]
fn a_token_that_needs_geoip_does_not_make_a_standing_one_ambiguous() {
    // `win` (Winsen, a small town's UN/LOCODE) needs GeoIP; `pot1` (Potsdam) does not.
    assert_eq!(
        placed("xr-pot1-te1-3.x-win.example.de").as_deref(),
        Some("Potsdam, DE")
    );
    // Two tokens that both stand by themselves and disagree still leave the name unread.
    assert_eq!(placed("xr-pot1-te1-3.x-erl.example.de"), None);
}

#[test]
fn a_province_number_first_in_a_label_names_its_seat() {
    // Turkish operators begin a label with the province's number (plate and ISO 3166-2).
    assert_eq!(
        placed("06-ulus-xrs-t2-9.06-ulus-t3-9.example.com.tr").as_deref(),
        Some("Ankara, TR")
    );
    assert_eq!(
        placed("41-merkez-t3-1.example.com.tr").as_deref(),
        Some("İzmit, TR")
    );
    // Not outside Turkey, not a number that is no province, not a number alone.
    assert_eq!(placed("06-ulus-t3-1.example.net"), None);
    assert_eq!(placed("00-merkez-t3-1.example.com.tr"), None);
    assert_eq!(placed("06.example.com.tr"), None);
}

#[test]
fn a_great_citys_whole_name_is_read_outside_the_top_level_domains_country() {
    // The operator is Mexican or Canadian; the router is in Dallas or Seattle.
    assert_eq!(
        placed("bb-dallas-bryan-19-be11.example.net.mx").as_deref(),
        Some("Dallas, TX, US")
    );
    assert_eq!(
        placed("bx6-seattle_et-0/0/13_ae1.net.example.ca").as_deref(),
        Some("Seattle, WA, US")
    );
    // Not a smaller town's name (`bishan` is a district of Singapore and a town in China),
    // not another language's name for a city (`sophia`), not a short code (`phx`).
    assert_eq!(placed("ge-1-1-0.bishan.example.com.sg"), None);
    assert_eq!(placed("gi0-ren-nr-sophia-rtr-091.noc.example.fr"), None);
    assert_eq!(placed("xe-0.cr1.phx1.example.co.nz"), None);
    // Where the name has a place at home, the one abroad is not even a second choice.
    let london = hints("core1.london1.example.ca");
    assert!(
        !london.is_empty() && london.iter().all(|h| h.place.cc == "CA"),
        "{london:?}"
    );
    // A country written in the name confines even a whole name: not Dallas, Frankfurt.
    assert_eq!(
        placed("ae1.dallas.de-fra.example.net").as_deref(),
        Some("Frankfurt am Main, DE")
    );
}

#[test]
fn a_cctld_keeps_hints_in_its_country() {
    // `akl` is Auckland under .nz; a .nz router is never placed in Arizona or anywhere else.
    assert_eq!(
        placed("xe-0-0-1.cr1.akl1.example.net.nz").as_deref(),
        Some("Auckland, NZ")
    );
    for name in ["xe-0.cr1.phx1.example.co.nz", "ge-1.bdr1.yum2.example.nz"] {
        assert_eq!(placed(name), None, "{name}");
    }
    // Generic top-level domains say nothing.
    assert_eq!(
        placed("xe-1.cr1.lax1.example.io").as_deref(),
        Some("Los Angeles, CA, US")
    );
    // Codes in the name outrank the domain's country.
    assert_eq!(
        placed("ae-1.cr1.ams-nl.example.co.uk").as_deref(),
        Some("Amsterdam, NL")
    );
}

#[test]
fn exchange_words_are_not_places() {
    // `nap` is a network access point, not Naples; also with router vocabulary around it.
    for name in [
        "xe-0-0-1.nap.example.net",
        "ae-2.cr1.nap1.example.net",
        "pop1.colo.example.net",
        "ixp-gw.example.net",
    ] {
        assert_eq!(placed(name), None, "{name}");
    }
    // A network named after a town (Internet2's Abilene backbone) is no town beside the
    // site's CLLI code.
    assert_eq!(
        placed("abilene-1-lo-jmb-706.sttlwa.pacificwave.net").as_deref(),
        Some("Seattle, WA, US")
    );
}

#[test]
fn service_and_protocol_words_need_a_site_number_in_a_router_name() {
    for name in [
        "tls.example.fr",
        "mail.tls.example.fr",
        "map.example.com",
        "cdn.example.net",
    ] {
        assert!(hints(name).is_empty(), "{name}");
    }
    // ...but a router's `tls1` is Toulouse.
    assert_eq!(
        placed("ae1.cr1.tls1.example.fr").as_deref(),
        Some("Toulouse, FR")
    );
}

#[test]
fn cdn_customer_and_personal_names_need_geoip_to_agree() {
    // No router vocabulary, no site number, no country code, no known scheme: a three-letter
    // label of a service name is only a candidate.
    for name in [
        "cdn-lax.customer.example.com",
        "lax.example.com",
        "ham.customer.example.de",
        "bob.example.org",
    ] {
        assert_eq!(placed(name), None, "{name}");
        assert!(hints(name).iter().all(|h| h.needs_support), "{name}");
    }
    // With GeoIP's city near it the hint counts; with GeoIP elsewhere it does not.
    let mut hops = vec![hop(
        1,
        Some("cdn-lax.customer.example.com"),
        city("Los Angeles", "US", (34.05, -118.24)),
        5.0,
    )];
    apply(&mut hops, &HintOptions::default(), None);
    let p = hops[0].placement.as_ref().unwrap();
    assert_eq!(p.source, LocationSource::Hostname);
    assert_eq!(p.confidence, crate::path::Confidence::High);
    let mut hops = vec![hop(
        1,
        Some("cdn-lax.customer.example.com"),
        city("Chicago", "US", (41.88, -87.63)),
        5.0,
    )];
    apply(&mut hops, &HintOptions::default(), None);
    assert_eq!(
        hops[0].placement.as_ref().unwrap().source,
        LocationSource::Geoip
    );
}

#[test]
fn router_names_with_structure_still_read() {
    assert_eq!(
        placed("be3294.ccr41.sjc03.atlas.cogentco.com").as_deref(),
        Some("San Jose, CA, US")
    );
    assert_eq!(
        placed("ae-2.r21.tokyjp05.jp.bb.gin.ntt.net").as_deref(),
        Some("Tokyo, JP")
    );
    assert_eq!(
        placed("100ge1-1.core1.akl1.he.net").as_deref(),
        Some("Auckland, NZ")
    );
    assert_eq!(
        placed("et-0-0-1.cr1.hel1.fi.example.net").as_deref(),
        Some("Helsinki, FI")
    );
}

#[test]
fn ground_stations_are_judged_against_the_hops_after_them() {
    use super::checks::{ground_stations, Point};
    let p = |hop: u8, at: (f64, f64), rtt: f64| Point {
        hop,
        at,
        rtt_ms: Some(rtt),
    };
    let frankfurt = (50.11, 8.68);
    // Kabul, 7 ms before two Frankfurt hops: ~4,900 km where 750 km is the most.
    let points = [
        p(2, (-1.29, 36.82), 3.0),
        p(3, (34.56, 69.21), 598.0),
        p(4, frankfurt, 605.0),
        p(5, frankfurt, 606.0),
    ];
    let found = ground_stations(&points, &[3]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 1);
    assert!(found[0].1.contains("hops 4,5 after it"), "{}", found[0].1);
    // Betzdorf (Luxembourg's teleport), 180 km from Frankfurt: fine.
    let near = [p(3, (49.68, 6.35), 598.0), p(4, frankfurt, 605.0)];
    assert!(ground_stations(&near, &[3]).is_empty());
    // Not a hop after a jump: not judged here (detours are).
    assert!(ground_stations(&points, &[]).is_empty());
    // Nothing after it: nothing to judge against.
    assert!(ground_stations(&points[..2], &[3]).is_empty());
}

#[test]
fn towardex_site_codes_are_its_own_not_foreign_airports() {
    // TWDX's own naming page: BLR01 Billerica (not Bangalore), BRN01 Brockton (not Bern),
    // BSN05 Somerville, BBY01 Boston's Back Bay.
    for (name, place) in [
        ("bbr01-fh-0-2-0-7.bsn05.twdx.net", "Somerville, MA, US"),
        ("ibr01-be-7922.bsn04.twdx.net", "Somerville, MA, US"),
        ("dcr02-hu-0-0-0-0.bos01.twdx.net", "Cambridge, MA, US"),
        ("csr01-xe-0-0-1.blr01.twdx.net", "Billerica, MA, US"),
        ("acr01-ge-0-0-1.brn01.twdx.net", "Brockton, MA, US"),
        ("dcr01-ae-1.bby01.twdx.net", "Boston, MA, US"),
    ] {
        let h = hints(name);
        assert_eq!(
            h.first().map(|h| h.kind),
            Some(HintKind::Operator),
            "{name}"
        );
        assert_eq!(placed(name).as_deref(), Some(place), "{name}");
    }
    // Elsewhere `blr` is still Bangalore's airport.
    assert_eq!(
        first("xe-1.cr1.blr1.example.net"),
        Some(("Bangalore", "IN"))
    );
}

// ---- Structure rules: what a name's shape says (names written for these tests) ----

#[test]
fn two_letters_inside_a_label_are_not_a_country() {
    // Google's `in` (interface) and RENATER's `nr` (regional node) sit inside a label; read as
    // India or Nauru they rejected every place of the name.
    assert_eq!(
        placed("lhr25s33-in-f3.1e100.net").as_deref(),
        Some("London, GB")
    );
    assert_eq!(
        placed("te0-0-0-2-ren-nr-toulouse-rtr-001.noc.renater.fr").as_deref(),
        Some("Toulouse, FR")
    );
}

#[test]
fn the_networks_own_name_is_not_a_place() {
    // `ren` (RENATER) is also Rennes' UN/LOCODE under `.fr`; `sea` of seabone is Seattle's
    // airport. Without a site number the network's name is the network.
    assert!(hints("ren-nr-gw.noc.renater.fr").is_empty());
    assert!(hints("xe-0.sea.seabone.net").is_empty());
    // With a site number it is a site.
    assert_eq!(
        placed("ae1.cr1.sea1.seabone.net").as_deref(),
        Some("Seattle, WA, US")
    );
}

#[test]
fn eight_letter_clli_codes_with_a_building_code() {
    // Place (4), state (2), building (2), as North American carriers write them.
    assert_eq!(
        placed("ae3-0.dllstxbr-mse01-aa-ie1.example-gni.net").as_deref(),
        Some("Dallas, TX, US")
    );
    assert_eq!(
        placed("ae7.chcgildt-pe02.example.net").as_deref(),
        Some("Chicago, IL, US")
    );
    // Eight letters ending in a country code are a word, not a CLLI code (`tsin` + Ghana).
    assert_eq!(placed("tsinghua.ge-0-1.cr1.example.net"), None);
}

#[test]
fn speed_prefixed_interfaces_make_a_router_name() {
    // `10ge`/`100ge` parts give no token, but they say the name is a router's: `mia` is a site.
    assert_eq!(
        placed("m2001-mia-100ge-0-0-1.example.net").as_deref(),
        Some("Miami, FL, US")
    );
    // Digits before a word that is not router vocabulary (a street address) say nothing.
    assert_eq!(placed("m2001-mia-529bryant.example.net"), None);
}

#[test]
fn a_site_numbered_place_name_outranks_a_customers_name() {
    // Lumen writes the customer's name first: `MADRID-HOSTING` is not Madrid.
    assert_eq!(
        placed("MADRID-HOSTING.ear1.Chicago2.Level3.net").as_deref(),
        Some("Chicago, IL, US")
    );
    // Two site-numbered place names far apart stay ambiguous.
    assert_eq!(placed("ae1.Madrid2.Chicago2.example.net"), None);
}

// ---- Abstention rules: a miss rather than a confident wrong city ----

#[test]
fn small_towns_un_locodes_need_geoip_to_agree() {
    // Half of all three-letter codes are a UN/LOCODE in the US, one in six in Germany: after
    // `us-` or `de-` an operator's own code spells some small town by chance. Under 100,000
    // people, the town is only a candidate...
    for (name, town) in [
        ("se-brm.example.net", "Bromölla"),
        ("cr-abe2.example.de", "Abensberg"),
    ] {
        assert_eq!(placed(name), None, "{name}");
        let h = hints(name);
        assert!(
            h.iter()
                .any(|h| h.place.name == town && h.kind == HintKind::Locode && h.needs_support),
            "{name}: {h:?}"
        );
    }
    // ...and a city of the country the code abbreviates stands instead (`hmb` Hamburg, not
    // Hammelburg; `man`, MAN LAN, in Manhattan, not Martin, TN).
    for (name, city) in [
        ("de-hmb.example.net", "Hamburg, DE"),
        ("us-man.example.net", "Manhattan, NY, US"),
    ] {
        assert_eq!(placed(name).as_deref(), Some(city), "{name}");
        assert_eq!(hints(name)[0].kind, HintKind::Abbreviation, "{name}");
    }
    // Cities keep their UN/LOCODE reading.
    assert_eq!(
        placed("ae2.mx1.fra.de.geant.net").as_deref(),
        Some("Frankfurt am Main, DE")
    );
    assert_eq!(
        placed("amres-ias-geant.zag.hr.geant.net").as_deref(),
        Some("Zagreb, HR")
    );
    // With GeoIP's city near it, the small town counts in a trace.
    let mut hops = vec![hop(
        1,
        Some("se-brm.example.net"),
        city("Kristianstad", "SE", (56.03, 14.16)),
        5.0,
    )];
    apply(&mut hops, &HintOptions::default(), None);
    let p = hops[0].placement.as_ref().unwrap();
    assert_eq!(p.source, LocationSource::Hostname);
    assert_eq!(p.place.as_deref(), Some("Bromölla, SE"));
}

#[test]
fn state_and_territory_labels_are_not_places() {
    // AARNet and others write the state after the site: `vic` is Victoria, not the
    // UN/LOCODE (Newtown) or airport it also spells.
    for name in [
        "et-5-1-0.pe1.crlt.vic.example.net.au",
        "xe-0.pe1.brwy.nsw.example.net.au",
        "ae1.cr1.qld.example.com.au",
    ] {
        assert!(hints(name).is_empty(), "{name}: {:?}", hints(name));
    }
    // The site before the state still reads.
    assert_eq!(
        placed("tengigabitethernet2-1.pe1.c.syd.nsw.example.net.au").as_deref(),
        Some("Sydney, AU")
    );
    // Outside the country that has them, the letters are what they are (TAS, Tashkent).
    assert_eq!(
        placed("ae1.cr1.tas1.example.net").as_deref(),
        Some("Tashkent, UZ")
    );
}

#[test]
fn military_airfields_are_not_site_codes() {
    // NBG is New Orleans' naval air station; Hetzner's `nbg1` is Nuremberg. A router name
    // never means an air base, so the code names nothing by itself.
    assert_eq!(placed("core12.nbg1.example.com"), None);
    assert!(hints("core12.nbg1.example.com").is_empty());
    // Joint civil and military fields stay: Charleston's CHS (a minor airport: in a name
    // that says its country).
    assert_eq!(
        placed("ae1.cr1.chs1.us.example.net").as_deref(),
        Some("Charleston, SC, US")
    );
    // Singapore's Paya Lebar code is a backbone's code for Singapore, not an air base.
    assert_eq!(
        placed("ae1.cr1.qpg1.example.net").as_deref(),
        Some("Singapore, SG")
    );
}
