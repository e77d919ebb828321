//! The shared send budget: a token bucket over a synthetic clock (time comes in as arguments,
//! so the scheduler's tests control it).

use std::time::{Duration, Instant};

/// Token bucket over a synthetic clock.
#[derive(Debug, Clone)]
pub(super) struct TokenBucket {
    rate: Option<f64>,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    pub(super) fn new(rate: Option<f64>, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        TokenBucket {
            rate: rate.filter(|r| r.is_finite() && *r > 0.0),
            burst,
            tokens: burst,
            at: now,
        }
    }

    pub(super) fn refill(&mut self, now: Instant) {
        if let Some(rate) = self.rate {
            let dt = now.saturating_duration_since(self.at).as_secs_f64();
            self.tokens = (self.tokens + dt * rate).min(self.burst);
        }
        self.at = self.at.max(now);
    }

    pub(super) fn ready(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.rate.is_none() || self.tokens >= 1.0
    }

    pub(super) fn take(&mut self) {
        if self.rate.is_some() {
            self.tokens -= 1.0;
        }
    }

    /// When the next token will be there, if none is now.
    pub(super) fn next_token(&self) -> Option<Instant> {
        let rate = self.rate?;
        (self.tokens < 1.0).then(|| self.at + Duration::from_secs_f64((1.0 - self.tokens) / rate))
    }
}
