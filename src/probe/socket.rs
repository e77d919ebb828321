//! Opening the sockets a trace needs, and giving up the privilege to open more.
//!
//! With CAP_NET_RAW the tracer uses raw sockets: it writes its own transport headers (so it can
//! steer checksums Paris-style) and reads every ICMP/TCP packet the host receives, keeping only
//! what quotes its own probes. Without it, Linux offers unprivileged ICMP "ping" sockets when
//! `net.ipv4.ping_group_range` admits the user; ICMP errors then arrive on the socket's error
//! queue (`IP_RECVERR`) rather than as packets. Everything is opened before the async runtime
//! starts, so capabilities can be dropped while the process still has one thread.

use super::packet::{Family, Flow, FlowKind};
use crate::trace::Protocol;
use socket2::{Domain, SockAddr, SockFilter, Socket, Type};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;

/// How replies reach us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Raw sockets (CAP_NET_RAW or root).
    Raw,
    /// Unprivileged ICMP datagram sockets with the error queue.
    Ping,
}

/// What a receiving socket hands back, so the decoder knows where the packet starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvKind {
    /// A raw IPv4 socket: whole datagrams including the IP header (ICMP or TCP inside).
    Ipv4Datagram,
    /// A raw ICMPv6 socket: ICMPv6 messages without the IPv6 header.
    Icmpv6Message,
    /// A raw IPv6 TCP socket: TCP segments without the IPv6 header.
    Tcp6Segment,
    /// A ping socket: echo replies as ICMP messages, errors on the error queue.
    Ping(Family),
}

/// Why the sockets could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    /// Neither raw nor ping sockets are allowed for this user.
    #[error(
        "no permission to send {protocol} probes: run as root, grant the binary \
         `sudo setcap cap_net_raw+ep {exe}`{ping_hint}"
    )]
    Permission {
        protocol: Protocol,
        exe: String,
        ping_hint: &'static str,
    },
    /// The socket call itself failed.
    #[error("cannot open a {what} socket: {source}")]
    Open {
        what: &'static str,
        source: io::Error,
    },
    /// Binding to a source address or interface failed.
    #[error("cannot bind to {what}: {source}")]
    Bind { what: String, source: io::Error },
    /// The kernel has no route toward the target.
    #[error("no route to {target}: {source}")]
    Route { target: IpAddr, source: io::Error },
    /// A socket option could not be set.
    #[error("cannot set {option} on a socket: {source}")]
    Option {
        option: &'static str,
        source: io::Error,
    },
}

/// What to open.
#[derive(Debug, Clone)]
pub struct SocketRequest {
    pub protocol: Protocol,
    pub destination: IpAddr,
    /// Destination port for UDP/TCP.
    pub port: u16,
    pub source: Option<IpAddr>,
    pub interface: Option<String>,
    /// The UDP/TCP source port to send from (the first of a multipath discovery's); `None`
    /// for one the kernel picks.
    pub source_port: Option<u16>,
}

/// The opened sockets of one trace and the flow their probes use.
#[derive(Debug)]
pub struct OpenSockets {
    pub mode: Mode,
    pub flow: Flow,
    /// The socket probes are written to.
    pub sender: Socket,
    /// Where the sender's replies (or errors) come from, when it receives at all.
    pub sender_recv: Option<RecvKind>,
    /// Other receiving sockets.
    pub receivers: Vec<(Socket, RecvKind)>,
    /// Holds the source port of UDP/TCP probes so no other program is given it meanwhile.
    pub port_reservation: Option<Socket>,
}

/// Open everything a trace needs: raw sockets if allowed, else ping sockets for ICMP.
pub fn open(req: &SocketRequest) -> Result<OpenSockets, SocketError> {
    let source = discover_source(req)?;
    match open_raw(req, source) {
        Ok(s) => Ok(s),
        Err(e) if is_permission(&e) => match req.protocol {
            Protocol::Icmp => open_ping(req, source).map_err(|e| {
                if is_permission(&e) {
                    permission_error(req.protocol, true)
                } else {
                    e
                }
            }),
            _ => Err(permission_error(req.protocol, false)),
        },
        Err(e) => Err(e),
    }
}

fn is_permission(e: &SocketError) -> bool {
    match e {
        SocketError::Open { source, .. } => {
            matches!(source.kind(), io::ErrorKind::PermissionDenied)
                || source.raw_os_error() == Some(libc::EPERM)
        }
        _ => false,
    }
}

fn permission_error(protocol: Protocol, ping_possible: bool) -> SocketError {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "globetrace".into());
    SocketError::Permission {
        protocol,
        exe,
        ping_hint: if ping_possible {
            ", or allow ping sockets: `sudo sysctl net.ipv4.ping_group_range=\"0 2147483647\"`"
        } else {
            " (ICMP probes, -I, can also work unprivileged where ping sockets are allowed)"
        },
    }
}

fn domain(family: Family) -> Domain {
    match family {
        Family::V4 => Domain::IPV4,
        Family::V6 => Domain::IPV6,
    }
}

