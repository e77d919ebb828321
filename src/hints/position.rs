//! Where in a name a token sits, and what that says about it.
//!
//! Why: a dictionary says what letters may mean, not whether this name uses them for a place.
//! Two facts of how router names are written say more:
//!
//! - **A code after an unread word** (`spb-sel-cr2`, `lanclu-rbr1`): within one label,
//!   operators write the place first and then what is in it (a site, a building, a router:
//!   `spb-sel` is a site in Saint Petersburg, `lanclu-rbr1` a router at Lancaster
//!   University), or both ends of a link. When the word before a three-letter code is in no
//!   dictionary and is no router vocabulary, it may well be the place (an operator's own code
//!   for it), and the code then names something inside it that happens to spell a foreign
//!   airport (Seoul's `sel`, Rio Branco's `rbr`). Nothing in the name says which, so the code
//!   is not taken. Longer names after such a word (`tnk-toronto`, `pvu-paris`) are places
//!   whatever comes before them, and a code first in its label (`kbn-b4-link`) or after a
//!   number (`m1049-jax`) is untouched.
//! - **The label after a device's is the site's** (`retn.ier02.sto.ntwk.msn.net`,
//!   `bas1.paris.sfr.net`): a label of letters and a number that reads as nothing is a
//!   device, and a whole label right after it is in the site's position. That is structure
//!   enough for a short code or a city name that would otherwise need GeoIP's agreement.
//! - **A word before a numbered device part is a site** (`kazn-rgr1`: Rostelecom's router
//!   `rgr1` in Kazan), and so is a whole label after a router role's (`core1.jack`,
//!   `rtsw.minn`). That is structure enough for a code to abbreviate a city of the
//!   country the top-level domain names, which elsewhere it may not ([`super::abbrev`]).
//! - **The label nearest the domain is the site** (`ibr01.ham31.ntwk.msn.net`): DNS names
//!   grow broader to the right, and routers are named `device.site.domain` (`ccr42.ham01`,
//!   `mpr1.sea1`, `ibr01.ham31`). When site-numbered codes of the same kind in different
//!   labels disagree, the rightmost is the site and the others are device or role names that
//!   spell a place (`ibr`, Microsoft's border routers, is Ibaraki's airport).

use super::dict::{self, Place};
use super::hostname::{Hint, HintKind};
use super::tokens::Token;

/// Whether the three-letter code `tokens[i]` follows, in its own label, a letters-only word
/// of three or more letters that `unread` marks as read as nothing (no dictionary entry, no
/// vocabulary). Only single parts count on either side, not joined runs.
pub fn after_unread_word(tokens: &[Token], i: usize, unread: &[bool]) -> bool {
    let t = &tokens[i];
    if t.width != 1 || t.alpha.len() != 3 || t.part == 0 {
        return false;
    }
    tokens.iter().zip(unread).any(|(w, &unread)| {
        unread
            && w.width == 1
            && w.label == t.label
            && w.part + 1 == t.part
            && w.alpha.len() >= 3
            && w.alpha == w.text
    })
}

/// Whether `tokens[i]` is a word of letters alone that begins its label, right before a
/// part of letters and a number (`kazn-rgr1`, `irkt-bras3`, `lond-sbr1`): a site, then the
/// device in it.
pub fn before_device_part(tokens: &[Token], i: usize) -> bool {
    let t = &tokens[i];
    if t.width != 1 || t.part != 0 || t.parts < 2 || t.alpha != t.text {
        return false;
    }
    tokens.get(i + 1).is_some_and(|d| {
        d.label == t.label
            && d.part == 1
            && d.width == 1
            && d.site_number
            && d.text[d.alpha.len()..].bytes().all(|b| b.is_ascii_digit())
    })
}

/// Whether `tokens[i]` is a whole label right after a device's label: one part of letters
/// and a number that reads as nothing (`ier02.sto`, `bas1.paris`). Names are written
/// `device.site.domain`, so the label after the device is the site's.
pub fn after_device_label(tokens: &[Token], i: usize, unread: &[bool]) -> bool {
    let t = &tokens[i];
    if t.width != 1 || t.parts != 1 || t.label == 0 || t.alpha != t.text {
        return false;
    }
    tokens.iter().zip(unread).any(|(d, &unread)| {
        unread
            && d.width == 1
            && d.parts == 1
            && d.label + 1 == t.label
            && d.site_number
            && d.alpha.len() >= 2
            && d.text[d.alpha.len()..].bytes().all(|b| b.is_ascii_digit())
    })
}

