//! A network simulator for what the kernel cannot do here: latency, loss, ICMP rate limits,
//! MPLS and per-flow load balancing (`tc netem` is unavailable on this machine, and namespace
//! routers answer in microseconds, never drop, and know nothing of MPLS).
//!
//! A [`Simulator`] owns a network namespace (`gts-<pid>-<n>`) holding one TUN device. The
//! tracer runs inside that namespace (`ip netns exec`, see [`Simulator::command`]); its source
//! addresses are 192.0.2.1/24 and 2001:db8::1/64 on the TUN, and 198.51.100.0/24,
//! 203.0.113.0/24 and 2001:db8::/32 are routed into it. Every probe the tracer sends so comes
//! out of the TUN here; a reader thread hands it to the [`model::Model`] of the scripted path,
//! which decides the hop it reaches, whether and when that hop answers, and builds the reply;
//! a writer thread writes each reply back into the TUN when its scripted RTT has passed. To the
//! tracer the TUN is the first link of a path whose routers are the scenario's.
//!
//! Nothing leaves the namespace: the only routes point into the TUN and every address is from
//! a documentation range (checked when the scenario loads).
//!
//! The namespace, the TUN and both threads are removed when the simulator is dropped, also
//! when a test panics. Construction follows the project's root policy through
//! `common::netns::require_netns` (skip without root, fail under `CI=true`).

#![allow(dead_code)]

pub mod check;
pub mod model;
pub mod scenario;
pub mod wire;

use crate::common::netns::require_netns;
use model::{Model, Stats};
use scenario::{Scenario, SOURCE_V4, SOURCE_V6};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ffi::OsStr;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;
use tun_rs::{DeviceBuilder, InterruptEvent, SyncDevice};

/// Name of the TUN device inside each simulator's namespace.
pub const TUN_NAME: &str = "gtsim0";
/// The prefixes routed into the TUN.
pub const ROUTED: [&str; 3] = ["198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"];

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Replies waiting for their time, earliest first (the counter keeps equal times in order).
#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<(Instant, u64, Vec<u8>)>>,
    next: u64,
    stop: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    model: Mutex<Model>,
    stop: AtomicBool,
    interrupt: InterruptEvent,
    device: SyncDevice,
}

/// A scripted path behind a TUN device in a namespace of its own.
pub struct Simulator {
    ns: String,
    scenario: Scenario,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("ns", &self.ns)
            .field("target", &self.scenario.target())
            .finish()
    }
}

impl Simulator {
    /// Load `tests/scenarios/NAME.toml` and start it. `None` (after printing `skipping: ...`)
    /// when namespaces cannot be made here and `CI` is not `true`; a panic on any other failure.
    pub fn load(name: &str) -> Option<Simulator> {
        let scenario = Scenario::load(name).unwrap_or_else(|e| panic!("scenario {name}: {e}"));
        Simulator::start(scenario)
    }

    /// Start `scenario` (same policy as [`Simulator::load`]).
    pub fn start(scenario: Scenario) -> Option<Simulator> {
        if !require_netns() {
            return None;
        }
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let ns = format!("gts-{}-{n}", std::process::id());
        Some(Simulator::build(ns, scenario).unwrap_or_else(|e| panic!("simulator: {e}")))
    }

    fn build(ns: String, scenario: Scenario) -> Result<Simulator, String> {
        if Path::new("/run/netns").join(&ns).exists() {
            // Left over from a dead process that had our pid.
            let _ = ip(&["netns", "del", &ns]);
        }
        ip(&["netns", "add", &ns])?;
        // From here on, a failure must remove the namespace: let a guard own it until the
        // simulator does.
        let guard = NamespaceGuard(ns.clone());
        configure_namespace(&ns)?;
        let device = create_tun(&ns)?;
        configure_tun(&ns)?;
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            model: Mutex::new(Model::new(&scenario)),
            stop: AtomicBool::new(false),
            interrupt: InterruptEvent::new().map_err(|e| format!("interrupt event: {e}"))?,
            device,
        });
        let reader = {
            let s = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("{ns}-read"))
                .spawn(move || read_loop(&s))
                .map_err(|e| e.to_string())?
        };
        let writer = {
            let s = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("{ns}-write"))
                .spawn(move || write_loop(&s))
                .map_err(|e| e.to_string())?
        };
        std::mem::forget(guard);
        Ok(Simulator {
            ns,
            scenario,
            shared,
            threads: vec![reader, writer],
        })
    }

    /// The namespace the tracer must run in.
    pub fn namespace(&self) -> &str {
        &self.ns
    }

    /// The scenario being played.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The destination address.
    pub fn target(&self) -> IpAddr {
        self.scenario.target()
    }

    /// `ip netns exec <ns> <program>`: add arguments and run.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns]).arg(program);
        c
    }

    /// What the simulated nodes have done so far.
    pub fn stats(&self) -> Stats {
        lock(&self.shared.model).stats()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = self.shared.interrupt.trigger();
        lock(&self.shared.queue).stop = true;
        self.shared.wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // The TUN goes with its last descriptor (the threads held the other references), and
        // the namespace with `ip netns del`.
        let _ = ip(&["netns", "del", &self.ns]);
    }
}

