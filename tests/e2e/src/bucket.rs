//! The quirk proxy's rate limit: a token bucket, as rate-limited providers keep one.

use std::sync::{Arc, Mutex};

/// A token bucket in front of the provider, as rate-limited providers keep one: `rate`
/// requests a second, up to `burst` at once; a request finding it empty is answered 429 with
/// `Retry-After`. With `headers`, every answer states the quota in the IETF fields
/// (`RateLimit-Policy: 20;w=1`, `RateLimit-Remaining`, `RateLimit-Reset`), as most limited
/// providers do in one form or another; without, only the 429's `Retry-After` says anything.
#[derive(Debug)]
pub struct Bucket {
    pub rate: f64,
    pub burst: f64,
    pub headers: bool,
    tokens: f64,
    last: std::time::Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate: f64, burst: u32, headers: bool) -> Self {
        Bucket {
            rate,
            burst: f64::from(burst),
            headers,
            tokens: f64::from(burst),
            last: std::time::Instant::now(),
        }
    }

    /// Takes a token: `Ok(tokens left)` or `Err(seconds until one is back)`.
    pub(crate) fn take(&mut self) -> Result<f64, f64> {
        let now = std::time::Instant::now();
        self.tokens = (self.tokens + (now - self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(self.tokens)
        } else {
            Err((1.0 - self.tokens) / self.rate)
        }
    }

    /// The quota fields of an answer, with `left` tokens.
    pub(crate) fn fields(&self, left: f64) -> String {
        if !self.headers {
            return String::new();
        }
        let reset = ((self.burst - left) / self.rate).ceil().max(0.0);
        format!(
            "RateLimit-Policy: {};w=1\r\nRateLimit-Remaining: {}\r\nRateLimit-Reset: {reset}\r\n",
            self.rate,
            left.floor()
        )
    }
}

pub(crate) type Limiter = Arc<Mutex<Option<Bucket>>>;
