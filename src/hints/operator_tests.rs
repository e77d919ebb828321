//! Operators' own site codes from the tables built from public material (`data/hints/hand/`),
//! read only under the operator's own domain. Names written for these tests in each operator's
//! naming habit, not copied from traces or from the evaluation corpus.

use super::*;
use crate::hints::tests::first;

/// The kind of the first hint `name` gives.
fn kind(name: &str) -> Option<HintKind> {
    hints(name).first().map(|h| h.kind)
}

#[test]
fn ntt_site_codes_the_clli_rule_cannot_derive() {
    // NTT's codes from its table: the last two letters are NTT's, not a state or ISO country
    // (`hk` after `chwa`, `ml` Malaysia, `ko` Korea, `en` England), so the CLLI derivation
    // alone does not read them.
    for (name, city, cc) in [
        ("ae-1.r20.chwahk02.hk.bb.gin.ntt.net", "Hong Kong", "HK"),
        ("ae-8.r01.kslrml02.my.bb.gin.ntt.net", "Kuala Lumpur", "MY"),
        ("ae-2.r21.seolko01.kr.bb.gin.ntt.net", "Seoul", "KR"),
        ("ae-3.r02.slouen01.uk.bb.gin.ntt.net", "Slough", "GB"),
        ("ae-4.r20.taiptw01.tw.bb.gin.ntt.net", "Taipei", "TW"),
        ("ae-1.r02.osakjp02.jp.bb.gin.ntt.net", "Osaka", "JP"),
        ("ae-0.r24.sngpsi07.sg.bb.gin.ntt.net", "Singapore", "SG"),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn ntt_codes_are_read_only_under_ntt() {
    // The same letters in another network's name are not NTT's code.
    assert_eq!(first("ae-8.r01.kslrml02.example.net"), None);
    assert_eq!(first("chwahk02.example.org"), None);
    // And NTT's table does not turn NTT's other labels into places.
    assert_eq!(first("ae-0.telecom-italia.r01.bb.gin.ntt.net"), None);
}

#[test]
fn ashburn_is_ash_at_he_and_sparkle() {
    for name in [
        "ae28.ashburn1.ash.seabone.net",
        "amazon.ashburn1.ash.seabone.net",
        "100ge0-1.core2.ash1.he.net",
    ] {
        assert_eq!(first(name), Some(("Ashburn", "US")), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
    // Elsewhere `ash` is still only the shared transit-operator code, never Nashua's airport.
    assert_eq!(first("ae1.cr1.ash2.example.net"), Some(("Ashburn", "US")));
    assert_ne!(
        hints("ae1.cr1.ash2.example.net").first().map(|h| h.kind),
        Some(HintKind::Operator)
    );
}

#[test]
fn internet2_four_letter_site_codes() {
    // Internet2's codes from the published teaching text (data/README.md); names in its habit.
    for (name, city) in [
        ("et-1-0-0.4079.rtsw.wash.net.internet2.edu", "Washington"),
        ("ae-1.4079.rtsw3.ashb.net.internet2.edu", "Ashburn"),
        (
            "et-3-0-0.102.rtsw.newy32aoa.net.internet2.edu",
            "New York City",
        ),
        ("ae-2.4079.rtsw.seat.net.internet2.edu", "Seattle"),
        ("et-2-1-0.4079.rtsw.chic.net.internet2.edu", "Chicago"),
        ("ae-0.4079.rtsw2.eqch.net.internet2.edu", "Chicago"),
        ("et-4-0-0.4079.rtsw.losa.net.internet2.edu", "Los Angeles"),
        ("ae-6.4079.rtsw.atla.net.internet2.edu", "Atlanta"),
        (
            "et-0-0-0.4079.rtsw.salt.net.internet2.edu",
            "Salt Lake City",
        ),
        ("et-1-1-0.4079.rtsw.denv.net.internet2.edu", "Denver"),
        ("et-5-0-0.4079.rtsw.phoe.net.internet2.edu", "Phoenix"),
    ] {
        assert_eq!(first(name), Some((city, "US")), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
    // The same letters elsewhere are not Internet2's sites (`wash`, `salt` are words).
    assert_eq!(first("wash.example.net"), None);
    assert_eq!(first("salt.example.org"), None);
}

#[test]
fn geant_and_qwest_site_codes() {
    // GEANT's `gen` is Geneva (under geant.net and its former geant2.net), not a word.
    for name in [
        "ae7.mx1.gen.ch.geant.net",
        "example-gw.rt1.gen.ch.geant2.net",
    ] {
        assert_eq!(first(name), Some(("Geneva", "CH")), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
    assert_eq!(
        first("los-edge-09.inet.qwest.net"),
        Some(("Los Angeles", "US"))
    );
    assert_eq!(
        first("phn3-edge-02.inet.qwest.net"),
        Some(("Phoenix", "US"))
    );
    // Elsewhere `los` is Lagos's airport code and `gen` nothing.
    assert_ne!(
        first("xe-1.cr1.los1.example.net"),
        Some(("Los Angeles", "US"))
    );
    assert_eq!(first("ae1.mx1.gen.example.net"), None);
}

#[test]
fn backbone_codes_for_metropolises_that_are_not_airports() {
    // From the MIT table (hand/isp_codes.txt): codes backbones write where no airport has them.
    for (name, city, cc) in [
        ("hnk-b5-link.ip.twelve99.net", "Hong Kong", "HK"),
        ("ae1-0.hkb-99abc-1a.ntwk.example.net", "Hong Kong", "HK"),
        ("tky-b2-link.ip.twelve99.net", "Tokyo", "JP"),
        ("xe-0.cr1.sgp1.example.net", "Singapore", "SG"),
        ("ae2.cr1.buh1.example.ro", "Bucharest", "RO"),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
    }
    // They are codes of any network, so they still need a site's structure.
    assert!(hints("tky.example.com").iter().all(|h| h.needs_support));
}

#[test]
fn arelion_site_codes_from_its_looking_glass() {
    // hand/operators.d/arelion.txt: the codes Arelion's own router list labels with a city,
    // most of them neither IATA codes nor read by any other table.
    for (name, city, cc) in [
        ("hls-b2-link.ip.twelve99.net", "Helsinki", "FI"),
        ("war-b5-link.ip.twelve99.net", "Warsaw", "PL"),
        ("rest-bb2-link.ip.twelve99.net", "Reston", "US"),
        ("oso-b3-link.ip.twelve99.net", "Oslo", "NO"),
        ("kanc-b1-link.ip.twelve99.net", "Kansas City", "US"),
        ("sng-b5-link.ip.twelve99.net", "Singapore", "SG"),
        ("nug-b1-link.ip.twelve99.net", "Nuremberg", "DE"),
        ("mans-b1-link.ip.twelve99.net", "Manassas", "US"),
        ("sgrt-b2-link.ip.twelve99.net", "Stuttgart", "DE"),
        ("hvr-b1-link.ip.twelve99.net", "Hannover", "DE"),
        ("hls-b1-link.telia.net", "Helsinki", "FI"),
        ("kbn-bb1-link.telia.net", "Copenhagen", "DK"),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn arelion_codes_are_read_only_under_arelion() {
    // The same letters under another domain are not Arelion's sites.
    assert_ne!(first("hls-b2-link.example.net"), Some(("Helsinki", "FI")));
    assert_ne!(
        first("kanc-b1-link.example.net"),
        Some(("Kansas City", "US"))
    );
    assert_ne!(first("rest-bb2-link.example.net"), Some(("Reston", "US")));
    assert_ne!(first("nug-b1-link.example.org"), Some(("Nuremberg", "DE")));
    for name in [
        "hls-b2-link.example.net",
        "kanc-b1-link.example.net",
        "rest-bb2-link.example.net",
    ] {
        assert_ne!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn geant_site_codes_from_its_own_inventory() {
    // hand/operators.d/geant.txt: codes GEANT's alarm dashboard pairs with its locations;
    // `buc`, `rig` and `mar` are no airport of those cities (Marseille's would read as
    // Maracaibo, Riga's as Rio Grande).
    for (name, city, cc) in [
        ("ae3.rt2.buc.ro.geant.net", "Bucharest", "RO"),
        ("xe-1-0-1.mx2.rig.lv.geant.net", "Riga", "LV"),
        ("et-2-0-4.rt2.mar.fr.geant.net", "Marseille", "FR"),
        ("ae1.mx1.lis.pt.geant2.net", "Lisbon", "PT"),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn geant_codes_are_read_only_under_geant() {
    for (name, city) in [
        ("ae3.rt2.buc.example.net", "Bucharest"),
        ("xe-1-0-1.mx2.rig.example.net", "Riga"),
        ("et-2-0-4.rt2.mar.example.org", "Marseille"),
    ] {
        assert_ne!(first(name).map(|p| p.0), Some(city), "{name}");
        assert_ne!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn hurricane_electric_sites_from_its_looking_glass() {
    // hand/operators.d/he.txt: HE numbers its sites in one area (ewr1..ewr5) and its list
    // places them in different towns; the code with its digits names the town.
    for (name, city, cc) in [
        ("100ge0-1.core1.ewr4.he.net", "Edison", "US"),
        ("port-channel2.core1.ewr2.he.net", "Secaucus", "US"),
        ("100ge9-1.core1.ewr3.he.net", "Piscataway", "US"),
        ("core1.lon9.he.net", "Slough", "GB"),
        ("100ge4-2.core1.ams7.he.net", "Haarlem", "NL"),
        ("core1.pdx2.he.net", "Hillsboro", "US"),
        ("100ge0-2.core1.mnl2.he.net", "Makati City", "PH"),
        // The letters alone where every site of the list with them is in one place.
        ("100ge0-1.core2.ska2.he.net", "Spokane", "US"),
        ("core1.mfe1.he.net", "McAllen", "US"),
        ("100ge16-1.core1.ktw1.he.net", "Katowice", "PL"),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn hurricane_electric_codes_are_read_only_under_he() {
    // Elsewhere ewr4 is Newark's airport code with a site number, not HE's Edison site.
    for (name, city) in [
        ("ae1.cr1.ewr4.example.net", "Edison"),
        ("ae1.cr1.lon9.example.net", "Slough"),
        ("xe-0.ams7.example.org", "Haarlem"),
    ] {
        assert_ne!(first(name).map(|p| p.0), Some(city), "{name}");
        assert_ne!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn ovhcloud_sites_from_its_weathermap() {
    // hand/operators.d/ovh.txt: the codes OVHcloud's own maps label with a city. `lil1` is its
    // Roubaix site (not Lille's airport), `fra1` its Limburg data centre (not Frankfurt), `was`
    // Ashburn; the names end in a region label and a top-level domain.
    for (name, city, cc) in [
        ("be100-1298.lil1-rbx8-sbb1-nc5.fr.eu", "Roubaix", "FR"),
        ("be102.sbg-g1-nc5.fr.eu", "Strasbourg", "FR"),
        (
            "be100-104.fra1-lim1-sbb1-nc5.de.eu",
            "Limburg an der Lahn",
            "DE",
        ),
        ("be100-1.fra-fr5-sbb1-nc5.de.eu", "Frankfurt am Main", "DE"),
        ("mil-ava1-sbb1-8k.it.eu", "Milan", "IT"),
        ("be101.sin-sg1-sbb1-8k.sgp.asia", "Singapore", "SG"),
        ("be100-2.was-dc1-sbb1-8k.ovh.us", "Ashburn", "US"),
        ("be100-2.pdx1-hil1-sbb1-8k.ovh.us", "Hillsboro", "US"),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn ovhcloud_codes_are_read_only_under_its_zones() {
    // Elsewhere the same labels are not OVHcloud's sites: `lil1` is Lille's airport with a site
    // number, `fra1` Frankfurt's; and the public namespaces OVHcloud also names routers under
    // (`qc.ca`) are not taken as its own.
    for (name, city) in [
        ("lil1-rbx8-sbb1-nc5.example.net", "Roubaix"),
        (
            "be100-104.fra1-lim1-sbb1-nc5.example.org",
            "Limburg an der Lahn",
        ),
        ("be100-2.was-dc1-sbb1-8k.example.net", "Ashburn"),
        ("be100-2.was-dc1-sbb1-8k.example.qc.ca", "Ashburn"),
    ] {
        assert_ne!(first(name).map(|p| p.0), Some(city), "{name}");
        assert_ne!(kind(name), Some(HintKind::Operator), "{name}");
    }
}

#[test]
fn hetzner_location_codes_from_its_own_list() {
    // hand/operators.d/hetzner.txt: Hetzner's location list. `nbg1` is Nuremberg (NBG was a
    // naval air station's code), `hil` Hillsboro, not Shilavo's airport.
    for (name, city, cc) in [
        ("core12.nbg1.hetzner.com", "Nuremberg", "DE"),
        ("core31.hel1.hetzner.com", "Helsinki", "FI"),
        ("spine2.cloud1.hil.hetzner.com", "Hillsboro", "US"),
        ("core1.ash.hetzner.com", "Ashburn", "US"),
        ("core-backbone-100g-nbg.hetzner.de", "Nuremberg", "DE"),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
    // Elsewhere `hil` is not Hetzner's Hillsboro.
    assert_ne!(first("core1.hil.example.net"), Some(("Hillsboro", "US")));
    assert_ne!(kind("core12.nbg1.example.com"), Some(HintKind::Operator));
}

#[test]
fn vehicle_registration_codes_in_the_networks_that_use_them() {
    // Deutsche Telekom: the code first and as a label; `eb7` (a device, with its number) is no
    // Eilenburg, and `ef2` no Erfurt.
    for (name, city) in [
        ("b-eb7-i.B.DE.NET.DTAG.DE", "Berlin"),
        ("m-ef2-i.M.DE.NET.DTAG.DE", "Munich"),
        ("hh-ea1-i.HH.DE.NET.DTAG.DE", "Hamburg"),
    ] {
        assert_eq!(first(name), Some((city, "DE")), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
    // RLP-Net: two letters and more (its `g-` prefix is no Gera).
    assert_eq!(first("g-uni-mz-3.rlp-net.net"), Some(("Mainz", "DE")));
    // Only under those networks: elsewhere `ko` and `mz` are no Koblenz or Mainz.
    assert_eq!(first("g-uni-ko-3.example.net"), None);
    assert!(dict::vehicle_code("example.net", "f").is_none());
}

#[test]
fn aws_regions_by_the_city_aws_names_them_by() {
    // hand/aws_regions.txt (botocore's endpoints.json): the region is the end of a label.
    for (name, city, cc) in [
        (
            "ec2-54-252-0-130.ap-southeast-2.compute.amazonaws.com",
            "Sydney",
            "AU",
        ),
        ("s3-website-ap-southeast-2.amazonaws.com", "Sydney", "AU"),
        (
            "ec2-3-120-0-1.eu-central-1.compute.amazonaws.com",
            "Frankfurt am Main",
            "DE",
        ),
        (
            "ec2-1-2-3-4.cn-north-1.compute.amazonaws.com.cn",
            "Beijing",
            "CN",
        ),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
    assert_eq!(
        hints("s3-website-ap-southeast-2.amazonaws.com")[0].token,
        "ap-southeast-2"
    );
    // A region AWS names by a state or a country gives no city (`us-east-1`: N. Virginia),
    // and the codes are AWS's own: elsewhere `eu-central-1` is nothing.
    assert_eq!(first("ec2-1-2-3-4.compute-1.amazonaws.com"), None);
    assert_eq!(first("ec2-3-80-0-1.us-east-1.compute.amazonaws.com"), None);
    assert_eq!(first("host.eu-central-1.example.com"), None);
}

#[test]
fn yandex_data_centre_codes_from_its_own_documentation() {
    // hand/operators.d/yandex.txt: the data centres Yandex's YDB documentation names. `man` is
    // Mäntsälä, not the Isle of Man or Manchester; `sas` Sasovo, `myt` Mytishchi.
    for (name, city, cc) in [
        ("vla-1d4-s12.yndx.net", "Vladimir", "RU"),
        ("sas2-e3.yndx.net", "Sasovo", "RU"),
        ("myt-b-x1.yndx.net", "Mytishchi", "RU"),
        ("man1-s5.yndx.net", "Mäntsälä", "FI"),
    ] {
        assert_eq!(first(name), Some((city, cc)), "{name}");
        assert_eq!(kind(name), Some(HintKind::Operator), "{name}");
    }
    // Elsewhere the letters are not Yandex's data centres.
    assert_ne!(first("man1-s5.example.net"), Some(("Mäntsälä", "FI")));
    assert_ne!(first("sas2-e3.example.net"), Some(("Sasovo", "RU")));
    assert_ne!(kind("vla-1d4-s12.example.net"), Some(HintKind::Operator));
}
