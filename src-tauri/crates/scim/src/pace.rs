//! One pace for every request to a provider, learned from its answers.
//!
//! A provider that limits requests says so: a 429 with `Retry-After`, and, with most of them,
//! rate-limit headers on every answer: the IETF fields (`RateLimit-Policy: 20;w=1`,
//! `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, or the newer
//! `RateLimit: r=..;t=..` with `RateLimit-Policy: q=..;w=..`), GitHub's `X-RateLimit-*` and
//! Okta's `X-Rate-Limit-*` (their reset as a Unix time). The pacer turns them into two rules
//! that hold for every clone of a client, so requests in flight at once stop together:
//! - after a 429 or 503 with `Retry-After`, and when a quota says nothing is left, no request
//!   starts before the time given;
//! - once a quota is nearly used, requests start no closer together than the quota allows
//!   (its rate, 2% under), so the provider is not asked faster than it answers and no second
//!   429 comes.
//!
//! A provider that states no quota but refuses with 429 teaches its rate by its refusals: the
//! requests it accepted between two of them, over the time between. When it refuses as soon
//! at that pace as without it, its refusals are not about the rate and the pace is dropped
//! (only the holds stay). A provider that never refuses is never slowed.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use reqwest::header::HeaderMap;

/// Requests still allowed by a quota at which pacing starts: the requests a pager keeps in
/// flight at once (each may take one more).
const MARGIN: u64 = 4;

/// What the pacer knows.
#[derive(Debug, Default)]
struct State {
    /// No request starts before this.
    hold_until: Option<Instant>,
    /// The least time between request starts the provider's quota allows.
    interval: Option<Duration>,
    /// The quota is nearly used: requests are spaced by `interval`.
    pacing: bool,
    next_start: Option<Instant>,
    /// The interval comes from the provider's quota fields (else learned from its refusals).
    stated: bool,
    /// The last refusal, and the requests accepted since.
    last_refusal: Option<Instant>,
    accepted_since: u32,
    /// Requests accepted between the two refusals the pace was learned from.
    learned_from: u32,
    /// Refusals came as soon at the learned pace as without one: they are not about the rate.
    not_the_rate: bool,
}

/// The pace of one provider's requests (shared by a client's clones).
#[derive(Debug, Default)]
pub(crate) struct Pacer(Mutex<State>);

/// A provider's quota as one answer states it.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Quota {
    /// Requests per window, and the window.
    pub rate: Option<(u64, Duration)>,
    pub remaining: Option<u64>,
    /// When the quota is whole again (or, for a token bucket, has room again).
    pub reset: Option<Duration>,
}

fn number(s: &str) -> Option<f64> {
    s.trim().trim_matches('"').parse::<f64>().ok()
}

/// `key=value` parameters of a structured field (`"default";q=20;w=1`, `20;w=1`, `r=3, t=1`).
fn params(field: &str) -> impl Iterator<Item = (&str, &str)> {
    field
        .split([';', ','])
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
}

/// A reset given as seconds from now or as a Unix time (GitHub, Okta).
fn reset_of(v: f64) -> Duration {
    if v > 1.0e9 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Duration::from_secs_f64((v - now).max(0.0))
    } else {
        Duration::from_secs_f64(v.max(0.0))
    }
}

impl Quota {
    /// The quota an answer's headers state, in whichever of the usual forms.
    pub fn of(headers: &HeaderMap) -> Quota {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let mut q = Quota::default();
        for prefix in ["ratelimit", "x-ratelimit", "x-rate-limit"] {
            if q.remaining.is_none() {
                q.remaining = get(&format!("{prefix}-remaining"))
                    .and_then(number)
                    .map(|v| v as u64);
            }
            if q.reset.is_none() {
                q.reset = get(&format!("{prefix}-reset"))
                    .and_then(number)
                    .map(reset_of);
            }
            if let (None, Some(limit)) = (q.rate, get(&format!("{prefix}-limit")).and_then(number))
            {
                // A limit without a policy's window: GitHub and Okta count per hour and per
                // minute; the window is the time to the reset, a bound the quota never beats.
                q.rate = Some((limit as u64, Duration::ZERO));
            }
        }
        if let Some(policy) = get("ratelimit-policy") {
            let mut quota = policy.split(';').next().and_then(number).map(|v| v as u64);
            let mut window = None;
            for (k, v) in params(policy) {
                match k {
                    "q" => quota = number(v).map(|v| v as u64),
                    "w" => window = number(v).map(Duration::from_secs_f64),
                    _ => {}
                }
            }
            if let (Some(quota), Some(window)) = (quota, window) {
                q.rate = Some((quota, window));
            }
        }
        if let Some(field) = get("ratelimit") {
            for (k, v) in params(field) {
                match k {
                    "r" => q.remaining = number(v).map(|v| v as u64),
                    "t" => q.reset = number(v).map(reset_of),
                    _ => {}
                }
            }
        }
        q
    }

