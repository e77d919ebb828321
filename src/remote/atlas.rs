//! RIPE Atlas: public measurement results, and new traceroute measurements with a key.
//!
//! Results are `GET /api/v2/measurements/{id}/results/` (optionally `start`, `stop`,
//! `probe_ids`) or `/latest/` (each probe's newest result), served as a JSON array of the
//! results the Atlas reader of `import` already reads; the body is handed to it as a stream,
//! so a long history costs the memory of one result. A measurement is created with
//! `POST /api/v2/measurements/` (`Authorization: Key …`), whose answer is
//! `{"measurements": [id]}`; `GET /api/v2/measurements/{id}/` then tells its `status.name`
//! (`Specified`, `Scheduled`, `Ongoing`, then `Stopped`, or a failure such as
//! `No suitable probes`).
//!
//! Shapes from the RIPE Atlas REST API manual (https://atlas.ripe.net/docs/apis/rest-api-manual/,
//! "Creating Measurements" and "Measurement results") and its browsable API pages; checked
//! against those documents only, not against the live service.

use super::http::{Client, Request};
use super::RemoteError;
use crate::text::sanitize_text;
use serde::Deserialize;
use serde_json::json;
use std::io::Read;
use std::time::{Duration, Instant};

/// The public API.
pub const DEFAULT_URL: &str = "https://atlas.ripe.net";
/// Overrides [`DEFAULT_URL`].
pub const URL_ENV: &str = "GLOBETRACE_ATLAS_URL";
/// A RIPE Atlas API key (needed to create measurements; optional for public results).
pub const KEY_ENV: &str = "RIPE_ATLAS_KEY";
/// How often a new measurement's status is read.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// How long a new measurement is waited for (one-offs take a few minutes).
pub const MAX_WAIT: Duration = Duration::from_secs(900);
const SERVICE: &str = "RIPE Atlas";

/// Which results of a measurement to read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResultsQuery {
    pub measurement: u64,
    /// Seconds since 1970; neither set reads each probe's latest result.
    pub start: Option<i64>,
    pub stop: Option<i64>,
    pub probes: Vec<u64>,
}

impl ResultsQuery {
    /// The path and query of the results URL.
    pub fn path(&self) -> String {
        let ranged = self.start.is_some() || self.stop.is_some();
        let mut query = vec!["format=json".to_string()];
        if let Some(s) = self.start {
            query.push(format!("start={s}"));
        }
        if let Some(s) = self.stop {
            query.push(format!("stop={s}"));
        }
        if !self.probes.is_empty() {
            let ids: Vec<String> = self.probes.iter().map(u64::to_string).collect();
            query.push(format!("probe_ids={}", ids.join(",")));
        }
        format!(
            "/api/v2/measurements/{}/{}/?{}",
            self.measurement,
            if ranged { "results" } else { "latest" },
            query.join("&")
        )
    }
}

/// Where a new measurement's probes come from: Atlas's probe selection `type` and `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSelection {
    /// `area`, `country`, `asn`, `prefix` or `probes`.
    pub kind: String,
    pub value: String,
    pub requested: u16,
}

impl ProbeSelection {
    /// Reads `TYPE:VALUE` (`area:WW`, `country:SG`, `asn:3320`, `prefix:…`, `probes:1,2`).
    pub fn parse(spec: &str, requested: u16) -> Result<ProbeSelection, String> {
        let (kind, value) = spec
            .split_once(':')
            .ok_or_else(|| format!("--atlas-from {spec:?} is not TYPE:VALUE"))?;
        let kind = kind.trim().to_ascii_lowercase();
        if !["area", "country", "asn", "prefix", "probes", "msm"].contains(&kind.as_str()) {
            return Err(format!(
                "--atlas-from type {kind:?} is not area, country, asn, prefix, probes or msm"
            ));
        }
        let value = value.trim();
        if value.is_empty() || value.len() > 200 {
            return Err(format!("--atlas-from {spec:?} has no usable value"));
        }
        Ok(ProbeSelection {
            kind,
            value: value.to_string(),
            requested,
        })
    }
}