/// Whether `tokens[i]` is a whole label of letters (and perhaps a site number) right after a
/// label that ends in a router role, numbered or not (`core1.jack`, `bgw01.ekat`, `rtsw.minn`,
/// `ebt-B1101-core01.rjo`, `cor2.lond2`): the site's position
/// (`device.site.domain`), enough for a four-letter code to abbreviate a city of the
/// top-level domain's country ([`super::abbrev`]).
pub fn after_role_label(tokens: &[Token], i: usize) -> bool {
    let t = &tokens[i];
    let numbered = t.text[t.alpha.len()..].bytes().all(|b| b.is_ascii_digit());
    if t.width != 1 || t.parts != 1 || t.label == 0 || !numbered {
        return false;
    }
    tokens.iter().any(|d| {
        d.width == 1
            && d.part + 1 == d.parts
            && d.label + 1 == t.label
            && dict::is_router_word(&d.alpha)
            && d.text[d.alpha.len()..].bytes().all(|b| b.is_ascii_digit())
    })
}

/// The leaders (first hints of the strongest tokens, `(label, hint)`) that name the site when
/// they disagree: the one in the rightmost label, if every leader is a site-numbered short
/// code of one kind and no other leader shares that label (`re1-mi02-rs1-bo01.bo01`: a link
/// from Milan to Bologna, on the router at Bologna). `None` when the rule does not apply.
pub fn rightmost_site(leaders: &[(usize, &Hint)]) -> Option<usize> {
    let first = leaders.first()?.1;
    let short = matches!(
        first.kind,
        HintKind::Airport | HintKind::Short | HintKind::Locode | HintKind::Footprint
    );
    let uniform = leaders
        .iter()
        .all(|(_, h)| h.site_number && h.kind == first.kind);
    let labels: Vec<usize> = leaders.iter().map(|(l, _)| *l).collect();
    let last = *labels.iter().max()?;
    let alone = labels.iter().filter(|l| **l == last).count() == 1;
    if leaders.len() < 2 || !short || !uniform || !alone {
        return None;
    }
    Some(last)
}

/// Whether the site-numbered tokens among the strongest ones, `leaders` (label, hint), which
/// disagree, outrank those without a number: a site number is the mark of a site
/// (`LosAngeles9`), so a place name without one (a customer's name, `CHUNGHWA-TE`) yields to
/// site-numbered place names that agree among themselves, and so does an airport code
/// without one in a label of its own (Akamai's backbone `icn` in `r01.ord01.icn`; not a
/// link's far end, `lhr-jfk1`). Other short codes that disagree stay ambiguous.
pub fn numbered_outrank(leaders: &[(usize, &Hint)], agree: &dyn Fn(&[&Place]) -> bool) -> bool {
    let Some((_, first)) = leaders.first() else {
        return false;
    };
    let numbered: Vec<&(usize, &Hint)> = leaders.iter().filter(|(_, h)| h.site_number).collect();
    let places: Vec<&Place> = numbered.iter().map(|(_, h)| &h.place).collect();
    let apart = || {
        leaders
            .iter()
            .filter(|(_, h)| !h.site_number)
            .all(|(l, _)| numbered.iter().all(|(n, _)| n != l))
    };
    let kind_ok = first.kind >= HintKind::Long || (first.kind == HintKind::Airport && apart());
    !numbered.is_empty() && numbered.len() < leaders.len() && agree(&places) && kind_ok
}

#[cfg(test)]
mod tests {
    use super::super::tests::placed;
    use super::super::tokens::tokenize;
    use super::*;

    #[test]
    fn a_code_after_an_unread_word_is_not_taken() {
        // Saint Petersburg's `spb` is in no dictionary; `sel` is Seoul's metro code.
        assert_eq!(placed("spb-sel-cr2.ae61-2159.rascom.as20764.net"), None);
        // Lancaster University's router `rbr1` (Rio Branco's airport code).
        assert_eq!(placed("ae24.lanclu-rbr1.ja.net"), None);
        let t = tokenize("spb-sel-cr2.example.net").tokens;
        let unread = vec![true; t.len()];
        let sel = t.iter().position(|t| t.alpha == "sel").unwrap();
        assert!(after_unread_word(&t, sel, &unread));
        // The word before it read as something: the rule does not apply.
        assert!(!after_unread_word(&t, sel, &vec![false; t.len()]));
    }

