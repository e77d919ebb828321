//! The one HTTP client every remote service goes through.
//!
//! Public measurement APIs fail in a few ordinary ways, and each deserves one clear line
//! rather than a stack of causes: the key is wrong (401/403), the hourly allowance is spent
//! (429), the network or a proxy is down, the server is slow or answers something else. This
//! module turns each into a [`RemoteError`] and retries what is worth retrying: 429 and 5xx
//! answers and refused connections, up to [`MAX_ATTEMPTS`] times, waiting what `Retry-After`
//! asks (up to [`MAX_RETRY_AFTER`]) or backing off 1, 2, 4 s. Time-outs are not retried: a
//! server that is slow once is usually slow again, and the user is waiting.
//!
//! The client is ureq with rustls (blocking: one request at a time is all a poll loop needs,
//! and it keeps the async runtime out of this module). Proxies come from the environment
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), as curl reads them.

use super::RemoteError;
use std::io::Read;
use std::time::Duration;

/// Tries per request, the first included.
pub const MAX_ATTEMPTS: u32 = 4;
/// The longest `Retry-After` waited for; a longer one is reported instead.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The largest body read into memory (a measurement's JSON is tens of kilobytes).
pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;
/// Default time allowed for one request, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Overrides [`DEFAULT_TIMEOUT`], in seconds (for slow links, and tests).
pub const TIMEOUT_ENV: &str = "GLOBETRACE_HTTP_TIMEOUT";

/// One service's client: its name for messages, its credentials and its agent.
pub struct Client {
    agent: ureq::Agent,
    service: &'static str,
    /// The `Authorization` header value, when a token is set.
    authorization: Option<String>,
    /// The environment variable holding the token, named in auth errors.
    token_var: &'static str,
    timeout: Duration,
    /// The first backoff step (1 s; tests shorten it).
    backoff: Duration,
}

/// A request to send: method, URL and an optional JSON body.
pub struct Request<'a> {
    pub method: &'static str,
    pub url: &'a str,
    pub json: Option<&'a serde_json::Value>,
}

/// The timeout from [`TIMEOUT_ENV`], or the default; a bad value is a usage error.
pub fn timeout_from_env() -> Result<Duration, RemoteError> {
    match std::env::var(TIMEOUT_ENV) {
        Err(_) => Ok(DEFAULT_TIMEOUT),
        Ok(v) => match v.trim().parse::<f64>() {
            Ok(s) if s > 0.0 && s <= 3600.0 => Ok(Duration::from_secs_f64(s)),
            _ => Err(RemoteError::Usage(format!(
                "{TIMEOUT_ENV}={} is not a number of seconds from 0 to 3600",
                crate::text::sanitize_text(&v, 20)
            ))),
        },
    }
}

impl Client {
    /// A client for `service`; `authorization` is the whole header value (`Bearer …`, `Key …`).
    pub fn new(
        service: &'static str,
        authorization: Option<String>,
        token_var: &'static str,
        timeout: Duration,
    ) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .proxy(ureq::Proxy::try_from_env())
            .user_agent(concat!("globetrace/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
            service,
            authorization,
            token_var,
            timeout,
            backoff: Duration::from_secs(1),
        }
    }

    /// Shortens the backoff steps (tests).
    pub fn with_backoff(mut self, first: Duration) -> Client {
        self.backoff = first;
        self
    }

