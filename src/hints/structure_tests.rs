//! Tests of names whose structure says more than their dictionary words: two letters that
//! begin a router's name and are no country, the domain's own country as a second reading,
//! sites written before or after a role in one part, and a city's name with a word after it.

use super::tests::placed;
use super::*;

#[test]
fn two_letters_that_begin_a_routers_name_are_not_its_country() {
    // Sprint's `sl-` before a numbered role (`bb21`, `crs1`) is no Sierra Leone.
    assert_eq!(
        placed("sl-bb21-mia-12-0-0.sprintlink.net").as_deref(),
        Some("Miami, FL, US")
    );
    // DFN's `nr-` (no Nauru) and `gr-` (no Greece) under `.de`: nothing reads there, so the
    // domain's country is read instead, and says so.
    assert_eq!(
        placed("nr-frankfurt1-fe0-0.x-win.dfn.de").as_deref(),
        Some("Frankfurt am Main, DE")
    );
    assert_eq!(
        placed("gr-ham1-te1-3.x-win.dfn.de").as_deref(),
        Some("Hamburg, DE")
    );
    assert!(analyse("gr-ham1-te1-3.x-win.dfn.de")
        .verdict
        .contains("read in the domain's country"));
    // GARR's `ru-` (its map is all in Italy): the node label `bo3` outweighs `parma` read
    // in Russia (another name of Perm).
    assert_eq!(
        placed("ru-uni-parma-rettorato-rx1-bo3.bo3.garr.net").as_deref(),
        Some("Bologna, IT")
    );
    assert!(analyse("ru-uni-parma-rettorato-rx1-bo3.bo3.garr.net")
        .verdict
        .contains("only a weaker reading in RU"));
    // Rostelecom's `.sz.` (north-west) is a region of its own, not Eswatini.
    assert_eq!(
        placed("klng-bras4.sz.ip.rostelecom.ru").as_deref(),
        Some("Kaliningrad, RU")
    );
    // Not for a code with no site number (`tr-cps` under `.edu`: a word of the scheme).
    assert_eq!(placed("lsan0.tr-cps.internet2.edu"), None);
    // A code that reads in the written country keeps it there.
    assert_eq!(
        placed("se-sto-r1.example.de").as_deref(),
        Some("Stockholm, SE")
    );
}

#[test]
fn a_site_after_a_role_and_its_number_is_read() {
    // Charter's `bbr02atlnga`: backbone router 02 in Atlanta's CLLI code; `bue` (its
    // Bundle-Ether) does not outweigh it.
    assert_eq!(
        placed("bbr02atlnga-bue-3.atln.ga.charter.com").as_deref(),
        Some("Atlanta, GA, US")
    );
    // Roles that are also airport codes are roles (`bhr`: Bharatpur's; `bsr`: Basra's).
    assert_eq!(placed("bhr2-pos-0-0.example.net"), None);
    assert_eq!(
        placed("bsr02.tomsk.ertelecom.ru").as_deref(),
        Some("Tomsk, RU")
    );
}

#[test]
fn a_citys_own_name_then_a_word_is_the_city() {
    // Bell Canada's `vancouverbg`, Savvis's `dallasequinix`: a building or side after it.
    for (name, city) in [
        ("agg1-vancouverbg_5-2-0.net.bell.ca", "Vancouver, BC, CA"),
        ("dpr1-ge-2-0-0.dallasequinix.savvis.net", "Dallas, TX, US"),
    ] {
        assert_eq!(placed(name).as_deref(), Some(city), "{name}");
    }
    // Abroad too, like a great city's whole name (Bell Canada's `chicagodt` under `.ca`).
    assert_eq!(
        placed("bx3-chicagodt_so-0-0-0-0.net.bell.ca").as_deref(),
        Some("Chicago, IL, US")
    );
    // Cox's `mcibbrj01`: the site, then its backbone router.
    assert_eq!(
        placed("mcibbrj01.rd.ks.cox.net").as_deref(),
        Some("Kansas City, MO, US")
    );
    // A label `USA` is the United States, not Uslar's UN/LOCODE under `.de`.
    assert_eq!(
        placed("NYC-gw14.USA.net.DTAG.DE").as_deref(),
        Some("New York City, NY, US")
    );
    // Not another name of the city (`overrides`: Owerri's), not a short one (`nicely`), not
    // a long tail (`hamburgerrestaurant`).
    for name in [
        "ae1.overrides.example.net",
        "ae1.nicely.example.net",
        "ae1.hamburgerrestaurant.example.net",
    ] {
        assert_eq!(placed(name), None, "{name}");
    }
}

