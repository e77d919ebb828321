//! Whole-input tests of each format against the fixtures in `tests/fixtures/import/` (its
//! README says which were captured from the real tools). Error cases, encodings and property
//! tests are in `robustness_tests`.

use super::*;
use crate::trace::{Hop, ReplyKind, Unreachable};
use std::net::IpAddr;
use std::time::Duration;

pub(super) fn fixture_path(name: &str) -> String {
    format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn fixture(name: &str) -> Imported {
    read(&fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ms(micros: u64) -> Option<Duration> {
    Some(Duration::from_micros(micros))
}

/// Each probe's responder, or `None` for a silent one.
fn addrs(hop: &Hop) -> Vec<Option<IpAddr>> {
    hop.probes
        .iter()
        .map(|p| p.as_ref().map(|r| r.address))
        .collect()
}

fn kinds(hop: &Hop) -> Vec<Option<ReplyKind>> {
    hop.probes
        .iter()
        .map(|p| p.as_ref().map(|r| r.kind))
        .collect()
}

fn ttls(imported: &Imported) -> Vec<u8> {
    imported.trace.hops.iter().map(|h| h.ttl).collect()
}

pub(super) fn warned_lines(imported: &Imported) -> Vec<usize> {
    imported.warnings.iter().map(|w| w.line).collect()
}

#[test]
fn traceroute_with_names_and_a_silent_hop() {
    let t = fixture("traceroute-names.txt");
    assert_eq!(t.format, InputFormat::Traceroute);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let trace = &t.trace;
    assert_eq!(trace.origin, Origin::Imported);
    assert_eq!(trace.target, "www.example.com");
    assert_eq!(trace.address, Some(ip("203.0.113.10")));
    assert!(trace.reached);
    assert_eq!(ttls(&t), [1, 2, 3, 4, 5]);
    let first = trace.hops[0].probes[0].as_ref().unwrap();
    assert_eq!(first.address, ip("198.51.100.1"));
    assert_eq!(first.hostname.as_deref(), Some("gw.home.example"));
    assert_eq!(first.rtt, ms(34));
    assert_eq!(first.kind, ReplyKind::Unknown);
    assert_eq!(trace.hops[2].probes, vec![None, None, None]);
    assert_eq!(trace.hops[4].responders(), [ip("203.0.113.10")]);
}

#[test]
fn traceroute_numeric_with_four_queries_and_two_responders() {
    let t = fixture("traceroute-n-q4.txt");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let (a, b) = (Some(ip("198.51.100.10")), Some(ip("198.51.100.6")));
    assert_eq!(addrs(&t.trace.hops[1]), [a, a, b, a]);
    assert!(t.trace.hops[1].replies().all(|r| r.hostname.is_none()));
    assert_eq!(t.trace.hops[3].sent(), 4);
    let last = &t.trace.hops[4];
    assert_eq!((last.sent(), last.received()), (4, 2));
    assert!(t.trace.reached);
}

#[test]
fn traceroute_marks_from_real_unreachables() {
    let h = fixture("traceroute-host-unreachable.txt");
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    assert!(!h.trace.reached, "203.0.113.99 never answered");
    assert_eq!(h.trace.hops.len(), 8);
    let unreach = Some(ReplyKind::Unreachable(Unreachable::Host));
    assert_eq!(kinds(&h.trace.hops[7]), [None, unreach, unreach]);
    let names: Vec<_> = h.trace.hops[1]
        .replies()
        .map(|r| r.hostname.clone().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ae2.rb.example.net",
            "ae1.ra.example.net",
            "ae1.ra.example.net"
        ]
    );

    let x = fixture("traceroute-n-prohibited.txt");
    let prohibited = Some(ReplyKind::Unreachable(Unreachable::AdminProhibited));
    assert_eq!(kinds(&x.trace.hops[7]), [None, prohibited, prohibited]);

    let n = fixture("traceroute-icmp-net-unreachable.txt");
    let net = Some(ReplyKind::Unreachable(Unreachable::Network));
    assert_eq!(kinds(&n.trace.hops[4]), [net, net, net]);
    assert!(n.warnings.is_empty());
}

#[test]
fn traceroute_ipv6() {
    let t = fixture("traceroute6-names.txt");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.trace.address, Some(ip("2001:db8:5::10")));
    assert!(t.trace.reached);
    let second = t.trace.hops[1].replies().next().unwrap();
    assert_eq!(second.address, ip("2001:db8:2::2"));
    assert_eq!(
        second.hostname, None,
        "`2001:db8:2::2 (2001:db8:2::2)` has no name"
    );

    let n = fixture("traceroute6-n.txt");
    assert!(n.warnings.is_empty());
    assert_eq!(addrs(&n.trace.hops[4]).len(), 3);
    assert_eq!(n.trace.hops[4].received(), 2);
    assert!(n.trace.reached);
}

#[test]
fn traceroute_annotations_are_skipped_quietly() {
    let t = fixture("traceroute-mtu.txt");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.trace.hops[0].received(), 3);
    assert_eq!(t.trace.hops[4].received(), 3);
}

