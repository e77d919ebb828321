//! The live view driven by a made-up path, so it can be tried (and tested in tmux) without
//! probing anything: each cycle draws RTTs and losses at random for nine hops from London to
//! Mountain View, feeds them to the real aggregator (`Aggregate::add_pass`), locates the hops
//! with the shipped geo data, and publishes the view. Nothing is sent on any network: the
//! public addresses below are data only.
//!
//! ```sh
//! cargo run --release --example tui_demo -- --cycles 0 --interval 0.5
//! ```
//!
//! Options: `--cycles N` (0, the default: until `q`), `--interval SECS` (default 0.5),
//! `--change-at N` (hop 6 switches responder at cycle N, default 20), `--panic-after SECS`
//! (panics then, to show the terminal is restored on a panic). Exit status: 0 after `q`,
//! 130 after Ctrl-C, 2 for a bad option.
//!
//! The made-up path: hop 3 never answers, hop 5 drops 30% of its own replies (rate limiting:
//! later hops lose nothing), from hop 8 on 10% of the traffic is lost (forward loss).

use globetrace::aggregate::Aggregate;
use globetrace::geo::{Geo, GeoConfig};
use globetrace::path::{Enrichment, Path};
use globetrace::report::tui::{self, Header, UiCommand, View};
use globetrace::trace::{Hop, Origin, Reply, ReplyKind, Trace};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// One made-up hop: its responders (the second one takes over at `--change-at`), its name,
/// base RTT, and the share of its own replies that go missing.
struct FakeHop {
    addresses: &'static [&'static str],
    names: &'static [&'static str],
    base_ms: f64,
    own_loss: f64,
}

const HOPS: &[FakeHop] = &[
    FakeHop {
        addresses: &["192.168.1.1"],
        names: &["_gateway"],
        base_ms: 0.45,
        own_loss: 0.0,
    },
    FakeHop {
        addresses: &["100.64.0.1"],
        names: &["cgnat.isp.example"],
        base_ms: 3.1,
        own_loss: 0.0,
    },
    FakeHop {
        addresses: &[],
        names: &[],
        base_ms: 0.0,
        own_loss: 1.0,
    },
    FakeHop {
        addresses: &["81.2.69.142"],
        names: &["lon-core1.aa.example"],
        base_ms: 4.8,
        own_loss: 0.0,
    },
    FakeHop {
        addresses: &["62.115.122.158"],
        names: &["ldn-bb2.telia.example"],
        base_ms: 5.2,
        own_loss: 0.3,
    },
    FakeHop {
        addresses: &["80.231.130.1", "195.66.224.1"],
        names: &["ix-ae-1.tcore1.ldn.example", "linx-peer.example"],
        base_ms: 6.0,
        own_loss: 0.0,
    },
    FakeHop {
        addresses: &["129.250.2.1"],
        names: &["ae-2.r20.nwrknj03.us.bb.example"],
        base_ms: 75.0,
        own_loss: 0.0,
    },
    FakeHop {
        addresses: &["4.69.144.62"],
        names: &["ae-3-3.ebr1.losangeles1.example"],
        base_ms: 139.0,
        own_loss: 0.0,
    },
    FakeHop {
        addresses: &["8.8.8.8"],
        names: &["dns.google"],
        base_ms: 141.0,
        own_loss: 0.0,
    },
];
/// From this hop on, 10% of probes are lost on the way (forward loss).
const FORWARD_LOSS_FROM: u8 = 8;
const PROBES_PER_HOP: usize = 1;

struct Options {
    cycles: u64,
    interval: Duration,
    change_at: u64,
    panic_after: Option<Duration>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        cycles: 0,
        interval: Duration::from_millis(500),
        change_at: 20,
        panic_after: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let secs = |v: String, name: &str| -> Result<Duration, String> {
            v.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.01)
                .map(Duration::from_secs_f64)
                .ok_or(format!("{name}: not a number of seconds >= 0.01: {v}"))
        };
        match arg.as_str() {
            "--cycles" => {
                let v = value("--cycles")?;
                o.cycles = v
                    .parse()
                    .map_err(|_| format!("--cycles: not a count: {v}"))?;
            }
            "--change-at" => {
                let v = value("--change-at")?;
                o.change_at = v
                    .parse()
                    .map_err(|_| format!("--change-at: not a cycle: {v}"))?;
            }
            "--interval" => o.interval = secs(value("--interval")?, "--interval")?,
            "--panic-after" => {
                o.panic_after = Some(secs(value("--panic-after")?, "--panic-after")?)
            }
            other => return Err(format!("unknown option: {other}")),
        }
    }
    Ok(o)
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("the made-up addresses are valid")
}

/// One cycle's pass over the made-up path.
fn pass(cycle: u64, change_at: u64, rng: &mut impl Rng) -> (Vec<Hop>, bool) {
    let mut hops = Vec::new();
    let mut reached = false;
    for (i, fake) in HOPS.iter().enumerate() {
        let ttl = u8::try_from(i + 1).expect("few hops");
        let mut hop = Hop::new(ttl);
        for _ in 0..PROBES_PER_HOP {
            let lost_on_way = ttl >= FORWARD_LOSS_FROM && rng.random_bool(0.1);
            let answers = !fake.addresses.is_empty() && !rng.random_bool(fake.own_loss);
            if lost_on_way || !answers {
                hop.probes.push(None);
                continue;
            }
            let which = usize::from(fake.addresses.len() > 1 && cycle >= change_at);
            let last = i + 1 == HOPS.len();
            let kind = if last {
                ReplyKind::EchoReply
            } else {
                ReplyKind::TimeExceeded
            };
            // Queueing: mostly small noise, now and then a spike.
            let noise = rng.random_range(0.0..0.08) * fake.base_ms
                + if rng.random_bool(0.05) {
                    rng.random_range(0.0..20.0)
                } else {
                    0.0
                };
            let rtt = Duration::from_secs_f64((fake.base_ms + noise) / 1000.0);
            reached |= last;
            hop.probes
                .push(Some(Reply::new(ip(fake.addresses[which]), Some(rtt), kind)));
        }
        hops.push(hop);
    }
    (hops, reached)
}

