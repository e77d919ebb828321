//! The live view in a real terminal: tmux runs it, the test presses keys and reads the screen.
//! The demo (`examples/tui_demo.rs`: made-up cycles through the real aggregator, no probing)
//! shows every key and resize without root; `tui_live` drives the real binary on namespace
//! routers.

mod common;

use common::tmux::{Tmux, PROMPT};
use std::path::PathBuf;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// The demo binary, built by `cargo test` (or `cargo build --release --example tui_demo`).
fn demo() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join("tui_demo");
    if path.exists() {
        return Some(path);
    }
    if common::netns::is_ci() {
        panic!("CI=true but the demo is not built: {}", path.display());
    }
    eprintln!(
        "skipping: {} is not built (cargo build --release --example tui_demo)",
        path.display()
    );
    None
}

/// The cycle count in the header (`cycle 12/∞`).
fn cycle(screen: &[String]) -> Option<u64> {
    let header = screen.first()?;
    let rest = &header[header.find("cycle ")? + 6..];
    rest.split('/').next()?.parse().ok()
}

/// The Snt figure of hop `ttl`: the number after the loss figure on the hop's first row.
fn sent(screen: &[String], ttl: &str) -> Option<u64> {
    let row = screen
        .iter()
        .find(|l| l.split_whitespace().next().map(|w| w.trim_end_matches('↻')) == Some(ttl))?;
    let words: Vec<&str> = row.split_whitespace().collect();
    let loss = words.iter().position(|w| w.contains('%'))?;
    words.get(loss + 1)?.parse().ok()
}

fn has(screen: &[String], text: &str) -> bool {
    screen.iter().any(|l| l.contains(text))
}

/// Start the demo in `tmux` after a line the shell printed; wait for its first cycles.
fn start_demo(tmux: &Tmux, demo: &std::path::Path, args: &str) -> Vec<String> {
    tmux.type_line(&format!(
        "clear; echo before-the-view; {} {args}; echo exit=$?",
        demo.display()
    ));
    tmux.wait_for("the view's first cycles", WAIT, |s| {
        has(s, "Loss%") && cycle(s).is_some_and(|c| c >= 2)
    })
}

