//! Globalping: traceroute and mtr from probes the user picks by place or network.
//!
//! A measurement is created with `POST /v1/measurements` (answer `202` with its `id`), then
//! read with `GET /v1/measurements/{id}` until its `status` is no longer `in-progress`. Each
//! element of `results` is one probe: where it is (`probe`: city, country, ASN, network) and
//! what it saw (`result`: `status`, `resolvedAddress`, `hops`). Traceroute hops carry
//! `resolvedAddress`, `resolvedHostname` and `timings: [{rtt}]`; mtr hops add `asn` and
//! `stats` (`total` packets sent), and a timing's `rtt` is `null` for a lost packet.
//!
//! Shapes from the Globalping API reference (https://globalping.io/docs/api.globalping.io,
//! its OpenAPI schema as mirrored in the official `globalping` npm client,
//! `src/openapi-ts/types.gen.ts`) and the probe's mtr result type (jsdelivr/globalping-probe,
//! `src/command/handlers/mtr/types.ts`). Checked against those documents only: nothing here
//! has talked to the real service.
//!
//! Globalping's traceroute does not say how many packets went unanswered at a silent hop, so
//! such a hop counts as one lost probe; mtr's `stats.total` says, and is used.

use super::http::{Client, Request};
use super::RemoteError;
use crate::import::Record;
use crate::text::{sanitize_name, sanitize_text};
use crate::trace::{Hop, Origin, Protocol, Reply, ReplyKind, Trace, TraceIdentity};
use serde::Deserialize;
use serde_json::json;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The public API.
pub const DEFAULT_URL: &str = "https://api.globalping.io";
/// Overrides [`DEFAULT_URL`].
pub const URL_ENV: &str = "GLOBETRACE_GLOBALPING_URL";
/// A Globalping API token: higher hourly limits.
pub const TOKEN_ENV: &str = "GLOBALPING_TOKEN";
/// The most probes one measurement may ask for (the API's own bound).
pub const MAX_LIMIT: u16 = 500;
/// The most packets per hop mtr may send (the API's bound for `packets`).
pub const MAX_PACKETS: u8 = 16;
/// How often a running measurement is read (the API asks clients to wait at least 500 ms).
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// How long a measurement is waited for.
pub const MAX_WAIT: Duration = Duration::from_secs(180);
/// The most hops kept per result.
const MAX_HOPS: usize = 255;
const SERVICE: &str = "Globalping";

/// What to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementSpec {
    pub target: String,
    /// Globalping location strings (`magic`): a country, city, ASN, cloud region, tag.
    pub locations: Vec<String>,
    /// Probes in all.
    pub limit: u16,
    /// `Some(packets)` runs mtr with that many packets per hop; `None` traceroute.
    pub mtr_packets: Option<u8>,
    pub protocol: Protocol,
    pub port: Option<u16>,
    /// 4 or 6, for a host name target.
    pub ip_version: Option<u8>,
}

impl MeasurementSpec {
    /// The JSON body of `POST /v1/measurements`.
    pub fn body(&self) -> serde_json::Value {
        let mut options = serde_json::Map::new();
        options.insert(
            "protocol".into(),
            json!(match self.protocol {
                Protocol::Icmp => "ICMP",
                Protocol::Udp => "UDP",
                Protocol::Tcp => "TCP",
            }),
        );
        if let Some(port) = self.port {
            options.insert("port".into(), json!(port));
        }
        if let Some(v) = self.ip_version {
            options.insert("ipVersion".into(), json!(v));
        }
        if let Some(p) = self.mtr_packets {
            options.insert("packets".into(), json!(p));
        }
        let locations: Vec<_> = self
            .locations
            .iter()
            .map(|l| json!({ "magic": l }))
            .collect();
        json!({
            "type": if self.mtr_packets.is_some() { "mtr" } else { "traceroute" },
            "target": self.target,
            "locations": locations,
            "limit": self.limit,
            "measurementOptions": options,
        })
    }
}

#[derive(Deserialize)]
struct Created {
    id: String,
    #[serde(rename = "probesCount")]
    probes_count: Option<u64>,
}

/// A measurement as read: its status and each probe's result so far.
#[derive(Debug, Deserialize)]
pub struct Measurement {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub status: String,
    pub target: Option<String>,
    #[serde(rename = "measurementOptions")]
    pub options: Option<serde_json::Value>,
    #[serde(default)]
    pub results: Vec<ProbeResult>,
}

/// One probe's part of a measurement.
#[derive(Debug, Deserialize)]
pub struct ProbeResult {
    pub probe: Probe,
    pub result: GpResult,
}