/// Every responder seen so far, one reply each: what the path (names, places) is built from.
fn union_trace(seen: &[Vec<IpAddr>], target: IpAddr) -> Trace {
    let mut t = Trace::new("www.example.com", Some(target), Origin::Live);
    for (i, addresses) in seen.iter().enumerate() {
        let mut hop = Hop::new(u8::try_from(i + 1).expect("few hops"));
        for &a in addresses {
            let kind = if a == target {
                ReplyKind::EchoReply
            } else {
                ReplyKind::TimeExceeded
            };
            hop.probes.push(Some(Reply::new(a, None, kind)));
        }
        if addresses.is_empty() {
            hop.probes.push(None);
        }
        t.hops.push(hop);
    }
    t.reached = seen.iter().flatten().any(|&a| a == target);
    t
}

fn names() -> HashMap<IpAddr, String> {
    HOPS.iter()
        .flat_map(|h| h.addresses.iter().zip(h.names))
        .map(|(a, n)| (ip(a), n.to_string()))
        .collect()
}

/// The made-up engine: a cycle every interval while not paused, commands in between.
async fn engine(
    o: Options,
    geo: Option<Geo>,
    frames: watch::Sender<View>,
    mut commands: mpsc::UnboundedReceiver<UiCommand>,
) -> UiCommand {
    let target = ip("8.8.8.8");
    let names = names();
    let enrich = Enrichment {
        names: Some(&names),
        geo: geo.as_ref(),
        ..Enrichment::default()
    };
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let mut stats = Aggregate::new();
    let mut seen: Vec<Vec<IpAddr>> = vec![Vec::new(); HOPS.len()];
    let mut path = Path::build(union_trace(&seen, target), &enrich);
    let started = Instant::now();
    let mut paused = false;
    let mut cycle = 0u64;
    let mut frames = Some(frames);
    let mut next = tokio::time::Instant::now();
    loop {
        let running = !paused && frames.is_some();
        tokio::select! {
            _ = tokio::time::sleep_until(next), if running => {
                cycle += 1;
                let (hops, reached) = pass(cycle, o.change_at, &mut rng);
                let mut new_responder = false;
                for hop in &hops {
                    for r in hop.probes.iter().flatten() {
                        let known = &mut seen[usize::from(hop.ttl) - 1];
                        if !known.contains(&r.address) {
                            known.push(r.address);
                            new_responder = true;
                        }
                    }
                }
                if new_responder {
                    path = Path::build(union_trace(&seen, target), &enrich);
                }
                stats.add_pass(cycle, &hops, reached);
                let view = View {
                    header: Header {
                        target: "www.example.com".into(),
                        address: target,
                        source: Some(ip("192.168.1.23")),
                        protocol: "icmp".into(),
                        cycles_done: cycle,
                        cycles_total: (o.cycles > 0).then_some(o.cycles),
                        elapsed: started.elapsed(),
                        paused,
                        interval: o.interval,
                    },
                    path: path.clone(),
                    stats: stats.clone(),
                };
                if let Some(f) = &frames {
                    let _ = f.send(view);
                }
                if o.cycles > 0 && cycle >= o.cycles {
                    // The last cycle: the view stays up, marked done, until `q`.
                    frames = None;
                }
                next += o.interval;
            }
            command = commands.recv() => match command {
                None => return UiCommand::Quit,
                Some(c @ (UiCommand::Quit | UiCommand::Interrupt)) => return c,
                Some(UiCommand::Pause(p)) => {
                    paused = p;
                    next = tokio::time::Instant::now();
                }
                Some(UiCommand::Reset) => stats.reset(),
            }
        }
    }
}

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tui_demo: {e}");
            return ExitCode::from(2);
        }
    };
    let geo = match Geo::open(&GeoConfig::default()) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("tui_demo: no geo data, hops will not be placed: {e}");
            None
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tui_demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let panic_after = o.panic_after;
    let result = runtime.block_on(async move {
        let empty = View {
            header: Header {
                target: "www.example.com".into(),
                address: ip("8.8.8.8"),
                source: None,
                protocol: "icmp".into(),
                cycles_done: 0,
                cycles_total: (o.cycles > 0).then_some(o.cycles),
                elapsed: Duration::ZERO,
                paused: false,
                interval: o.interval,
            },
            path: Path::build(
                Trace::new("www.example.com", None, Origin::Live),
                &Enrichment::default(),
            ),
            stats: Aggregate::new(),
        };
        let (frames_tx, frames_rx) = watch::channel(empty);
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let engine = tokio::spawn(engine(o, geo, frames_tx, commands_rx));
        let ui = tui::run(frames_rx, commands_tx);
        match panic_after {
            Some(after) => tokio::select! {
                r = ui => r?,
                _ = tokio::time::sleep(after) => panic!("tui_demo: --panic-after reached"),
            },
            None => ui.await?,
        }
        Ok::<_, std::io::Error>(engine.await.unwrap_or(UiCommand::Quit))
    });
    match result {
        Ok(UiCommand::Interrupt) => ExitCode::from(130),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tui_demo: terminal: {e}");
            ExitCode::FAILURE
        }
    }
}
