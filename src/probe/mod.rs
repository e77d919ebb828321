//! Sending probes and matching replies: the live source of a [`Trace`].
//!
//! Use: [`open`] the sockets (needs the privilege), give the privilege up
//! ([`socket::drop_privileges`]), then [`Prepared::run`] inside a Tokio runtime.

mod budget;
pub mod engine;
pub mod matching;
pub mod mda;
pub mod packet;
pub mod pass;
pub mod recv;
pub mod schedule;
pub mod scheduler;
pub mod socket;

use crate::trace::{Origin, Protocol, Trace, TraceOptions};
use engine::{Control, Feed, Outcome};
use packet::Flow;
use schedule::ScheduleConfig;
use scheduler::{Budget, Progress, TracePlan};
use socket::{Mode, OpenSockets, SocketError, SocketRequest};
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

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
    /// Passes over the path (`-c`); `None` until stopped. 1 is a single trace.
    pub cycles: Option<u64>,
    /// Time between the starts of two passes (`-i`).
    pub interval: Duration,
    /// Probes per second over the whole run (`--rate`); `None` for no limit.
    pub rate: Option<f64>,
    /// Discover every load-balanced branch (`--multipath`) at this confidence (percent).
    pub multipath: Option<u8>,
    /// UDP/TCP source port (`--source-port`); `None` for one the kernel picks.
    pub source_port: Option<u16>,
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
            cycles: Some(1),
            interval: Duration::from_secs(1),
            rate: Some(scheduler::DEFAULT_RATE),
            multipath: None,
            source_port: None,
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
        source_port: cfg.source_port,
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

    /// The trace this run will fill in: target, addresses and options, no hops yet.
    pub fn template(&self) -> Trace {
        let cfg = &self.cfg;
        let flow = self.sockets.flow;
        let mut trace = Trace::new(self.target.clone(), Some(flow.destination), Origin::Live);
        trace.source = Some(flow.source);
        trace.options = Some(TraceOptions {
            protocol: cfg.protocol,
            port: cfg.effective_port(),
            first_hop: cfg.first_hop,
            max_hops: cfg.max_hops,
            queries: cfg.queries,
            wait_secs: cfg.wait.as_secs_f64(),
            unprivileged: self.sockets.mode == Mode::Ping,
        });
        trace
    }

    /// The plan of one trace of this run's kind to `destination` (a batch gives each target
    /// one), named `id` in the progress it makes.
    pub fn plan(&self, id: usize, destination: IpAddr) -> TracePlan {
        let cfg = &self.cfg;
        TracePlan {
            id,
            flow: Flow {
                destination,
                ..self.sockets.flow
            },
            schedule: ScheduleConfig {
                first_hop: cfg.first_hop,
                max_hops: cfg.max_hops,
                queries: cfg.queries,
                max_wait: cfg.wait,
                here: cfg.here,
                near: cfg.near,
                parallel: cfg.parallel,
                max_unknown: cfg.max_unknown,
            },
            cycles: cfg.cycles,
            interval: cfg.interval,
            strategy: match cfg.multipath {
                Some(confidence) => pass::Strategy::Multipath { confidence },
                None => pass::Strategy::Paris,
            },
        }
    }

    fn budget(&self) -> Budget {
        Budget {
            rate: self.cfg.rate,
            ..Budget::default()
        }
    }

    /// Run every pass asked for, streaming progress to `events`, until done, a
    /// [`Control::Quit`] on `control`, or `stop` resolves.
    pub async fn run(
        self,
        events: UnboundedSender<Progress>,
        control: UnboundedReceiver<Control>,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<Outcome> {
        let plan = self.plan(0, self.sockets.flow.destination);
        let budget = self.budget();
        engine::run(
            self.sockets,
            vec![plan],
            budget,
            None,
            events,
            control,
            stop,
        )
        .await
    }

    /// Run the traces `next` hands out, at most `max_active` at once (a batch of targets).
    pub async fn run_many(
        self,
        next: &mut dyn FnMut() -> engine::Fed,
        max_active: usize,
        events: UnboundedSender<Progress>,
        control: UnboundedReceiver<Control>,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<Outcome> {
        let budget = self.budget();
        let feed = Feed { next, max_active };
        engine::run(
            self.sockets,
            Vec::new(),
            budget,
            Some(feed),
            events,
            control,
            stop,
        )
        .await
    }
}