#[test]
fn traceroute_with_mpls_and_as_numbers() {
    let t = fixture("traceroute-internet.txt");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.trace.target, "www.example.org");
    assert!(t.trace.reached);
    let hop4 = t.trace.hops[3].replies().next().unwrap();
    assert_eq!(hop4.mpls.len(), 1);
    assert_eq!(hop4.mpls[0].label, 24017);
    assert!(hop4.mpls[0].bottom);
    let hop5: Vec<_> = t.trace.hops[4].replies().collect();
    assert_eq!(hop5[0].mpls.len(), 2);
    assert_eq!(hop5[1].address, ip("198.51.100.25"));
    assert_eq!(hop5[1].mpls[0].label, 24006);
    assert_eq!(hop5[2].mpls[0].label, 24006);
    assert_eq!(hop5[0].rtt, ms(10_233));
    let hop7 = &t.trace.hops[6];
    assert_eq!(addrs(hop7), [None, Some(ip("198.51.100.69")), None]);
    assert!(t.trace.hops[5].replies().all(|r| r.mpls.is_empty()));
}

#[test]
fn bsd_continuation_lines_add_responders() {
    let t = fixture("traceroute-bsd.txt");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let (a, b) = (Some(ip("10.20.0.1")), Some(ip("10.20.0.5")));
    assert_eq!(addrs(&t.trace.hops[1]), [a, b, b]);
    let admin = Some(ReplyKind::Unreachable(Unreachable::AdminProhibited));
    assert_eq!(kinds(&t.trace.hops[3]), [admin, admin, None]);
    assert!(!t.trace.reached);
}

#[test]
fn every_mark_form() {
    let t = fixture("traceroute-marks.txt");
    use Unreachable::*;
    let u = |x| Some(ReplyKind::Unreachable(x));
    assert_eq!(
        kinds(&t.trace.hops[1]),
        [u(Network), u(Protocol), u(SourceRoute)]
    );
    assert_eq!(
        kinds(&t.trace.hops[2]),
        [
            u(FragmentationNeeded),
            u(PrecedenceViolation),
            u(PrecedenceCutoff)
        ]
    );
    // `!<12-0>` is not an unreachable: the reply stays Unknown and the mark is reported.
    assert_eq!(
        kinds(&t.trace.hops[3]),
        [u(Other(10)), u(Other(13)), Some(ReplyKind::Unknown)]
    );
    assert_eq!(warned_lines(&t), [5]);
    assert_eq!(
        t.warnings[0].reason,
        WarningReason::IgnoredText("!<12-0>".into())
    );
}

#[test]
fn saved_terminal_session_with_garbage() {
    let t = fixture("traceroute-garbage-crlf.txt");
    assert_eq!(t.format, InputFormat::Traceroute);
    assert_eq!(ttls(&t), [1, 3, 5]);
    assert!(t.trace.reached);
    assert_eq!(warned_lines(&t), [1, 4, 6, 7, 7, 9]);
    let reasons: Vec<_> = t.warnings.iter().map(|w| w.reason.clone()).collect();
    assert_eq!(reasons[0], WarningReason::Unrecognized);
    assert!(matches!(reasons[1], WarningReason::IgnoredText(_)));
    assert_eq!(
        reasons[2],
        WarningReason::HopOutOfOrder {
            ttl: 2,
            previous: 3
        }
    );
    assert_eq!(reasons[3], WarningReason::BadAddress("bad-address".into()));
    assert_eq!(reasons[4], WarningReason::RttWithoutResponder);
    let evil = t.trace.hops[1].replies().next().unwrap();
    let name = evil.hostname.as_deref().unwrap();
    assert_eq!(
        name,
        crate::text::sanitize_name("\u{1b}[31mevil\u{1b}[0m.example\u{202e}.net")
    );
    assert!(!name.contains(['\u{1b}', '\u{202e}']), "{name:?}");
    assert!(name.contains("evil") && name.ends_with(".example.net"));
    // Quoted lines are safe to print and carry no CR.
    assert!(t
        .warnings
        .iter()
        .all(|w| !w.text.contains(['\r', '\u{1b}'])));
}

#[test]
fn inetutils_traceroute() {
    let t = fixture("inetutils.txt");
    assert_eq!(t.format, InputFormat::Traceroute);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert!(t.trace.reached);
    assert_eq!(t.trace.hops[0].probes[0].as_ref().unwrap().rtt, ms(7));
    assert_eq!(t.trace.hops[2].probes, vec![None, None, None]);

    let r = fixture("inetutils-resolve.txt");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let first = r.trace.hops[0].replies().next().unwrap();
    assert_eq!(first.address, ip("198.51.100.1"));
    assert_eq!(first.hostname.as_deref(), Some("gw.home.example"));

    let x = fixture("inetutils-prohibited.txt");
    let prohibited = Some(ReplyKind::Unreachable(Unreachable::AdminProhibited));
    assert_eq!(kinds(&x.trace.hops[3]), [prohibited; 3]);
}

