//! The binary works wherever it is installed: a copy of it, with the source tree hidden and an
//! empty home and cache, still locates a public address (the shipped data is built in and
//! unpacked into the new cache), and the documentation subcommands work from the same copy.
//!
//! Hiding the source tree for real needs a mount namespace (`unshare -m`, then a tmpfs over
//! `CARGO_MANIFEST_DIR`), hence root: the usual policy applies (skip with a reason without
//! root, fail under `CI=true`). The shell and documentation checks need no root.

mod common;

use common::netns::require_netns;
use common::run::binary;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh scratch directory outside the source tree.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gt-installed-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    assert!(!dir.starts_with(env!("CARGO_MANIFEST_DIR")));
    dir
}

#[test]
fn a_copied_binary_locates_addresses_with_the_source_tree_hidden() {
    if !require_netns() {
        return;
    }
    let dir = scratch("copy");
    let bin = dir.join("bin/globetrace");
    fs::create_dir_all(bin.parent().unwrap()).unwrap();
    fs::copy(binary(), &bin).unwrap();
    let (home, cache) = (dir.join("home"), dir.join("cache"));
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&cache).unwrap();
    let list = dir.join("addresses.txt");
    fs::write(&list, "# a public address\n8.8.8.8\n").unwrap();
    let source_tree = env!("CARGO_MANIFEST_DIR");
    // Inside a private mount namespace: hide the source tree, prove it is hidden, then run.
    let script = r#"
        set -e
        mount -t tmpfs globetrace-hidden "$SRC"
        if [ -e "$SRC/data/geodata.manifest" ] || [ -e "$SRC/Cargo.toml" ]; then
            echo "source tree still visible" >&2; exit 99
        fi
        "$BIN" annotate -n --format json "$LIST"
        "$BIN" data >&2
    "#;
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .env("SRC", source_tree)
        .env("BIN", &bin)
        .env("LIST", &list)
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", &cache)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("GLOBETRACE_DATA_DIR")
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hop = &doc["hops"][0];
    assert_eq!(hop["responders"][0]["ip"], "8.8.8.8");
    assert_eq!(hop["city"], "Mountain View", "{hop}");
    assert_eq!(hop["country_code"], "US");
    assert_eq!(hop["responders"][0]["asn"], 15169);
    assert!(!stderr.contains("unavailable"), "{stderr}");
    assert!(stderr.contains("built into the binary"), "{stderr}");
    // The data was unpacked into the new, empty cache, not found anywhere else.
    let unpacked: Vec<String> = fs::read_dir(cache.join("globetrace"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        unpacked
            .iter()
            .any(|n| n.starts_with("dbip-city-") && n.ends_with(".mmdb")),
        "{unpacked:?}"
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// Runs the binary with `home` as its home directory; the unpacked data comes from a cache
/// shared by the tests (the first-run unpacking is the first test's business).
fn run(args: &[&str], home: &Path) -> std::process::Output {
    Command::new(binary())
        .args(args)
        .env("HOME", home)
        .env(
            "XDG_CACHE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("geo-cache"),
        )
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("GLOBETRACE_DATA_DIR")
        .output()
        .unwrap()
}

#[test]
fn bash_completions_parse_and_complete_max_hops() {
    let dir = scratch("bash");
    let out = run(&["completions", "bash"], &dir);
    assert!(out.status.success());
    let script = dir.join("globetrace.bash");
    fs::write(&script, &out.stdout).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Ask the completion function what `globetrace --max-h<TAB>` offers, as bash would.
    let complete = r#"
        source "$1"
        COMP_WORDS=(globetrace --max-h); COMP_CWORD=1
        COMP_LINE="globetrace --max-h"; COMP_POINT=${#COMP_LINE}
        _globetrace globetrace --max-h globetrace
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let offered = Command::new("bash")
        .args(["-c", complete, "complete"])
        .arg(&script)
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&offered.stdout);
    assert_eq!(offered.trim(), "--max-hops");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell], &dir);
        assert!(out.status.success() && out.stdout.len() > 500, "{shell}");
    }
    let bad = run(&["completions", "tcsh"], &dir);
    assert_eq!(bad.status.code(), Some(2));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_man_page_renders_with_every_option() {
    let dir = scratch("man");
    let out = run(&["man"], &dir);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{}",
        &page[..80]
    );
    for option in ["max\\-hops", "city\\-db", "no\\-config", "bulk", "units"] {
        assert!(page.contains(&format!("\\-\\-{option}")), "--{option}");
    }
    // groff, when present, renders it without warnings.
    if let Ok(render) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        let mut child = render;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(page.as_bytes())
            .unwrap();
        let result = child.wait_with_output().unwrap();
        let warnings = String::from_utf8_lossy(&result.stderr);
        assert!(
            result.status.success() && warnings.trim().is_empty(),
            "{warnings}"
        );
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_config_file_sets_defaults_flags_win_and_a_broken_one_is_one_line() {
    let dir = scratch("config");
    let home = dir.join("home");
    let config_dir = home.join(".config/globetrace");
    fs::create_dir_all(&config_dir).unwrap();
    let list = dir.join("two.txt");
    // London, then New York: one leg of about 3,460 mi / 5,570 km.
    fs::write(&list, "212.58.244.69\n8.8.8.8\n").unwrap();
    let config = config_dir.join("config.toml");
    fs::write(&config, "units = \"km\"\nfrom = \"40.7128,-74.0060\"\n").unwrap();
    let annotate = |extra: &[&str]| {
        let mut args = vec!["annotate", "-n"];
        args.extend_from_slice(extra);
        args.push(list.to_str().unwrap());
        let out = run(&args, &home);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // The file in ~/.config: kilometres first, and distances start in New York.
    let table = annotate(&[]);
    let travelled = table
        .lines()
        .find(|l| l.starts_with("Distance travelled"))
        .unwrap();
    assert!(travelled.contains(" km ("), "{travelled}");
    assert!(
        travelled.contains("over 2 legs"),
        "from New York: {travelled}"
    );
    // A flag wins over the file; --no-config ignores it.
    let table = annotate(&["--units", "mi"]);
    let travelled = table
        .lines()
        .find(|l| l.starts_with("Distance travelled"))
        .unwrap();
    assert!(travelled.contains(" mi ("), "{travelled}");
    let table = annotate(&["--no-config"]);
    let travelled = table
        .lines()
        .find(|l| l.starts_with("Distance travelled"))
        .unwrap();
    assert!(
        travelled.contains(" mi (") && travelled.contains("over 1 leg."),
        "{travelled}"
    );
    // A broken file: one line naming the file and the key, exit 2, before anything runs.
    fs::write(&config, "units = \"km\"\nfrom = \"north pole\"\n").unwrap();
    let out = run(&["annotate", "-n", list.to_str().unwrap()], &home);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(config.to_str().unwrap()) && err.contains("key `from`"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // --config names another file; a missing one is an error too.
    let other = dir.join("other.toml");
    fs::write(&other, "units = \"km\"\n").unwrap();
    let out = run(
        &[
            "--config",
            other.to_str().unwrap(),
            "annotate",
            "-n",
            list.to_str().unwrap(),
        ],
        &home,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let missing = run(
        &[
            "annotate",
            "--config",
            "/nonexistent/g.toml",
            list.to_str().unwrap(),
        ],
        &home,
    );
    assert_eq!(missing.status.code(), Some(2));
    fs::remove_dir_all(&dir).unwrap();
}