/// Removes a namespace unless forgotten.
struct NamespaceGuard(String);

impl Drop for NamespaceGuard {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.0]);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere must not hide the state from the Drop that cleans up.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn configure_namespace(ns: &str) -> Result<(), String> {
    ip(&["-n", ns, "link", "set", "lo", "up"])?;
    // Replies arrive from addresses routed into the TUN, so strict reverse-path filtering
    // would pass them, but a new namespace's defaults are not ours to assume.
    let sysctls = [
        "net.ipv4.conf.all.rp_filter=0",
        "net.ipv4.conf.default.rp_filter=0",
        "net.ipv6.conf.all.accept_dad=0",
        "net.ipv6.conf.default.accept_dad=0",
        // A new namespace refuses unprivileged ICMP sockets (`1 0`) even to root: open them,
        // for the runs without CAP_NET_RAW.
        "net.ipv4.ping_group_range=0 2147483647",
    ];
    let mut args = vec!["netns", "exec", ns, "sysctl", "-q", "-w"];
    args.extend(sysctls);
    ip(&args).map(drop)
}

/// Open the TUN from a thread that has entered the namespace: the device is created in the
/// namespace of the thread that opens `/dev/net/tun`, and stays there whoever uses the
/// descriptor later. The thread ends right after, so no other code runs in the namespace.
fn create_tun(ns: &str) -> Result<SyncDevice, String> {
    let path = Path::new("/run/netns").join(ns);
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let file = std::fs::File::open(&path)
                    .map_err(|e| format!("open {}: {e}", path.display()))?;
                nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
                    .map_err(|e| format!("setns into {ns}: {e}"))?;
                DeviceBuilder::new()
                    .name(TUN_NAME)
                    .packet_information(false)
                    .build_sync()
                    .map_err(|e| format!("creating TUN {TUN_NAME} in {ns}: {e}"))
            })
            .join()
            .map_err(|_| "the TUN thread panicked".to_string())?
    })
}

fn configure_tun(ns: &str) -> Result<(), String> {
    let v4 = format!("{SOURCE_V4}/24");
    let v6 = format!("{SOURCE_V6}/64");
    ip(&["-n", ns, "address", "add", &v4, "dev", TUN_NAME])?;
    ip(&["-n", ns, "address", "add", &v6, "dev", TUN_NAME, "nodad"])?;
    ip(&["-n", ns, "link", "set", TUN_NAME, "up"])?;
    for prefix in ROUTED {
        ip(&["-n", ns, "route", "add", prefix, "dev", TUN_NAME])?;
    }
    Ok(())
}

/// Read probes, ask the model, queue the replies. Ends when interrupted.
fn read_loop(s: &Shared) {
    let mut buf = vec![0u8; 65536];
    let debug = std::env::var_os("GT_SIM_DEBUG").is_some();
    while !s.stop.load(Ordering::SeqCst) {
        let n = match s.device.recv_intr(&mut buf, &s.interrupt) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("simulator: reading the TUN: {e}");
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            }
        };
        let now = Instant::now();
        let decision = lock(&s.model).handle(&buf[..n], now);
        if debug {
            eprintln!(
                "simulator: {n} bytes ttl {} -> {:?}",
                buf.get(if buf[0] >> 4 == 6 { 7 } else { 8 })
                    .copied()
                    .unwrap_or(0),
                decision.as_ref().map(|(d, p)| (d, p.len()))
            );
        }
        if let Some((delay, reply)) = decision {
            let mut q = lock(&s.queue);
            let seq = q.next;
            q.next += 1;
            q.heap.push(Reverse((now + delay, seq, reply)));
            drop(q);
            s.wake.notify_one();
        }
    }
}

/// Write each queued reply when its time comes.
fn write_loop(s: &Shared) {
    let mut q = lock(&s.queue);
    loop {
        if q.stop {
            return;
        }
        let now = Instant::now();
        match q.heap.peek() {
            Some(Reverse((due, _, _))) if *due <= now => {
                let Reverse((_, _, reply)) = q.heap.pop().expect("peeked");
                drop(q);
                if let Err(e) = s.device.send(&reply) {
                    eprintln!("simulator: writing the TUN: {e}");
                }
                q = lock(&s.queue);
            }
            Some(Reverse((due, _, _))) => {
                let wait = *due - now;
                q = s
                    .wake
                    .wait_timeout(q, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            None => q = s.wake.wait(q).unwrap_or_else(|p| p.into_inner()),
        }
    }
}