#[test]
fn tracert_output() {
    let t = fixture("tracert.txt");
    assert_eq!(t.format, InputFormat::Tracert);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.trace.target, "www.example.org");
    assert_eq!(t.trace.address, Some(ip("192.0.2.80")));
    assert!(t.trace.reached);
    assert_eq!(t.trace.hops[0].probes[0].as_ref().unwrap().rtt, ms(1000));
    assert_eq!(t.trace.hops[2].probes, vec![None, None, None]);
    let hop5 = &t.trace.hops[4];
    let core = Some(ip("198.51.100.65"));
    assert_eq!(addrs(hop5), [core, None, core]);
    assert_eq!(
        hop5.replies().next().unwrap().hostname.as_deref(),
        Some("be100.cr1.nyc2.example.net")
    );

    let u = fixture("tracert-unreachable.txt");
    assert!(u.warnings.is_empty(), "{:?}", u.warnings);
    assert_eq!(u.trace.target, "192.0.2.99");
    assert!(!u.trace.reached);
    let last = u.trace.hops[2].probes[0].as_ref().unwrap();
    assert_eq!(last.kind, ReplyKind::Unreachable(Unreachable::Host));
    assert_eq!(last.rtt, None);

    let v6 = fixture("tracert6.txt");
    assert!(v6.warnings.is_empty(), "{:?}", v6.warnings);
    assert_eq!(v6.trace.address, Some(ip("2001:db8:80::80")));
    assert!(v6.trace.reached);
}

#[test]
fn tracert_saved_as_utf16_by_powershell() {
    let text = std::fs::read_to_string(fixture_path("tracert.txt")).unwrap();
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let t = parse_bytes(&bytes, "tracert.txt").unwrap();
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.trace, fixture("tracert.txt").trace);
}

#[test]
fn mtr_reports() {
    let n = fixture("mtr-nw.txt");
    assert_eq!(n.format, InputFormat::Mtr);
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert_eq!(ttls(&n), [1, 2, 3, 4, 5]);
    assert_eq!((n.trace.hops[0].sent(), n.trace.hops[0].received()), (5, 5));
    assert_eq!(n.trace.hops[2].received(), 0);
    assert_eq!(n.trace.hops[0].probes[0].as_ref().unwrap().rtt, ms(100));
    // mtr reports do not name the target: the last responder stands in, unconfirmed.
    assert_eq!(n.trace.target, "203.0.113.10");
    assert_eq!(n.trace.address, None);
    assert!(!n.trace.reached);

    let asn = fixture("mtr-asn.txt");
    assert!(asn.warnings.is_empty(), "{:?}", asn.warnings);
    assert_eq!(asn.trace.hops.len(), 5);

    let cols = fixture("mtr-columns.txt");
    assert!(cols.warnings.is_empty(), "{:?}", cols.warnings);
    assert_eq!(cols.trace.hops[0].sent(), 5);
    let first = cols.trace.hops[0].replies().next().unwrap();
    assert_eq!(first.hostname.as_deref(), Some("gw.home.example"));
}

#[test]
fn mtr_extra_responders_and_missing_addresses_are_reported() {
    let e = fixture("mtr-bw-ecmp.txt");
    assert_eq!(e.trace.hops.len(), 5);
    assert_eq!(warned_lines(&e), [5]);
    assert_eq!(
        e.warnings[0].reason,
        WarningReason::ExtraResponder("ae2.rb.example.net (198.51.100.10)".into())
    );

    let cut = fixture("mtr6-b-truncated.txt");
    assert_eq!(ttls(&cut), [2, 3]);
    assert_eq!(warned_lines(&cut), [3, 6, 7]);
    assert!(matches!(
        cut.warnings[0].reason,
        WarningReason::NameWithoutAddress(_)
    ));

    // mtr's default report has names only: nothing to place, and the warnings say why.
    match read(&fixture_path("mtr-names-only.txt")) {
        Err(ImportError::NoHops {
            format, warnings, ..
        }) => {
            assert_eq!(format, Some(InputFormat::Mtr));
            assert_eq!(warnings.len(), 4);
            assert!(warnings[0].reason.to_string().contains("-n"));
        }
        other => panic!("expected NoHops, got {other:?}"),
    }
}

#[test]
fn address_list() {
    let t = fixture("list.txt");
    assert_eq!(t.format, InputFormat::AddressList);
    assert_eq!(ttls(&t), [1, 2, 3, 4, 5, 6]);
    assert_eq!(t.trace.hops[2].probes, vec![None]);
    assert_eq!(t.trace.hops[4].responders(), [ip("2001:db8:ff::1")]);
    assert_eq!(warned_lines(&t), [8]);
    assert_eq!(t.trace.target, "203.0.113.1");
    assert!(!t.trace.reached);
    assert!(t
        .trace
        .hops
        .iter()
        .flat_map(Hop::replies)
        .all(|r| r.rtt.is_none()));
}
