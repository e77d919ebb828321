//! Globalping results to traces: the recorded shapes, and hostile bodies.
use super::*;
use proptest::prelude::*;

fn fixture(name: &str) -> Measurement {
    let path = format!(
        "{}/tests/fixtures/remote/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn clean(s: &str) -> bool {
    !s.chars().any(|c| {
        c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

#[test]
fn traceroute_results_become_one_trace_per_probe() {
    let (records, warnings) = records(&fixture("gp-traceroute.json"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(records.len(), 2);
    let fra = &records[0];
    assert_eq!(fra.identity.label, "Frankfurt, DE, AS3320#1");
    assert_eq!(fra.identity.position, 1);
    assert_eq!(fra.identity.tool.as_deref(), Some("globalping traceroute"));
    assert_eq!(
        fra.identity.vantage.as_deref(),
        Some("Frankfurt, DE, AS3320 (Deutsche Telekom AG)")
    );
    assert_eq!(
        fra.identity.measurement.as_deref(),
        Some("nzGzfAGL7sZfUs3c")
    );
    let t = &fra.trace;
    assert_eq!(t.target, "example.com");
    assert_eq!(t.address, Some("93.184.215.14".parse().unwrap()));
    assert!(t.reached);
    assert_eq!(
        t.hops.iter().map(|h| h.ttl).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    // A silent hop: one lost probe.
    assert_eq!(t.hops[1].probes, vec![None]);
    let first = t.hops[0].probes[0].as_ref().unwrap();
    assert_eq!(first.hostname.as_deref(), Some("gw.fra.example.net"));
    assert_eq!(first.kind, ReplyKind::TimeExceeded);
    assert_eq!(first.rtt, Some(Duration::from_micros(412)));
    let last = t.hops[3].probes[1].as_ref().unwrap();
    assert_eq!(last.kind, ReplyKind::EchoReply);
    // A name that only repeats the address is no name.
    assert_eq!(last.hostname, None);
    assert_eq!(records[1].trace.hops.len(), 2);
}

#[test]
fn mtr_results_keep_lost_packets() {
    let (records, _) = records(&fixture("gp-mtr.json"));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].identity.tool.as_deref(), Some("globalping mtr"));
    let hop2 = &records[0].trace.hops[1];
    assert_eq!(hop2.sent(), 3);
    assert_eq!(hop2.received(), 1);
    assert!((hop2.loss_pct() - 200.0 / 3.0).abs() < 0.01);
}

#[test]
fn unfinished_probes_are_warnings_not_traces() {
    let (records, warnings) = records(&fixture("gp-in-progress.json"));
    assert!(records.is_empty());
    assert_eq!(warnings.len(), 2);
    assert!(warnings[0].contains("Frankfurt, DE, AS3320") && warnings[0].contains("in-progress"));
}

#[test]
fn hostile_fixture_is_sanitised() {
    let (records, warnings) = records(&fixture("gp-hostile.json"));
    assert_eq!(records.len(), 1);
    for w in &warnings {
        assert!(clean(w), "{w:?}");
    }
    let r = &records[0];
    assert!(clean(&r.identity.label) && clean(r.identity.vantage.as_deref().unwrap()));
    assert!(clean(&r.trace.target));
    for reply in r.trace.hops.iter().flat_map(|h| h.replies()) {
        assert!(
            clean(reply.hostname.as_deref().unwrap_or("")),
            "{:?}",
            reply.hostname
        );
    }
    // Negative and absurd RTTs are not taken as times.
    assert!(r.trace.hops[2]
        .replies()
        .all(|x| x.rtt == Some(Duration::from_millis(3))));
}

#[test]
fn request_body_matches_the_documented_fields() {
    let spec = MeasurementSpec {
        target: "example.com".into(),
        locations: vec!["Berlin+AS3320".into(), "aws-us-east-1".into()],
        limit: 4,
        mtr_packets: Some(5),
        protocol: Protocol::Tcp,
        port: Some(443),
        ip_version: Some(6),
    };
    let b = spec.body();
    assert_eq!(b["type"], "mtr");
    assert_eq!(b["locations"][0]["magic"], "Berlin+AS3320");
    assert_eq!(b["limit"], 4);
    assert_eq!(b["measurementOptions"]["protocol"], "TCP");
    assert_eq!(b["measurementOptions"]["port"], 443);
    assert_eq!(b["measurementOptions"]["ipVersion"], 6);
    assert_eq!(b["measurementOptions"]["packets"], 5);
}

fn any_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..40).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Any strings in any field: no panic, nothing unclean comes out.
    #[test]
    fn arbitrary_strings_never_panic_or_leak(city in any_text(), name in any_text(),
                                             addr in any_text(), status in any_text(),
                                             rtt in proptest::num::f64::ANY) {
        let body = serde_json::json!({
            "id": "x", "type": "traceroute", "status": "finished", "target": name,
            "results": [{"probe": {"city": city, "network": name, "country": status},
                         "result": {"status": status, "resolvedAddress": addr,
                                    "hops": [{"resolvedAddress": addr, "resolvedHostname": name,
                                              "timings": [{"rtt": rtt}]},
                                             {"resolvedAddress": "192.0.2.1", "resolvedHostname": city,
                                              "timings": [{"rtt": 1.0}]}]}}]
        });
        let m: Measurement = serde_json::from_value(body).unwrap();
        let (records, warnings) = records(&m);
        for w in &warnings { prop_assert!(clean(w)); }
        for r in &records {
            prop_assert!(clean(&r.identity.label));
            prop_assert!(clean(r.identity.vantage.as_deref().unwrap_or("")));
            for reply in r.trace.hops.iter().flat_map(|h| h.replies()) {
                prop_assert!(clean(reply.hostname.as_deref().unwrap_or("")));
            }
        }
    }

    /// Arbitrary bytes as a measurement body: an error or a value, never a panic.
    #[test]
    fn arbitrary_bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(m) = serde_json::from_slice::<Measurement>(&bytes) {
            let _ = records(&m);
        }
    }
}