fn open_socket(
    family: Family,
    ty: Type,
    protocol: i32,
    what: &'static str,
) -> Result<Socket, SocketError> {
    Socket::new(domain(family), ty, Some(socket2::Protocol::from(protocol)))
        .map_err(|source| SocketError::Open { what, source })
}

/// The local address the kernel would use toward the target (no packet is sent).
fn discover_source(req: &SocketRequest) -> Result<IpAddr, SocketError> {
    let family = Family::of(req.destination);
    let probe = open_socket(family, Type::DGRAM, libc::IPPROTO_UDP, "UDP")?;
    bind_common(&probe, req.source, req.interface.as_deref())?;
    probe
        .connect(&SockAddr::from(SocketAddr::new(req.destination, 33434)))
        .map_err(|source| SocketError::Route {
            target: req.destination,
            source,
        })?;
    let local = probe
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .map(|a| a.ip())
        .ok_or_else(|| SocketError::Route {
            target: req.destination,
            source: io::Error::other("no local address"),
        })?;
    Ok(local)
}

fn bind_common(
    socket: &Socket,
    source: Option<IpAddr>,
    interface: Option<&str>,
) -> Result<(), SocketError> {
    if let Some(name) = interface {
        socket
            .bind_device(Some(name.as_bytes()))
            .map_err(|source| SocketError::Bind {
                what: format!("interface {name}"),
                source,
            })?;
    }
    if let Some(addr) = source {
        socket
            .bind(&SockAddr::from(SocketAddr::new(addr, 0)))
            .map_err(|source| SocketError::Bind {
                what: format!("source address {addr}"),
                source,
            })?;
    }
    Ok(())
}

fn open_raw(req: &SocketRequest, source: IpAddr) -> Result<OpenSockets, SocketError> {
    let family = Family::of(req.destination);
    let icmp_proto = match family {
        Family::V4 => libc::IPPROTO_ICMP,
        Family::V6 => libc::IPPROTO_ICMPV6,
    };
    let icmp_kind = match family {
        Family::V4 => RecvKind::Ipv4Datagram,
        Family::V6 => RecvKind::Icmpv6Message,
    };
    let icmp = open_socket(family, Type::RAW, icmp_proto, "raw ICMP")?;
    bind_common(&icmp, Some(source), req.interface.as_deref())?;
    let mut port_reservation = None;
    let (sender, sender_recv, receivers, kind) = match req.protocol {
        Protocol::Icmp => {
            let kind = FlowKind::Icmp {
                ident: rand::random(),
                checksum: rand::random_range(1..0xFFFF),
            };
            (icmp, Some(icmp_kind), Vec::new(), kind)
        }
        Protocol::Udp => {
            let (reservation, src_port) =
                reserve_port(family, source, req.source_port, Type::DGRAM)?;
            port_reservation = Some(reservation);
            let udp = open_socket(family, Type::RAW, libc::IPPROTO_UDP, "raw UDP")?;
            bind_common(&udp, Some(source), req.interface.as_deref())?;
            // A raw UDP socket also receives a copy of every UDP datagram; we never read it.
            drop_all_input(&udp)?;
            let kind = FlowKind::Udp {
                src_port,
                dst_port: req.port,
            };
            (udp, None, vec![(icmp, icmp_kind)], kind)
        }
        Protocol::Tcp => {
            let (reservation, src_port) =
                reserve_port(family, source, req.source_port, Type::STREAM)?;
            port_reservation = Some(reservation);
            let tcp = open_socket(family, Type::RAW, libc::IPPROTO_TCP, "raw TCP")?;
            bind_common(&tcp, Some(source), req.interface.as_deref())?;
            let tcp_kind = match family {
                Family::V4 => RecvKind::Ipv4Datagram,
                Family::V6 => RecvKind::Tcp6Segment,
            };
            let kind = FlowKind::Tcp {
                src_port,
                dst_port: req.port,
                cookie: rand::random(),
            };
            (tcp, Some(tcp_kind), vec![(icmp, icmp_kind)], kind)
        }
    };
    let sockets = OpenSockets {
        mode: Mode::Raw,
        flow: Flow {
            source,
            destination: req.destination,
            kind,
        },
        sender,
        sender_recv,
        receivers,
        port_reservation,
    };
    prepare_receivers(&sockets)?;
    Ok(sockets)
}

/// Bind a throwaway socket of `ty` to an ephemeral port and keep it, so that port is ours.
/// With `port`, that port is reserved (an error names it when it is taken).
fn reserve_port(
    family: Family,
    source: IpAddr,
    port: Option<u16>,
    ty: Type,
) -> Result<(Socket, u16), SocketError> {
    let proto = if ty == Type::STREAM {
        libc::IPPROTO_TCP
    } else {
        libc::IPPROTO_UDP
    };
    let s = open_socket(family, ty, proto, "port reservation")?;
    match port {
        Some(p) => s
            .bind(&SockAddr::from(SocketAddr::new(source, p)))
            .map_err(|e| SocketError::Bind {
                what: format!("source port {p}"),
                source: e,
            })?,
        None => bind_common(&s, Some(source), None)?,
    }
    let port = s
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .map(|a| a.port())
        .ok_or_else(|| SocketError::Bind {
            what: format!("an ephemeral port on {source}"),
            source: io::Error::other("no port assigned"),
        })?;
    Ok((s, port))
}

