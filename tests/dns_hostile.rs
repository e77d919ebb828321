//! Reverse DNS against a real DNS server that this test starts inside the topology, because PTR
//! names are chosen by whoever controls the reverse zone and DNS servers may be slow or absent.
//!
//! The server is a few lines of std UDP (below) running on a thread that has joined the `dst`
//! namespace, so no query ever leaves the machine; the tracer in `src` finds it through
//! `/etc/netns/<src>/resolv.conf`, which `ip netns exec` mounts over `/etc/resolv.conf`.
//! Two promises are checked end to end through the real binary:
//!
//! - hostile names (terminal escapes, bidi overrides, zero-width and NUL characters, invalid
//!   UTF-8, spreadsheet formulas, over-long names) never reach the terminal or an export as
//!   they are, while the readable part of each name does;
//! - a DNS server that never answers, refuses, or answers late does not stall the trace: the
//!   output shows addresses where names did not come in time — and a prompt server's names do
//!   come, so the time budget is not simply skipping DNS.

mod common;

use common::netns::Topology;
use common::run::binary;
use serde_json::Value;
use std::collections::HashMap;
use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const NAME_CAP: usize = 253;

/// `/etc/netns/<ns>/resolv.conf` for the life of the value: `ip netns exec <ns>` shows it to the
/// tracer as `/etc/resolv.conf`.
struct ResolvConf {
    dir: PathBuf,
}

impl ResolvConf {
    fn new(ns: &str, nameserver: IpAddr) -> ResolvConf {
        let dir = PathBuf::from("/etc/netns").join(ns);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("resolv.conf"),
            format!("nameserver {nameserver}\n"),
        )
        .unwrap();
        ResolvConf { dir }
    }
}