    /// The least time between requests this quota allows, 2% over its rate.
    fn interval(&self) -> Option<Duration> {
        let spaced = |window: Duration, n: u64| {
            window.mul_f64(1.02) / u32::try_from(n.max(1)).unwrap_or(u32::MAX)
        };
        match (self.rate, self.remaining, self.reset) {
            (Some((n, w)), _, _) if !w.is_zero() && n > 0 => Some(spaced(w, n)),
            // A windowed quota: what is left, spread over the time until it is whole again.
            (_, Some(left), Some(reset)) if !reset.is_zero() => Some(spaced(reset, left)),
            _ => None,
        }
    }
}

/// Requests accepted at a learned pace after which it is tried 5% faster.
const TRY_FASTER_AFTER: u32 = 100;

impl State {
    /// Learns a pace from refusals alone (a provider that states no quota): the requests it
    /// accepted between two refusals, over the time between them, is the rate it allows. At
    /// that pace, every hundred requests accepted the pace is tried 5% faster, so a limit that
    /// was lifted is found again.
    fn learn(&mut self, now: Instant, status: u16) {
        if status == 429 {
            if let (Some(before), true, false) = (
                self.last_refusal,
                self.accepted_since > 0,
                self.not_the_rate,
            ) {
                if self.interval.is_some() && self.accepted_since <= self.learned_from {
                    // Refused as soon at the learned pace as before it: no pace avoids these.
                    self.interval = None;
                    self.not_the_rate = true;
                } else {
                    let between = now - before;
                    self.interval = Some(between.mul_f64(1.02) / self.accepted_since);
                    self.learned_from = self.accepted_since;
                }
            }
            self.last_refusal = Some(now);
            self.accepted_since = 0;
        } else if (200..300).contains(&status) {
            self.accepted_since += 1;
            if let (Some(i), true) = (
                self.interval,
                self.accepted_since.is_multiple_of(TRY_FASTER_AFTER),
            ) {
                self.interval = Some(i.mul_f64(0.95));
            }
        }
    }
}

