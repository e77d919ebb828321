//! The live view drawn on ratatui's in-memory backend: the figures it shows, how it fits small
//! terminals, the map pane, and what each key does.

use super::map::{bounds, located};
use super::rows::{layout, rows, Col};
use super::*;
use crate::geo::Location;
use crate::path::{Enrichment, Placement};
use crate::trace::{Hop, Origin, Reply, ReplyKind, Trace};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Made-up places for the test path: (address, name, city, country, lat, lon, asn).
const PLACES: &[(&str, &str, &str, &str, f64, f64, u32)] = &[
    ("192.0.2.1", "gw.example", "", "", 0.0, 0.0, 0),
    (
        "198.51.100.2",
        "lon1.example",
        "London",
        "GB",
        51.5,
        -0.12,
        64500,
    ),
    (
        "198.51.100.3",
        "nyc1.example",
        "New York",
        "US",
        40.7,
        -74.0,
        64501,
    ),
    (
        "198.51.100.4",
        "",
        "Los Angeles",
        "US",
        34.05,
        -118.24,
        64502,
    ),
    (
        "198.51.100.5",
        "dst.example",
        "Tokyo",
        "JP",
        35.68,
        139.69,
        64503,
    ),
];

fn location(i: usize) -> Option<Location> {
    let (_, _, city, cc, lat, lon, asn) = PLACES[i];
    (!city.is_empty()).then(|| Location {
        city: Some(city.into()),
        country_code: Some(cc.into()),
        latitude: Some(lat),
        longitude: Some(lon),
        asn: Some(asn),
        ..Location::default()
    })
}

/// One pass over `n` hops (the last is the destination); `rtt(ttl)` in ms, `None` = lost.
fn pass(n: u8, rtt: impl Fn(u8) -> Option<f64>, who: impl Fn(u8) -> IpAddr) -> Vec<Hop> {
    (1..=n)
        .map(|ttl| Hop {
            ttl,
            probes: vec![rtt(ttl).map(|ms| {
                let kind = if ttl == n {
                    ReplyKind::EchoReply
                } else {
                    ReplyKind::TimeExceeded
                };
                Reply::new(who(ttl), Some(Duration::from_secs_f64(ms / 1000.0)), kind)
            })],
        })
        .collect()
}

fn addr(ttl: u8) -> IpAddr {
    ip(PLACES[usize::from(ttl - 1) % PLACES.len()].0)
}

/// A path of `n` hops whose first five are placed as in [`PLACES`].
fn path_of(n: u8) -> Path {
    let mut t = Trace::new("dst.example", Some(addr(5)), Origin::Live);
    t.hops = pass(
        n,
        |ttl| Some(f64::from(ttl)),
        |ttl| ip(&format!("198.51.100.{}", 100 + ttl)),
    );
    for (i, hop) in t.hops.iter_mut().enumerate().take(PLACES.len()) {
        hop.probes[0].as_mut().unwrap().address = ip(PLACES[i].0);
    }
    let names: HashMap<IpAddr, String> = PLACES
        .iter()
        .filter(|p| !p.1.is_empty())
        .map(|p| (ip(p.0), p.1.to_string()))
        .collect();
    let mut path = Path::build(
        t,
        &Enrichment {
            names: Some(&names),
            ..Enrichment::default()
        },
    );
    for (i, hop) in path.hops.iter_mut().enumerate().take(PLACES.len()) {
        hop.responders[0].geo = location(i);
        hop.placement =
            location(i).map(|l| Placement::geoip(l.latitude.unwrap(), l.longitude.unwrap()));
    }
    path
}

/// Twenty cycles over five hops: hop 2 loses its own replies in even cycles (rate
/// limiting), hop 3 changes responder at cycle 3, hop 4 RTTs 10, 20, 30, 40 ms over and over.
fn view() -> View {
    let mut stats = Aggregate::new();
    for cycle in 1..=20u64 {
        let hops = pass(
            5,
            |ttl| match ttl {
                2 if cycle % 2 == 0 => None,
                4 => Some(10.0 * ((cycle - 1) % 4 + 1) as f64),
                t => Some(f64::from(t) + 0.5),
            },
            |ttl| {
                if ttl == 3 && cycle >= 3 {
                    ip("203.0.113.33")
                } else {
                    addr(ttl)
                }
            },
        );
        stats.add_pass(cycle, &hops, true);
    }
    View {
        header: Header {
            target: "dst.example".into(),
            address: addr(5),
            source: Some(ip("192.0.2.100")),
            protocol: "icmp".into(),
            cycles_done: 20,
            cycles_total: Some(100),
            elapsed: Duration::from_secs(65),
            paused: false,
            interval: Duration::from_millis(500),
        },
        path: path_of(5),
        stats,
    }
}

/// Draw `view` at `w` × `h` and return the screen's lines.
fn screen(view: &View, state: &UiState, w: u16, h: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| draw(f, view, state)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    buffer
        .content
        .chunks(usize::from(w))
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect()
}

fn line_with<'a>(lines: &'a [String], needle: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{}", lines.join("\n")))
}