#[test]
fn a_member_networks_port_names_its_site() {
    // Exchange and colocation ports named `member.site.domain`: the AS number is structure.
    for (name, city) in [
        ("4826.syd.equinix.com", "Sydney, AU"),
        ("p55967.hkg.equinix.com", "Hong Kong, HK"),
    ] {
        assert_eq!(placed(name).as_deref(), Some(city), "{name}");
    }
    // Not an address's numbers, and not a bare code without them.
    assert_eq!(placed("118.syd.example.com").as_deref(), Some("Sydney, AU"));
    assert_eq!(placed("14.140.syd.example.com"), None);
    assert_eq!(placed("shop.syd.example.com"), None);
}

#[test]
fn a_numbered_site_after_a_role_may_abbreviate_a_city() {
    // Zen's `cor2.lond2` under `.uk`: the site position, a site number, London.
    assert_eq!(
        placed("vt1.cor2.lond2.ptn.zen.net.uk").as_deref(),
        Some("London, GB")
    );
    // `routers` says the name is a router's (`20g.ams-1-6k.routers.ovh.net`).
    assert_eq!(
        placed("20g.ams-1-6k.routers.ovh.net").as_deref(),
        Some("Amsterdam, NL")
    );
}

#[test]
fn a_city_states_code_in_the_site_position_is_its_city() {
    assert_eq!(
        placed("ae25-0.icr02.sg3.ntwk.msn.net").as_deref(),
        Some("Singapore, SG")
    );
    assert_eq!(
        placed("xe-2-0-1-gw701.hk2.ap.equinix.com").as_deref(),
        Some("Hong Kong, HK")
    );
    // Elsewhere two letters are no place (`sg-1` first in a name is a role's).
    assert_eq!(placed("sg-1.example.net"), None);
}

#[test]
fn a_numbered_label_that_spells_a_place_is_still_a_device() {
    // Yahoo's `pat1.sjc`: `pat1` spells Patna's (minor) airport, but the label after a
    // numbered one is the site's: San Jose.
    assert_eq!(
        placed("as0.pat1.sjc.yahoo.com").as_deref(),
        Some("San Jose, CA, US")
    );
    // Where the device reads as nothing, the site stands (`ier02.sto`).
    assert_eq!(
        placed("retn.ier02.sto.ntwk.msn.net").as_deref(),
        Some("Stockholm, SE")
    );
}

#[test]
fn a_footprint_abbreviation_is_the_weakest_reading() {
    // IIJ's `osk004bb00`: Osaka on IIJ's map.
    assert_eq!(placed("osk004bb00.IIJ.Net").as_deref(), Some("Osaka, JP"));
    // Cogent's `mag02` fits Málaga on Cogent's map, but `par01` outranks it.
    assert_eq!(
        placed("te2-8.365.mag02.par01.atlas.cogentco.com").as_deref(),
        Some("Paris, FR")
    );
}

#[test]
fn three_letters_that_begin_a_city_of_the_domains_country_in_the_site_position() {
    // Orange Polska's `kra-r2`, `gda-r11` under `.pl`: Kraków; Gdańsk before Gdynia, whose
    // letters `gda` also fit.
    assert_eq!(
        placed("kra-ru2.neo.tpnet.pl").as_deref(),
        Some("Kraków, PL")
    );
    assert_eq!(placed("gda-r11.tpnet.pl").as_deref(), Some("Gdańsk, PL"));
    // Not out of the site position, nor scattered letters of a one-word city (`ebt`).
    assert_eq!(placed("xe-1.kra.example.pl"), None);
    assert_eq!(placed("ebt-r1.example.net.br"), None);
}