impl Drop for ResolvConf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.dir.join("resolv.conf"));
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// A UDP DNS server inside a namespace: answers PTR queries for the addresses in its table
/// (after `delay`), NXDOMAIN for anything else. Stops when dropped.
struct DnsServer {
    stop: Arc<AtomicBool>,
    queries: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl DnsServer {
    fn start(ns: &str, answers: HashMap<IpAddr, Vec<u8>>, delay: Duration) -> DnsServer {
        let (ready_tx, ready_rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let queries = Arc::new(AtomicUsize::new(0));
        let netns = PathBuf::from("/run/netns").join(ns);
        let (stop2, queries2) = (stop.clone(), queries.clone());
        let thread = std::thread::spawn(move || {
            // setns affects this thread only: the socket below is made inside the namespace.
            let fd = File::open(&netns).expect("open namespace");
            nix::sched::setns(&fd, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
            let socket = UdpSocket::bind("0.0.0.0:53").expect("bind port 53");
            socket
                .set_read_timeout(Some(Duration::from_millis(50)))
                .unwrap();
            ready_tx.send(()).unwrap();
            serve(&socket, &answers, delay, &stop2, &queries2);
        });
        ready_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("DNS server did not start");
        DnsServer {
            stop,
            queries,
            thread: Some(thread),
        }
    }

    fn queries(&self) -> usize {
        self.queries.load(Ordering::Relaxed)
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    socket: &UdpSocket,
    answers: &HashMap<IpAddr, Vec<u8>>,
    delay: Duration,
    stop: &AtomicBool,
    queries: &AtomicUsize,
) {
    let mut buf = [0u8; 1500];
    while !stop.load(Ordering::Relaxed) {
        let Ok((len, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        queries.fetch_add(1, Ordering::Relaxed);
        let Some(reply) = respond(&buf[..len], answers) else {
            continue;
        };
        if delay.is_zero() {
            let _ = socket.send_to(&reply, peer);
        } else {
            let late = socket.try_clone().unwrap();
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let _ = late.send_to(&reply, peer);
            });
        }
    }
}

/// The reply to one query: the question copied, then one PTR answer (or NXDOMAIN).
fn respond(query: &[u8], answers: &HashMap<IpAddr, Vec<u8>>) -> Option<Vec<u8>> {
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*query.get(pos)?);
        pos += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(pos..pos + len)?).into_owned());
        pos += len;
    }
    let qtype = u16::from_be_bytes([*query.get(pos)?, *query.get(pos + 1)?]);
    let question = &query[12..pos + 4];
    let rdata = (qtype == 12)
        .then(|| arpa_address(&labels))
        .flatten()
        .and_then(|a| answers.get(&a));
    let mut out = Vec::from(&query[..2]);
    let rd = query[2] & 0x01;
    out.push(0x84 | rd); // QR, AA, RD as asked
    out.push(if rdata.is_some() { 0x80 } else { 0x83 }); // RA; NOERROR or NXDOMAIN
    out.extend_from_slice(&[0, 1, 0, u8::from(rdata.is_some()), 0, 0, 0, 0]);
    out.extend_from_slice(question);
    if let Some(rdata) = rdata {
        out.extend_from_slice(&[0xc0, 0x0c, 0, 12, 0, 1, 0, 0, 0, 60]);
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    Some(out)
}

/// The address an `in-addr.arpa` or `ip6.arpa` name stands for.
fn arpa_address(labels: &[String]) -> Option<IpAddr> {
    let lower: Vec<String> = labels.iter().map(|l| l.to_ascii_lowercase()).collect();
    match lower.as_slice() {
        [d, c, b, a, x, arpa] if x == "in-addr" && arpa == "arpa" => {
            Some(IpAddr::V4(Ipv4Addr::new(
                a.parse().ok()?,
                b.parse().ok()?,
                c.parse().ok()?,
                d.parse().ok()?,
            )))
        }
        [nibbles @ .., x, arpa] if x == "ip6" && arpa == "arpa" && nibbles.len() == 32 => {
            let mut v = 0u128;
            for n in nibbles.iter().rev() {
                v = v << 4 | u128::from(u8::from_str_radix(n, 16).ok()?);
            }
            Some(IpAddr::V6(Ipv6Addr::from(v)))
        }
        _ => None,
    }
}

/// A domain name in wire form from raw labels (no checks: hostile names are the point).
fn wire(labels: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in labels {
        out.push(l.len() as u8);
        out.extend_from_slice(l);
    }
    out.push(0);
    out
}

/// What one run printed, and how it ended.
struct Finished {
    status: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    elapsed: Duration,
}

/// Runs `cmd` with its output in files, failing the test (not hanging it) if it has not
/// finished within 20 s — a hang guard, not a speed assertion.
fn run_guarded(mut cmd: Command, tag: &str) -> Finished {
    let dir = std::env::temp_dir().join(format!("gt-dns-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .expect("start globetrace");
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{tag}: still running after 20 s: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let finished = Finished {
        status: status.code().unwrap_or(-1),
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read(&err_path).unwrap(),
        elapsed: start.elapsed(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    finished
}

/// Runs globetrace with `args` in the topology's source namespace (DNS on unless asked off).
fn globetrace(topo: &Topology, args: &[&str], tag: &str) -> Finished {
    let mut cmd = topo.command(topo.src(), binary());
    cmd.args(["--no-geo"]).args(args);
    run_guarded(cmd, tag)
}

/// Everything a terminal could act on, or that would disguise a name, is absent.
fn assert_clean(bytes: &[u8], what: &str) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    for bad in [0x1b, 0x07, 0x00, 0x08, 0x7f] {
        assert!(!bytes.contains(&bad), "{what}: byte {bad:#04x} in {text:?}");
    }
    for c in text.chars() {
        let hidden = matches!(c, '\u{80}'..='\u{9f}' | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
        assert!(!hidden, "{what}: {c:?} in {text:?}");
    }
    assert!(
        !text.contains("pwned"),
        "{what}: an OSC title leaked: {text:?}"
    );
}

/// Hostile PTR names (labels as sent), router by router, and the name that must be shown.
#[rustfmt::skip]
const HOSTILE: &[(&[&[u8]], &str)] = &[
    (&[b"\x1b[31mred\x1b[0m", b"csi", b"example"], "red.csi.example"),
    (&[b"\x1b]0;pwned\x07osc", b"example"], "osc.example"),
    (&[b"up\x1b[2A\x1b[2Kcursor", b"example"], "upcursor.example"),
    (&["bidi\u{202e}lapyap".as_bytes(), b"example"], "bidilapyap.example"),
    (&["zero\u{200b}width\u{feff}".as_bytes(), b"example"], "zerowidth.example"),
    (&[b"bad\xff\xc0utf8", b"example"], "bad\u{fffd}\u{fffd}utf8.example"),
    (&[b"=cmd|' /C calc'!A0", b"example"], "=cmd|' /C calc'!A0.example"),
    (&[b"nul\0byte", b"example"], "nulbyte.example"),
];

/// The PTR answer (wire form) for each of `n` addresses, with the name expected in the output:
/// the hostile names, then the longest legal name (255 bytes on the wire, 253 characters:
/// the cap), then 306 bytes of labels, which no resolver accepts (no name, and no harm).
fn hostile_answers() -> Vec<(Vec<u8>, Option<String>)> {
    let mut out: Vec<(Vec<u8>, Option<String>)> = HOSTILE
        .iter()
        .map(|(labels, shown)| (wire(labels), Some(shown.to_string())))
        .collect();
    let (l63, l61) = ([b'x'; 63], [b'y'; 61]);
    let longest = [&l63[..], &l63, &l63, &l61];
    out.push((
        wire(&longest),
        Some(format!("{0}.{0}.{0}.{1}", "x".repeat(63), "y".repeat(61))),
    ));
    out.push((wire(&[&[b'a'; 60][..]; 5]), None));
    out
}

/// The names a run's JSON gives `addrs` (each must be a responder).
fn names_of(stdout: &[u8], addrs: &[IpAddr]) -> Vec<Option<String>> {
    let doc: Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(stdout)));
    let mut got = HashMap::new();
    for hop in doc["hops"].as_array().expect("hops") {
        for r in hop["responders"].as_array().unwrap() {
            let ip: IpAddr = r["ip"].as_str().unwrap().parse().unwrap();
            got.insert(ip, r["hostname"].as_str().map(String::from));
        }
    }
    let names: Vec<Option<String>> = addrs
        .iter()
        .map(|a| {
            got.get(a)
                .cloned()
                .unwrap_or_else(|| panic!("{a} missing: {doc:#}"))
        })
        .collect();
    for n in names.iter().flatten() {
        assert!(n.chars().count() <= NAME_CAP, "{n:?}");
    }
    names
}

#[test]
fn hostile_ptr_names_are_cleaned_before_anything_prints() {
    let answers = hostile_answers();
    let Some(topo) = Topology::chain(answers.len() - 1) else {
        return;
    };
    let mut addrs: Vec<IpAddr> = topo.routers_v4().into_iter().map(IpAddr::V4).collect();
    addrs.push(IpAddr::V4(topo.dst_v4()));
    let mut addrs6: Vec<IpAddr> = topo.routers_v6().into_iter().map(IpAddr::V6).collect();
    addrs6.push(IpAddr::V6(topo.dst_v6()));
    let table: HashMap<IpAddr, Vec<u8>> = addrs
        .iter()
        .zip(&answers)
        .chain(addrs6.iter().zip(&answers))
        .map(|(a, (wire, _))| (*a, wire.clone()))
        .collect();
    let shown: Vec<Option<String>> = answers.into_iter().map(|(_, shown)| shown).collect();
    let server = DnsServer::start(topo.dst(), table, Duration::ZERO);
    let _conf = ResolvConf::new(topo.src(), IpAddr::V4(topo.dst_v4()));
    let (dst, dst6) = (topo.dst_v4().to_string(), topo.dst_v6().to_string());

    // JSON, for an IPv4 trace (in-addr.arpa) and an IPv6 one (ip6.arpa).
    for (args, addrs) in [(["-4", &dst], &addrs), (["-6", &dst6], &addrs6)] {
        let json = globetrace(&topo, &["--format", "json", args[0], args[1]], args[0]);
        let err = String::from_utf8_lossy(&json.stderr);
        assert_eq!(json.status, 0, "{err}");
        assert_clean(&json.stdout, "json stdout");
        assert_clean(&json.stderr, "json stderr");
        assert_eq!(names_of(&json.stdout, addrs), shown, "{args:?}");
    }
    assert!(
        server.queries() >= 2 * addrs.len(),
        "every address was asked for"
    );

    let csv = globetrace(&topo, &["--format", "csv", &dst], "csv");
    assert_eq!(csv.status, 0);
    assert_clean(&csv.stdout, "csv stdout");
    assert_clean(&csv.stderr, "csv stderr");
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (ip_col, host_col) = (col("ip"), col("hostname"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let formula_row = rows
        .iter()
        .find(|r| r[ip_col] == addrs[6].to_string()) // `=cmd|...`
        .expect("formula router's row");
    assert_eq!(&formula_row[host_col], "'=cmd|' /C calc'!A0.example");
    for r in &rows {
        let cell = &r[host_col];
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?}"
        );
    }

    // The plain table (stdout is a file here) and, through a pseudo-terminal, the live lines and
    // the boxed table a person would see.
    let plain = globetrace(&topo, &[&dst], "table");
    assert_eq!(plain.status, 0);
    assert_clean(&plain.stdout, "table stdout");
    assert_clean(&plain.stderr, "table stderr");
    let plain_text = String::from_utf8_lossy(&plain.stdout);
    for want in ["red.csi.example", "osc.example", "zerowidth.example"] {
        assert!(plain_text.contains(want), "{want} in {plain_text}");
    }
    let mut tty = topo.command(topo.src(), "script");
    let inner = format!("{} --no-geo {dst}", binary());
    tty.args(["-q", "-e", "-c", &inner, "/dev/null"])
        .env("COLUMNS", "200");
    let live = run_guarded(tty, "tty");
    assert_eq!(live.status, 0, "{}", String::from_utf8_lossy(&live.stdout));
    assert_clean(&live.stdout, "terminal output");
    let live_text = String::from_utf8_lossy(&live.stdout);
    assert!(
        live_text.contains("globetrace to"),
        "live lines: {live_text}"
    );
    assert!(live_text.contains("upcursor.example"), "{live_text}");
}

/// With DNS that does not answer in time, a run with default settings (the table) and one with
/// `--dns-timeout 1` (JSON) both finish, showing every address and no names.
fn assert_trace_without_names(topo: &Topology, addrs: &[IpAddr], case: &str) {
    let dst = topo.dst_v4().to_string();
    let table = globetrace(topo, &[&dst], &format!("{case}-table"));
    let text = String::from_utf8_lossy(&table.stdout);
    assert_eq!(
        table.status,
        0,
        "{case}: {}",
        String::from_utf8_lossy(&table.stderr)
    );
    for a in addrs {
        assert!(text.contains(&a.to_string()), "{case}: {a} in {text}");
    }
    assert!(
        !text.contains("Host name"),
        "{case}: no names, no column: {text}"
    );
    let json = globetrace(
        topo,
        &["--format", "json", "--dns-timeout", "1", &dst],
        case,
    );
    assert_eq!(
        json.status,
        0,
        "{case}: {}",
        String::from_utf8_lossy(&json.stderr)
    );
    assert!(
        names_of(&json.stdout, addrs).iter().all(Option::is_none),
        "{case}: {}",
        String::from_utf8_lossy(&json.stdout)
    );
    eprintln!(
        "{case}: default settings took {:?}, --dns-timeout 1 took {:?}",
        table.elapsed, json.elapsed
    );
}

#[test]
fn absent_silent_or_slow_dns_does_not_stall_the_trace() {
    let Some(topo) = Topology::chain(2) else {
        return;
    };
    let mut addrs: Vec<IpAddr> = topo.routers_v4().into_iter().map(IpAddr::V4).collect();
    addrs.push(IpAddr::V4(topo.dst_v4()));
    let names: HashMap<IpAddr, Vec<u8>> = addrs
        .iter()
        .enumerate()
        .map(|(i, a)| (*a, wire(&[format!("hop{}", i + 1).as_bytes(), b"example"])))
        .collect();
    let _conf = ResolvConf::new(topo.src(), IpAddr::V4(topo.dst_v4()));
    let dst = topo.dst_v4().to_string();

    // A prompt server's names do come, with the default budget and with one second: the budget
    // does not simply skip DNS.
    {
        let _server = DnsServer::start(topo.dst(), names.clone(), Duration::ZERO);
        for budget in [&[][..], &["--dns-timeout", "1"][..]] {
            let mut args = vec!["--format", "json"];
            args.extend_from_slice(budget);
            args.push(&dst);
            let run = globetrace(&topo, &args, "prompt");
            assert_eq!(run.status, 0);
            let want: Vec<Option<String>> = (1..=addrs.len())
                .map(|i| Some(format!("hop{i}.example")))
                .collect();
            assert_eq!(names_of(&run.stdout, &addrs), want, "{budget:?}");
        }
        let table = globetrace(&topo, &[&dst], "prompt-table");
        assert!(String::from_utf8_lossy(&table.stdout).contains("hop1.example"));
    }

    // Nothing listens on port 53 there: each query draws an ICMP port unreachable.
    assert_trace_without_names(&topo, &addrs, "nothing listening");

    // Queries vanish: the server's namespace drops them.
    topo.nft(
        topo.dst(),
        "table inet gt_dns_drop {
    chain input {
        type filter hook input priority 0; policy accept;
        udp dport 53 drop
        tcp dport 53 drop
    }
}
",
    );
    assert_trace_without_names(&topo, &addrs, "queries dropped");
    topo.nft(topo.dst(), "delete table inet gt_dns_drop\n");

    // A server that answers, but only after 5 s.
    let slow = DnsServer::start(topo.dst(), names, Duration::from_secs(5));
    assert_trace_without_names(&topo, &addrs, "answers after 5 s");
    assert!(slow.queries() > 0, "the slow server was asked");
}
