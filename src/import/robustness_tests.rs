//! Inputs that are not clean saved traces: empty, binary, undecodable, concatenated, headless,
//! and arbitrary text from property tests, which must never make `parse` panic.

use super::tests::{fixture_path, warned_lines};
use super::*;
use crate::trace::Hop;
use proptest::prelude::*;

#[test]
fn empty_binary_and_unrecognised_inputs_are_errors() {
    assert!(matches!(parse("", "a.txt"), Err(ImportError::Empty { .. })));
    assert!(matches!(
        parse(" \n\t\r\n", "a.txt"),
        Err(ImportError::Empty { .. })
    ));
    let binary = [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let err = parse_bytes(&binary, "a.out").unwrap_err();
    assert!(matches!(err, ImportError::Binary { .. }));
    assert_eq!(err.to_string(), "a.out is binary data, not a saved trace");
    let noise: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
    assert!(matches!(
        parse_bytes(&noise, "noise"),
        Err(ImportError::Binary { .. })
    ));
    match parse("hello\nworld\n", "notes.txt") {
        Err(e @ ImportError::NoHops { format: None, .. }) => {
            assert!(e.to_string().contains("notes.txt"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let header_only = "traceroute to x (192.0.2.1), 30 hops max, 60 byte packets\n";
    assert!(matches!(
        parse(header_only, "h.txt"),
        Err(ImportError::NoHops {
            format: Some(InputFormat::Traceroute),
            ..
        })
    ));
}

#[test]
fn read_names_the_file() {
    let err = read("/nonexistent/trace.txt").unwrap_err();
    assert!(matches!(err, ImportError::Read { .. }));
    assert!(err
        .to_string()
        .starts_with("cannot read /nonexistent/trace.txt: "));
}

#[test]
fn invalid_utf8_is_decoded_lossily_with_a_warning() {
    let mut bytes =
        b"traceroute to x (192.0.2.1), 30 hops max\n 1  gw (192.0.2.254)  1.0 ms\n".to_vec();
    bytes.extend_from_slice(b" 2  caf\xe9.example (192.0.2.1)  2.0 ms\n");
    let t = parse_bytes(&bytes, "latin1.txt").unwrap();
    assert_eq!(t.warnings.len(), 1);
    assert_eq!(t.warnings[0].line, 3);
    assert_eq!(t.warnings[0].reason, WarningReason::InvalidEncoding);
    let name = t.trace.hops[1].replies().next().unwrap().hostname.clone();
    // Names are cleaned by `text::sanitize_name`, whatever it makes of U+FFFD.
    let expected = crate::text::sanitize_name("caf\u{fffd}.example");
    assert_eq!(name, Some(expected));
    assert!(t.trace.reached);
}

#[test]
fn only_the_first_trace_is_read() {
    let one = std::fs::read_to_string(fixture_path("traceroute-names.txt")).unwrap();
    let two = format!("{one}{one}");
    let t = parse(&two, "two.txt").unwrap();
    assert_eq!(t.trace.hops.len(), 5);
    assert_eq!(warned_lines(&t), [7]);
    assert_eq!(t.warnings[0].reason, WarningReason::SecondTrace);
}

#[test]
fn hop_lines_without_a_header_are_still_traceroute() {
    let t = parse(" 1  192.0.2.1  1.5 ms  1.4 ms\n 2  * * *\n", "-").unwrap();
    assert_eq!(t.format, InputFormat::Traceroute);
    assert_eq!(t.trace.target, "192.0.2.1");
    assert!(!t.trace.reached);
    assert_eq!(t.trace.hops.len(), 2);
}

#[test]
fn warnings_are_capped() {
    let mut text = "garbage\n".repeat(5000);
    text.push_str("192.0.2.1\n");
    let t = parse(&text, "big.txt").unwrap();
    assert_eq!(t.trace.hops.len(), 1);
    assert_eq!(t.warnings.len(), common::MAX_WARNINGS + 1);
    let last = t.warnings.last().unwrap();
    assert_eq!(
        last.reason,
        WarningReason::MoreWarnings(5000 - common::MAX_WARNINGS)
    );
    assert_eq!(last.line, common::MAX_WARNINGS + 1);
    let err = parse(&"garbage\n".repeat(5000), "big.txt").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("(in no format globetrace reads; 5000 warnings)"),
        "{err}"
    );
}

/// Tokens traceroute-like tools print, so random inputs reach deep into the readers.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        Just("ms".to_string()),
        Just("traceroute to".to_string()),
        Just("Tracing route to".to_string()),
        Just("HOST: h Loss% Snt Avg".to_string()),
        Just("reports:".to_string()),
        Just("|--".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("<MPLS:L=1,E=0,S=1,T=1>".to_string()),
        Just("[MPLS: Lbl 1 Exp 0 S 1 TTL 1]".to_string()),
        "!<?[A-Z0-9<>-]{0,4}".prop_map(String::from),
        "[0-9]{1,4}\\.?(\\|--)?".prop_map(String::from),
        "[0-9]{1,6}\\.[0-9]{1,3}(ms|%)?".prop_map(String::from),
        "\\(?[0-9]{1,3}(\\.[0-9]{1,3}){3}\\)?".prop_map(String::from),
        "\\[?[0-9a-f:]{2,20}\\]?".prop_map(String::from),
        "[a-z.\\-]{1,12}".prop_map(String::from),
        any::<char>().prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = parse(&text, "prop");
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_bytes(&bytes, "prop");
    }

    #[test]
    fn parse_never_panics_on_trace_like_text(
        tokens in proptest::collection::vec(token(), 0..80),
        seps in proptest::collection::vec(prop_oneof![Just(" "), Just("  "), Just("\n ")], 80),
    ) {
        let text: String = tokens.iter().zip(&seps).flat_map(|(t, s)| [t.as_str(), *s]).collect();
        if let Ok(imported) = parse(&text, "prop") {
            // Whatever was read obeys the model's invariants.
            let ttls: Vec<u8> = imported.trace.hops.iter().map(|h| h.ttl).collect();
            prop_assert!(ttls.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(ttls.first().is_none_or(|&t| t > 0));
            for reply in imported.trace.hops.iter().flat_map(Hop::replies) {
                if let Some(name) = &reply.hostname {
                    prop_assert_eq!(name, &crate::text::sanitize_name(name));
                    prop_assert!(!name.is_empty());
                }
            }
        }
    }
}
