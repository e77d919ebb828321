//! The I/O loop of a trace: send what the schedule allows, read what arrives, give up what the
//! schedule says is silent, and report hops as they complete.
//!
//! It sleeps in the kernel between events (readiness of the sockets, or the next deadline), so a
//! trace costs almost no CPU however long it waits.

use super::packet::{encode_probe, Family, Flow};
use super::recv::{recv_one, Queue};
use super::schedule::{Schedule, ScheduleConfig, Stats};
use super::socket::{fd, set_ttl, OpenSockets, RecvKind};
use crate::trace::Hop;
use socket2::{SockAddr, Socket};
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Instant, SystemTime};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::mpsc::UnboundedSender;

/// Progress of a live trace.
#[derive(Debug, Clone)]
pub enum Event {
    /// A responder answered for the first time (a good moment to start its name lookup).
    Responder(IpAddr),
    /// A hop is complete; hops arrive in TTL order.
    Hop(Hop),
}

/// What a finished (or interrupted) run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub hops: Vec<Hop>,
    pub reached: bool,
    pub interrupted: bool,
    pub stats: Stats,
}

/// Most packets read from one socket per wake-up, so a flood cannot starve the timers.
const BATCH: usize = 256;

struct Receiver {
    fd: AsyncFd<Socket>,
    kind: RecvKind,
}

/// Run one trace over `sockets` until it finishes or `stop` resolves.
pub async fn run(
    sockets: OpenSockets,
    cfg: ScheduleConfig,
    events: UnboundedSender<Event>,
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
    let mut extra = Vec::new();
    for (socket, kind) in receivers {
        extra.push(Receiver {
            fd: register(socket)?,
            kind,
        });
    }
    let destination = SockAddr::from(SocketAddr::new(flow.destination, 0));
    let mut schedule = Schedule::new(cfg, flow, rand::random());
    let mut sources: Vec<Receiver> = Vec::new();
    let sender = Receiver {
        fd: sender,
        kind: sender_recv.unwrap_or(RecvKind::Ipv4Datagram),
    };
    let sender_receives = sender_recv.is_some();
    sources.append(&mut extra);
    tokio::pin!(stop);
    let mut interrupted = false;

    loop {
        // Read everything already queued before judging any probe silent: after a late
        // wake-up, replies that came in time are waiting in the socket buffers.
        if sender_receives {
            drain(&sender, &flow, &mut schedule, &events);
        }
        for r in &sources {
            drain(r, &flow, &mut schedule, &events);
        }
        // Expire before sending: slots freed by a give-up are refilled now, not a wait later.
        schedule.expire(Instant::now());
        send_allowed(&sender.fd, family, &flow, &destination, &mut schedule).await?;
        for hop in schedule.take_completed() {
            let _ = events.send(Event::Hop(hop));
        }
        if schedule.is_finished() {
            break;
        }
        let deadline = schedule
            .next_deadline()
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(|| tokio::time::Instant::now() + std::time::Duration::from_secs(1));
        tokio::select! {
            biased;
            _ = &mut stop => {
                interrupted = true;
                break;
            }
            r = ready(sender_receives.then_some(&sender)) => r?,
            r = ready(sources.first()) => r?,
            r = ready(sources.get(1)) => r?,
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
    if !interrupted {
        for hop in schedule.take_completed() {
            let _ = events.send(Event::Hop(hop));
        }
    }
    Ok(Outcome {
        hops: schedule.hops(interrupted),
        reached: schedule.reached(),
        interrupted,
        stats: schedule.stats(),
    })
}

/// Hand a socket to the reactor, watching for data, room to write, and queued errors.
fn register(socket: Socket) -> io::Result<AsyncFd<Socket>> {
    let interest = Interest::READABLE | Interest::WRITABLE | Interest::ERROR;
    // SAFETY: the AsyncFd takes ownership of the socket, so its descriptor stays open and
    // refers to the same socket until the AsyncFd is dropped; `Socket::as_raw_fd` always
    // returns that one descriptor.
    unsafe { AsyncFd::register_with_interest(socket, interest) }.map_err(|e| e.into_parts().1)
}

/// Send every probe the schedule allows right now.
async fn send_allowed(
    sender: &AsyncFd<Socket>,
    family: Family,
    flow: &Flow,
    destination: &SockAddr,
    schedule: &mut Schedule,
) -> io::Result<()> {
    while let Some((seq, ttl)) = schedule.next_probe(Instant::now(), SystemTime::now()) {
        let packet = encode_probe(flow, seq);
        set_ttl(sender.get_ref(), family, ttl)?;
        // A socket reports an ICMP error it received (e.g. the port unreachable answering an
        // earlier probe) by failing the *next* send with it. That call consumed the error and
        // sent nothing, so the same probe is tried again; a few failures in a row mean the
        // kernel itself refuses the route, and the probe counts as silent.
        let mut attempts = 0;
        loop {
            let mut guard = sender.writable().await?;
            match guard.try_io(|s| s.get_ref().send_to(&packet, destination)) {
                Ok(Ok(_)) => break,
                Ok(Err(e)) if is_reported_error(&e) && attempts < 3 => attempts += 1,
                Ok(Err(e)) if is_reported_error(&e) => break,
                Ok(Err(e)) => {
                    schedule.unsend_last();
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
fn drain(r: &Receiver, flow: &Flow, schedule: &mut Schedule, events: &UnboundedSender<Event>) {
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
                    if let Some(addr) = schedule.on_packet(incoming) {
                        let _ = events.send(Event::Responder(addr));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Would block (drained), or an error the socket reported; either way, done.
                Err(_) => break,
            }
        }
    }
}
