//! The live view in a real terminal: tmux runs it, the test presses keys and reads the screen.
//! The demo (`examples/tui_demo.rs`: made-up cycles through the real aggregator, no probing)
//! shows every key and resize without root; `tui_live` drives the real binary on namespace
//! routers.

mod common;

use common::netns::Topology;
use common::run::binary;
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
        s.len() == 24
            && s.iter().all(|l| l.chars().count() <= 80)
            && s[23].starts_with("q quit")
            && has(s, "Loss%")
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

/// Router `hop` of `topo` drops `pct` % of the time-exceeded messages it sends.
fn throttle_own_icmp(topo: &Topology, hop: usize, pct: u32) {
    let rules = format!(
        "add table inet gt_throttle
table inet gt_throttle {{
    chain output {{
        type filter hook output priority 0; policy accept;
        icmp type time-exceeded numgen random mod 100 < {pct} drop
    }}
}}
"
    );
    topo.nft(topo.router(hop), &rules);
}

/// The hop rows whose loss carries a letter, e.g. `("2", "41.3%R")`.
fn flagged(screen: &[String]) -> Vec<(String, String)> {
    screen
        .iter()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let loss = words.iter().find(|w| w.contains('%'))?;
            loss.ends_with(['R', 'F'])
                .then(|| (words[0].to_string(), loss.to_string()))
        })
        .collect()
}

#[test]
fn the_real_binary_on_namespace_routers_updates_quits_and_exports_on_q_ctrl_c_and_sigterm() {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    let Some(tmux) = Tmux::start(100, 30) else {
        return;
    };
    throttle_own_icmp(&topo, 2, 40);
    let dir = std::env::temp_dir().join(format!("gt-tui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("seen.json");
    let command = |extra: &str| {
        format!(
            "clear; echo before-the-view; ip netns exec {} {} -n -c 0 -i 0.05 {extra} {}; echo exit=$?",
            topo.src(),
            binary(),
            topo.dst_v4()
        )
    };
    tmux.type_line(&command(&format!("--json {}", json.display())));
    let first = tmux.wait_for("the live view", WAIT, |s| {
        has(s, "Loss%") && cycle(s).is_some_and(|c| c >= 2)
    });
    assert!(!has(&first, "before-the-view"), "the alternate screen");
    let (c1, s1) = (cycle(&first).unwrap(), sent(&first, "1").unwrap());
    // The throttled hop is labelled as rate limiting once the figures say so.
    let later = tmux.wait_for("hop 2 labelled R", Duration::from_secs(30), |s| {
        flagged(s)
            .iter()
            .any(|(hop, loss)| hop == "2" && loss.ends_with('R'))
    });
    let shown = later.join("\n");
    assert!(
        cycle(&later).unwrap() > c1 && sent(&later, "1").unwrap() > s1,
        "{shown}"
    );
    assert!(
        flagged(&later).iter().all(|(hop, _)| hop == "2"),
        "only hop 2 loses:\n{shown}"
    );
    let dst = topo.dst_v4().to_string();
    assert!(
        later
            .iter()
            .any(|l| l.split_whitespace().nth(1) == Some(dst.as_str())),
        "{}",
        later.join("\n")
    );
    tmux.keys(&["d"]);
    tmux.wait_for("the table alone", WAIT, |s| {
        has(s, "Loss%") && !has(s, "map:")
    });
    tmux.keys(&["d", "d"]);
    tmux.wait_for("both again", WAIT, |s| has(s, "Loss%") && has(s, "map:"));
    tmux.resize(80, 24);
    let small = tmux.wait_for("a redraw at 80x24", WAIT, |s| {
        s.len() == 24
            && s.iter().all(|l| l.chars().count() <= 80)
            && s[23].starts_with("q quit")
            && has(s, "Loss%")
    });
    for ttl in ["1", "2", "3", "4"] {
        assert!(
            sent(&small, ttl).is_some(),
            "hop {ttl}:\n{}",
            small.join("\n")
        );
    }
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit status", WAIT, |s| has(s, "exit="));
    assert!(has(&after, "exit=0"), "{}", after.join("\n"));
    assert!(has(&after, "before-the-view") && !has(&after, "Loss%"));
    assert!(!has(&after, "StDev"), "q prints no report");
    // The JSON asked for holds every hop seen, with its statistics.
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let cycles = doc["cycles"].as_u64().unwrap();
    assert!(cycles >= c1, "{cycles}");
    assert_eq!(doc["interrupted"].as_bool(), Some(false));
    let hops = doc["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 4);
    assert_eq!(hops[1]["stats"]["loss_kind"].as_str(), Some("rate_limited"));
    for h in hops {
        assert!(h["stats"]["sent"].as_u64().unwrap() + 1 >= cycles, "{h:#}");
    }

    // Ctrl-C: exit 130, the screen restored.
    tmux.type_line(&command(""));
    tmux.wait_for("the live view again", WAIT, |s| {
        has(s, "Loss%") && cycle(s).is_some_and(|c| c >= 2)
    });
    tmux.keys(&["C-c"]);
    let after = tmux.wait_for("the exit status", WAIT, |s| has(s, "exit="));
    assert!(has(&after, "exit=130"), "{}", after.join("\n"));
    assert!(has(&after, "before-the-view") && !has(&after, "Loss%"));

    // SIGTERM from elsewhere: the view goes, the screen is restored, the files are written.
    let json = dir.join("terminated.json");
    tmux.type_line(&command(&format!("--json {}", json.display())));
    tmux.wait_for("the live view a third time", WAIT, |s| {
        has(s, "Loss%") && cycle(s).is_some_and(|c| c >= 2)
    });
    let pgrep = std::process::Command::new("pgrep")
        .args(["-f", &json.display().to_string()])
        .output()
        .unwrap();
    let pid: i32 = String::from_utf8_lossy(&pgrep.stdout)
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .expect("the binary's pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let after = tmux.wait_for("the exit status", WAIT, |s| has(s, "exit="));
    assert!(has(&after, "exit=130"), "{}", after.join("\n"));
    assert!(has(&after, "before-the-view") && !has(&after, "Loss%"));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["interrupted"].as_bool(), Some(true));
    assert_eq!(doc["hops"].as_array().unwrap().len(), 4);
    std::fs::remove_dir_all(&dir).ok();
}
