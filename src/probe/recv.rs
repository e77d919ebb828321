//! Reading one packet (or one error-queue entry) from a receiving socket, with its kernel
//! timestamp, and turning it into a decoded [`Received`].
//!
//! The differences between socket kinds — whether the IP header is included, where the sender's
//! address and TTL come from, the ping socket's error queue — end here; the engine sees one
//! shape whatever the family or privilege mode.

use super::packet::{
    classify_icmp_error, decode_icmp, decode_ipv4, decode_tcp, echo_request_fields, DecodeError,
    Family, Flow, Message, Quote, QuotedProbe, Received,
};
use super::socket::RecvKind;
use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, SockaddrLike, SockaddrStorage};
use nix::sys::time::TimeSpec;
use std::io::{self, IoSliceMut};
use std::net::IpAddr;
use std::os::fd::RawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One packet read from a socket.
#[derive(Debug)]
pub struct Incoming {
    /// The decoded packet, or why it is not a possible reply.
    pub packet: Result<Received, DecodeError>,
    /// When the kernel received it (wall clock), if it said.
    pub kernel_time: Option<SystemTime>,
    /// When we read it (monotonic).
    pub read_at: Instant,
}

const SO_EE_ORIGIN_ICMP: u8 = 2;
const SO_EE_ORIGIN_ICMP6: u8 = 3;

/// Which queue of a socket to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Packets (or, for raw sockets, whole datagrams).
    Data,
    /// ICMP errors a ping socket received about its own probes (`MSG_ERRQUEUE`).
    Errors,
}

/// Read one packet from `queue` if there is one (`Ok(None)` when it is empty).
pub fn recv_one(
    fd: RawFd,
    kind: RecvKind,
    queue: Queue,
    flow: &Flow,
) -> io::Result<Option<Incoming>> {
    match (queue, kind) {
        (Queue::Errors, RecvKind::Ping(family)) => recv_raw(fd, kind, flow, Some(family)),
        (Queue::Errors, _) => Ok(None),
        (Queue::Data, _) => recv_raw(fd, kind, flow, None),
    }
}

struct Meta {
    from: Option<IpAddr>,
    ttl: Option<u8>,
    kernel_time: Option<SystemTime>,
    queue_error: Option<(libc::sock_extended_err, Option<IpAddr>)>,
}

fn recv_raw(
    fd: RawFd,
    kind: RecvKind,
    flow: &Flow,
    error_queue: Option<Family>,
) -> io::Result<Option<Incoming>> {
    let mut buf = [0u8; 2048];
    let mut cmsg = nix::cmsg_space!(
        TimeSpec,
        libc::c_int,
        libc::sock_extended_err,
        libc::sockaddr_in6
    );
    let mut flags = MsgFlags::MSG_DONTWAIT;
    if error_queue.is_some() {
        flags |= MsgFlags::MSG_ERRQUEUE;
    }
    let (len, meta) = {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = match recvmsg::<SockaddrStorage>(fd, &mut iov, Some(&mut cmsg), flags) {
            Ok(m) => m,
            Err(nix::Error::EAGAIN) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut meta = Meta {
            from: msg.address.as_ref().and_then(storage_ip),
            ttl: None,
            kernel_time: None,
            queue_error: None,
        };
        if let Ok(cmsgs) = msg.cmsgs() {
            for c in cmsgs {
                match c {
                    ControlMessageOwned::ScmTimestampns(ts) => {
                        meta.kernel_time = Some(
                            UNIX_EPOCH + Duration::new(ts.tv_sec() as u64, ts.tv_nsec() as u32),
                        );
                    }
                    ControlMessageOwned::Ipv4Ttl(t) => meta.ttl = u8::try_from(t).ok(),
                    ControlMessageOwned::Ipv6HopLimit(h) => meta.ttl = u8::try_from(h).ok(),
                    ControlMessageOwned::Ipv4RecvErr(e, addr) => {
                        let a = addr.map(|a| {
                            IpAddr::V4(std::net::Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)))
                        });
                        meta.queue_error = Some((e, a));
                    }
                    ControlMessageOwned::Ipv6RecvErr(e, addr) => {
                        let a = addr.map(|a| IpAddr::V6(a.sin6_addr.s6_addr.into()));
                        meta.queue_error = Some((e, a));
                    }
                    _ => {}
                }
            }
        }
        (msg.bytes, meta)
    };
    let data = &buf[..len.min(buf.len())];
    let read_at = Instant::now();
    let packet = decode(kind, data, &meta, flow, error_queue);
    Ok(Some(Incoming {
        packet,
        kernel_time: meta.kernel_time,
        read_at,
    }))
}

fn storage_ip(s: &SockaddrStorage) -> Option<IpAddr> {
    if let Some(v4) = s.as_sockaddr_in() {
        return Some(IpAddr::V4(v4.ip()));
    }
    if let Some(v6) = s.as_sockaddr_in6() {
        return Some(IpAddr::V6(v6.ip()));
    }
    // An unnamed or other-family address carries no sender.
    let _ = s.family();
    None
}

fn decode(
    kind: RecvKind,
    data: &[u8],
    meta: &Meta,
    flow: &Flow,
    error_queue: Option<Family>,
) -> Result<Received, DecodeError> {
    let from = || meta.from.ok_or(DecodeError::Truncated("sender address"));
    match (kind, error_queue) {
        (RecvKind::Ipv4Datagram, _) => decode_ipv4(data),
        (RecvKind::Icmpv6Message, _) => Ok(Received {
            from: from()?,
            reply_ttl: meta.ttl,
            message: decode_icmp(Family::V6, data)?,
        }),
        (RecvKind::Tcp6Segment, _) => Ok(Received {
            from: from()?,
            reply_ttl: meta.ttl,
            message: decode_tcp(data)?,
        }),
        (RecvKind::Ping(family), None) => Ok(Received {
            from: from()?,
            reply_ttl: meta.ttl,
            message: decode_icmp(family, data)?,
        }),
        (RecvKind::Ping(_), Some(family)) => decode_queue_error(family, data, meta, flow),
    }
}

/// An error-queue entry: the kernel already matched it to our socket and hands back our own
/// echo request (as far as the router quoted it) plus the ICMP type, code and offender.
fn decode_queue_error(
    family: Family,
    data: &[u8],
    meta: &Meta,
    flow: &Flow,
) -> Result<Received, DecodeError> {
    let (err, offender) = meta
        .queue_error
        .as_ref()
        .ok_or(DecodeError::Truncated("error queue entry"))?;
    if err.ee_origin != SO_EE_ORIGIN_ICMP && err.ee_origin != SO_EE_ORIGIN_ICMP6 {
        return Err(DecodeError::Unrelated {
            protocol: "local error",
            kind: err.ee_origin,
            code: 0,
        });
    }
    let kind =
        classify_icmp_error(family, err.ee_type, err.ee_code).ok_or(DecodeError::Unrelated {
            protocol: "queued ICMP",
            kind: err.ee_type,
            code: err.ee_code,
        })?;
    let (ident, seq) =
        echo_request_fields(family, data).ok_or(DecodeError::Truncated("queued echo request"))?;
    Ok(Received {
        from: offender.ok_or(DecodeError::Truncated("offender address"))?,
        reply_ttl: meta.ttl,
        message: Message::Error {
            kind,
            quote: Quote {
                source: flow.source,
                // The error queue names the destination of the datagram that failed (its
                // msg_name), which in a batch is not necessarily the first target's.
                destination: meta.from.unwrap_or(flow.destination),
                probe: QuotedProbe::Icmp { ident, seq },
            },
            mpls: Vec::new(),
        },
    })
}