#[test]
fn the_countrys_airport_replaces_a_small_towns_un_locode_before_an_abbreviation() {
    // `mci` under `us`: a small town's UN/LOCODE, McKinney's letters, and Kansas City's
    // airport: the airport.
    assert_eq!(
        placed("100ge0-25.edge-2.grand.mci.us.as32097.net").as_deref(),
        Some("Kansas City, MO, US")
    );
    // IIJ's map reading says where it comes from.
    assert_eq!(
        hints("osk004bb00.IIJ.Net")[0].kind,
        HintKind::MapAbbreviation
    );
}

#[test]
fn a_minor_airports_code_needs_the_names_country_or_geoip() {
    // Kosti's `kst` (Tele2's Kista), Kindu's `knd` (MTS's Krasnodar): only candidates.
    for name in [
        "kst5-core-1.bundle-ether6.tele2.net",
        "morsk-cr02-be21.4024.knd.mts-internet.net",
    ] {
        assert_eq!(placed(name), None, "{name}");
        assert!(hints(name).iter().all(|h| h.needs_support), "{name}");
    }
    // A large airport stands (`fra1`), and so does a minor one in its own country's name.
    assert_eq!(
        placed("ae1.cr1.fra1.example.net").as_deref(),
        Some("Frankfurt am Main, DE")
    );
    assert_eq!(placed("wro-r11.tpnet.pl").as_deref(), Some("Wrocław, PL"));
}

#[test]
fn a_metropoliss_second_airport_or_one_on_the_operators_map_stands() {
    // Dallas Love Field (`dal`, 19 km from DFW) and Taipei Songshan (`tsa`, 32 km from
    // Taoyuan) serve cities a large airport serves too.
    assert_eq!(
        placed("ae11.cr8-dal3.ip4.gtt.net").as_deref(),
        Some("Dallas, TX, US")
    );
    assert_eq!(
        placed("tsa03s06-in-f14.1e100.net").as_deref(),
        Some("Taipei City, TW")
    );
    // El Paso and Bilbao are minor airports, but on Cogent's published map; in another
    // network without a map they stay candidates.
    assert_eq!(
        placed("be2930.ccr21.elp01.atlas.cogentco.com").as_deref(),
        Some("El Paso, TX, US")
    );
    assert_eq!(
        placed("be2324.ccr31.bio02.atlas.cogentco.com").as_deref(),
        Some("Bilbao, ES")
    );
    assert_eq!(placed("be2930.ccr21.elp01.example.net"), None);
    // Senai (`jhb`) lies 47 km from Singapore's airport: no second airport of that city.
    assert_eq!(placed("hu-0-6-0-0.lza-p3-jhb.liquidtelecom.net"), None);
}

#[test]
fn another_spelling_of_a_citys_name_is_abbreviated_when_its_own_name_gives_none() {
    // `ekb` and `msk` fit no Russian city's own name clearly (Murmansk and Magnitogorsk both
    // hold m-s-k), but Ekaterinburg's and Moskva's letters.
    assert_eq!(
        placed("pe107.sr32-27.ekb.ru.mirasystem.net").as_deref(),
        Some("Yekaterinburg, RU")
    );
    assert_eq!(
        placed("ae14-229.RT.DL.MSK.RU.retn.net").as_deref(),
        Some("Moscow, RU")
    );
    // A city's own name outranks another's variant spelling (San Diego's `sandjego`), and
    // another language's name for a city (Seoul's `wiryeseong`) is no spelling of it.
    assert_eq!(
        hints("us-sjo01a-ri3-ae-4-0.example.net")
            .first()
            .map(|h| h.place.name),
        Some("San Jose")
    );
    assert_eq!(placed("kr-dfnbln.x-win.dfn.de"), None);
}