/// Where a probe is.
#[derive(Debug, Default, Deserialize)]
pub struct Probe {
    pub continent: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub asn: Option<u64>,
    pub network: Option<String>,
}

/// What a probe saw.
#[derive(Debug, Deserialize)]
pub struct GpResult {
    pub status: String,
    #[serde(rename = "resolvedAddress")]
    pub resolved_address: Option<String>,
    #[serde(default)]
    pub hops: Vec<GpHop>,
}

/// One hop of a traceroute or mtr result.
#[derive(Debug, Deserialize)]
pub struct GpHop {
    #[serde(rename = "resolvedAddress")]
    pub resolved_address: Option<String>,
    #[serde(rename = "resolvedHostname")]
    pub resolved_hostname: Option<String>,
    #[serde(default)]
    pub timings: Vec<Timing>,
    /// mtr only.
    pub stats: Option<Stats>,
}

#[derive(Debug, Deserialize)]
pub struct Timing {
    pub rtt: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct Stats {
    pub total: Option<u64>,
}

/// A Globalping API client.
pub struct Globalping {
    client: Client,
    base: String,
}

impl Globalping {
    /// A client for the URL from [`URL_ENV`] (or the public API), with [`TOKEN_ENV`] if set.
    pub fn from_env() -> Result<Globalping, RemoteError> {
        let base = super::base_url(URL_ENV, DEFAULT_URL)?;
        let auth = super::token(TOKEN_ENV).map(|t| format!("Bearer {t}"));
        let timeout = super::http::timeout_from_env()?;
        Ok(Globalping::new(
            Client::new(SERVICE, auth, TOKEN_ENV, timeout),
            base,
        ))
    }

    pub fn new(client: Client, base: String) -> Globalping {
        Globalping { client, base }
    }

    /// Creates the measurement; returns its id and the number of probes found.
    pub fn create(&self, spec: &MeasurementSpec) -> Result<(String, Option<u64>), RemoteError> {
        let url = format!("{}/v1/measurements", self.base);
        let body = spec.body();
        let (_, bytes) = self.client.send(&Request {
            method: "POST",
            url: &url,
            json: Some(&body),
        })?;
        let created: Created = serde_json::from_slice(&bytes).map_err(|e| malformed(&url, e))?;
        let id = sanitize_text(&created.id, 64);
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(RemoteError::Malformed {
                service: SERVICE,
                url,
                reason: format!("a measurement id that is not an id: {id:?}"),
            });
        }
        Ok((id, created.probes_count))
    }

