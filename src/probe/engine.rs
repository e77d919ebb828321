//! The I/O loop of every run: send what the scheduler allows, read what arrives, give up what
//! the scheduler says is silent, and stream progress (hops, finished passes) as it happens.
//! Single traces, monitoring cycles and (later) many targets all run through this one loop;
//! what differs is the plans handed to the [`Scheduler`].
//!
//! It sleeps in the kernel between events (readiness of the sockets, or the next deadline), so a
//! trace costs almost no CPU however long it waits.

use super::packet::{encode_probe, Family, Flow};
use super::recv::{recv_one, Queue};
use super::schedule::Stats;
use super::scheduler::{Budget, Progress, Scheduler, TracePlan};
use super::socket::{fd, set_ttl, OpenSockets, RecvKind};
use socket2::{SockAddr, Socket};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// What a finished (or stopped) run produced, besides the progress it streamed.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub interrupted: bool,
    pub stats: Stats,
}

/// Asked of a running engine from outside (the live view's keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Start no new passes until resumed.
    Pause(bool),
    /// End now: passes under way end with what they have.
    Quit,
}

/// More flows for a run of many targets: the engine asks for the next one whenever fewer than
/// `max_active` flows are under way, so memory holds what is in flight, not the whole list.
pub struct Feed<'a> {
    pub next: &'a mut dyn FnMut() -> Option<TracePlan>,
    pub max_active: usize,
}

/// Most packets read from one socket per wake-up, so a flood cannot starve the timers.
const BATCH: usize = 256;

struct Receiver {
    fd: AsyncFd<Socket>,
    kind: RecvKind,
}

/// Run every pass `plans` asks for over `sockets` until done, a [`Control::Quit`], or `stop`
/// resolves (then `interrupted`). Progress streams to `events` as it happens.
pub async fn run(
    sockets: OpenSockets,
    plans: Vec<TracePlan>,
    budget: Budget,
    mut feed: Option<Feed<'_>>,
    events: UnboundedSender<Progress>,
    mut control: UnboundedReceiver<Control>,
    stop: impl Future<Output = ()>,
) -> io::Result<Outcome> {
    let OpenSockets {
        mode: _,
        flow,
        sender,
        sender_recv,
        receivers,
        port_reservation: _reservation,
    } = sockets;
    let family = flow.family();
    let sender = register(sender)?;
    let mut sources: Vec<Receiver> = Vec::new();
    for (socket, kind) in receivers {
        sources.push(Receiver {
            fd: register(socket)?,
            kind,
        });
    }
    let bases: Vec<u16> = plans.iter().map(|_| rand::random()).collect();
    let mut scheduler = Scheduler::new(plans, budget, Instant::now(), &bases);
    let sender = Receiver {
        fd: sender,
        kind: sender_recv.unwrap_or(RecvKind::Ipv4Datagram),
    };
    let sender_receives = sender_recv.is_some();
    tokio::pin!(stop);
    let mut interrupted = false;
    let mut control_open = true;
    // A plan held back because a flow to the same destination is still under way.
    let mut pending: Option<TracePlan> = None;
    let mut fed_all = feed.is_none();

    loop {
        // Read everything already queued before judging any probe silent: after a late
        // wake-up, replies that came in time are waiting in the socket buffers.
        if sender_receives {
            drain(&sender, &flow, &mut scheduler);
        }
        for r in &sources {
            drain(r, &flow, &mut scheduler);
        }
        // Expire before sending: slots freed by a give-up are refilled now, not a wait later.
        scheduler.expire(Instant::now());
        send_allowed(&sender.fd, family, &mut scheduler).await?;
        if let Some(f) = feed.as_mut() {
            // New flows only while the budget has room the flows under way cannot use: as many
            // traces run as the rate needs, not as many as allowed.
            while scheduler.has_room(Instant::now())
                && top_up(f, &mut scheduler, &mut pending, &mut fed_all)
            {
                send_allowed(&sender.fd, family, &mut scheduler).await?;
            }
        }
        for p in scheduler.take_progress() {
            let _ = events.send(p);
        }
        if scheduler.is_finished() && fed_all {
            break;
        }
        // Flows still to come start when the budget has a token for them.
        let feeding = !fed_all
            && feed
                .as_ref()
                .is_some_and(|f| scheduler.active_flows() < f.max_active);
        let token = feeding.then(|| scheduler.next_token()).flatten();
        let deadline = scheduler
            .next_wakeup()
            .into_iter()
            .chain(token)
            .min()
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(|| tokio::time::Instant::now() + std::time::Duration::from_secs(1));
        tokio::select! {
            biased;
            _ = &mut stop => {
                interrupted = true;
                break;
            }
            c = control.recv(), if control_open => match c {
                Some(Control::Pause(p)) => scheduler.set_paused(p, Instant::now()),
                Some(Control::Quit) => break,
                None => control_open = false,
            },
            r = ready(sender_receives.then_some(&sender)) => r?,
            r = ready(sources.first()) => r?,
            r = ready(sources.get(1)) => r?,
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
    if !scheduler.is_finished() {
        scheduler.abandon();
    }
    for p in scheduler.take_progress() {
        let _ = events.send(p);
    }
    Ok(Outcome {
        interrupted,
        stats: scheduler.stats(),
    })
}

/// Add one flow from `feed` if fewer than its bound are under way; false when none was added.
/// Two flows to one destination never run at once (their probes would look alike): the
/// second waits.
fn top_up(
    feed: &mut Feed<'_>,
    scheduler: &mut Scheduler,
    pending: &mut Option<TracePlan>,
    fed_all: &mut bool,
) -> bool {
    if scheduler.active_flows() >= feed.max_active.max(1) {
        return false;
    }
    let Some(plan) = pending.take().or_else(|| (feed.next)()) else {
        *fed_all = true;
        return false;
    };
    if scheduler.has_destination(plan.flow.destination) {
        *pending = Some(plan);
        return false;
    }
    scheduler.add_flow(plan, rand::random(), Instant::now());
    true
}

/// Hand a socket to the reactor, watching for data, room to write, and queued errors.
fn register(socket: Socket) -> io::Result<AsyncFd<Socket>> {
    let interest = Interest::READABLE | Interest::WRITABLE | Interest::ERROR;
    // SAFETY: the AsyncFd takes ownership of the socket, so its descriptor stays open and
    // refers to the same socket until the AsyncFd is dropped; `Socket::as_raw_fd` always
    // returns that one descriptor.
    unsafe { AsyncFd::register_with_interest(socket, interest) }.map_err(|e| e.into_parts().1)
}

/// Send every probe the scheduler allows right now.
async fn send_allowed(
    sender: &AsyncFd<Socket>,
    family: Family,
    scheduler: &mut Scheduler,
) -> io::Result<()> {
    while let Some(probe) = scheduler.next_probe(Instant::now(), SystemTime::now()) {
        let packet = encode_probe(&probe.flow, probe.seq);
        let destination = SockAddr::from(SocketAddr::new(probe.flow.destination, 0));
        set_ttl(sender.get_ref(), family, probe.ttl)?;
        // A socket reports an ICMP error it received (e.g. the port unreachable answering an
        // earlier probe) by failing the *next* send with it. That call consumed the error and
        // sent nothing, so the same probe is tried again; a few failures in a row mean the
        // kernel itself refuses the route, and the probe counts as silent.
        let mut attempts = 0;
        loop {
            let mut guard = sender.writable().await?;
            match guard.try_io(|s| s.get_ref().send_to(&packet, &destination)) {
                Ok(Ok(_)) => break,
                Ok(Err(e)) if is_reported_error(&e) && attempts < 3 => attempts += 1,
                Ok(Err(e)) if is_reported_error(&e) => break,
                Ok(Err(e)) => {
                    scheduler.unsend_last();
                    return Err(e);
                }
                Err(_would_block) => continue,
            }
        }
    }
    Ok(())
}

/// Errors a send returns on behalf of an earlier ICMP error, or for a route the kernel refuses.
fn is_reported_error(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::EHOSTUNREACH
                | libc::ENETUNREACH
                | libc::ECONNREFUSED
                | libc::EPROTO
                | libc::EACCES
                | libc::EMSGSIZE
                | libc::ENOPROTOOPT
        )
    )
}