impl Pacer {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until a request may start, and takes its turn.
    pub async fn wait_turn(&self) {
        let wait = {
            let mut s = self.state();
            let now = Instant::now();
            let mut at = now;
            if let Some(h) = s.hold_until {
                if h > now {
                    at = h;
                } else {
                    s.hold_until = None;
                }
            }
            if let (true, Some(interval)) = (s.pacing, s.interval) {
                if let Some(next) = s.next_start {
                    at = at.max(next);
                }
                s.next_start = Some(at + interval);
            }
            at - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Learns from an answer: its quota headers, and a refusal's `Retry-After`.
    pub fn observe(&self, headers: &HeaderMap, status: u16, retry_after: Option<Duration>) {
        let quota = Quota::of(headers);
        let mut s = self.state();
        let now = Instant::now();
        let mut hold = |until: Instant| {
            if s.hold_until.is_none_or(|h| h < until) {
                s.hold_until = Some(until);
            }
        };
        if let (429 | 503, Some(after)) = (status, retry_after) {
            hold(now + after);
        }
        if let (Some(0), Some(reset)) = (quota.remaining, quota.reset) {
            hold(now + reset);
        }
        if let Some(interval) = quota.interval() {
            s.interval = Some(interval);
            s.stated = true;
        } else if !s.stated {
            s.learn(now, status);
        }
        match quota.remaining {
            Some(left) => s.pacing = left <= MARGIN || status == 429,
            None if status == 429 => s.pacing = true,
            None => {}
        }
        if !s.pacing {
            s.next_start = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn every_usual_form_of_quota_is_read() {
        let ietf7 = Quota::of(&headers(&[
            ("RateLimit-Limit", "20"),
            ("RateLimit-Remaining", "3"),
            ("RateLimit-Reset", "1"),
            ("RateLimit-Policy", "20;w=1"),
        ]));
        assert_eq!(ietf7.rate, Some((20, Duration::from_secs(1))));
        assert_eq!(ietf7.remaining, Some(3));
        assert_eq!(ietf7.reset, Some(Duration::from_secs(1)));
        let ietf8 = Quota::of(&headers(&[
            ("RateLimit-Policy", "\"default\";q=100;w=60"),
            ("RateLimit", "\"default\";r=50;t=30"),
        ]));
        assert_eq!(ietf8.rate, Some((100, Duration::from_secs(60))));
        assert_eq!(
            (ietf8.remaining, ietf8.reset),
            (Some(50), Some(Duration::from_secs(30)))
        );
        let in_a_minute = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 60;
        let okta = Quota::of(&headers(&[
            ("X-Rate-Limit-Limit", "600"),
            ("X-Rate-Limit-Remaining", "120"),
            ("X-Rate-Limit-Reset", &in_a_minute.to_string()),
        ]));
        assert_eq!(okta.remaining, Some(120));
        let reset = okta.reset.unwrap().as_secs_f64();
        assert!((58.0..=60.0).contains(&reset), "{reset}");
        // 120 left for about 60 s: one every half second or so.
        let i = okta.interval().unwrap().as_secs_f64();
        assert!((0.48..=0.52).contains(&i), "{i}");
        assert_eq!(Quota::of(&HeaderMap::new()), Quota::default());
    }

    #[tokio::test(start_paused = true)]
    async fn a_nearly_used_quota_spaces_requests_at_its_rate() {
        let p = Pacer::default();
        let h = headers(&[("RateLimit-Policy", "50;w=1"), ("RateLimit-Remaining", "2")]);
        p.observe(&h, 200, None);
        let started = Instant::now();
        for _ in 0..6 {
            p.wait_turn().await;
        }
        // Five gaps of 20.4 ms (time is simulated: exact).
        assert_eq!(started.elapsed(), Duration::from_secs_f64(0.0204) * 5);
        // With room again, requests go at once.
        p.observe(&headers(&[("RateLimit-Remaining", "40")]), 200, None);
        let started = Instant::now();
        for _ in 0..6 {
            p.wait_turn().await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_alone_teach_the_rate_between_them() {
        let p = Pacer::default();
        let none = HeaderMap::new();
        p.observe(&none, 429, Some(Duration::from_secs(1)));
        tokio::time::advance(Duration::from_secs(1)).await;
        for _ in 0..20 {
            p.observe(&none, 200, None);
        }
        tokio::time::advance(Duration::from_millis(50)).await;
        // 20 accepted in the 1.05 s between two refusals: one every 53.55 ms from now on.
        p.observe(&none, 429, Some(Duration::from_secs(1)));
        let started = Instant::now();
        for _ in 0..3 {
            p.wait_turn().await;
        }
        // Two gaps (the simulated clock sleeps in whole milliseconds).
        let paced = (started.elapsed() - Duration::from_secs(1)).as_secs_f64();
        let want = 1.050 * 1.02 / 20.0 * 2.0;
        assert!((paced - want).abs() < 0.002, "{paced} s, want {want} s");
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_that_come_whatever_the_pace_drop_it() {
        let p = Pacer::default();
        let none = HeaderMap::new();
        // Every ninth request refused, however fast the others come.
        for _ in 0..3 {
            p.observe(&none, 429, Some(Duration::from_secs(1)));
            tokio::time::advance(Duration::from_secs(1)).await;
            for _ in 0..8 {
                p.wait_turn().await;
                p.observe(&none, 200, None);
            }
        }
        assert!(p.state().not_the_rate);
        assert_eq!(p.state().interval, None);
        let started = Instant::now();
        for _ in 0..5 {
            p.wait_turn().await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_holds_every_request() {
        let p = Pacer::default();
        p.observe(&HeaderMap::new(), 429, Some(Duration::from_millis(80)));
        let started = Instant::now();
        p.wait_turn().await;
        assert_eq!(started.elapsed(), Duration::from_millis(80));
        // A provider that states no quota is not paced after its hold.
        let started = Instant::now();
        p.observe(&HeaderMap::new(), 200, None);
        p.wait_turn().await;
        p.wait_turn().await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