#[test]
fn a_short_citys_whole_name_in_the_domains_country_is_a_place() {
    // Tata's customer lines name their city under `.in`.
    assert_eq!(
        placed("115.113.104.117.static-pune.vsnl.net.in").as_deref(),
        Some("Pune, IN")
    );
    // So is a large airport's code of that country as a label of its own.
    assert_eq!(
        placed("94x180x131x253.dynamic.kzn.ertelecom.ru").as_deref(),
        Some("Kazan, RU")
    );
    // Under another country's domain, or none, the same letters need structure or GeoIP.
    assert_eq!(placed("94x180x131x253.dynamic.kzn.example.net"), None);
    assert_eq!(placed("115.113.104.117.static-pune.example.de"), None);
    assert_eq!(placed("static-pune.example.net"), None);
}

#[test]
fn a_clli_code_is_one_piece_and_a_countrys_needs_that_country_written() {
    // `sto-itx` is no `stoitx` (San Antonio, TX): Stockholm's `sto` stands.
    assert_eq!(
        placed("vl203.sto-itx-core-1.cdn77.com").as_deref(),
        Some("Stockholm, SE")
    );
    // NTT writes the country as a label of its own; Belnet's `brueve` has none beside it.
    assert_eq!(
        placed("ae-1.a00.saplbr02.br.bb.gin.ntt.net").as_deref(),
        Some("São Paulo, BR")
    );
    assert_eq!(placed("10ge.cr2.brueve.belnet.net"), None);
    // A state's code is region enough (`dllstx`).
    assert_eq!(
        placed("ae1.dllstx01.example.net").as_deref(),
        Some("Dallas, TX, US")
    );
}

#[test]
fn a_site_numbered_airport_code_outranks_one_without_a_number() {
    // Akamai's backbone is `icn` (no Incheon); `ord01` is the site.
    assert_eq!(
        placed("ae19.r01.ord01.icn.netarch.akamai.com").as_deref(),
        Some("Chicago, IL, US")
    );
    // Two numbered codes that disagree stay ambiguous.
    assert_eq!(
        placed("ae19.r01.ord01.lhr02.example.net").as_deref(),
        Some("London, GB")
    );
}

#[test]
fn a_border_gateway_is_a_role_not_baghdad() {
    // ER-Telecom's `bgw01` (border gateway) is router vocabulary, and the label after it is
    // the site's: `ekat` abbreviates Ekaterinburg under `.ru`.
    assert_eq!(
        placed("lag-3-438.bgw01.ekat.ertelecom.ru").as_deref(),
        Some("Yekaterinburg, RU")
    );
    assert!(hints("lag-3-438.bgw01.nn.ertelecom.ru").is_empty());
}

#[test]
fn three_letters_and_a_state_only_in_a_known_scheme() {
    // AT&T writes them (`ptdor`, `omhne`); elsewhere five letters ending in a state's code
    // are as often a word or a vendor (`cisco`: Colorado Springs; `sigma`: Springfield, MA).
    assert_eq!(
        placed("cr2.ptdor.ip.att.net").as_deref(),
        Some("Portland, OR, US")
    );
    assert_eq!(
        placed("gar1.omhne.ip.att.net").as_deref(),
        Some("Omaha, NE, US")
    );
    for name in [
        "ae1.cr1.cisco.example.net",
        "ae1.cr1.sigma.example.net",
        "ae1.cr1.stein.example.net",
    ] {
        assert_eq!(placed(name), None, "{name}");
    }
}

#[test]
fn among_same_named_cities_a_hub_comes_first() {
    // Santa Clara, Cuba has more people, but Tata's router is beside San Jose's airport.
    assert_eq!(
        placed("if-ae-5-2.tcore2.sv1-santaclara.as6453.net").as_deref(),
        Some("Santa Clara, CA, US")
    );
    // The other city stays a candidate for the trace's checks to choose.
    assert!(hints("if-ae-5-2.tcore2.sv1-santaclara.as6453.net")
        .iter()
        .any(|h| h.place.cc == "CU"));
    // Otherwise the most populous leads (London, England before London, Ontario).
    assert_eq!(
        placed("ae1.cr1.london1.example.net").as_deref(),
        Some("London, GB")
    );
}