/// The queues a socket delivers on, with the readiness that announces each. (Tokio's readiness
/// checks take one interest at a time, so the two are never combined.)
fn queues(kind: RecvKind) -> &'static [(Queue, Interest)] {
    match kind {
        // Ping sockets signal queued ICMP errors as an error condition, not as data.
        RecvKind::Ping(_) => &[
            (Queue::Errors, Interest::ERROR),
            (Queue::Data, Interest::READABLE),
        ],
        _ => &[(Queue::Data, Interest::READABLE)],
    }
}

/// Wait until a receiving socket has something (forever when there is no such socket).
async fn ready(receiver: Option<&Receiver>) -> io::Result<()> {
    let Some(r) = receiver else {
        return std::future::pending().await;
    };
    match queues(r.kind) {
        [(_, a), (_, b)] => tokio::select! {
            x = r.fd.ready(*a) => x.map(drop),
            x = r.fd.ready(*b) => x.map(drop),
        },
        [(_, a)] => r.fd.ready(*a).await.map(drop),
        _ => std::future::pending().await,
    }
}

/// Read what a socket holds, up to a batch per queue, without waiting. Reading until a queue
/// would block clears its readiness, so the next wait sleeps in the kernel.
fn drain(r: &Receiver, flow: &Flow, scheduler: &mut Scheduler) {
    let raw = fd(r.fd.get_ref());
    for &(queue, interest) in queues(r.kind) {
        for _ in 0..BATCH {
            let got =
                r.fd.try_io(interest, |_| match recv_one(raw, r.kind, queue, flow) {
                    Ok(Some(incoming)) => Ok(incoming),
                    Ok(None) => Err(io::ErrorKind::WouldBlock.into()),
                    Err(e) => Err(e),
                });
            match got {
                Ok(incoming) => {
                    scheduler.on_packet(incoming);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Would block (drained), or an error the socket reported; either way, done.
                Err(_) => break,
            }
        }
    }
}