/// What a new traceroute measurement is.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSpec {
    pub target: String,
    /// 4 or 6.
    pub af: u8,
    /// `ICMP`, `UDP` or `TCP`.
    pub protocol: &'static str,
    pub probes: ProbeSelection,
}

impl CreateSpec {
    /// The JSON body of `POST /api/v2/measurements/`: one one-off traceroute.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "definitions": [{
                "target": self.target,
                "description": format!("globetrace traceroute to {}", self.target),
                "type": "traceroute",
                "af": self.af,
                "protocol": self.protocol,
                "resolve_on_probe": true,
            }],
            "probes": [{
                "requested": self.probes.requested,
                "type": self.probes.kind,
                "value": self.probes.value,
            }],
            "is_oneoff": true,
        })
    }
}

#[derive(Deserialize)]
struct Created {
    measurements: Vec<u64>,
}

#[derive(Deserialize)]
struct Status {
    status: StatusName,
}

#[derive(Deserialize)]
struct StatusName {
    name: String,
}

/// A RIPE Atlas API client.
pub struct Atlas {
    client: Client,
    base: String,
}

impl Atlas {
    /// A client for the URL from [`URL_ENV`] (or the public API), with [`KEY_ENV`] if set.
    pub fn from_env() -> Result<Atlas, RemoteError> {
        let base = super::base_url(URL_ENV, DEFAULT_URL)?;
        let auth = super::token(KEY_ENV).map(|k| format!("Key {k}"));
        let timeout = super::http::timeout_from_env()?;
        Ok(Atlas::new(
            Client::new(SERVICE, auth, KEY_ENV, timeout),
            base,
        ))
    }

    pub fn new(client: Client, base: String) -> Atlas {
        Atlas { client, base }
    }

    /// The results URL for `q` (named in messages).
    pub fn results_url(&self, q: &ResultsQuery) -> String {
        format!("{}{}", self.base, q.path())
    }

    /// Opens the results body, to be read by the Atlas reader as it arrives.
    pub fn results(&self, q: &ResultsQuery) -> Result<Box<dyn Read + Send>, RemoteError> {
        let url = self.results_url(q);
        self.client.open(&Request {
            method: "GET",
            url: &url,
            json: None,
        })
    }

    /// Creates a one-off traceroute; returns its measurement id.
    pub fn create(&self, spec: &CreateSpec) -> Result<u64, RemoteError> {
        let url = format!("{}/api/v2/measurements/", self.base);
        let body = spec.body();
        let (_, bytes) = self.client.send(&Request {
            method: "POST",
            url: &url,
            json: Some(&body),
        })?;
        let created: Created =
            serde_json::from_slice(&bytes).map_err(|e| malformed(&url, e.to_string()))?;
        created
            .measurements
            .first()
            .copied()
            .ok_or_else(|| malformed(&url, "no measurement id in the answer".into()))
    }

    /// Reads the measurement's status until it stops, calling `progress(status)` on each
    /// change; a status naming a failure is an error.
    pub fn wait(
        &self,
        id: u64,
        interval: Duration,
        max_wait: Duration,
        progress: &mut dyn FnMut(&str),
    ) -> Result<(), RemoteError> {
        let url = format!("{}/api/v2/measurements/{id}/", self.base);
        let start = Instant::now();
        let mut last = String::new();
        loop {
            let (_, bytes) = self.client.send(&Request {
                method: "GET",
                url: &url,
                json: None,
            })?;
            let status: Status =
                serde_json::from_slice(&bytes).map_err(|e| malformed(&url, e.to_string()))?;
            let name = sanitize_text(&status.status.name, 40);
            if name != last {
                progress(&name);
                last = name.clone();
            }
            match name.as_str() {
                "Stopped" => return Ok(()),
                "Specified" | "Scheduled" | "Ongoing" => {}
                other => {
                    return Err(RemoteError::Status {
                        service: SERVICE,
                        status: 200,
                        url,
                        message: format!("measurement {id} ended as {other:?}"),
                    })
                }
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

fn malformed(url: &str, reason: String) -> RemoteError {
    RemoteError::Malformed {
        service: SERVICE,
        url: url.to_string(),
        reason: sanitize_text(&reason, 160),
    }
}
