//! Traces from somewhere else: Globalping and RIPE Atlas probes, annotated like local ones.
//!
//! One machine sees one set of paths. "How do users in Singapore reach us?" needs a vantage
//! point in Singapore, and two public platforms offer thousands: Globalping (traceroute and
//! mtr from chosen locations, no key needed within hourly limits) and RIPE Atlas (public
//! results readable by anyone; new measurements need a key). This module drives them and
//! hands back the same [`Record`](crate::import::Record)s a saved file gives, so everything
//! downstream (hints, distances, maps, the many-trace report) is shared.
//!
//! - [`http`]: the one client: time-outs, retries honouring `Retry-After`, one-line errors.
//! - [`globalping`]: create a measurement, poll it, turn each probe's result into a trace.
//! - [`atlas`]: build result and creation requests; results are read by the Atlas reader of
//!   `import`, streamed.
//!
//! API bodies are untrusted: every string taken from one is sanitised here, where it enters.
//! Base URLs can be pointed elsewhere (`GLOBETRACE_GLOBALPING_URL`, `GLOBETRACE_ATLAS_URL`),
//! which is how the tests replay recorded answers from a server on loopback.

pub mod atlas;
pub mod globalping;
pub mod http;

use thiserror::Error;

/// What went wrong talking to a remote service; each prints as one line.
#[derive(Debug, Error)]
pub enum RemoteError {
    #[error("{service}: credentials refused (HTTP {status}); {}", auth_hint(token_var, *token_set))]
    Auth {
        service: &'static str,
        status: u16,
        token_var: &'static str,
        token_set: bool,
    },
    #[error("{service}: rate limit reached (HTTP 429){}; set {token_var} for higher limits or try later",
            retry_after.map(|s| format!(", retry after {s} s")).unwrap_or_default())]
    Limit {
        service: &'static str,
        retry_after: Option<u64>,
        token_var: &'static str,
    },
    #[error("{service}: cannot reach {url}: {reason}")]
    Network {
        service: &'static str,
        url: String,
        reason: String,
    },
    #[error("{service}: no answer from {url} within {secs} s")]
    Timeout {
        service: &'static str,
        url: String,
        secs: f64,
    },
    #[error("{service}: HTTP {status} from {url}: {message}")]
    Status {
        service: &'static str,
        status: u16,
        url: String,
        message: String,
    },
    #[error("{service}: unexpected answer from {url}: {reason}")]
    Malformed {
        service: &'static str,
        url: String,
        reason: String,
    },
    #[error("{service}: measurement {id} did not finish within {secs} s")]
    Unfinished {
        service: &'static str,
        id: String,
        secs: u64,
    },
    #[error("{0}")]
    Usage(String),
}

fn auth_hint(var: &str, set: bool) -> String {
    if set {
        format!("check the key in {var}")
    } else {
        format!("this needs a key: set {var}")
    }
}

impl RemoteError {
    /// 2 for what the user asked wrongly (a bad setting or key), 1 for run-time failures.
    pub fn exit_code(&self) -> u8 {
        match self {
            RemoteError::Usage(_) | RemoteError::Auth { .. } => 2,
            _ => 1,
        }
    }
}

/// The base URL from `var`, or `default`, without a trailing slash; only http(s) URLs.
pub fn base_url(var: &str, default: &str) -> Result<String, RemoteError> {
    let url = std::env::var(var).unwrap_or_else(|_| default.to_string());
    let url = url.trim().trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(RemoteError::Usage(format!(
            "{var}={} is not an http(s) URL",
            crate::text::sanitize_text(&url, 80)
        )));
    }
    Ok(url)
}

/// A token from the environment, when set and not empty.
pub fn token(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}