    /// Sends `req`, retrying as the module says, and returns the status and body of the first
    /// answer that is neither 429 nor 5xx; other statuses of 400 and above become errors.
    pub fn send(&self, req: &Request<'_>) -> Result<(u16, Vec<u8>), RemoteError> {
        let mut response = self.send_raw(req)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| self.transport_error(req.url, e))?;
        if status >= 400 {
            return Err(self.status_error(req.url, status, &body));
        }
        Ok((status, body))
    }

    /// Sends `req` like [`Client::send`] and hands back the body as a reader, for results too
    /// large to hold (an Atlas measurement's history).
    pub fn open(&self, req: &Request<'_>) -> Result<Box<dyn Read + Send>, RemoteError> {
        let mut response = self.send_raw(req)?;
        let status = response.status().as_u16();
        if status >= 400 {
            let body = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_vec()
                .unwrap_or_default();
            return Err(self.status_error(req.url, status, &body));
        }
        let reader = response
            .into_body()
            .into_with_config()
            .limit(u64::MAX)
            .reader();
        Ok(Box::new(reader))
    }

    fn send_raw(&self, req: &Request<'_>) -> Result<ureq::http::Response<ureq::Body>, RemoteError> {
        let mut attempt = 1;
        loop {
            let outcome = self.once(req);
            let wait = match &outcome {
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    match retry_after(r) {
                        Some(w) if w > MAX_RETRY_AFTER => {
                            return Err(RemoteError::Limit {
                                service: self.service,
                                retry_after: Some(w.as_secs()),
                                token_var: self.token_var,
                            })
                        }
                        Some(w) => w,
                        None => self.backoff * 2u32.pow(attempt - 1),
                    }
                }
                Ok(_) => return outcome.map_err(|e| self.transport_error(req.url, e)),
                Err(e) if is_refused(e) => self.backoff * 2u32.pow(attempt - 1),
                Err(_) => return outcome.map_err(|e| self.transport_error(req.url, e)),
            };
            if attempt == MAX_ATTEMPTS {
                return match outcome {
                    Ok(r) if r.status().as_u16() == 429 => Err(RemoteError::Limit {
                        service: self.service,
                        retry_after: retry_after(&r).map(|d| d.as_secs()),
                        token_var: self.token_var,
                    }),
                    Ok(mut r) => {
                        let status = r.status().as_u16();
                        let body = r
                            .body_mut()
                            .with_config()
                            .limit(64 * 1024)
                            .read_to_vec()
                            .unwrap_or_default();
                        Err(self.status_error(req.url, status, &body))
                    }
                    Err(e) => Err(self.transport_error(req.url, e)),
                };
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn once(&self, req: &Request<'_>) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let body = req.json.map(|j| j.to_string());
        let mut builder = ureq::http::Request::builder()
            .method(req.method)
            .uri(req.url)
            .header("Accept", "application/json");
        if let Some(auth) = &self.authorization {
            builder = builder.header("Authorization", auth);
        }
        match body {
            Some(b) => {
                let request = builder
                    .header("Content-Type", "application/json")
                    .body(b)
                    .map_err(ureq::Error::from)?;
                self.agent.run(request)
            }
            None => {
                let request = builder.body(()).map_err(ureq::Error::from)?;
                self.agent.run(request)
            }
        }
    }

    fn transport_error(&self, url: &str, e: ureq::Error) -> RemoteError {
        match e {
            ureq::Error::Timeout(_) => RemoteError::Timeout {
                service: self.service,
                url: url.to_string(),
                secs: self.timeout.as_secs_f64(),
            },
            ureq::Error::BodyExceedsLimit(limit) => RemoteError::Malformed {
                service: self.service,
                url: url.to_string(),
                reason: format!("a body larger than {limit} bytes"),
            },
            other => RemoteError::Network {
                service: self.service,
                url: url.to_string(),
                reason: crate::text::sanitize_text(&other.to_string(), 200),
            },
        }
    }

    fn status_error(&self, url: &str, status: u16, body: &[u8]) -> RemoteError {
        match status {
            401 | 403 => RemoteError::Auth {
                service: self.service,
                status,
                token_var: self.token_var,
                token_set: self.authorization.is_some(),
            },
            429 => RemoteError::Limit {
                service: self.service,
                retry_after: None,
                token_var: self.token_var,
            },
            _ => RemoteError::Status {
                service: self.service,
                status,
                url: url.to_string(),
                message: error_message(body),
            },
        }
    }
}

/// True for a connection refused or reset before any answer: worth another try.
fn is_refused(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::ConnectionFailed => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset
        ),
        _ => false,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not honoured: backoff applies).
fn retry_after(r: &ureq::http::Response<ureq::Body>) -> Option<Duration> {
    r.headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The message an API put in its error body (`{"error":{"message":…}}` for Globalping,
/// `{"error":{"detail":…}}` for Atlas), sanitised; or the start of the body as text.
pub fn error_message(body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        let e = v.get("error")?;
        e.get("message")
            .or_else(|| e.get("detail"))
            .or_else(|| e.get("title"))
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .or_else(|| e.as_str().map(str::to_string))
    });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let clean = crate::text::sanitize_text(&text, 200);
    if clean.is_empty() {
        "no message".to_string()
    } else {
        clean
    }
}