/// Attach a socket filter that accepts nothing.
fn drop_all_input(socket: &Socket) -> Result<(), SocketError> {
    const BPF_RET_K: u16 = 0x06;
    socket
        .attach_filter(&[SockFilter::new(BPF_RET_K, 0, 0, 0)])
        .map_err(|source| SocketError::Option {
            option: "SO_ATTACH_FILTER",
            source,
        })
}

fn open_ping(req: &SocketRequest, source: IpAddr) -> Result<OpenSockets, SocketError> {
    let family = Family::of(req.destination);
    let proto = match family {
        Family::V4 => libc::IPPROTO_ICMP,
        Family::V6 => libc::IPPROTO_ICMPV6,
    };
    let ping = open_socket(family, Type::DGRAM, proto, "ICMP ping")?;
    bind_common(&ping, Some(source), req.interface.as_deref())?;
    // The kernel assigns the echo identifier: it is the bound "port".
    let ident = ping
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .map(|a| a.port())
        .unwrap_or(0);
    let sockets = OpenSockets {
        mode: Mode::Ping,
        flow: Flow {
            source,
            destination: req.destination,
            kind: FlowKind::Icmp {
                ident,
                checksum: rand::random_range(1..0xFFFF),
            },
        },
        sender: ping,
        sender_recv: Some(RecvKind::Ping(family)),
        receivers: Vec::new(),
        port_reservation: None,
    };
    prepare_receivers(&sockets)?;
    Ok(sockets)
}

/// Non-blocking mode, kernel receive timestamps, TTL/hop-limit reporting, error queues, and a
/// receive buffer large enough to ride out a flood of foreign ICMP.
fn prepare_receivers(s: &OpenSockets) -> Result<(), SocketError> {
    use nix::sys::socket::{setsockopt, sockopt};
    let opt = |option: &'static str| {
        move |e: nix::Error| SocketError::Option {
            option,
            source: io::Error::from(e),
        }
    };
    s.sender
        .set_nonblocking(true)
        .map_err(|source| SocketError::Option {
            option: "O_NONBLOCK",
            source,
        })?;
    let mut all: Vec<(&Socket, RecvKind)> = s.receivers.iter().map(|(s, k)| (s, *k)).collect();
    if let Some(k) = s.sender_recv {
        all.push((&s.sender, k));
    }
    for (sock, kind) in all {
        sock.set_nonblocking(true)
            .map_err(|source| SocketError::Option {
                option: "O_NONBLOCK",
                source,
            })?;
        // A larger buffer is best effort: the kernel caps it at net.core.rmem_max.
        let _ = sock.set_recv_buffer_size(1 << 20);
        setsockopt(sock, sockopt::ReceiveTimestampns, &true).map_err(opt("SO_TIMESTAMPNS"))?;
        match kind {
            RecvKind::Icmpv6Message | RecvKind::Tcp6Segment => {
                setsockopt(sock, sockopt::Ipv6RecvHopLimit, &true)
                    .map_err(opt("IPV6_RECVHOPLIMIT"))?;
            }
            RecvKind::Ping(Family::V4) => {
                setsockopt(sock, sockopt::Ipv4RecvErr, &true).map_err(opt("IP_RECVERR"))?;
                setsockopt(sock, sockopt::Ipv4RecvTtl, &true).map_err(opt("IP_RECVTTL"))?;
            }
            RecvKind::Ping(Family::V6) => {
                setsockopt(sock, sockopt::Ipv6RecvErr, &true).map_err(opt("IPV6_RECVERR"))?;
                setsockopt(sock, sockopt::Ipv6RecvHopLimit, &true)
                    .map_err(opt("IPV6_RECVHOPLIMIT"))?;
            }
            RecvKind::Ipv4Datagram => {}
        }
    }
    Ok(())
}

/// Set the TTL / hop limit of the next probe.
pub fn set_ttl(socket: &Socket, family: Family, ttl: u8) -> io::Result<()> {
    match family {
        Family::V4 => socket.set_ttl_v4(u32::from(ttl)),
        Family::V6 => socket.set_unicast_hops_v6(u32::from(ttl)),
    }
}

/// Give up every capability. Opened sockets keep working; nothing new can be opened, and a
/// compromised parser cannot use raw sockets or anything else root could.
pub fn drop_privileges() -> Result<(), caps::errors::CapsError> {
    use caps::CapSet;
    // Ambient and inheritable first: clearing permitted would make them unchangeable.
    caps::clear(None, CapSet::Ambient).ok();
    caps::clear(None, CapSet::Inheritable)?;
    caps::clear(None, CapSet::Effective)?;
    caps::clear(None, CapSet::Permitted)?;
    Ok(())
}

/// The raw file descriptor of a socket, for the receive path's `recvmsg` calls.
pub fn fd(socket: &Socket) -> std::os::fd::RawFd {
    socket.as_raw_fd()
}