    /// Reads the measurement once.
    pub fn get(&self, id: &str) -> Result<Measurement, RemoteError> {
        let url = format!("{}/v1/measurements/{id}", self.base);
        let (_, bytes) = self.client.send(&Request {
            method: "GET",
            url: &url,
            json: None,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| malformed(&url, e))
    }

    /// Reads the measurement every `interval` until it is no longer in progress, calling
    /// `progress(finished, probes)` after each read; gives up after `max_wait`.
    pub fn wait(
        &self,
        id: &str,
        interval: Duration,
        max_wait: Duration,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Measurement, RemoteError> {
        let start = Instant::now();
        loop {
            let m = self.get(id)?;
            let done = m
                .results
                .iter()
                .filter(|r| r.result.status != "in-progress")
                .count();
            progress(done, m.results.len());
            if m.status != "in-progress" {
                return Ok(m);
            }
            if start.elapsed() + interval > max_wait {
                return Err(RemoteError::Unfinished {
                    service: SERVICE,
                    id: id.to_string(),
                    secs: max_wait.as_secs(),
                });
            }
            std::thread::sleep(interval);
        }
    }
}

fn malformed(url: &str, e: serde_json::Error) -> RemoteError {
    RemoteError::Malformed {
        service: SERVICE,
        url: url.to_string(),
        reason: sanitize_text(&e.to_string(), 160),
    }
}

/// A measurement's results as traces, and a line for each probe that gave none.
pub fn records(m: &Measurement) -> (Vec<Record>, Vec<String>) {
    let tool = match m.kind.as_deref() {
        Some("mtr") => "globalping mtr",
        _ => "globalping traceroute",
    };
    let protocol = m
        .options
        .as_ref()
        .and_then(|o| o.get("protocol"))
        .and_then(|p| p.as_str())
        .map(|p| match p.to_ascii_uppercase().as_str() {
            "UDP" => Protocol::Udp,
            "TCP" => Protocol::Tcp,
            _ => Protocol::Icmp,
        })
        .unwrap_or(Protocol::Icmp);
    let target = m.target.as_deref().map(sanitize_name).unwrap_or_default();
    let id = sanitize_text(&m.id, 64);
    let (mut records, mut warnings) = (Vec::new(), Vec::new());
    for (i, r) in m.results.iter().enumerate() {
        let place = place(&r.probe);
        let status = sanitize_text(&r.result.status, 32);
        if status != "finished" {
            warnings.push(format!("probe {} ({place}): {status}, no trace", i + 1));
            continue;
        }
        let trace = trace_of(&target, &r.result, protocol, &mut |w| {
            warnings.push(format!("probe {} ({place}): {w}", i + 1))
        });
        if trace.hops.is_empty() {
            warnings.push(format!("probe {} ({place}): no hops", i + 1));
            continue;
        }
        let position = records.len() + 1;
        records.push(Record {
            identity: TraceIdentity {
                label: format!("{place}#{position}"),
                position,
                tool: Some(tool.to_string()),
                vantage: Some(vantage(&r.probe)),
                measurement: Some(id.clone()),
                time: None,
            },
            trace,
        });
    }
    (records, warnings)
}

/// `City, CC, AS123`: short enough for the trace column.
fn place(p: &Probe) -> String {
    let parts: Vec<String> = [
        p.city.as_deref().map(|c| sanitize_text(c, 40)),
        p.country.as_deref().map(|c| sanitize_text(c, 8)),
        p.asn.map(|a| format!("AS{a}")),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    if parts.is_empty() {
        "unknown probe".to_string()
    } else {
        parts.join(", ")
    }
}

/// The place and the network's name.
fn vantage(p: &Probe) -> String {
    match p.network.as_deref().map(|n| sanitize_text(n, 80)) {
        Some(n) if !n.is_empty() => format!("{} ({n})", place(p)),
        _ => place(p),
    }
}

fn trace_of(target: &str, r: &GpResult, protocol: Protocol, warn: &mut dyn FnMut(String)) -> Trace {
    let dst = r
        .resolved_address
        .as_deref()
        .and_then(|a| a.trim().parse::<IpAddr>().ok());
    let mut trace = Trace::new(target, dst, Origin::Imported);
    for (i, h) in r.hops.iter().enumerate().take(MAX_HOPS) {
        let ttl = (i + 1) as u8;
        let mut hop = Hop::new(ttl);
        let addr = h
            .resolved_address
            .as_deref()
            .and_then(|a| a.trim().parse::<IpAddr>().ok());
        if h.resolved_address.is_some() && addr.is_none() {
            warn(format!(
                "hop {ttl}: {:?} is not an address",
                sanitize_text(h.resolved_address.as_deref().unwrap_or(""), 60)
            ));
        }
        let name = h
            .resolved_hostname
            .as_deref()
            .map(sanitize_name)
            .filter(|n| !n.is_empty() && Some(n.as_str()) != h.resolved_address.as_deref());
        for t in h.timings.iter().take(u8::MAX as usize) {
            let reply = match (addr, t.rtt.and_then(ms)) {
                (Some(a), Some(rtt)) => {
                    let kind = if Some(a) == dst {
                        match protocol {
                            Protocol::Icmp => ReplyKind::EchoReply,
                            Protocol::Udp => ReplyKind::PortUnreachable,
                            Protocol::Tcp => ReplyKind::TcpSynAck,
                        }
                    } else {
                        ReplyKind::TimeExceeded
                    };
                    let mut reply = Reply::new(a, Some(rtt), kind);
                    reply.hostname = name.clone();
                    Some(reply)
                }
                _ => None,
            };
            hop.probes.push(reply);
        }
        // mtr says how many packets went out; traceroute's silent hop is one lost probe.
        let sent = h
            .stats
            .as_ref()
            .and_then(|s| s.total)
            .map(|t| t.min(u8::MAX as u64) as usize)
            .unwrap_or(1);
        while hop.probes.len() < sent {
            hop.probes.push(None);
        }
        if hop
            .probes
            .iter()
            .any(|p| p.as_ref().is_some_and(|r| r.kind.is_destination()))
        {
            trace.reached = true;
        }
        trace.hops.push(hop);
        if trace.reached {
            break;
        }
    }
    if r.hops.len() > MAX_HOPS {
        warn(format!("more than {MAX_HOPS} hops; the rest left out"));
    }
    trace
}

/// A round-trip time in milliseconds, when it is one.
fn ms(v: f64) -> Option<Duration> {
    (v.is_finite() && (0.0..=600_000.0).contains(&v)).then(|| Duration::from_secs_f64(v / 1000.0))
}

#[cfg(test)]
#[path = "globalping_tests.rs"]
mod tests;