#[test]
fn the_view_updates_switches_resizes_and_quits_restoring_the_screen() {
    let Some(demo) = demo() else { return };
    let Some(tmux) = Tmux::start(100, 30) else {
        return;
    };
    let first = start_demo(&tmux, &demo, "--interval 0.2 --change-at 3");
    assert!(!has(&first, "before-the-view"), "the alternate screen");
    assert!(has(&first, "map:"), "100x30 has room for the map");
    // Rows and statistics move between two captures.
    let (c1, s1) = (cycle(&first).unwrap(), sent(&first, "1").unwrap());
    let second = tmux.wait_for("more cycles", WAIT, |s| {
        cycle(s).is_some_and(|c| c >= c1 + 2)
    });
    let s2 = sent(&second, "1").unwrap();
    assert!(s2 > s1, "hop 1 Snt {s1} then {s2}");
    assert_ne!(first[2..12], second[2..12], "rows changed");
    assert!(has(&second, "changed at cycle 3"), "the route change");

    // d: table only, map only, both again.
    tmux.keys(&["d"]);
    tmux.wait_for("the table alone", WAIT, |s| {
        has(s, "Loss%") && !has(s, "map:")
    });
    tmux.keys(&["d"]);
    tmux.wait_for("the map alone", WAIT, |s| {
        has(s, "map:") && !has(s, "Loss%")
    });
    tmux.keys(&["d"]);
    tmux.wait_for("both", WAIT, |s| has(s, "map:") && has(s, "Loss%"));

    // ? opens the help, Esc closes it.
    tmux.keys(&["?"]);
    tmux.wait_for("the help", WAIT, |s| has(s, "rate-limited: the hop's own"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help closed", WAIT, |s| {
        !has(s, "rate-limited: the hop's own")
    });

    // p pauses: the cycle count stops; p again resumes.
    tmux.keys(&["p"]);
    let paused = tmux.wait_for("PAUSED", WAIT, |s| has(s, "PAUSED"));
    std::thread::sleep(Duration::from_millis(800));
    let still = tmux.screen();
    assert!(
        cycle(&still) <= cycle(&paused).map(|c| c + 1),
        "one cycle in flight at most"
    );
    let held = cycle(&still).unwrap();
    tmux.keys(&["p"]);
    tmux.wait_for("resumed", WAIT, |s| {
        !has(s, "PAUSED") && cycle(s).is_some_and(|c| c > held)
    });

    // r resets the statistics: Snt starts again from the next cycle.
    let before = sent(&tmux.screen(), "1").unwrap();
    tmux.keys(&["r"]);
    tmux.wait_for("the statistics reset", WAIT, |s| {
        sent(s, "1").is_some_and(|n| n < before && n <= 3)
    });

    // Resizing redraws at the new size; at 80x24 the table still fits.
    tmux.resize(80, 24);
    let small = tmux.wait_for("a redraw at 80x24", WAIT, |s| {
        s.len() == 24 && s.iter().all(|l| l.chars().count() <= 80) && s[23].starts_with("q quit")
    });
    assert!(cycle(&small).is_some(), "{}", small.join("\n"));
    for t in ["Hop", "Host", "Loss%", "Snt", "Last", "Avg", "Best", "Wrst"] {
        assert!(
            small[1].split_whitespace().any(|w| w == t),
            "{t}: {}",
            small[1]
        );
    }
    assert!(
        sent(&small, "9").is_some(),
        "every hop shown:\n{}",
        small.join("\n")
    );
    // Too low for the map under the table: it hides.
    tmux.resize(80, 17);
    let low = tmux.wait_for("the map hidden", WAIT, |s| s.len() == 17 && !has(s, "map:"));
    assert!(sent(&low, "9").is_some(), "{}", low.join("\n"));
    tmux.resize(120, 40);
    tmux.wait_for("the map back", WAIT, |s| s.len() == 40 && has(s, "map:"));

    // q: the shell's screen is back, the exit status 0.
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit status", WAIT, |s| has(s, "exit="));
    assert!(has(&after, "exit=0"), "{}", after.join("\n"));
    assert!(
        has(&after, "before-the-view"),
        "the shell's screen restored"
    );
    assert!(!has(&after, "Loss%"), "nothing of the view left");
}

#[test]
fn ctrl_c_leaves_with_130_and_restores_the_screen() {
    let Some(demo) = demo() else { return };
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    start_demo(&tmux, &demo, "--interval 0.2");
    tmux.keys(&["C-c"]);
    let after = tmux.wait_for("the exit status", WAIT, |s| has(s, "exit="));
    assert!(has(&after, "exit=130"), "{}", after.join("\n"));
    assert!(has(&after, "before-the-view") && !has(&after, "Loss%"));
}

#[test]
fn a_panic_still_restores_the_terminal() {
    let Some(demo) = demo() else { return };
    let Some(tmux) = Tmux::start(100, 30) else {
        return;
    };
    start_demo(&tmux, &demo, "--interval 0.2 --panic-after 1");
    let after = tmux.wait_for("the exit status", WAIT, |s| has(s, "exit="));
    assert!(has(&after, "exit=101"), "{}", after.join("\n"));
    assert!(
        has(&after, "--panic-after reached"),
        "the message on the normal screen"
    );
    assert!(has(&after, "before-the-view") && !has(&after, "Loss%"));
    // Raw mode is off: the line discipline is canonical and echoes again.
    tmux.type_line(
        "stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo",
    );
    let modes = tmux.wait_for("stty's answer", WAIT, |s| {
        s.iter()
            .any(|l| l.trim() == "icanon echo" || l.contains("-icanon") || l.contains("-echo "))
    });
    assert!(
        modes.iter().any(|l| l.trim() == "icanon echo"),
        "{}",
        modes.join("\n")
    );
    assert!(
        modes
            .last()
            .is_some_and(|l| l.starts_with(PROMPT.trim_end()))
            || has(&modes, PROMPT.trim_end())
    );
}
