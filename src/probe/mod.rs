//! Sending probes and matching replies: the live source of a [`Trace`].
//!
//! Use: [`open`] the sockets (needs the privilege), give the privilege up
//! ([`socket::drop_privileges`]), then [`Prepared::run`] inside a Tokio runtime.

pub mod engine;
pub mod packet;
pub mod recv;
pub mod schedule;
pub mod socket;

use crate::trace::{Origin, Protocol, Trace, TraceOptions};
use engine::{Event, Outcome};
use schedule::{ScheduleConfig, Stats};
use socket::{Mode, OpenSockets, SocketError, SocketRequest};
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Default destination port of UDP probes (traceroute's base port).
pub const DEFAULT_UDP_PORT: u16 = 33434;
/// Default destination port of TCP probes.
pub const DEFAULT_TCP_PORT: u16 = 80;

/// How to probe.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeConfig {
    pub protocol: Protocol,
    /// Destination port for UDP/TCP; `None` for the protocol's default.
    pub port: Option<u16>,
    pub first_hop: u8,
    pub max_hops: u8,
    pub queries: u8,
    /// The longest wait for any reply.
    pub wait: Duration,
    /// Give up a probe after HERE × the RTT of a reply from the same hop.
    pub here: f64,
    /// Give up a probe after NEAR × the RTT of a reply from a later hop.
    pub near: f64,
    /// Probes in flight at once.
    pub parallel: usize,
    /// Silent hops probed beyond the last that answered before the trace stops.
    pub max_unknown: u8,
    pub source: Option<IpAddr>,
    pub interface: Option<String>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            protocol: Protocol::Icmp,
            port: None,
            first_hop: 1,
            max_hops: 30,
            queries: 3,
            wait: Duration::from_secs(3),
            here: 3.0,
            near: 10.0,
            parallel: 16,
            max_unknown: 5,
            source: None,
            interface: None,
        }
    }
}

impl ProbeConfig {
    /// The destination port actually used.
    pub fn effective_port(&self) -> Option<u16> {
        match self.protocol {
            Protocol::Icmp => None,
            Protocol::Udp => Some(self.port.unwrap_or(DEFAULT_UDP_PORT)),
            Protocol::Tcp => Some(self.port.unwrap_or(DEFAULT_TCP_PORT)),
        }
    }
}

/// A trace whose sockets are open, ready to run.
#[derive(Debug)]
pub struct Prepared {
    sockets: OpenSockets,
    cfg: ProbeConfig,
    target: String,
}

/// Open the sockets for tracing `address` (named `target` by the user).
pub fn open(target: &str, address: IpAddr, cfg: &ProbeConfig) -> Result<Prepared, SocketError> {
    let sockets = socket::open(&SocketRequest {
        protocol: cfg.protocol,
        destination: address,
        port: cfg.effective_port().unwrap_or(0),
        source: cfg.source,
        interface: cfg.interface.clone(),
    })?;
    Ok(Prepared {
        sockets,
        cfg: cfg.clone(),
        target: target.to_string(),
    })
}

impl Prepared {
    /// Raw or unprivileged ping sockets.
    pub fn mode(&self) -> Mode {
        self.sockets.mode
    }

    /// The local address probes leave from.
    pub fn source(&self) -> IpAddr {
        self.sockets.flow.source
    }

    /// Run the trace, sending hop events to `events`, until done or `stop` resolves.
    pub async fn run(
        self,
        events: UnboundedSender<Event>,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<(Trace, Stats)> {
        let cfg = &self.cfg;
        let schedule = ScheduleConfig {
            first_hop: cfg.first_hop,
            max_hops: cfg.max_hops,
            queries: cfg.queries,
            max_wait: cfg.wait,
            here: cfg.here,
            near: cfg.near,
            parallel: cfg.parallel,
            max_unknown: cfg.max_unknown,
        };
        let flow = self.sockets.flow;
        let options = TraceOptions {
            protocol: cfg.protocol,
            port: cfg.effective_port(),
            first_hop: cfg.first_hop,
            max_hops: cfg.max_hops,
            queries: cfg.queries,
            wait_secs: cfg.wait.as_secs_f64(),
            unprivileged: self.sockets.mode == Mode::Ping,
        };
        let Outcome {
            hops,
            reached,
            interrupted,
            stats,
        } = engine::run(self.sockets, schedule, events, stop).await?;
        let mut trace = Trace::new(self.target, Some(flow.destination), Origin::Live);
        trace.source = Some(flow.source);
        trace.options = Some(options);
        trace.hops = hops;
        trace.reached = reached;
        trace.interrupted = interrupted;
        Ok((trace, stats))
    }
}
