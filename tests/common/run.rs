//! Running the real `globetrace` binary inside a topology and reading its JSON.

#![allow(dead_code)]

use super::netns::Topology;
use serde_json::Value;
use std::ffi::OsStr;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_globetrace")
}

/// A copy of the binary that any user can execute (the build directory may sit under a home
/// directory an unprivileged user cannot enter).
pub fn world_executable_binary() -> PathBuf {
    static COPY: OnceLock<PathBuf> = OnceLock::new();
    COPY.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("globetrace-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join("globetrace");
        std::fs::copy(binary(), &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    })
    .clone()
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub json: Value,
    pub stderr: String,
}

impl Run {
    /// The hops array.
    pub fn hops(&self) -> &Vec<Value> {
        self.json["hops"].as_array().expect("hops array")
    }

    /// Responder addresses of the hop with this TTL (empty for a silent hop).
    pub fn responders(&self, ttl: u64) -> Vec<IpAddr> {
        self.hop(ttl)["responders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ip"].as_str().unwrap().parse().unwrap())
            .collect()
    }

    /// The hop with this TTL.
    pub fn hop(&self, ttl: u64) -> &Value {
        self.hops()
            .iter()
            .find(|h| h["hop"].as_u64() == Some(ttl))
            .unwrap_or_else(|| panic!("no hop {ttl} in {:#}", self.json))
    }

    /// The last hop's number.
    pub fn last_hop(&self) -> u64 {
        self.hops().last().unwrap()["hop"].as_u64().unwrap()
    }

    pub fn reached(&self) -> bool {
        self.json["reached"].as_bool().unwrap()
    }

    /// The `-v` counters line, parsed: (sent, answered, foreign).
    pub fn counters(&self) -> Option<(u64, u64, u64)> {
        let line = self.stderr.lines().find(|l| l.starts_with("probes sent"))?;
        let nums: Vec<u64> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect();
        Some((nums[0], nums[1], nums[2]))
    }
}

/// Turn a finished process into a [`Run`], insisting on valid JSON on stdout.
pub fn parse(out: Output) -> Run {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); status {:?}\nstdout: {stdout}\nstderr: {stderr}",
            out.status
        )
    });
    Run {
        status: out.status.code().unwrap_or(-1),
        json,
        stderr,
    }
}

/// Run `globetrace --format json -n <args>` in the topology's source namespace.
pub fn trace(topo: &Topology, args: &[&str]) -> Run {
    let mut cmd = topo.command(topo.src(), binary());
    cmd.args(["--format", "json", "-n"]).args(args);
    parse(cmd.output().expect("run globetrace"))
}

/// Start `globetrace --format json -n -w 10 --max-unknown 30 <export_flag> <export> <dst>` in
/// the topology's source namespace (whose destination should drop everything, so the trace is
/// still running), send it `signal` after 700 ms, and parse what it printed.
pub fn interrupted_trace(
    topo: &Topology,
    export_flag: &str,
    export: &std::path::Path,
    signal: nix::sys::signal::Signal,
) -> Run {
    let child = topo
        .command(topo.src(), binary())
        .args(["--format", "json", "-n", "-w", "10", "--max-unknown", "30"])
        .arg(export_flag)
        .arg(export)
        .arg(topo.dst_v4().to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).unwrap();
    parse(child.wait_with_output().unwrap())
}

/// `globetrace annotate -n --no-geo --format FORMAT FILE` (offline: no lookups, no data), which
/// must succeed.
pub fn annotate_offline(format: &str, file: impl AsRef<OsStr>) -> Output {
    let file = file.as_ref();
    let out = Command::new(binary())
        .args(["annotate", "-n", "--no-geo", "--format", format])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        file.to_string_lossy(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The documents of JSON lines output, one per line.
pub fn jsonl_documents(stdout: &[u8]) -> Vec<Value> {
    std::str::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