/// The first line of hop `ttl`.
fn hop_line<'a>(lines: &'a [String], ttl: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.split_whitespace().next().map(|w| w.trim_end_matches('↻')) == Some(ttl))
        .unwrap_or_else(|| panic!("no hop {ttl} in\n{}", lines.join("\n")))
}

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn the_table_shows_the_statistics_of_every_hop() {
    let lines = screen(&view(), &UiState::default(), 140, 40);
    let header = &lines[0];
    assert!(
        header.contains("dst.example (198.51.100.5) · cycle 20/100 · 00:01:05 · every 0.5s"),
        "{header}"
    );
    assert!(
        header.contains("dst.example (198.51.100.5) · cycle 20/100 · 00:01:05 · every 0.5s"),
        "{header}"
    );
    let titles = words(line_with(&lines, "Loss%"));
    assert_eq!(
        titles,
        [
            "Hop", "Host", "Place", "Network", "Loss%", "Snt", "Last", "Avg", "Best", "Wrst",
            "StDev", "Jitter"
        ]
    );
    // Hop 4: RTTs 10, 20, 30, 40 five times → last 40, avg 25, best 10, worst 40, stdev √125,
    // jitter (15 × 10 + 4 × 30) / 19.
    let hop4 = words(hop_line(&lines, "4"));
    assert_eq!(
        hop4[hop4.len() - 8..],
        ["0.0%", "20", "40.0", "25.0", "10.0", "40.0", "11.2", "14.2"]
    );
    assert_eq!(hop4[1], "198.51.100.4", "no name: the address");
    assert!(hop_line(&lines, "4").contains("G m Los Angeles, US"));
    assert!(hop_line(&lines, "4").contains("AS64502"));
    // Hop 2 lost 10 of 20 of its own replies, later hops none: rate limiting.
    let hop2 = words(line_with(&lines, "lon1.example"));
    assert_eq!(hop2[0], "2");
    assert!(hop2.contains(&"50.0%R"), "{hop2:?}");
    // Hop 3 changed responder at cycle 3: marked, both responders listed, the footer says when.
    let hop3 = line_with(&lines, "nyc1.example");
    assert!(hop3.trim_start().starts_with("3↻"), "{hop3}");
    let i = lines
        .iter()
        .position(|l| l.contains("nyc1.example"))
        .unwrap();
    assert!(lines[i + 1].contains("203.0.113.33"), "{}", lines[i + 1]);
    assert!(line_with(&lines, "changed at")
        .contains("hop 3 changed at cycle 3: 198.51.100.3 → 203.0.113.33"));
    assert!(lines.last().unwrap().contains("q quit"));
}

#[test]
fn figures_change_when_a_new_cycle_is_added() {
    let mut v = view();
    let before = screen(&v, &UiState::default(), 140, 40);
    let hops = pass(5, |ttl| Some(if ttl == 4 { 90.0 } else { 1.0 }), addr);
    v.stats.add_pass(21, &hops, true);
    v.header.cycles_done = 21;
    let after = screen(&v, &UiState::default(), 140, 40);
    assert!(after[0].contains("cycle 21/100"));
    let hop4 = words(hop_line(&after, "4"));
    assert_eq!(
        hop4[hop4.len() - 7..hop4.len() - 5],
        ["21", "90.0"],
        "Snt 21, last 90"
    );
    assert_ne!(hop_line(&before, "4"), hop_line(&after, "4"));
}

#[test]
fn at_80x24_the_essential_columns_stay_and_the_map_hides_when_it_cannot_fit() {
    let mut v = view();
    v.path = path_of(14);
    v.stats = Aggregate::new();
    for cycle in 1..=3 {
        let hops = pass(
            14,
            |ttl| Some(f64::from(ttl)),
            |ttl| v.path.hops[usize::from(ttl) - 1].responders[0].address,
        );
        v.stats.add_pass(cycle, &hops, true);
    }
    let lines = screen(&v, &UiState::default(), 80, 24);
    let titles = words(line_with(&lines, "Loss%"));
    for t in ["Hop", "Host", "Loss%", "Snt", "Last", "Avg", "Best", "Wrst"] {
        assert!(titles.contains(&t), "{t} missing: {titles:?}");
    }
    assert!(!titles.contains(&"Network"), "{titles:?}");
    assert!(
        lines.iter().all(|l| !l.contains("map:")),
        "{}",
        lines.join("\n")
    );
    assert!(hop_line(&lines, "14").contains("198.51.100.114"));
    assert!(lines.iter().all(|l| l.chars().count() == 80));
    // Five hops leave room for the map under the table at the same size.
    let lines = screen(&view(), &UiState::default(), 80, 24);
    assert!(line_with(&lines, "map: 4 located hops").starts_with('┌'));
}

