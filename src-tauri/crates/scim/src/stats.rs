//! How long this process has waited on providers: the time during which at least one request
//! was out (from sending it until its whole body has arrived). For requests sent one after
//! another that is their summed times; requests sent side by side count once. Benchmarks
//! subtract it from a run's wall time to get the client's own share (the migration budget: at
//! most 10% of the run).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Requests out now, since when at least one has been, and the time waited before that.
struct Busy {
    out: u32,
    since: Option<Instant>,
    total: Duration,
}

impl Busy {
    const NONE: Busy = Busy {
        out: 0,
        since: None,
        total: Duration::ZERO,
    };

    fn start(&mut self, now: Instant) {
        if self.out == 0 {
            self.since = Some(now);
        }
        self.out += 1;
    }

    fn end(&mut self, now: Instant) {
        self.out = self.out.saturating_sub(1);
        if self.out == 0 {
            if let Some(since) = self.since.take() {
                self.total += now.saturating_duration_since(since);
            }
        }
    }

    fn waited(&self, now: Instant) -> Duration {
        self.total
            + self
                .since
                .map_or(Duration::ZERO, |s| now.saturating_duration_since(s))
    }
}

static BUSY: Mutex<Busy> = Mutex::new(Busy::NONE);

fn busy() -> std::sync::MutexGuard<'static, Busy> {
    BUSY.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One request being waited on, until it is stopped or dropped (a failed or cancelled one).
pub(crate) struct Waiting(());

impl Waiting {
    pub(crate) fn start() -> Self {
        busy().start(Instant::now());
        Waiting(())
    }

    /// The request was answered in full.
    pub(crate) fn stop(self) {
        REQUESTS.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        busy().end(Instant::now());
    }
}

/// Time spent waiting on providers (at least one request out), and the number of requests
/// answered, since start.
pub fn waited() -> (Duration, u64) {
    (
        busy().waited(Instant::now()),
        REQUESTS.load(Ordering::Relaxed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_side_by_side_count_once_and_one_after_another_add_up() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut b = Busy::NONE;
        // Two side by side (0-60 and 10-50), then two one after another (100-160, 200-260).
        b.start(at(0));
        b.start(at(10));
        b.end(at(50));
        assert_eq!(b.waited(at(55)), Duration::from_millis(55), "still one out");
        b.end(at(60));
        b.start(at(100));
        b.end(at(160));
        b.start(at(200));
        b.end(at(260));
        assert_eq!(b.waited(at(300)), Duration::from_millis(180));
        // An extra end (never started) does not go below zero or count time.
        b.end(at(310));
        assert_eq!(b.waited(at(400)), Duration::from_millis(180));
    }
}