    #[test]
    fn codes_first_in_their_label_or_after_numbers_or_long_names_still_read() {
        assert_eq!(
            placed("kbn-b4-link.ip.twelve99.net").as_deref(),
            Some("Copenhagen, DK")
        );
        assert_eq!(
            placed("m1049-jax-10ge-1-1-2.fplfn.net").as_deref(),
            Some("Jacksonville, FL, US")
        );
        assert_eq!(
            placed("if-ae-39-2.tcore1.pvu-paris.as6453.net").as_deref(),
            Some("Paris, FR")
        );
        assert_eq!(
            placed("ix-ae-13-0.tcore1.tnk-toronto.as6453.net").as_deref(),
            Some("Toronto, ON, CA")
        );
        // Vocabulary before a code is not an unread word.
        assert_eq!(
            placed("xe-0.core-fra1.example.net").as_deref(),
            Some("Frankfurt am Main, DE")
        );
    }

    #[test]
    fn the_label_after_a_device_is_the_site() {
        assert_eq!(
            placed("retn.ier02.sto.ntwk.msn.net").as_deref(),
            Some("Stockholm, SE")
        );
        assert_eq!(placed("bas1.paris.sfr.net").as_deref(), Some("Paris, FR"));
        // Without a numbered device label before it, a bare code still needs GeoIP.
        for name in [
            "lax.example.com",
            "cdn-lax.customer.example.com",
            "ier.sto.example.net",
        ] {
            assert_eq!(placed(name), None, "{name}");
        }
        // A device label that is a service or vocabulary word is not a device here, and a
        // small town's UN/LOCODE still needs GeoIP for its size.
        assert_eq!(placed("web1.lax.example.com"), None);
        assert_eq!(placed("dev1.se-brm.example.net"), None);
        assert_eq!(placed("abc1.hmb.example.de"), None);
    }

    #[test]
    fn a_label_after_a_role_may_abbreviate_a_city_of_the_domains_country() {
        // Internet2's `core1.jack`, `rtsw.clev` (`.edu`: the United States).
        for (name, city) in [
            (
                "fourhundredge-0-0-0-0.4079.core1.jack.net.internet2.edu",
                "Jacksonville, FL, US",
            ),
            ("ae-1.4079.rtsw.clev.net.internet2.edu", "Cleveland, OH, US"),
        ] {
            assert_eq!(placed(name).as_deref(), Some(city), "{name}");
        }
        let t = tokenize("ae-1.4079.rtsw.clev.net.internet2.edu").tokens;
        let clev = t.iter().position(|t| t.alpha == "clev").unwrap();
        assert!(after_role_label(&t, clev));
        // Not after a word that is no role, nor before a state label (`crlt.vic`: a suburb
        // of Melbourne, whatever city of Australia its letters fit).
        let t = tokenize("ae-1.abc.clev.example.edu").tokens;
        assert!(!after_role_label(
            &t,
            t.iter().position(|t| t.alpha == "clev").unwrap()
        ));
        assert_eq!(placed("et-5-1-0.pe1.crlt.vic.aarnet.net.au"), None);
    }

    #[test]
    fn the_site_is_the_label_nearest_the_domain() {
        // `ibr01`: a Microsoft border router, also Ibaraki's airport code.
        assert_eq!(
            placed("be-6-0.ibr01.ham31.ntwk.msn.net").as_deref(),
            Some("Hamburg, DE")
        );
        assert_eq!(
            placed("be-12-0.ibr05.ams06.ntwk.msn.net").as_deref(),
            Some("Amsterdam, NL")
        );
        // Codes in one label name a link's ends: the name stays ambiguous. (Where only one
        // of two labels has a site number, that one is the site: `lga01.icn`.)
        assert_eq!(placed("ae1.cr1.lhr-jfk1.example.net"), None);
        assert_eq!(
            placed("ae1.lga01.icn.example.net").as_deref(),
            Some("New York, NY, US")
        );
    }
}
