//! Makes the scamper `tracelb` fixtures in tests/fixtures/many with the real scamper on kernel
//! ECMP diamonds in network namespaces (no probe leaves this machine). Not a test: ignored by
//! default, run by `tests/fixtures/many/generate.sh tracelb` (as root), which is how the files
//! are rebuilt.
//!
//! Each case is one topology (routers spread flows with their own hash seeds), one
//! `scamper -O warts -c "tracelb -P udp-sport -c 95"` run, and scamper's own `sc_warts2json`
//! and `sc_warts2text` of the file, which the reader's tests compare with.

mod common;

use common::netns::diamonds::{Diamond, FOUR_WIDE, NESTED, TWO_WIDE};
use std::path::Path;
use std::process::Command;

struct Case {
    name: &'static str,
    diamond: &'static Diamond,
    /// Routers that never send time exceeded.
    silent: &'static [&'static str],
    ipv6: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "2wide",
        diamond: &TWO_WIDE,
        silent: &[],
        ipv6: false,
    },
    Case {
        name: "2wide6",
        diamond: &TWO_WIDE,
        silent: &[],
        ipv6: true,
    },
    Case {
        name: "4wide",
        diamond: &FOUR_WIDE,
        silent: &[],
        ipv6: false,
    },
    Case {
        name: "nested",
        diamond: &NESTED,
        silent: &[],
        ipv6: false,
    },
    Case {
        name: "silent",
        diamond: &TWO_WIDE,
        silent: &["b"],
        ipv6: false,
    },
];

/// Drops the time exceeded a router would send (it still forwards).
const SILENCE: &str = "table inet silent {
    chain output {
        type filter hook output priority 0; policy accept;
        icmp type time-exceeded drop
        icmpv6 type time-exceeded drop
    }
}
";

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
#[ignore = "writes fixtures: tests/fixtures/many/generate.sh tracelb"]
fn make_tracelb_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/many");
    for case in CASES {
        let Some(topo) = case.diamond.build() else {
            return;
        };
        for role in case.silent {
            topo.nft(role, SILENCE);
        }
        let dst = if case.ipv6 {
            topo.dst_v6().to_string()
        } else {
            topo.dst_v4().to_string()
        };
        let warts = dir.join(format!("tracelb-{}.warts", case.name));
        run(topo
            .command(topo.src(), "scamper")
            .args(["-O", "warts", "-o"])
            .arg(&warts)
            .args(["-c", "tracelb -P udp-sport -c 95", "-i", &dst]));
        let json = run(Command::new("sc_warts2json").arg(&warts));
        std::fs::write(dir.join(format!("tracelb-{}.json", case.name)), json).unwrap();
        let text = run(Command::new("sc_warts2text").arg(&warts));
        std::fs::write(dir.join(format!("tracelb-{}.txt", case.name)), text).unwrap();
        if case.name == "2wide" {
            // scamper's own JSON output, not converted from warts.
            let direct = run(topo.command(topo.src(), "scamper").args([
                "-O",
                "json",
                "-c",
                "tracelb -P udp-sport -c 95",
                "-i",
                &dst,
            ]));
            std::fs::write(dir.join("tracelb-2wide-direct.json"), direct).unwrap();
        }
    }
}