#[test]
fn the_map_draws_the_outline_the_path_and_the_hop_numbers() {
    let state = UiState {
        mode: DisplayMode::Map,
        ..UiState::default()
    };
    let lines = screen(&view(), &state, 100, 30);
    assert!(lines.iter().all(|l| !l.contains("Loss%")), "map only");
    let inner: Vec<&String> = lines[2..28].iter().collect();
    let braille = inner
        .iter()
        .flat_map(|l| l.chars())
        .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
        .count();
    assert!(
        braille > 200,
        "outline and path drawn: {braille} braille cells"
    );
    for hop in ["2", "3", "4", "5"] {
        assert!(
            inner.iter().any(|l| words(l)
                .iter()
                .any(|w| w.trim_matches(|c: char| !c.is_ascii_digit()) == hop)),
            "hop {hop} labelled:\n{}",
            lines.join("\n")
        );
    }
}

#[test]
fn a_path_across_the_pacific_is_framed_the_short_way() {
    let v = view();
    let points = located(&v.path, None);
    // Los Angeles → Tokyo: unwrapped past -180 instead of crossing the whole map.
    let (_, _, tokyo_lon) = points[3];
    assert!(tokyo_lon < -180.0, "{tokyo_lon}");
    let (x, y) = bounds(&points, 60, 20);
    assert!(x[0] < tokyo_lon && x[1] > -0.12, "{x:?}");
    // A braille dot is square: degrees per dot equal both ways.
    let per_x = (x[1] - x[0]) / 120.0;
    let per_y = (y[1] - y[0]) / 80.0;
    assert!((per_x - per_y).abs() < 1e-9, "{per_x} {per_y}");
    // Nothing located: the whole world.
    let (x, _) = bounds(&[], 60, 20);
    assert!(x[0] <= -180.0 && x[1] >= 180.0);
}

#[test]
fn the_display_key_cycles_table_map_both_and_help_overlays() {
    let mut state = UiState::default();
    let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(on_key(key('d'), &mut state), None);
    assert_eq!(state.mode, DisplayMode::Table);
    let lines = screen(&view(), &state, 100, 40);
    assert!(lines.iter().all(|l| !l.contains("map:")));
    on_key(key('d'), &mut state);
    assert_eq!(state.mode, DisplayMode::Map);
    on_key(key('d'), &mut state);
    assert_eq!(state.mode, DisplayMode::Both);
    on_key(key('?'), &mut state);
    assert!(state.help);
    let lines = screen(&view(), &state, 80, 24);
    assert!(line_with(&lines, "help").contains('┌'));
    line_with(&lines, "rate-limited: the hop's own replies");
    on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), &mut state);
    assert!(!state.help);
}

#[test]
fn keys_become_commands() {
    let mut state = UiState::default();
    let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(on_key(key('q'), &mut state), Some(UiCommand::Quit));
    assert_eq!(
        on_key(
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            &mut state
        ),
        Some(UiCommand::Interrupt)
    );
    assert_eq!(on_key(key('c'), &mut state), None, "plain c is no command");
    assert_eq!(on_key(key('p'), &mut state), Some(UiCommand::Pause(true)));
    assert!(screen(&view(), &state, 100, 30)[0].contains("PAUSED"));
    assert_eq!(on_key(key('p'), &mut state), Some(UiCommand::Pause(false)));
    assert!(!screen(&view(), &state, 100, 30)[0].contains("PAUSED"));
    assert_eq!(on_key(key('r'), &mut state), Some(UiCommand::Reset));
    assert_eq!(on_key(key('x'), &mut state), None);
}

#[test]
fn after_a_reset_the_path_still_names_every_hop() {
    let mut v = view();
    v.stats.reset();
    let lines = screen(&v, &UiState::default(), 120, 30);
    let hop2 = words(line_with(&lines, "lon1.example"));
    assert_eq!(
        hop2[hop2.len() - 8..hop2.len() - 6],
        ["0.0%", "1"],
        "the path's own counts"
    );
}

#[test]
fn tiny_terminals_do_not_break_it() {
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10)] {
        for mode in [DisplayMode::Both, DisplayMode::Table, DisplayMode::Map] {
            let state = UiState {
                mode,
                help: true,
                ..UiState::default()
            };
            let lines = screen(&view(), &state, w, h);
            assert_eq!(lines.len(), usize::from(h));
        }
    }
}

#[test]
fn narrow_terminals_drop_network_then_jitter_then_stdev_then_place() {
    let r = rows(&view().path, &view().stats);
    let shown = |w| -> Vec<Col> { layout(&r, w).into_iter().map(|(c, _)| c).collect() };
    assert!(shown(140).contains(&Col::Network));
    let mut seen_dropped = Vec::new();
    for w in (40..140).rev() {
        let cols = shown(w);
        for c in [Col::Network, Col::Jitter, Col::StDev, Col::Place] {
            if !cols.contains(&c) && !seen_dropped.contains(&c) {
                seen_dropped.push(c);
            }
        }
        let total: usize = layout(&r, w).iter().map(|(_, w)| w + 1).sum();
        assert!(total <= w + 1 || w < 60, "fits in {w}: {total}");
    }
    assert_eq!(
        seen_dropped,
        [Col::Network, Col::Jitter, Col::StDev, Col::Place]
    );
}
